//! The QEMU command line for a domain: a pure function of the (QEMU-post-parsed) definition,
//! the emulator's capabilities and a few runtime paths. Arguments follow libvirt 9.0's
//! layout and order (JSON `-device`/`-blockdev`/`-netdev` properties with libvirt's key
//! order) so that logs compare directly with what libvirtd starts.

use std::path::PathBuf;

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, Element};

use crate::devices::{self, BusKind, Placed};
use crate::probe::EmulatorCaps;

mod controllers;
mod display;
mod host_support;
mod peripherals;
mod shared;
mod usb;
mod virtiofs;

pub use display::{prepare_live, prepare_live_with};
pub use host_support::{check_host_support, HostSupport};

/// Runtime inputs that are not part of the definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandContext {
    /// The QMP monitor socket QEMU listens on.
    pub monitor_socket: PathBuf,
    /// Host tap device names, one per `<interface>` in document order (`None` for
    /// interfaces that need none).
    pub tap_names: Vec<Option<String>>,
    /// Use KVM rather than TCG.
    pub kvm: bool,
}

/// JSON object with keys in insertion order, as libvirt prints device properties.
#[derive(Debug, Default, Clone)]
pub struct Props(Vec<(String, String)>);

impl Props {
    pub fn new() -> Self {
        Props(Vec::new())
    }
    pub fn s(mut self, key: &str, value: &str) -> Self {
        self.0.push((key.to_string(), json_string(value)));
        self
    }
    pub fn n(mut self, key: &str, value: u64) -> Self {
        self.0.push((key.to_string(), value.to_string()));
        self
    }
    pub fn b(mut self, key: &str, value: bool) -> Self {
        self.0.push((key.to_string(), value.to_string()));
        self
    }
    pub fn null(mut self, key: &str) -> Self {
        self.0.push((key.to_string(), "null".to_string()));
        self
    }
    pub fn opt_s(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.s(key, v),
            None => self,
        }
    }
    pub fn opt_n(self, key: &str, value: Option<u64>) -> Self {
        match value {
            Some(v) => self.n(key, v),
            None => self,
        }
    }
    pub fn build(&self) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&json_string(k));
            out.push(':');
            out.push_str(v);
        }
        out.push('}');
        out
    }
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// Escapes a value inside QEMU's `key=value,...` option syntax (commas are doubled).
pub fn qemu_opt_escape(s: &str) -> String {
    s.replace(',', ",,")
}

fn cfg_err(detail: impl Into<String>) -> Error {
    Error::new(ErrorDomain::Qemu, ErrorCode::ConfigUnsupported, detail)
}

