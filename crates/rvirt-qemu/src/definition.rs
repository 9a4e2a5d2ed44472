//! The QEMU driver's parse step: libvirt's generic post-parse (from rvirt-xml) with the
//! host's architecture as default, then what libvirt's QEMU post-parse adds: the emulator,
//! the canonical machine type, the default memory balloon; and the checks it makes
//! against the emulator's capabilities.

use std::path::Path;

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, Element, ParseOptions};

use crate::probe::{self, EmulatorCaps};

/// The host architecture in libvirt's spelling.
pub fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86" => "i686",
        "powerpc64" => "ppc64",
        other => other,
    }
}

/// The `<emulator>` a definition names, if any.
pub fn emulator_of(def: &DomainDef) -> Option<String> {
    def.devices_of("emulator")
        .next()
        .and_then(|e| e.text.clone())
        .filter(|t| !t.is_empty())
}

/// Parses and completes a definition for this driver. `caps_for` probes (or fetches from
/// cache) an emulator binary.
pub fn parse(
    xml: &str,
    live: bool,
    caps_for: &dyn Fn(&Path) -> Result<std::sync::Arc<EmulatorCaps>>,
) -> Result<DomainDef> {
    let mut def =
        DomainDef::parse_with_default_arch(xml, ParseOptions { live }, Some(host_arch()))?;
    if !matches!(def.virt_type.as_str(), "qemu" | "kvm") {
        return Err(Error::new(
            ErrorDomain::Qemu,
            ErrorCode::ConfigUnsupported,
            format!(
                "Emulator '{}' does not support virt type '{}'",
                emulator_of(&def).unwrap_or_default(),
                def.virt_type
            ),
        ));
    }
    if def.os.os_type != "hvm" {
        return Err(Error::new(
            ErrorDomain::Capabilities,
            ErrorCode::InvalidArg,
            format!(
                "could not find capabilities for arch={} domaintype={} ",
                def.os.arch.clone().unwrap_or_default(),
                def.virt_type
            ),
        ));
    }
    let arch = def
        .os
        .arch
        .clone()
        .unwrap_or_else(|| host_arch().to_string());
    let emulator = match emulator_of(&def) {
        Some(e) => e,
        None => probe::emulator_for_arch(&arch)
            .map(|p| p.to_string_lossy().into_owned())
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::Capabilities,
                    ErrorCode::InvalidArg,
                    format!(
                        "could not find capabilities for arch={arch} domaintype={} ",
                        def.virt_type
                    ),
                )
            })?,
    };
    let caps = caps_for(Path::new(&emulator))?;
    if caps.arch != arch {
        return Err(Error::new(
            ErrorDomain::Capabilities,
            ErrorCode::InvalidArg,
            format!(
                "could not find capabilities for arch={arch} domaintype={} ",
                def.virt_type
            ),
        ));
    }
    if def.virt_type == "kvm" && !caps.kvm {
        return Err(Error::new(
            ErrorDomain::Capabilities,
            ErrorCode::InvalidArg,
            format!("could not find capabilities for arch={arch} domaintype=kvm "),
        ));
    }
    if emulator_of(&def).is_none() {
        def.devices
            .insert(0, Element::new("emulator").with_text(&emulator));
    }
    let machine = match def.os.machine.clone() {
        None => caps.default_machine().map(str::to_string),
        Some(m) => match caps.canonical_machine(&m) {
            Some(c) => Some(c.to_string()),
            // libvirt then finds no PCI bus for the devices it places.
            None => {
                return Err(Error::new(
                    ErrorDomain::Domain,
                    ErrorCode::XmlError,
                    "No PCI buses available",
                ))
            }
        },
    };
    def.os.machine = machine.clone();
    if def.devices_of("memballoon").next().is_none() {
        def.devices
            .push(Element::new("memballoon").with_attr("model", "virtio"));
    }
    for iface in def.devices.iter_mut().filter(|d| d.name == "interface") {
        if iface.child("model").is_none() {
            iface
                .children
                .push(Element::new("model").with_attr("type", "rtl8139"));
        }
    }
    if matches!(arch.as_str(), "x86_64" | "i686") {
        let user_controllers = count_user_controllers(xml);
        x86_defaults(
            &mut def,
            &arch,
            machine.as_deref().unwrap_or(""),
            user_controllers,
        );
    }
    for c in def.devices.iter_mut().filter(|d| d.name == "controller") {
        if c.attr("type") == Some("scsi") && c.attr("model").is_none() {
            c.set_attr("model", "lsilogic");
        }
    }
    disk_driver_defaults(&mut def);
    if let Some(m) = machine {
        // Addresses are part of the definition, as libvirt assigns them at define time.
        let plan = crate::devices::plan(&def, &caps, &m)?;
        crate::devices::annotate_addresses(&mut def, &plan, EmulatorCaps::is_q35(&m));
    }
    Ok(def)
}

