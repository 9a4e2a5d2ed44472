//! Reading `<domain>`: the typed scalars, the schema-filtered sections and the devices.

use roxmltree::Node;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result, Uuid};

use super::schema::{devices_spec, spec};
use super::tree::{from_node_at, Element};
use super::{metadata, DomainDef, ParseOptions};
use crate::parse::{expect_root, parse_document, NodeExt};

/// Hypervisor types libvirt 9.0 knows (`virDomainVirt`).
const VIRT_TYPES: &[&str] = &[
    "none",
    "qemu",
    "kqemu",
    "kvm",
    "xen",
    "lxc",
    "uml",
    "openvz",
    "test",
    "vmware",
    "hyperv",
    "vbox",
    "phyp",
    "parallels",
    "bhyve",
    "vz",
    "ch",
    "hvf",
];

/// Top-level elements held in typed fields rather than in `sections`.
const TYPED_TOP: &[&str] = &[
    "name",
    "genid",
    "uuid",
    "title",
    "description",
    "metadata",
    "memory",
    "currentMemory",
    "vcpu",
    "on_poweroff",
    "on_reboot",
    "on_crash",
    "on_lockfailure",
    "devices",
];

pub fn parse(xml: &str, opts: ParseOptions) -> Result<DomainDef> {
    let doc = parse_document(xml, "domain_definition", ErrorDomain::Domain)?;
    let root = expect_root(&doc, "domain")?;
    let mut def = DomainDef::default();

    if opts.live {
        if let Some(id) = root.attr("id") {
            def.id = id.parse().ok();
        }
    }

    def.name = match root.child_text("name") {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => return Err(Error::bare(ErrorDomain::Domain, ErrorCode::NoName)),
    };
    let virt_type = root
        .attr("type")
        .ok_or_else(|| Error::internal(ErrorDomain::Domain, "missing domain type attribute"))?;
    if !VIRT_TYPES.contains(&virt_type) {
        return Err(Error::config_unsupported(
            ErrorDomain::Domain,
            format!("invalid domain type {virt_type}"),
        ));
    }
    def.virt_type = virt_type.to_string();
    def.uuid = match root.child_text("uuid") {
        None => Uuid::new_v4(),
        Some(text) => parse_uuid(text)
            .ok_or_else(|| Error::internal(ErrorDomain::Domain, "malformed uuid element"))?,
    };
    if let Some(g) = root.child("genid") {
        let text = g.text().unwrap_or("").trim();
        let genid = if text.is_empty() {
            Uuid::new_v4()
        } else {
            parse_uuid(text).ok_or_else(|| {
                Error::xml(
                    ErrorDomain::Domain,
                    format!("malformed genid element: {text}"),
                )
            })?
        };
        def.sections
            .push(Element::new("genid").with_text(&genid.hyphenated().to_string()));
    }
    def.title = root.child_text("title").map(str::to_string);
    if let Some(t) = &def.title {
        if t.contains('\n') {
            return Err(Error::xml(
                ErrorDomain::Domain,
                "Domain title can't contain newlines",
            ));
        }
    }
    def.description = root.child("description").map(|d| d.text_content());
    if let Some(md) = root.child("metadata") {
        def.metadata = metadata::format_metadata(md);
    }

    parse_memory(root, &mut def)?;
    parse_vcpu(root, &mut def)?;
    parse_os_type(root, &mut def)?;

    def.lifecycle.on_poweroff = root.child_text("on_poweroff").unwrap_or("").to_string();
    def.lifecycle.on_reboot = root.child_text("on_reboot").unwrap_or("").to_string();
    def.lifecycle.on_crash = root.child_text("on_crash").unwrap_or("").to_string();
    def.lifecycle.on_lockfailure = root.child_text("on_lockfailure").map(str::to_string);

    check_features(root)?;
    let domain_spec = spec("domain").map(|s| s.children).unwrap_or(&[]);
    // One path buffer for every section and device.
    let mut path = String::with_capacity(128);
    for child in root.elements() {
        let name = child.tag_name().name();
        if child.tag_name().namespace().is_some()
            || TYPED_TOP.contains(&name)
            || !domain_spec.contains(&name)
        {
            continue;
        }
        // libvirt reads the first of each singleton section; seclabels may repeat.
        if name != "seclabel" && name != "sysinfo" && def.sections.iter().any(|s| s.name == name) {
            continue;
        }
        path.clear();
        path.push_str("domain/");
        path.push_str(name);
        if let Some(mut el) = from_node_at(child, &mut path) {
            if name == "os" {
                el.remove_children("type");
            }
            def.sections.push(el);
        }
    }

    for devices in root.children_named("devices") {
        for dev in devices.elements() {
            let kind = dev.tag_name().name();
            if dev.tag_name().namespace().is_some() || !devices_spec().children.contains(&kind) {
                continue;
            }
            path.clear();
            path.push_str("domain/devices/");
            path.push_str(kind);
            if let Some(el) = from_node_at(dev, &mut path) {
                def.devices.push(el);
            }
        }
    }
    super::devices::parse_order(&mut def);
    Ok(def)
}

