//! PCI slot assignment (libvirt's `qemuDomainAssignPCIAddresses` over the address set of
//! `domain_addr.c`): a dry run finds how many buses the devices need and adds their
//! controllers; the real run then reserves the chipset's fixed slots and hands out the
//! first free compatible slot to each device, in libvirt's device order.

use rvirt_core::Result;
use rvirt_xml::domain::{DomainDef, Element};

use super::{
    append_controller, controller_index, internal_error, parse_num, positions, set_address,
    unsupported, xml_error, Chipset,
};
use crate::probe::EmulatorCaps;

// What a bus accepts, or what a device needs to plug into.
const HOTPLUGGABLE: u32 = 1 << 0;
const AUTOASSIGN: u32 = 1 << 1;
const AGGREGATE_SLOT: u32 = 1 << 2;
const INTEGRATED: u32 = 1 << 3;
const PCI_DEVICE: u32 = 1 << 4;
const PCIE_DEVICE: u32 = 1 << 5;
const PCIE_ROOT_PORT: u32 = 1 << 6;
const PCIE_SWITCH_UPSTREAM_PORT: u32 = 1 << 7;
const PCIE_SWITCH_DOWNSTREAM_PORT: u32 = 1 << 8;
const DMI_TO_PCI_BRIDGE: u32 = 1 << 9;
const PCIE_EXPANDER_BUS: u32 = 1 << 10;
const PCI_EXPANDER_BUS: u32 = 1 << 11;
const PCI_BRIDGE: u32 = 1 << 12;
const PCIE_TO_PCI_BRIDGE: u32 = 1 << 13;
const TYPES_MASK: u32 = PCI_DEVICE
    | PCIE_DEVICE
    | PCIE_ROOT_PORT
    | PCIE_SWITCH_UPSTREAM_PORT
    | PCIE_SWITCH_DOWNSTREAM_PORT
    | DMI_TO_PCI_BRIDGE
    | PCIE_EXPANDER_BUS
    | PCI_EXPANDER_BUS
    | PCI_BRIDGE
    | PCIE_TO_PCI_BRIDGE;
const ENDPOINT: u32 = PCI_DEVICE | PCIE_DEVICE;

const SLOT_LAST: u32 = 31;
const FUNCTION_LAST: u32 = 7;

/// A PCI address on domain 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct PciAddr {
    domain: u32,
    bus: u32,
    slot: u32,
    function: u32,
    /// `multifunction=`: `Some(true)` on, `Some(false)` off.
    multi: Option<bool>,
}

impl PciAddr {
    fn at(bus: u32, slot: u32, function: u32) -> Self {
        PciAddr {
            bus,
            slot,
            function,
            ..Default::default()
        }
    }

    fn text(&self) -> String {
        format!(
            "{:04x}:{:02x}:{:02x}.{:x}",
            self.domain, self.bus, self.slot, self.function
        )
    }

    fn element(&self) -> Element {
        let mut el = Element::new("address")
            .with_attr("type", "pci")
            .with_attr("domain", &format!("0x{:04x}", self.domain))
            .with_attr("bus", &format!("0x{:02x}", self.bus))
            .with_attr("slot", &format!("0x{:02x}", self.slot))
            .with_attr("function", &format!("0x{:x}", self.function));
        match self.multi {
            Some(true) => el.set_attr("multifunction", "on"),
            Some(false) => el.set_attr("multifunction", "off"),
            None => {}
        }
        el
    }
}

/// A device's PCI address when it has a complete one.
fn present_address(dev: &Element) -> Option<PciAddr> {
    let a = dev.child("address")?;
    if a.attr("type") != Some("pci") {
        return None;
    }
    let n = |k: &str| a.attr(k).and_then(parse_num).unwrap_or(0);
    let addr = PciAddr {
        domain: n("domain"),
        bus: n("bus"),
        slot: n("slot"),
        function: n("function"),
        multi: match a.attr("multifunction") {
            Some("on") => Some(true),
            Some("off") => Some(false),
            _ => None,
        },
    };
    let empty = addr.domain == 0 && addr.bus == 0 && addr.slot == 0 && addr.function == 0;
    (!empty).then_some(addr)
}

