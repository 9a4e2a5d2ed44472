//! The device families of a desktop guest (USB controllers and input, virtio-serial with
//! the guest-agent channel, a virtio console, VNC, video, sound, watchdog, RNG, balloon,
//! a floppy, a 9p share, a parallel port, a USB hub, a CCID reader with a smartcard, a
//! redirected USB device, ivshmem and the panic notifier) on a real QEMU under TCG: the
//! guest boots, every PCI device sits where the live definition says (QMP `query-pci`),
//! every other device is in QEMU's device tree with the properties the definition asks
//! for (QMP `qom-get`), and the VNC server listens on the port the live XML shows, as
//! `virsh domdisplay` would report it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::time::Duration;

use common::*;
use rvirt::{
    Connect, DomainCreateFlags, DomainDestroyFlags, DomainState, DomainUndefineFlags,
    DomainXmlFlags,
};
use serde_json::Value;

const MARKER: &str = "RVIRT-GUEST-READY";

const DEVICES: &str = "
    <disk type='file' device='floppy'>
      <driver name='qemu' type='raw'/>
      <source file='FLOPPY'/>
      <target dev='fda' bus='fdc'/>
    </disk>
    <controller type='usb' index='0' model='ich9-ehci1'/>
    <controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>
    <controller type='usb' index='0' model='ich9-uhci2'><master startport='2'/></controller>
    <controller type='usb' index='0' model='ich9-uhci3'><master startport='4'/></controller>
    <console type='pty'><target type='virtio'/></console>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <channel type='pty'><target type='virtio' name='org.example.pty'/></channel>
    <input type='tablet' bus='usb'/>
    <input type='keyboard' bus='usb'/>
    <input type='mouse' bus='virtio'/>
    <graphics type='vnc' autoport='yes'/>
    <video><model type='vga'/></video>
    <sound model='ich9'><codec type='duplex'/></sound>
    <sound model='ac97'/>
    <watchdog model='i6300esb' action='poweroff'/>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <memballoon model='virtio'/>
    <filesystem type='mount' accessmode='passthrough'>
      <source dir='SHARE'/>
      <target dir='rvirt-share'/>
    </filesystem>
    <parallel type='file'><source path='PARALLEL'/></parallel>
    <hub type='usb'/>
    <smartcard mode='passthrough' type='unix'><source mode='bind' path='SMARTCARD'/></smartcard>
    <redirdev bus='usb' type='unix'><source mode='bind' path='REDIR'/></redirdev>
    <shmem name='SHMEM'><model type='ivshmem-plain'/><size unit='M'>1</size></shmem>
    <panic model='isa'><address type='isa' iobase='0x505'/></panic>
";

/// `qdev id -> (id of the bus's bridge, "" for the root; slot; function)` of every PCI
/// device QEMU reports.
fn pci_devices(reply: &Value) -> HashMap<String, (String, u64, u64)> {
    fn walk(devices: &Value, parent: &str, out: &mut HashMap<String, (String, u64, u64)>) {
        for d in devices.as_array().into_iter().flatten() {
            let id = d["qdev_id"].as_str().unwrap_or("").to_string();
            let slot = d["slot"].as_u64().unwrap();
            let function = d["function"].as_u64().unwrap();
            if let Some(children) = d.get("pci_bridge").and_then(|b| b.get("devices")) {
                walk(children, &id, out);
            }
            if !id.is_empty() {
                out.insert(id, (parent.to_string(), slot, function));
            }
        }
    }
    let mut out = HashMap::new();
    for bus in reply["return"].as_array().unwrap() {
        walk(&bus["devices"], "", &mut out);
    }
    out
}

/// `alias -> (bus index, slot, function)` of the live definition's PCI devices (USB
/// companions have no id of their own).
fn live_pci_addresses(live: &str) -> Vec<(String, u32, u32, u32)> {
    let doc = roxmltree::Document::parse(live).unwrap();
    let devices = doc
        .descendants()
        .find(|n| n.has_tag_name("devices"))
        .unwrap();
    let num = |s: &str| u32::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
    let mut out = Vec::new();
    for dev in devices.children().filter(|n| n.is_element()) {
        if dev.children().any(|c| c.has_tag_name("master")) {
            continue;
        }
        let child = |name: &str| dev.children().find(|c| c.has_tag_name(name));
        let (Some(alias), Some(addr)) = (child("alias"), child("address")) else {
            continue;
        };
        if addr.attribute("type") != Some("pci") {
            continue;
        }
        out.push((
            alias.attribute("name").unwrap().to_string(),
            num(addr.attribute("bus").unwrap()),
            num(addr.attribute("slot").unwrap()),
            num(addr.attribute("function").unwrap()),
        ));
    }
    out
}

