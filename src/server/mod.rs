//! Listeners: the admin listener (the client listener lives beside it).
//!
//! # Layout
//! - [`admin`]: `/metrics`, `/healthz`, `/readyz` on the `admin` address.

pub mod admin;
