//! Command-line generation compared with what Debian's libvirtd 9.0 ran for the same
//! documents (`tests/data/argv/NAME.xml` -> `NAME.libvirt-args`, taken from libvirtd's
//! `/var/log/libvirt/qemu/NAME.log`). No QEMU is needed: the emulator's capabilities are a
//! fixture with QEMU 7.2's machine types.
//!
//! Known, deliberate differences are normalised before comparing: libvirt passes the
//! monitor socket and serial files as file descriptors (`fd=N`, `/dev/fdset/N`) and adds a
//! master-key secret; rvirt passes paths and has no secrets yet.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rvirt_qemu::command::{self, CommandContext};
use rvirt_qemu::definition;
use rvirt_qemu::probe::{CpuModelInfo, EmulatorCaps, MachineInfo};

fn fixture_caps() -> EmulatorCaps {
    let machine = |name: &str, alias: Option<&str>, default: bool, cpu_max: u32| MachineInfo {
        name: name.into(),
        alias: alias.map(str::to_string),
        is_default: default,
        cpu_max,
        deprecated: false,
    };
    EmulatorCaps {
        format: 1,
        binary: "/usr/bin/qemu-system-x86_64".into(),
        mtime: 0,
        ctime: 0,
        version: (7, 2, 22),
        package: "Debian 1:7.2+dfsg-7+deb12u18+b3".into(),
        arch: "x86_64".into(),
        machines: vec![
            machine("pc-i440fx-7.2", Some("pc"), true, 255),
            machine("pc-q35-7.2", Some("q35"), false, 288),
            machine("pc-i440fx-2.12", None, false, 255),
            machine("none", None, false, 1),
        ],
        cpu_models: ["qemu64", "Westmere"]
            .iter()
            .map(|n| CpuModelInfo {
                name: n.to_string(),
                typename: None,
                usable: Some(true),
                deprecated: false,
            })
            .collect(),
        device_types: [
            "ahci",
            "lsi53c895a",
            "virtio-scsi-pci",
            "virtio-blk-pci",
            "virtio-net-pci",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        kvm: false,
    }
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/argv")
        .join(name)
}

/// argv rvirt builds for a test document (with an explicit emulator, so no probing).
fn rvirt_argv(xml_file: &str, monitor: &str) -> Vec<String> {
    let xml = std::fs::read_to_string(data(xml_file)).unwrap().replace(
        "<devices>",
        "<devices>\n    <emulator>/usr/bin/qemu-system-x86_64</emulator>",
    );
    let caps = Arc::new(fixture_caps());
    let for_caps = caps.clone();
    let mut def = definition::parse(&xml, false, &move |_p: &Path| Ok(for_caps.clone())).unwrap();
    // libvirtd's first auto-ported display got 5900.
    command::prepare_live_with(&mut [&mut def], Path::new("/run/x"), &mut || Ok(5900)).unwrap();
    let ctx = CommandContext {
        monitor_socket: PathBuf::from(monitor),
        tap_names: def.devices_of("interface").map(|_| None).collect(),
        kvm: false,
    };
    command::build(&def, &caps, &ctx).unwrap()
}

/// libvirt's logged command line as argv, with the deliberate differences normalised.
fn libvirt_argv(args_file: &str, monitor: &str, serial_files: &[&str]) -> Vec<String> {
    let text = std::fs::read_to_string(data(args_file)).unwrap();
    let mut out = Vec::new();
    let mut serial = serial_files.iter();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let (opt, value) = match line.split_once(' ') {
            Some((o, v)) => (o, Some(v.trim_matches('\'').to_string())),
            None => (line, None),
        };
        let Some(mut value) = value else {
            out.push(opt.to_string());
            continue;
        };
        if opt == "-add-fd" || (opt == "-object" && value.contains("\"secret\"")) {
            continue;
        }
        if opt == "-chardev" && value.starts_with("socket,id=charmonitor,fd=") {
            value = format!("socket,id=charmonitor,path={monitor},server=on,wait=off");
        }
        if opt == "-chardev" && value.contains("path=/dev/fdset/") {
            let id = value.split(',').nth(1).unwrap().to_string();
            value = format!("file,{id},path={}", serial.next().unwrap());
        }
        if opt == "-chardev" && value.starts_with("socket,") && value.contains(",fd=") {
            // A unix socket libvirt opened itself: rvirt names the path.
            let id = value.split(',').nth(1).unwrap().to_string();
            value = format!(
                "socket,{id},path={},server=on,wait=off",
                serial.next().unwrap()
            );
        }
        out.push(opt.to_string());
        out.push(value);
    }
    out
}

