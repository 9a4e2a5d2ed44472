//! Printing `<domain>` in libvirt's canonical layout.

use super::schema::{devices_spec, spec};
use super::tree::{write_at, write_with_lead, Element};
use super::{DomainDef, FormatOptions};
use crate::writer::XmlWriter;

pub fn format(def: &DomainDef, opts: FormatOptions) -> String {
    // A formatted domain is a few KiB; starting there spares the buffer's regrowth.
    let mut w = XmlWriter::with_capacity(4096);
    let id = match def.id {
        Some(id) if !opts.inactive => Some(id.to_string()),
        _ => None,
    };
    w.open(
        "domain",
        &[
            ("type", Some(def.virt_type.as_str())),
            ("id", id.as_deref()),
        ],
    );
    let order = spec("domain").map(|s| s.children).unwrap_or(&[]);
    // One path buffer for every modelled section.
    let mut path = String::with_capacity(64);
    for name in order {
        match *name {
            "name" => w.text("name", &[], &def.name),
            "uuid" => w.text("uuid", &[], &def.uuid.hyphenated().to_string()),
            "title" => w.opt_text("title", def.title.as_deref()),
            "description" => w.opt_text("description", def.description.as_deref()),
            "metadata" => {
                if let Some(md) = &def.metadata {
                    w.open("metadata", &[]);
                    w.raw_lines(md);
                    w.close("metadata");
                }
            }
            "memory" => w.value(
                "memory",
                &[
                    ("unit", Some("KiB")),
                    ("dumpCore", def.memory_dump_core.as_deref()),
                ],
                def.memory,
            ),
            "currentMemory" => w.value(
                "currentMemory",
                &[("unit", Some("KiB"))],
                def.current_memory,
            ),
            "vcpu" => {
                let current =
                    (def.current_vcpus != def.vcpus).then(|| def.current_vcpus.to_string());
                w.value(
                    "vcpu",
                    &[
                        ("placement", Some(def.vcpu_placement.placement.as_str())),
                        ("cpuset", def.vcpu_placement.cpuset.as_deref()),
                        ("current", current.as_deref()),
                    ],
                    def.vcpus,
                );
            }
            "os" => format_os(&mut w, def),
            "on_poweroff" => w.text("on_poweroff", &[], &def.lifecycle.on_poweroff),
            "on_reboot" => w.text("on_reboot", &[], &def.lifecycle.on_reboot),
            "on_crash" => w.text("on_crash", &[], &def.lifecycle.on_crash),
            "on_lockfailure" => {
                w.opt_text("on_lockfailure", def.lifecycle.on_lockfailure.as_deref())
            }
            "devices" => format_devices(&mut w, def, opts),
            other => {
                for s in def.sections.iter().filter(|s| s.name == other) {
                    path.clear();
                    path.push_str("domain/");
                    path.push_str(other);
                    write_at(&mut w, s, &mut path);
                }
            }
        }
    }
    w.close("domain");
    w.finish()
}

fn format_os(w: &mut XmlWriter, def: &DomainDef) {
    // libvirt prints Xen PV guests' OS type under its historical name.
    let os_type = if def.virt_type == "xen" && def.os.os_type == "xen" {
        "linux"
    } else {
        def.os.os_type.as_str()
    };
    let mut ty = Element::new("type").with_text(os_type);
    if let Some(a) = &def.os.arch {
        ty.set_attr("arch", a);
    }
    if let Some(m) = &def.os.machine {
        ty.set_attr("machine", m);
    }
    let empty_os;
    let os = match def.section("os") {
        Some(os) => os,
        None => {
            empty_os = Element::new("os");
            &empty_os
        }
    };
    // The OS type is printed as the section's first <type>, without copying the section.
    let mut path = String::from("domain/os");
    write_with_lead(w, os, Some(&ty), &mut path);
}

fn format_devices(w: &mut XmlWriter, def: &DomainDef, opts: FormatOptions) {
    w.open("devices", &[]);
    // Devices are kept grouped by kind in print order (see postparse::canonicalize); a
    // stable sort keeps that true for definitions drivers built or changed by hand.
    let order = devices_spec().children;
    let rank = |name: &str| order.iter().position(|k| *k == name).unwrap_or(usize::MAX);
    let mut devices: Vec<&Element> = def.devices.iter().collect();
    if !super::tree::follows_order(devices.iter().map(|d| d.name.as_str()), order) {
        devices.sort_by_cached_key(|d| rank(&d.name));
    }
    // One path buffer for every device.
    let mut path = String::with_capacity(128);
    for dev in devices {
        if !order.contains(&dev.name.as_str()) {
            continue;
        }
        path.clear();
        path.push_str("domain/devices/");
        path.push_str(&dev.name);
        match shown_device(dev, opts) {
            Some(shown) => write_at(w, &shown, &mut path),
            None => write_at(w, dev, &mut path),
        }
    }
    w.close("devices");
}

/// What of a device the flags hide: secrets (passwords, cookies) unless
/// `VIR_DOMAIN_XML_SECURE`, runtime names (aliases other than user aliases, agent state)
/// with `VIR_DOMAIN_XML_INACTIVE`. `None` when the device prints as it is.
fn shown_device(dev: &Element, opts: FormatOptions) -> Option<Element> {
    let cookies = dev
        .child("source")
        .is_some_and(|src| src.child("cookies").is_some());
    let hide_cookies = dev.name == "disk" && !opts.secure && cookies;
    let hide_passwd = dev.name == "graphics" && !opts.secure && dev.has_attr("passwd");
    let runtime_alias = dev
        .children_named("alias")
        .any(|a| !a.attr("name").is_some_and(|n| n.starts_with("ua-")));
    let agent_state = dev.name == "channel" && dev.child_attr("target", "state").is_some();
    let hide_runtime = opts.inactive && (runtime_alias || agent_state);
    if !(hide_cookies || hide_passwd || hide_runtime) {
        return None;
    }
    let mut shown = dev.clone();
    if hide_cookies {
        if let Some(src) = shown.child_mut("source") {
            src.remove_children("cookies");
        }
    }
    if hide_passwd {
        shown.remove_attr("passwd");
    }
    if hide_runtime {
        shown
            .children
            .retain(|c| c.name != "alias" || c.attr("name").is_some_and(|n| n.starts_with("ua-")));
        if dev.name == "channel" {
            if let Some(t) = shown.child_mut("target") {
                t.remove_attr("state");
            }
        }
    }
    Some(shown)
}
