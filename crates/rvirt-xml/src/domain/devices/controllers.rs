//! Controllers: index assignment and the controllers other devices imply.

use super::chr::console_compat;
use super::display::implicit_video;
use super::{num, MAX_IMPLICIT_CONTROLLERS};
use crate::domain::tree::Element;
use crate::domain::DomainDef;

/// USB 2 controllers (EHCI and its UHCI companions) share an index on purpose.
pub(super) fn is_usb2(c: &Element) -> bool {
    c.attr("type") == Some("usb")
        && matches!(
            c.attr("model"),
            Some("ich9-ehci1" | "ich9-uhci1" | "ich9-uhci2" | "ich9-uhci3")
        )
}

pub(super) fn controller_index(c: &Element) -> Option<i64> {
    c.attr("index").and_then(|i| i.parse().ok())
}

/// `virDomainAssignControllerIndexes`: the lowest unused index per type, except USB 2
/// companions that follow their EHCI.
pub(super) fn assign_controller_indexes(def: &mut DomainDef) {
    let positions: Vec<usize> = def
        .devices
        .iter()
        .enumerate()
        .filter(|(_, d)| d.name == "controller")
        .map(|(i, _)| i)
        .collect();
    for (n, &pos) in positions.iter().enumerate() {
        let idx = {
            let devices = &def.devices;
            let controller = &devices[pos];
            if controller.has_attr("index") {
                continue;
            }
            let ctype = controller.attr("type").unwrap_or("");
            let model = controller.attr("model");
            let controllers = || positions.iter().map(|&p| &devices[p]);
            let mut chosen: Option<i64> = None;
            if n > 0 && is_usb2(controller) {
                let prev = positions[..n]
                    .iter()
                    .rev()
                    .map(|&p| &devices[p])
                    .find(|c| c.attr("type") == Some("usb"));
                if let Some(prev) = prev.filter(|p| is_usb2(p)) {
                    if let Some(pidx) = controller_index(prev) {
                        let clash = controllers().any(|c| {
                            c.attr("type") == Some("usb")
                                && controller_index(c) == Some(pidx)
                                && c.attr("model") == model
                        });
                        if !clash {
                            chosen = Some(pidx);
                        }
                    }
                }
            }
            // Only controllers hold controller indexes: scanning them alone is enough.
            chosen.unwrap_or_else(|| {
                lowest_unused_index(
                    controllers()
                        .filter(|c| c.attr("type") == Some(ctype))
                        .filter_map(controller_index),
                )
            })
        };
        def.devices[pos].set_attr("index", &idx.to_string());
    }
}

/// The lowest non-negative index not in `used`. Indexes below 64 go in a bit set, so the
/// usual handful of controllers costs no allocation.
fn lowest_unused_index(used: impl Iterator<Item = i64>) -> i64 {
    let mut low: u64 = 0;
    let mut high: Vec<i64> = Vec::new();
    for idx in used {
        match u32::try_from(idx) {
            Ok(bit) if bit < 64 => low |= 1u64 << bit,
            _ => high.push(idx),
        }
    }
    if low != u64::MAX {
        return i64::from(low.trailing_ones());
    }
    (64..).find(|i| !high.contains(i)).unwrap_or(0)
}

/// Adds a controller of `ctype` with `index` unless one exists.
pub(super) fn ensure_controller(def: &mut DomainDef, ctype: &str, index: i64, model: Option<&str>) {
    let exists = def.devices.iter().any(|d| {
        d.name == "controller"
            && d.attr("type") == Some(ctype)
            && controller_index(d) == Some(index)
    });
    if exists {
        return;
    }
    let mut c = Element::new("controller")
        .with_attr("type", ctype)
        .with_attr("index", &index.to_string());
    if let Some(m) = model {
        c.set_attr("model", m);
    }
    // Implicit controllers are appended to the controller list.
    match def.devices.iter().rposition(|d| d.name == "controller") {
        Some(l) => def.devices.insert(l + 1, c),
        None => def.devices.push(c),
    }
}

/// `virDomainDefMaybeAddHostdevSCSIcontroller`, which the parser runs before controller
/// indexes are assigned: SCSI host devices (on controller 0 until addressed) need their
/// controllers.
pub(super) fn add_hostdev_scsi_controllers(def: &mut DomainDef) {
    let max = def
        .devices
        .iter()
        .filter(|d| {
            d.name == "hostdev"
                && d.attr("mode").unwrap_or("subsystem") == "subsystem"
                && d.attr("type") == Some("scsi")
        })
        .map(|d| {
            d.child("address")
                .filter(|a| a.attr("type") == Some("drive"))
                .and_then(|a| num(a, "controller"))
                .unwrap_or(0)
        })
        .max();
    if let Some(max) = max {
        for i in 0..=max.min(MAX_IMPLICIT_CONTROLLERS) {
            ensure_controller(def, "scsi", i as i64, None);
        }
    }
}

/// `virDomainDefAddImplicitDevices`: console/serial pairing and the controllers that
/// devices need.
pub(super) fn add_implicit_devices(def: &mut DomainDef) {
    console_compat(def);
    // Disk controllers for drive addresses: every index up to the highest in use, type by
    // type in libvirt's order.
    for (ctype, bus) in [
        ("scsi", "scsi"),
        ("fdc", "fdc"),
        ("ide", "ide"),
        ("sata", "sata"),
    ] {
        let max = def
            .devices
            .iter()
            .filter(|d| d.name == "disk" && d.child_attr("target", "bus") == Some(bus))
            .filter_map(|d| d.child("address"))
            .filter(|a| a.attr("type") == Some("drive"))
            .filter_map(|a| num(a, "controller"))
            .max();
        if let Some(max) = max {
            for i in 0..=max.min(MAX_IMPLICIT_CONTROLLERS) {
                ensure_controller(def, ctype, i as i64, None);
            }
        }
    }
    // virtio-serial for virtio channels and virtio consoles.
    // Channels are looked at before consoles.
    let mut vs_needed: Vec<i64> = Vec::new();
    let chrs = def
        .devices
        .iter()
        .filter(|d| d.name == "channel")
        .chain(def.devices.iter().filter(|d| d.name == "console"));
    for d in chrs {
        if d.child_attr("target", "type") != Some("virtio") {
            continue;
        }
        let idx = d
            .child("address")
            .filter(|a| a.attr("type") == Some("virtio-serial"))
            .and_then(|a| num(a, "controller"))
            .unwrap_or(0) as i64;
        vs_needed.push(idx);
    }
    for idx in vs_needed {
        ensure_controller(def, "virtio-serial", idx, None);
    }
    // A CCID controller for smartcards.
    let cards = def.devices.iter().filter(|d| d.name == "smartcard").count();
    if cards > 0 {
        ensure_controller(def, "ccid", 0, None);
    }
    implicit_video(def);
}
