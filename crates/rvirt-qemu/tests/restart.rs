//! A guest outlives the process that started it, and a new process takes it over from the
//! status file: the daemon-restart case.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use rvirt::{reason, Connect, DomainCreateFlags, DomainDestroyFlags, DomainState};

const STARTER: &str = "RVIRT_QEMU_TEST_STARTER_ROOT";

fn uri(root: &std::path::Path) -> String {
    format!("qemu:///embed?root={}", root.display())
}

#[test]
fn guest_survives_its_starter_and_is_taken_over() {
    if let Ok(root) = std::env::var(STARTER) {
        // Child: start the guest, report, and exit without stopping it.
        let root = std::path::Path::new(&root);
        let guest = test_guest();
        let conn = Connect::open(Some(&uri(root))).unwrap();
        let xml = guest_xml("rvq-restart", &guest, &root.join("console.log"), "");
        let dom = conn
            .hypervisor
            .domain_create_xml(&xml, DomainCreateFlags::empty())
            .unwrap();
        assert!(wait_for(Duration::from_secs(60), || file_contains(
            &root.join("console.log"),
            "RVIRT-GUEST-READY"
        )));
        println!("started id={}", dom.id);
        return;
    }
    if !qemu_available() {
        return;
    }
    let _cleanup = KillOnDrop(vec!["rvq-restart".into()]);
    // Orphaned QEMUs come to this process (not init) so they can be reaped here.
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER only sets a flag on this process.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    let root = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "guest_survives_its_starter_and_is_taken_over",
            "--nocapture",
        ])
        .env(STARTER, root.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Read to the end: the starter's test harness still writes after our line.
    let lines: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .collect();
    let id: i32 = lines
        .iter()
        .find_map(|l| {
            l.strip_prefix("started id=")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("the starter did not start the guest");
    assert!(child.wait().unwrap().success());
    let pids = qemu_pids_for("rvq-restart");
    assert_eq!(pids.len(), 1, "the guest did not survive its starter");

    let conn = Connect::open(Some(&uri(root.path()))).unwrap();
    let hv = conn.hypervisor.clone();
    let dom = hv.domain_lookup_by_name("rvq-restart").unwrap();
    assert_eq!(dom.id, id);
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap().0,
        DomainState::Running
    );
    hv.domain_suspend(&dom).unwrap();
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap(),
        (DomainState::Paused, reason::paused::USER)
    );
    hv.domain_destroy(&dom, DomainDestroyFlags::empty())
        .unwrap();
    assert!(qemu_pids_for("rvq-restart").is_empty());
    // Reap the orphan we adopted.
    for pid in pids {
        let mut status = 0;
        // SAFETY: waitpid on a pid that is our (adopted) child, with a valid status pointer.
        unsafe { libc::waitpid(pid as i32, &mut status, libc::WNOHANG) };
    }
    assert!(!root.path().join("run/qemu/rvq-restart.json").exists());
}
