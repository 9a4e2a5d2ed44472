//! PCI details libvirt reads beyond udev (`virpci.c`, `node_device_conf.c`): config-space
//! header type and PCI Express link, SR-IOV functions, IOMMU groups, mediated device types;
//! and host-driver (de)binding for device assignment.

use crate::device::{MdevType, PciAddress, PciCap, PciExpress, PcieLink};
use crate::sysfs::{parse_uint, Sysfs};

const PCI_STATUS: usize = 0x06;
const PCI_STATUS_CAP_LIST: u16 = 0x10;
const PCI_HEADER_TYPE: usize = 0x0e;
const PCI_CAPABILITY_LIST: usize = 0x34;
const PCI_CONF_HEADER_LEN: u8 = 0x40;
const PCI_CAP_ID_PM: u8 = 0x01;
const PCI_CAP_ID_EXP: u8 = 0x10;
const PCI_CAP_ID_AF: u8 = 0x13;
const PCI_EXP_FLAGS: usize = 0x2;
const PCI_EXP_DEVCAP: usize = 0x4;
const PCI_EXP_DEVCAP_FLR: u32 = 1 << 28;
const PCI_EXP_LNKCAP: usize = 0xc;
const PCI_EXP_LNKSTA: usize = 0x12;
const PCI_EXP_TYPE_ROOT_INT_EP: u16 = 0x9;
const PCI_EXP_TYPE_ROOT_EC: u16 = 0xa;
const PCI_AF_CAP: usize = 0x3;
const PCI_AF_CAP_FLR: u16 = 0x2;
const PCI_PM_CTRL: usize = 4;
const PCI_PM_CTRL_NO_SOFT_RESET: u32 = 0x8;

/// A device's config space as far as it could be read.
pub struct Config {
    bytes: Vec<u8>,
    /// The config file's size (256 for conventional PCI, 4096 for PCIe).
    file_len: Option<u64>,
}

impl Config {
    pub fn read(sysfs: &Sysfs, addr: &PciAddress) -> Option<Self> {
        let path = format!("/sys/bus/pci/devices/{}/config", addr.sysfs_name());
        let bytes = sysfs.read_raw(&path).ok()?;
        let file_len = std::fs::metadata(sysfs.path(&path)).ok().map(|m| m.len());
        Some(Config { bytes, file_len })
    }

    fn read8(&self, pos: usize) -> Option<u8> {
        self.bytes.get(pos).copied()
    }

    fn read16(&self, pos: usize) -> Option<u16> {
        Some(u16::from_le_bytes([self.read8(pos)?, self.read8(pos + 1)?]))
    }

    fn read32(&self, pos: usize) -> Option<u32> {
        Some(u32::from_le_bytes([
            self.read8(pos)?,
            self.read8(pos + 1)?,
            self.read8(pos + 2)?,
            self.read8(pos + 3)?,
        ]))
    }

    /// `virPCIDeviceFindCapabilityOffset`: the capability's offset, or `None` when the
    /// walk fails, including when the capability is simply absent (libvirt treats both
    /// the same way and then guesses from the file size).
    fn find_capability(&self, id: u8) -> Option<u8> {
        let status = self.read16(PCI_STATUS)?;
        if status & PCI_STATUS_CAP_LIST == 0 {
            return None;
        }
        let mut pos = self.read8(PCI_CAPABILITY_LIST)?;
        let mut ttl = 48;
        while pos >= PCI_CONF_HEADER_LEN && pos != 0xff && ttl > 0 {
            if self.read8(pos as usize)? == id {
                return Some(pos);
            }
            pos = self.read8(pos as usize + 1)?;
            ttl -= 1;
        }
        None
    }

    /// Offset of the PCI Express capability, 0 when the device has none.
    fn pcie_cap_pos(&self) -> u8 {
        self.find_capability(PCI_CAP_ID_EXP).unwrap_or(0)
    }

    /// `virPCIDeviceInit`'s PCIe test: the capability, or else a config file that is not
    /// 256 bytes long.
    pub fn is_pcie(&self) -> bool {
        match self.find_capability(PCI_CAP_ID_EXP) {
            Some(pos) => pos != 0,
            None => self.file_len != Some(256),
        }
    }

    /// The header type (0 endpoint, 1 bridge, 2 cardbus), `None` if unknown.
    pub fn header_type(&self) -> Option<u8> {
        let t = self.read8(PCI_HEADER_TYPE)? & 0x7f;
        (t < 3).then_some(t)
    }