fn assert_same(ours: &[String], theirs: &[String]) {
    for (i, (a, b)) in ours.iter().zip(theirs.iter()).enumerate() {
        assert_eq!(
            a, b,
            "argument {i} differs\nrvirt:   {ours:?}\nlibvirt: {theirs:?}"
        );
    }
    assert_eq!(
        ours.len(),
        theirs.len(),
        "rvirt: {ours:?}\nlibvirt: {theirs:?}"
    );
}

#[test]
fn i440fx_virtio_sata_ide_user_net_file_serial_balloon() {
    let monitor = "/run/rvirt/qemu/domain-1-rvq-ref1/monitor.sock";
    assert_same(
        &rvirt_argv("ref1.xml", monitor),
        &libvirt_argv("ref1.libvirt-args", monitor, &["/tmp/ref/rvq-ref1.console"]),
    );
}

#[test]
fn boot_order_topology_ide_cdrom_virtio_scsi_rtl8139_null_serial() {
    let monitor = "/run/m.sock";
    assert_same(
        &rvirt_argv("ref3.xml", monitor),
        &libvirt_argv("ref3.libvirt-args", monitor, &[]),
    );
}

/// q35: PCIe devices on root ports of their own, conventional PCI devices behind a
/// PCIe-to-PCI bridge, a spare root port for hotplug, the built-in AHCI.
#[test]
fn q35_root_ports_bridge_scsi_sata_cdrom_e1000_socket_serials() {
    let monitor = "/run/m.sock";
    assert_same(
        &rvirt_argv("ref2-q35.xml", monitor),
        &libvirt_argv("ref2-q35.libvirt-args", monitor, &["/tmp/ref/s.sock"]),
    );
}

/// i440fx with every device family of a desktop guest: an EHCI with UHCI companions, a
/// virtio-serial controller with the guest agent and pty/file/tcp/null channels, a
/// virtio console, USB and virtio input, auto-ported VNC, VGA, three sound cards, the
/// i6300esb watchdog, a floppy, the balloon and a virtio RNG.
#[test]
fn pc_desktop_devices() {
    let monitor = "/run/m.sock";
    assert_same(
        &rvirt_argv("ref4-pc-devices.xml", monitor),
        &libvirt_argv(
            "ref4-pc-devices.libvirt-args",
            monitor,
            &["/tmp/ref/ga.sock", "/tmp/ref/ch.log"],
        ),
    );
}

/// q35: the same families on root ports and the PCIe-to-PCI bridge, an ISA floppy
/// controller, virtio-vga, HDA codecs, ib700, an RNG with a rate, a fixed VNC port.
#[test]
fn q35_desktop_devices() {
    let monitor = "/run/m.sock";
    assert_same(
        &rvirt_argv("ref5-q35-devices.xml", monitor),
        &libvirt_argv(
            "ref5-q35-devices.libvirt-args",
            monitor,
            &["/tmp/ref/ga5.sock"],
        ),
    );
}

/// Two QXL cards (the primary one VGA-compatible), qemu-xhci on i440fx, ich9 sound.
#[test]
fn pc_qxl_xhci_ich9_ib700() {
    let monitor = "/run/m.sock";
    assert_same(
        &rvirt_argv("ref6-pc-video.xml", monitor),
        &libvirt_argv("ref6-pc-video.libvirt-args", monitor, &[]),
    );
}

/// q35 with EHCI companions on the root bus, a second USB controller, two virtio-serial
/// controllers (ports given), a virtio console, cirrus, the builtin RNG backend.
#[test]
fn q35_usb2_virtio_serial_cirrus() {
    let monitor = "/run/m.sock";
    assert_same(
        &rvirt_argv("ref7-q35-cirrus.xml", monitor),
        &libvirt_argv("ref7-q35-cirrus.libvirt-args", monitor, &[]),
    );
}

