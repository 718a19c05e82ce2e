//! Configuration: the YAML file, validated and compiled once into an immutable snapshot.
//!
//! # Layout
//! - [`model`]: the compiled snapshot ([`model::Config`], [`model::Api`]) the request path reads.
//! - [`media`]: compiled media-type lists (`binaryMediaTypes`).

pub mod decode;
pub mod error;
pub mod media;
pub mod model;
pub mod position;
pub mod raw;
