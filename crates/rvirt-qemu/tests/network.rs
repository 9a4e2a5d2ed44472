//! Guest interfaces backed by host taps (`bridge` and `ethernet`). The test re-runs itself
//! inside a network namespace it creates, so every bridge and tap stays out of the host's
//! view; the namespace is deleted at the end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::*;
use rvirt::{Connect, DomainCreateFlags, DomainDestroyFlags, DomainXmlFlags};

const INSIDE: &str = "RVIRT_QEMU_TEST_IN_NETNS";

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn bridge_and_ethernet_interfaces() {
    if !qemu_available() {
        return;
    }
    if std::env::var(INSIDE).is_err() {
        let ns = format!("rvq-net-{}", std::process::id());
        if !ip(&["netns", "add", &ns]) {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("cannot create a network namespace");
            }
            eprintln!("note: cannot create a network namespace (not root?); skipping");
            return;
        }
        let exe = std::env::current_exe().unwrap();
        let status = Command::new("ip")
            .args(["netns", "exec", &ns])
            .arg(exe)
            .args([
                "--exact",
                "bridge_and_ethernet_interfaces",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(INSIDE, "1")
            .status();
        ip(&["netns", "del", &ns]);
        assert!(
            status.unwrap().success(),
            "the test failed inside the namespace"
        );
        return;
    }

    // Inside the namespace.
    assert!(ip(&["link", "add", "rvqbr0", "type", "bridge"]));
    assert!(ip(&["link", "set", "rvqbr0", "up"]));
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let name = format!("rvq-net-{}", std::process::id());
    let _cleanup = KillOnDrop(vec![name.clone()]);
    let console = root.path().join("console.log");
    let nics = "<interface type='bridge'><mac address='52:54:00:aa:00:01'/>\
                <source bridge='rvqbr0'/><model type='virtio'/></interface>\
                <interface type='ethernet'><mac address='52:54:00:aa:00:02'/>\
                <target dev='rvqtap1'/><model type='virtio'/></interface>";
    let xml = guest_xml(&name, &guest, &console, nics);
    let conn = Connect::open(Some(&format!(
        "qemu:///embed?root={}",
        root.path().display()
    )))
    .unwrap();
    let hv = conn.hypervisor.clone();
    let dom = hv
        .domain_create_xml(&xml, DomainCreateFlags::empty())
        .unwrap();
    assert!(wait_for(Duration::from_secs(60), || file_contains(
        &console,
        "RVIRT-GUEST-READY"
    )));

    // The bridge port is a tap named vnetN enslaved to the bridge; the ethernet tap has
    // the requested name. QEMU holds both open.
    let bridge_ports: Vec<String> = std::fs::read_dir("/sys/class/net/rvqbr0/brif")
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(bridge_ports.len(), 1, "{bridge_ports:?}");
    assert!(bridge_ports[0].starts_with("vnet"), "{bridge_ports:?}");
    assert!(Path::new("/sys/class/net/rvqtap1").exists());
    let live = hv
        .domain_get_xml_desc(&dom, DomainXmlFlags::empty())
        .unwrap();
    assert!(live.contains("<source bridge='rvqbr0'/>"), "{live}");

    // Host counters of the taps, seen from the guest (by device name or by MAC).
    let by_name = hv.domain_interface_stats(&dom, "rvqtap1").unwrap();
    assert!(
        by_name.rx_bytes >= 0 && by_name.tx_bytes >= 0,
        "{by_name:?}"
    );
    let by_mac = hv
        .domain_interface_stats(&dom, "52:54:00:aa:00:01")
        .unwrap();
    assert!(by_mac.rx_packets >= 0, "{by_mac:?}");
    let err = hv.domain_interface_stats(&dom, "nosuch0").unwrap_err();
    assert_eq!(err.code, rvirt::ErrorCode::InvalidArg);

    hv.domain_destroy(&dom, DomainDestroyFlags::empty())
        .unwrap();
    assert!(
        !Path::new(&format!("/sys/class/net/{}", bridge_ports[0])).exists(),
        "tap left behind"
    );
    assert!(
        !Path::new("/sys/class/net/rvqtap1").exists(),
        "tap left behind"
    );
    assert!(qemu_pids_for(&name).is_empty());
}
