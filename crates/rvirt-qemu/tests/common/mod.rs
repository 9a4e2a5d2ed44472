//! Shared helpers for tests that run real QEMU guests.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code, unused_imports)]

use std::path::Path;

pub use rvirt_testkit::{qemu_pids_for, wait_for, KillOnDrop, TestGuest as Guest};

/// Whether QEMU tests can run here. Under CI (`CI=true`) a missing QEMU fails the test;
/// elsewhere the test prints a note and is skipped.
pub fn qemu_available() -> bool {
    let present = Path::new("/usr/bin/qemu-system-x86_64").exists();
    if !present {
        rvirt_testkit::skip_or_fail("qemu-system-x86_64 (apt-get install qemu-system-x86)");
    }
    present
}

/// Builds (or reuses) the test guest with scripts/build-test-guest.sh.
pub fn test_guest() -> Guest {
    Guest::build().unwrap_or_else(|e| panic!("{e}"))
}

/// A domain booting the test guest directly, its serial console logged to `console`.
pub fn guest_xml(name: &str, guest: &Guest, console: &Path, extra_devices: &str) -> String {
    guest.domain_xml(name, console, extra_devices)
}

pub fn file_contains(path: &Path, needle: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains(needle))
}
