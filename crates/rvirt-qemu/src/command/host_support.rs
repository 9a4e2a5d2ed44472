//! Devices that need something from the host beyond QEMU itself: assigned host devices
//! (VFIO, USB), TPMs, vsock and virtio-fs. They are refused before QEMU starts, with
//! libvirt's error where the host lacks what libvirt would have looked for, and with an
//! "unsupported configuration" error where the host has it but this driver cannot set
//! it up yet. A guest never starts without a device it asked for.

use std::io;
use std::path::{Path, PathBuf};

use rvirt_core::{Error, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, Element};

use super::cfg_err;
use super::virtiofs;

/// What the host offers to the devices above.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostSupport {
    /// VFIO device assignment: `/dev/vfio/vfio` and at least one IOMMU group.
    pub vfio: bool,
    /// USB devices are listed in sysfs (`/sys/bus/usb/devices`).
    pub usb_sysfs: bool,
    /// `/dev/vhost-vsock` exists.
    pub vhost_vsock: bool,
    /// The virtiofsd QEMU's vhost-user descriptors name.
    pub virtiofsd: Option<PathBuf>,
}

impl HostSupport {
    /// Looks at this host.
    pub fn probe() -> Self {
        let iommu_groups = std::fs::read_dir("/sys/kernel/iommu_groups")
            .map(|mut d| d.next().is_some())
            .unwrap_or(false);
        HostSupport {
            vfio: Path::new("/dev/vfio/vfio").exists() && iommu_groups,
            usb_sysfs: Path::new("/sys/bus/usb/devices").is_dir(),
            vhost_vsock: Path::new("/dev/vhost-vsock").exists(),
            virtiofsd: virtiofs::find_virtiofsd(),
        }
    }
}

/// Whether the guest's memory is shared with other processes, as vhost-user needs.
pub(super) fn memory_is_shared(def: &DomainDef) -> bool {
    let backing = def
        .section("memoryBacking")
        .and_then(|m| m.child_attr("access", "mode"));
    let cells_shared = def
        .section("cpu")
        .and_then(|c| c.child("numa"))
        .is_some_and(|n| {
            let mut cells = n.children_named("cell").peekable();
            cells.peek().is_some()
                && cells.all(|c| c.attr("memAccess").or(backing) == Some("shared"))
        });
    backing == Some("shared") || cells_shared
}

/// ENOENT, the same on every Linux architecture.
const ENOENT: i32 = 2;

/// libvirt's system error for a host file that is not there.
fn not_found(context: impl std::fmt::Display, domain: ErrorDomain) -> Error {
    Error::system(domain, &io::Error::from_raw_os_error(ENOENT), context)
}

fn hostdev(dev: &Element, host: &HostSupport) -> Result<()> {
    if dev.attr("mode").unwrap_or("subsystem") != "subsystem" {
        return Err(cfg_err("host device capabilities mode is not supported"));
    }
    match dev.attr("type").unwrap_or("") {
        "pci" if !host.vfio => Err(cfg_err(
            "host doesn't support passthrough of host PCI devices",
        )),
        "usb" if !host.usb_sysfs => Err(not_found(
            "cannot open directory '/sys/bus/usb/devices'",
            ErrorDomain::None,
        )),
        kind => Err(cfg_err(format!(
            "assignment of {kind} host devices is not supported by this driver yet"
        ))),
    }
}

fn tpm(dev: &Element) -> Result<()> {
    let backend = dev.child("backend");
    match backend
        .and_then(|b| b.attr("type"))
        .unwrap_or("passthrough")
    {
        "passthrough" => {
            let path = backend
                .and_then(|b| b.child_attr("device", "path"))
                .unwrap_or("/dev/tpm0");
            if !Path::new(path).exists() {
                return Err(not_found(
                    format!("Could not open TPM device {path}"),
                    ErrorDomain::Qemu,
                ));
            }
            Err(cfg_err(
                "TPM passthrough is not supported by this driver yet",
            ))
        }
        "emulator" => Err(cfg_err(
            "TPM emulator is not supported by this driver yet (no swtpm is started)",
        )),
        other => Err(cfg_err(format!("unsupported TPM backend '{other}'"))),
    }
}

/// Refuses, before anything is started, every device of `def` that needs more than the
/// host or this driver provides.
pub fn check_host_support(def: &DomainDef, host: &HostSupport) -> Result<()> {
    for fs in def
        .devices_of("filesystem")
        .filter(|fs| virtiofs::is_virtiofs(fs))
    {
        check_virtiofs_memory(def)?;
        if virtiofs::binary_for(fs, host.virtiofsd.as_deref()).is_none() {
            return Err(virtiofs::no_virtiofsd());
        }
    }
    check_assigned_devices(def, host)
}

/// virtio-fs maps guest memory into virtiofsd: it must be shared, and this driver
/// shares it as a memfd.
pub(super) fn check_virtiofs_memory(def: &DomainDef) -> Result<()> {
    if !memory_is_shared(def) {
        return Err(cfg_err("'virtiofs' requires shared memory"));
    }
    let source = def
        .section("memoryBacking")
        .and_then(|m| m.child_attr("source", "type"));
    if source != Some("memfd") {
        return Err(cfg_err(
            "virtiofs needs <memoryBacking><source type='memfd'/> with this driver",
        ));
    }
    Ok(())
}

/// Host devices, TPMs and vsock: refused with libvirt's error where the host lacks what
/// they need, else as not supported yet.
pub(super) fn check_assigned_devices(def: &DomainDef, host: &HostSupport) -> Result<()> {
    for dev in &def.devices {
        match dev.name.as_str() {
            "hostdev" => hostdev(dev, host)?,
            "tpm" => tpm(dev)?,
            "vsock" if !host.vhost_vsock => {
                return Err(cfg_err("unable to open vhost-vsock device"))
            }
            "vsock" => {
                return Err(cfg_err(
                    "vsock devices are not supported by this driver yet",
                ))
            }
            _ => {}
        }
    }
    Ok(())
}