/// Builds argv (argv[0] is the emulator) for `def`.
///
/// Every PCI, drive, USB and virtio-serial address comes from the definition (define-time
/// post-parse assigned them); runtime choices (display ports, channel sockets) are made by
/// [`prepare_live`] first.
pub fn build(def: &DomainDef, caps: &EmulatorCaps, ctx: &CommandContext) -> Result<Vec<String>> {
    let mut a: Vec<String> = Vec::new();
    let mut push = |args: &[&str]| a.extend(args.iter().map(|s| s.to_string()));
    let emulator = def
        .devices_of("emulator")
        .next()
        .and_then(|e| e.text.clone())
        .unwrap_or_else(|| caps.binary.clone());
    push(&[&emulator]);
    push(&[
        "-name",
        &format!("guest={},debug-threads=on", qemu_opt_escape(&def.name)),
    ]);
    push(&["-S"]);

    let machine = def
        .os
        .machine
        .clone()
        .or_else(|| caps.default_machine().map(str::to_string))
        .ok_or_else(|| cfg_err("no machine type available"))?;
    let x86 = matches!(def.os.arch.as_deref(), Some("x86_64" | "i686"));
    let mem_id = if x86 { "pc.ram" } else { "mach-virt.ram" };
    let mut machine_opt = format!("{},usb=off,dump-guest-core=off", qemu_opt_escape(&machine));
    machine_opt.push_str(&format!(",memory-backend={mem_id}"));
    push(&["-machine", &machine_opt]);
    push(&["-accel", if ctx.kvm { "kvm" } else { "tcg" }]);
    let mut cpu = cpu_model(def, ctx.kvm)?;
    // A Hyper-V crash notifier is a CPU feature rather than a device.
    if def
        .devices_of("panic")
        .any(|p| p.attr("model") == Some("hyperv"))
    {
        cpu.push_str(",hv-crash");
    }
    push(&["-cpu", &cpu]);
    let mem_mib = def.memory.div_ceil(1024);
    push(&["-m", &mem_mib.to_string()]);
    push(&["-object", &memory_backend(def, mem_id, mem_mib).build()]);
    push(&["-overcommit", "mem-lock=off"]);
    push(&["-smp", &smp(def)]);
    push(&["-uuid", &def.uuid.hyphenated().to_string()]);
    if def.devices_of("graphics").next().is_none() {
        push(&["-display", "none"]);
    }
    push(&["-no-user-config", "-nodefaults"]);
    push(&[
        "-chardev",
        &format!(
            "socket,id=charmonitor,path={},server=on,wait=off",
            qemu_opt_escape(&ctx.monitor_socket.to_string_lossy())
        ),
    ]);
    push(&["-mon", "chardev=charmonitor,id=monitor,mode=control"]);
    push(&["-rtc", &rtc(def)?]);
    push(&["-no-shutdown"]);
    let acpi = def
        .section("features")
        .is_some_and(|f| f.child("acpi").is_some());
    if x86 && !acpi {
        push(&["-no-acpi"]);
    }
    push(&["-boot", &boot_opts(def)]);
    if let Some(os) = def.section("os") {
        for (child, flag) in [
            ("kernel", "-kernel"),
            ("initrd", "-initrd"),
            ("cmdline", "-append"),
            ("dtb", "-dtb"),
        ] {
            if let Some(value) = os.child(child).and_then(|c| c.text.as_deref()) {
                push(&[flag, value]);
            }
        }
    }

    refuse_unbuilt_devices(def)?;
    controllers::push_all(def, caps, &mut a)?;
    usb::hubs(def, &mut a)?;
    usb::ccid_controllers(def, &mut a)?;
    disks(def, &mut a)?;
    let run_dir = ctx
        .monitor_socket
        .parent()
        .unwrap_or_else(|| std::path::Path::new("/"));
    shared::filesystems(def, run_dir, &mut a)?;
    interfaces(def, ctx, &mut a)?;
    usb::smartcards(def, &mut a)?;
    serials(def, &mut a)?;
    parallels(def, &mut a)?;
    peripherals::channels(def, &mut a)?;
    peripherals::consoles(def, &mut a)?;
    peripherals::inputs(def, &mut a)?;
    peripherals::audio(def, &mut a)?;
    peripherals::graphics(def, &mut a)?;
    peripherals::videos(def, &mut a)?;
    peripherals::sounds(def, &mut a)?;
    peripherals::watchdogs(def, &mut a)?;
    usb::redirdevs(def, &mut a)?;
    peripherals::balloon(def, &mut a)?;
    peripherals::rngs(def, &mut a)?;
    a.push("-sandbox".into());
    a.push("on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny".into());
    panics(def, &mut a)?;
    shared::shmems(def, &mut a)?;
    a.push("-msg".into());
    a.push("timestamp=on".into());
    Ok(a)
}

/// Device elements the command line is built for (or, like `<audio>` and `<emulator>`,
/// read by others); anything else is refused rather than left out of the guest.
const BUILT_DEVICES: [&str; 24] = [
    "emulator",
    "disk",
    "controller",
    "filesystem",
    "interface",
    "input",
    "sound",
    "audio",
    "graphics",
    "video",
    "hub",
    "redirdev",
    "redirfilter",
    "smartcard",
    "serial",
    "parallel",
    "console",
    "channel",
    "watchdog",
    "memballoon",
    "rng",
    "shmem",
    "panic",
    "hostdev",
];

/// Refuses devices this driver cannot give the guest, before anything starts. Host
/// devices, TPMs and vsock were checked against the host by [`check_host_support`]
/// first; reaching here they are refused all the same.
fn refuse_unbuilt_devices(def: &DomainDef) -> Result<()> {
    host_support::check_assigned_devices(def, &HostSupport::default())?;
    match def
        .devices
        .iter()
        .find(|d| !BUILT_DEVICES.contains(&d.name.as_str()))
    {
        Some(dev) => Err(cfg_err(format!(
            "<{}> devices are not supported by this driver yet",
            dev.name
        ))),
        None => Ok(()),
    }
}

/// `<parallel>` ports: a chardev and an `isa-parallel` each.
fn parallels(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    for (i, port) in def.devices_of("parallel").enumerate() {
        let id = format!("charparallel{i}");
        a.push("-chardev".into());
        a.push(chardev_spec(port, &id)?);
        a.push("-device".into());
        a.push(
            Props::new()
                .s("driver", "isa-parallel")
                .s("chardev", &id)
                .s("id", &format!("parallel{i}"))
                .build(),
        );
    }
    Ok(())
}