/// libvirt accepts UUIDs with or without dashes, and dashes in odd places.
fn parse_uuid(text: &str) -> Option<Uuid> {
    let hex: String = text.trim().chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 {
        return None;
    }
    Uuid::parse_str(&hex).ok()
}

/// Scales a value with a libvirt unit suffix to bytes (`virScaleInteger`).
pub fn scale_to_bytes(value: u64, unit: Option<&str>, default_scale: u64) -> Option<u64> {
    let scale: u64 = match unit {
        None | Some("") => default_scale,
        Some(u) => match u.to_ascii_lowercase().as_str() {
            "b" | "byte" | "bytes" => 1,
            "k" | "kib" => 1 << 10,
            "kb" => 1000,
            "m" | "mib" => 1 << 20,
            "mb" => 1_000_000,
            "g" | "gib" => 1 << 30,
            "gb" => 1_000_000_000,
            "t" | "tib" => 1 << 40,
            "tb" => 1_000_000_000_000,
            "p" | "pib" => 1 << 50,
            "pb" => 1_000_000_000_000_000,
            "e" | "eib" => 1 << 60,
            "eb" => 1_000_000_000_000_000_000,
            _ => return None,
        },
    };
    value.checked_mul(scale)
}

/// A memory size element in KiB (`virDomainParseMemory`): scaled, then rounded up to KiB.
pub fn memory_kib(node: Node<'_, '_>, what: &str) -> Result<u64> {
    let text = node.text().unwrap_or("").trim();
    let value = crate::parse::parse_ull(text).ok_or_else(|| {
        Error::xml(
            ErrorDomain::Xml,
            format!("Invalid value '{text}' for element or attribute '{what}'"),
        )
    })?;
    let unit = node.attr("unit");
    let overflow = || {
        Error::new(
            ErrorDomain::None,
            ErrorCode::Overflow,
            format!("value too large: {text}{}", unit.unwrap_or("")),
        )
    };
    let bytes = scale_to_bytes(value, unit, 1024).ok_or_else(|| match unit {
        Some(u) if scale_to_bytes(1, Some(u), 1).is_none() => Error::new(
            ErrorDomain::None,
            ErrorCode::InvalidArg,
            format!("unknown suffix '{u}'"),
        ),
        _ => overflow(),
    })?;
    // Memory sizes are limited to 2^53 - 1 KiB (what a double holds exactly).
    const MAX_KIB: u64 = (1 << 53) - 1;
    if bytes > MAX_KIB * 1024 {
        return Err(overflow());
    }
    Ok(bytes.div_ceil(1024))
}

fn parse_memory(root: Node<'_, '_>, def: &mut DomainDef) -> Result<()> {
    if let Some(m) = root.child("memory") {
        def.memory = memory_kib(m, "./memory[1]")?;
        def.memory_dump_core = m.attr("dumpCore").map(str::to_string);
    }
    if let Some(m) = root.child("currentMemory") {
        def.current_memory = memory_kib(m, "./currentMemory[1]")?;
    }
    if let Some(m) = root.child("maxMemory") {
        let kib = memory_kib(m, "./maxMemory[1]")?;
        let slots = m
            .attr("slots")
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(0);
        if kib == 0 || slots == 0 {
            return Err(Error::xml(
                ErrorDomain::Domain,
                "both maximum memory size and memory slot count must be specified",
            ));
        }
        let mut el = Element::new("maxMemory").with_text(&kib.to_string());
        el.set_attr("slots", &slots.to_string());
        el.set_attr("unit", "KiB");
        def.sections.push(el);
    }
    Ok(())
}

