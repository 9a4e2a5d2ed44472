//! The CPU side of the QEMU driver against Debian's libvirtd 9.0 on this same machine: the
//! host `<cpu>` of the capabilities, the whole domain capabilities (host-model included),
//! the CPU map's model names, and comparing CPU definitions with the host.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::qemu_available;
use rvirt::Connect;
use rvirt_testkit::{have_tool, libvirtd_or_skip, skip_or_fail, Libvirtd, LibvirtdOptions};

fn open(root: &std::path::Path) -> Connect {
    Connect::open(Some(&format!("qemu:///embed?root={}", root.display()))).unwrap()
}

/// A private libvirtd, or `None` (a note, or a failure under CI) when it cannot run here.
fn reference(test: &str) -> Option<Libvirtd> {
    if !qemu_available() {
        return None;
    }
    if !have_tool("virsh") || !have_tool("libvirtd") {
        skip_or_fail("virsh and libvirtd (apt-get install libvirt-clients libvirt-daemon-system)");
        return None;
    }
    libvirtd_or_skip(test, &LibvirtdOptions::default())
}

/// `virsh ARGS` against the daemon: `(stdout, stderr, success)`.
fn virsh(daemon: &Libvirtd, args: &[&str]) -> (String, String, bool) {
    let out = Command::new("virsh")
        .arg("-c")
        .arg(daemon.qemu_uri())
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// The `<cpu>` element inside `<host>`, as text.
fn host_cpu_block(caps: &str) -> String {
    let host = &caps[caps.find("<host>").unwrap()..];
    let start = host.find("<cpu>").unwrap();
    let end = host.find("</cpu>").unwrap() + "</cpu>".len();
    host[start..end].to_string()
}

#[test]
fn host_cpu_matches_libvirtd() {
    let Some(daemon) = reference("host_cpu_matches_libvirtd") else {
        return;
    };
    let (theirs, err, ok) = virsh(&daemon, &["capabilities"]);
    assert!(ok, "{err}");
    let root = tempfile::tempdir().unwrap();
    let ours = open(root.path())
        .hypervisor
        .connect_get_capabilities()
        .unwrap();
    assert_eq!(host_cpu_block(&ours), host_cpu_block(&theirs));
}

#[test]
fn domain_capabilities_match_libvirtd() {
    let Some(daemon) = reference("domain_capabilities_match_libvirtd") else {
        return;
    };
    let (theirs, err, ok) = virsh(&daemon, &["domcapabilities", "--virttype", "qemu"]);
    assert!(ok, "{err}");
    let root = tempfile::tempdir().unwrap();
    let ours = open(root.path())
        .hypervisor
        .connect_get_domain_capabilities(None, Some("x86_64"), None, Some("qemu"), 0)
        .unwrap();
    assert_eq!(ours.trim_end(), theirs.trim_end());
}

#[test]
fn cpu_model_names_match_libvirtd() {
    let Some(daemon) = reference("cpu_model_names_match_libvirtd") else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let conn = open(root.path());
    for arch in ["x86_64", "i686"] {
        let (theirs, err, ok) = virsh(&daemon, &["cpu-models", arch]);
        assert!(ok, "{err}");
        let theirs: Vec<&str> = theirs.lines().filter(|l| !l.is_empty()).collect();
        let ours = conn
            .hypervisor
            .connect_get_cpu_model_names(arch, 0)
            .unwrap();
        assert_eq!(ours, theirs, "{arch}");
    }
}

/// CPU definitions to compare with the host: host-model, models the host has and lacks,
/// vendors, policies and unknown names.
fn compare_cases(host_cpu: &str) -> Vec<(&'static str, String)> {
    let custom = |model: &str, extra: &str| {
        format!("<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>{model}</model>\n{extra}</cpu>\n")
    };
    vec![
        ("host-model", "<cpu mode='host-model'/>".to_string()),
        ("kvm64", custom("kvm64", "")),
        ("qemu64", custom("qemu64", "")),
        ("Skylake-Client", custom("Skylake-Client", "")),
        ("EPYC", custom("EPYC", "")),
        ("Westmere", custom("Westmere", "")),
        (
            "strict",
            "<cpu mode='custom' match='strict'><model>kvm64</model></cpu>".to_string(),
        ),
        (
            "vendor",
            "<cpu><model>EPYC</model><vendor>Intel</vendor></cpu>".to_string(),
        ),
        (
            "unknown-model",
            "<cpu><model>Nosuch</model></cpu>".to_string(),
        ),
        (
            "forbid",
            custom("kvm64", "  <feature policy='forbid' name='sse2'/>\n"),
        ),
        (
            "disable",
            custom("Westmere", "  <feature policy='disable' name='aes'/>\n"),
        ),
        (
            "unknown-feature",
            custom("kvm64", "  <feature policy='require' name='bogus'/>\n"),
        ),
        ("host", host_cpu.to_string()),
    ]
}

#[test]
fn compare_cpu_matches_libvirtd() {
    let Some(daemon) = reference("compare_cpu_matches_libvirtd") else {
        return;
    };
    let (caps, err, ok) = virsh(&daemon, &["capabilities"]);
    assert!(ok, "{err}");
    let dir = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let conn = open(root.path());
    for (name, xml) in compare_cases(&host_cpu_block(&caps)) {
        let file = dir.path().join(format!("{name}.xml"));
        std::fs::write(&file, &xml).unwrap();
        for (flags, extra) in [(0u32, None), (1, Some("--error"))] {
            let mut args = vec!["cpu-compare", file.to_str().unwrap()];
            args.extend(extra);
            let (out, err, _) = virsh(&daemon, &args);
            let ours = conn.hypervisor.connect_compare_cpu(&xml, flags);
            let expected = if out.contains("identical") {
                Ok(1)
            } else if out.contains("superset") {
                Ok(2)
            } else if out.contains("incompatible") {
                Ok(0)
            } else {
                Err(err
                    .lines()
                    .nth(1)
                    .unwrap_or("")
                    .trim_start_matches("error: ")
                    .to_string())
            };
            let got = ours.map_err(|e| e.to_string());
            assert_eq!(got, expected, "{name} flags {flags}");
        }
    }
}
