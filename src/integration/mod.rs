//! The integration side of the request path: what apigate sends to a Lambda function (or the
//! mock) and how the answer becomes the client response.
//!
//! # Layout
//! - [`custom`]: Lambda custom (`AWS`) and `MOCK` integrations: mapping templates, integration
//!   responses, method request validation.

pub mod custom;
