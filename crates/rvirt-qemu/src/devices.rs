//! Device placement. [`plan`] lays devices out the way libvirt does for `pc` (i440fx)
//! machines (slot 1 is the PIIX3, then network cards, controllers, virtio disks, the
//! balloon; `q35` gets the same order on `pcie.0`); definitions of other architectures get
//! their addresses from it. x86 definitions get theirs from `crate::address` at define
//! time, and everything that runs a guest (the command line, hotplug, the live XML) reads
//! placement back from the definition ([`disk_placement`], [`net_placement`],
//! [`pci_address_of`], [`annotate_live`]).

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, Element};

use crate::address::parse_num;
use crate::command::Props;
use crate::probe::EmulatorCaps;

/// `(bus name, slot, function)` of a PCI device.
pub type PciAddr = (String, u32, u32);

/// Where a disk is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusKind {
    Virtio,
    Ide {
        bus: u64,
        unit: u64,
    },
    Sata {
        controller_id: String,
        unit: u64,
    },
    /// A drive of the floppy controller.
    Floppy {
        unit: u64,
    },
    /// `lun`: the controller addresses targets and LUNs (virtio-scsi), not only targets.
    Scsi {
        controller_id: String,
        bus: u64,
        target: u64,
        unit: u64,
        lun: bool,
    },
}

/// A disk or network card with its alias, boot index and PCI address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed<K> {
    pub bus: K,
    pub alias: String,
    pub bootindex: Option<u64>,
    /// `(bus name, slot, function)` for PCI devices.
    pub pci_addr: Option<PciAddr>,
    /// The address turns on multifunction in its slot.
    pub multifunction: bool,
}

impl<K> Placed<K> {
    /// Appends `bus` (`multifunction`) and `addr` properties for a PCI device.
    pub fn pci(&self, props: Props) -> Props {
        match &self.pci_addr {
            Some((bus, slot, func)) => {
                let props = props.s("bus", bus);
                let props = if self.multifunction {
                    props.b("multifunction", true)
                } else {
                    props
                };
                props.s("addr", &pci_addr_text(*slot, *func))
            }
            None => props,
        }
    }
}

pub fn pci_addr_text(slot: u32, func: u32) -> String {
    if func == 0 {
        format!("0x{slot:x}")
    } else {
        format!("0x{slot:x}.0x{func:x}")
    }
}

/// Everything the command line needs to know about device placement.
#[derive(Debug, Clone, Default)]
pub struct PlannedDevices {
    pub controllers: Vec<Props>,
    pub disks: Vec<Placed<BusKind>>,
    pub nets: Vec<Placed<()>>,
    pub balloon: Option<Props>,
    pub balloon_addr: Option<PciAddr>,
    /// `((type, index), address)` of the PCI controllers placed.
    pub controller_addrs: Vec<((String, u64), PciAddr)>,
    /// PCIe root ports and bridges (q35), existing and new, by index.
    pub pci_controllers: Vec<PciController>,
}

/// A PCI controller of a q35 machine's PCIe hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PciController {
    pub index: u32,
    pub kind: PciControllerKind,
    /// Created by this plan (not yet in the definition).
    pub new: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PciControllerKind {
    /// A `pcie-root-port` on `pcie.0` at `slot.func`.
    RootPort {
        slot: u32,
        func: u32,
        port: u32,
        chassis: u32,
        multifunction: bool,
    },
    /// A `pcie-to-pci-bridge` in root port `parent`.
    Bridge { parent: u32 },
}

/// Hands out PCI addresses. `pc`: slots of `pci.0`. `q35`: a root port per PCIe device and
/// a PCIe-to-PCI bridge for conventional PCI devices, as libvirt lays them out.
struct SlotAllocator {
    q35: bool,
    next: u32,
    /// `(bus index, slot)` pairs the definition assigns explicitly.
    reserved: Vec<(u32, u32)>,
    controllers: Vec<PciController>,
    /// Root ports (by index) that already hold a device.
    occupied: Vec<u32>,
    bridge_next: u32,
}

/// `(bus index, slot, function)` of a device's explicit PCI address.
fn explicit_pci_any(dev: &Element) -> Option<(u32, u32, u32)> {
    let a = dev
        .child("address")
        .filter(|a| a.attr("type") == Some("pci"))?;
    Some((
        a.attr("bus").and_then(parse_num).unwrap_or(0),
        a.attr("slot").and_then(parse_num)?,
        a.attr("function").and_then(parse_num).unwrap_or(0),
    ))
}

/// QEMU's name of PCI bus `index`.
pub fn bus_name(q35: bool, index: u32) -> String {
    match (index, q35) {
        (0, true) => "pcie.0".into(),
        (i, _) => format!("pci.{i}"),
    }
}

