//! Device addresses: the canonical form libvirt prints each address type in, and the
//! drive, SCSI host and CCID addresses it assigns.

use super::{num, set_fmt};
use crate::domain::tree::Element;
use crate::domain::DomainDef;
use rvirt_core::{Error, ErrorDomain, Result};

/// Prints address numbers the way libvirt formats each address type.
pub(super) fn canonical_addresses(dev: &mut Element) -> Result<()> {
    for child in dev.children.iter_mut() {
        if child.name == "address" {
            canonical_address(child)?;
        }
        if child.name == "source" {
            for sub in child.children.iter_mut().filter(|c| c.name == "address") {
                canonical_source_address(sub);
            }
        }
    }
    dev.children
        .retain(|c| !(c.name == "address" && c.attr("type").is_none_or(|t| t == "none")));
    Ok(())
}

pub(super) fn canonical_address(addr: &mut Element) -> Result<()> {
    match addr.attr("type").unwrap_or("") {
        "pci" => {
            for key in ["domain", "bus", "slot", "function"] {
                if !addr.has_attr(key) {
                    addr.set_attr(key, "0");
                }
            }
            set_fmt(addr, "domain", |v| format!("0x{v:04x}"));
            set_fmt(addr, "bus", |v| format!("0x{v:02x}"));
            set_fmt(addr, "slot", |v| format!("0x{v:02x}"));
            set_fmt(addr, "function", |v| format!("0x{v:x}"));
            // An all-zero PCI address is "any address" and is printed bare.
            let zero = ["domain", "bus", "slot", "function"]
                .iter()
                .all(|k| num(addr, k) == Some(0));
            if zero {
                for k in ["domain", "bus", "slot", "function"] {
                    addr.remove_attr(k);
                }
            }
        }
        "drive" => {
            for key in ["controller", "bus", "target", "unit"] {
                if !addr.has_attr(key) {
                    addr.set_attr(key, "0");
                }
                set_fmt(addr, key, |v| v.to_string());
            }
        }
        "virtio-serial" => {
            for key in ["controller", "bus"] {
                if !addr.has_attr(key) {
                    addr.set_attr(key, "0");
                }
            }
            for key in ["controller", "bus", "port"] {
                set_fmt(addr, key, |v| v.to_string());
            }
        }
        "ccw" => {
            set_fmt(addr, "cssid", |v| format!("0x{v:x}"));
            set_fmt(addr, "ssid", |v| format!("0x{v:x}"));
            set_fmt(addr, "devno", |v| format!("0x{v:04x}"));
        }
        "dimm" => {
            set_fmt(addr, "slot", |v| v.to_string());
            set_fmt(addr, "base", |v| format!("0x{v:x}"));
        }
        "spapr-vio" => set_fmt(addr, "reg", |v| format!("0x{v:08x}")),
        "isa" => {
            set_fmt(addr, "iobase", |v| format!("0x{v:x}"));
            set_fmt(addr, "irq", |v| format!("0x{v:x}"));
        }
        "usb" if !addr.has_attr("bus") => addr.set_attr("bus", "0"),
        _ => {}
    }
    Ok(())
}

pub(super) fn canonical_source_address(addr: &mut Element) {
    if addr.has_attr("slot") || addr.has_attr("function") {
        set_fmt(addr, "domain", |v| format!("0x{v:04x}"));
        if !addr.has_attr("domain") {
            addr.set_attr("domain", "0x0000");
        }
        set_fmt(addr, "bus", |v| format!("0x{v:02x}"));
        set_fmt(addr, "slot", |v| format!("0x{v:02x}"));
        set_fmt(addr, "function", |v| format!("0x{v:x}"));
    }
}

/// Index of a disk name (`hda` -> 0, `sdb` -> 1, `vdaa` -> 26), as `virDiskNameToIndex`.
pub(super) fn disk_name_index(name: &str) -> Option<u64> {
    let prefixes = ["fd", "hd", "vd", "sd", "xvd", "ubd"];
    let rest = prefixes.iter().find_map(|p| name.strip_prefix(p))?;
    let letters: String = rest
        .chars()
        .take_while(|c| c.is_ascii_lowercase())
        .collect();
    if letters.is_empty() {
        return None;
    }
    let mut idx: u64 = 0;
    for (i, c) in letters.chars().enumerate() {
        let v = (c as u64) - ('a' as u64);
        idx = if i == 0 {
            v
        } else {
            idx.checked_add(1)?.checked_mul(26)?.checked_add(v)?
        };
    }
    Some(idx)
}

