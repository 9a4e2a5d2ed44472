//! The reference daemon for these tests: Debian's libvirtd 9.0 started privately (see
//! rvirt-testkit), with a one-second keepalive so keepalive tests run quickly.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test helpers may unwrap

pub mod compare;

pub use rvirt_testkit::Libvirtd;
use rvirt_testkit::{libvirtd_or_skip, LibvirtdOptions};

fn options(tcp: bool) -> LibvirtdOptions {
    LibvirtdOptions {
        tcp,
        extra_conf: "keepalive_interval = 1\nkeepalive_count = 3\n".into(),
        idle_timeout: Some(120),
        ..LibvirtdOptions::default()
    }
}

/// Starts a daemon or decides what to do without one: under CI it is a failure, elsewhere
/// the test prints a note and passes.
pub fn daemon_or_skip(test: &str) -> Option<Libvirtd> {
    libvirtd_or_skip(test, &options(false))
}

/// Like [`daemon_or_skip`], optionally listening on plain TCP too.
pub fn daemon_with_or_skip(test: &str, tcp: bool) -> Option<Libvirtd> {
    libvirtd_or_skip(test, &options(tcp))
}
