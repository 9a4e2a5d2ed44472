//! Defaults of the remaining device kinds (disks, host devices, RNG, filesystems...).

use super::chr::chr_source_defaults;
use super::{set_fmt, size_in_kib};
use crate::domain::tree::Element;
use crate::parse::parse_ull;

pub(super) fn memory_device_defaults(dev: &mut Element) {
    let model = dev.attr("model").unwrap_or("").to_string();
    if model == "virtio-pmem" && !dev.has_attr("access") {
        dev.set_attr("access", "shared");
    }
    for part in ["source", "target"] {
        let Some(p) = dev.child_mut(part) else {
            continue;
        };
        for c in p.children.iter_mut() {
            if matches!(
                c.name.as_str(),
                "pagesize" | "alignsize" | "size" | "block" | "requested"
            ) {
                size_in_kib(c);
            }
            if c.name == "label" {
                for sz in c.children.iter_mut().filter(|x| x.name == "size") {
                    size_in_kib(sz);
                }
            }
        }
        if part == "target" && model != "virtio-mem" {
            p.remove_children("block");
            p.remove_children("requested");
        }
    }
}

pub(super) fn disk_defaults(disk: &mut Element) {
    device_seclabels(disk);
    if disk.child("driver").is_some_and(|d| d.is_empty()) {
        disk.remove_children("driver");
    }
    // The qcow2 metadata cache limit is kept in bytes.
    if let Some(max) = disk
        .child_mut("driver")
        .and_then(|d| d.child_mut("metadata_cache"))
        .and_then(|m| m.child_mut("max_size"))
    {
        if let Some(v) = max.text.as_deref().and_then(|t| parse_ull(t.trim())) {
            let bytes = crate::domain::parse::scale_to_bytes(v, max.attr("unit"), 1).unwrap_or(0);
            max.text = Some(bytes.to_string());
            max.set_attr("unit", "bytes");
        }
    }
    // I/O limits of zero mean "no limit" and are not printed.
    if let Some(iotune) = disk.child_mut("iotune") {
        iotune
            .children
            .retain(|c| c.name == "group_name" || c.text.as_deref().map(str::trim) != Some("0"));
        if iotune.children.is_empty() {
            disk.remove_children("iotune");
        }
    }
    let device = disk.attr("device").unwrap_or("disk").to_string();
    if !disk.has_attr("type") {
        disk.set_attr("type", "file");
    }
    if !disk.has_attr("device") {
        disk.set_attr("device", "disk");
    }
    if let Some(t) = disk.child_mut("target") {
        if let Some(dev) = t.attr("dev").map(str::to_string) {
            if let Some(stripped) = dev.strip_prefix("ioemu:") {
                t.set_attr("dev", stripped);
            }
        }
        if !t.has_attr("bus") {
            let dst = t.attr("dev").unwrap_or("");
            let bus = if device == "floppy" {
                "fdc"
            } else if dst.starts_with("hd") {
                "ide"
            } else if dst.starts_with("sd") {
                "scsi"
            } else if dst.starts_with("vd") {
                "virtio"
            } else if dst.starts_with("xvd") {
                "xen"
            } else if dst.starts_with("ubd") {
                "uml"
            } else {
                "ide"
            };
            t.set_attr("bus", bus);
        }
    }
    if device == "cdrom" && disk.child("readonly").is_none() {
        disk.children.push(Element::new("readonly"));
    }
    if disk.attr("type") == Some("vhostuser") && !disk.has_attr("snapshot") {
        disk.set_attr("snapshot", "no");
    }
    if disk.attr("type") == Some("nvme") {
        if let Some(src) = disk.child_mut("source") {
            if !src.has_attr("managed") {
                src.set_attr("managed", "yes");
            }
        }
    }
    // Read-only disks are never snapshotted; saying so again is not printed.
    if disk.attr("snapshot") == Some("no") && disk.child("readonly").is_some() {
        disk.remove_attr("snapshot");
    }
    let ty = disk.attr("type").unwrap_or("file").to_string();
    if let Some(src) = disk.child_mut("source") {
        let keep: &[&str] = match ty.as_str() {
            "file" => &["file", "startupPolicy", "index"],
            "block" => &["dev", "startupPolicy", "index"],
            "dir" => &["dir", "startupPolicy", "index"],
            "network" => &["protocol", "name", "tls", "query", "index"],
            "volume" => &["pool", "volume", "mode", "startupPolicy", "index"],
            "nvme" => &["type", "managed", "namespace", "index"],
            "vhostuser" => &["type", "path", "index"],
            _ => &["index"],
        };
        src.attrs.retain(|(k, _)| keep.contains(&k.as_str()));
        if ty != "network" {
            src.children
                .retain(|c| c.name != "host" && c.name != "snapshot" && c.name != "config");
        }
        // An empty source (a CD-ROM drive with no medium) is not printed.
        if src.attrs.is_empty() && src.children.is_empty() {
            disk.remove_children("source");
        }
    }
    if disk.child("source").is_none() && matches!(ty.as_str(), "block" | "dir") {
        // An empty drive has no backing type of its own.
        disk.set_attr("type", "file");
    }
    if let Some(src) = disk.child_mut("source") {
        if ty == "network" {
            let proto = src.attr("protocol").unwrap_or("").to_string();
            // An iSCSI target without a LUN means LUN 0.
            if proto == "iscsi" {
                if let Some(name) = src.attr("name").map(str::to_string) {
                    if !name.contains('/') {
                        src.set_attr("name", &format!("{name}/0"));
                    }
                }
            }
            for host in src.children.iter_mut().filter(|c| c.name == "host") {
                if !host.has_attr("port") && host.attr("transport").is_none_or(|t| t == "tcp") {
                    if let Some(p) = default_network_port(&proto) {
                        host.set_attr("port", p);
                    }
                }
            }
        }
    }
}