/// A PCI bridge, nec-xhci, two virtio consoles, the guest agent on a socket the driver
/// names, VNC on IPv6 loopback, virtio-vga plus a secondary virtio-gpu, a dumping
/// watchdog, an RNG rate without a period, balloon options.
#[test]
fn pc_bridge_consoles_ipv6_vnc_virtio_gpu() {
    let monitor = "/run/m.sock";
    assert_same(
        &rvirt_argv("ref8-pc-variants.xml", monitor),
        &libvirt_argv(
            "ref8-pc-variants.libvirt-args",
            monitor,
            &["/run/x/channel.org.qemu.guest_agent.0"],
        ),
    );
}

/// VMware SVGA, VNC with a websocket, share policy and keymap, ib700 injecting an NMI.
#[test]
fn pc_vmvga_vnc_options() {
    let monitor = "/run/m.sock";
    assert_same(
        &rvirt_argv("ref9-pc-vmvga.xml", monitor),
        &libvirt_argv("ref9-pc-vmvga.libvirt-args", monitor, &[]),
    );
}

/// bochs-display, VNC on every address, a shutdown watchdog behind the PCIe bridge.
#[test]
fn q35_bochs_vnc_any_address() {
    let monitor = "/run/m.sock";
    assert_same(
        &rvirt_argv("ref10-q35-bochs.xml", monitor),
        &libvirt_argv("ref10-q35-bochs.libvirt-args", monitor, &[]),
    );
}

/// Devices of issue #5 that were left out before: a USB hub (the tablet and the
/// redirected device behind it), a CCID reader with a passed-through smartcard, 9p
/// filesystems (passthrough, squash), parallel ports (pty, file), a redirected USB
/// device on TCP, the ISA panic notifier at its I/O port and two ivshmem regions.
#[test]
fn pc_hub_smartcard_9p_parallel_redirdev_panic_shmem() {
    let monitor = "/run/m.sock";
    assert_same(
        &rvirt_argv("ref11-pc-misc.xml", monitor),
        &libvirt_argv("ref11-pc-misc.libvirt-args", monitor, &["/tmp/ref/lpt.log"]),
    );
}

/// q35: two hubs before the CCID reader, a read-only 9p share on a root port, unix
/// sockets for the smartcard, the parallel port and a redirected device, the panic
/// notifier with no address, Hyper-V's crash MSRs, ivshmem behind the PCIe bridge.
#[test]
fn q35_hubs_ccid_9p_unix_chardevs_hyperv_panic_shmem() {
    let monitor = "/run/m.sock";
    assert_same(
        &rvirt_argv("ref12-q35-misc.xml", monitor),
        &libvirt_argv(
            "ref12-q35-misc.libvirt-args",
            monitor,
            &[
                "/tmp/ref/ccid.sock",
                "/tmp/ref/lpt.sock",
                "/tmp/ref/redir.sock",
            ],
        ),
    );
}

/// The 9p `handle` driver with an immediate write-out policy, read-only. (Debian's QEMU
/// lacks that driver, so QEMU refused it; the command line is libvirtd's all the same.)
#[test]
fn fs_handle_driver() {
    let monitor = "/run/m.sock";
    assert_same(
        &rvirt_argv("ref15-fs-handle.xml", monitor),
        &libvirt_argv("ref15-fs-handle.libvirt-args", monitor, &[]),
    );
}

/// 9p options (mapped with file and directory modes, inode remapping, a write-out
/// policy, a comma in the path; a transitional device squashing ids), a telnet parallel
/// port, a redirected device to boot from, the panic notifier by default.
#[test]
fn pc_fs_options_telnet_parallel_redirdev_boot() {
    let monitor = "/run/m.sock";
    assert_same(
        &rvirt_argv("ref16-pc-fs-variants.xml", monitor),
        &libvirt_argv("ref16-pc-fs-variants.libvirt-args", monitor, &[]),
    );
}

