//! Turning sysfs entries into node devices, following libvirt's udev backend
//! (`node_device_udev.c`): which devices count, how they are named, which properties and
//! attributes fill each capability, and how parents are found.

use std::collections::{BTreeMap, BTreeSet};

use crate::device::*;
use crate::netdev;
use crate::pci;
use crate::sysfs::{parse_int, parse_uint, parse_ull, Properties, Sysfs};

/// The directories whose entries (symlinks to `/sys/devices/...`) are examined. libvirt asks
/// udev for every device; these are where the kinds it keeps live.
pub const SCAN_DIRS: &[&str] = &[
    "/sys/bus/pci/devices",
    "/sys/bus/usb/devices",
    "/sys/class/net",
    "/sys/bus/scsi/devices",
    "/sys/class/block",
    "/sys/class/scsi_generic",
    "/sys/class/drm",
    "/sys/bus/mdev/devices",
    "/sys/bus/vdpa/devices",
];

/// Canonical host-style sysfs paths of all candidate devices, sorted (so parents come before
/// their children, as in udev's enumeration).
pub fn candidate_syspaths(sysfs: &Sysfs) -> Vec<String> {
    let mut set = BTreeSet::new();
    for dir in SCAN_DIRS {
        for entry in sysfs.list_dir(dir) {
            if let Some(p) = sysfs.canonical(&format!("{dir}/{entry}")) {
                set.insert(p);
            }
        }
    }
    set.into_iter().collect()
}

/// libvirt's `nodeDeviceGenerateName`: `subsystem_sysname[_suffix]` with every character
/// that is not an ASCII letter or digit replaced by `_`.
pub fn generate_name(subsystem: &str, sysname: &str, suffix: Option<&str>) -> String {
    let mut name = format!("{subsystem}_{sysname}");
    if let Some(s) = suffix {
        name.push('_');
        name.push_str(s);
    }
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The kind of device (`udevGetDeviceType`), `None` for devices libvirt ignores.
fn device_kind(p: &Properties) -> Option<&'static str> {
    if let Some(devtype) = p.devtype() {
        return match devtype {
            "usb_device" => Some("usb_device"),
            "usb_interface" => Some("usb"),
            "scsi_host" => Some("scsi_host"),
            "scsi_target" => Some("scsi_target"),
            "scsi_device" => Some("scsi"),
            "disk" => Some("storage"),
            "wlan" => Some("net"),
            "drm_minor" => Some("drm"),
            _ => None,
        };
    }
    let mut kind = None;
    if p.has("PCI_CLASS") {
        kind = Some("pci");
    }
    if p.has("INTERFACE") {
        kind = Some("net");
    }
    match p.subsystem.as_deref() {
        Some("scsi_generic") => Some("scsi_generic"),
        Some("mdev") => Some("mdev"),
        Some("vdpa") => Some("vdpa"),
        _ => kind,
    }
}

