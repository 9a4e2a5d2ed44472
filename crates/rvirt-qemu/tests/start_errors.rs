//! Failures around starting guests report libvirt's codes and messages (checked against
//! Debian's libvirtd 9.0 with the same documents), leave nothing running and keep the
//! definition intact.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::*;
use rvirt::{Connect, DomainCreateFlags, DomainState, ErrorCode, ErrorDomain, ListDomainsFlags};

fn open(root: &Path) -> Connect {
    Connect::open(Some(&format!("qemu:///embed?root={}", root.display()))).unwrap()
}

fn assert_clean(root: &Path, name: &str) {
    assert!(
        qemu_pids_for(name).is_empty(),
        "a QEMU for {name} is running"
    );
    assert!(!root.join(format!("run/qemu/{name}.json")).exists());
    let runs = std::fs::read_dir(root.join("run/qemu"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("domain-"))
        .count();
    assert_eq!(runs, 0, "runtime directories left behind");
}

#[test]
fn missing_disk_file() {
    if !qemu_available() {
        return;
    }
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let name = format!("rvq-nodisk-{}", std::process::id());
    let _cleanup = KillOnDrop(vec![name.clone()]);
    let missing = root.path().join("missing.qcow2");
    let disk = format!(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='{}'/><target dev='vda' bus='virtio'/></disk>",
        missing.display()
    );
    let xml = guest_xml(&name, &guest, &root.path().join("c.log"), &disk);
    let conn = open(root.path());
    let hv = conn.hypervisor.clone();
    let dom = hv.domain_define_xml(&xml, Default::default()).unwrap();
    let before = hv.domain_get_xml_desc(&dom, Default::default()).unwrap();
    let err = hv
        .domain_create(&dom, DomainCreateFlags::empty())
        .unwrap_err();
    // libvirtd: code 38 (system error), domain 18 (storage).
    assert_eq!(err.code, ErrorCode::SystemError);
    assert_eq!(err.domain, ErrorDomain::Storage);
    let (uid, gid) = process_ids();
    assert_eq!(
        err.message,
        format!(
            "Cannot access storage file '{}' (as uid:{uid}, gid:{gid}): No such file or directory",
            missing.display()
        )
    );
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap().0,
        DomainState::Shutoff
    );
    assert_eq!(
        hv.domain_get_xml_desc(&dom, Default::default()).unwrap(),
        before
    );
    assert_clean(root.path(), &name);
    // The same through createXML: nothing is left defined.
    let other = xml.replace(&name, &format!("{name}-t"));
    let err = hv
        .domain_create_xml(&other, DomainCreateFlags::empty())
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::SystemError);
    assert_eq!(
        hv.connect_list_all_domains(ListDomainsFlags::empty())
            .unwrap()
            .len(),
        1
    );
}

/// The ids of the test process, as the messages name them.
fn process_ids() -> (u32, u32) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    (field("Uid:"), field("Gid:"))
}

#[test]
fn unknown_machine_type() {
    if !qemu_available() {
        return;
    }
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let xml = guest_xml("rvq-nomachine", &guest, &root.path().join("c.log"), "")
        .replace("machine='pc'", "machine='nosuchmachine'");
    let conn = open(root.path());
    let hv = conn.hypervisor.clone();
    for result in [
        hv.domain_define_xml(&xml, Default::default()).map(|_| ()),
        hv.domain_create_xml(&xml, DomainCreateFlags::empty())
            .map(|_| ()),
    ] {
        let err = result.unwrap_err();
        // libvirtd: code 27 (XML error), domain 20 (domain config).
        assert_eq!(err.code, ErrorCode::XmlError);
        assert_eq!(err.domain, ErrorDomain::Domain);
        assert_eq!(err.message, "XML error: No PCI buses available");
    }
    assert!(hv
        .connect_list_all_domains(ListDomainsFlags::empty())
        .unwrap()
        .is_empty());
    assert!(!root.path().join("etc/qemu/rvq-nomachine.xml").exists());
}

#[test]
fn bad_emulator_path() {
    if !qemu_available() {
        return;
    }
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let xml = guest_xml(
        "rvq-noemu",
        &guest,
        &root.path().join("c.log"),
        "<emulator>/usr/bin/nosuch-qemu</emulator>",
    );
    let conn = open(root.path());
    let hv = conn.hypervisor.clone();
    let err = hv.domain_define_xml(&xml, Default::default()).unwrap_err();
    // libvirtd: code 38 (system error), domain 10 (QEMU).
    assert_eq!(err.code, ErrorCode::SystemError);
    assert_eq!(err.domain, ErrorDomain::Qemu);
    assert_eq!(
        err.message,
        "Cannot check QEMU binary /usr/bin/nosuch-qemu: No such file or directory"
    );
    assert!(hv
        .connect_list_all_domains(ListDomainsFlags::empty())
        .unwrap()
        .is_empty());
}

#[test]
fn qemu_dying_at_start() {
    if !qemu_available() {
        return;
    }
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let name = format!("rvq-dies-{}", std::process::id());
    let _cleanup = KillOnDrop(vec![name.clone()]);
    // A raw file declared as qcow2: QEMU refuses it while starting.
    let image = root.path().join("raw.img");
    std::fs::write(&image, vec![0u8; 1 << 20]).unwrap();
    let disk = format!(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='{}'/><target dev='vda' bus='virtio'/></disk>",
        image.display()
    );
    let xml = guest_xml(&name, &guest, &root.path().join("c.log"), &disk);
    let conn = open(root.path());
    let hv = conn.hypervisor.clone();
    let dom = hv.domain_define_xml(&xml, Default::default()).unwrap();
    let err = hv
        .domain_create(&dom, DomainCreateFlags::empty())
        .unwrap_err();
    // libvirtd: code 1 (internal error), domain 10 (QEMU), QEMU's own complaint attached.
    assert_eq!(err.code, ErrorCode::InternalError);
    assert_eq!(err.domain, ErrorDomain::Qemu);
    assert!(
        err.message
            .starts_with("internal error: qemu unexpectedly closed the monitor: "),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("Image is not in qcow2 format"),
        "{}",
        err.message
    );
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap().0,
        DomainState::Shutoff
    );
    assert!(root.path().join(format!("etc/qemu/{name}.xml")).exists());
    assert_clean(root.path(), &name);
    // The log keeps QEMU's message for the administrator.
    assert!(file_contains(
        &root.path().join(format!("lib/qemu/log/{name}.log")),
        "Image is not in qcow2 format"
    ));
}
