//! Node device events over the wire on a QEMU connection: a libvirt-python client registered
//! on `qemu+unix:///system` against `rvirtd --root TMP` sees CREATED for both ends of a veth
//! pair the test creates in the host namespace, and DELETED once it is removed. The pair is
//! never brought up and gets no addresses (so no traffic), and is removed even on failure.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rvirt_testkit::skip_or_fail;

/// The lifecycle event numbers as libvirt-python names them.
const CREATED: &str = "VIR_NODE_DEVICE_EVENT_CREATED";
const DELETED: &str = "VIR_NODE_DEVICE_EVENT_DELETED";

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `libvirt.<name>` as the installed module defines it.
fn python_constant(name: &str) -> String {
    let out = Command::new(common::PYTHON)
        .args(["-c", &format!("import libvirt; print(libvirt.{name})")])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Deletes the veth pair on drop (deleting one end removes both).
struct VethPair(String);

impl Drop for VethPair {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.0])
            .stderr(Stdio::null())
            .status();
    }
}

/// The python client; killed (by its pid) when dropped.
struct EventClient(Child);

impl Drop for EventClient {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for the line `event NAME EVENT` of a device whose name starts with `prefix`;
/// lines read meanwhile stay in `seen`, so none is lost whatever their order.
fn wait_for(
    rx: &mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    prefix: &str,
    event: &str,
) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let found = seen.iter().find_map(|line| {
            let mut words = line.split(' ');
            match (words.next(), words.next(), words.next()) {
                (Some("event"), Some(name), Some(e)) if e == event && name.starts_with(prefix) => {
                    Some(name.to_string())
                }
                _ => None,
            }
        });
        if found.is_some() {
            return found;
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        seen.push(rx.recv_timeout(left).ok()?);
    }
}

#[test]
fn veth_pair_events_reach_a_qemu_client() {
    if !is_root() {
        return skip_or_fail("root (creating a veth pair)");
    }
    if !common::have_python_libvirt() {
        return;
    }
    let created = python_constant(CREATED);
    let deleted = python_constant(DELETED);
    let mut daemon = common::Daemon::start();
    let uri = format!("qemu+unix:///system?socket={}", daemon.socket().display());

    let child = Command::new(common::PYTHON)
        .arg(common::tests_dir().join("python/nodedev_events.py"))
        .arg(&uri)
        .env_remove("LIBVIRT_DEFAULT_URI")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut client = EventClient(child);
    let stdout = client.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let ready = rx.recv_timeout(Duration::from_secs(20));
    if ready.as_deref() != Ok("ready") {
        let mut err = String::new();
        let _ = client.0.kill();
        if let Some(mut e) = client.0.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        panic!(
            "client not ready: {ready:?}\n{err}\nrvirtd log:\n{}",
            daemon.log()
        );
    }

    let pid = std::process::id();
    let (a, b) = (format!("rvnd0-{pid}"), format!("rvnd1-{pid}"));
    let out = Command::new("ip")
        .args(["link", "add", &a, "type", "veth", "peer", "name", &b])
        .output()
        .unwrap();
    if !out.status.success() {
        return skip_or_fail(&format!(
            "creating a veth pair: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let pair = VethPair(a.clone());

    let prefix_a = format!("net_rvnd0_{pid}_");
    let prefix_b = format!("net_rvnd1_{pid}_");
    let mut seen = Vec::new();
    let created_a = wait_for(&rx, &mut seen, &prefix_a, &created);
    let created_b = wait_for(&rx, &mut seen, &prefix_b, &created);
    drop(pair);
    let deleted_a = wait_for(&rx, &mut seen, &prefix_a, &deleted);
    let deleted_b = wait_for(&rx, &mut seen, &prefix_b, &deleted);

    // The client deregisters and closes cleanly.
    drop(client.0.stdin.take());
    let done = rx.recv_timeout(Duration::from_secs(10));
    let status = client.0.wait().unwrap();

    assert!(created_a.is_some(), "no CREATED for {a}: {seen:?}");
    assert!(created_b.is_some(), "no CREATED for {b}: {seen:?}");
    assert_eq!(deleted_a, created_a, "DELETED for {a}: {seen:?}");
    assert_eq!(deleted_b, created_b, "DELETED for {b}: {seen:?}");
    // The name is libvirt's: net_IFNAME_MAC.
    let name_a = created_a.unwrap();
    assert!(name_a.len() > prefix_a.len(), "{name_a}");
    assert_eq!(done.as_deref(), Ok("done"));
    assert!(status.success());
    assert!(daemon.stop(), "rvirtd did not exit cleanly");
}

/// On a test-driver connection the hypervisor driver raises node device events itself (the
/// daemon falls back to it): creating and destroying a vHBA through rvirtd gives the events
/// libvirt's own test driver gives in-process.
#[test]
fn test_driver_node_device_events_match_libvirt() {
    if !common::have_python_libvirt() {
        return;
    }
    let mut daemon = common::Daemon::start();
    let script = common::tests_dir().join("python/nodedev_events_created.py");
    let (expected, err, ok) = common::run_python(&script, &["test:///default"]);
    assert!(ok, "libvirt's test driver: {err}");
    let (got, err, ok) = common::run_python(&script, &[&daemon.uri()]);
    assert!(ok, "through rvirtd: {err}\nrvirtd log:\n{}", daemon.log());
    assert_eq!(got, expected);
    assert!(daemon.stop(), "rvirtd did not exit cleanly");
}
