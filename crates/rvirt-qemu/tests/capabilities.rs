//! Capabilities from real emulator probes: the machine types QEMU itself lists, the domain
//! capabilities Debian's libvirtd 9.0 reported for the same QEMU 7.2 under TCG, node info
//! from sysfs, and the probe cache.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::qemu_available;
use rvirt::Connect;
use rvirt_xml::capabilities::Capabilities;

fn open(root: &std::path::Path) -> Connect {
    Connect::open(Some(&format!("qemu:///embed?root={}", root.display()))).unwrap()
}

/// `(name, alias-of, is default)` from `qemu-system-x86_64 -machine help`.
fn qemu_machine_help() -> Vec<(String, Option<String>, bool)> {
    let out = Command::new("/usr/bin/qemu-system-x86_64")
        .args(["-machine", "help"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (name, desc) = l.split_once(' ')?;
            let alias = desc
                .split_once("(alias of ")
                .map(|(_, r)| r.trim_end_matches(')').to_string());
            let alias = alias.map(|a| a.split(')').next().unwrap_or("").to_string());
            Some((name.to_string(), alias, desc.contains("(default)")))
        })
        .collect()
}

#[test]
fn host_capabilities_list_qemus_machines() {
    if !qemu_available() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let conn = open(root.path());
    let xml = conn.hypervisor.connect_get_capabilities().unwrap();
    let caps = Capabilities::parse(&xml).unwrap();
    assert_eq!(caps.host.secmodels[0].model, "none");
    let guest = caps.guest("hvm", "x86_64").expect("an x86_64 guest");
    assert_eq!(
        guest.emulator.as_deref(),
        Some("/usr/bin/qemu-system-x86_64")
    );
    let help = qemu_machine_help();
    let default = help.iter().find(|m| m.2).map(|m| m.0.clone()).unwrap();
    // The alias QEMU marks as default resolves to the machine listed first.
    let canonical_default = help
        .iter()
        .find(|m| m.0 == default)
        .and_then(|m| m.1.clone())
        .unwrap_or(default);
    assert_eq!(guest.machines[0].name, canonical_default);
    let mut ours: Vec<String> = guest.machines.iter().map(|m| m.name.clone()).collect();
    let mut theirs: Vec<String> = help
        .iter()
        .map(|m| m.0.clone())
        .filter(|n| n != "none")
        .collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs);
    for (name, alias, _) in &help {
        if let Some(target) = alias {
            let m = guest.machines.iter().find(|m| &m.name == name).unwrap();
            assert_eq!(m.canonical.as_ref(), Some(target), "alias {name}");
        }
    }
    let cpus = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap();
    let cells = caps.host.numa_cells.as_ref().unwrap();
    let listed: usize = cells.iter().map(|c| c.cpus.len()).sum();
    assert_eq!(listed, rvirt_qemu::host::parse_cpu_list(&cpus).len());
    // The probe was cached.
    assert!(
        std::fs::read_dir(root.path().join("lib/qemu/capabilities"))
            .unwrap()
            .count()
            >= 1
    );
}

#[test]
fn domain_capabilities_match_libvirtd() {
    if !qemu_available() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let conn = open(root.path());
    let ours = conn
        .hypervisor
        .connect_get_domain_capabilities(None, Some("x86_64"), None, Some("qemu"), 0)
        .unwrap();
    assert!(
        ours.contains("<path>/usr/bin/qemu-system-x86_64</path>"),
        "{ours}"
    );
    assert!(ours.contains("<domain>qemu</domain>"));
    let version = Command::new("/usr/bin/qemu-system-x86_64")
        .arg("--version")
        .output()
        .unwrap();
    let same_host_kind = String::from_utf8_lossy(&version.stdout).contains("version 7.2.")
        && std::path::Path::new("/usr/share/OVMF/OVMF_CODE_4M.fd").exists();
    if !same_host_kind {
        return rvirt_testkit::skip_or_fail(
            "QEMU 7.2 with OVMF (the byte comparison with libvirtd's recorded answer)",
        );
    }
    let golden = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/libvirtd-9.0-qemu-7.2-tcg-domcaps.xml"),
    )
    .unwrap();
    // The host-model CPU included: QEMU's TCG `max` CPU decoded with libvirt's CPU map.
    assert_eq!(ours.trim_end(), golden.trim_end());

    let err = conn
        .hypervisor
        .connect_get_domain_capabilities(None, None, Some("nosuch"), Some("qemu"), 0)
        .unwrap_err();
    assert_eq!(err.code, rvirt::ErrorCode::InvalidArg);
}

#[test]
fn node_info_from_sysfs() {
    if !qemu_available() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let conn = open(root.path());
    let info = conn.hypervisor.node_get_info().unwrap();
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap();
    assert_eq!(
        info.cpus as usize,
        rvirt_qemu::host::parse_cpu_list(&online).len()
    );
    assert_eq!(
        info.nodes * info.sockets * info.cores * info.threads,
        info.cpus
    );
    assert!(info.memory > 0);
    assert!(conn.hypervisor.node_get_free_memory().unwrap() > 0);
    assert_eq!(
        conn.hypervisor.connect_get_version().unwrap() / 1_000_000,
        {
            let v = Command::new("/usr/bin/qemu-system-x86_64")
                .arg("--version")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&v.stdout).to_string();
            let major: u64 = text
                .split("version ")
                .nth(1)
                .unwrap()
                .split('.')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            major
        }
    );
}

/// The guest that decides whether KVM is offered really runs (checked under TCG, which
/// always works), and KVM is listed exactly when it also runs under KVM.
#[test]
fn kvm_offered_only_when_a_guest_runs_under_it() {
    if !qemu_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let qemu = std::path::Path::new("/usr/bin/qemu-system-x86_64");
    assert!(rvirt_qemu::probe::probe_guest_runs(qemu, "tcg", dir.path()));
    let kvm_works = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok()
        && rvirt_qemu::probe::probe_guest_runs(qemu, "kvm", dir.path());
    let root = tempfile::tempdir().unwrap();
    let conn = open(root.path());
    let caps = Capabilities::parse(&conn.hypervisor.connect_get_capabilities().unwrap()).unwrap();
    let guest = caps.guest("hvm", "x86_64").unwrap();
    let offers_kvm = guest.domains.iter().any(|d| d.virt_type == "kvm");
    if std::env::var("RVIRT_QEMU_KVM").is_err() {
        assert_eq!(offers_kvm, kvm_works);
    }
    eprintln!("KVM runs guests here: {kvm_works}");
    // Nothing of the probes is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