fn run_desktop_guest(machine: &str) {
    if !qemu_available() {
        return;
    }
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let name = format!("rvq-dev-{machine}-{}", std::process::id());
    let _cleanup = KillOnDrop(vec![name.clone()]);
    let console = root.path().join("console.log");
    let floppy = root.path().join("floppy.img");
    std::fs::write(&floppy, vec![0u8; 1440 * 1024]).unwrap();
    let share = root.path().join("share");
    std::fs::create_dir(&share).unwrap();
    let shmem = format!("{name}-shm");
    let _shmem_file = RemoveOnDrop(std::path::PathBuf::from(format!("/dev/shm/{shmem}")));
    let devices = DEVICES
        .replace("FLOPPY", &floppy.to_string_lossy())
        .replace("SHARE", &share.to_string_lossy())
        .replace("PARALLEL", &root.path().join("lpt.log").to_string_lossy())
        .replace(
            "SMARTCARD",
            &root.path().join("ccid.sock").to_string_lossy(),
        )
        .replace("REDIR", &root.path().join("redir.sock").to_string_lossy())
        .replace("SHMEM", &shmem);
    let xml = guest_xml(&name, &guest, &console, &devices)
        .replace("machine='pc'", &format!("machine='{machine}'"));
    let conn = Connect::open(Some(&format!(
        "qemu:///embed?root={}",
        root.path().display()
    )))
    .unwrap();
    let hv = conn.hypervisor.clone();
    let dom = hv.domain_define_xml(&xml, Default::default()).unwrap();
    let dom = hv.domain_create(&dom, DomainCreateFlags::empty()).unwrap();
    assert_eq!(
        hv.domain_get_state(&dom, 0).unwrap().0,
        DomainState::Running
    );
    assert!(
        wait_for(Duration::from_secs(120), || file_contains(&console, MARKER)),
        "guest never printed {MARKER}: {}",
        std::fs::read_to_string(&console).unwrap_or_default()
    );
    let live = hv
        .domain_get_xml_desc(&dom, DomainXmlFlags::empty())
        .unwrap();

    // Every PCI device is where the definition placed it.
    let reply: Value = serde_json::from_str(
        &hv.domain_qemu_monitor_command(&dom, r#"{"execute":"query-pci"}"#, 0)
            .unwrap(),
    )
    .unwrap();
    let in_qemu = pci_devices(&reply);
    let wanted = live_pci_addresses(&live);
    for alias in [
        "usb",
        "virtio-serial0",
        "input2",
        "video0",
        "sound0",
        "sound1",
        "watchdog0",
        "rng0",
        "balloon0",
        "fs0",
        "shmem0",
    ] {
        assert!(
            wanted.iter().any(|(a, ..)| a == alias),
            "{alias} has no PCI address in the live XML:\n{live}"
        );
    }
    // q35's built-in AHCI is the machine's own device, with no id ("ide" is its bus).
    for (alias, bus, slot, function) in wanted.iter().filter(|w| w.0 != "ide") {
        let parent = if *bus == 0 {
            String::new()
        } else {
            format!("pci.{bus}")
        };
        assert_eq!(
            in_qemu.get(alias),
            Some(&(parent, u64::from(*slot), u64::from(*function))),
            "{alias} in QEMU: {in_qemu:?}"
        );
    }

    devices_outside_pci_are_in_qemu(&hv, &dom, &live, &share, &shmem);

    // The display listens where the live XML says, and speaks VNC there.
    let port: u16 = live
        .split("<graphics type='vnc' port='")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no VNC port in the live XML:\n{live}"));
    assert!(port >= 5900);
    assert!(live.contains("listen='127.0.0.1'"), "{live}");
    let mut vnc = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    vnc.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut banner = [0u8; 12];
    vnc.read_exact(&mut banner).unwrap();
    assert!(banner.starts_with(b"RFB "), "{banner:?}");

    // The guest-agent channel got a socket of its own, which QEMU listens on.
    let agent = live
        .split("<channel type='unix'>")
        .nth(1)
        .and_then(|rest| rest.split("path='").nth(1))
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no agent socket in the live XML:\n{live}"))
        .to_string();
    std::os::unix::net::UnixStream::connect(&agent).unwrap();
    assert!(live.contains("name='org.qemu.guest_agent.0' state='disconnected'"));

    hv.domain_destroy(&dom, DomainDestroyFlags::empty())
        .unwrap();
    hv.domain_undefine(&dom, DomainUndefineFlags::empty())
        .unwrap();
    assert!(qemu_pids_for(&name).is_empty());
}

/// Removes a file QEMU created for the guest (the ivshmem region) when the test ends.
struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The port attribute of the USB address the live XML gives the device aliased `alias`.
fn live_usb_port(live: &str, alias: &str) -> String {
    let doc = roxmltree::Document::parse(live).unwrap();
    let dev = doc
        .descendants()
        .find(|n| {
            n.children()
                .any(|c| c.has_tag_name("alias") && c.attribute("name") == Some(alias))
        })
        .unwrap_or_else(|| panic!("no device aliased {alias} in the live XML:\n{live}"));
    dev.children()
        .find(|c| c.has_tag_name("address") && c.attribute("type") == Some("usb"))
        .and_then(|a| a.attribute("port"))
        .unwrap_or_else(|| panic!("{alias} has no USB address:\n{live}"))
        .to_string()
}

/// Devices that are not on the PCI bus (or not only there) are in QEMU's device tree as
/// the definition describes them.
fn devices_outside_pci_are_in_qemu(
    hv: &std::sync::Arc<dyn rvirt_core::HypervisorDriver>,
    dom: &rvirt_core::DomainRef,
    live: &str,
    share: &std::path::Path,
    shmem: &str,
) {
    let qmp = |cmd: Value| -> Value {
        let reply: Value = serde_json::from_str(
            &hv.domain_qemu_monitor_command(dom, &cmd.to_string(), 0)
                .unwrap(),
        )
        .unwrap();
        reply
            .get("return")
            .cloned()
            .unwrap_or_else(|| panic!("{cmd}: {reply}"))
    };
    let get = |path: &str, property: &str| -> Value {
        qmp(serde_json::json!({
            "execute": "qom-get",
            "arguments": {"path": path, "property": property}
        }))
    };
    let peripheral = |id: &str, property: &str| get(&format!("/machine/peripheral/{id}"), property);

    // The 9p share exports the directory under the definition's tag.
    assert_eq!(peripheral("fs0", "mount_tag"), "rvirt-share");
    let fsdevs = qmp(serde_json::json!({
        "execute": "human-monitor-command",
        "arguments": {"command-line": "info qtree"}
    }));
    assert!(
        fsdevs.as_str().unwrap().contains("fsdev = \"fsdev-fs0\""),
        "{fsdevs}"
    );
    assert!(share.is_dir());

    // The parallel port, the hub, the CCID reader with its card, the redirected device.
    assert_eq!(peripheral("parallel0", "type"), "isa-parallel");
    assert_eq!(peripheral("parallel0", "chardev"), "charparallel0");
    for (alias, qemu_type) in [
        ("hub0", "usb-hub"),
        ("ccid0", "usb-ccid"),
        ("redir0", "usb-redir"),
    ] {
        assert_eq!(peripheral(alias, "type"), qemu_type);
        assert_eq!(
            peripheral(alias, "port"),
            Value::String(live_usb_port(live, alias)),
            "{alias}"
        );
    }
    assert_eq!(peripheral("smartcard0", "type"), "ccid-card-passthru");
    assert_eq!(peripheral("smartcard0", "chardev"), "charsmartcard0");

    // The ivshmem region is the shared file under /dev/shm.
    assert_eq!(peripheral("shmem0", "memdev"), "/objects/shmmem-shmem0");
    assert_eq!(
        get("/objects/shmmem-shmem0", "mem-path"),
        Value::String(format!("/dev/shm/{shmem}"))
    );
    assert_eq!(get("/objects/shmmem-shmem0", "size"), 1 << 20);
    assert!(std::path::Path::new(&format!("/dev/shm/{shmem}")).exists());

    // The panic notifier has no id (as libvirt gives it) and sits at its I/O port.
    let anonymous = qmp(serde_json::json!({
        "execute": "qom-list",
        "arguments": {"path": "/machine/peripheral-anon"}
    }));
    let panics: Vec<Value> = anonymous
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "child<pvpanic>")
        .map(|p| {
            let path = format!("/machine/peripheral-anon/{}", p["name"].as_str().unwrap());
            get(&path, "ioport")
        })
        .collect();
    assert_eq!(panics, vec![Value::from(0x505)], "{anonymous}");
}