/// Reads everything needed to describe one device; `None` when libvirt would skip it (not a
/// kind it knows, or missing data its processing requires).
pub fn build_device(sysfs: &Sysfs, syspath: &str, privileged: bool) -> Option<NodeDevice> {
    let props = sysfs.properties(syspath);
    let kind = device_kind(&props)?;
    let subsystem = props.subsystem.clone().unwrap_or_default();
    let sysname = props.sysname.clone();
    let attr = |name: &str| sysfs.attr(&format!("{syspath}/{name}"));
    let string_attr = |name: &str| sysfs.string_attr(&format!("{syspath}/{name}"));
    let uint_attr = |name: &str, base: u32| -> Result<Option<u32>, ()> {
        match attr(name) {
            Some(v) => parse_uint(&v, base).map(Some).ok_or(()),
            None => Ok(None),
        }
    };
    let (name, cap) = match kind {
        "pci" => {
            let class = i64::from_str_radix(props.get("PCI_CLASS")?, 16).ok()?;
            let address = PciAddress::parse(&sysname)?;
            let vendor = uint_attr("vendor", 16).ok()?.unwrap_or(0);
            let product = uint_attr("device", 16).ok()?.unwrap_or(0);
            let (vendor_name, product_name) = sysfs.pci_ids().lookup(vendor, product);
            let numa_node = match attr("numa_node") {
                Some(v) => parse_int(&v, 10)?,
                None => -1,
            };
            let mut cap = PciCap {
                class,
                address,
                vendor,
                product,
                vendor_name,
                product_name,
                numa_node,
                ..Default::default()
            };
            pci::refresh_dynamic(sysfs, syspath, &mut cap);
            if privileged {
                pci::fill_config_caps(sysfs, &mut cap).ok()?;
            }
            (
                generate_name(&subsystem, &sysname, None),
                Capability::Pci(Box::new(cap)),
            )
        }
        "usb_device" => {
            let bus = parse_uint(props.get("BUSNUM")?, 10)?;
            let device = parse_uint(props.get("DEVNUM")?, 10)?;
            // udev's usb_id builtin sets ID_VENDOR_ID/ID_MODEL_ID from these attributes.
            let vendor = match props.get("ID_VENDOR_ID") {
                Some(v) => parse_uint(v, 16)?,
                None => parse_uint(&attr("idVendor")?, 16)?,
            };
            let product = match props.get("ID_MODEL_ID") {
                Some(v) => parse_uint(v, 16)?,
                None => parse_uint(&attr("idProduct")?, 16)?,
            };
            let vendor_name = props
                .get("ID_VENDOR_FROM_DATABASE")
                .map(str::to_string)
                .or_else(|| string_attr("manufacturer"));
            let product_name = props
                .get("ID_MODEL_FROM_DATABASE")
                .map(str::to_string)
                .or_else(|| string_attr("product"));
            (
                generate_name(&subsystem, &sysname, None),
                Capability::UsbDevice(UsbDeviceCap {
                    bus,
                    device,
                    vendor,
                    product,
                    vendor_name,
                    product_name,
                }),
            )
        }
        "usb" => {
            let cap = UsbInterfaceCap {
                number: uint_attr("bInterfaceNumber", 16).ok()?.unwrap_or(0),
                class: uint_attr("bInterfaceClass", 16).ok()?.unwrap_or(0),
                subclass: uint_attr("bInterfaceSubClass", 16).ok()?.unwrap_or(0),
                protocol: uint_attr("bInterfaceProtocol", 16).ok()?.unwrap_or(0),
            };
            (
                generate_name(&subsystem, &sysname, None),
                Capability::UsbInterface(cap),
            )
        }
        "net" => {
            let ifname = props.get("INTERFACE")?.to_string();
            let address = string_attr("address");
            let (link_state, link_speed) = netdev::link_info(sysfs, &ifname).ok()?;
            let features = netdev::features(sysfs, &ifname);
            (
                generate_name(&subsystem, &sysname, address.as_deref()),
                Capability::Net(NetCap {
                    wireless: props.devtype() == Some("wlan"),
                    ifname,
                    address,
                    link_speed,
                    link_state,
                    features,
                }),
            )
        }
        "scsi_host" => {
            let host = parse_uint(sysname.strip_prefix("host")?, 0)?;
            let mut cap = ScsiHostCap {
                host,
                ..Default::default()
            };
            refresh_scsi_host(sysfs, &mut cap);
            (
                generate_name(&subsystem, &sysname, None),
                Capability::ScsiHost(cap),
            )
        }
        "scsi_target" => {
            let mut cap = ScsiTargetCap {
                name: sysname.clone(),
                fc_remote_port: None,
            };
            refresh_scsi_target(sysfs, syspath, &mut cap);
            (
                generate_name(&subsystem, &sysname, None),
                Capability::ScsiTarget(cap),
            )
        }
        "scsi" => {
            let mut parts = sysname.split(':').map(|p| parse_uint(p, 10));
            let (host, bus, target, lun) = (
                parts.next()??,
                parts.next()??,
                parts.next()??,
                parts.next()??,
            );
            let kind = match attr("type") {
                Some(t) => scsi_type_name(parse_uint(&t, 0)?),
                None => None,
            };
            (
                generate_name(&subsystem, &sysname, None),
                Capability::Scsi(ScsiCap {
                    host,
                    bus,
                    target,
                    lun,
                    kind: kind.map(str::to_string),
                }),
            )
        }
        "storage" => {
            let cap = storage_cap(sysfs, syspath, &props)?;
            let name = generate_name(&subsystem, &sysname, cap.serial.as_deref());
            (name, Capability::Storage(cap))
        }
        "scsi_generic" => (
            generate_name(&subsystem, &sysname, None),
            Capability::ScsiGeneric(props.devnode()?),
        ),
        "drm" => {
            let minor = parse_int(props.get("MINOR")?, 10)?;
            if minor < 0 || (minor >> 6) > 2 {
                return None;
            }
            (
                generate_name(&subsystem, &sysname, None),
                Capability::Drm((minor >> 6) as u32),
            )
        }
        "mdev" => {
            let type_id = sysfs.link_basename(&format!("{syspath}/mdev_type"))?;
            let iommu_group = sysfs
                .link_basename(&format!("{syspath}/iommu_group"))?
                .parse()
                .ok()?;
            let parent_addr = syspath.rsplit('/').nth(1)?.to_string();
            (
                generate_name(&subsystem, &sysname, Some(&parent_addr)),
                Capability::Mdev(MdevCap {
                    type_id,
                    uuid: sysname.clone(),
                    parent_addr,
                    iommu_group,
                }),
            )
        }
        "vdpa" => {
            // The vhost-vdpa character device named in the device's directory must exist.
            let chardev = match sysfs
                .list_dir(syspath)
                .into_iter()
                .find(|e| e.starts_with("vhost-vdpa"))
            {
                Some(entry) => {
                    let dev = format!("/dev/{entry}");
                    if !sysfs.exists(&dev) {
                        return None;
                    }
                    Some(dev)
                }
                None => None,
            };
            (
                generate_name(&subsystem, &sysname, None),
                Capability::Vdpa(chardev),
            )
        }
        _ => return None,
    };
    Some(NodeDevice {
        name,
        sysfs_path: Some(syspath.to_string()),
        devnode: props.devnode(),
        devlinks: props.devlinks.clone(),
        parent: None,
        parent_sysfs_path: None,
        driver: props.get("DRIVER").map(str::to_string),
        cap,
    })
}