    /// `(cap, sta)` links when the device has a PCIe link (root-complex integrated endpoints
    /// and event collectors have none).
    pub fn links(&self) -> Option<(PcieLink, PcieLink)> {
        let pos = self.pcie_cap_pos() as usize;
        if pos == 0 {
            return None;
        }
        let flags = self.read16(pos + PCI_EXP_FLAGS)?;
        let kind = (flags & 0xf0) >> 4;
        if kind == PCI_EXP_TYPE_ROOT_INT_EP || kind == PCI_EXP_TYPE_ROOT_EC {
            return None;
        }
        let cap = self.read32(pos + PCI_EXP_LNKCAP).unwrap_or(0);
        let sta = self.read16(pos + PCI_EXP_LNKSTA).unwrap_or(0);
        Some((
            PcieLink {
                port: (cap >> 24) as i32,
                speed: cap & 0xf,
                width: (cap & 0x3f0) >> 4,
            },
            PcieLink {
                port: -1,
                speed: u32::from(sta & 0xf),
                width: u32::from((sta & 0x3f0) >> 4),
            },
        ))
    }

    /// Whether the function can be reset on its own (FLR, PCIe or AF), or is a VF (which
    /// must support FLR).
    fn has_flr(&self, is_vf: bool) -> bool {
        let pos = self.pcie_cap_pos() as usize;
        if pos != 0 {
            if let Some(caps) = self.read32(pos + PCI_EXP_DEVCAP) {
                if caps & PCI_EXP_DEVCAP_FLR != 0 {
                    return true;
                }
            }
        }
        if let Some(af) = self.find_capability(PCI_CAP_ID_AF) {
            if let Some(caps) = self.read16(af as usize + PCI_AF_CAP) {
                if caps & PCI_AF_CAP_FLR != 0 {
                    return true;
                }
            }
        }
        is_vf
    }

    fn has_pm_reset(&self) -> bool {
        self.find_capability(PCI_CAP_ID_PM)
            .and_then(|pos| self.read32(pos as usize + PCI_PM_CTRL))
            .is_some_and(|ctl| ctl & PCI_PM_CTRL_NO_SOFT_RESET == 0)
    }
}

/// The address a sysfs link (`physfn`, `virtfn0`, an IOMMU group member) points at.
fn address_from_link(sysfs: &Sysfs, link: &str) -> Option<PciAddress> {
    let target = sysfs.canonical(link)?;
    PciAddress::parse(target.rsplit('/').next()?)
}

/// Fills SR-IOV, IOMMU group and mediated device type data (libvirt's
/// `virNodeDeviceGetPCIDynamicCaps`, refreshed each time the XML is requested).
pub fn refresh_dynamic(sysfs: &Sysfs, syspath: &str, pci: &mut PciCap) {
    pci.physical_function = address_from_link(sysfs, &format!("{syspath}/physfn"));
    pci.max_virtual_functions = sysfs
        .attr(&format!("{syspath}/sriov_totalvfs"))
        .and_then(|t| parse_uint(t.trim(), 10))
        .unwrap_or(0);
    pci.virtual_functions.clear();
    while let Some(vf) = address_from_link(
        sysfs,
        &format!("{syspath}/virtfn{}", pci.virtual_functions.len()),
    ) {
        pci.virtual_functions.push(vf);
    }
    pci.iommu_group = iommu_group(sysfs, &pci.address);
    pci.mdev_types = mdev_types(sysfs, syspath);
    pci.vpd = read_vpd(sysfs, &pci.address);
}

/// The device's VPD when it has a readable, well-formed `vpd` file.
fn read_vpd(sysfs: &Sysfs, addr: &PciAddress) -> Option<crate::vpd::Vpd> {
    let path = format!("/sys/bus/pci/devices/{}/vpd", addr.sysfs_name());
    if !std::fs::metadata(sysfs.path(&path)).ok()?.is_file() {
        return None;
    }
    crate::vpd::parse(&sysfs.read_raw(&path).ok()?)
}

/// `(group number, members in directory order)`.
pub fn iommu_group(sysfs: &Sysfs, addr: &PciAddress) -> Option<(u32, Vec<PciAddress>)> {
    let dev = format!("/sys/bus/pci/devices/{}", addr.sysfs_name());
    if !sysfs.is_symlink(&format!("{dev}/iommu_group")) {
        return None;
    }
    let number = sysfs.link_basename(&format!("{dev}/iommu_group"))?;
    let number: u32 = number.parse().ok()?;
    let members = sysfs
        .list_dir(&format!("{dev}/iommu_group/devices"))
        .iter()
        .filter_map(|n| PciAddress::parse(n))
        .collect();
    Some((number, members))
}

