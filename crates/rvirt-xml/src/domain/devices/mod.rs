//! Device post-parse: the defaults libvirt's generic code fills into each device, the
//! implicit devices it adds (controllers, the serial/console pair), and the canonical form
//! of device addresses.

mod address;
mod chr;
mod controllers;
mod display;
mod kinds;
mod net;

use crate::domain::tree::Element;
use crate::domain::DomainDef;
use crate::parse::parse_ull;
use address::{
    assign_ccid_addresses, assign_disk_addresses, assign_scsi_hostdev_addresses,
    canonical_addresses, disk_name_index,
};
use chr::{assign_chr_ports, chr_source_defaults};
use controllers::{add_implicit_devices, assign_controller_indexes, controller_index};
use display::{graphics_defaults, video_defaults};
use kinds::{
    disk_defaults, filesystem_defaults, hostdev_defaults, input_defaults, memory_device_defaults,
    redirfilter_defaults, rng_defaults, vsock_defaults,
};
use net::interface_defaults;
use rvirt_core::Result;

pub use net::assign_test_ifnames;

/// Reorders disks and controllers the way libvirt's parser inserts them: disks sorted by
/// name within a bus (`virDomainDiskInsert`), controllers by index within a type
/// (`virDomainControllerInsertPreAlloced`).
pub fn parse_order(def: &mut DomainDef) {
    // A video marked primary is put first.
    let primary = def
        .devices
        .iter()
        .position(|d| d.name == "video" && d.child_attr("model", "primary") == Some("yes"));
    let first_video = def.devices.iter().position(|d| d.name == "video");
    if let (Some(p), Some(f)) = (primary, first_video) {
        if p != f {
            let v = def.devices.remove(p);
            def.devices.insert(f, v);
        }
    }
    reorder_kind(def, "disk", disk_key, disk_insert_position);
    reorder_kind(
        def,
        "controller",
        controller_key,
        controller_insert_position,
    );
}

/// Reorders the devices of one kind by inserting them one by one where `position` says,
/// comparing precomputed keys.
fn reorder_kind<K>(
    def: &mut DomainDef,
    kind: &str,
    key: fn(&Element) -> K,
    position: fn(&[K], &K) -> usize,
) {
    let slots: Vec<usize> = def
        .devices
        .iter()
        .enumerate()
        .filter(|(_, d)| d.name == kind)
        .map(|(i, _)| i)
        .collect();
    let mut keys: Vec<K> = Vec::with_capacity(slots.len());
    let mut order: Vec<usize> = Vec::with_capacity(slots.len());
    for &slot in &slots {
        let k = key(&def.devices[slot]);
        let at = position(&keys, &k);
        keys.insert(at, k);
        order.insert(at, slot);
    }
    if order == slots {
        return;
    }
    // Each device moves exactly once (`order` is a permutation of `slots`): move, not clone.
    let mut originals: Vec<Option<Element>> = slots
        .iter()
        .map(|&s| Some(std::mem::take(&mut def.devices[s])))
        .collect();
    for (dest, src) in slots.iter().zip(order) {
        if let Some(pos) = slots.iter().position(|&s| s == src) {
            if let Some(device) = originals[pos].take() {
                def.devices[*dest] = device;
            }
        }
    }
}

/// A disk's place among disks: its bus and the index of its target name.
type DiskKey = (Option<String>, Option<u64>);

fn disk_key(disk: &Element) -> DiskKey {
    (
        disk.child_attr("target", "bus").map(str::to_string),
        disk.child_attr("target", "dev").and_then(disk_name_index),
    )
}

fn disk_insert_position(list: &[DiskKey], disk: &DiskKey) -> usize {
    let mut insert_at: Option<usize> = None;
    for (i, cur) in list.iter().enumerate().rev() {
        if cur.0 != disk.0 {
            continue;
        }
        let after = match (cur.1, disk.1) {
            (Some(c), Some(n)) => c > n,
            (Some(_), None) => true,
            _ => false,
        };
        if after {
            insert_at = Some(i);
        } else if insert_at.is_none() {
            insert_at = Some(i + 1);
        }
    }
    insert_at.unwrap_or(list.len())
}

/// A controller's place among controllers: type, index, and whether it is a companion.
type ControllerKey = (Option<String>, Option<i64>, bool);

fn controller_key(ctl: &Element) -> ControllerKey {
    (
        ctl.attr("type").map(str::to_string),
        controller_index(ctl),
        ctl.child("master").is_some(),
    )
}

fn controller_insert_position(list: &[ControllerKey], ctl: &ControllerKey) -> usize {
    let is_master = !ctl.2;
    let mut insert_at: Option<usize> = None;
    for (i, cur) in list.iter().enumerate().rev() {
        if cur.0 != ctl.0 {
            continue;
        }
        let Some(new_idx) = ctl.1 else {
            insert_at = Some(i + 1);
            break;
        };
        let cur_idx = cur.1.unwrap_or(-1);
        if cur_idx > new_idx {
            insert_at = Some(i);
        } else if cur_idx == new_idx && is_master && cur.2 {
            // A master goes before its companions.
            insert_at = Some(i);
        } else if insert_at.is_none() {
            insert_at = Some(i + 1);
        }
    }
    insert_at.unwrap_or(list.len())
}

/// Bound on the controllers added for one bus type: a drive address naming controller
/// 4000000000 must not make us allocate billions of controllers.
const MAX_IMPLICIT_CONTROLLERS: u64 = 1024;