/// The bus index of a QEMU bus name (`pci.3` -> 3).
pub fn bus_index(name: &str) -> u32 {
    name.rsplit('.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

impl SlotAllocator {
    fn new(def: &DomainDef, q35: bool, first: u32) -> Self {
        let mut controllers = Vec::new();
        for c in def
            .devices_of("controller")
            .filter(|c| c.attr("type") == Some("pci"))
        {
            let index = c.attr("index").and_then(parse_num).unwrap_or(0);
            let Some((bus, slot, func)) = explicit_pci_any(c) else {
                continue;
            };
            let kind = match c.attr("model") {
                Some("pcie-root-port") => PciControllerKind::RootPort {
                    slot,
                    func,
                    port: c
                        .child_attr("target", "port")
                        .and_then(parse_num)
                        .unwrap_or((slot << 3) + func),
                    chassis: c
                        .child_attr("target", "chassis")
                        .and_then(parse_num)
                        .unwrap_or(index),
                    multifunction: false,
                },
                Some("pcie-to-pci-bridge") => PciControllerKind::Bridge { parent: bus },
                _ => continue,
            };
            controllers.push(PciController {
                index,
                kind,
                new: false,
            });
        }
        let reserved: Vec<(u32, u32)> = def
            .devices
            .iter()
            .filter(|d| !(d.name == "controller" && d.attr("type") == Some("pci")))
            .filter_map(explicit_pci_any)
            .map(|(b, s, _)| (b, s))
            .collect();
        let occupied = controllers
            .iter()
            .filter(|c| matches!(c.kind, PciControllerKind::RootPort { .. }))
            .map(|c| c.index)
            .filter(|i| {
                reserved.iter().any(|(b, _)| b == i)
                    || controllers
                        .iter()
                        .any(|c| c.kind == PciControllerKind::Bridge { parent: *i })
            })
            .collect();
        SlotAllocator {
            q35,
            next: first,
            reserved,
            controllers,
            occupied,
            bridge_next: 1,
        }
    }

    fn next_index(&self) -> u32 {
        self.controllers.iter().map(|c| c.index).max().unwrap_or(0) + 1
    }

    fn take_root_slot(&mut self) -> Result<PciAddr> {
        while self.reserved.contains(&(0, self.next)) {
            self.next += 1;
        }
        if self.next > 31 {
            return Err(Error::new(
                ErrorDomain::Domain,
                ErrorCode::InternalError,
                "No more available PCI slots",
            ));
        }
        let slot = self.next;
        self.next += 1;
        Ok((bus_name(self.q35, 0), slot, 0))
    }

    /// A root port with nothing in it, created when none is free.
    fn free_root_port(&mut self) -> Result<u32> {
        let free = self
            .controllers
            .iter()
            .filter(|c| matches!(c.kind, PciControllerKind::RootPort { .. }))
            .map(|c| c.index)
            .find(|i| !self.occupied.contains(i));
        if let Some(i) = free {
            return Ok(i);
        }
        // Root ports fill the functions of a slot on pcie.0 before the next slot.
        let taken: Vec<(u32, u32)> = self
            .controllers
            .iter()
            .filter_map(|c| match c.kind {
                PciControllerKind::RootPort { slot, func, .. } => Some((slot, func)),
                _ => None,
            })
            .collect();
        let mut place = None;
        'search: for slot in 1..32 {
            if self.reserved.contains(&(0, slot)) {
                continue;
            }
            for func in 0..8 {
                if !taken.contains(&(slot, func)) {
                    place = Some((slot, func));
                    break 'search;
                }
            }
        }
        let (slot, func) = place.ok_or_else(|| {
            Error::new(
                ErrorDomain::Domain,
                ErrorCode::InternalError,
                "No more available PCI slots",
            )
        })?;
        let index = self.next_index();
        self.controllers.push(PciController {
            index,
            kind: PciControllerKind::RootPort {
                slot,
                func,
                port: (slot << 3) + func,
                chassis: index,
                multifunction: false,
            },
            new: true,
        });
        Ok(index)
    }

    /// The next free slot on the PCIe-to-PCI bridge (created on first use).
    fn take_bridge_slot(&mut self) -> Result<PciAddr> {
        let bridge = self.controllers.iter().find_map(|c| match c.kind {
            PciControllerKind::Bridge { .. } => Some(c.index),
            _ => None,
        });
        let bridge = match bridge {
            Some(b) => b,
            None => {
                let parent = self.free_root_port()?;
                self.occupied.push(parent);
                let index = self.next_index();
                self.controllers.push(PciController {
                    index,
                    kind: PciControllerKind::Bridge { parent },
                    new: true,
                });
                index
            }
        };
        while self.reserved.contains(&(bridge, self.bridge_next)) {
            self.bridge_next += 1;
        }
        if self.bridge_next > 31 {
            return Err(Error::new(
                ErrorDomain::Domain,
                ErrorCode::InternalError,
                "No more available PCI slots",
            ));
        }
        let slot = self.bridge_next;
        self.bridge_next += 1;
        Ok((bus_name(true, bridge), slot, 0))
    }

    /// The device's own address when it names one, else a new one: on `q35`, PCIe
    /// devices get a root port of their own and others a slot on the bridge.
    fn take_for(&mut self, dev: Option<&Element>, pcie: bool) -> Result<PciAddr> {
        if let Some((bus, slot, func)) = dev.and_then(explicit_pci_any) {
            return Ok((bus_name(self.q35, bus), slot, func));
        }
        if !self.q35 {
            return self.take_root_slot();
        }
        if pcie {
            let port = self.free_root_port()?;
            self.occupied.push(port);
            Ok((bus_name(true, port), 0, 0))
        } else {
            self.take_bridge_slot()
        }
    }

    /// libvirt keeps one empty root port so a device can be hot-plugged.
    fn finish(mut self) -> Result<Vec<PciController>> {
        if self.q35 {
            self.free_root_port()?;
        }
        let fn_used: Vec<(u32, u32)> = self
            .controllers
            .iter()
            .filter_map(|c| match c.kind {
                PciControllerKind::RootPort { slot, func, .. } => Some((slot, func)),
                _ => None,
            })
            .collect();
        for c in self.controllers.iter_mut() {
            if let PciControllerKind::RootPort {
                slot,
                func: 0,
                ref mut multifunction,
                ..
            } = c.kind
            {
                *multifunction = fn_used.iter().any(|(s, f)| *s == slot && *f > 0);
            }
        }
        self.controllers.sort_by_key(|c| c.index);
        Ok(self.controllers)
    }
}

fn controller_el<'a>(def: &'a DomainDef, kind: &str, index: u64) -> Option<&'a Element> {
    def.devices_of("controller").find(|c| {
        c.attr("type") == Some(kind)
            && c.attr("index")
                .and_then(|i| i.parse::<u64>().ok())
                .unwrap_or(0)
                == index
    })
}

