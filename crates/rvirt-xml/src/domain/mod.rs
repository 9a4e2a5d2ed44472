//! Domain XML (`<domain>`): model, parser with libvirt's generic post-parse defaults, and
//! libvirt's canonical formatter.
//!
//! CONTRACT (used by drivers and the CLI; extend, do not rename): `DomainDef::parse`,
//! `DomainDef::format`, `FormatOptions`, and the public fields `virt_type`, `id`, `name`, `uuid`,
//! `memory`, `current_memory`, `vcpus`, `current_vcpus`, `os` (`os_type`, `arch`, `machine`),
//! and the methods `disk_summaries()` and `interface_summaries()`.
//!
//! How it is built:
//!
//! - The scalars drivers read and change are typed fields of [`DomainDef`] (name, UUID, memory,
//!   vCPUs, OS type/arch/machine, lifecycle actions, title, description, metadata).
//! - Everything else is kept as [`Element`] trees whose shape is described by [`schema`]: for
//!   every element libvirt 9.0 knows, which attributes it keeps and in which order it prints
//!   them, which children it keeps and in which order, and whether it has text. Parsing drops
//!   what libvirt ignores; formatting is a generic walk in schema order. This is faithful
//!   because libvirt's formatters print each element's known attributes and children in a
//!   fixed order; what is not a plain reprint (units, hex numbers, defaults, implicit devices,
//!   port and address assignment, console/serial pairing, ...) is done in the post-parse
//!   step (`postparse`, `devices`), mirroring `virDomainDefPostParse` and the parser's own
//!   defaults, and validation (`validate`) reproduces libvirt's errors (code, domain, text).
//! - After post-parse the trees are canonical (attributes and children in print order, devices
//!   grouped by kind), so two equal definitions compare equal and `parse(format(d)) == d`.
//!
//! [`DomainDef::parse`] is the test driver's parse (default architecture i686, `testnetN`
//! interface names); [`DomainDef::parse_generic`] and [`DomainDef::parse_with_default_arch`]
//! leave those driver choices to the caller.

mod bitmap;
mod devices;
mod format;
mod metadata;
mod parse;
mod postparse;
pub mod schema;
pub mod tree;
mod validate;

use rvirt_core::{Result, Uuid};

pub use tree::Element;

/// Options for [`DomainDef::format`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FormatOptions {
    /// `VIR_DOMAIN_XML_INACTIVE`: omit live-only data (id, aliases, runtime paths).
    pub inactive: bool,
    /// `VIR_DOMAIN_XML_SECURE`: include passwords and other secrets.
    pub secure: bool,
    /// `VIR_DOMAIN_XML_MIGRATABLE`.
    pub migratable: bool,
}

/// Options for [`DomainDef::parse`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Parse the live form (accept `id=`, aliases, runtime state) rather than a definition.
    pub live: bool,
}

/// `<os>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainOs {
    /// `<type>` text: `hvm`, `xen`, `linux`, `exe`.
    pub os_type: String,
    pub arch: Option<String>,
    pub machine: Option<String>,
}

/// What `domblklist` shows of one `<disk>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiskSummary {
    /// `type=`: file, block, dir, network, volume, nvme, vhostuser.
    pub disk_type: String,
    /// `device=`: disk, cdrom, floppy, lun.
    pub device: String,
    /// The source as virsh `domblklist` prints it (file path, block device, dir, `pool/volume`,
    /// or network `protocol/name`); `None` for an empty drive.
    pub source: Option<String>,
    pub target_dev: String,
    pub target_bus: Option<String>,
}

/// What `domiflist` shows of one `<interface>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterfaceSummary {
    /// `type=`: network, bridge, user, ethernet, direct, ...
    pub net_type: String,
    pub mac: Option<String>,
    /// Network name, bridge name, or host device, depending on the type.
    pub source: Option<String>,
    pub model: Option<String>,
    pub target_dev: Option<String>,
}

/// `<on_poweroff>`, `<on_reboot>`, `<on_crash>`, `<on_lockfailure>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lifecycle {
    pub on_poweroff: String,
    pub on_reboot: String,
    pub on_crash: String,
    pub on_lockfailure: Option<String>,
}

/// `<vcpu>` attributes besides the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VcpuPlacement {
    /// `static` or `auto`.
    pub placement: String,
    pub cpuset: Option<String>,
    /// The document named the placement (an automatic NUMA placement does not override it).
    pub explicit: bool,
}

/// A domain definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainDef {
    /// `type=`: test, qemu, kvm, ...
    pub virt_type: String,
    /// Live id (`id=`) printed on live XML; `None` when inactive.
    pub id: Option<i32>,
    pub name: String,
    pub uuid: Uuid,
    pub title: Option<String>,
    pub description: Option<String>,
    /// `<metadata>` children, already laid out as libvirt prints them (relative to depth 0).
    pub metadata: Option<String>,
    /// `<memory>` (maximum), KiB.
    pub memory: u64,
    /// `<currentMemory>`, KiB.
    pub current_memory: u64,
    /// `<memory dumpCore=>`.
    pub memory_dump_core: Option<String>,
    /// `<vcpu>` (maximum).
    pub vcpus: u32,
    /// `<vcpu current=>`.
    pub current_vcpus: u32,
    pub vcpu_placement: VcpuPlacement,
    pub os: DomainOs,
    pub lifecycle: Lifecycle,
    /// Every other top-level element libvirt knows (`features`, `cpu`, `clock`, `pm`, the rest
    /// of `<os>`...), with defaults applied; formatted in libvirt's order.
    pub sections: Vec<Element>,
    /// Devices in document order; formatting groups them by kind in libvirt's order.
    pub devices: Vec<Element>,
}