fn parse_vcpu(root: Node<'_, '_>, def: &mut DomainDef) -> Result<()> {
    def.vcpus = 1;
    def.vcpu_placement.placement = "static".to_string();
    let Some(v) = root.child("vcpu") else {
        def.current_vcpus = def.vcpus;
        return Ok(());
    };
    let text = v.text().unwrap_or("").trim();
    if !text.is_empty() {
        def.vcpus = text.parse().map_err(|_| {
            Error::xml(
                ErrorDomain::Domain,
                "maximum vcpus count must be an integer",
            )
        })?;
    }
    def.current_vcpus = match v.attr("current") {
        Some(c) => c.parse().map_err(|_| {
            Error::xml(
                ErrorDomain::Domain,
                "current vcpus count must be an integer",
            )
        })?,
        None => def.vcpus,
    };
    if def.current_vcpus > def.vcpus {
        return Err(Error::config_unsupported(
            ErrorDomain::Domain,
            "maximum vCPU count must not be less than current vCPU count",
        ));
    }
    if def.vcpus == 0 {
        return Err(Error::internal(
            ErrorDomain::Domain,
            "CPU IDs in <numa> exceed the <vcpu> count",
        ));
    }
    if let Some(p) = v.attr("placement") {
        if p != "static" && p != "auto" {
            return Err(Error::xml(
                ErrorDomain::Xml,
                format!("Invalid value for attribute 'placement' in element 'vcpu': '{p}'."),
            ));
        }
        def.vcpu_placement.placement = p.to_string();
        def.vcpu_placement.explicit = true;
    }
    if let Some(set) = v.attr("cpuset") {
        super::bitmap::parse(set)?;
        // Pinned vCPUs are statically placed whatever the memory placement says.
        def.vcpu_placement.explicit = true;
    }
    def.vcpu_placement.cpuset = v.attr("cpuset").map(str::to_string);
    Ok(())
}

fn parse_os_type(root: Node<'_, '_>, def: &mut DomainDef) -> Result<()> {
    let os = root.child("os");
    let ty = os.and_then(|o| o.child("type"));
    def.os.os_type = ty
        .and_then(|t| t.text())
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
    def.os.arch = ty.and_then(|t| t.attr("arch")).map(str::to_string);
    def.os.machine = ty.and_then(|t| t.attr("machine")).map(str::to_string);
    if def.os.os_type.is_empty() {
        // A host-side boot loader implies a Xen paravirtualised guest.
        if root.child("bootloader").is_some() {
            def.os.os_type = "xen".into();
        } else {
            return Err(Error::xml(
                ErrorDomain::Domain,
                "an os <type> must be specified",
            ));
        }
    }
    Ok(())
}

/// Unknown features are errors, not ignored: libvirt names the first one it meets.
fn check_features(root: Node<'_, '_>) -> Result<()> {
    let Some(features) = root.child("features") else {
        return Ok(());
    };
    let known = |path: &str| spec(&format!("domain/features/{path}")).is_some();
    for f in features.elements() {
        let name = f.tag_name().name();
        if !known(name) {
            return Err(Error::config_unsupported(
                ErrorDomain::Domain,
                format!("unexpected feature '{name}'"),
            ));
        }
        let (group, message) = match name {
            "hyperv" => ("hyperv", "unsupported HyperV Enlightenment feature"),
            "kvm" => ("kvm", "unsupported KVM feature"),
            _ => continue,
        };
        for c in f.elements() {
            let child = c.tag_name().name();
            if !known(&format!("{group}/{child}")) {
                return Err(Error::config_unsupported(
                    ErrorDomain::Domain,
                    format!("{message}: {child}"),
                ));
            }
        }
    }
    Ok(())
}