fn drive_address(disk: &Element) -> Option<(u64, u64, u64)> {
    drive_address4(disk).map(|(c, b, _, u)| (c, b, u))
}

/// `(controller, bus, target, unit)` of a disk's drive address.
fn drive_address4(disk: &Element) -> Option<(u64, u64, u64, u64)> {
    let a = disk
        .child("address")
        .filter(|a| a.attr("type") == Some("drive"))?;
    let n = |k: &str| a.attr(k).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    Some((n("controller"), n("bus"), n("target"), n("unit")))
}

/// Index of a target name's letters: `vda` -> 0, `sdb` -> 1, `hdaa` -> 26.
pub fn disk_index(dev: &str) -> Option<u64> {
    let suffix: String = ["vd", "sd", "hd", "xvd", "fd", "ubd"]
        .iter()
        .find_map(|p| dev.strip_prefix(p))
        .map(str::to_string)?;
    if suffix.is_empty() || !suffix.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let mut idx: u64 = 0;
    for c in suffix.chars() {
        idx = idx * 26 + u64::from(c as u8 - b'a' + 1);
    }
    Some(idx - 1)
}

/// Assigns boot indexes: explicit `<boot order=>` on devices wins; otherwise `<os><boot
/// dev=>` entries give the first matching device of each kind the next index.
fn boot_indexes(def: &DomainDef) -> (Vec<Option<u64>>, Vec<Option<u64>>) {
    let disks: Vec<&Element> = def.devices_of("disk").collect();
    let nets: Vec<&Element> = def.devices_of("interface").collect();
    let explicit = |e: &Element| {
        e.child_attr("boot", "order")
            .and_then(|o| o.parse::<u64>().ok())
    };
    let mut disk_idx: Vec<Option<u64>> = disks.iter().map(|d| explicit(d)).collect();
    let mut net_idx: Vec<Option<u64>> = nets.iter().map(|n| explicit(n)).collect();
    if disk_idx.iter().chain(net_idx.iter()).any(Option::is_some) {
        return (disk_idx, net_idx);
    }
    let boot_devs: Vec<&str> = def
        .section("os")
        .map(|os| {
            os.children_named("boot")
                .filter_map(|b| b.attr("dev"))
                .collect()
        })
        .unwrap_or_default();
    let boot_devs = if boot_devs.is_empty() {
        vec!["hd"]
    } else {
        boot_devs
    };
    let mut next = 1;
    for dev in boot_devs {
        let found = match dev {
            "hd" | "cdrom" | "fd" => {
                let want = match dev {
                    "hd" => "disk",
                    "cdrom" => "cdrom",
                    _ => "floppy",
                };
                disks
                    .iter()
                    .position(|d| d.attr("device").unwrap_or("disk") == want)
                    .map(|i| &mut disk_idx[i])
            }
            "network" => (!nets.is_empty()).then(|| &mut net_idx[0]),
            _ => None,
        };
        if let Some(slot) = found {
            if slot.is_none() {
                *slot = Some(next);
                next += 1;
            }
        }
    }
    (disk_idx, net_idx)
}