/// The mediated device types a parent offers (`mdev_supported_types/*`).
pub fn mdev_types(sysfs: &Sysfs, syspath: &str) -> Vec<MdevType> {
    let dir = format!("{syspath}/mdev_supported_types");
    sysfs
        .list_dir(&dir)
        .into_iter()
        .map(|id| {
            let base = format!("{dir}/{id}");
            MdevType {
                name: sysfs.string_attr(&format!("{base}/name")),
                device_api: sysfs.string_attr(&format!("{base}/device_api")),
                available_instances: sysfs
                    .attr(&format!("{base}/available_instances"))
                    .and_then(|t| parse_uint(t.trim(), 10))
                    .unwrap_or(0),
                id,
            }
        })
        .collect()
}

/// Config-space derived data (only readable in full by root, so only then filled in).
pub fn fill_config_caps(sysfs: &Sysfs, pci: &mut PciCap) -> Result<(), String> {
    let addr = pci.address;
    let Some(cfg) = Config::read(sysfs, &addr) else {
        return Err(format!(
            "Failed to open config space file '/sys/bus/pci/devices/{}/config'",
            addr.sysfs_name()
        ));
    };
    pci.header_type = cfg
        .header_type()
        .ok_or_else(|| format!("Unknown PCI header type for device '{}'", addr.sysfs_name()))?;
    if cfg.is_pcie() {
        let mut px = PciExpress::default();
        if let Some((cap, sta)) = cfg.links() {
            px.link_cap = Some(cap);
            px.link_sta = Some(sta);
        }
        pci.pci_express = Some(px);
    }
    Ok(())
}

/// Tells whether a PCI device is assigned to a running domain; the QEMU driver provides it.
pub trait PciDeviceUsage: Send + Sync {
    /// `(driver name, domain name)` of the user of the device, if any.
    fn used_by(&self, addr: &PciAddress) -> Option<(String, String)>;
}

/// No domain uses any device (the default until a hypervisor driver says otherwise).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoUsage;

impl PciDeviceUsage for NoUsage {
    fn used_by(&self, _addr: &PciAddress) -> Option<(String, String)> {
        None
    }
}

/// Failures of the host-device operations, with libvirt's wording; mapped to error codes by
/// the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PciOpError {
    /// `VIR_ERR_OPERATION_INVALID`.
    InUse(String),
    /// `VIR_ERR_INTERNAL_ERROR`.
    Internal(String),
    /// `VIR_ERR_SYSTEM_ERROR` with the OS error.
    System(String, std::io::ErrorKind, i32),
}

fn in_use_error(addr: &PciAddress, usage: &dyn PciDeviceUsage) -> Option<PciOpError> {
    usage.used_by(addr).map(|(drv, dom)| {
        PciOpError::InUse(format!(
            "PCI device {} is in use by driver {drv}, domain {dom}",
            addr.sysfs_name()
        ))
    })
}

fn system_error(err: &std::io::Error, context: String) -> PciOpError {
    PciOpError::System(context, err.kind(), err.raw_os_error().unwrap_or(0))
}

/// Name of the driver currently bound (basename of the `driver` link).
pub fn current_driver(sysfs: &Sysfs, addr: &PciAddress) -> Option<String> {
    sysfs.link_basename(&format!(
        "/sys/bus/pci/devices/{}/driver",
        addr.sysfs_name()
    ))
}

/// Unbinds from the current driver and asks the kernel to probe again (libvirt's
/// `virPCIDeviceRebind`).
fn rebind(sysfs: &Sysfs, addr: &PciAddress) -> Result<(), PciOpError> {
    let name = addr.sysfs_name();
    if let Some(driver) = current_driver(sysfs, addr) {
        let unbind = format!("/sys/bus/pci/devices/{name}/driver/unbind");
        if sysfs.exists(&unbind) {
            sysfs.write(&unbind, &name).map_err(|e| {
                system_error(
                    &e,
                    format!("Failed to unbind PCI device '{name}' from {driver}"),
                )
            })?;
        }
    }
    sysfs
        .write("/sys/bus/pci/drivers_probe", &name)
        .map_err(|e| {
            system_error(
                &e,
                format!("Failed to trigger a probe for PCI device '{name}'"),
            )
        })
}

fn bind_with_override(sysfs: &Sysfs, addr: &PciAddress, driver: &str) -> Result<(), PciOpError> {
    let name = addr.sysfs_name();
    sysfs
        .write(&format!("/sys/bus/pci/devices/{name}/driver_override"), driver)
        .map_err(|e| {
            system_error(
                &e,
                format!(
                    "Failed to add driver '{driver}' to driver_override interface of PCI device '{name}'"
                ),
            )
        })?;
    rebind(sysfs, addr)
}

