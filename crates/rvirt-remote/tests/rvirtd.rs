//! The remote driver against rvirt's own daemon (`rvirtd`), compared with the in-process
//! `test:///default` exactly as the libvirtd tests do, plus the CLI (`rvirt -c
//! test+unix:///...`) over rvirtd compared with the same CLI in-process. The binaries come
//! from the workspace's target directory (`cargo build -p rvirtd -p rvirt-cli`); without
//! them the tests print a note (they fail under `CI=true`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::compare::{self, local, NEW_DOMAIN};
use rvirt::Connect;
use rvirt_core::*;

/// A binary built next to this test (target/<profile>/NAME).
fn workspace_bin(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let path = profile_dir.join(name);
    path.exists().then_some(path)
}

fn missing(test: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test}: {why}");
    }
    eprintln!("note: {test} skipped: {why}");
}

struct Rvirtd {
    child: Child,
    dir: tempfile::TempDir,
}

impl Rvirtd {
    fn start(test: &str) -> Option<Rvirtd> {
        let Some(bin) = workspace_bin("rvirtd") else {
            missing(test, "rvirtd is not built (cargo build -p rvirtd)");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("rvirtd.log")).unwrap();
        let child = Command::new(bin)
            .arg("--root")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        let mut daemon = Rvirtd { child, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !Path::new(&daemon.socket()).exists() {
            if let Ok(Some(status)) = daemon.child.try_wait() {
                let log = std::fs::read_to_string(daemon.dir.path().join("rvirtd.log"))
                    .unwrap_or_default();
                panic!("rvirtd exited with {status}: {log}");
            }
            assert!(
                Instant::now() < deadline,
                "rvirtd did not create its socket"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(daemon)
    }

    fn socket(&self) -> String {
        self.dir
            .path()
            .join("run/libvirt-sock")
            .display()
            .to_string()
    }

    fn uri(&self) -> String {
        format!("test+unix:///default?socket={}", self.socket())
    }
}

impl Drop for Rvirtd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn rvirtd_matches_in_process() {
    let Some(daemon) = Rvirtd::start("rvirtd_matches_in_process") else {
        return;
    };
    let r = Connect::open(Some(&daemon.uri())).unwrap();
    compare::connection_and_node(&r, &local());
    assert_eq!(r.hypervisor.connect_get_uri().unwrap(), daemon.uri());
    compare::domains(&r, &local());
    compare::networks_storage_devices(&r, &local());
}

#[test]
fn rvirtd_lifecycle_events() {
    let Some(daemon) = Rvirtd::start("rvirtd_lifecycle_events") else {
        return;
    };
    let r = Connect::open(Some(&daemon.uri())).unwrap();
    compare::lifecycle_events(&r, &local());
    compare::network_and_pool_events(&r, &local());
}

#[test]
fn rvirtd_read_only_refuses_changes() {
    let Some(daemon) = Rvirtd::start("rvirtd_read_only_refuses_changes") else {
        return;
    };
    let ro_uri = format!("test+unix:///default?socket={}-ro", daemon.socket());
    let ro = Connect::open_read_only(Some(&ro_uri)).unwrap();
    let d = ro.hypervisor.domain_lookup_by_name("test").unwrap();
    let e = ro.hypervisor.domain_suspend(&d).unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationDenied, "{e:?}");
    let e = ro
        .hypervisor
        .domain_define_xml(NEW_DOMAIN, DomainDefineFlags::empty())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationDenied, "{e:?}");
}

#[test]
fn cli_over_rvirtd_prints_what_it_prints_in_process() {
    let test = "cli_over_rvirtd_prints_what_it_prints_in_process";
    let Some(cli) = workspace_bin("rvirt") else {
        missing(
            test,
            "the rvirt CLI is not built (cargo build -p rvirt-cli)",
        );
        return;
    };
    let Some(daemon) = Rvirtd::start(test) else {
        return;
    };
    let run = |uri: &str, args: &[&str]| {
        let out = Command::new(&cli)
            .arg("-c")
            .arg(uri)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let commands: &[&[&str]] = &[
        &["list", "--all"],
        &["domstate", "test", "--reason"],
        &["dumpxml", "test"],
        &["domuuid", "test"],
        &["net-list", "--all"],
        &["net-dumpxml", "default"],
        &["pool-list", "--all"],
        &["pool-dumpxml", "default-pool"],
        &["iface-list", "--all"],
        &["nodedev-list"],
        &["nodeinfo"],
        &["hostname"],
        &["dominfo", "nope"],
    ];
    for args in commands {
        let remote = run(&daemon.uri(), args);
        let in_process = run("test:///default", args);
        assert_eq!(
            remote, in_process,
            "rvirt {args:?} over rvirtd (left) vs in-process (right)"
        );
    }
}