fn controller_model<'a>(def: &'a DomainDef, kind: &str, index: u64) -> Option<&'a str> {
    def.devices_of("controller")
        .find(|c| {
            c.attr("type") == Some(kind)
                && c.attr("index")
                    .and_then(|i| i.parse::<u64>().ok())
                    .unwrap_or(0)
                    == index
        })
        .and_then(|c| c.attr("model"))
}

/// Places every device of `def` for `machine`.
pub fn plan(def: &DomainDef, caps: &EmulatorCaps, machine: &str) -> Result<PlannedDevices> {
    let q35 = EmulatorCaps::is_q35(machine);
    let x86 = matches!(def.os.arch.as_deref(), Some("x86_64" | "i686"));
    let mut out = PlannedDevices::default();
    // pc: slot 1 is the PIIX3; a primary video card takes slot 2.
    let mut slots = SlotAllocator::new(def, q35, if q35 { 1 } else { 2 });
    let has_video =
        def.devices_of("video").next().is_some() || def.devices_of("graphics").next().is_some();
    if has_video {
        slots.next += 1;
    }
    let (disk_boot, net_boot) = boot_indexes(def);

    // Network cards come first in libvirt's PCI order.
    for (i, iface) in def.devices_of("interface").enumerate() {
        out.nets.push(Placed {
            bus: (),
            alias: format!("net{i}"),
            bootindex: net_boot.get(i).copied().flatten(),
            pci_addr: Some({
                let model = iface.child_attr("model", "type").unwrap_or("rtl8139");
                slots.take_for(Some(iface), matches!(model, "virtio" | "e1000e"))?
            }),
            multifunction: false,
        });
    }

    // Controllers: USB (implicit on x86 unless disabled), then the disk controllers in use.
    let usb_model = controller_model(def, "usb", 0);
    if x86 && usb_model != Some("none") {
        if q35 {
            let (bus, slot, func) = slots.take_for(controller_el(def, "usb", 0), true)?;
            out.controller_addrs
                .push((("usb".into(), 0), (bus.clone(), slot, func)));
            out.controllers.push(
                Props::new()
                    .s("driver", "qemu-xhci")
                    .s("id", "usb")
                    .s("bus", &bus)
                    .s("addr", &pci_addr_text(slot, func)),
            );
        } else {
            out.controllers.push(
                Props::new()
                    .s("driver", "piix3-usb-uhci")
                    .s("id", "usb")
                    .s("bus", "pci.0")
                    .s("addr", &pci_addr_text(1, 2)),
            );
        }
    }
    let disks: Vec<&Element> = def.devices_of("disk").collect();
    let mut sata_ctrls: Vec<u64> = Vec::new();
    let mut scsi_ctrls: Vec<u64> = Vec::new();
    for d in &disks {
        let bus = d.child_attr("target", "bus").unwrap_or("ide");
        let ctrl = drive_address(d).map(|a| a.0).unwrap_or(0);
        match bus {
            // q35's built-in AHCI serves SATA controller 0.
            "sata" if !(sata_ctrls.contains(&ctrl) || q35 && ctrl == 0) => sata_ctrls.push(ctrl),
            "scsi" if !scsi_ctrls.contains(&ctrl) => scsi_ctrls.push(ctrl),
            _ => {}
        }
    }
    sata_ctrls.sort_unstable();
    scsi_ctrls.sort_unstable();
    for idx in &sata_ctrls {
        let (bus, slot, _) = slots.take_for(controller_el(def, "sata", *idx), false)?;
        out.controller_addrs
            .push((("sata".into(), *idx), (bus.clone(), slot, 0)));
        out.controllers.push(
            Props::new()
                .s("driver", "ahci")
                .s("id", &format!("sata{idx}"))
                .s("bus", &bus)
                .s("addr", &pci_addr_text(slot, 0)),
        );
    }
    for idx in &scsi_ctrls {
        let model = controller_model(def, "scsi", *idx).unwrap_or("lsilogic");
        let driver = match model {
            "lsilogic" => "lsi",
            "virtio-scsi" => "virtio-scsi-pci",
            "lsisas1068" => "mptsas1068",
            "lsisas1078" => "megasas",
            other => {
                return Err(Error::new(
                    ErrorDomain::Qemu,
                    ErrorCode::ConfigUnsupported,
                    format!("Unsupported controller model: {other}"),
                ))
            }
        };
        // `lsi` is QEMU's alias of the lsi53c895a type.
        let qom_type = if driver == "lsi" {
            "lsi53c895a"
        } else {
            driver
        };
        if !caps.has_device(qom_type) && !caps.device_types.is_empty() {
            return Err(Error::new(
                ErrorDomain::Qemu,
                ErrorCode::ConfigUnsupported,
                format!("This QEMU doesn't support the {driver} SCSI controller"),
            ));
        }
        let (bus, slot, _) = slots.take_for(
            controller_el(def, "scsi", *idx),
            driver == "virtio-scsi-pci",
        )?;
        out.controller_addrs
            .push((("scsi".into(), *idx), (bus.clone(), slot, 0)));
        out.controllers.push(
            Props::new()
                .s("driver", driver)
                .s("id", &format!("scsi{idx}"))
                .s("bus", &bus)
                .s("addr", &pci_addr_text(slot, 0)),
        );
    }

    for (i, d) in disks.iter().enumerate() {
        let dev = d.child_attr("target", "dev").unwrap_or("");
        let bus = d.child_attr("target", "bus").unwrap_or("ide");
        let index = disk_index(dev).unwrap_or(i as u64);
        let addr = drive_address(d);
        let (kind, alias, pci_addr) = match bus {
            "virtio" => (
                BusKind::Virtio,
                format!("virtio-disk{index}"),
                Some(slots.take_for(Some(d), true)?),
            ),
            "ide" => {
                let (ctrl, b, u) = addr.unwrap_or((index / 4, (index % 4) / 2, index % 2));
                (
                    BusKind::Ide { bus: b, unit: u },
                    format!("ide{ctrl}-{b}-{u}"),
                    None,
                )
            }
            "sata" => {
                let (ctrl, b, u) = addr.unwrap_or((index / 6, 0, index % 6));
                // q35's built-in AHCI is QEMU's "ide" bus.
                let controller_id = if q35 && ctrl == 0 {
                    "ide".to_string()
                } else {
                    format!("sata{ctrl}")
                };
                (
                    BusKind::Sata {
                        controller_id,
                        unit: u,
                    },
                    format!("sata{ctrl}-{b}-{u}"),
                    None,
                )
            }
            "scsi" => {
                let ctrl_of = addr.map(|a| a.0).unwrap_or(0);
                let lun = controller_model(def, "scsi", ctrl_of) == Some("virtio-scsi");
                if lun {
                    let (ctrl, b, t, u) = drive_address4(d).unwrap_or((0, 0, 0, index));
                    (
                        BusKind::Scsi {
                            controller_id: format!("scsi{ctrl}"),
                            bus: b,
                            target: t,
                            unit: u,
                            lun,
                        },
                        format!("scsi{ctrl}-{b}-{t}-{u}"),
                        None,
                    )
                } else {
                    let (ctrl, b, u) = addr.unwrap_or((index / 7, 0, index % 7));
                    (
                        BusKind::Scsi {
                            controller_id: format!("scsi{ctrl}"),
                            bus: b,
                            target: 0,
                            unit: u,
                            lun,
                        },
                        format!("scsi{ctrl}-{b}-{u}"),
                        None,
                    )
                }
            }
            other => {
                return Err(Error::new(
                    ErrorDomain::Qemu,
                    ErrorCode::ConfigUnsupported,
                    format!("unsupported disk bus '{other}'"),
                ))
            }
        };
        out.disks.push(Placed {
            bus: kind,
            alias,
            bootindex: disk_boot.get(i).copied().flatten(),
            pci_addr,
            multifunction: false,
        });
    }

    let balloon_model = def
        .devices_of("memballoon")
        .next()
        .and_then(|b| b.attr("model"))
        .unwrap_or("virtio");
    match balloon_model {
        "none" => {}
        "virtio" => {
            let (bus, slot, _) = slots.take_for(def.devices_of("memballoon").next(), true)?;
            out.balloon_addr = Some((bus.clone(), slot, 0));
            out.balloon = Some(
                Props::new()
                    .s("driver", "virtio-balloon-pci")
                    .s("id", "balloon0")
                    .s("bus", &bus)
                    .s("addr", &pci_addr_text(slot, 0)),
            );
        }
        other => {
            return Err(Error::new(
                ErrorDomain::Qemu,
                ErrorCode::ConfigUnsupported,
                format!(
                    "Memory balloon device type '{other}' is not supported by this version of qemu"
                ),
            ))
        }
    }
    out.pci_controllers = slots.finish()?;
    Ok(out)
}