/// Linux SCSI peripheral device type names libvirt knows.
fn scsi_type_name(t: u32) -> Option<&'static str> {
    Some(match t {
        0 => "disk",
        1 => "tape",
        3 => "processor",
        4 => "worm",
        5 => "cdrom",
        6 => "scanner",
        7 => "mod",
        8 => "changer",
        0xd => "enclosure",
        0xc => "raid",
        _ => return None,
    })
}

/// An FC/vHBA attribute as libvirt reads it: first line, without a `0x` prefix.
fn fc_attr(sysfs: &Sysfs, path: &str) -> Option<String> {
    let text = sysfs.attr(path)?;
    let line = text.lines().next().unwrap_or("");
    Some(match line.find("0x") {
        Some(i) => line[i + 2..].to_string(),
        None => line.to_string(),
    })
}

/// `virNodeDeviceGetSCSIHostCaps`: unique id, FC HBA names and vport counts.
pub fn refresh_scsi_host(sysfs: &Sysfs, cap: &mut ScsiHostCap) {
    let host = cap.host;
    cap.unique_id = sysfs
        .attr(&format!("/sys/class/scsi_host/host{host}/unique_id"))
        .and_then(|v| parse_int(v.trim(), 10));
    cap.fc_host = None;
    cap.vport_ops = None;
    let fc = format!("/sys/class/fc_host/host{host}");
    if sysfs.exists(&fc) {
        let (Some(wwpn), Some(wwnn)) = (
            fc_attr(sysfs, &format!("{fc}/port_name")),
            fc_attr(sysfs, &format!("{fc}/node_name")),
        ) else {
            return;
        };
        cap.fc_host = Some(FcHost {
            wwnn,
            wwpn,
            fabric_wwn: fc_attr(sysfs, &format!("{fc}/fabric_name")),
        });
    }
    if sysfs.exists(&format!("{fc}/vport_create")) {
        let max = fc_attr(sysfs, &format!("{fc}/max_npiv_vports")).and_then(|v| parse_int(&v, 10));
        let inuse =
            fc_attr(sysfs, &format!("{fc}/npiv_vports_inuse")).and_then(|v| parse_int(&v, 10));
        match (max, inuse) {
            (Some(m), Some(i)) => cap.vport_ops = Some((m, i)),
            // libvirt drops both FC capabilities when the vport data is unreadable.
            _ => cap.fc_host = None,
        }
    }
}

