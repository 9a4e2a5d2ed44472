//! The device families of a desktop guest (USB controllers and input, virtio-serial with
//! the guest-agent channel, a virtio console, VNC, video, sound, watchdog, RNG, balloon,
//! a floppy) on a real QEMU under TCG: the guest boots, every PCI device sits where the
//! live definition says (QMP `query-pci`), and the VNC server listens on the port the
//! live XML shows, as `virsh domdisplay` would report it.

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
    let devices = DEVICES.replace("FLOPPY", &floppy.to_string_lossy());
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

#[test]
fn pc_desktop_guest_runs_with_devices_at_their_addresses() {
    run_desktop_guest("pc");
}

#[test]
fn q35_desktop_guest_runs_with_devices_at_their_addresses() {
    run_desktop_guest("q35");
}
