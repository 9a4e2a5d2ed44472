//! Real hotplug: a veth pair created in the host namespace (never brought up, no addresses,
//! so no traffic) must show up through the kernel's uevents as node device CREATED events,
//! and its deletion as DELETED events. The pair is removed even when the test fails.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod common;

use std::process::Command;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rvirt_core::events::nodedev_lifecycle;
use rvirt_core::{Event, NodeDeviceDriver};
use rvirt_nodedev::NodeDevDriver;

/// Deletes the veth pair on drop (deleting one end removes both).
struct VethPair {
    name: String,
}

impl Drop for VethPair {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.name])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Waits until an event of a device whose name starts with `prefix` has been seen; events
/// received meanwhile are kept in `seen`, so none is lost whatever their order.
fn wait_for(
    rx: &mpsc::Receiver<(String, i32)>,
    seen: &mut Vec<(String, i32)>,
    prefix: &str,
    event: i32,
) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some((name, _)) = seen
            .iter()
            .find(|(n, e)| *e == event && n.starts_with(prefix))
        {
            return Some(name.clone());
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        seen.push(rx.recv_timeout(left).ok()?);
    }
}

#[test]
fn veth_pair_creation_and_deletion_raise_events() {
    if !rvirt_testkit::is_root() {
        return rvirt_testkit::skip_or_fail("root (creating a veth pair)");
    }
    let pid = std::process::id();
    let (a, b) = (format!("rvnd0-{pid}"), format!("rvnd1-{pid}"));

    let driver = NodeDevDriver::host();
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    driver.connect_event_register(
        None,
        0,
        Arc::new(move |ev| {
            if let Event::NodeDeviceLifecycle { device, event, .. } = ev {
                let _ = tx.lock().unwrap().send((device.name.clone(), *event));
            }
        }),
    );
    let monitor = driver.start_hotplug().expect("uevent socket");

    if let Err(e) = ip(&["link", "add", &a, "type", "veth", "peer", "name", &b]) {
        return rvirt_testkit::skip_or_fail(&format!("creating a veth pair: {e}"));
    }
    let pair = VethPair { name: a.clone() };

    let prefix_a = format!("net_rvnd0_{pid}_");
    let prefix_b = format!("net_rvnd1_{pid}_");
    let mut seen = Vec::new();
    let created_a =
        wait_for(&rx, &mut seen, &prefix_a, nodedev_lifecycle::CREATED).expect("created event");
    assert!(wait_for(&rx, &mut seen, &prefix_b, nodedev_lifecycle::CREATED).is_some());
    let dev = driver.node_device_lookup_by_name(&created_a).unwrap();
    let xml = driver.node_device_get_xml_desc(&dev, 0).unwrap();
    assert!(
        xml.contains(&format!("<interface>{a}</interface>")),
        "{xml}"
    );
    assert!(xml.contains("<parent>computer</parent>"), "{xml}");
    let mac = std::fs::read_to_string(format!("/sys/class/net/{a}/address")).unwrap();
    assert_eq!(
        created_a,
        format!("{prefix_a}{}", mac.trim().replace(':', "_"))
    );
    assert!(driver.device(&created_a).is_some());

    drop(pair);
    let deleted = wait_for(&rx, &mut seen, &prefix_a, nodedev_lifecycle::DELETED);
    assert_eq!(deleted.as_deref(), Some(created_a.as_str()));
    assert!(wait_for(&rx, &mut seen, &prefix_b, nodedev_lifecycle::DELETED).is_some());
    assert!(driver.node_device_lookup_by_name(&created_a).is_err());
    // The peer went away with it.
    assert!(driver
        .list_devices(Some("net"))
        .iter()
        .all(|n| !n.starts_with(&prefix_b)));
    monitor.stop();
}