/// Documents QEMU itself refuses here (no NSS database for emulated smartcards, no
/// ivshmem server listening) still get libvirtd's command line: the failure is QEMU's.
#[test]
fn smartcards_emulated_and_doorbell_shmem() {
    let monitor = "/run/m.sock";
    for case in [
        "ref17-smartcard-certs",
        "err-smartcard-host",
        "ref19-doorbell",
        "err-shmem-doorbell",
    ] {
        assert_same(
            &rvirt_argv(&format!("{case}.xml"), monitor),
            &libvirt_argv(&format!("{case}.libvirt-args"), monitor, &[]),
        );
    }
}

/// ivshmem regions whose content this guest owns (`master`) or only shares (`peer`).
#[test]
fn shmem_roles() {
    let monitor = "/run/m.sock";
    assert_same(
        &rvirt_argv("ref18-shmem-role.xml", monitor),
        &libvirt_argv("ref18-shmem-role.libvirt-args", monitor, &[]),
    );
}

/// virtio-fs: guest RAM in a shared memfd, a vhost-user chardev on virtiofsd's socket in
/// the guest's directory, `vhost-user-fs-pci` with the mount tag.
#[test]
fn virtiofs_shared_memfd() {
    // libvirtd's guest directory holds its socket; rvirt's run directory holds it (and the
    // monitor socket) likewise.
    let monitor = "/var/lib/libvirt/qemu/domain-8-rvq-ref13/monitor.sock";
    assert_same(
        &rvirt_argv("ref13-virtiofs.xml", monitor),
        &libvirt_argv("ref13-virtiofs.libvirt-args", monitor, &[]),
    );
}

/// libvirtd's refusal of `err-*.xml` recorded by generate.py: stage, code, domain, message.
fn libvirt_error(case: &str) -> (String, i32, i32, String) {
    let text = std::fs::read_to_string(data(&format!("{case}.libvirt-error"))).unwrap();
    let mut lines = text.lines();
    let stage = lines.next().unwrap().to_string();
    let code = lines.next().unwrap().parse().unwrap();
    let domain = lines.next().unwrap().parse().unwrap();
    let message = lines.collect::<Vec<_>>().join("\n");
    (stage, code, domain, message)
}

/// What the host that recorded the error cases offered: no VFIO, no USB in sysfs, no
/// vhost-vsock, no TPM device.
fn recording_host() -> command::HostSupport {
    command::HostSupport::default()
}

/// Devices the host cannot give a guest are refused before QEMU starts with the code,
/// domain and message libvirtd 9.0 gave on the same host for the same document.
#[test]
fn refused_like_libvirtd() {
    for case in [
        "err-hostdev-pci",
        "err-hostdev-usb",
        "err-vsock",
        "err-tpm-passthrough",
        "err-virtiofs-unshared",
        "err-redirdev-spicevmc",
        "err-filesystem-block",
    ] {
        let (stage, code, domain, message) = libvirt_error(case);
        let xml = std::fs::read_to_string(data(&format!("{case}.xml")))
            .unwrap()
            .replace(
                "<devices>",
                "<devices>\n    <emulator>/usr/bin/qemu-system-x86_64</emulator>",
            );
        let caps = Arc::new(fixture_caps());
        let for_caps = caps.clone();
        // rvirt may refuse at define already (where libvirtd does), or at start.
        let err = match definition::parse(&xml, false, &move |_p: &Path| Ok(for_caps.clone())) {
            Err(e) => e,
            Ok(mut def) => {
                let ctx = CommandContext {
                    monitor_socket: PathBuf::from("/m"),
                    tap_names: Vec::new(),
                    kvm: false,
                };
                command::check_host_support(&def, &recording_host())
                    .and_then(|_| {
                        command::prepare_live_with(
                            &mut [&mut def],
                            Path::new("/run/x"),
                            &mut || Ok(5900),
                        )
                    })
                    .and_then(|_| command::build(&def, &caps, &ctx))
                    .expect_err(case)
            }
        };
        assert_eq!(
            (err.code as i32, err.domain as i32, err.message.as_str()),
            (code, domain, message.as_str()),
            "{case} (libvirtd refused it at {stage})"
        );
    }
}