/// `virDomainDiskDefAssignAddress` for disks on buses with drive addresses.
pub(super) fn assign_disk_addresses(def: &mut DomainDef) -> Result<()> {
    for disk in def.devices.iter_mut().filter(|d| d.name == "disk") {
        if disk.child("address").is_some() {
            continue;
        }
        let Some(target) = disk.child("target") else {
            continue;
        };
        let bus = target.attr("bus").unwrap_or("").to_string();
        let Some(dst) = target.attr("dev").map(str::to_string) else {
            continue;
        };
        let Some(idx) = disk_name_index(&dst) else {
            if matches!(bus.as_str(), "ide" | "fdc" | "scsi" | "sata") {
                return Err(Error::xml(
                    ErrorDomain::Domain,
                    format!("Unknown disk name '{dst}' and no address specified"),
                ));
            }
            continue;
        };
        let (controller, bus_no, unit) = match bus.as_str() {
            "scsi" => (idx / 7, 0, idx % 7),
            "fdc" => (idx / 2, 0, idx % 2),
            "ide" => (idx / 4, (idx % 4) / 2, idx % 2),
            "sata" => (idx / 6, 0, idx % 6),
            _ => continue,
        };
        disk.children.push(
            Element::new("address")
                .with_attr("type", "drive")
                .with_attr("controller", &controller.to_string())
                .with_attr("bus", &bus_no.to_string())
                .with_attr("target", "0")
                .with_attr("unit", &unit.to_string()),
        );
    }
    Ok(())
}

/// Drive addresses in use on SCSI buses (by disks and host devices).
pub(super) fn scsi_units_in_use(def: &DomainDef) -> Vec<(u64, u64, u64, u64)> {
    def.devices
        .iter()
        .filter(|d| {
            (d.name == "disk" && d.child_attr("target", "bus") == Some("scsi"))
                || (d.name == "hostdev" && d.attr("type") == Some("scsi"))
        })
        .filter_map(|d| d.child("address"))
        .filter(|a| a.attr("type") == Some("drive"))
        .map(|a| {
            (
                num(a, "controller").unwrap_or(0),
                num(a, "bus").unwrap_or(0),
                num(a, "target").unwrap_or(0),
                num(a, "unit").unwrap_or(0),
            )
        })
        .collect()
}

/// `virDomainHostdevAssignAddress`: SCSI host devices take the first free unit, moving to
/// the next controller when one is full.
pub(super) fn assign_scsi_hostdev_addresses(def: &mut DomainDef) {
    const UNITS_PER_BUS: u64 = 7;
    let positions: Vec<usize> = def
        .devices
        .iter()
        .enumerate()
        .filter(|(_, d)| {
            d.name == "hostdev"
                && d.attr("mode") == Some("subsystem")
                && d.attr("type") == Some("scsi")
                && d.child("address").is_none()
        })
        .map(|(i, _)| i)
        .collect();
    for pos in positions {
        let used = scsi_units_in_use(def);
        let mut controller = 0;
        let unit = loop {
            if let Some(u) = (0..UNITS_PER_BUS).find(|u| !used.contains(&(controller, 0, 0, *u))) {
                break u;
            }
            controller += 1;
        };
        def.devices[pos].children.push(
            Element::new("address")
                .with_attr("type", "drive")
                .with_attr("controller", &controller.to_string())
                .with_attr("bus", "0")
                .with_attr("target", "0")
                .with_attr("unit", &unit.to_string()),
        );
    }
}

/// Smartcards sit on CCID controller 0 in the first free slot.
pub(super) fn assign_ccid_addresses(def: &mut DomainDef) {
    let mut used: Vec<u64> = def
        .devices
        .iter()
        .filter(|d| d.name == "smartcard")
        .filter_map(|d| d.child("address"))
        .filter(|a| a.attr("type") == Some("ccid"))
        .filter_map(|a| num(a, "slot"))
        .collect();
    for card in def
        .devices
        .iter_mut()
        .filter(|d| d.name == "smartcard" && d.child("address").is_none())
    {
        let slot = (0..).find(|s| !used.contains(s)).unwrap_or(0);
        used.push(slot);
        card.children.push(
            Element::new("address")
                .with_attr("type", "ccid")
                .with_attr("controller", "0")
                .with_attr("slot", &slot.to_string()),
        );
    }
}