fn pci_address_element(bus: u32, slot: u32, func: u32) -> Element {
    Element::new("address")
        .with_attr("type", "pci")
        .with_attr("domain", "0x0000")
        .with_attr("bus", &format!("0x{bus:02x}"))
        .with_attr("slot", &format!("0x{slot:02x}"))
        .with_attr("function", &format!("0x{func:x}"))
}

/// The `<controller>` element of a PCIe root port or bridge libvirt shows.
fn pci_controller_element(c: &PciController) -> Element {
    let el = Element::new("controller")
        .with_attr("type", "pci")
        .with_attr("index", &c.index.to_string());
    match c.kind {
        PciControllerKind::RootPort {
            slot,
            func,
            port,
            chassis,
            multifunction,
        } => {
            let mut addr = pci_address_element(0, slot, func);
            if multifunction {
                addr.set_attr("multifunction", "on");
            }
            el.with_attr("model", "pcie-root-port")
                .with_child(Element::new("model").with_attr("name", "pcie-root-port"))
                .with_child(
                    Element::new("target")
                        .with_attr("chassis", &chassis.to_string())
                        .with_attr("port", &format!("0x{port:x}")),
                )
                .with_child(addr)
        }
        PciControllerKind::Bridge { parent } => el
            .with_attr("model", "pcie-to-pci-bridge")
            .with_child(Element::new("model").with_attr("name", "pcie-pci-bridge"))
            .with_child(pci_address_element(parent, 0, 0)),
    }
}