/// What libvirt's QEMU driver adds to x86 guests: the machine's default CPU model, the
/// implicit USB and PCI root controllers, the PS/2 input devices, a silent audio backend,
/// and ISA serial targets.
fn x86_defaults(def: &mut DomainDef, arch: &str, machine: &str, user_controllers: usize) {
    let check = if def.virt_type == "kvm" {
        "partial"
    } else {
        "none"
    };
    if let Some(cpu) = def.sections.iter_mut().find(|s| s.name == "cpu") {
        if cpu.attr("mode").unwrap_or("custom") == "custom"
            && cpu.attr("check").is_none()
            && cpu.child("model").is_some()
        {
            cpu.set_attr("check", check);
        }
    }
    if def.section("cpu").is_none() {
        let model = if arch == "i686" { "qemu32" } else { "qemu64" };
        def.sections.push(
            Element::new("cpu")
                .with_attr("mode", "custom")
                .with_attr("match", "exact")
                .with_attr("check", "none")
                .with_child(
                    Element::new("model")
                        .with_attr("fallback", "forbid")
                        .with_text(model),
                ),
        );
    }
    let q35 = EmulatorCaps::is_q35(machine);
    let has_controller = |def: &DomainDef, kind: &str| {
        def.devices_of("controller")
            .any(|c| c.attr("type") == Some(kind))
    };
    let mut implicit = Vec::new();
    if !has_controller(def, "usb") {
        implicit.push(
            Element::new("controller")
                .with_attr("type", "usb")
                .with_attr("index", "0")
                .with_attr("model", if q35 { "qemu-xhci" } else { "piix3-uhci" }),
        );
    }
    if q35 {
        // q35's ICH9 has a built-in AHCI controller; libvirt lists it right after USB, also
        // when a SATA disk already implied it.
        let implied = def
            .devices
            .iter()
            .enumerate()
            .filter(|(_, d)| d.name == "controller")
            .skip(user_controllers)
            .find(|(_, d)| d.attr("type") == Some("sata") && d.attr("index").unwrap_or("0") == "0")
            .map(|(i, _)| i);
        if let Some(i) = implied {
            implicit.push(def.devices.remove(i));
        } else if !has_controller(def, "sata") {
            implicit.push(
                Element::new("controller")
                    .with_attr("type", "sata")
                    .with_attr("index", "0"),
            );
        }
    }
    if !has_controller(def, "pci") {
        implicit.push(
            Element::new("controller")
                .with_attr("type", "pci")
                .with_attr("index", "0")
                .with_attr("model", if q35 { "pcie-root" } else { "pci-root" }),
        );
    }
    // After the controllers the document names, before those the generic step implied.
    let at = def
        .devices
        .iter()
        .enumerate()
        .filter(|(_, d)| d.name == "controller")
        .nth(user_controllers)
        .map(|(i, _)| i)
        .unwrap_or(def.devices.len());
    for (i, c) in implicit.into_iter().enumerate() {
        def.devices.insert(at + i, c);
    }
    for kind in ["mouse", "keyboard"] {
        let present = def
            .devices_of("input")
            .any(|d| d.attr("type") == Some(kind) && d.attr("bus") == Some("ps2"));
        if !present {
            def.devices.push(
                Element::new("input")
                    .with_attr("type", kind)
                    .with_attr("bus", "ps2"),
            );
        }
    }
    if def.devices_of("audio").next().is_none() {
        def.devices.push(
            Element::new("audio")
                .with_attr("id", "1")
                .with_attr("type", "none"),
        );
    }
    for serial in def.devices.iter_mut().filter(|d| d.name == "serial") {
        let target = serial.child_or_insert("target");
        if target.attr("type").is_none() {
            target.set_attr("type", "isa-serial");
        }
        if target.attr("type") == Some("isa-serial") && target.child("model").is_none() {
            target
                .children
                .push(Element::new("model").with_attr("name", "isa-serial"));
        }
    }
}

/// How many `<controller>` elements the document itself has.
fn count_user_controllers(xml: &str) -> usize {
    roxmltree::Document::parse(xml)
        .ok()
        .and_then(|doc| {
            let devices = doc
                .root_element()
                .children()
                .find(|n| n.has_tag_name("devices"))?;
            Some(
                devices
                    .children()
                    .filter(|n| n.has_tag_name("controller"))
                    .count(),
            )
        })
        .unwrap_or(0)
}

/// Every disk is driven by QEMU; an empty drive is raw.
fn disk_driver_defaults(def: &mut DomainDef) {
    for disk in def.devices.iter_mut().filter(|d| d.name == "disk") {
        let empty = disk.child("source").is_none();
        let driver = disk.child_or_insert("driver");
        if driver.attr("name").is_none() {
            driver.set_attr("name", "qemu");
        }
        if empty && driver.attr("type").is_none() {
            driver.set_attr("type", "raw");
        }
    }
}