#[test]
fn chardev_backends() {
    let el = |xml: &str| {
        let doc = format!(
            "<domain type='qemu'><name>c</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os>\
             <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>{xml}</devices></domain>"
        );
        let caps = Arc::new(fixture_caps());
        let def = definition::parse(&doc, false, &move |_p: &Path| Ok(caps.clone())).unwrap();
        let serial = def.devices_of("serial").next().unwrap().clone();
        command::chardev_spec(&serial, "charserial0").unwrap()
    };
    // The forms libvirtd 9.0 produced for these sources (ref2-q35.libvirt-args).
    assert_eq!(el("<serial type='pty'/>"), "pty,id=charserial0");
    assert_eq!(el("<serial type='null'/>"), "null,id=charserial0");
    assert_eq!(
        el("<serial type='tcp'><source mode='bind' host='127.0.0.1' service='4555'/><protocol type='raw'/></serial>"),
        "socket,id=charserial0,host=127.0.0.1,port=4555,server=on,wait=off"
    );
    assert_eq!(
        el("<serial type='unix'><source mode='bind' path='/tmp/s,1.sock'/></serial>"),
        "socket,id=charserial0,path=/tmp/s,,1.sock,server=on,wait=off"
    );
    assert_eq!(
        el("<serial type='tcp'><source mode='connect' host='h' service='1'/><protocol type='telnet'/></serial>"),
        "socket,id=charserial0,host=h,port=1,telnet=on"
    );
}

#[test]
fn tap_interfaces_and_kvm() {
    let doc = "<domain type='kvm'><name>n</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os>\
        <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>\
        <interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/><model type='virtio'/></interface>\
        <interface type='ethernet'><mac address='52:54:00:00:00:02'/><target dev='tap7'/><model type='e1000'/></interface>\
        </devices></domain>";
    let mut caps = fixture_caps();
    caps.kvm = true;
    let caps = Arc::new(caps);
    let for_caps = caps.clone();
    let def = definition::parse(doc, false, &move |_p: &Path| Ok(for_caps.clone())).unwrap();
    let ctx = CommandContext {
        monitor_socket: PathBuf::from("/m"),
        tap_names: vec![Some("vnet0".into()), Some("tap7".into())],
        kvm: true,
    };
    let argv = command::build(&def, &caps, &ctx).unwrap();
    let joined = argv.join(" ");
    assert!(joined.contains("-accel kvm"), "{joined}");
    assert!(joined.contains(
        r#"-netdev {"type":"tap","ifname":"vnet0","script":"no","downscript":"no","id":"hostnet0"}"#
    ));
    assert!(joined.contains(
        r#"-device {"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:00:00:01","bus":"pci.0","addr":"0x2"}"#
    ));
    assert!(joined.contains(
        r#"-device {"driver":"e1000","netdev":"hostnet1","id":"net1","mac":"52:54:00:00:00:02","bus":"pci.0","addr":"0x3"}"#
    ));
}

#[test]
fn kvm_refused_when_unusable() {
    let doc = "<domain type='kvm'><name>n</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os>\
        <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>";
    let caps = Arc::new(fixture_caps());
    let err = definition::parse(doc, false, &move |_p: &Path| Ok(caps.clone())).unwrap_err();
    assert_eq!(err.code, rvirt_core::ErrorCode::InvalidArg);
}

/// The definition the driver stores (`dumpxml --inactive` after `define`) matches what
/// libvirtd stores for the same document: its QEMU defaults (CPU model, implicit
/// controllers, inputs, audio, serial targets) and the PCI addresses it assigns.
#[test]
fn stored_definition_matches_libvirtd() {
    for case in [
        "ref1",
        "ref2-q35",
        "ref3",
        "ref4-pc-devices",
        "ref5-q35-devices",
        "ref6-pc-video",
        "ref7-q35-cirrus",
        "ref8-pc-variants",
        "ref9-pc-vmvga",
        "ref10-q35-bochs",
        "ref11-pc-misc",
        "ref12-q35-misc",
        "ref13-virtiofs",
        "ref15-fs-handle",
        "ref16-pc-fs-variants",
        "ref17-smartcard-certs",
        "ref18-shmem-role",
        "ref19-doorbell",
        "err-shmem-doorbell",
        "err-smartcard-host",
    ] {
        let xml = std::fs::read_to_string(data(&format!("{case}.xml")))
            .unwrap()
            .replace(
                "<devices>",
                "<devices>\n    <emulator>/usr/bin/qemu-system-x86_64</emulator>",
            );
        let caps = Arc::new(fixture_caps());
        let def = definition::parse(&xml, false, &move |_p: &Path| Ok(caps.clone())).unwrap();
        let ours = def.format(rvirt_xml::domain::FormatOptions {
            inactive: true,
            secure: false,
            migratable: false,
        });
        let theirs =
            std::fs::read_to_string(data(&format!("{case}.libvirt-inactive.xml"))).unwrap();
        assert_eq!(ours, theirs, "{case}");
    }
}

