//! rvirt's node device driver: the host's devices read from sysfs and named, related and
//! described the way libvirt's udev backend does (`pci_0000_00_02_1`, `usb_1_5_3`,
//! `net_eth1_00_27_13_6a_fe_00`, ...), with PCI detach/reattach/reset for device assignment
//! and kernel hotplug events turned into node device lifecycle events.
//!
//! The sysfs root is configurable so the same code runs on fixture trees in tests.

pub mod device;
pub mod driver;
pub mod monitor;
pub mod netdev;
pub mod pci;
pub mod pciids;
pub mod scan;
pub mod sysfs;
pub mod virsh;
pub mod vpd;

pub use device::{Capability, NodeDevice, PciAddress};
pub use driver::NodeDevDriver;
pub use monitor::HotplugMonitor;
pub use pci::{NoUsage, PciDeviceUsage};

impl NodeDevDriver {
    /// Starts the kernel uevent listener that keeps this driver's list current.
    pub fn start_hotplug(&self) -> std::io::Result<HotplugMonitor> {
        HotplugMonitor::start(self.clone())
    }

    /// `virsh nodedev-list [--cap CAP]` output for this driver's devices.
    pub fn virsh_list(&self, cap: Option<&str>) -> String {
        virsh::format_list(&self.list_devices(cap))
    }

    /// `virsh nodedev-list --tree` output for this driver's devices.
    pub fn virsh_tree(&self) -> String {
        let devs: Vec<(String, Option<String>)> = self
            .devices()
            .into_iter()
            .map(|d| (d.name, d.parent))
            .collect();
        virsh::format_tree(&devs)
    }
}
