//! The node device driver: the device list, libvirt's API on it, hotplug updates and events.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use rvirt_core::events::nodedev_lifecycle;
use rvirt_core::{
    Error, ErrorCode, ErrorDomain, Event, EventBus, EventCallback, EventFamily,
    ListNodeDevicesFlags, NodeDeviceDriver, NodeDeviceRef, ObjectKey, Result,
};

use crate::device::{Capability, NodeDevice, PciAddress};
use crate::pci::{self, NoUsage, PciDeviceUsage, PciOpError};
use crate::scan;
use crate::sysfs::Sysfs;

const ERR: ErrorDomain = ErrorDomain::Nodedev;

pub(crate) struct Inner {
    pub(crate) sysfs: Sysfs,
    privileged: bool,
    host_uuid: uuid::Uuid,
    devices: RwLock<BTreeMap<String, NodeDevice>>,
    pub(crate) events: Arc<EventBus>,
    usage: RwLock<Arc<dyn PciDeviceUsage>>,
}

/// libvirt's node device driver over a sysfs tree (`/` for the host).
#[derive(Clone)]
pub struct NodeDevDriver {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for NodeDevDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeDevDriver")
            .field("root", &self.inner.sysfs.root())
            .finish_non_exhaustive()
    }
}

fn no_such_device(name: &str) -> Error {
    Error::new(
        ERR,
        ErrorCode::NoNodeDevice,
        format!("no node device with matching name '{name}'"),
    )
}

fn pci_error(e: PciOpError) -> Error {
    match e {
        PciOpError::InUse(m) => Error::new(ErrorDomain::None, ErrorCode::OperationInvalid, m),
        PciOpError::Internal(m) => Error::new(ErrorDomain::None, ErrorCode::InternalError, m),
        PciOpError::System(context, kind, os) => {
            let io = if os != 0 {
                std::io::Error::from_raw_os_error(os)
            } else {
                std::io::Error::from(kind)
            };
            Error::system(ErrorDomain::None, &io, context)
        }
    }
}

impl NodeDevDriver {
    /// Enumerates the devices of the sysfs tree at `sysfs_root`. Config-space details (PCI
    /// header type, PCI Express links) are read only when `privileged`, as libvirt does.
    pub fn new(sysfs_root: PathBuf, privileged: bool) -> Self {
        let sysfs = Sysfs::new(sysfs_root);
        let host_uuid = scan::host_uuid(&sysfs);
        let inner = Arc::new(Inner {
            sysfs,
            privileged,
            host_uuid,
            devices: RwLock::new(BTreeMap::new()),
            events: Arc::new(EventBus::new()),
            usage: RwLock::new(Arc::new(NoUsage)),
        });
        let driver = NodeDevDriver { inner };
        driver.rescan();
        driver
    }

    /// The host's devices (`/`), privileged when running as root.
    pub fn host() -> Self {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        Self::new(PathBuf::from("/"), root)
    }

    /// Re-enumerates every device (without events).
    pub fn rescan(&self) {
        let sysfs = &self.inner.sysfs;
        let mut devices = BTreeMap::new();
        let computer = scan::system_device(sysfs, self.inner.host_uuid);
        devices.insert(computer.name.clone(), computer);
        for path in scan::candidate_syspaths(sysfs) {
            if let Some(dev) = scan::build_device(sysfs, &path, self.inner.privileged) {
                devices.insert(dev.name.clone(), dev);
            }
        }
        scan::assign_parents(&mut devices);
        *self.write_devices() = devices;
    }