/// `virNodeDeviceGetSCSITargetCaps`: the FC remote port a target sits behind.
pub fn refresh_scsi_target(sysfs: &Sysfs, syspath: &str, cap: &mut ScsiTargetCap) {
    cap.fc_remote_port = None;
    let Some(rport) = syspath.rsplit('/').nth(1) else {
        return;
    };
    if !rport.starts_with("rport-") {
        return;
    }
    let dir = format!("/sys/class/fc_remote_ports/{rport}");
    if !sysfs.exists(&format!("{dir}/port_name")) {
        return;
    }
    if let Some(wwpn) = fc_attr(sysfs, &format!("{dir}/port_name")) {
        cap.fc_remote_port = Some((rport.to_string(), wwpn));
    }
}

/// `udevProcessStorage` and the per-drive-type helpers it calls.
fn storage_cap(sysfs: &Sysfs, syspath: &str, props: &Properties) -> Option<StorageCap> {
    let block = props.devnode()?;
    let trimmed = |name: &str| {
        sysfs
            .string_attr(&format!("{syspath}/{name}"))
            .map(|v| v.trim().to_string())
    };
    let mut cap = StorageCap {
        bus: props.get("ID_BUS").map(str::to_string),
        serial: props.get("ID_SERIAL").map(str::to_string),
        vendor: trimmed("device/vendor"),
        model: trimmed("device/model"),
        drive_type: props.get("ID_TYPE").map(str::to_string),
        block,
        ..Default::default()
    };
    if cap.drive_type.is_none() || cap.drive_type.as_deref() == Some("generic") {
        cap.drive_type = if props.has("ID_DRIVE_FLOPPY") {
            Some("floppy".into())
        } else if props.has("ID_CDROM") {
            Some("cd".into())
        } else if props.has("ID_DRIVE_FLASH_SD") {
            Some("sd".into())
        } else {
            // No definitive type from udev: guess from the device node's name.
            let guess = [
                ("/dev/vd", "disk"),
                ("/dev/dasd", "dasd"),
                ("/dev/nvme", "disk"),
            ]
            .iter()
            .find(|(prefix, _)| cap.block.starts_with(prefix))
            .map(|(_, t)| t.to_string());
            Some(guess?)
        };
    }
    let size_attrs = || -> Option<(u64, u64)> {
        let blocks = match sysfs.attr(&format!("{syspath}/size")) {
            Some(v) => parse_ull(&v)?,
            None => 0,
        };
        let lbs = match sysfs.attr(&format!("{syspath}/queue/logical_block_size")) {
            Some(v) => parse_ull(&v)?,
            None => 0,
        };
        Some((blocks, lbs))
    };
    let drive_type = cap.drive_type.clone().unwrap_or_default();
    match drive_type.as_str() {
        "cd" | "cd/dvd" => {
            cap.drive_type = Some("cdrom".into());
            let has_media = match props.get("ID_CDROM_MEDIA") {
                Some(v) => parse_int(v, 0)? != 0,
                None => false,
            };
            removable_media(sysfs, syspath, props, &mut cap, has_media, size_attrs)?;
        }
        "floppy" => {
            let has_media = props.has("ID_FS_LABEL");
            removable_media(sysfs, syspath, props, &mut cap, has_media, size_attrs)?;
        }
        "disk" | "sd" | "dasd" => {
            if drive_type == "dasd" {
                cap.serial = sysfs.string_attr(&format!("{syspath}/device/uid"));
            }
            let (blocks, lbs) = size_attrs()?;
            cap.num_blocks = blocks;
            cap.logical_block_size = lbs;
            cap.size = blocks.wrapping_mul(lbs);
        }
        _ => return None,
    }
    Some(cap)
}

fn removable_media(
    sysfs: &Sysfs,
    syspath: &str,
    props: &Properties,
    cap: &mut StorageCap,
    has_media: bool,
    size_attrs: impl Fn() -> Option<(u64, u64)>,
) -> Option<()> {
    if let Some(v) = sysfs.attr(&format!("{syspath}/removable")) {
        cap.removable = parse_int(&v, 0)? == 1;
    }
    if !has_media {
        return Some(());
    }
    cap.media_available = true;
    cap.media_label = props.get("ID_FS_LABEL").map(str::to_string);
    let (blocks, lbs) = size_attrs()?;
    cap.num_blocks = blocks;
    cap.logical_block_size = lbs;
    // libvirt multiplies 512-byte sectors by the logical block size here too.
    cap.removable_media_size = blocks.wrapping_mul(lbs);
    Some(())
}