/// Whether a device still needs a PCI address: it has no address, or an empty PCI one.
fn wants_address(dev: &Element) -> bool {
    match dev.child("address") {
        None => true,
        Some(a) => a.attr("type") == Some("pci") && present_address(dev).is_none(),
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct SlotUse {
    functions: u8,
    aggregate: bool,
}

#[derive(Debug, Clone)]
struct Bus {
    model: &'static str,
    flags: u32,
    min_slot: u32,
    max_slot: u32,
    slots: [SlotUse; 32],
}

/// The canonical spelling of a PCI controller model libvirt knows.
fn known_model(model: &str) -> Option<&'static str> {
    [
        "pci-root",
        "pcie-root",
        "pci-bridge",
        "dmi-to-pci-bridge",
        "pcie-root-port",
        "pcie-switch-upstream-port",
        "pcie-switch-downstream-port",
        "pci-expander-bus",
        "pcie-expander-bus",
        "pcie-to-pci-bridge",
    ]
    .into_iter()
    .find(|m| *m == model)
}

impl Bus {
    /// What a bus of this controller model accepts downstream.
    fn new(model: &'static str, hotplug: bool) -> Result<Bus> {
        let hp = if hotplug { HOTPLUGGABLE } else { 0 };
        let (flags, min_slot, max_slot) = match model {
            "pci-root" => (
                AUTOASSIGN | PCI_DEVICE | PCI_BRIDGE | PCI_EXPANDER_BUS | hp,
                1,
                SLOT_LAST,
            ),
            "pci-bridge" | "pcie-to-pci-bridge" => {
                (AUTOASSIGN | PCI_DEVICE | PCI_BRIDGE | hp, 1, SLOT_LAST)
            }
            "pci-expander-bus" => (AUTOASSIGN | PCI_DEVICE | PCI_BRIDGE | hp, 0, SLOT_LAST),
            "pcie-root" => (
                PCIE_DEVICE | PCIE_ROOT_PORT | DMI_TO_PCI_BRIDGE | PCIE_EXPANDER_BUS,
                1,
                SLOT_LAST,
            ),
            "dmi-to-pci-bridge" => (PCI_DEVICE | PCI_BRIDGE, 0, SLOT_LAST),
            "pcie-root-port" | "pcie-switch-downstream-port" => (
                AUTOASSIGN | PCIE_DEVICE | PCIE_SWITCH_UPSTREAM_PORT | PCIE_TO_PCI_BRIDGE | hp,
                0,
                0,
            ),
            "pcie-switch-upstream-port" => (PCIE_SWITCH_DOWNSTREAM_PORT, 0, SLOT_LAST),
            "pcie-expander-bus" => (PCIE_ROOT_PORT | DMI_TO_PCI_BRIDGE, 0, SLOT_LAST),
            _ => {
                return Err(internal_error(
                    "PCI controller model was not set correctly".into(),
                ))
            }
        };
        Ok(Bus {
            model,
            flags,
            min_slot,
            max_slot,
            slots: [SlotUse::default(); 32],
        })
    }

    fn fully_reserved(&self) -> bool {
        (self.min_slot..=self.max_slot).all(|s| self.slots[s as usize].functions != 0)
    }
}

/// Which kind of connection a device model needs, given the flags this machine uses
/// for PCI Express devices and for virtio devices.
struct ConnectFlags {
    pcie: u32,
    virtio: u32,
}

const PCI_FLAGS: u32 = PCI_DEVICE | AUTOASSIGN;

impl ConnectFlags {
    fn new(pcie_root: bool) -> Self {
        let pcie = if pcie_root {
            PCIE_DEVICE | AUTOASSIGN
        } else {
            PCI_FLAGS
        };
        // QEMU 7.2 has the (non-)transitional virtio devices, so virtio is PCIe-capable.
        ConnectFlags { pcie, virtio: pcie }
    }

    /// `qemuDomainDeviceCalculatePCIConnectFlags`: 0 for devices that do not use PCI.
    fn of(&self, dev: &Element) -> u32 {
        let attr = |k: &str| dev.attr(k).unwrap_or("");
        let virtio_model = |model: &str| match model {
            "virtio-transitional" => PCI_FLAGS,
            _ => self.virtio,
        };
        match dev.name.as_str() {
            "controller" => {
                let model = attr("model");
                match attr("type") {
                    "pci" => pci_controller_connect(model),
                    "sata" | "ide" => PCI_FLAGS,
                    "usb" => match model {
                        "nec-xhci" | "qemu-xhci" => self.pcie,
                        "none" | "qusb1" | "qusb2" => 0,
                        _ => PCI_FLAGS,
                    },
                    "scsi" => match model {
                        "" | "ncr53c90" => 0,
                        "virtio-scsi" | "virtio-non-transitional" => self.virtio,
                        _ => PCI_FLAGS,
                    },
                    "virtio-serial" => virtio_model(model),
                    _ => 0,
                }
            }
            "filesystem" => match dev.child_attr("driver", "type").unwrap_or("") {
                "" | "path" | "handle" => virtio_model(attr("model")),
                "virtiofs" => self.virtio,
                _ => 0,
            },
            "interface" => {
                let model = dev.child_attr("model", "type").unwrap_or("");
                match (attr("type"), model) {
                    ("hostdev", _) | (_, "usb-net") => 0,
                    (_, "virtio" | "virtio-non-transitional") => self.virtio,
                    (_, "virtio-transitional") => PCI_FLAGS,
                    (_, "e1000e" | "igb" | "") => self.pcie,
                    _ => PCI_FLAGS,
                }
            }
            "sound" => match attr("model") {
                "es1370" | "ac97" | "ich6" | "ich9" => PCI_FLAGS,
                _ => 0,
            },
            "disk" => match dev.child_attr("target", "bus") {
                Some("virtio") => virtio_model(attr("model")),
                _ => 0,
            },
            "hostdev" => {
                let subsys = dev.attr("mode").unwrap_or("subsystem") == "subsystem";
                match attr("type") {
                    "pci" | "mdev" if subsys => self.pcie,
                    "scsi_host" if subsys => virtio_model(attr("model")),
                    _ => 0,
                }
            }
            "memballoon" => match attr("model") {
                "virtio" | "virtio-non-transitional" => self.virtio,
                "virtio-transitional" => PCI_FLAGS,
                _ => 0,
            },
            "rng" => virtio_model(attr("model")),
            "watchdog" if attr("model") == "i6300esb" => PCI_FLAGS,
            "video" => match dev.child_attr("model", "type").unwrap_or("") {
                "virtio" => self.virtio,
                "vga" | "cirrus" | "vmvga" | "xen" | "vbox" | "qxl" | "parallels" => PCI_FLAGS,
                "bochs" => self.pcie,
                _ => 0,
            },
            "shmem" => PCI_FLAGS,
            "input" if attr("bus") == "virtio" => virtio_model(attr("model")),
            "serial" if dev.child_attr("target", "type") == Some("pci-serial") => PCI_FLAGS,
            "iommu" if attr("model") == "virtio" => self.virtio | INTEGRATED,
            "vsock" => match attr("model") {
                "virtio" | "virtio-non-transitional" => self.virtio,
                "virtio-transitional" => PCI_FLAGS,
                _ => 0,
            },
            "memory" => match attr("model") {
                "virtio-pmem" | "virtio-mem" => self.virtio,
                _ => 0,
            },
            "crypto" if attr("model") == "virtio" => PCI_FLAGS,
            "panic" if attr("model") == "pvpanic" => PCI_FLAGS | INTEGRATED,
            _ => 0,
        }
    }
}

/// How a PCI controller of this model plugs into its parent bus.
fn pci_controller_connect(model: &str) -> u32 {
    match model {
        "pci-bridge" => PCI_BRIDGE,
        "pci-expander-bus" => PCI_EXPANDER_BUS,
        "pcie-expander-bus" => PCIE_EXPANDER_BUS,
        "dmi-to-pci-bridge" => DMI_TO_PCI_BRIDGE,
        "pcie-to-pci-bridge" => PCIE_TO_PCI_BRIDGE,
        "pcie-root-port" => PCIE_ROOT_PORT | AGGREGATE_SLOT,
        "pcie-switch-upstream-port" => PCIE_SWITCH_UPSTREAM_PORT,
        "pcie-switch-downstream-port" => PCIE_SWITCH_DOWNSTREAM_PORT,
        _ => 0,
    }
}

/// The PCI buses of a guest and which of their slots and functions are taken.
struct AddressSet {
    buses: Vec<Bus>,
    /// The first pass only counts buses: it grows the set instead of failing.
    dry_run: bool,
    pcie_to_pci_bridge: bool,
}

impl AddressSet {
    /// The set for `nbuses` buses with every address the definition already names.
    fn create(
        def: &DomainDef,
        connect: &ConnectFlags,
        nbuses: usize,
        dry_run: bool,
        pcie_to_pci_bridge: bool,
    ) -> Result<AddressSet> {
        let mut buses: Vec<Option<Bus>> = vec![None; nbuses];
        let mut pcie_root = false;
        for c in def
            .devices_of("controller")
            .filter(|c| c.attr("type") == Some("pci"))
        {
            let idx = controller_index(c) as usize;
            let Some(slot) = buses.get_mut(idx) else {
                return Err(internal_error(format!(
                    "Inappropriate new pci controller index {idx} exceeds addrs array length"
                )));
            };
            let model = c.attr("model").and_then(known_model).unwrap_or("");
            let hotplug = c.child_attr("target", "hotplug") != Some("off");
            *slot = Some(Bus::new(model, hotplug)?);
            pcie_root |= model == "pcie-root";
        }
        if nbuses > 0 && buses[0].is_none() {
            buses[0] = Some(Bus::new("pci-root", true)?);
        }
        let default_model = if pcie_root {
            "pcie-root-port"
        } else {
            "pci-bridge"
        };
        let buses = buses
            .into_iter()
            .map(|b| match b {
                Some(b) => Ok(b),
                None => Bus::new(default_model, true),
            })
            .collect::<Result<Vec<Bus>>>()?;
        let mut set = AddressSet {
            buses,
            dry_run,
            pcie_to_pci_bridge,
        };
        for dev in &def.devices {
            let Some(addr) = present_address(dev) else {
                continue;
            };
            // The PIIX3's IDE and USB functions are reserved with the chipset.
            if dev.name == "controller" && addr.domain == 0 && addr.bus == 0 && addr.slot == 1 {
                let piix3 = controller_index(dev) == 0
                    && match dev.attr("type") {
                        Some("ide") => addr.function == 1,
                        Some("usb") => {
                            matches!(dev.attr("model"), None | Some("piix3-uhci"))
                                && addr.function == 2
                        }
                        _ => false,
                    };
                if piix3 {
                    if set.buses.first().is_some_and(|b| b.flags & PCI_DEVICE == 0) {
                        return Err(internal_error(
                            "Bus 0 must be PCI for integrated PIIX3 USB or IDE controllers".into(),
                        ));
                    }
                    continue;
                }
            }
            let flags = match connect.of(dev) {
                0 => PCI_DEVICE,
                f => f,
            };
            set.reserve(&addr, flags, true)?;
        }
        Ok(set)
    }

    fn error(&self, from_config: bool, message: String) -> rvirt_core::Error {
        if from_config {
            xml_error(message)
        } else {
            internal_error(message)
        }
    }

    /// Whether a device with `dev` flags may sit on a bus with `bus` flags.
    fn compatible(
        &self,
        addr: &PciAddr,
        bus_flags: u32,
        dev_flags: u32,
        from_config: bool,
    ) -> std::result::Result<(), String> {
        let mut bus_flags = bus_flags;
        let mut dev_flags = dev_flags;
        let text = addr.text();
        if dev_flags & INTEGRATED != 0 {
            if addr.bus != 0 {
                return Err(format!(
                    "The device at PCI address {text} needs to be an integrated device (bus=0)"
                ));
            }
            bus_flags |= AUTOASSIGN;
        }
        if from_config {
            if bus_flags & ENDPOINT != 0 {
                bus_flags |= ENDPOINT;
            }
            if dev_flags & PCI_BRIDGE != 0 {
                dev_flags |= PCI_DEVICE;
            }
        } else if dev_flags & AUTOASSIGN != 0 && bus_flags & AUTOASSIGN == 0 {
            return Err(format!(
                "The device at PCI address {text} was auto-assigned this address, but the PCI controller with index='{}' doesn't allow auto-assignment",
                addr.bus
            ));
        }
        if dev_flags & HOTPLUGGABLE != 0 && bus_flags & HOTPLUGGABLE == 0 {
            return Err(format!(
                "The device at PCI address {text} requires hotplug capability, but the PCI controller with index='{}' doesn't support hotplug",
                addr.bus
            ));
        }
        if dev_flags & bus_flags & TYPES_MASK == 0 {
            let kind = [
                (PCI_DEVICE, "standard PCI device"),
                (PCIE_DEVICE, "PCI Express device"),
                (PCIE_ROOT_PORT, "pcie-root-port"),
                (PCIE_SWITCH_UPSTREAM_PORT, "pcie-switch-upstream-port"),
                (PCIE_SWITCH_DOWNSTREAM_PORT, "pcie-switch-downstream-port"),
                (DMI_TO_PCI_BRIDGE, "dmi-to-pci-bridge"),
                (PCIE_TO_PCI_BRIDGE, "pcie-to-pci-bridge"),
                (PCI_EXPANDER_BUS, "pci-expander-bus"),
                (PCIE_EXPANDER_BUS, "pcie-expander-bus"),
                (PCI_BRIDGE, "pci-bridge"),
            ]
            .into_iter()
            .find(|(f, _)| dev_flags & f != 0)
            .map_or("device", |(_, k)| k);
            return Err(format!(
                "The device at PCI address {text} cannot be plugged into the PCI controller with index='{}'. It requires a controller that accepts a {kind}.",
                addr.bus
            ));
        }
        Ok(())
    }

    /// `virDomainPCIAddressValidate`: the bus exists, takes the device, and has the slot.
    fn validate(&self, addr: &PciAddr, flags: u32, from_config: bool) -> Result<()> {
        let text = addr.text();
        if self.buses.is_empty() {
            return Err(self.error(from_config, "No PCI buses available".into()));
        }
        if addr.domain != 0 {
            return Err(self.error(
                from_config,
                format!("Invalid PCI address {text}. Only PCI domain 0 is available"),
            ));
        }
        let Some(bus) = self.buses.get(addr.bus as usize) else {
            return Err(self.error(
                from_config,
                format!(
                    "Invalid PCI address {text}. Only PCI buses up to {} are available",
                    self.buses.len() - 1
                ),
            ));
        };
        self.compatible(addr, bus.flags, flags, from_config)
            .map_err(|m| self.error(from_config, m))?;
        if bus.min_slot > 0 && addr.slot < bus.min_slot {
            return Err(self.error(
                from_config,
                format!(
                    "Invalid PCI address {text}. slot must be >= {}",
                    bus.min_slot
                ),
            ));
        }
        if addr.slot > bus.max_slot {
            return Err(self.error(
                from_config,
                format!(
                    "Invalid PCI address {text}. slot must be <= {}",
                    bus.max_slot
                ),
            ));
        }
        if addr.function > FUNCTION_LAST {
            return Err(self.error(
                from_config,
                format!("Invalid PCI address {text}. function must be <= {FUNCTION_LAST}"),
            ));
        }
        Ok(())
    }

    /// Marks one function as used (`virDomainPCIAddressReserveAddrInternal`).
    fn reserve(&mut self, addr: &PciAddr, flags: u32, from_config: bool) -> Result<()> {
        let mut addr = *addr;
        if self.dry_run {
            self.grow(&mut addr, flags)?;
        }
        self.validate(&addr, flags, from_config)?;
        let slot = &mut self.buses[addr.bus as usize].slots[addr.slot as usize];
        if slot.functions & (1 << addr.function) != 0 {
            let message = format!("Attempted double use of PCI Address {}", addr.text());
            return Err(self.error(from_config, message));
        }
        if slot.functions == 0 && flags & AGGREGATE_SLOT != 0 {
            slot.aggregate = true;
        }
        slot.functions |= 1 << addr.function;
        Ok(())
    }

    fn slot_in_use(&self, addr: &PciAddr) -> bool {
        self.buses
            .get(addr.bus as usize)
            .is_some_and(|b| b.slots[addr.slot as usize].functions != 0)
    }

    /// Adds the buses an address beyond the last one needs (dry run only); the bus of
    /// `addr` moves when a bridge has to be put in front of it.
    fn grow(&mut self, addr: &mut PciAddr, flags: u32) -> Result<()> {
        let add = addr.bus as i64 - self.buses.len() as i64 + 1;
        if add <= 0 {
            return Ok(());
        }
        let mut add = add as usize;
        let mut need_dmi_bridge = false;
        let mut need_pcie_bridge = false;
        let model = if flags & PCI_DEVICE != 0 {
            let has_bridge_slot = self.buses.iter().any(|b| b.flags & PCI_BRIDGE != 0);
            if !has_bridge_slot {
                if self.pcie_to_pci_bridge {
                    need_pcie_bridge = true;
                } else {
                    need_dmi_bridge = true;
                }
                if add == 1 {
                    add += 1;
                    addr.bus += 1;
                }
            }
            "pci-bridge"
        } else if flags & (PCIE_DEVICE | PCIE_SWITCH_UPSTREAM_PORT) != 0 {
            "pcie-root-port"
        } else {
            let message = match flags & TYPES_MASK {
                f if f & PCIE_ROOT_PORT != 0 => {
                    "a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, and it cannot be automatically added".to_string()
                }
                _ => format!(
                    "Cannot automatically add a new PCI bus for a device with connect flags {flags:02x}"
                ),
            };
            return Err(internal_error(message));
        };
        let mut new = Vec::with_capacity(add);
        if need_dmi_bridge {
            new.push(Bus::new("dmi-to-pci-bridge", false)?);
        }
        if need_pcie_bridge {
            // This root port only takes the bridge, so the spare port libvirt keeps for
            // hotplug is a different one.
            let mut port = Bus::new("pcie-root-port", true)?;
            port.flags = PCIE_TO_PCI_BRIDGE;
            new.push(port);
            new.push(Bus::new("pcie-to-pci-bridge", true)?);
        }
        while new.len() < add {
            new.push(Bus::new(model, true)?);
        }
        new.truncate(add);
        self.buses.extend(new);
        Ok(())
    }

    /// The first free slot (or function of an aggregating slot) on a compatible bus.
    fn next_address(&mut self, flags: u32, function: Option<u32>) -> Result<PciAddr> {
        if self.buses.is_empty() {
            return Err(xml_error("No PCI buses available".into()));
        }
        let mut a = PciAddr::at(0, 0, function.unwrap_or(0));
        for bus_index in 0..self.buses.len() {
            a.bus = bus_index as u32;
            let bus = &self.buses[bus_index];
            a.slot = bus.min_slot;
            if self.compatible(&a, bus.flags, flags, false).is_err() {
                continue;
            }
            while a.slot <= bus.max_slot {
                let slot = bus.slots[a.slot as usize];
                if slot.functions == 0 {
                    return Ok(a);
                }
                if flags & AGGREGATE_SLOT != 0 && slot.aggregate {
                    if slot.functions & (1 << a.function) == 0 {
                        return Ok(a);
                    }
                    if function.is_none() {
                        while a.function <= FUNCTION_LAST {
                            if slot.functions & (1 << a.function) == 0 {
                                return Ok(a);
                            }
                            a.function += 1;
                        }
                        a.function = 0;
                    }
                }
                a.slot += 1;
            }
        }
        if self.dry_run {
            a.bus = self.buses.len() as u32;
            self.grow(&mut a, flags)?;
            a.slot = self.buses[a.bus as usize].min_slot;
            return Ok(a);
        }
        Err(internal_error("No more available PCI slots".into()))
    }

    /// `virDomainPCIAddressReserveNextAddr`.
    fn reserve_next(&mut self, flags: u32, function: Option<u32>) -> Result<PciAddr> {
        let addr = self.next_address(flags, function)?;
        self.reserve(&addr, flags, false)?;
        Ok(addr)
    }
}

/// Everything one pass of the assignment works with.
struct Pass<'a> {
    set: AddressSet,
    connect: &'a ConnectFlags,
}

