//! This machine's devices as Debian's libvirtd 9.0 reports them (through virsh) against this
//! driver on `/`, byte for byte: `nodedev-list`, `nodedev-list --cap`, `nodedev-list --tree`
//! and `nodedev-dumpxml` of every device.
//!
//! The test starts its own libvirtd on a private socket and stops it at the end. Without root,
//! libvirtd or virsh it notes that and passes, except under CI (`CI=true`) where it fails.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::path::Path;
use std::process::{Command, Stdio};

use rvirt_core::NodeDeviceDriver;
use rvirt_nodedev::NodeDevDriver;
use rvirt_testkit::{is_root, skip_or_fail, Libvirtd};

/// Extra network interfaces in the host namespace (down, without addresses, so no traffic)
/// that widen the comparison: a veth pair, a bridge (libvirt skips bridges) and a tap.
/// Removed on drop.
struct ExtraInterfaces(Vec<String>);

impl ExtraInterfaces {
    fn create() -> Self {
        let pid = std::process::id();
        let mut made = ExtraInterfaces(Vec::new());
        let cmds: [(String, Vec<String>); 3] = [
            (
                format!("rvc0-{pid}"),
                [
                    "link",
                    "add",
                    &format!("rvc0-{pid}"),
                    "type",
                    "veth",
                    "peer",
                    "name",
                ]
                .iter()
                .map(|s| s.to_string())
                .chain([format!("rvc1-{pid}")])
                .collect(),
            ),
            (
                format!("rvcb-{pid}"),
                ["link", "add", &format!("rvcb-{pid}"), "type", "bridge"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            ),
            (
                format!("rvct-{pid}"),
                [
                    "tuntap",
                    "add",
                    "dev",
                    &format!("rvct-{pid}"),
                    "mode",
                    "tap",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            ),
        ];
        for (name, args) in cmds {
            let ok = Command::new("ip")
                .args(&args)
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ok {
                made.0.push(name);
            } else {
                eprintln!("note: could not create {name}; comparing without it");
            }
        }
        made
    }
}

impl Drop for ExtraInterfaces {
    fn drop(&mut self) {
        for name in &self.0 {
            let _ = Command::new("ip")
                .args(["link", "del", name])
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn virsh(socket: &Path, args: &[&str]) -> Result<String, String> {
    let uri = format!("qemu:///system?socket={}", socket.display());
    let out = Command::new("virsh")
        .arg("-c")
        .arg(&uri)
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn host_devices_match_libvirtd() {
    if !is_root() {
        return skip_or_fail("root (libvirtd's qemu:///system)");
    }
    // Created before libvirtd starts: without udevd it sees no hotplug.
    let extra = ExtraInterfaces::create();
    let daemon = match Libvirtd::start() {
        Ok(d) => d,
        Err(e) => return skip_or_fail(&format!("a working libvirtd: {e}")),
    };
    let ours = NodeDevDriver::host();

    let list = virsh(&daemon.socket(), &["nodedev-list"]).unwrap();
    assert_eq!(ours.virsh_list(None), list, "nodedev-list");

    let tree = virsh(&daemon.socket(), &["nodedev-list", "--tree"]).unwrap();
    assert_eq!(ours.virsh_tree(), tree, "nodedev-list --tree");

    for (cap, _) in rvirt_core::NODE_DEVICE_CAP_NAMES {
        let theirs = virsh(&daemon.socket(), &["nodedev-list", "--cap", cap]).unwrap();
        assert_eq!(
            ours.virsh_list(Some(cap)),
            theirs,
            "nodedev-list --cap {cap}"
        );
    }

    let mut matched = 0;
    let mut mismatched = Vec::new();
    let names: Vec<&str> = list.lines().filter(|l| !l.is_empty()).collect();
    for name in &names {
        let theirs = virsh(&daemon.socket(), &["nodedev-dumpxml", name]).unwrap();
        let mine = format!("{}\n", ours.xml_desc(name).unwrap());
        if mine == theirs {
            matched += 1;
        } else {
            mismatched.push(format!("--- libvirtd\n{theirs}+++ rvirt\n{mine}"));
        }
    }
    println!(
        "{matched}/{} devices match libvirtd byte for byte",
        names.len()
    );
    assert!(mismatched.is_empty(), "{}", mismatched.join("\n"));

    // The API as libvirt-python sees it: capabilities, parents and every listing filter.
    let uri = format!("qemu:///system?socket={}", daemon.socket().display());
    let script = r#"
import sys, libvirt
c = libvirt.open(sys.argv[1])
for d in sorted(c.listAllDevices(0), key=lambda d: d.name()):
    print("caps", d.name(), ",".join(d.listCaps()))
    print("parent", d.name(), d.parent())
for bit in list(range(22)) + [30, 31]:
    names = sorted(d.name() for d in c.listAllDevices(1 << bit))
    print("flag", 1 << bit, ",".join(names))
# Host-device operations that fail before touching anything: a device that is not PCI,
# unknown backends, bad flags.
lo = [d for d in c.listAllDevices(0) if d.name().startswith("net_lo_")][0]
for what, call in [
    ("detach", lambda: lo.detachFlags(None, 0)),
    ("detach-kvm", lambda: lo.detachFlags("kvm", 0)),
    ("detach-bogus", lambda: lo.detachFlags("bogus", 0)),
    ("detach-flags", lambda: lo.detachFlags(None, 1)),
    ("reattach", lambda: lo.reAttach()),
    ("reset", lambda: lo.reset()),
]:
    try:
        call()
        print("op", what, "ok")
    except libvirt.libvirtError as e:
        print("op", what, e.get_error_code(), e.get_error_domain(), e.get_error_message())
"#;
    let out = Command::new("/usr/bin/python3")
        .args(["-c", script, &uri])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs = String::from_utf8(out.stdout).unwrap();
    let mut mine = String::new();
    for d in ours.devices() {
        let r = rvirt_core::NodeDeviceRef {
            name: d.name.clone(),
        };
        let caps = ours.node_device_list_caps(&r).unwrap().join(",");
        mine.push_str(&format!("caps {} {caps}\n", d.name));
        let parent = ours.node_device_get_parent(&r).unwrap();
        mine.push_str(&format!(
            "parent {} {}\n",
            d.name,
            parent.as_deref().unwrap_or("None")
        ));
    }
    for bit in (0..22).chain([30, 31]) {
        let flags = rvirt_core::ListNodeDevicesFlags::from_bits_retain(1 << bit);
        let mut names: Vec<String> = ours
            .connect_list_all_node_devices(flags)
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        names.sort();
        mine.push_str(&format!("flag {} {}\n", 1u32 << bit, names.join(",")));
    }
    let lo = ours
        .list_devices(None)
        .into_iter()
        .find(|n| n.starts_with("net_lo_"))
        .expect("loopback device");
    let lo = rvirt_core::NodeDeviceRef { name: lo };
    let ops: [(&str, rvirt_core::Result<()>); 6] = [
        ("detach", ours.node_device_detach(&lo, None, 0)),
        ("detach-kvm", ours.node_device_detach(&lo, Some("kvm"), 0)),
        (
            "detach-bogus",
            ours.node_device_detach(&lo, Some("bogus"), 0),
        ),
        ("detach-flags", ours.node_device_detach(&lo, None, 1)),
        ("reattach", ours.node_device_reattach(&lo)),
        ("reset", ours.node_device_reset(&lo)),
    ];
    for (what, res) in ops {
        match res {
            Ok(()) => mine.push_str(&format!("op {what} ok\n")),
            Err(e) => mine.push_str(&format!(
                "op {what} {} {} {}\n",
                e.code as i32, e.domain as i32, e.message
            )),
        }
    }
    assert_eq!(mine, theirs, "libvirt-python view");
    drop(daemon);
    drop(extra);
}
