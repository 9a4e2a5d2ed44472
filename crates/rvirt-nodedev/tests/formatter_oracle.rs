//! libvirt 9.0 itself as the oracle for the XML layout: every device of the fixture, as this
//! driver prints it, is loaded into libvirt's test driver (`virsh -c test:///FILE`), whose
//! `nodedev-dumpxml` re-prints it with libvirt's own formatter; both must agree.
//!
//! The test driver only keeps what its XML parser reads, so the parts it drops are removed
//! from our side first: `<driver>`, block counts of storage, vport counters (read from sysfs
//! only), an mdev's `<parent_addr>`; and it cannot load `scsi_generic` devices at all.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod common;

use std::process::Command;

use rvirt_nodedev::{Capability, NodeDevDriver};

/// Our XML minus what the test driver's parser does not keep.
fn as_test_driver_keeps(xml: &str) -> String {
    let mut out = String::new();
    let mut in_driver = false;
    for line in xml.lines() {
        let t = line.trim();
        if t == "<driver>" {
            in_driver = true;
            continue;
        }
        if in_driver {
            if t == "</driver>" {
                in_driver = false;
            }
            continue;
        }
        if t.starts_with("<logical_block_size>")
            || t.starts_with("<num_blocks>")
            || t.starts_with("<parent_addr>")
        {
            continue;
        }
        if t.starts_with("<max_vports>") {
            out.push_str(&line.replace(t, "<max_vports>0</max_vports>"));
        } else if t.starts_with("<vports>") {
            out.push_str(&line.replace(t, "<vports>0</vports>"));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

#[test]
fn libvirt_formats_our_devices_identically() {
    if Command::new("virsh").arg("--version").output().is_err() {
        return rvirt_testkit::skip_or_fail("virsh (libvirt-clients)");
    }
    let d = NodeDevDriver::new(common::fixture_root(), true);
    let devices: Vec<(String, String)> = d
        .devices()
        .into_iter()
        .filter(|x| !matches!(x.cap, Capability::ScsiGeneric(_)))
        .map(|x| {
            let xml = d.xml_desc(&x.name).unwrap();
            (x.name, xml)
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("node.xml");
    let mut doc = String::from("<node>\n");
    for (_, xml) in &devices {
        doc.push_str(xml);
    }
    doc.push_str("</node>\n");
    std::fs::write(&file, doc).unwrap();
    let uri = format!("test://{}", file.display());
    let mut compared = 0;
    for (name, xml) in &devices {
        let out = Command::new("virsh")
            .args(["-c", &uri, "nodedev-dumpxml", name])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs = String::from_utf8(out.stdout).unwrap();
        assert_eq!(format!("{}\n", as_test_driver_keeps(xml)), theirs, "{name}");
        compared += 1;
    }
    assert!(compared >= 25, "{compared}");
}
