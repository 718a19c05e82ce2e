//! Where the project's `shared/` folder is (specs, conformance cases, perf inputs): the one place
//! the tests and benches look it up. Benches include this file by path, so it uses only `std`;
//! each includer uses one of the two functions.
#![allow(dead_code)]

use std::path::PathBuf;

/// `$APIGATE_SHARED` when set; else the first of `../shared` and `../../shared` (a worktree one
/// level deeper) from the crate root that holds `conformance/` or `perf/`.
pub fn find() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("APIGATE_SHARED") {
        return Some(PathBuf::from(dir));
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [root.join("../shared"), root.join("../../shared")]
        .into_iter()
        .find(|dir| dir.join("conformance").is_dir() || dir.join("perf").is_dir())
}

/// [`find`], or a panic saying how to point at the folder.
pub fn shared_dir() -> PathBuf {
    find().unwrap_or_else(|| panic!("shared/ not found next to the crate: set APIGATE_SHARED"))
}
