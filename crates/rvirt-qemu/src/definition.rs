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
    DomainDef::parse_for_driver(xml, ParseOptions { live }, Some(host_arch()), |def| {
        post_parse(def, xml, caps_for)
    })
}

/// libvirt's QEMU post-parse (`qemuDomainDefPostParse` and address assignment): what the
/// driver adds and checks once the generic defaults are in, before validation.
fn post_parse(
    def: &mut DomainDef,
    xml: &str,
    caps_for: &dyn Fn(&Path) -> Result<std::sync::Arc<EmulatorCaps>>,
) -> Result<()> {
    if !matches!(def.virt_type.as_str(), "qemu" | "kvm") {
        return Err(Error::new(
            ErrorDomain::Qemu,
            ErrorCode::ConfigUnsupported,
            format!(
                "Emulator '{}' does not support virt type '{}'",
                emulator_of(def).unwrap_or_default(),
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
    let emulator = match emulator_of(def) {
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
    if emulator_of(def).is_none() {
        def.devices
            .insert(0, Element::new("emulator").with_text(&emulator));
    }
    if has_seclabel_without_model(xml) {
        // libvirtd runs more than one security driver, so a label must name its own.
        return Err(Error::new(
            ErrorDomain::Domain,
            ErrorCode::XmlError,
            "missing security model in domain seclabel",
        ));
    }
    let machine = match def.os.machine.clone() {
        None => caps.default_machine().map(str::to_string),
        Some(m) => match caps.canonical_machine(&m) {
            Some(c) => Some(c.to_string()),
            // A PC-family name still gets its PCI buses, so libvirt only rejects it when
            // validating; anything else leaves no PCI bus for the devices it places.
            None if is_pc_family(&m) => {
                return Err(Error::new(
                    ErrorDomain::Qemu,
                    ErrorCode::ConfigUnsupported,
                    format!("Emulator '{emulator}' does not support machine type '{m}'"),
                ))
            }
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
            def,
            &arch,
            machine.as_deref().unwrap_or(""),
            user_controllers,
        );
        panic_defaults(def, xml);
    }
    for c in def.devices.iter_mut().filter(|d| d.name == "controller") {
        if c.attr("type") == Some("scsi") && c.attr("model").is_none() {
            c.set_attr("model", "lsilogic");
        }
    }
    disk_driver_defaults(def);
    if let Some(m) = machine {
        // Addresses are part of the definition, as libvirt assigns them at define time.
        if matches!(arch.as_str(), "x86_64" | "i686") {
            crate::address::assign(def, &caps, &m)?;
        } else {
            let plan = crate::devices::plan(def, &caps, &m)?;
            crate::devices::annotate_addresses(def, &plan, EmulatorCaps::is_q35(&m));
        }
    }
    validate_launch_security(def, &caps)?;
    validate_memory_hotplug(def)?;
    Ok(())
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
        cpu_mode_defaults(cpu, check);
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
    // The root bus is controller 0; PCI controllers the document names are further buses.
    let has_root = def
        .devices_of("controller")
        .any(|c| c.attr("type") == Some("pci") && c.attr("index").unwrap_or("0") == "0");
    if !has_root {
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
        // The first display decides: SPICE carries the guest's sound itself, anything
        // else gets no host audio (libvirt's default `vnc_allow_host_audio = 0`).
        let graphics: Vec<&str> = def
            .devices_of("graphics")
            .filter_map(|g| g.attr("type"))
            .collect();
        let backend = match graphics.first() {
            _ if graphics.contains(&"sdl") => None,
            Some(&"spice") => Some("spice"),
            _ => Some("none"),
        };
        if let Some(backend) = backend {
            def.devices.push(
                Element::new("audio")
                    .with_attr("id", "1")
                    .with_attr("type", backend),
            );
        }
    }
    device_model_defaults(def);
    // A USB controller the document names without a model is a PIIX3 UHCI; only the
    // implicit one of a q35 machine is USB3.
    for c in def.devices.iter_mut().filter(|d| d.name == "controller") {
        if c.attr("type") == Some("usb") && c.attr("model").is_none() {
            c.set_attr("model", "piix3-uhci");
        }
    }
    for serial in def.devices.iter_mut().filter(|d| d.name == "serial") {
        let target = serial.child_or_insert("target");
        if target.attr("type").is_none() {
            target.set_attr("type", "isa-serial");
        }
        // Each serial target type has one device model on x86.
        let model = match target.attr("type") {
            Some(t @ ("isa-serial" | "usb-serial" | "pci-serial")) => Some(t),
            Some("isa-debug") => Some("isa-debugcon"),
            _ => None,
        };
        if let Some(model) = model {
            if target.child("model").is_none() {
                let model = Element::new("model").with_attr("name", model);
                target.children.push(model);
            }
        }
    }
}

fn unsupported(message: String) -> Error {
    Error::new(ErrorDomain::Qemu, ErrorCode::ConfigUnsupported, message)
}

/// SEV needs KVM on an AMD host with QEMU's `sev-guest` object.
fn validate_launch_security(def: &DomainDef, caps: &EmulatorCaps) -> Result<()> {
    let Some(security) = def.section("launchSecurity") else {
        return Ok(());
    };
    if security.attr("type") == Some("sev") && !caps.kvm {
        return Err(unsupported(
            "SEV launch security is not supported with this QEMU binary".into(),
        ));
    }
    Ok(())
}

/// `<maxMemory>` needs guest NUMA nodes, and its slots bound the memory devices.
fn validate_memory_hotplug(def: &DomainDef) -> Result<()> {
    let Some(max_memory) = def.section("maxMemory") else {
        return Ok(());
    };
    let numa_cells = def
        .section("cpu")
        .and_then(|cpu| cpu.child("numa"))
        .map_or(0, |numa| {
            numa.children.iter().filter(|c| c.name == "cell").count()
        });
    if numa_cells == 0 {
        return Err(unsupported(
            "At least one numa node has to be configured when enabling memory hotplug".into(),
        ));
    }
    let slots: usize = max_memory
        .attr("slots")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let devices = def.devices_of("memory").count();
    if devices > slots {
        return Err(unsupported(format!(
            "memory device count '{devices}' exceeds slots count '{slots}'"
        )));
    }
    Ok(())
}

/// Machine names libvirt recognises as i440FX or Q35 by their shape alone.
fn is_pc_family(machine: &str) -> bool {
    matches!(machine, "pc" | "q35")
        || ["pc-i440fx-", "pc-q35", "pc-0.", "pc-1."]
            .iter()
            .any(|p| machine.starts_with(p))
}

/// A read-only pflash firmware keeps its variables in a per-guest store under the
/// driver's NVRAM directory, named after the guest as libvirt names it.
pub fn assign_nvram_path(def: &mut DomainDef, nvram_dir: &Path) {
    let path = nvram_dir.join(format!("{}_VARS.fd", def.name));
    let Some(os) = def.sections.iter_mut().find(|s| s.name == "os") else {
        return;
    };
    if os.child("nvram").is_some() {
        return;
    }
    let Some(at) = os.children.iter().position(|c| {
        c.name == "loader"
            && c.attr("type") == Some("pflash")
            && c.attr("readonly") == Some("yes")
            && c.attr("stateless") != Some("yes")
    }) else {
        return;
    };
    os.children.insert(
        at + 1,
        Element::new("nvram").with_text(&path.to_string_lossy()),
    );
}

/// Per-device values libvirt's QEMU driver fills in: QXL's VGA memory and the emulated
/// TPM's version.
fn device_model_defaults(def: &mut DomainDef) {
    for video in def.devices.iter_mut().filter(|d| d.name == "video") {
        if let Some(model) = video.children.iter_mut().find(|c| c.name == "model") {
            if model.attr("type") == Some("qxl") && model.attr("vgamem").is_none() {
                model.set_attr("vgamem", "16384");
            }
        }
    }
    for shmem in def.devices.iter_mut().filter(|d| d.name == "shmem") {
        // ivshmem's historical default size; a doorbell's memory comes from its server.
        let doorbell = shmem.child_attr("model", "type") == Some("ivshmem-doorbell");
        if !doorbell && shmem.child("size").is_none() {
            let size = Element::new("size").with_attr("unit", "M").with_text("4");
            shmem.children.push(size);
        }
        // A doorbell without MSI settings gets libvirt's: ioeventfd on.
        if doorbell && shmem.child("msi").is_none() {
            shmem
                .children
                .push(Element::new("msi").with_attr("ioeventfd", "on"));
        }
    }
    for tpm in def.devices.iter_mut().filter(|d| d.name == "tpm") {
        if let Some(backend) = tpm.children.iter_mut().find(|c| c.name == "backend") {
            if backend.attr("type") == Some("emulator") && backend.attr("version").is_none() {
                backend.set_attr("version", "2.0");
            }
        }
    }
}

/// libvirt's CPU post-parse: the check level each mode implies, host-passthrough's
/// migratability (QEMU 7.2 has `migratable`), and a named model's fallback.
fn cpu_mode_defaults(cpu: &mut Element, custom_check: &str) {
    let mode = cpu.attr("mode").unwrap_or("custom").to_string();
    let check = match mode.as_str() {
        "host-passthrough" | "maximum" => Some("none"),
        "host-model" => Some("partial"),
        _ if cpu.child("model").is_some() => Some(custom_check),
        _ => None,
    };
    if let Some(check) = check {
        if cpu.attr("check").is_none() {
            cpu.set_attr("check", check);
        }
    }
    if mode == "host-passthrough" && cpu.attr("migratable").is_none() {
        cpu.set_attr("migratable", "on");
    }
    if mode == "custom" {
        if let Some(model) = cpu.children.iter_mut().find(|c| c.name == "model") {
            if model.attr("fallback").is_none() {
                model.set_attr("fallback", "allow");
            }
        }
    }
}

/// Whether the document has a domain `<seclabel>` without `model=` (the generic parser
/// drops those, as the test driver has no security driver to name).
fn has_seclabel_without_model(xml: &str) -> bool {
    roxmltree::Document::parse(xml).is_ok_and(|doc| {
        doc.root_element()
            .children()
            .any(|n| n.has_tag_name("seclabel") && n.attribute("model").is_none())
    })
}

/// x86 panic devices without a model are ISA `pvpanic` ports. The generic parser drops a
/// bare `<panic/>` (nothing in it survives without a driver), so the document decides.
fn panic_defaults(def: &mut DomainDef, xml: &str) {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return;
    };
    let Some(devices) = doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name("devices"))
    else {
        return;
    };
    let written: Vec<bool> = devices
        .children()
        .filter(|n| n.has_tag_name("panic"))
        .map(|n| n.attribute("model").is_some() || n.children().any(|c| c.has_tag_name("address")))
        .collect();
    if written.iter().all(|kept| *kept) {
        return;
    }
    let mut kept = def.devices.iter().filter(|d| d.name == "panic").cloned();
    let panics: Vec<Element> = written
        .iter()
        .filter_map(|was_kept| {
            if *was_kept {
                kept.next()
            } else {
                Some(Element::new("panic").with_attr("model", "isa"))
            }
        })
        .collect();
    let at = def
        .devices
        .iter()
        .position(|d| d.name == "panic")
        .unwrap_or(def.devices.len());
    def.devices.retain(|d| d.name != "panic");
    let at = at.min(def.devices.len());
    for (i, p) in panics.into_iter().enumerate() {
        def.devices.insert(at + i, p);
    }
    for p in def.devices.iter_mut().filter(|d| d.name == "panic") {
        if p.attr("model").is_none() {
            p.set_attr("model", "isa");
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
        // Local images are never probed: their format defaults to raw.
        let local = matches!(disk.attr("type").unwrap_or("file"), "file" | "block");
        let driver = disk.child_or_insert("driver");
        if driver.attr("name").is_none() {
            driver.set_attr("name", "qemu");
        }
        if (empty || local) && driver.attr("type").is_none() {
            driver.set_attr("type", "raw");
        }
    }
}
