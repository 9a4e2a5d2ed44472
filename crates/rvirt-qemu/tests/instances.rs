//! One driver instance per run directory: connections in one process share it (as
//! libvirt shares its embedded driver), another process is refused while it is held.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use common::*;
use rvirt::{Connect, ErrorCode, ErrorDomain, ListDomainsFlags};

const HOLD: &str = "RVIRT_QEMU_TEST_HOLD_ROOT";

fn uri(root: &std::path::Path) -> String {
    format!("qemu:///embed?root={}", root.display())
}

#[test]
fn connections_share_an_instance_and_processes_do_not() {
    if let Ok(root) = std::env::var(HOLD) {
        // Child: hold the instance until the parent closes our stdin.
        let _conn = Connect::open(Some(&uri(std::path::Path::new(&root)))).unwrap();
        println!("held");
        let _ = std::io::stdin().read(&mut [0u8; 1]);
        return;
    }
    if !qemu_available() {
        return;
    }
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let a = Connect::open(Some(&uri(root.path()))).unwrap();
    let b = Connect::open(Some(&uri(root.path()))).unwrap();
    let xml = guest_xml("rvq-shared", &guest, &root.path().join("c.log"), "");
    a.hypervisor
        .domain_define_xml(&xml, Default::default())
        .unwrap();
    let seen = b
        .hypervisor
        .connect_list_all_domains(ListDomainsFlags::empty())
        .unwrap();
    assert_eq!(seen.len(), 1);
    drop(a);
    drop(b);

    // Another process holding the same root keeps us out.
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "connections_share_an_instance_and_processes_do_not",
            "--nocapture",
        ])
        .env(HOLD, root.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.map(|l| l.contains("held")).unwrap_or(false)));
    let err = Connect::open(Some(&uri(root.path()))).unwrap_err();
    assert_eq!(err.code, ErrorCode::SystemError);
    assert_eq!(err.domain, ErrorDomain::Qemu);
    assert!(
        err.message.contains("Failed to acquire lock file"),
        "{}",
        err.message
    );
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    // Released with the other process.
    let c = Connect::open(Some(&uri(root.path()))).unwrap();
    assert_eq!(
        c.hypervisor
            .connect_list_all_domains(ListDomainsFlags::empty())
            .unwrap()
            .len(),
        1
    );
}
