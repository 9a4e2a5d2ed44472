//! The `host1` fixture tree (tests/fixtures/make_host1.py) against XML written by hand from
//! libvirt's node device format: one expected file per device in host1.expected/.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rvirt_core::events::nodedev_lifecycle;
use rvirt_core::NodeDeviceRef;
use rvirt_core::{ErrorCode, ErrorDomain, Event, ListNodeDevicesFlags as F, NodeDeviceDriver};
use rvirt_nodedev::NodeDevDriver;

fn driver() -> NodeDevDriver {
    NodeDevDriver::new(common::fixture_root(), true)
}

fn r(name: &str) -> NodeDeviceRef {
    NodeDeviceRef {
        name: name.to_string(),
    }
}

#[test]
fn every_expected_xml_matches() {
    let d = driver();
    let dir = common::fixture_root().with_file_name("host1.expected");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let expected = std::fs::read_to_string(&path).unwrap();
        let got = d.node_device_get_xml_desc(&r(&name), 0).unwrap();
        assert_eq!(got, expected, "XML of {name}");
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} expected files");
}

#[test]
fn list_matches_expected_names() {
    let expected =
        std::fs::read_to_string(common::fixture_root().with_file_name("host1.list")).unwrap();
    assert_eq!(driver().virsh_list(None), expected);
}

#[test]
fn parents_form_the_tree() {
    let d = driver();
    let parents: BTreeMap<String, Option<String>> = d
        .devices()
        .into_iter()
        .map(|x| (x.name, x.parent))
        .collect();
    let p = |n: &str| parents[n].clone();
    assert_eq!(p("computer"), None);
    assert_eq!(p("pci_0000_03_00_0").as_deref(), Some("pci_0000_00_01_0"));
    assert_eq!(p("usb_2_1_1_0").as_deref(), Some("usb_2_1"));
    assert_eq!(p("usb_usb2").as_deref(), Some("pci_0000_00_1d_7"));
    assert_eq!(p("scsi_1_0_0_0").as_deref(), Some("scsi_target1_0_0"));
    assert_eq!(
        p("net_wlan0_00_13_02_b9_f9_d3").as_deref(),
        Some("computer")
    );
    assert_eq!(
        d.node_device_get_parent(&r("drm_card0"))
            .unwrap()
            .as_deref(),
        Some("pci_0000_00_02_0")
    );
    assert_eq!(d.node_device_get_parent(&r("computer")).unwrap(), None);
    let tree = d.virsh_tree();
    assert!(tree.starts_with("computer\n  |\n"), "{tree}");
    assert!(tree.contains(
        "  +- pci_0000_00_1f_2\n      |\n      +- scsi_host1\n          |\n          +- scsi_target1_0_0\n"
    ));
}

fn names(d: &NodeDevDriver, flags: F) -> Vec<String> {
    d.connect_list_all_node_devices(flags)
        .unwrap()
        .into_iter()
        .map(|x| x.name)
        .collect()
}

#[test]
fn list_all_filters_by_capability() {
    let d = driver();
    let all = names(&d, F::empty());
    assert_eq!(all.len(), 27);
    assert_eq!(names(&d, F::CAP_SYSTEM), ["computer"]);
    assert_eq!(names(&d, F::CAP_PCI_DEV).len(), 11);
    assert_eq!(names(&d, F::CAP_USB_DEV), ["usb_2_1", "usb_usb2"]);
    assert_eq!(names(&d, F::CAP_USB_INTERFACE), ["usb_2_1_1_0"]);
    assert_eq!(names(&d, F::CAP_NET).len(), 2);
    assert_eq!(names(&d, F::CAP_SCSI_HOST), ["scsi_host1", "scsi_host7"]);
    assert_eq!(names(&d, F::CAP_SCSI_TARGET), ["scsi_target1_0_0"]);
    assert_eq!(names(&d, F::CAP_SCSI), ["scsi_1_0_0_0"]);
    assert_eq!(names(&d, F::CAP_STORAGE).len(), 2);
    assert_eq!(names(&d, F::CAP_FC_HOST), ["scsi_host7"]);
    assert_eq!(names(&d, F::CAP_VPORTS), ["scsi_host7"]);
    assert_eq!(names(&d, F::CAP_DRM), ["drm_card0", "drm_renderD128"]);
    assert_eq!(names(&d, F::CAP_SCSI_GENERIC), ["scsi_generic_sg0"]);
    assert_eq!(names(&d, F::CAP_MDEV_TYPES), ["pci_0000_00_02_0"]);
    assert_eq!(
        names(&d, F::CAP_MDEV),
        ["mdev_4b20d080_1b54_4048_85b3_a6a62d165c01_0000_00_02_0"]
    );
    for none in [
        F::CAP_CCW_DEV,
        F::CAP_CSS_DEV,
        F::CAP_VDPA,
        F::CAP_AP_CARD,
        F::CAP_AP_QUEUE,
        F::CAP_AP_MATRIX,
    ] {
        assert!(names(&d, none).is_empty(), "{none:?}");
    }
    assert_eq!(names(&d, F::CAP_VPD), ["pci_0000_03_00_0"]);
    assert_eq!(names(&d, F::CAP_NET | F::CAP_DRM).len(), 4);
    // Every real device is active.
    assert_eq!(names(&d, F::ACTIVE), all);
    assert!(names(&d, F::INACTIVE).is_empty());
    assert_eq!(names(&d, F::ACTIVE | F::INACTIVE), all);
    assert_eq!(names(&d, F::ACTIVE | F::CAP_SCSI), ["scsi_1_0_0_0"]);
    // Legacy listing by capability name, nested names included.
    assert_eq!(d.num_of_devices(Some("pci")), 11);
    assert_eq!(d.list_devices(Some("fc_host")), ["scsi_host7"]);
    assert_eq!(d.num_of_devices(Some("bogus")), 0);
}

