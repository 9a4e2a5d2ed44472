//! Prerequisites of a test. Under CI (`CI=true`) every tool a test needs is installed by
//! `.ci/run`, so a missing one is a failure; elsewhere the test notes what it lacks and
//! passes without checking anything.

use std::process::{Command, Stdio};

/// Whether the tests run under CI.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Reports a missing prerequisite: panics under CI, otherwise prints a note. Callers return
/// right after it.
pub fn skip_or_fail(why: &str) {
    assert!(!under_ci(), "required for this test under CI: {why}");
    eprintln!("note: skipping: {why}");
}

/// Whether `name` is a command on PATH.
pub fn have_tool(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", "command -v \"$0\""])
        .arg(name)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether this process runs as root (mount namespaces and device access need it).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