/// The live XML of a running guest (aliases, storage node indexes, PCI addresses, the
/// VNC port and listen address, channel states) matches libvirtd's, apart from what rvirt
/// does not do yet: cgroup partitions, the DAC security label and the CPU features QEMU
/// reports after start. Pseudo-terminal names, which QEMU picks, are left out.
#[test]
fn live_definition_matches_libvirtd() {
    for case in [
        "ref1",
        "ref4-pc-devices",
        "ref5-q35-devices",
        "ref6-pc-video",
        "ref7-q35-cirrus",
        "ref8-pc-variants",
        "ref9-pc-vmvga",
        "ref10-q35-bochs",
        "ref11-pc-misc",
        "ref12-q35-misc",
        "ref16-pc-fs-variants",
        "ref18-shmem-role",
    ] {
        let xml = std::fs::read_to_string(data(&format!("{case}.xml")))
            .unwrap()
            .replace(
                "<devices>",
                "<devices>\n    <emulator>/usr/bin/qemu-system-x86_64</emulator>",
            );
        let caps = Arc::new(fixture_caps());
        let for_caps = caps.clone();
        let mut def =
            definition::parse(&xml, false, &move |_p: &Path| Ok(for_caps.clone())).unwrap();
        command::prepare_live_with(&mut [&mut def], Path::new("/run/x"), &mut || Ok(5900)).unwrap();
        rvirt_qemu::devices::annotate_live(&mut def);
        let theirs = std::fs::read_to_string(data(&format!("{case}.libvirt-live.xml")))
            .unwrap()
            // Channel sockets libvirt names live in its channel directory, rvirt's in the
            // guest's run directory.
            .replace(
                "/var/lib/libvirt/qemu/channel/target/domain-1-rvq-ref8/",
                "/run/x/channel.",
            );
        // The guests were the first, second... that libvirtd started.
        let id = theirs
            .split("id='")
            .nth(1)
            .unwrap()
            .split('\'')
            .next()
            .unwrap();
        def.id = Some(id.parse().unwrap());
        let ours = def.format(Default::default());
        let ours = normalise_live(&ours, &["cpu"]);
        let theirs = normalise_live(&theirs, &["cpu", "resource", "seclabel"]);
        // RVIRT_ARGV_OUT=DIR keeps both documents for diffing.
        if let Some(dir) = std::env::var_os("RVIRT_ARGV_OUT") {
            let dir = Path::new(&dir);
            std::fs::write(dir.join(format!("{case}.rvirt-live.xml")), &ours).unwrap();
            std::fs::write(dir.join(format!("{case}.libvirt-live.xml")), &theirs).unwrap();
        }
        for (n, (a, b)) in ours.lines().zip(theirs.lines()).enumerate() {
            assert_eq!(a, b, "{case}: line {n} differs\nrvirt:\n{ours}");
        }
        assert_eq!(ours, theirs, "{case}");
    }
}