#[test]
fn lookups_and_caps() {
    let d = driver();
    assert_eq!(
        d.node_device_list_caps(&r("scsi_host7")).unwrap(),
        ["scsi_host", "fc_host", "vports"]
    );
    assert_eq!(
        d.node_device_list_caps(&r("pci_0000_03_00_0")).unwrap(),
        ["pci", "vpd"]
    );
    assert_eq!(
        d.node_device_list_caps(&r("pci_0000_03_10_0")).unwrap(),
        ["pci"]
    );
    assert_eq!(
        d.node_device_list_caps(&r("pci_0000_00_02_0")).unwrap(),
        ["pci", "mdev_types"]
    );
    let e = d.node_device_lookup_by_name("nope").unwrap_err();
    assert_eq!(e.code, ErrorCode::NoNodeDevice);
    assert_eq!(e.domain, ErrorDomain::Nodedev);
    assert_eq!(
        e.message,
        "Node device not found: no node device with matching name 'nope'"
    );
    assert_eq!(
        d.node_device_lookup_scsi_host_by_wwn("20000000c9848140", "10000000c9848140", 0)
            .unwrap()
            .name,
        "scsi_host7"
    );
    let e = d
        .node_device_lookup_scsi_host_by_wwn("20000000c9848140", "0", 0)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InternalError);
    let e = d.node_device_get_xml_desc(&r("computer"), 1).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArg);
    assert_eq!(
        e.message,
        "unsupported flags (0x1) in function nodeDeviceGetXMLDesc"
    );
}

#[test]
fn simulated_hotplug_updates_list_and_emits_events() {
    let (_tmp, root) = common::fixture_copy();
    let d = NodeDevDriver::new(root.clone(), true);
    let seen: Arc<Mutex<Vec<(String, i32)>>> = Arc::default();
    let s = seen.clone();
    let id = d.connect_event_register(
        None,
        0,
        Arc::new(move |ev| {
            if let Event::NodeDeviceLifecycle { device, event, .. } = ev {
                s.lock().unwrap().push((device.name.clone(), *event));
            }
        }),
    );
    // A new USB interface appears below the stick.
    let intf = root.join("sys/devices/pci0000:00/0000:00:1d.7/usb2/2-1/2-1:1.1");
    std::fs::create_dir_all(&intf).unwrap();
    std::fs::write(intf.join("uevent"), "DEVTYPE=usb_interface\n").unwrap();
    for (f, v) in [
        ("bInterfaceNumber", "01\n"),
        ("bInterfaceClass", "03\n"),
        ("bInterfaceSubClass", "01\n"),
        ("bInterfaceProtocol", "02\n"),
    ] {
        std::fs::write(intf.join(f), v).unwrap();
    }
    std::os::unix::fs::symlink("../../../../../../bus/usb", intf.join("subsystem")).unwrap();
    d.handle_uevent(
        "add",
        "/devices/pci0000:00/0000:00:1d.7/usb2/2-1/2-1:1.1",
        None,
    );
    let x = d.device("usb_2_1_1_1").expect("device added");
    assert_eq!(x.parent.as_deref(), Some("usb_2_1"));
    d.handle_uevent(
        "remove",
        "/devices/pci0000:00/0000:00:1d.7/usb2/2-1/2-1:1.1",
        None,
    );
    assert!(d.node_device_lookup_by_name("usb_2_1_1_1").is_err());
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("usb_2_1_1_1".to_string(), nodedev_lifecycle::CREATED),
            ("usb_2_1_1_1".to_string(), nodedev_lifecycle::DELETED)
        ]
    );
    d.connect_event_deregister(id).unwrap();
    assert!(d.connect_event_deregister(id).is_err());
}