    fn read_devices(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, NodeDevice>> {
        self.inner.devices.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_devices(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, NodeDevice>> {
        self.inner
            .devices
            .write()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The sysfs tree this driver reads.
    pub fn sysfs(&self) -> &Sysfs {
        &self.inner.sysfs
    }

    /// The bus node device events are emitted on; a connection forwards its
    /// `connectNodeDeviceEventRegisterAny` callers here.
    pub fn event_bus(&self) -> Arc<EventBus> {
        self.inner.events.clone()
    }

    /// `virConnectNodeDeviceEventRegisterAny`: `event_id` 0 lifecycle, 1 update; optionally
    /// for one device only. Returns the callback id.
    pub fn connect_event_register(
        &self,
        device: Option<&str>,
        event_id: i32,
        callback: EventCallback,
    ) -> i32 {
        self.inner.events.register(
            EventFamily::NodeDevice(event_id),
            device.map(|d| ObjectKey::Name(d.to_string())),
            callback,
        )
    }

    /// `virConnectNodeDeviceEventDeregisterAny`.
    pub fn connect_event_deregister(&self, callback_id: i32) -> Result<()> {
        if self.inner.events.deregister(callback_id) {
            Ok(())
        } else {
            Err(Error::new(
                ERR,
                ErrorCode::InvalidArg,
                format!("could not find event callback {callback_id} for deletion"),
            ))
        }
    }

    /// Lets a hypervisor driver say which PCI devices its domains use (detach, reattach and
    /// reset refuse those).
    pub fn set_pci_usage(&self, usage: Arc<dyn PciDeviceUsage>) {
        *self.inner.usage.write().unwrap_or_else(|p| p.into_inner()) = usage;
    }

    fn usage(&self) -> Arc<dyn PciDeviceUsage> {
        self.inner
            .usage
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A snapshot of one device, as stored (not refreshed).
    pub fn device(&self, name: &str) -> Option<NodeDevice> {
        self.read_devices().get(name).cloned()
    }

    /// All devices, sorted by name.
    pub fn devices(&self) -> Vec<NodeDevice> {
        self.read_devices().values().cloned().collect()
    }

    /// Names of devices with a capability (`cap` as `virNodeDeviceListCaps` names it), or of
    /// all devices; legacy `virNodeListDevices`.
    pub fn list_devices(&self, cap: Option<&str>) -> Vec<String> {
        self.read_devices()
            .values()
            .filter(|d| cap.is_none_or(|c| d.cap.names().contains(&c)))
            .map(|d| d.name.clone())
            .collect()
    }

    /// Legacy `virNodeNumOfDevices`.
    pub fn num_of_devices(&self, cap: Option<&str>) -> usize {
        self.list_devices(cap).len()
    }

    /// `virNodeDeviceGetXMLDesc` by name.
    pub fn xml_desc(&self, name: &str) -> Result<String> {
        let mut dev = self.device(name).ok_or_else(|| no_such_device(name))?;
        scan::refresh_for_xml(&self.inner.sysfs, &mut dev)
            .map_err(|m| Error::new(ERR, ErrorCode::InternalError, m))?;
        Ok(dev.format())
    }

    /// Handles one kernel event for a device (`action` add/change/remove/move, `devpath`
    /// relative to `/sys`): updates the list and emits lifecycle events as libvirt does.
    pub fn handle_uevent(&self, action: &str, devpath: &str, devpath_old: Option<&str>) {
        let syspath = format!("/sys{devpath}");
        match action {
            "add" | "change" => self.add_device(&syspath),
            "remove" => self.remove_device(&syspath),
            "move" => {
                if let Some(old) = devpath_old {
                    self.remove_device(&format!("/sys{old}"));
                }
                self.add_device(&syspath);
            }
            _ => {}
        }
    }

    fn add_device(&self, syspath: &str) {
        let Some(mut dev) = scan::build_device(&self.inner.sysfs, syspath, self.inner.privileged)
        else {
            return;
        };
        let event = {
            let mut devices = self.write_devices();
            scan::set_parent(&mut dev, |p| {
                devices
                    .values()
                    .find(|d| d.sysfs_path.as_deref() == Some(p))
                    .map(|d| d.name.clone())
            });
            let existed = devices.contains_key(&dev.name);
            let name = dev.name.clone();
            devices.insert(name.clone(), dev);
            let device = NodeDeviceRef { name };
            if existed {
                Event::NodeDeviceUpdate { device }
            } else {
                Event::NodeDeviceLifecycle {
                    device,
                    event: nodedev_lifecycle::CREATED,
                    detail: 0,
                }
            }
        };
        self.inner.events.emit(event);
    }

    fn remove_device(&self, syspath: &str) {
        let removed = {
            let mut devices = self.write_devices();
            let name = devices
                .values()
                .find(|d| d.sysfs_path.as_deref() == Some(syspath))
                .map(|d| d.name.clone());
            name.and_then(|n| devices.remove(&n))
        };
        if let Some(dev) = removed {
            self.inner.events.emit(Event::NodeDeviceLifecycle {
                device: NodeDeviceRef { name: dev.name },
                event: nodedev_lifecycle::DELETED,
                detail: 0,
            });
        }
    }

    fn pci_address(&self, dev: &NodeDeviceRef) -> Result<PciAddress> {
        let d = self
            .device(&dev.name)
            .ok_or_else(|| no_such_device(&dev.name))?;
        match d.cap {
            Capability::Pci(p) => Ok(p.address),
            // The hypervisor drivers' shared helper (domain_driver.c) reports this.
            _ => Err(Error::new(
                ErrorDomain::Domain,
                ErrorCode::InvalidArg,
                format!("device {} is not a PCI device", dev.name),
            )),
        }
    }
}

impl NodeDeviceDriver for NodeDevDriver {
    fn node_device_event_register(
        &self,
        family: EventFamily,
        object: Option<ObjectKey>,
        callback: EventCallback,
    ) -> Result<i32> {
        match family {
            EventFamily::NodeDevice(_) => Ok(self.inner.events.register(family, object, callback)),
            // Only node device events are raised here.
            _ => Err(Error::new(
                ERR,
                ErrorCode::NoSupport,
                "this driver raises node device events only",
            )),
        }
    }

    fn node_device_event_deregister(&self, callback_id: i32) -> Result<()> {
        NodeDevDriver::connect_event_deregister(self, callback_id)
    }

    fn connect_list_all_node_devices(
        &self,
        flags: ListNodeDevicesFlags,
    ) -> Result<Vec<NodeDeviceRef>> {
        let caps = flags & !(ListNodeDevicesFlags::ACTIVE | ListNodeDevicesFlags::INACTIVE);
        let wants_active = flags.contains(ListNodeDevicesFlags::ACTIVE);
        let wants_inactive = flags.contains(ListNodeDevicesFlags::INACTIVE);
        Ok(self
            .read_devices()
            .values()
            // Every device found in sysfs is active.
            .filter(|_| wants_active || !wants_inactive)
            .filter(|d| caps.is_empty() || d.cap.flags().intersects(caps))
            .map(|d| NodeDeviceRef {
                name: d.name.clone(),
            })
            .collect())
    }

    fn node_device_lookup_by_name(&self, name: &str) -> Result<NodeDeviceRef> {
        if self.read_devices().contains_key(name) {
            Ok(NodeDeviceRef {
                name: name.to_string(),
            })
        } else {
            Err(no_such_device(name))
        }
    }

    fn node_device_lookup_scsi_host_by_wwn(
        &self,
        wwnn: &str,
        wwpn: &str,
        flags: u32,
    ) -> Result<NodeDeviceRef> {
        if flags != 0 {
            return Err(Error::unsupported_flags(
                ERR,
                flags,
                "nodeDeviceLookupSCSIHostByWWN",
            ));
        }
        let devices = self.read_devices();
        let mut refreshed: Vec<NodeDevice> = devices.values().cloned().collect();
        drop(devices);
        for d in refreshed.iter_mut() {
            if let Capability::ScsiHost(h) = &mut d.cap {
                scan::refresh_scsi_host(&self.inner.sysfs, h);
                if let Some(fc) = &h.fc_host {
                    if fc.wwnn == wwnn && fc.wwpn == wwpn {
                        return Ok(NodeDeviceRef {
                            name: d.name.clone(),
                        });
                    }
                }
            }
        }
        // libvirt 9.0 fails here without setting an error of its own.
        Err(Error::raw(
            ErrorDomain::None,
            ErrorCode::InternalError,
            "An error occurred, but the cause is unknown",
        ))
    }

    fn node_device_get_xml_desc(&self, dev: &NodeDeviceRef, flags: u32) -> Result<String> {
        if flags != 0 {
            return Err(Error::unsupported_flags(ERR, flags, "nodeDeviceGetXMLDesc"));
        }
        self.xml_desc(&dev.name)
    }

    fn node_device_get_parent(&self, dev: &NodeDeviceRef) -> Result<Option<String>> {
        let d = self
            .device(&dev.name)
            .ok_or_else(|| no_such_device(&dev.name))?;
        Ok(d.parent)
    }

    fn node_device_list_caps(&self, dev: &NodeDeviceRef) -> Result<Vec<String>> {
        let mut d = self
            .device(&dev.name)
            .ok_or_else(|| no_such_device(&dev.name))?;
        scan::refresh_for_xml(&self.inner.sysfs, &mut d)
            .map_err(|m| Error::new(ERR, ErrorCode::InternalError, m))?;
        Ok(d.cap.names().into_iter().map(str::to_string).collect())
    }

    fn node_device_detach(
        &self,
        dev: &NodeDeviceRef,
        driver: Option<&str>,
        flags: u32,
    ) -> Result<()> {
        if flags != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::Qemu,
                flags,
                "qemuNodeDeviceDetachFlags",
            ));
        }
        // libvirt checks the backend before looking at the device.
        match driver.unwrap_or("vfio") {
            "vfio" => {
                if !pci::host_supports_vfio(&self.inner.sysfs) {
                    return Err(Error::new(
                        ErrorDomain::Qemu,
                        ErrorCode::ArgumentUnsupported,
                        "VFIO device assignment is currently not supported on this system",
                    ));
                }
            }
            "kvm" => {
                return Err(Error::new(
                    ErrorDomain::Qemu,
                    ErrorCode::ArgumentUnsupported,
                    "KVM device assignment is no longer supported on this system",
                ))
            }
            other => {
                return Err(Error::new(
                    ErrorDomain::Qemu,
                    ErrorCode::InvalidArg,
                    format!("unknown driver name '{other}'"),
                ))
            }
        }
        let addr = self.pci_address(dev)?;
        pci::detach(&self.inner.sysfs, &addr, "vfio-pci", self.usage().as_ref()).map_err(pci_error)
    }

    fn node_device_reattach(&self, dev: &NodeDeviceRef) -> Result<()> {
        let addr = self.pci_address(dev)?;
        pci::reattach(&self.inner.sysfs, &addr, self.usage().as_ref()).map_err(pci_error)
    }

    fn node_device_reset(&self, dev: &NodeDeviceRef) -> Result<()> {
        let addr = self.pci_address(dev)?;
        pci::reset(&self.inner.sysfs, &addr, self.usage().as_ref()).map_err(pci_error)
    }
}
