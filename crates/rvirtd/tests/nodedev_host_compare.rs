//! The host's node devices through the real path: `rvirt` and Debian's `virsh` against
//! `rvirtd --root TMP` on `qemu:///system` must print what `virsh` prints against Debian's
//! libvirtd on this machine, byte for byte (stdout and exit status): `nodedev-list`,
//! `nodedev-list --tree`, `nodedev-list --cap X` and `nodedev-dumpxml` of every device.
//!
//! The test starts its own libvirtd in a private mount namespace (its own /run/libvirt, empty
//! autostart directories, sockets in a temporary directory) and kills both daemons at the
//! end, also when it fails. Without root, libvirtd, virsh or the `rvirt` binary it notes that
//! and passes, except under CI (`CI=true`) where it fails.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rvirt_testkit::{is_root, skip_or_fail, Libvirtd};

/// A binary of another workspace crate, built into the same profile directory.
fn workspace_bin(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join(name);
    path.exists().then_some(path)
}

fn uri(socket: &Path) -> String {
    format!("qemu+unix:///system?socket={}", socket.display())
}

/// stdout and success of `program -c uri args...`.
fn run(program: impl AsRef<std::ffi::OsStr>, uri: &str, args: &[&str]) -> (String, bool) {
    let out = Command::new(program)
        .arg("-c")
        .arg(uri)
        .args(args)
        .env_remove("LIBVIRT_DEFAULT_URI")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.success(),
    )
}

#[test]
fn host_devices_through_rvirtd_match_libvirtd() {
    if !is_root() {
        return skip_or_fail("root (libvirtd's qemu:///system)");
    }
    if !common::have_virsh() {
        return;
    }
    let Some(rvirt) = workspace_bin("rvirt") else {
        return skip_or_fail("the rvirt binary (cargo build -p rvirt-cli)");
    };
    let libvirtd = match Libvirtd::start() {
        Ok(d) => d,
        Err(e) => return skip_or_fail(&format!("a working libvirtd: {e}")),
    };
    let rvirtd = common::Daemon::start();
    let theirs_uri = uri(&libvirtd.socket());
    let ours_uri = uri(&rvirtd.socket());

    let (list, ok) = run("virsh", &theirs_uri, &["nodedev-list"]);
    assert!(ok, "virsh nodedev-list against libvirtd failed");
    let names: Vec<String> = list
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    assert!(!names.is_empty(), "libvirtd lists no devices");

    let mut commands: Vec<Vec<String>> = vec![
        vec!["nodedev-list".into()],
        vec!["nodedev-list".into(), "--tree".into()],
    ];
    for (cap, _) in rvirt_core::NODE_DEVICE_CAP_NAMES {
        commands.push(vec!["nodedev-list".into(), "--cap".into(), cap.to_string()]);
    }
    for name in &names {
        commands.push(vec!["nodedev-dumpxml".into(), name.clone()]);
    }
    // Errors too: an unknown capability and a device that does not exist.
    commands.push(vec!["nodedev-list".into(), "--cap".into(), "bogus".into()]);
    commands.push(vec!["nodedev-dumpxml".into(), "no_such_device".into()]);

    let mut mismatches = Vec::new();
    let mut devices_matching = 0;
    for command in &commands {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        let expected = run("virsh", &theirs_uri, &args);
        for (client, program) in [("rvirt", rvirt.as_os_str()), ("virsh", "virsh".as_ref())] {
            let got = run(program, &ours_uri, &args);
            if got != expected {
                mismatches.push(format!(
                    "{client} {}: libvirtd (ok={}):\n{}rvirtd (ok={}):\n{}",
                    args.join(" "),
                    expected.1,
                    expected.0,
                    got.1,
                    got.0
                ));
            } else if args[0] == "nodedev-dumpxml" && client == "rvirt" && expected.1 {
                devices_matching += 1;
            }
        }
    }
    println!(
        "{devices_matching}/{} devices: rvirt nodedev-dumpxml through rvirtd matches libvirtd",
        names.len()
    );
    println!(
        "{} of {} command runs (rvirt and virsh) differ",
        mismatches.len(),
        commands.len() * 2
    );
    assert!(
        mismatches.is_empty(),
        "{}\nrvirtd log:\n{}",
        mismatches.join("\n"),
        rvirtd.log()
    );
    drop(rvirtd);
    drop(libvirtd);
}