/// A live document without the top-level blocks `names` and the pty names QEMU chose.
fn normalise_live(doc: &str, names: &[&str]) -> String {
    let mut out = String::new();
    let mut skip: Option<String> = None;
    for line in doc.lines() {
        if let Some(end) = &skip {
            if line.trim_start().starts_with(end.as_str()) {
                skip = None;
            }
            continue;
        }
        if let Some(name) = names.iter().find(|n| line.starts_with(&format!("  <{n}"))) {
            if !line.ends_with("/>") {
                skip = Some(format!("</{name}>"));
            }
            continue;
        }
        if line.contains("<source path='/dev/pts/") {
            continue;
        }
        let line = match line.find(" tty='/dev/pts/") {
            Some(at) => {
                let end = line[at + 6..].find('\'').map(|e| at + 6 + e + 1).unwrap();
                format!("{}{}", &line[..at], &line[end..])
            }
            None => line.to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Devices rvirt cannot start yet are refused with libvirt's "unsupported configuration"
/// code before QEMU runs, never silently left out.
#[test]
fn unsupported_devices_are_refused() {
    for devices in [
        "<graphics type='spice'/>",
        "<graphics type='vnc'/><graphics type='vnc'/>",
        "<graphics type='vnc' autoport='yes' passwd='secret'/>",
        "<sound model='sb16'/>",
        "<rng model='virtio'><backend model='egd' type='pty'/></rng>",
        "<audio id='1' type='pulseaudio'/>",
        // Devices this driver has no command line for are refused, never dropped.
        "<iommu model='intel'/>",
        "<lease><lockspace>s</lockspace><key>k</key><target path='/tmp/l'/></lease>",
        "<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>",
        "<vsock model='virtio'><cid auto='yes'/></vsock>",
        "<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/>\
         <address bus='0' target='0' unit='0'/></source></hostdev>",
        "<filesystem type='mount' accessmode='mapped'><driver type='handle'/>\
         <source dir='/tmp'/><target dir='t'/></filesystem>",
        "<smartcard mode='host'/><smartcard mode='host'/>",
        "<controller type='usb' index='0' model='piix3-uhci'/><redirfilter><usbdev allow='yes'/></redirfilter>\
         <redirdev bus='usb' type='tcp'><source mode='bind' host='127.0.0.1' service='4601'/></redirdev>",
        "<shmem name='s'><model type='ivshmem'/></shmem>",
    ] {
        let doc = format!(
            "<domain type='qemu'><name>u</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os>\
             <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>{devices}</devices></domain>"
        );
        let caps = Arc::new(fixture_caps());
        let for_caps = caps.clone();
        let Ok(mut def) = definition::parse(&doc, false, &move |_p: &Path| Ok(for_caps.clone()))
        else {
            continue;
        };
        let ctx = CommandContext {
            monitor_socket: PathBuf::from("/m"),
            tap_names: Vec::new(),
            kvm: false,
        };
        let built =
            command::prepare_live_with(&mut [&mut def], Path::new("/run/x"), &mut || Ok(5900))
                .and_then(|_| command::build(&def, &caps, &ctx));
        let err = built.expect_err(devices);
        assert_eq!(
            err.code,
            rvirt_core::ErrorCode::ConfigUnsupported,
            "{devices}: {err:?}"
        );
    }
}

/// A restarted daemon takes a running guest over from its status file (the live XML,
/// parsed as live): the display port the guest got and its channel sockets survive.
#[test]
fn status_xml_keeps_runtime_choices() {
    let xml = std::fs::read_to_string(data("ref8-pc-variants.xml"))
        .unwrap()
        .replace("autoport='no'", "autoport='yes'")
        .replace(
            "<devices>",
            "<devices>\n    <emulator>/usr/bin/qemu-system-x86_64</emulator>",
        );
    let caps = Arc::new(fixture_caps());
    let for_caps = caps.clone();
    let mut def = definition::parse(&xml, false, &move |_p: &Path| Ok(for_caps.clone())).unwrap();
    command::prepare_live_with(&mut [&mut def], Path::new("/run/x"), &mut || Ok(5903)).unwrap();
    rvirt_qemu::devices::annotate_live(&mut def);
    let status = def.format(rvirt_xml::domain::FormatOptions {
        inactive: false,
        secure: true,
        migratable: false,
    });
    let again = rvirt_xml::domain::DomainDef::parse_with_default_arch(
        &status,
        rvirt_xml::domain::ParseOptions { live: true },
        Some("x86_64"),
    )
    .unwrap();
    let ctx = CommandContext {
        monitor_socket: PathBuf::from("/m"),
        tap_names: Vec::new(),
        kvm: false,
    };
    assert_eq!(
        command::build(&def, &caps, &ctx).unwrap(),
        command::build(&again, &caps, &ctx).unwrap()
    );
    let text = again.format(Default::default());
    assert!(
        text.contains("<graphics type='vnc' port='5903' autoport='yes' listen='::1'>"),
        "{text}"
    );
}