impl Pass<'_> {
    /// Gives device `i` the next free address (written to the definition unless this
    /// is the dry run).
    fn place(&mut self, def: &mut DomainDef, i: usize, function: Option<u32>) -> Result<()> {
        let flags = self.connect.of(&def.devices[i]);
        if flags == 0 {
            return Ok(());
        }
        let addr = self.set.reserve_next(flags, function)?;
        if !self.set.dry_run {
            set_address(&mut def.devices[i], addr.element());
        }
        Ok(())
    }

    /// Reserves a fixed address and writes it to device `i` (both passes do).
    fn fix(&mut self, def: &mut DomainDef, i: usize, addr: PciAddr, flags: u32) -> Result<()> {
        if !self.set.buses.is_empty() {
            self.set.reserve(&addr, flags, true)?;
        }
        set_address(&mut def.devices[i], addr.element());
        Ok(())
    }

    /// The primary video card's customary slot, or the next free one.
    fn primary_video(&mut self, def: &mut DomainDef, slot: u32, flags: u32) -> Result<()> {
        let Some(&i) = positions(def, "video").first() else {
            return Ok(());
        };
        let video = &def.devices[i];
        let model = video.child_attr("model", "type").unwrap_or("");
        if matches!(model, "none" | "ramfb") || !wants_address(video) {
            return Ok(());
        }
        let addr = PciAddr::at(0, slot, 0);
        self.set.validate(&addr, flags, true)?;
        if self.set.slot_in_use(&addr) {
            self.place(def, i, None)
        } else {
            self.set.reserve(&addr, flags, true)?;
            set_address(&mut def.devices[i], addr.element());
            Ok(())
        }
    }

    /// `qemuDomainValidateDevicePCISlotsPIIX3`.
    fn piix3(&mut self, def: &mut DomainDef) -> Result<()> {
        let flags = AUTOASSIGN | PCI_DEVICE;
        for i in positions(def, "controller") {
            let c = &def.devices[i];
            if controller_index(c) != 0 {
                continue;
            }
            let (function, what) = match c.attr("type") {
                Some("ide") => (1, "Primary IDE controller"),
                Some("usb") if matches!(c.attr("model"), None | Some("piix3-uhci")) => {
                    (2, "PIIX3 USB controller at index 0")
                }
                _ => continue,
            };
            let want = PciAddr::at(0, 1, function);
            match present_address(c) {
                Some(a) if PciAddr { multi: None, ..a } != want => {
                    return Err(internal_error(format!(
                        "{what} must have PCI address 0:0:1.{function}"
                    )))
                }
                Some(_) => {
                    if !self.set.buses.is_empty() {
                        self.set.reserve(&want, flags, true)?;
                    }
                }
                None => self.fix(def, i, want, flags)?,
            }
        }
        if !self.set.buses.is_empty() {
            // The ISA bridge and the power management function.
            self.set.reserve(&PciAddr::at(0, 1, 0), flags, true)?;
            self.set.reserve(&PciAddr::at(0, 1, 3), flags, true)?;
        }
        self.primary_video(def, 2, flags)
    }

    /// `qemuDomainValidateDevicePCISlotsQ35`.
    fn q35(&mut self, def: &mut DomainDef) -> Result<()> {
        let flags = PCIE_DEVICE;
        for i in positions(def, "controller") {
            let c = &def.devices[i];
            match (c.attr("type"), c.attr("model")) {
                (Some("sata"), _) if controller_index(c) == 0 => {
                    let want = PciAddr::at(0, 0x1f, 2);
                    match present_address(c) {
                        Some(a) if PciAddr { multi: None, ..a } != want => {
                            return Err(internal_error(
                                "Primary SATA controller must have PCI address 0:0:1f.2".into(),
                            ))
                        }
                        Some(_) => {}
                        None => set_address(&mut def.devices[i], want.element()),
                    }
                }
                (Some("usb"), Some("ich9-uhci1")) if c.child("address").is_none() => {
                    let free = [0x1d, 0x1a]
                        .into_iter()
                        .map(|s| PciAddr::at(0, s, 0))
                        .find(|a| !self.set.slot_in_use(a));
                    if let Some(mut a) = free {
                        self.set.reserve(&a, flags, true)?;
                        a.multi = Some(true);
                        set_address(&mut def.devices[i], a.element());
                    }
                }
                (Some("pci"), Some("dmi-to-pci-bridge")) if c.child("address").is_none() => {
                    let a = PciAddr::at(0, 0x1e, 0);
                    if !self.set.slot_in_use(&a) {
                        self.set.reserve(&a, flags, true)?;
                        set_address(&mut def.devices[i], a.element());
                    }
                }
                _ => {}
            }
        }
        if !self.set.buses.is_empty() {
            // The LPC bridge and the SMBus controller.
            self.set.reserve(&PciAddr::at(0, 0x1f, 0), flags, true)?;
            self.set.reserve(&PciAddr::at(0, 0x1f, 3), flags, true)?;
        }
        self.primary_video(def, 1, flags)?;
        // ICH9's HD audio lives at 00:1b.0 on real hardware.
        let audio = PciAddr::at(0, 0x1b, 0);
        if !self.set.slot_in_use(&audio) {
            let sound = positions(def, "sound").into_iter().find(|&i| {
                let s = &def.devices[i];
                s.attr("model") == Some("ich9") && wants_address(s)
            });
            if let Some(i) = sound {
                self.set.reserve(&audio, flags, true)?;
                set_address(&mut def.devices[i], audio.element());
            }
        }
        Ok(())
    }

    fn chipset(&mut self, def: &mut DomainDef, chipset: Chipset) -> Result<()> {
        match chipset {
            Chipset::I440fx => self.piix3(def),
            Chipset::Q35 => self.q35(def),
            Chipset::Other => Ok(()),
        }
    }

    /// `qemuDomainAssignDevicePCISlots`: every device that still wants an address, in
    /// libvirt's order.
    fn devices(&mut self, def: &mut DomainDef) -> Result<()> {
        for i in positions(def, "controller") {
            let c = &def.devices[i];
            let root = matches!(c.attr("model"), Some("pci-root" | "pcie-root"));
            if c.attr("type") == Some("pci") && !root && wants_address(c) {
                self.place(def, i, None)?;
            }
        }
        self.each_wanting(def, "filesystem", |_| true)?;
        self.each_wanting(def, "interface", |n| n.attr("type") != Some("hostdev"))?;
        self.each_wanting(def, "sound", |s| {
            !matches!(s.attr("model"), Some("sb16" | "pcspk" | "usb"))
        })?;
        self.controllers(def)?;
        for i in positions(def, "disk") {
            let d = &def.devices[i];
            if d.child_attr("target", "bus") != Some("virtio") || present_address(d).is_some() {
                continue;
            }
            match super::address_type(d) {
                Some("ccw" | "virtio-mmio") => continue,
                Some(t) if t != "pci" => {
                    return Err(unsupported(format!(
                        "virtio disk cannot have an address of type '{t}'"
                    )))
                }
                _ => self.place(def, i, None)?,
            }
        }
        self.each_wanting(def, "interface", |n| n.attr("type") == Some("hostdev"))?;
        self.each_wanting(def, "hostdev", |h| {
            h.attr("mode").unwrap_or("subsystem") == "subsystem"
                && match h.attr("type") {
                    Some("pci" | "scsi_host") => true,
                    Some("mdev") => h.attr("model") == Some("vfio-pci"),
                    _ => false,
                }
        })?;
        self.each_wanting(def, "memballoon", |_| true)?;
        self.each_wanting(def, "rng", |_| true)?;
        self.each_wanting(def, "watchdog", |_| true)?;
        self.each_wanting(def, "video", |_| true)?;
        self.each_wanting(def, "shmem", |_| true)?;
        self.each_wanting(def, "input", |_| true)?;
        self.each_wanting(def, "serial", |_| true)?;
        self.each_wanting(def, "iommu", |_| true)?;
        self.each_wanting(def, "vsock", |_| true)?;
        self.each_wanting(def, "memory", |_| true)?;
        self.each_wanting(def, "crypto", |_| true)?;
        self.each_wanting(def, "panic", |_| true)?;
        Ok(())
    }

    fn each_wanting(
        &mut self,
        def: &mut DomainDef,
        kind: &str,
        include: impl Fn(&Element) -> bool,
    ) -> Result<()> {
        for i in positions(def, kind) {
            let dev = &def.devices[i];
            if include(dev) && wants_address(dev) {
                self.place(def, i, None)?;
            }
        }
        Ok(())
    }

    /// Device controllers; USB2 companions share one slot, one function each.
    fn controllers(&mut self, def: &mut DomainDef) -> Result<()> {
        for i in positions(def, "controller") {
            let c = &def.devices[i];
            let kind = c.attr("type").unwrap_or("");
            let model = c.attr("model").unwrap_or("");
            let skip = match kind {
                "pci" | "fdc" | "ccid" => true,
                "usb" => model == "none",
                "ide" => controller_index(c) == 0,
                "scsi" => model == "ncr53c90",
                _ => false,
            };
            if skip || !wants_address(c) {
                continue;
            }
            let companion = match model {
                "ich9-ehci1" => Some((7, None)),
                "ich9-uhci1" => Some((0, Some(true))),
                "ich9-uhci2" => Some((1, None)),
                "ich9-uhci3" => Some((2, None)),
                _ => None,
            };
            let Some((function, multi)) = companion else {
                self.place(def, i, None)?;
                continue;
            };
            let index = controller_index(c);
            let sibling = def
                .devices_of("controller")
                .filter(|o| {
                    o.attr("type") == Some("usb")
                        && controller_index(o) == index
                        && matches!(
                            o.attr("model"),
                            Some("ich9-ehci1" | "ich9-uhci1" | "ich9-uhci2" | "ich9-uhci3")
                        )
                })
                .find_map(present_address);
            let flags = self.connect.of(&def.devices[i]);
            match sibling {
                Some(s) => {
                    let addr = PciAddr {
                        function,
                        multi,
                        ..s
                    };
                    self.set.reserve(&addr, flags, true)?;
                    set_address(&mut def.devices[i], addr.element());
                }
                None => {
                    let mut addr = self.set.reserve_next(flags, Some(function))?;
                    if !self.set.dry_run {
                        addr.multi = multi;
                        set_address(&mut def.devices[i], addr.element());
                    }
                }
            }
        }
        Ok(())
    }
}

