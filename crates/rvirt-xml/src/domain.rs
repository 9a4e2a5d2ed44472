//! Domain XML (`<domain>`): model, parser with libvirt's generic post-parse defaults, and
//! libvirt's canonical formatter.
//!
//! CONTRACT (used by drivers and the CLI; extend, do not rename): `DomainDef::parse`,
//! `DomainDef::format`, `FormatOptions`, and the public fields `virt_type`, `id`, `name`, `uuid`,
//! `memory`, `current_memory`, `vcpus`, `current_vcpus`, `os`, `devices.disks`,
//! `devices.interfaces` with the fields below.

use rvirt_core::{Result, Uuid};

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

/// One `<disk>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiskDef {
    /// `type=`: file, block, dir, network, volume, nvme, vhostuser.
    pub disk_type: String,
    /// `device=`: disk, cdrom, floppy, lun.
    pub device: String,
    /// The source as virsh `domblklist` prints it (file path, device, dir, volume, or
    /// network name/protocol); `None` for an empty drive.
    pub source: Option<String>,
    pub target_dev: String,
    pub target_bus: Option<String>,
}

/// One `<interface>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetDef {
    /// `type=`: network, bridge, user, ethernet, direct, ...
    pub net_type: String,
    pub mac: Option<String>,
    /// Network name, bridge name, or host device, depending on the type.
    pub source: Option<String>,
    pub model: Option<String>,
    pub target_dev: Option<String>,
}

/// `<devices>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainDevices {
    pub disks: Vec<DiskDef>,
    pub interfaces: Vec<NetDef>,
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
    /// `<memory>` (maximum), KiB.
    pub memory: u64,
    /// `<currentMemory>`, KiB.
    pub current_memory: u64,
    /// `<vcpu>` (maximum).
    pub vcpus: u32,
    /// `<vcpu current=>`.
    pub current_vcpus: u32,
    pub os: DomainOs,
    pub devices: DomainDevices,
}

impl DomainDef {
    /// Parses a domain document, applying libvirt's generic defaults and validation.
    pub fn parse(xml: &str, opts: ParseOptions) -> Result<Self> {
        let _ = (xml, opts);
        Err(rvirt_core::Error::no_support(
            rvirt_core::ErrorDomain::Domain,
            "domain XML parser not implemented yet",
        ))
    }

    /// libvirt's canonical XML for this definition.
    pub fn format(&self, opts: FormatOptions) -> String {
        let _ = opts;
        String::new()
    }
}