pub(crate) fn set_runtime_identity(dev: &mut Element, alias: &str, pci: Option<&PciAddr>) {
    if !dev
        .children_named("alias")
        .any(|a| a.attr("name").is_some_and(|n| n.starts_with("ua-")))
    {
        dev.remove_children("alias");
        dev.children
            .push(Element::new("alias").with_attr("name", alias));
    }
    if let Some((bus, slot, func)) = pci {
        if explicit_pci_any(dev).is_none() {
            dev.remove_children("address");
            dev.children
                .push(pci_address_element(bus_index(bus), *slot, *func));
        }
    }
}

/// Writes the PCI addresses `plan` gave into the definition (devices that named one keep
/// it), plus the fixed addresses of the PIIX3 functions on `pc` machines.
pub fn annotate_addresses(def: &mut DomainDef, plan: &PlannedDevices, q35: bool) {
    let set = |dev: &mut Element, pci: Option<&PciAddr>| {
        if let Some((bus, slot, func)) = pci {
            if dev.child("address").is_none() {
                dev.children
                    .push(pci_address_element(bus_index(bus), *slot, *func));
            }
        }
    };
    // New PCIe root ports and bridges follow the other controllers.
    let new_ctrls: Vec<Element> = plan
        .pci_controllers
        .iter()
        .filter(|c| c.new)
        .map(pci_controller_element)
        .collect();
    if !new_ctrls.is_empty() {
        let at = def
            .devices
            .iter()
            .rposition(|d| d.name == "controller")
            .map(|i| i + 1)
            .unwrap_or(def.devices.len());
        for (i, c) in new_ctrls.into_iter().enumerate() {
            def.devices.insert(at + i, c);
        }
    }
    let (mut disk_i, mut net_i) = (0, 0);
    for dev in def.devices.iter_mut() {
        match dev.name.as_str() {
            "disk" => {
                if let Some(p) = plan.disks.get(disk_i) {
                    set(dev, p.pci_addr.as_ref());
                }
                disk_i += 1;
            }
            "interface" => {
                if let Some(p) = plan.nets.get(net_i) {
                    set(dev, p.pci_addr.as_ref());
                }
                net_i += 1;
            }
            "memballoon" => set(dev, plan.balloon_addr.as_ref()),
            "controller" => {
                let index = dev
                    .attr("index")
                    .and_then(|i| i.parse::<u64>().ok())
                    .unwrap_or(0);
                let kind = dev.attr("type").unwrap_or("").to_string();
                let fixed = match (kind.as_str(), index, q35) {
                    ("usb", 0, false) => Some((String::new(), 1, 2)),
                    ("ide", 0, false) => Some((String::new(), 1, 1)),
                    ("sata", 0, true) => Some((String::new(), 0x1f, 2)),
                    _ => None,
                };
                let planned = plan
                    .controller_addrs
                    .iter()
                    .find(|((k, i), _)| *k == kind && *i == index)
                    .map(|(_, a)| a.clone());
                set(dev, fixed.or(planned).as_ref());
            }
            _ => {}
        }
    }
}

