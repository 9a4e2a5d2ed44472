//! Node devices as libvirt's udev backend models them (`virNodeDeviceDef` with one
//! capability), and their XML in `virNodeDeviceDefFormat`'s layout.

use rvirt_core::ListNodeDevicesFlags;
use rvirt_xml::writer::XmlWriter;

/// A PCI address (`domain:bus:slot.function`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PciAddress {
    pub domain: u32,
    pub bus: u32,
    pub slot: u32,
    pub function: u32,
}

impl PciAddress {
    /// Parses `0000:00:02.1` (libvirt's `virPCIDeviceAddressParse`).
    pub fn parse(text: &str) -> Option<Self> {
        let (domain, rest) = text.split_once(':')?;
        let (bus, rest) = rest.split_once(':')?;
        let (slot, function) = rest.split_once('.')?;
        Some(PciAddress {
            domain: u32::from_str_radix(domain, 16).ok()?,
            bus: u32::from_str_radix(bus, 16).ok()?,
            slot: u32::from_str_radix(slot, 16).ok()?,
            function: u32::from_str_radix(function.trim(), 16).ok()?,
        })
    }

    /// `VIR_PCI_DEVICE_ADDRESS_FMT`: `%04x:%02x:%02x.%d`.
    pub fn sysfs_name(&self) -> String {
        format!(
            "{:04x}:{:02x}:{:02x}.{}",
            self.domain, self.bus, self.slot, self.function
        )
    }

    fn write_element(&self, w: &mut XmlWriter) {
        let (d, b, s, f) = (
            format!("0x{:04x}", self.domain),
            format!("0x{:02x}", self.bus),
            format!("0x{:02x}", self.slot),
            format!("0x{}", self.function),
        );
        w.empty(
            "address",
            &[
                ("domain", Some(&d)),
                ("bus", Some(&b)),
                ("slot", Some(&s)),
                ("function", Some(&f)),
            ],
        );
    }
}

/// A PCIe link (`virPCIELink`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcieLink {
    /// -1 when not reported (the negotiated link has no port).
    pub port: i32,
    pub speed: u32,
    pub width: u32,
}

/// `<pci-express>`: absent links print as `<pci-express/>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PciExpress {
    pub link_cap: Option<PcieLink>,
    pub link_sta: Option<PcieLink>,
}