fn pci_controllers(def: &DomainDef) -> impl Iterator<Item = &Element> {
    def.devices_of("controller")
        .filter(|c| c.attr("type") == Some("pci"))
}

fn has_root(def: &DomainDef, model: &str) -> bool {
    pci_controllers(def).any(|c| controller_index(c) == 0 && c.attr("model") == Some(model))
}

/// `qemuDomainAssignPCIAddresses`.
pub(super) fn assign(def: &mut DomainDef, caps: &EmulatorCaps, chipset: Chipset) -> Result<()> {
    let max_index: i64 = pci_controllers(def)
        .map(|c| i64::from(controller_index(c)))
        .max()
        .unwrap_or(-1);
    let mut nbuses = (max_index + 1) as usize;
    let pcie_root = has_root(def, "pcie-root");
    let connect = ConnectFlags::new(pcie_root);
    // QEMU has had pcie-pci-bridge since 2.12; a probe that lists devices confirms it.
    let bridge = caps.has_device("pcie-pci-bridge") || caps.version >= (2, 12, 0);
    if nbuses > 0 {
        let set = AddressSet::create(def, &connect, nbuses, true, bridge)?;
        let mut pass = Pass {
            set,
            connect: &connect,
        };
        pass.chipset(def, chipset)?;
        // Keep a slot free for a future pci-bridge, so the machine can always grow.
        if has_root(def, "pci-root") && !pass.set.buses.iter().all(Bus::fully_reserved) {
            pass.set.reserve_next(PCI_FLAGS, None)?;
        }
        pass.devices(def)?;
        // A new machine whose devices needed root ports gets one more, empty, for hotplug.
        if max_index <= 0 && pass.set.buses.len() as i64 > max_index + 1 && pcie_root {
            pass.set.reserve_next(PCIE_DEVICE | AUTOASSIGN, None)?;
        }
        let mut index = 1;
        while index < pass.set.buses.len() {
            let exists = pci_controllers(def).any(|c| controller_index(c) as usize == index);
            if !exists {
                let model = pass.set.buses[index].model;
                let at = append_controller(
                    def,
                    Element::new("controller")
                        .with_attr("type", "pci")
                        .with_attr("index", &index.to_string())
                        .with_attr("model", model),
                );
                if !matches!(model, "pci-root" | "pcie-root") {
                    let flags = connect.of(&def.devices[at]);
                    pass.set.reserve_next(flags, None)?;
                }
            }
            index += 1;
        }
        nbuses = pass.set.buses.len();
    }
    let set = AddressSet::create(def, &connect, nbuses, false, bridge)?;
    if nbuses == 0 {
        return Ok(());
    }
    let mut pass = Pass {
        set,
        connect: &connect,
    };
    pass.chipset(def, chipset)?;
    pass.devices(def)?;
    mark_multifunction(def);
    controller_defaults(def)
}