/// Ports `virStorageSourceNetworkDefaultPort` fills in for network disks.
pub(super) fn default_network_port(protocol: &str) -> Option<&'static str> {
    match protocol {
        "http" => Some("80"),
        "https" => Some("443"),
        "ftp" => Some("21"),
        "ftps" => Some("990"),
        "tftp" => Some("69"),
        "iscsi" => Some("3260"),
        "gluster" => Some("24007"),
        "nbd" => Some("10809"),
        "ssh" => Some("22"),
        "sheepdog" => Some("7000"),
        "rbd" => None,
        _ => None,
    }
}

/// Per-device `<seclabel>` under a source: one that only restates the defaults (relabel,
/// no label) carries nothing and is not printed.
pub(super) fn device_seclabels(dev: &mut Element) {
    for src in dev.children.iter_mut().filter(|c| c.name == "source") {
        for sl in src.children.iter_mut().filter(|c| c.name == "seclabel") {
            if sl.child("label").is_some() && !sl.has_attr("relabel") {
                sl.set_attr("relabel", "yes");
            }
        }
        src.children.retain(|c| {
            c.name != "seclabel"
                || c.attr("relabel") == Some("no")
                || c.attr("labelskip") == Some("yes")
                || c.child("label").is_some()
        });
    }
}

/// `-1` means "any" and is not printed; ids are printed in libvirt's hex forms.
pub(super) fn redirfilter_defaults(filter: &mut Element) {
    for dev in filter.children.iter_mut() {
        for key in ["class", "vendor", "product", "version"] {
            if dev.attr(key) == Some("-1") {
                dev.remove_attr(key);
            }
        }
        set_fmt(dev, "class", |v| format!("0x{v:02x}"));
        set_fmt(dev, "vendor", |v| format!("0x{v:04X}"));
        set_fmt(dev, "product", |v| format!("0x{v:04X}"));
    }
}

pub(super) fn rng_defaults(rng: &mut Element) {
    if let Some(b) = rng.child_mut("backend") {
        if b.attr("model") == Some("random") {
            let empty = b.text.as_deref().is_none_or(|t| t.is_empty());
            if empty {
                b.text = Some("/dev/random".into());
            }
        } else {
            b.text = None;
            if b.attr("model") == Some("egd") {
                chr_source_defaults(b);
            }
        }
    }
}