/// `<panic>` notifiers: the ISA `pvpanic` device (with no id, as libvirt gives it, at
/// the I/O port the definition names); Hyper-V's is in `-cpu`.
fn panics(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    for panic in def.devices_of("panic") {
        match panic.attr("model").unwrap_or("isa") {
            "isa" => {
                let ioport = panic
                    .child("address")
                    .filter(|ad| ad.attr("type") == Some("isa"))
                    .and_then(|ad| ad.attr("iobase"))
                    .and_then(crate::address::parse_num);
                a.push("-device".into());
                a.push(
                    Props::new()
                        .s("driver", "pvpanic")
                        .opt_n("ioport", ioport.map(u64::from))
                        .build(),
                );
            }
            "hyperv" => {}
            other => {
                return Err(cfg_err(format!(
                    "panic model '{other}' is not supported on this architecture"
                )))
            }
        }
    }
    Ok(())
}

/// The guest's RAM: anonymous memory, or a memfd (shared with vhost-user back ends such
/// as virtiofsd when the definition says so).
fn memory_backend(def: &DomainDef, id: &str, mib: u64) -> Props {
    let memfd = def
        .section("memoryBacking")
        .and_then(|m| m.child_attr("source", "type"))
        == Some("memfd");
    if !memfd {
        return Props::new()
            .s("qom-type", "memory-backend-ram")
            .s("id", id)
            .n("size", mib * 1024 * 1024);
    }
    let props = Props::new()
        .s("qom-type", "memory-backend-memfd")
        .s("id", id);
    let props = if host_support::memory_is_shared(def) {
        props.b("share", true)
    } else {
        props
    };
    // Keeps RAM block names as they were, for migration with older QEMUs.
    props
        .b("x-use-canonical-path-for-ramblock-id", false)
        .n("size", mib * 1024 * 1024)
}

fn cpu_model(def: &DomainDef, kvm: bool) -> Result<String> {
    let default = match def.os.arch.as_deref() {
        Some("i686") => "qemu32",
        Some("x86_64") => "qemu64",
        _ => "max",
    };
    let Some(cpu) = def.section("cpu") else {
        return Ok(default.to_string());
    };
    match cpu.attr("mode").unwrap_or("custom") {
        "host-passthrough" | "host-model" if !kvm => Err(cfg_err(
            "CPU mode 'host-passthrough' for x86_64 qemu domain on x86_64 host is not supported by hypervisor"
                .replace("host-passthrough", cpu.attr("mode").unwrap_or("host-passthrough")),
        )),
        "host-passthrough" | "host-model" => Ok("host".to_string()),
        "maximum" => Ok("max".to_string()),
        _ => Ok(cpu
            .child("model")
            .and_then(|m| m.text.clone())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| default.to_string())),
    }
}

fn smp(def: &DomainDef) -> String {
    let max = def.vcpus.max(1);
    let current = if def.current_vcpus == 0 {
        max
    } else {
        def.current_vcpus
    };
    let topo = def.section("cpu").and_then(|c| c.child("topology"));
    let get = |k: &str| {
        topo.and_then(|t| t.attr(k))
            .and_then(|v| v.parse::<u32>().ok())
    };
    let mut out = current.to_string();
    if current != max {
        out.push_str(&format!(",maxcpus={max}"));
    }
    // An explicit topology is passed whole (dies included); otherwise one core per socket.
    match (get("sockets"), get("cores"), get("threads")) {
        (Some(s), Some(c), Some(t)) => {
            let dies = get("dies").unwrap_or(1);
            out.push_str(&format!(",sockets={s},dies={dies},cores={c},threads={t}"));
        }
        _ => out.push_str(&format!(",sockets={max},cores=1,threads=1")),
    }
    out
}

fn rtc(def: &DomainDef) -> Result<String> {
    let offset = def
        .section("clock")
        .and_then(|c| c.attr("offset"))
        .unwrap_or("utc");
    match offset {
        "utc" => Ok("base=utc".into()),
        "localtime" => Ok("base=localtime".into()),
        other => Err(cfg_err(format!("unsupported clock offset '{other}'"))),
    }
}

fn boot_opts(def: &DomainDef) -> String {
    let menu = def
        .section("os")
        .and_then(|o| o.child("bootmenu"))
        .and_then(|m| m.attr("enable"));
    match menu {
        Some("yes") => "menu=on,strict=on".into(),
        Some("no") => "menu=off,strict=on".into(),
        _ => "strict=on".into(),
    }
}