/// Adds what the live XML shows of a running guest: device aliases (the ids the command
/// line gave), storage node indexes, and the state of virtio channels.
pub fn annotate_live(def: &mut DomainDef) {
    let pcie_root = root_is_pcie(def);
    let disk_aliases: Vec<Option<String>> = (0..def.devices_of("disk").count())
        .map(|i| disk_placement(def, i).ok().map(|p| p.alias))
        .collect();
    let total_disks = disk_aliases.len();
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for dev in def.devices.iter_mut() {
        let kind = dev.name.to_string();
        let nth = {
            let n = seen.entry(kind.clone()).or_insert(0);
            *n += 1;
            *n - 1
        };
        if matches!(
            kind.as_str(),
            "serial" | "console" | "channel" | "parallel" | "smartcard" | "redirdev"
        ) && dev.attr("type") == Some("tcp")
        {
            // Without TLS configured for chardevs, a running TCP chardev says so.
            if let Some(src) = dev.child_mut("source") {
                if src.attr("tls").is_none() {
                    src.set_attr("tls", "no");
                }
            }
        }
        let alias = match kind.as_str() {
            "disk" => {
                // The storage node index (`libvirt-N-*`) and an empty backing chain.
                if let Some(src) = dev.child_mut("source") {
                    src.set_attr("index", &(total_disks - nth).to_string());
                    if dev.child("backingStore").is_none() {
                        dev.children.push(Element::new("backingStore"));
                    }
                } else if let Some(driver) = dev.child_mut("driver") {
                    // An empty drive has no format while running.
                    driver.remove_attr("type");
                }
                disk_aliases.get(nth).cloned().flatten()
            }
            "controller" => Some(controller_alias(dev, pcie_root)),
            "interface" => Some(format!("net{nth}")),
            "serial" => Some(format!("serial{nth}")),
            "console" => match dev.child_attr("target", "type").unwrap_or("serial") {
                "serial" => Some(format!(
                    "serial{}",
                    dev.child_attr("target", "port").unwrap_or("0")
                )),
                _ => Some(format!("console{nth}")),
            },
            "channel" => {
                if let Some(target) = dev.child_mut("target") {
                    if target.attr("type") == Some("virtio") && target.attr("state").is_none() {
                        target.set_attr("state", "disconnected");
                    }
                }
                Some(format!("channel{nth}"))
            }
            "input" | "sound" | "video" | "watchdog" | "rng" | "parallel" | "smartcard" | "hub"
            | "shmem" => Some(format!("{kind}{nth}")),
            "filesystem" => Some(format!("fs{nth}")),
            "redirdev" => Some(format!("redir{nth}")),
            "memballoon" if dev.attr("model") == Some("virtio") => Some("balloon0".to_string()),
            _ => None,
        };
        if let Some(alias) = alias {
            set_runtime_identity(dev, &alias, None);
        }
    }
}

// ------------------------------------------------------------------ from the definition
//
// Since define-time post-parse (crate::address) writes every PCI, drive, USB and
// virtio-serial address into the definition, the command line and the live XML read the
// placement from there rather than planning it again.

/// Whether PCI bus 0 is a PCIe root complex (`pcie.0`) rather than `pci.0`.
pub fn root_is_pcie(def: &DomainDef) -> bool {
    def.devices_of("controller").any(|c| {
        c.attr("type") == Some("pci")
            && c.attr("index").and_then(parse_num).unwrap_or(0) == 0
            && c.attr("model") == Some("pcie-root")
    })
}

/// The PCI address a device has in the definition: `((bus name, slot, function),
/// multifunction)`.
pub fn pci_address_of(pcie_root: bool, dev: &Element) -> Option<(PciAddr, bool)> {
    let a = dev
        .child("address")
        .filter(|a| a.attr("type") == Some("pci"))?;
    let bus = a.attr("bus").and_then(parse_num).unwrap_or(0);
    let slot = a.attr("slot").and_then(parse_num)?;
    let func = a.attr("function").and_then(parse_num).unwrap_or(0);
    let multifunction = a.attr("multifunction") == Some("on");
    Some(((bus_name(pcie_root, bus), slot, func), multifunction))
}

/// The device's PCI address, which post-parse must have assigned.
pub fn required_pci_address(pcie_root: bool, dev: &Element) -> Result<(PciAddr, bool)> {
    pci_address_of(pcie_root, dev).ok_or_else(|| {
        Error::internal(
            ErrorDomain::Qemu,
            format!("device <{}> has no PCI address", dev.name),
        )
    })
}

/// Appends `bus`, `multifunction` (when on) and `addr` for a device at `addr`.
pub fn with_pci(props: Props, addr: &(PciAddr, bool)) -> Props {
    let ((bus, slot, func), multifunction) = addr;
    let props = props.s("bus", bus);
    let props = if *multifunction {
        props.b("multifunction", true)
    } else {
        props
    };
    props.s("addr", &pci_addr_text(*slot, *func))
}

