//! Java `java.util.regex.Pattern` semantics on top of the `regex` and `fancy-regex` crates.