/// Runs every device default, in libvirt's order.
pub fn apply(def: &mut DomainDef, live: bool) -> Result<()> {
    for dev in &mut def.devices {
        canonical_addresses(dev)?;
        // Only user aliases (`ua-` prefix) are read from a definition.
        if !live {
            dev.children.retain(|c| {
                c.name != "alias" || c.attr("name").is_some_and(|n| n.starts_with("ua-"))
            });
        }
    }
    for dev in def.devices.iter_mut().filter(|d| d.name == "interface") {
        interface_defaults(dev, live);
    }
    for c in def.devices.iter_mut().filter(|d| d.name == "controller") {
        if !c.has_attr("type") {
            c.set_attr("type", "ide");
        }
    }
    controllers::add_hostdev_scsi_controllers(def);
    assign_controller_indexes(def);
    assign_chr_ports(def);
    let os_type = def.os.os_type.clone();
    let arch = def.os.arch.clone().unwrap_or_default();
    for dev in &mut def.devices {
        match dev.name.as_str() {
            "disk" => disk_defaults(dev),
            "rng" => rng_defaults(dev),
            "filesystem" => filesystem_defaults(dev),
            "vsock" => vsock_defaults(dev),
            "input" => input_defaults(dev, &os_type, &arch, &def.virt_type),
            "graphics" => graphics_defaults(dev, live)?,
            "watchdog" if !dev.has_attr("action") => dev.set_attr("action", "reset"),
            "hostdev" => hostdev_defaults(dev),
            "redirdev" => {
                if !dev.has_attr("bus") {
                    dev.set_attr("bus", "usb");
                }
                chr_source_defaults(dev)
            }
            "smartcard" => kinds::smartcard_defaults(dev),
            "tpm" => kinds::tpm_defaults(dev),
            "serial" | "parallel" | "console" => {
                kinds::device_seclabels(dev);
                // The pty a running guest got is runtime state.
                if !live {
                    dev.remove_attr("tty");
                }
            }
            "controller" => {
                // ICH9 UHCI companions sit on their EHCI master's ports 0, 2 and 4.
                let companion_port = match dev.attr("model") {
                    Some("ich9-uhci1") => Some("0"),
                    Some("ich9-uhci2") => Some("2"),
                    Some("ich9-uhci3") => Some("4"),
                    _ => None,
                };
                if let (Some(port), None) = (companion_port, dev.child("master")) {
                    dev.children
                        .push(Element::new("master").with_attr("startport", port));
                } else if let Some(master) = dev.child_mut("master") {
                    if !master.has_attr("startport") {
                        master.set_attr("startport", "0");
                    }
                }
                if dev.attr("type") != Some("virtio-serial") {
                    dev.remove_attr("vectors");
                }
                // PCI port numbers are printed in hex.
                if let Some(t) = dev.child_mut("target") {
                    set_fmt(t, "port", |v| format!("0x{v:x}"));
                }
            }
            "channel" if !live => {
                // The agent connection state is runtime information.
                if let Some(t) = dev.child_mut("target") {
                    t.remove_attr("state");
                }
            }
            "redirfilter" => redirfilter_defaults(dev),
            // A statistics period of 0 means no statistics.
            "memballoon" if dev.child_attr("stats", "period") == Some("0") => {
                dev.remove_children("stats")
            }
            "shmem" => {
                if dev.child("model").is_none() {
                    dev.children
                        .push(Element::new("model").with_attr("type", "ivshmem"));
                }
                // Sizes are kept in bytes and printed in MiB.
                if let Some(size) = dev.child_mut("size") {
                    if let Some(v) = size.text.as_deref().and_then(|t| parse_ull(t.trim())) {
                        let bytes = super::parse::scale_to_bytes(v, size.attr("unit"), 1 << 20)
                            .unwrap_or(0);
                        size.text = Some((bytes >> 20).to_string());
                        size.set_attr("unit", "M");
                    }
                }
            }
            "memory" => memory_device_defaults(dev),
            _ => {}
        }
    }
    // A panic device without a model carries nothing libvirt keeps.
    def.devices
        .retain(|d| d.name != "panic" || d.has_attr("model") || d.child("address").is_some());
    assign_disk_addresses(def)?;
    assign_scsi_hostdev_addresses(def);
    assign_ccid_addresses(def);
    add_implicit_devices(def);
    video_defaults(def);
    Ok(())
}

/// A size element (`<size unit='MiB'>4</size>`) rewritten in KiB, as libvirt prints it.
pub fn size_in_kib(el: &mut Element) {
    let Some(v) = el.text.as_deref().and_then(|t| parse_ull(t.trim())) else {
        return;
    };
    let kib = super::parse::scale_to_bytes(v, el.attr("unit"), 1024)
        .unwrap_or(0)
        .div_ceil(1024);
    el.text = Some(kib.to_string());
    el.set_attr("unit", "KiB");
}

fn num(el: &Element, key: &str) -> Option<u64> {
    el.attr(key).and_then(parse_ull)
}

fn set_fmt(el: &mut Element, key: &'static str, f: impl Fn(u64) -> String) {
    if let Some(v) = num(el, key) {
        el.set_attr(key, &f(v));
    }
}

fn set_or_clear(el: &mut Element, key: &'static str, value: u64) {
    if value == 0 {
        el.remove_attr(key);
    } else {
        el.set_attr(key, &value.to_string());
    }
}