/// A device at function 0 of a slot with other functions in use is multifunction.
fn mark_multifunction(def: &mut DomainDef) {
    let shared: Vec<(u32, u32, u32)> = def
        .devices
        .iter()
        .filter_map(present_address)
        .filter(|a| a.function != 0)
        .map(|a| (a.domain, a.bus, a.slot))
        .collect();
    for (domain, bus, slot) in shared {
        let first = def.devices.iter_mut().find(|d| {
            present_address(d)
                .is_some_and(|a| (a.domain, a.bus, a.slot, a.function) == (domain, bus, slot, 0))
        });
        if let Some(dev) = first {
            if let Some(addr) = dev.child_mut("address") {
                if addr.attr("multifunction").is_none() {
                    addr.set_attr("multifunction", "on");
                }
            }
        }
    }
}

/// Sets a `<target>` attribute the controller does not name yet.
fn set_target(c: &mut Element, key: &'static str, value: String) {
    let target = c.child_or_insert("target");
    if target.attr(key).is_none() {
        target.set_attr(key, &value);
    }
}

/// What libvirt fills in for PCI controllers once they have addresses: QEMU's device
/// name, and the chassis and port numbers of ports and bridges.
fn controller_defaults(def: &mut DomainDef) -> Result<()> {
    let lowest_bus_nr = pci_controllers(def)
        .filter_map(|c| c.child_attr("target", "busNr").and_then(parse_num))
        .min()
        .unwrap_or(256);
    for i in positions(def, "controller") {
        let c = &mut def.devices[i];
        if c.attr("type") != Some("pci") {
            continue;
        }
        let model = c.attr("model").unwrap_or("").to_string();
        let index = controller_index(c);
        let addr = present_address(c).unwrap_or_default();
        let name = match model.as_str() {
            "pci-bridge" => Some("pci-bridge"),
            "dmi-to-pci-bridge" => Some("i82801b11-bridge"),
            "pcie-to-pci-bridge" => Some("pcie-pci-bridge"),
            "pcie-root-port" => Some("pcie-root-port"),
            "pcie-switch-upstream-port" => Some("x3130-upstream"),
            "pcie-switch-downstream-port" => Some("xio3130-downstream"),
            "pci-expander-bus" => Some("pxb"),
            "pcie-expander-bus" => Some("pxb-pcie"),
            _ => None,
        };
        if let Some(name) = name {
            if c.child_attr("model", "name").is_none() {
                c.child_or_insert("model").set_attr("name", name);
            }
        }
        match model.as_str() {
            "pci-bridge" => {
                set_target(c, "chassisNr", index.to_string());
                if index <= addr.bus {
                    return Err(unsupported(format!(
                        "PCI controller at index {index} (0x{index:02x}) has bus='0x{:02x}', but index must be larger than bus",
                        addr.bus
                    )));
                }
            }
            "pcie-root-port" => {
                set_target(c, "chassis", index.to_string());
                set_target(
                    c,
                    "port",
                    format!("0x{:x}", (addr.slot << 3) + addr.function),
                );
            }
            "pcie-switch-downstream-port" => {
                set_target(c, "chassis", index.to_string());
                set_target(c, "port", format!("0x{:x}", addr.slot));
            }
            "pci-expander-bus" | "pcie-expander-bus"
                if c.child_attr("target", "busNr").is_none() =>
            {
                if lowest_bus_nr <= 2 {
                    return Err(unsupported(format!(
                        "No free busNr lower than current lowest busNr is available to auto-assign to bus {}. Must be manually assigned",
                        addr.bus
                    )));
                }
                set_target(c, "busNr", (lowest_bus_nr - 2).to_string());
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(models: &[&'static str], dry_run: bool) -> AddressSet {
        AddressSet {
            buses: models.iter().map(|m| Bus::new(m, true).unwrap()).collect(),
            dry_run,
            pcie_to_pci_bridge: true,
        }
    }

    #[test]
    fn root_ports_share_a_slot_until_its_functions_run_out() {
        let mut s = set(&["pcie-root"], false);
        let port = pci_controller_connect("pcie-root-port");
        let got: Vec<(u32, u32)> = (0..9)
            .map(|_| s.reserve_next(port, None).unwrap())
            .map(|a| (a.slot, a.function))
            .collect();
        assert_eq!(got[0], (1, 0));
        assert_eq!(got[7], (1, 7));
        assert_eq!(got[8], (2, 0));
    }

    #[test]
    fn pci_device_on_pcie_machine_gets_a_root_port_and_a_bridge() {
        let mut s = set(&["pcie-root"], true);
        let addr = s.reserve_next(PCI_FLAGS, None).unwrap();
        let models: Vec<&str> = s.buses.iter().map(|b| b.model).collect();
        assert_eq!(
            models,
            ["pcie-root", "pcie-root-port", "pcie-to-pci-bridge"]
        );
        assert_eq!((addr.bus, addr.slot), (2, 1));
        // The bridge's root port takes nothing else.
        assert_eq!(s.buses[1].flags, PCIE_TO_PCI_BRIDGE);
    }

    #[test]
    fn explicit_addresses_are_checked_against_the_bus() {
        let mut s = set(&["pcie-root", "pcie-root-port"], false);
        let err = s
            .reserve(&PciAddr::at(1, 1, 0), PCIE_DEVICE | AUTOASSIGN, true)
            .unwrap_err();
        assert_eq!(err.code, rvirt_core::ErrorCode::XmlError);
        assert!(err.message.contains("slot must be <= 0"), "{}", err.message);
        s.reserve(&PciAddr::at(1, 0, 0), PCIE_DEVICE, true).unwrap();
        let twice = s.reserve(&PciAddr::at(1, 0, 0), PCIE_DEVICE, true);
        assert!(twice.is_err());
    }
}
