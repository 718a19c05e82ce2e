pub mod escape;
pub mod java_number;
pub mod java_regex;
