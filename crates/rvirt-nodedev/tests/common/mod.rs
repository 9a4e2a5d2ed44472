//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The committed fixture tree.
pub fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/host1")
}

/// A private copy of the fixture (symlinks preserved) that tests may write to.
pub fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let status = Command::new("cp")
        .arg("-a")
        .arg(fixture_root())
        .arg(tmp.path())
        .status()
        .unwrap();
    assert!(status.success());
    let root = tmp.path().join("host1");
    (tmp, root)
}
