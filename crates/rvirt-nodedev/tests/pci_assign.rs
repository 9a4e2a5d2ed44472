//! Detach, reattach and reset on a writable copy of the fixture: sysfs attributes are plain
//! files there, so what the driver writes can be read back.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod common;

use std::path::Path;
use std::sync::Arc;

use rvirt_core::{ErrorCode, NodeDeviceDriver, NodeDeviceRef};
use rvirt_nodedev::{NodeDevDriver, PciAddress, PciDeviceUsage};

fn r(name: &str) -> NodeDeviceRef {
    NodeDeviceRef {
        name: name.to_string(),
    }
}

fn read(root: &Path, p: &str) -> String {
    std::fs::read_to_string(root.join(p)).unwrap()
}

/// Pretends a domain uses the listed devices.
struct Busy(Vec<&'static str>);

impl PciDeviceUsage for Busy {
    fn used_by(&self, addr: &PciAddress) -> Option<(String, String)> {
        self.0
            .contains(&addr.sysfs_name().as_str())
            .then(|| ("QEMU".to_string(), "guest1".to_string()))
    }
}

#[test]
fn detach_binds_to_vfio_and_reattach_restores() {
    let (_tmp, root) = common::fixture_copy();
    let d = NodeDevDriver::new(root.clone(), true);
    let dev = "sys/bus/pci/devices/0000:03:10.0";
    d.node_device_detach(&r("pci_0000_03_10_0"), None, 0)
        .unwrap();
    assert_eq!(read(&root, &format!("{dev}/driver_override")), "vfio-pci");
    assert_eq!(
        read(&root, "sys/bus/pci/drivers/igbvf/unbind"),
        "0000:03:10.0"
    );
    assert_eq!(read(&root, "sys/bus/pci/drivers_probe"), "0000:03:10.0");

    std::fs::write(root.join("sys/bus/pci/drivers/igbvf/unbind"), "").unwrap();
    std::fs::write(root.join("sys/bus/pci/drivers_probe"), "").unwrap();
    d.node_device_reattach(&r("pci_0000_03_10_0")).unwrap();
    assert_eq!(read(&root, &format!("{dev}/driver_override")), "\n");
    assert_eq!(
        read(&root, "sys/bus/pci/drivers/igbvf/unbind"),
        "0000:03:10.0"
    );
    assert_eq!(read(&root, "sys/bus/pci/drivers_probe"), "0000:03:10.0");
}

#[test]
fn detach_refuses_devices_in_use_and_busy_iommu_groups() {
    let (_tmp, root) = common::fixture_copy();
    let d = NodeDevDriver::new(root.clone(), true);
    d.set_pci_usage(Arc::new(Busy(vec!["0000:03:10.0"])));
    let e = d
        .node_device_detach(&r("pci_0000_03_10_0"), None, 0)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationInvalid);
    assert_eq!(
        e.message,
        "Requested operation is not valid: PCI device 0000:03:10.0 is in use by driver QEMU, domain guest1"
    );
    let e = d.node_device_reattach(&r("pci_0000_03_10_0")).unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationInvalid);

    // Put the second VF into the first one's IOMMU group: the group is busy as a whole.
    std::os::unix::fs::symlink(
        "../../../../devices/pci0000:00/0000:00:01.0/0000:03:10.2",
        root.join("sys/kernel/iommu_groups/4/devices/0000:03:10.2"),
    )
    .unwrap();
    d.set_pci_usage(Arc::new(Busy(vec!["0000:03:10.2"])));
    let e = d
        .node_device_detach(&r("pci_0000_03_10_0"), None, 0)
        .unwrap_err();
    assert!(
        e.message.contains("PCI device 0000:03:10.2 is in use"),
        "{}",
        e.message
    );
    assert_eq!(
        read(&root, "sys/bus/pci/devices/0000:03:10.0/driver_override"),
        "(null)\n"
    );
}

#[test]
fn detach_checks_driver_name_and_device_kind() {
    let (_tmp, root) = common::fixture_copy();
    let d = NodeDevDriver::new(root.clone(), true);
    let e = d
        .node_device_detach(&r("pci_0000_03_10_0"), Some("kvm"), 0)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ArgumentUnsupported);
    let e = d
        .node_device_detach(&r("pci_0000_03_10_0"), Some("xen"), 0)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArg);
    assert!(e.message.ends_with("unknown driver name 'xen'"));
    let e = d.node_device_detach(&r("usb_2_1"), None, 0).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArg);
    assert_eq!(
        e.message,
        "invalid argument: device usb_2_1 is not a PCI device"
    );
    let e = d.node_device_reset(&r("usb_2_1")).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArg);
    let e = d.node_device_detach(&r("nope"), None, 0).unwrap_err();
    assert_eq!(e.code, ErrorCode::NoNodeDevice);
    // Without IOMMU groups VFIO cannot be used.
    std::fs::remove_dir_all(root.join("dev/vfio")).unwrap();
    let e = d
        .node_device_detach(&r("pci_0000_03_10_0"), None, 0)
        .unwrap_err();
    assert_eq!(
        e.message,
        "argument unsupported: VFIO device assignment is currently not supported on this system"
    );
}

#[test]
fn reset_follows_libvirts_choice_of_method() {
    let (_tmp, root) = common::fixture_copy();
    let d = NodeDevDriver::new(root.clone(), true);
    // FLR: QEMU resets the function itself, nothing is written.
    let pf_cfg = "sys/bus/pci/devices/0000:03:00.0/config";
    let before = std::fs::read(root.join(pf_cfg)).unwrap();
    d.node_device_reset(&r("pci_0000_03_00_0")).unwrap();
    assert_eq!(std::fs::read(root.join(pf_cfg)).unwrap(), before);
    // PM reset: the config space is written (D3hot, D0) and restored.
    let ehci_cfg = "sys/bus/pci/devices/0000:00:1d.7/config";
    let before = std::fs::read(root.join(ehci_cfg)).unwrap();
    let mtime = std::fs::metadata(root.join(ehci_cfg))
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    d.node_device_reset(&r("pci_0000_00_1d_7")).unwrap();
    assert_eq!(std::fs::read(root.join(ehci_cfg)).unwrap(), before);
    assert!(
        std::fs::metadata(root.join(ehci_cfg))
            .unwrap()
            .modified()
            .unwrap()
            > mtime
    );
    // No reset method on the root bus.
    let e = d.node_device_reset(&r("pci_0000_00_02_0")).unwrap_err();
    assert_eq!(
        e.message,
        "internal error: Unable to reset PCI device 0000:00:02.0: no FLR, PM reset or bus reset available"
    );
    // Bridges are never reset.
    let e = d.node_device_reset(&r("pci_0000_00_01_0")).unwrap_err();
    assert!(e.message.contains("Only PCI endpoint devices can be reset"));
    // Devices in use are not reset.
    d.set_pci_usage(Arc::new(Busy(vec!["0000:03:00.0"])));
    let e = d.node_device_reset(&r("pci_0000_03_00_0")).unwrap_err();
    assert!(e
        .message
        .ends_with("Not resetting active device 0000:03:00.0"));
}