/// The `computer` device: DMI data when the host exposes it (x86).
pub fn system_device(sysfs: &Sysfs, host_uuid: uuid::Uuid) -> NodeDevice {
    const DMI: &str = "/sys/devices/virtual/dmi/id";
    let mut cap = SystemCap::default();
    if sysfs.exists(DMI) {
        let a = |n: &str| sysfs.string_attr(&format!("{DMI}/{n}"));
        cap.product_name = a("product_name");
        cap.hw_vendor = a("sys_vendor");
        cap.hw_version = a("product_version");
        cap.hw_serial = a("product_serial");
        cap.uuid = host_uuid;
        cap.fw_vendor = a("bios_vendor");
        cap.fw_version = a("bios_version");
        cap.fw_release_date = a("bios_date");
    }
    NodeDevice {
        name: "computer".into(),
        sysfs_path: None,
        devnode: None,
        devlinks: Vec::new(),
        parent: None,
        parent_sysfs_path: None,
        driver: None,
        cap: Capability::System(cap),
    }
}

/// The host UUID libvirt reports (`virGetHostUUID`): SMBIOS's product UUID unless it is
/// missing or degenerate (all bytes equal), then a random one.
pub fn host_uuid(sysfs: &Sysfs) -> uuid::Uuid {
    for path in [
        "/sys/devices/virtual/dmi/id/product_uuid",
        "/sys/class/dmi/id/product_uuid",
    ] {
        if let Some(text) = sysfs.attr(path) {
            if let Ok(u) = uuid::Uuid::parse_str(text.trim()) {
                let b = u.as_bytes();
                if b.iter().any(|x| *x != b[0]) {
                    return u;
                }
            }
        }
    }
    uuid::Uuid::new_v4()
}

/// The nearest ancestor of `syspath` that `lookup` knows as a device: `(name, its path)`.
pub fn find_parent(
    syspath: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Option<(String, String)> {
    let mut cur = syspath;
    while let Some((up, _)) = cur.rsplit_once('/') {
        if up.is_empty() {
            break;
        }
        if let Some(name) = lookup(up) {
            return Some((name, up.to_string()));
        }
        cur = up;
    }
    None
}

/// Sets a device's parent: the nearest ancestor directory that is itself a node device,
/// else `computer` (libvirt's `udevSetParent`).
pub fn set_parent(dev: &mut NodeDevice, lookup: impl Fn(&str) -> Option<String>) {
    let Some(path) = dev.sysfs_path.as_deref() else {
        return;
    };
    match find_parent(path, lookup) {
        Some((name, parent_path)) => {
            dev.parent = Some(name);
            dev.parent_sysfs_path = Some(parent_path);
        }
        None => {
            dev.parent = Some("computer".into());
            dev.parent_sysfs_path = None;
        }
    }
}

/// Sets every device's parent.
pub fn assign_parents(devices: &mut BTreeMap<String, NodeDevice>) {
    let by_path: BTreeMap<String, String> = devices
        .values()
        .filter_map(|d| Some((d.sysfs_path.clone()?, d.name.clone())))
        .collect();
    for dev in devices.values_mut() {
        set_parent(dev, |p| by_path.get(p).cloned());
    }
}

/// Re-reads what libvirt refreshes before printing a device (`nodeDeviceUpdateDriverName`,
/// `virNodeDeviceUpdateCaps`).
pub fn refresh_for_xml(sysfs: &Sysfs, dev: &mut NodeDevice) -> Result<(), String> {
    let Some(path) = dev.sysfs_path.clone() else {
        return Ok(());
    };
    dev.driver = if sysfs.path(&format!("{path}/driver")).exists() {
        sysfs.link_basename(&format!("{path}/driver"))
    } else {
        None
    };
    match &mut dev.cap {
        Capability::Net(n) => {
            let (state, speed) = netdev::link_info(sysfs, &n.ifname)?;
            n.link_state = state;
            n.link_speed = speed;
            n.features = netdev::features(sysfs, &n.ifname);
        }
        Capability::Pci(p) => pci::refresh_dynamic(sysfs, &path, p),
        Capability::ScsiHost(h) => refresh_scsi_host(sysfs, h),
        Capability::ScsiTarget(t) => refresh_scsi_target(sysfs, &path, t),
        _ => {}
    }
    Ok(())
}
