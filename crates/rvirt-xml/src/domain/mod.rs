//! Domain XML (`<domain>`): model, parser with libvirt's generic post-parse defaults, and
//! libvirt's canonical formatter.
//!
//! CONTRACT (used by drivers and the CLI; extend, do not rename): `DomainDef::parse`,
//! `DomainDef::format`, `FormatOptions`, and the public fields `virt_type`, `id`, `name`, `uuid`,
//! `memory`, `current_memory`, `vcpus`, `current_vcpus`, `os` (`os_type`, `arch`, `machine`),
//! and the methods `disk_summaries()` and `interface_summaries()`.

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

    /// Disks in document order, as `domblklist` lists them.
    pub fn disk_summaries(&self) -> Vec<DiskSummary> {
        Vec::new()
    }

    /// Interfaces in document order, as `domiflist` lists them.
    pub fn interface_summaries(&self) -> Vec<InterfaceSummary> {
        Vec::new()
    }

    /// libvirt's canonical XML for this definition.
    pub fn format(&self, opts: FormatOptions) -> String {
        let _ = opts;
        String::new()
    }
}