/// Whether VFIO device assignment is possible on this host (IOMMU groups exist).
pub fn host_supports_vfio(sysfs: &Sysfs) -> bool {
    sysfs.is_dir("/dev/vfio") && !sysfs.list_dir("/sys/kernel/iommu_groups").is_empty()
}

/// Detaches a device from its host driver and binds it to `stub` (`vfio-pci`), after
/// checking that neither it nor any member of its IOMMU group is in use by a domain.
pub fn detach(
    sysfs: &Sysfs,
    addr: &PciAddress,
    stub: &str,
    usage: &dyn PciDeviceUsage,
) -> Result<(), PciOpError> {
    if let Some(e) = in_use_error(addr, usage) {
        return Err(e);
    }
    // VFIO assigns whole IOMMU groups: every member must be free too.
    if let Some((_, members)) = iommu_group(sysfs, addr) {
        for m in members {
            if let Some(e) = in_use_error(&m, usage) {
                return Err(e);
            }
        }
    }
    if !sysfs.exists(&format!("/sys/bus/pci/drivers/{stub}")) {
        return Err(PciOpError::Internal(format!(
            "Failed to load PCI driver module {stub}"
        )));
    }
    if current_driver(sysfs, addr).as_deref() == Some(stub) {
        return Ok(());
    }
    bind_with_override(sysfs, addr, stub)
}

/// Gives a device back to its host driver: clears `driver_override` and reprobes.
pub fn reattach(
    sysfs: &Sysfs,
    addr: &PciAddress,
    usage: &dyn PciDeviceUsage,
) -> Result<(), PciOpError> {
    if let Some(e) = in_use_error(addr, usage) {
        return Err(e);
    }
    bind_with_override(sysfs, addr, "\n")
}

/// Resets a device the way `virPCIDeviceReset` decides: nothing to do for devices bound to
/// vfio-pci (it resets them itself) or with FLR (QEMU issues it); a power-management reset
/// (D3hot then D0 through the PM control register) when available; otherwise an error.
pub fn reset(
    sysfs: &Sysfs,
    addr: &PciAddress,
    usage: &dyn PciDeviceUsage,
) -> Result<(), PciOpError> {
    let name = addr.sysfs_name();
    let cfg = Config::read(sysfs, addr).ok_or_else(|| {
        PciOpError::Internal(format!(
            "Failed to open config space file '/sys/bus/pci/devices/{name}/config'"
        ))
    })?;
    if cfg.header_type() != Some(0) {
        return Err(PciOpError::Internal(format!(
            "Invalid attempt to reset PCI device {name}. Only PCI endpoint devices can be reset"
        )));
    }
    if usage.used_by(addr).is_some() {
        return Err(PciOpError::Internal(format!(
            "Not resetting active device {name}"
        )));
    }
    if current_driver(sysfs, addr).as_deref() == Some("vfio-pci") {
        return Ok(());
    }
    let is_vf = sysfs.exists(&format!("/sys/bus/pci/devices/{name}/physfn"));
    if cfg.has_flr(is_vf) {
        return Ok(());
    }
    if cfg.has_pm_reset() {
        return pm_reset(sysfs, addr, &cfg);
    }
    Err(PciOpError::Internal(format!(
        "Unable to reset PCI device {name}: no FLR, PM reset or bus reset available"
    )))
}

/// D3hot then D0 through the power-management control register, restoring the config
/// space afterwards.
fn pm_reset(sysfs: &Sysfs, addr: &PciAddress, cfg: &Config) -> Result<(), PciOpError> {
    use std::io::{Seek, SeekFrom, Write};
    let name = addr.sysfs_name();
    let pos = cfg
        .find_capability(PCI_CAP_ID_PM)
        .map(|p| p as usize + PCI_PM_CTRL)
        .ok_or_else(|| PciOpError::Internal(format!("Unable to reset PCI device {name}")))?;
    let ctl = cfg.read32(pos).unwrap_or(0) & !0x3;
    let saved: Vec<u8> = cfg.bytes.iter().take(256).copied().collect();
    let path = sysfs.path(&format!("/sys/bus/pci/devices/{name}/config"));
    let io = |e: std::io::Error| system_error(&e, format!("Failed to reset PCI device {name}"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io)?;
    for state in [0x3u32, 0x0] {
        f.seek(SeekFrom::Start(pos as u64)).map_err(io)?;
        f.write_all(&(ctl | state).to_le_bytes()).map_err(io)?;
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    f.seek(SeekFrom::Start(0)).map_err(io)?;
    f.write_all(&saved).map_err(io)?;
    Ok(())
}