impl DomainDef {
    /// Parses a domain document as libvirt's test driver defines it: the generic defaults
    /// and validation ([`DomainDef::parse_generic`]), then the test driver's own step of
    /// naming every interface without a host-side name `testnetN`.
    pub fn parse(xml: &str, opts: ParseOptions) -> Result<Self> {
        // The test driver's capabilities list i686 guests first.
        let mut def = Self::parse_with_default_arch(xml, opts, Some("i686"))?;
        devices::assign_test_ifnames(&mut def)?;
        // Post-parse left everything canonical; naming touched interfaces only.
        postparse::canonicalize_kind(&mut def, "interface");
        Ok(def)
    }

    /// Parses a domain document, applying only libvirt's generic (driver-independent)
    /// post-parse defaults and validation.
    pub fn parse_generic(xml: &str, opts: ParseOptions) -> Result<Self> {
        Self::parse_with_default_arch(xml, opts, None)
    }

    /// [`DomainDef::parse_generic`] with the architecture a driver's capabilities give a
    /// guest whose `<os><type>` names none.
    pub fn parse_with_default_arch(
        xml: &str,
        opts: ParseOptions,
        default_arch: Option<&str>,
    ) -> Result<Self> {
        Self::parse_for_driver(xml, opts, default_arch, |_| Ok(()))
    }

    /// [`DomainDef::parse_with_default_arch`] with a driver's own post-parse, run where
    /// libvirt runs it: after the generic defaults and before validation, so validation
    /// sees the devices the driver adds (the QEMU driver's implicit USB controller, say).
    pub fn parse_for_driver(
        xml: &str,
        opts: ParseOptions,
        default_arch: Option<&str>,
        driver_post_parse: impl FnOnce(&mut DomainDef) -> Result<()>,
    ) -> Result<Self> {
        let mut def = parse::parse(xml, opts)?;
        if def.os.arch.is_none() {
            def.os.arch = default_arch.map(str::to_string);
        }
        validate::validate_parsed(&def)?;
        postparse::apply(&mut def, opts.live)?;
        driver_post_parse(&mut def)?;
        validate::validate(&def)?;
        Ok(def)
    }

    /// The top-level section with this name (`features`, `cpu`, `clock`...).
    pub fn section(&self, name: &str) -> Option<&Element> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// Devices of one kind (`disk`, `interface`...), in document order.
    pub fn devices_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Element> {
        self.devices.iter().filter(move |d| d.name == kind)
    }

    /// Disks in document order, as `domblklist` lists them.
    pub fn disk_summaries(&self) -> Vec<DiskSummary> {
        self.devices_of("disk")
            .map(|d| {
                let disk_type = d.attr("type").unwrap_or("file").to_string();
                let src = d.child("source");
                let source = src.and_then(|s| match disk_type.as_str() {
                    "file" => s.attr("file").map(str::to_string),
                    "block" => s.attr("dev").map(str::to_string),
                    "dir" => s.attr("dir").map(str::to_string),
                    "volume" => match (s.attr("pool"), s.attr("volume")) {
                        (Some(p), Some(v)) => Some(format!("{p}/{v}")),
                        _ => None,
                    },
                    "network" => s.attr("name").map(str::to_string),
                    _ => s.attr("path").map(str::to_string),
                });
                DiskSummary {
                    disk_type,
                    device: d.attr("device").unwrap_or("disk").to_string(),
                    source,
                    target_dev: d.child_attr("target", "dev").unwrap_or("").to_string(),
                    target_bus: d.child_attr("target", "bus").map(str::to_string),
                }
            })
            .collect()
    }

    /// Interfaces in document order, as `domiflist` lists them.
    pub fn interface_summaries(&self) -> Vec<InterfaceSummary> {
        self.devices_of("interface")
            .map(|n| {
                let net_type = n.attr("type").unwrap_or("").to_string();
                let src = n.child("source");
                let source = src.and_then(|s| match net_type.as_str() {
                    "network" => s.attr("network").map(str::to_string),
                    "bridge" => s.attr("bridge").map(str::to_string),
                    "direct" | "hostdev" => s.attr("dev").map(str::to_string),
                    "vhostuser" => s.attr("path").map(str::to_string),
                    _ => None,
                });
                InterfaceSummary {
                    net_type,
                    mac: n.child_attr("mac", "address").map(str::to_string),
                    source,
                    model: n.child_attr("model", "type").map(str::to_string),
                    target_dev: n.child_attr("target", "dev").map(str::to_string),
                }
            })
            .collect()
    }

    /// libvirt's canonical XML for this definition.
    pub fn format(&self, opts: FormatOptions) -> String {
        format::format(self, opts)
    }
}
