//! Helpers shared by the end-to-end tests (each test binary declares `mod support;`).
//!
//! - [`stub_lambda`]: a stub Lambda endpoint (Invoke API, RIE and Function URL shapes) on port 0.
//!
//! Note: `expect.rs` (conformance matching, added by another branch) is declared here as
//! `pub mod expect;` when it lands; it did not exist on this branch.

// Each test binary uses a different subset of the helpers.
#![allow(dead_code)]

pub mod stub_lambda;