fn disks(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    let disks: Vec<&Element> = def.devices_of("disk").collect();
    let floppies = disks
        .iter()
        .any(|d| d.child_attr("target", "bus") == Some("fdc"));
    // A PIIX chipset has its floppy controller built in; elsewhere it is an ISA device.
    if floppies && devices::root_is_pcie(def) {
        a.push("-device".into());
        a.push(Props::new().s("driver", "isa-fdc").build());
    }
    let total = disks.len();
    for (i, disk) in disks.iter().enumerate() {
        // libvirt numbers storage nodes from the last disk up.
        let node = total - i;
        for props in disk_blockdevs(disk, node)? {
            a.push("-blockdev".into());
            a.push(props.build());
        }
        let placed = devices::disk_placement(def, i)?;
        a.push("-device".into());
        a.push(disk_device(disk, &placed, node)?.build());
    }
    Ok(())
}

/// The storage and format `-blockdev` nodes of a disk (none for an empty drive).
pub fn disk_blockdevs(disk: &Element, node: usize) -> Result<Vec<Props>> {
    let device = disk.attr("device").unwrap_or("disk");
    let readonly = disk.child("readonly").is_some() || device == "cdrom";
    let source = disk
        .child_attr("source", "file")
        .or_else(|| disk.child_attr("source", "dev"));
    let Some(path) = source else {
        return Ok(Vec::new());
    };
    let driver = match disk.attr("type").unwrap_or("file") {
        "file" => "file",
        "block" => "host_device",
        other => return Err(cfg_err(format!("unsupported disk type '{other}'"))),
    };
    let storage = Props::new()
        .s("driver", driver)
        .s("filename", path)
        .s("node-name", &format!("libvirt-{node}-storage"))
        .b("auto-read-only", true)
        .s("discard", "unmap");
    let fmt = disk.child_attr("driver", "type").unwrap_or("raw");
    if !matches!(
        fmt,
        "raw" | "qcow2" | "qed" | "vmdk" | "vdi" | "vpc" | "vhdx" | "luks"
    ) {
        return Err(cfg_err(format!("unsupported disk driver type '{fmt}'")));
    }
    let mut format = Props::new()
        .s("node-name", &format!("libvirt-{node}-format"))
        .b("read-only", readonly)
        .s("driver", fmt)
        .s("file", &format!("libvirt-{node}-storage"));
    if fmt == "qcow2" {
        format = format.null("backing");
    }
    Ok(vec![storage, format])
}

/// The `-device` of a disk placed by `planned`, its media in node `node`.
pub fn disk_device(disk: &Element, planned: &Placed<BusKind>, node: usize) -> Result<Props> {
    let device = disk.attr("device").unwrap_or("disk");
    let cdrom = device == "cdrom";
    let has_media = disk
        .child_attr("source", "file")
        .or_else(|| disk.child_attr("source", "dev"))
        .is_some();
    let format_node = format!("libvirt-{node}-format");
    let drive = has_media.then_some(format_node.as_str());
    let props = match planned.bus {
        BusKind::Virtio => {
            if cdrom {
                return Err(cfg_err(format!(
                    "disk type of '{}' does not support ejectable media",
                    disk.child_attr("target", "dev").unwrap_or("")
                )));
            }
            planned
                .pci(Props::new().s("driver", "virtio-blk-pci"))
                .opt_s("drive", drive)
                .s("id", &planned.alias)
        }
        BusKind::Floppy { unit } => Props::new()
            .s("driver", "floppy")
            .n("unit", unit)
            .opt_s("drive", drive)
            .s("id", &planned.alias),
        BusKind::Ide { bus, unit } => Props::new()
            .s("driver", if cdrom { "ide-cd" } else { "ide-hd" })
            .s("bus", &format!("ide.{bus}"))
            .n("unit", unit)
            .opt_s("drive", drive)
            .s("id", &planned.alias),
        BusKind::Sata {
            ref controller_id,
            unit,
        } => Props::new()
            .s("driver", if cdrom { "ide-cd" } else { "ide-hd" })
            .s("bus", &format!("{controller_id}.{unit}"))
            .opt_s("drive", drive)
            .s("id", &planned.alias),
        BusKind::Scsi {
            ref controller_id,
            bus,
            target,
            unit,
            lun,
        } => {
            let p = Props::new()
                .s("driver", if cdrom { "scsi-cd" } else { "scsi-hd" })
                .s("bus", &format!("{controller_id}.{bus}"));
            let p = if lun {
                p.n("channel", 0).n("scsi-id", target).n("lun", unit)
            } else {
                p.n("scsi-id", unit)
            };
            p.s("device_id", &format!("drive-{}", planned.alias))
                .opt_s("drive", drive)
                .s("id", &planned.alias)
        }
    };
    Ok(props.opt_n("bootindex", planned.bootindex))
}