/// A mediated device type offered by a parent (`virMediatedDeviceType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdevType {
    pub id: String,
    pub name: Option<String>,
    pub device_api: Option<String>,
    pub available_instances: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PciCap {
    /// -1 when udev gave no class.
    pub class: i64,
    pub address: PciAddress,
    pub vendor: u32,
    pub product: u32,
    pub vendor_name: Option<String>,
    pub product_name: Option<String>,
    pub physical_function: Option<PciAddress>,
    pub virtual_functions: Vec<PciAddress>,
    pub max_virtual_functions: u32,
    /// Header type: 0 endpoint, 1 pci-bridge, 2 cardbus-bridge.
    pub header_type: u8,
    pub mdev_types: Vec<MdevType>,
    pub vpd: Option<crate::vpd::Vpd>,
    pub iommu_group: Option<(u32, Vec<PciAddress>)>,
    pub numa_node: i32,
    pub pci_express: Option<PciExpress>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SystemCap {
    pub product_name: Option<String>,
    pub hw_vendor: Option<String>,
    pub hw_version: Option<String>,
    pub hw_serial: Option<String>,
    pub uuid: uuid::Uuid,
    pub fw_vendor: Option<String>,
    pub fw_version: Option<String>,
    pub fw_release_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsbDeviceCap {
    pub bus: u32,
    pub device: u32,
    pub vendor: u32,
    pub product: u32,
    pub vendor_name: Option<String>,
    pub product_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsbInterfaceCap {
    pub number: u32,
    pub class: u32,
    pub subclass: u32,
    pub protocol: u32,
}

/// `virNetDevIfState` names, index = value.
pub const NET_IF_STATES: &[&str] = &[
    "",
    "unknown",
    "notpresent",
    "down",
    "lowerlayerdown",
    "testing",
    "dormant",
    "up",
];

/// `virNetDevFeature` names, in bit order (the order libvirt prints them).
pub const NET_FEATURES: &[&str] = &[
    "rx",
    "tx",
    "sg",
    "tso",
    "gso",
    "gro",
    "lro",
    "rxvlan",
    "txvlan",
    "ntuple",
    "rxhash",
    "rdma",
    "txudptnl",
    "switchdev",
];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetCap {
    pub ifname: String,
    pub address: Option<String>,
    pub link_speed: u32,
    /// Index into [`NET_IF_STATES`].
    pub link_state: usize,
    /// Indices into [`NET_FEATURES`], ascending.
    pub features: Vec<usize>,
    /// `80211` for wireless (`DEVTYPE=wlan`), else `80203`.
    pub wireless: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FcHost {
    pub wwnn: String,
    pub wwpn: String,
    pub fabric_wwn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScsiHostCap {
    pub host: u32,
    pub unique_id: Option<i32>,
    pub fc_host: Option<FcHost>,
    /// `(max_vports, vports)` when the HBA can create vports.
    pub vport_ops: Option<(i32, i32)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScsiTargetCap {
    pub name: String,
    /// `(rport, wwpn)` for FC remote ports.
    pub fc_remote_port: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScsiCap {
    pub host: u32,
    pub bus: u32,
    pub target: u32,
    pub lun: u32,
    pub kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StorageCap {
    pub block: String,
    pub bus: Option<String>,
    pub drive_type: Option<String>,
    pub model: Option<String>,
    pub vendor: Option<String>,
    pub serial: Option<String>,
    pub size: u64,
    pub logical_block_size: u64,
    pub num_blocks: u64,
    pub removable: bool,
    pub media_available: bool,
    pub removable_media_size: u64,
    pub media_label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MdevCap {
    pub type_id: String,
    pub uuid: String,
    pub parent_addr: String,
    pub iommu_group: u32,
}

/// One device capability (libvirt's udev backend gives each device exactly one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capability {
    System(SystemCap),
    Pci(Box<PciCap>),
    UsbDevice(UsbDeviceCap),
    UsbInterface(UsbInterfaceCap),
    Net(NetCap),
    ScsiHost(ScsiHostCap),
    ScsiTarget(ScsiTargetCap),
    Scsi(ScsiCap),
    Storage(StorageCap),
    ScsiGeneric(String),
    /// DRM minor type: 0 primary, 1 control, 2 render.
    Drm(u32),
    Mdev(MdevCap),
    /// vDPA device: its vhost-vdpa character device, if any.
    Vdpa(Option<String>),
}

impl Capability {
    /// The capability's type name (`virNodeDevCapType`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Capability::System(_) => "system",
            Capability::Pci(_) => "pci",
            Capability::UsbDevice(_) => "usb_device",
            Capability::UsbInterface(_) => "usb",
            Capability::Net(_) => "net",
            Capability::ScsiHost(_) => "scsi_host",
            Capability::ScsiTarget(_) => "scsi_target",
            Capability::Scsi(_) => "scsi",
            Capability::Storage(_) => "storage",
            Capability::ScsiGeneric(_) => "scsi_generic",
            Capability::Drm(_) => "drm",
            Capability::Mdev(_) => "mdev",
            Capability::Vdpa(_) => "vdpa",
        }
    }

    /// The capability names `virNodeDeviceListCaps` reports: the type, then nested ones
    /// (`fc_host`, `vports` for SCSI hosts; `mdev_types` for PCI parents).
    pub fn names(&self) -> Vec<&'static str> {
        let mut names = vec![self.type_name()];
        match self {
            Capability::ScsiHost(h) => {
                if h.fc_host.is_some() {
                    names.push("fc_host");
                }
                if h.vport_ops.is_some() {
                    names.push("vports");
                }
            }
            Capability::Pci(p) => {
                if !p.mdev_types.is_empty() {
                    names.push("mdev_types");
                }
                if p.vpd.is_some() {
                    names.push("vpd");
                }
            }
            _ => {}
        }
        names
    }

    /// The `ListNodeDevicesFlags` bits this capability matches (`virNodeDeviceObjMatch`).
    pub fn flags(&self) -> ListNodeDevicesFlags {
        let mut flags = ListNodeDevicesFlags::empty();
        for name in self.names() {
            if let Some((_, f)) = rvirt_core::NODE_DEVICE_CAP_NAMES
                .iter()
                .find(|(n, _)| *n == name)
            {
                flags |= *f;
            }
        }
        flags
    }
}

/// One node device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeDevice {
    pub name: String,
    /// Host-style sysfs path (`/sys/devices/...`); `None` for `computer`.
    pub sysfs_path: Option<String>,
    pub devnode: Option<String>,
    pub devlinks: Vec<String>,
    pub parent: Option<String>,
    /// Sysfs path of the parent device, for tree rebuilding after hotplug.
    pub parent_sysfs_path: Option<String>,
    pub driver: Option<String>,
    pub cap: Capability,
}

impl NodeDevice {
    /// The XML libvirt's `virNodeDeviceDefFormat` prints.
    pub fn format(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("device", &[]);
        w.text("name", &[], &self.name);
        w.opt_text("path", self.sysfs_path.as_deref());
        if let Some(d) = &self.devnode {
            w.text("devnode", &[("type", Some("dev"))], d);
        }
        for l in &self.devlinks {
            w.text("devnode", &[("type", Some("link"))], l);
        }
        w.opt_text("parent", self.parent.as_deref());
        if let Some(drv) = &self.driver {
            w.open("driver", &[]);
            w.text("name", &[], drv);
            w.close("driver");
        }
        w.open("capability", &[("type", Some(self.cap.type_name()))]);
        format_cap(&mut w, &self.cap);
        w.close("capability");
        w.close("device");
        w.finish()
    }
}

fn format_cap(w: &mut XmlWriter, cap: &Capability) {
    match cap {
        Capability::System(s) => format_system(w, s),
        Capability::Pci(p) => format_pci(w, p),
        Capability::UsbDevice(u) => {
            w.value("bus", &[], u.bus);
            w.value("device", &[], u.device);
            id_with_name(w, "product", u.product, u.product_name.as_deref(), " />");
            id_with_name(w, "vendor", u.vendor, u.vendor_name.as_deref(), " />");
        }
        Capability::UsbInterface(u) => {
            w.value("number", &[], u.number);
            w.value("class", &[], u.class);
            w.value("subclass", &[], u.subclass);
            w.value("protocol", &[], u.protocol);
        }
        Capability::Net(n) => format_net(w, n),
        Capability::ScsiHost(h) => {
            w.value("host", &[], h.host);
            if let Some(id) = h.unique_id {
                w.value("unique_id", &[], id);
            }
            if let Some(fc) = &h.fc_host {
                w.open("capability", &[("type", Some("fc_host"))]);
                w.text("wwnn", &[], &fc.wwnn);
                w.text("wwpn", &[], &fc.wwpn);
                w.opt_text("fabric_wwn", fc.fabric_wwn.as_deref());
                w.close("capability");
            }
            if let Some((max, inuse)) = h.vport_ops {
                w.open("capability", &[("type", Some("vport_ops"))]);
                w.value("max_vports", &[], max);
                w.value("vports", &[], inuse);
                w.close("capability");
            }
        }
        Capability::ScsiTarget(t) => {
            w.text("target", &[], &t.name);
            if let Some((rport, wwpn)) = &t.fc_remote_port {
                w.open("capability", &[("type", Some("fc_remote_port"))]);
                w.text("rport", &[], rport);
                w.text("wwpn", &[], wwpn);
                w.close("capability");
            }
        }
        Capability::Scsi(s) => {
            w.value("host", &[], s.host);
            w.value("bus", &[], s.bus);
            w.value("target", &[], s.target);
            w.value("lun", &[], s.lun);
            w.opt_text("type", s.kind.as_deref());
        }
        Capability::Storage(s) => format_storage(w, s),
        Capability::ScsiGeneric(path) => w.text("char", &[], path),
        Capability::Drm(t) => {
            let name = ["primary", "control", "render"]
                .get(*t as usize)
                .copied()
                .unwrap_or("primary");
            w.text("type", &[], name);
        }
        Capability::Vdpa(chardev) => w.opt_text("chardev", chardev.as_deref()),
        Capability::Mdev(m) => {
            w.empty("type", &[("id", Some(&m.type_id))]);
            w.text("uuid", &[], &m.uuid);
            w.text("parent_addr", &[], &m.parent_addr);
            let group = m.iommu_group.to_string();
            w.empty("iommuGroup", &[("number", Some(&group))]);
        }
    }
}

/// `<product id='0x....'>name</product>`, or the empty form (`/>` for PCI, ` />` for USB:
/// libvirt's two formatters differ).
fn id_with_name(w: &mut XmlWriter, elem: &str, id: u32, name: Option<&str>, empty_end: &str) {
    let id = format!("0x{id:04x}");
    match name {
        Some(n) => w.text(elem, &[("id", Some(&id))], n),
        None => {
            let pad = "  ".repeat(w.depth());
            w.raw(&format!("{pad}<{elem} id='{id}'{empty_end}\n"));
        }
    }
}

fn format_system(w: &mut XmlWriter, s: &SystemCap) {
    w.opt_text("product", s.product_name.as_deref());
    w.open("hardware", &[]);
    w.opt_text("vendor", s.hw_vendor.as_deref());
    w.opt_text("version", s.hw_version.as_deref());
    w.opt_text("serial", s.hw_serial.as_deref());
    w.text("uuid", &[], &s.uuid.hyphenated().to_string());
    w.close("hardware");
    w.open("firmware", &[]);
    w.opt_text("vendor", s.fw_vendor.as_deref());
    w.opt_text("version", s.fw_version.as_deref());
    w.opt_text("release_date", s.fw_release_date.as_deref());
    w.close("firmware");
}

fn format_mdev_types(w: &mut XmlWriter, types: &[MdevType]) {
    if types.is_empty() {
        return;
    }
    w.open("capability", &[("type", Some("mdev_types"))]);
    for t in types {
        w.open("type", &[("id", Some(&t.id))]);
        w.opt_text("name", t.name.as_deref());
        // libvirt prints deviceAPI even when unknown (an escaped NULL prints nothing).
        w.opt_text("deviceAPI", t.device_api.as_deref());
        w.value("availableInstances", &[], t.available_instances);
        w.close("type");
    }
    w.close("capability");
}

fn format_pci(w: &mut XmlWriter, p: &PciCap) {
    if p.class >= 0 {
        w.text("class", &[], &format!("0x{:06x}", p.class));
    }
    w.value("domain", &[], p.address.domain);
    w.value("bus", &[], p.address.bus);
    w.value("slot", &[], p.address.slot);
    w.value("function", &[], p.address.function);
    id_with_name(w, "product", p.product, p.product_name.as_deref(), "/>");
    id_with_name(w, "vendor", p.vendor, p.vendor_name.as_deref(), "/>");
    if let Some(pf) = &p.physical_function {
        w.open("capability", &[("type", Some("phys_function"))]);
        pf.write_element(w);
        w.close("capability");
    }
    if !p.virtual_functions.is_empty() || p.max_virtual_functions > 0 {
        let max = (p.max_virtual_functions > 0).then(|| p.max_virtual_functions.to_string());
        let attrs = [
            ("type", Some("virt_functions")),
            ("maxCount", max.as_deref()),
        ];
        if p.virtual_functions.is_empty() {
            w.empty("capability", &attrs);
        } else {
            w.open("capability", &attrs);
            for vf in &p.virtual_functions {
                vf.write_element(w);
            }
            w.close("capability");
        }
    }
    if p.header_type != 0 {
        let name = match p.header_type {
            1 => "pci-bridge",
            _ => "cardbus-bridge",
        };
        w.empty("capability", &[("type", Some(name))]);
    }
    format_mdev_types(w, &p.mdev_types);
    if let Some(vpd) = &p.vpd {
        crate::vpd::format(w, vpd);
    }
    if let Some((number, members)) = &p.iommu_group {
        if !members.is_empty() {
            let n = number.to_string();
            w.open("iommuGroup", &[("number", Some(&n))]);
            for m in members {
                m.write_element(w);
            }
            w.close("iommuGroup");
        }
    }
    if p.numa_node >= 0 {
        let n = p.numa_node.to_string();
        w.empty("numa", &[("node", Some(&n))]);
    }
    if let Some(px) = &p.pci_express {
        if px.link_cap.is_none() && px.link_sta.is_none() {
            w.empty("pci-express", &[]);
        } else {
            w.open("pci-express", &[]);
            for (link, validity) in [(&px.link_cap, "cap"), (&px.link_sta, "sta")] {
                if let Some(l) = link {
                    let port = (l.port >= 0).then(|| l.port.to_string());
                    let speed = pcie_speed_name(l.speed);
                    let width = l.width.to_string();
                    w.empty(
                        "link",
                        &[
                            ("validity", Some(validity)),
                            ("port", port.as_deref()),
                            ("speed", speed),
                            ("width", Some(&width)),
                        ],
                    );
                }
            }
            w.close("pci-express");
        }
    }
}

/// `virPCIELinkSpeed` names; 0 (unknown) prints no attribute.
fn pcie_speed_name(speed: u32) -> Option<&'static str> {
    match speed {
        1 => Some("2.5"),
        2 => Some("5"),
        3 => Some("8"),
        4 => Some("16"),
        5 => Some("32"),
        6 => Some("64"),
        _ => None,
    }
}

fn format_net(w: &mut XmlWriter, n: &NetCap) {
    w.text("interface", &[], &n.ifname);
    w.opt_text("address", n.address.as_deref());
    if n.link_speed != 0 || n.link_state != 0 {
        let speed = (n.link_speed != 0).then(|| n.link_speed.to_string());
        let state = (n.link_state != 0).then(|| NET_IF_STATES[n.link_state]);
        w.empty("link", &[("speed", speed.as_deref()), ("state", state)]);
    }
    for f in &n.features {
        if let Some(name) = NET_FEATURES.get(*f) {
            w.empty("feature", &[("name", Some(name))]);
        }
    }
    let sub = if n.wireless { "80211" } else { "80203" };
    w.empty("capability", &[("type", Some(sub))]);
}

fn format_storage(w: &mut XmlWriter, s: &StorageCap) {
    w.text("block", &[], &s.block);
    w.opt_text("bus", s.bus.as_deref());
    w.opt_text("drive_type", s.drive_type.as_deref());
    w.opt_text("model", s.model.as_deref());
    w.opt_text("vendor", s.vendor.as_deref());
    w.opt_text("serial", s.serial.as_deref());
    if s.removable {
        w.open("capability", &[("type", Some("removable"))]);
        w.value("media_available", &[], u8::from(s.media_available));
        w.value("media_size", &[], s.removable_media_size);
        w.opt_text("media_label", s.media_label.as_deref());
        if s.logical_block_size > 0 {
            w.value("logical_block_size", &[], s.logical_block_size);
        }
        if s.num_blocks > 0 {
            w.value("num_blocks", &[], s.num_blocks);
        }
        w.close("capability");
    } else {
        w.value("size", &[], s.size);
        if s.logical_block_size > 0 {
            w.value("logical_block_size", &[], s.logical_block_size);
        }
        if s.num_blocks > 0 {
            w.value("num_blocks", &[], s.num_blocks);
        }
    }
}
