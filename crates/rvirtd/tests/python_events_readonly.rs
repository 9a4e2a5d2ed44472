//! Events and the read-only socket, checked with python3-libvirt against libvirt's own
//! in-process test driver.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Daemon;

fn compare(script: &str, remote_uri: impl Fn(&Daemon) -> String) -> String {
    let script = common::tests_dir().join("python").join(script);
    let (local, local_err, ok) = common::run_python(&script, &["test:///default"]);
    assert!(ok, "in-process run failed: {local_err}");
    let daemon = Daemon::start();
    let (remote, remote_err, ok) = common::run_python(&script, &[&remote_uri(&daemon)]);
    assert!(ok, "run against rvirtd failed: {remote_err}");
    assert_eq!(remote, local, "rvirtd differs from libvirt");
    remote
}

#[test]
fn lifecycle_events_arrive_in_order() {
    if !common::have_python_libvirt() {
        return;
    }
    let events = compare("events.py", Daemon::uri);
    // Modern and legacy callbacks both saw the suspend of `test` first.
    let mut lines = events.lines();
    assert!(
        lines.next().is_some_and(|l| l.starts_with("any test ")),
        "{events}"
    );
    assert!(events.lines().count() >= 20, "{events}");
    assert!(events.contains("network default"), "{events}");
    assert!(events.contains("pool default-pool"), "{events}");
}

#[test]
fn read_only_socket_serves_listing_and_refuses_changes() {
    if !common::have_python_libvirt() {
        return;
    }
    let out = compare("readonly.py", Daemon::ro_uri);
    assert!(out.contains("listAllDomains: ['test']"), "{out}");
    assert!(out.contains("defineXML: error 29 "), "{out}");
}