/// Where disk number `pos` (in document order) sits, read from its address.
pub fn disk_placement(def: &DomainDef, pos: usize) -> Result<Placed<BusKind>> {
    let disk = def
        .devices_of("disk")
        .nth(pos)
        .ok_or_else(|| Error::internal(ErrorDomain::Qemu, "disk not found"))?;
    let pcie_root = root_is_pcie(def);
    let (disk_boot, _) = boot_indexes(def);
    let dev = disk.child_attr("target", "dev").unwrap_or("");
    let index = disk_index(dev).unwrap_or(pos as u64);
    let addr = drive_address4(disk);
    let drive = |default: (u64, u64, u64, u64)| addr.unwrap_or(default);
    let mut pci = None;
    let (bus, alias) = match disk.child_attr("target", "bus").unwrap_or("ide") {
        "virtio" => {
            pci = Some(required_pci_address(pcie_root, disk)?);
            (BusKind::Virtio, format!("virtio-disk{index}"))
        }
        "ide" => {
            let (c, b, _, u) = drive((index / 4, (index % 4) / 2, 0, index % 2));
            (BusKind::Ide { bus: b, unit: u }, format!("ide{c}-{b}-{u}"))
        }
        "sata" => {
            let (c, b, _, u) = drive((index / 6, 0, 0, index % 6));
            // q35's built-in AHCI is QEMU's "ide" bus.
            let controller_id = if pcie_root && c == 0 {
                "ide".to_string()
            } else {
                format!("sata{c}")
            };
            (
                BusKind::Sata {
                    controller_id,
                    unit: u,
                },
                format!("sata{c}-{b}-{u}"),
            )
        }
        "fdc" => {
            let (c, b, _, u) = drive((0, 0, 0, index % 2));
            (BusKind::Floppy { unit: u }, format!("fdc{c}-{b}-{u}"))
        }
        "scsi" => {
            let ctrl = addr.map(|a| a.0).unwrap_or(index / 7);
            let lun = controller_model(def, "scsi", ctrl) == Some("virtio-scsi");
            let (c, b, t, u) = drive((ctrl, 0, 0, index % 7));
            let alias = if lun {
                format!("scsi{c}-{b}-{t}-{u}")
            } else {
                format!("scsi{c}-{b}-{u}")
            };
            (
                BusKind::Scsi {
                    controller_id: format!("scsi{c}"),
                    bus: b,
                    target: t,
                    unit: u,
                    lun,
                },
                alias,
            )
        }
        other => {
            return Err(Error::new(
                ErrorDomain::Qemu,
                ErrorCode::ConfigUnsupported,
                format!("unsupported disk bus '{other}'"),
            ))
        }
    };
    Ok(Placed {
        bus,
        alias,
        bootindex: disk_boot.get(pos).copied().flatten(),
        pci_addr: pci.as_ref().map(|(a, _)| a.clone()),
        multifunction: pci.is_some_and(|(_, m)| m),
    })
}

/// Where network card number `pos` sits, read from its address.
pub fn net_placement(def: &DomainDef, pos: usize) -> Result<Placed<()>> {
    let iface = def
        .devices_of("interface")
        .nth(pos)
        .ok_or_else(|| Error::internal(ErrorDomain::Qemu, "interface not found"))?;
    let (_, net_boot) = boot_indexes(def);
    let pci = required_pci_address(root_is_pcie(def), iface)?;
    Ok(Placed {
        bus: (),
        alias: format!("net{pos}"),
        bootindex: net_boot.get(pos).copied().flatten(),
        pci_addr: Some(pci.0),
        multifunction: pci.1,
    })
}

/// libvirt's alias of a controller.
pub fn controller_alias(dev: &Element, pcie_root: bool) -> String {
    let index = dev.attr("index").and_then(parse_num).unwrap_or(0);
    match (dev.attr("type").unwrap_or(""), index) {
        ("usb", 0) => "usb".to_string(),
        ("ide", 0) => "ide".to_string(),
        // q35's built-in AHCI is QEMU's "ide" bus.
        ("sata", 0) if pcie_root => "ide".to_string(),
        ("pci", i) => bus_name(pcie_root && dev.attr("model") == Some("pcie-root"), i),
        (kind, i) => format!("{kind}{i}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names() {
        assert_eq!(disk_index("vda"), Some(0));
        assert_eq!(disk_index("sdb"), Some(1));
        assert_eq!(disk_index("hdc"), Some(2));
        assert_eq!(disk_index("sdaa"), Some(26));
        assert_eq!(disk_index("nvme0"), None);
    }
}