pub(super) fn filesystem_defaults(fs: &mut Element) {
    if !fs.has_attr("type") {
        fs.set_attr("type", "mount");
    }
    let ty = fs.attr("type").unwrap_or("mount").to_string();
    if let Some(src) = fs.child_mut("source") {
        let keep: &[&str] = match ty.as_str() {
            "mount" | "bind" => &["dir", "socket"],
            "block" => &["dev"],
            "file" => &["file"],
            "template" => &["name"],
            "ram" => &["usage", "units"],
            "volume" => &["pool", "volume"],
            _ => &[],
        };
        src.attrs.retain(|(k, _)| keep.contains(&k.as_str()));
        if ty == "ram" {
            // RAM file systems are sized in KiB.
            if let Some(v) = src.attr("usage").and_then(parse_ull) {
                let kib = crate::domain::parse::scale_to_bytes(v, src.attr("units"), 1024)
                    .unwrap_or(0)
                    .div_ceil(1024);
                src.set_attr("usage", &kib.to_string());
                src.set_attr("units", "KiB");
            }
        }
    }
    // File and directory modes print as four octal digits.
    for mode in ["fmode", "dmode"] {
        if let Some(bits) = fs.attr(mode).and_then(|m| u32::from_str_radix(m, 8).ok()) {
            fs.set_attr(mode, &format!("{bits:04o}"));
        }
    }
    // virtiofs settings only mean something with the virtiofs driver.
    let virtiofs = fs.child_attr("driver", "type") == Some("virtiofs");
    if !virtiofs {
        fs.remove_children("binary");
        if let Some(d) = fs.child_mut("driver") {
            d.remove_attr("queue");
        }
    }
    if fs.child("driver").is_some_and(|d| d.is_empty()) {
        fs.remove_children("driver");
    }
    for limit in ["space_hard_limit", "space_soft_limit"] {
        if let Some(l) = fs.child_mut(limit) {
            if let Some(v) = l.text.as_deref().and_then(|t| parse_ull(t.trim())) {
                let bytes = crate::domain::parse::scale_to_bytes(v, l.attr("unit"), 1).unwrap_or(0);
                l.text = Some(bytes.to_string());
                l.set_attr("unit", "bytes");
            }
        }
    }
    let has_socket = fs.child_attr("source", "socket").is_some();
    if !fs.has_attr("accessmode") && !has_socket {
        fs.set_attr("accessmode", "passthrough");
    }
}

pub(super) fn vsock_defaults(vsock: &mut Element) {
    let cid = vsock.child_or_insert("cid");
    if !cid.has_attr("auto") {
        let explicit = cid.attr("address").and_then(parse_ull).unwrap_or(0) != 0;
        cid.set_attr("auto", if explicit { "no" } else { "yes" });
    }
}

pub(super) fn input_defaults(input: &mut Element, os_type: &str, arch: &str, virt_type: &str) {
    if input.has_attr("bus") {
        return;
    }
    let ty = input.attr("type").unwrap_or("");
    let x86 = matches!(arch, "i686" | "x86_64" | "");
    let bus = if os_type == "hvm" {
        if (ty == "mouse" || ty == "keyboard") && x86 {
            Some("ps2")
        } else if arch.starts_with("s390") || ty == "passthrough" {
            Some("virtio")
        } else if ty == "evdev" {
            None
        } else {
            Some("usb")
        }
    } else if os_type == "xen" || os_type == "xenpvh" || os_type == "linux" {
        Some("xen")
    } else if virt_type == "vz" || virt_type == "parallels" {
        Some("parallels")
    } else {
        None
    };
    if let Some(b) = bus {
        input.set_attr("bus", b);
    }
}

pub(super) fn hostdev_defaults(hostdev: &mut Element) {
    if !hostdev.has_attr("mode") {
        hostdev.set_attr("mode", "subsystem");
    }
    let ty = hostdev.attr("type").unwrap_or("").to_string();
    if hostdev.attr("mode") != Some("subsystem") {
        // Capabilities (container) host devices have no managed/driver notion.
        hostdev.remove_attr("managed");
        hostdev.remove_children("driver");
        return;
    }
    if !hostdev.has_attr("managed") {
        hostdev.set_attr("managed", "no");
    }
    if ty != "pci" {
        hostdev.remove_children("driver");
    }
    if ty == "usb" {
        // USB bus and device numbers are printed in decimal.
        if let Some(src) = hostdev.child_mut("source") {
            for addr in src.children.iter_mut().filter(|c| c.name == "address") {
                set_fmt(addr, "bus", |v| v.to_string());
                set_fmt(addr, "device", |v| v.to_string());
            }
        }
    }
}

/// Smartcards: only passthrough ones have a character backend.
pub(super) fn smartcard_defaults(card: &mut Element) {
    if card.attr("mode") != Some("passthrough") {
        card.remove_attr("type");
        card.remove_children("source");
        card.remove_children("protocol");
    } else {
        chr_source_defaults(card);
    }
    if card.attr("mode") != Some("host-certificates") {
        card.remove_children("certificate");
        card.remove_children("database");
    }
}

/// TPM backends: a passthrough device defaults to `/dev/tpm0`; emulator settings belong to
/// the emulator.
pub(super) fn tpm_defaults(tpm: &mut Element) {
    let Some(backend) = tpm.child_mut("backend") else {
        return;
    };
    match backend.attr("type").unwrap_or("") {
        "passthrough" => {
            backend.attrs.retain(|(k, _)| k == "type");
            backend.children.retain(|c| c.name == "device");
            let dev = backend.child_or_insert("device");
            if !dev.has_attr("path") {
                dev.set_attr("path", "/dev/tpm0");
            }
        }
        "emulator" => backend.remove_children("device"),
        _ => {
            backend.remove_children("device");
            backend.remove_children("encryption");
            backend.remove_children("active_pcr_banks");
        }
    }
}