fn interfaces(def: &DomainDef, ctx: &CommandContext, a: &mut Vec<String>) -> Result<()> {
    for (i, iface) in def.devices_of("interface").enumerate() {
        let tap = ctx.tap_names.get(i).cloned().flatten();
        a.push("-netdev".into());
        a.push(interface_netdev(iface, &format!("hostnet{i}"), tap.as_deref())?.build());
        let placed = devices::net_placement(def, i)?;
        a.push("-device".into());
        a.push(interface_device(iface, &placed, &format!("hostnet{i}")).build());
    }
    Ok(())
}

/// The host side (`-netdev`) of an interface.
pub fn interface_netdev(iface: &Element, netdev_id: &str, tap: Option<&str>) -> Result<Props> {
    match iface.attr("type").unwrap_or("") {
        "user" => Ok(Props::new().s("type", "user").s("id", netdev_id)),
        "ethernet" | "bridge" | "network" => {
            let tap = tap.ok_or_else(|| {
                Error::internal(ErrorDomain::Qemu, "no tap device prepared for interface")
            })?;
            Ok(Props::new()
                .s("type", "tap")
                .s("ifname", tap)
                .s("script", "no")
                .s("downscript", "no")
                .s("id", netdev_id))
        }
        other => Err(cfg_err(format!("unsupported interface type '{other}'"))),
    }
}

/// The guest side (`-device`) of an interface.
pub fn interface_device(iface: &Element, planned: &Placed<()>, netdev_id: &str) -> Props {
    let model = iface.child_attr("model", "type").unwrap_or("rtl8139");
    let driver = if model == "virtio" {
        "virtio-net-pci"
    } else {
        model
    };
    let p = Props::new()
        .s("driver", driver)
        .s("netdev", netdev_id)
        .s("id", &planned.alias)
        .opt_s("mac", iface.child_attr("mac", "address"));
    planned.pci(p).opt_n("bootindex", planned.bootindex)
}

fn serials(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    for (i, serial) in def.devices_of("serial").enumerate() {
        let id = format!("charserial{i}");
        let chardev = chardev_spec(serial, &id)?;
        a.push("-chardev".into());
        a.push(chardev);
        let port = serial
            .child_attr("target", "port")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(i as u64);
        let target_type = serial.child_attr("target", "type").unwrap_or("isa-serial");
        if target_type != "isa-serial" {
            return Err(cfg_err(format!(
                "unsupported serial target type '{target_type}'"
            )));
        }
        a.push("-device".into());
        a.push(
            Props::new()
                .s("driver", "isa-serial")
                .s("chardev", &id)
                .s("id", &format!("serial{i}"))
                .n("index", port)
                .build(),
        );
    }
    Ok(())
}

/// `-chardev` argument for a character device (`serial`, `console`, `channel`...).
pub fn chardev_spec(dev: &Element, id: &str) -> Result<String> {
    let kind = dev.attr("type").unwrap_or("pty");
    let source = dev.child("source");
    let src = |k: &str| source.and_then(|s| s.attr(k));
    let need = |k: &str| {
        src(k).map(qemu_opt_escape).ok_or_else(|| {
            Error::new(
                ErrorDomain::Domain,
                ErrorCode::XmlError,
                format!("Missing source {k} attribute for char device"),
            )
        })
    };
    Ok(match kind {
        "pty" => format!("pty,id={id}"),
        "null" => format!("null,id={id}"),
        "file" => {
            let mut s = format!("file,id={id},path={}", need("path")?);
            if src("append") == Some("on") {
                s.push_str(",append=on");
            }
            s
        }
        "unix" => {
            let mut s = format!("socket,id={id},path={}", need("path")?);
            if src("mode") == Some("bind") {
                s.push_str(",server=on,wait=off");
            }
            s
        }
        "tcp" => {
            let mut s = format!(
                "socket,id={id},host={},port={}",
                need("host")?,
                need("service")?
            );
            if dev.child_attr("protocol", "type") == Some("telnet") {
                s.push_str(",telnet=on");
            }
            if src("mode") == Some("bind") {
                s.push_str(",server=on,wait=off");
            }
            s
        }
        "spicevmc" | "spiceport" => {
            // rvirt has no SPICE display for these channels to ride on.
            return Err(cfg_err(format!(
                "chardev '{kind}' not supported without spice graphics"
            )));
        }
        other => return Err(cfg_err(format!("unsupported chardev '{other}'"))),
    })
}