#[test]
fn pc_desktop_guest_runs_with_devices_at_their_addresses() {
    run_desktop_guest("pc");
}

#[test]
fn q35_desktop_guest_runs_with_devices_at_their_addresses() {
    run_desktop_guest("q35");
}

/// Processes whose command line contains `needle`.
fn pids_with_arg(needle: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(needle))
        })
        .collect()
}

/// A virtio-fs share: the guest's RAM is a shared memfd, a virtiofsd of its own serves
/// the directory on a socket in the guest's run directory, QEMU's `vhost-user-fs-pci`
/// sits where the definition says with the mount tag, and virtiofsd leaves with QEMU.
#[test]
fn virtiofs_guest_runs_with_its_virtiofsd() {
    if !qemu_available() {
        return;
    }
    let Some(virtiofsd) = rvirt_qemu::command::HostSupport::probe().virtiofsd else {
        rvirt_testkit::skip_or_fail("virtiofsd (apt-get install qemu-system-common)");
        return;
    };
    let guest = test_guest();
    let root = tempfile::tempdir().unwrap();
    let name = format!("rvq-virtiofs-{}", std::process::id());
    let _cleanup = KillOnDrop(vec![name.clone()]);
    let console = root.path().join("console.log");
    let share = root.path().join("share");
    std::fs::create_dir(&share).unwrap();
    let devices = format!(
        "<filesystem type='mount' accessmode='passthrough'>
           <driver type='virtiofs'/>
           <source dir='{}'/>
           <target dir='rvirt-fs'/>
         </filesystem>",
        share.display()
    );
    let xml = guest_xml(&name, &guest, &console, &devices).replace(
        "<vcpu>",
        "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking><vcpu>",
    );
    let conn = Connect::open(Some(&format!(
        "qemu:///embed?root={}",
        root.path().display()
    )))
    .unwrap();
    let hv = conn.hypervisor.clone();
    let source = format!("source={}", share.display());

    // A start that fails after virtiofsd came up leaves no virtiofsd behind.
    let failing = xml.replace("</filesystem>", "</filesystem><sound model='sb16'/>");
    let dom = hv.domain_define_xml(&failing, Default::default()).unwrap();
    hv.domain_create(&dom, DomainCreateFlags::empty())
        .unwrap_err();
    assert!(
        wait_for(Duration::from_secs(10), || pids_with_arg(&source)
            .is_empty()),
        "virtiofsd outlived a failed start"
    );
    hv.domain_undefine(&dom, DomainUndefineFlags::empty())
        .unwrap();

    let dom = hv.domain_define_xml(&xml, Default::default()).unwrap();
    let dom = hv.domain_create(&dom, DomainCreateFlags::empty()).unwrap();
    assert!(
        wait_for(Duration::from_secs(120), || file_contains(&console, MARKER)),
        "guest never printed {MARKER}: {}",
        std::fs::read_to_string(&console).unwrap_or_default()
    );
    let live = hv
        .domain_get_xml_desc(&dom, DomainXmlFlags::empty())
        .unwrap();
    assert!(
        live.contains(&format!("<binary path='{}'/>", virtiofsd.display())),
        "{live}"
    );
    let daemons = pids_with_arg(&source);
    // virtiofsd runs its sandboxed server in a child process of its own.
    assert!(!daemons.is_empty(), "no virtiofsd serves {source}");

    let qmp = |cmd: Value| -> Value {
        let reply: Value = serde_json::from_str(
            &hv.domain_qemu_monitor_command(&dom, &cmd.to_string(), 0)
                .unwrap(),
        )
        .unwrap();
        reply["return"].clone()
    };
    let get = |property: &str| {
        qmp(serde_json::json!({
            "execute": "qom-get",
            "arguments": {"path": "/machine/peripheral/fs0", "property": property}
        }))
    };
    assert_eq!(get("type"), "vhost-user-fs-pci");
    assert_eq!(get("chardev"), "chr-vu-fs0");
    let pci = pci_devices(
        &serde_json::json!({"return": qmp(serde_json::json!({"execute": "query-pci"}))}),
    );
    let wanted = live_pci_addresses(&live);
    let (_, bus, slot, function) = wanted.iter().find(|w| w.0 == "fs0").unwrap();
    assert_eq!(*bus, 0);
    assert_eq!(
        pci.get("fs0"),
        Some(&(String::new(), u64::from(*slot), u64::from(*function)))
    );
    let tag = qmp(serde_json::json!({
        "execute": "qom-get",
        "arguments": {"path": "/machine/peripheral/fs0/virtio-backend", "property": "tag"}
    }));
    assert_eq!(tag, "rvirt-fs");

    hv.domain_destroy(&dom, DomainDestroyFlags::empty())
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(10), || daemons
            .iter()
            .all(|pid| !rvirt_qemu::process::pid_alive(*pid))),
        "virtiofsd outlived its guest"
    );
    hv.domain_undefine(&dom, DomainUndefineFlags::empty())
        .unwrap();
}
