//! Device addresses assigned when a definition is parsed, the way libvirt's QEMU driver
//! assigns them (`qemuDomainAssignAddresses`): virtio-serial ports first, then PCI slots
//! (adding the PCI controllers the devices need), then USB ports.
//!
//! The definition is kept as an element tree, so devices are found by position in
//! `def.devices`, which holds each kind in libvirt's list order.

mod pci;
mod ports;

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, Element};

use crate::probe::EmulatorCaps;

/// The chipset families whose built-in devices sit at fixed PCI addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chipset {
    I440fx,
    Q35,
    Other,
}

impl Chipset {
    pub fn of(machine: &str) -> Chipset {
        if EmulatorCaps::is_q35(machine) {
            Chipset::Q35
        } else if machine == "pc"
            || ["pc-0.", "pc-1.", "pc-i440fx-", "rhel"]
                .iter()
                .any(|p| machine.starts_with(p))
        {
            Chipset::I440fx
        } else {
            Chipset::Other
        }
    }
}

/// Assigns every address libvirt assigns at define time.
pub fn assign(def: &mut DomainDef, caps: &EmulatorCaps, machine: &str) -> Result<()> {
    ports::assign_virtio_serial(def)?;
    pci::assign(def, caps, Chipset::of(machine))?;
    ports::assign_usb(def)?;
    Ok(())
}

/// Numbers as libvirt reads them in addresses: hexadecimal with `0x`, else decimal.
pub(crate) fn parse_num(text: &str) -> Option<u32> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// A controller's `index` (0 when absent).
pub(crate) fn controller_index(el: &Element) -> u32 {
    el.attr("index").and_then(parse_num).unwrap_or(0)
}

/// The type of a device's `<address>`, if it has one.
pub(crate) fn address_type(el: &Element) -> Option<&str> {
    el.child("address").map(|a| a.attr("type").unwrap_or(""))
}

/// Positions in `def.devices` of the elements named `name`, in order.
pub(crate) fn positions(def: &DomainDef, name: &str) -> Vec<usize> {
    def.devices
        .iter()
        .enumerate()
        .filter(|(_, d)| d.name == name)
        .map(|(i, _)| i)
        .collect()
}

/// Replaces a device's `<address>`.
pub(crate) fn set_address(el: &mut Element, address: Element) {
    el.remove_children("address");
    el.children.push(address);
}

/// Appends a controller after the existing ones, as libvirt appends the controllers it adds.
pub(crate) fn append_controller(def: &mut DomainDef, controller: Element) -> usize {
    let at = def
        .devices
        .iter()
        .rposition(|d| d.name == "controller")
        .map(|i| i + 1)
        .or_else(|| {
            // No controller yet: before the first device kind that prints after them.
            let later = [
                "filesystem",
                "interface",
                "serial",
                "console",
                "channel",
                "input",
            ];
            def.devices
                .iter()
                .position(|d| later.contains(&d.name.as_str()))
        })
        .unwrap_or(def.devices.len());
    def.devices.insert(at, controller);
    at
}

pub(crate) fn xml_error(message: String) -> Error {
    Error::new(ErrorDomain::Domain, ErrorCode::XmlError, message)
}

pub(crate) fn internal_error(message: String) -> Error {
    Error::new(ErrorDomain::Domain, ErrorCode::InternalError, message)
}

pub(crate) fn unsupported(message: String) -> Error {
    Error::new(ErrorDomain::Qemu, ErrorCode::ConfigUnsupported, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chipsets_by_machine_name() {
        assert_eq!(Chipset::of("pc-q35-7.2"), Chipset::Q35);
        assert_eq!(Chipset::of("pc-i440fx-6.1"), Chipset::I440fx);
        assert_eq!(Chipset::of("pc"), Chipset::I440fx);
        assert_eq!(Chipset::of("isapc"), Chipset::Other);
    }

    #[test]
    fn address_numbers() {
        assert_eq!(parse_num("0x1f"), Some(31));
        assert_eq!(parse_num("12"), Some(12));
        assert_eq!(parse_num("zz"), None);
    }
}
