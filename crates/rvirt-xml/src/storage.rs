//! Storage pool (`<pool>`) and volume (`<volume>`) XML.
//!
//! CONTRACT (used by drivers and the CLI; extend, do not rename): `PoolDef::parse`,
//! `PoolDef::format`, `VolumeDef::parse`, `VolumeDef::format`, and the fields below.
//!
//! What each pool type accepts and prints (source elements, formats, volume formats) follows
//! libvirt's per-type option table in `storage_conf.c`. The test driver's define/create steps
//! are exposed as [`PoolDef::apply_test_driver_defaults`] and
//! [`VolumeDef::apply_test_driver_create`] so the driver and the corpus runner share them.

use roxmltree::Node;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result, Uuid};

use crate::netcommon::{parse_uuid, prop_invalid, prop_yes_no, yes_no};
use crate::parse::{expect_root, parse_document, parse_ull, NodeExt};
use crate::writer::XmlWriter;

const ERR: ErrorDomain = ErrorDomain::Storage;

/// Capacity the test driver gives every pool it defines (100 GiB).
pub const TEST_POOL_CAPACITY: u64 = 107_374_182_400;
/// What libvirt's test driver prints in place of the target path of a pool that has none
/// (its `printf` of a NULL string) when it builds volume paths.
pub const NO_TARGET_PATH: &str = "(null)";

/// Allocation the test driver gives every pool it defines.
pub const TEST_POOL_ALLOCATION: u64 = 0;

// Which `<source>` children a pool type uses (libvirt's VIR_STORAGE_POOL_SOURCE_* flags).
const SRC_HOST: u32 = 1;
const SRC_DEVICE: u32 = 2;
const SRC_DIR: u32 = 4;
const SRC_ADAPTER: u32 = 8;
const SRC_NAME: u32 = 16;
const SRC_INITIATOR_IQN: u32 = 32;
/// Network pools have no `<target>`.
const SRC_NETWORK: u32 = 64;

const FS_FORMATS: &[&str] = &[
    "auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+", "xfs",
    "ocfs2", "vmfs",
];
const NETFS_FORMATS: &[&str] = &["auto", "nfs", "glusterfs", "cifs"];
const DISK_FORMATS: &[&str] = &[
    "unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2",
];
const LOGICAL_FORMATS: &[&str] = &["unknown", "lvm2"];

/// Volume formats of file-based pools (virStorageFileFormat); `none` is never accepted.
pub const FILE_VOLUME_FORMATS: &[&str] = &[
    "none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop",
    "cow", "qcow", "qcow2", "qed", "vmdk",
];
/// Partition types of disk pools.
pub const DISK_VOLUME_FORMATS: &[&str] = &[
    "none",
    "linux",
    "fat16",
    "fat32",
    "linux-swap",
    "linux-lvm",
    "linux-raid",
    "extended",
];

/// Per pool type: source flags, pool formats (with default), volume formats (with default).
struct PoolTypeInfo {
    flags: u32,
    pool_formats: Option<(&'static [&'static str], usize)>,
    vol_formats: Option<(&'static [&'static str], usize)>,
}

const POOL_TYPES: &[&str] = &[
    "dir",
    "fs",
    "netfs",
    "logical",
    "disk",
    "iscsi",
    "iscsi-direct",
    "scsi",
    "mpath",
    "rbd",
    "sheepdog",
    "gluster",
    "zfs",
    "vstorage",
];

fn pool_type_info(pool_type: &str) -> PoolTypeInfo {
    let file_vols = Some((FILE_VOLUME_FORMATS, 1));
    let (flags, pool_formats, vol_formats) = match pool_type {
        "dir" => (0, None, file_vols),
        "fs" => (SRC_DEVICE, Some((FS_FORMATS, 0)), file_vols),
        "netfs" => (SRC_HOST | SRC_DIR, Some((NETFS_FORMATS, 0)), file_vols),
        "logical" => (SRC_NAME | SRC_DEVICE, Some((LOGICAL_FORMATS, 1)), None),
        "disk" => (
            SRC_DEVICE,
            Some((DISK_FORMATS, 0)),
            Some((DISK_VOLUME_FORMATS, 0)),
        ),
        "iscsi" => (SRC_HOST | SRC_DEVICE | SRC_INITIATOR_IQN, None, None),
        "iscsi-direct" => (
            SRC_HOST | SRC_DEVICE | SRC_INITIATOR_IQN | SRC_NETWORK,
            None,
            None,
        ),
        "scsi" => (SRC_ADAPTER, None, None),
        "mpath" => (0, None, None),
        "rbd" | "sheepdog" => (SRC_HOST | SRC_NAME | SRC_NETWORK, None, file_vols),
        "gluster" => (SRC_HOST | SRC_NAME | SRC_DIR | SRC_NETWORK, None, file_vols),
        "zfs" => (SRC_NAME | SRC_DEVICE, None, None),
        "vstorage" => (SRC_NAME, None, file_vols),
        _ => (0, None, None),
    };
    PoolTypeInfo {
        flags,
        pool_formats,
        vol_formats,
    }
}

/// `<permissions>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    pub mode: Option<u32>,
    pub owner: Option<i64>,
    pub group: Option<i64>,
    pub label: Option<String>,
}

impl Permissions {
    fn parse(node: Node<'_, '_>) -> Result<Self> {
        let mut p = Permissions::default();
        if let Some(m) = node.child_text("mode") {
            let m = m.trim();
            let mode = u32::from_str_radix(m, 8)
                .ok()
                .filter(|v| *v <= 0o777 && !m.is_empty())
                .ok_or_else(|| Error::xml(ERR, "malformed octal mode"))?;
            p.mode = Some(mode);
        }
        let id = |name: &str, what: &str| -> Result<Option<i64>> {
            match node.child_text(name) {
                None => Ok(None),
                Some(t) => {
                    let t = t.trim();
                    let v: i64 = t
                        .parse()
                        .ok()
                        .filter(|v| *v >= -1)
                        .ok_or_else(|| Error::xml(ERR, format!("malformed {what} element")))?;
                    Ok((v != -1).then_some(v))
                }
            }
        };
        p.owner = id("owner", "owner")?;
        p.group = id("group", "group")?;
        p.label = node.child_text("label").map(str::to_string);
        Ok(p)
    }

    fn is_empty(&self) -> bool {
        self.mode.is_none() && self.owner.is_none() && self.group.is_none() && self.label.is_none()
    }

    fn format(&self, w: &mut XmlWriter) {
        if self.is_empty() {
            return;
        }
        w.open("permissions", &[]);
        if let Some(m) = self.mode {
            w.text("mode", &[], &format!("0{m:o}"));
        }
        if let Some(o) = self.owner {
            w.value("owner", &[], o);
        }
        if let Some(g) = self.group {
            w.value("group", &[], g);
        }
        if let Some(l) = &self.label {
            w.text("label", &[], l);
        }
        w.close("permissions");
    }
}

/// `<auth>` of a pool source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthDef {
    /// `chap` or `ceph`.
    pub auth_type: String,
    pub username: String,
    pub secret_uuid: Option<Uuid>,
    pub secret_usage: Option<String>,
}

/// `<adapter>` of a scsi pool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdapterDef {
    /// `scsi_host` or `fc_host`.
    pub adapter_type: String,
    pub name: Option<String>,
    /// `<parentaddr unique_id=>` and its PCI address text attributes (domain, bus, slot, function).
    pub parent_addr: Option<(Option<u32>, [u32; 4])>,
    pub parent: Option<String>,
    pub parent_wwnn: Option<String>,
    pub parent_wwpn: Option<String>,
    pub parent_fabric_wwn: Option<String>,
    pub managed: Option<bool>,
    pub wwnn: Option<String>,
    pub wwpn: Option<String>,
}

/// `<device>` of a pool source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceDevice {
    pub path: String,
    pub part_separator: Option<bool>,
}

/// `<source>` of a pool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolSource {
    /// `(name, port)`.
    pub hosts: Vec<(String, Option<u32>)>,
    pub devices: Vec<SourceDevice>,
    pub dir: Option<String>,
    pub adapter: Option<AdapterDef>,
    pub name: Option<String>,
    pub initiator_iqn: Option<String>,
    /// Pool format (`<format type=>`), for types that have one.
    pub format: Option<String>,
    pub auth: Option<AuthDef>,
    /// `<protocol ver=>` as given (libvirt keeps the text).
    pub protocol_ver: Option<String>,
    pub vendor: Option<String>,
    pub product: Option<String>,
}

/// A storage pool definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolDef {
    /// `type=`: dir, fs, netfs, logical, disk, iscsi, scsi, mpath, rbd, gluster, zfs, ...
    pub pool_type: String,
    pub name: String,
    pub uuid: Uuid,
    /// Bytes.
    pub capacity: u64,
    pub allocation: u64,
    pub available: u64,
    /// `<target><path>`.
    pub target_path: Option<String>,
    pub source: PoolSource,
    pub target_perms: Permissions,
    /// `<features><cow state=>`.
    pub cow: Option<bool>,
    /// `<refresh><volume allocation=>` (`default` or `capacity`).
    pub refresh_volume_allocation: Option<String>,
}

/// libvirt's `virFileSanitizePath`: collapses repeated `/` and drops a trailing one.
pub fn sanitize_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut prev_slash = false;
    for c in path.chars() {
        if c == '/' {
            if prev_slash {
                continue;
            }
            prev_slash = true;
        } else {
            prev_slash = false;
        }
        out.push(c);
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    out
}

/// Parses a size element (`<capacity unit='G'>1</capacity>`) as `virScaleInteger` does with
/// bytes as the default unit.
pub fn parse_scaled(text: &str, unit: Option<&str>) -> Option<u64> {
    let value = parse_ull(text.trim())?;
    let scale = scale_for_unit(unit.unwrap_or(""))?;
    value.checked_mul(scale)
}

fn scale_for_unit(unit: &str) -> Option<u64> {
    if unit.is_empty() {
        return Some(1);
    }
    let lower = unit.to_ascii_lowercase();
    if lower == "b" || lower == "bytes" {
        return Some(1);
    }
    let mut chars = lower.chars();
    let first = chars.next()?;
    let rest: String = chars.collect();
    let base: u64 = match rest.as_str() {
        "" | "ib" => 1024,
        "b" => 1000,
        _ => return None,
    };
    let power = match first {
        'k' => 1,
        'm' => 2,
        'g' => 3,
        't' => 4,
        'p' => 5,
        'e' => 6,
        _ => return None,
    };
    base.checked_pow(power)
}

fn xml_err(detail: impl Into<String>) -> Error {
    Error::xml(ERR, detail)
}

impl PoolDef {
    pub fn parse(xml: &str) -> Result<Self> {
        let doc = parse_document(xml, "storage_pool_definition", ERR)?;
        let root = expect_root(&doc, "pool")?;
        Self::from_node(root)
    }

    /// Parses an already located `<pool>` element.
    pub fn from_node(root: Node<'_, '_>) -> Result<Self> {
        let pool_type = match root.attr("type") {
            None => {
                return Err(Error::xml(
                    ErrorDomain::Xml,
                    "Missing required attribute 'type' in element 'pool'",
                ))
            }
            Some(t) if POOL_TYPES.contains(&t) => t.to_string(),
            Some(t) => {
                return Err(Error::xml(
                    ErrorDomain::Xml,
                    format!("Invalid value for attribute 'type' in element 'pool': '{t}'."),
                ))
            }
        };
        let info = pool_type_info(&pool_type);
        let mut def = PoolDef {
            pool_type,
            ..Default::default()
        };
        if let Some(src) = root.child("source") {
            def.source = parse_pool_source(src, &info)?;
        } else if let Some((formats, default)) = info.pool_formats {
            def.source.format = Some(formats[default].to_string());
        }
        def.name = match root.child_text("name") {
            Some(n) if !n.is_empty() => n.to_string(),
            _ => {
                if def.pool_type == "logical" {
                    if let Some(n) = &def.source.name {
                        n.clone()
                    } else {
                        return Err(xml_err("missing pool source name element"));
                    }
                } else {
                    return Err(xml_err("missing pool source name element"));
                }
            }
        };
        if def.name.contains('/') {
            return Err(xml_err(format!("name {} cannot contain '/'", def.name)));
        }
        def.uuid = match root.child_text("uuid") {
            None => Uuid::new_v4(),
            Some(t) => parse_uuid(t).ok_or_else(|| xml_err("malformed uuid element"))?,
        };
        for (name, field) in [
            ("capacity", &mut def.capacity),
            ("allocation", &mut def.allocation),
            ("available", &mut def.available),
        ] {
            // Sizes of a pool are output only: libvirt reads what it can and ignores the rest.
            if let Some(n) = root.child(name) {
                *field = parse_scaled(n.text().unwrap_or(""), n.attr("unit")).unwrap_or(0);
            }
        }

        if let Some(cow) = root.child("features").and_then(|f| f.child("cow")) {
            def.cow = prop_yes_no(cow, "state")?;
        }
        if let Some(v) = root.child("refresh").and_then(|r| r.child("volume")) {
            match v.attr("allocation") {
                Some(a @ ("default" | "capacity")) => {
                    def.refresh_volume_allocation = Some(a.to_string())
                }
                Some(a) => {
                    return Err(Error::config_unsupported(
                        ERR,
                        format!("unknown storage pool volume refresh allocation type {a}"),
                    ))
                }
                None => {}
            }
        }
        if info.flags & SRC_HOST != 0 && def.source.hosts.is_empty() {
            return Err(xml_err("missing storage pool source host name"));
        }
        if info.flags & SRC_DIR != 0 && def.source.dir.is_none() {
            match def.pool_type.as_str() {
                "netfs" => return Err(xml_err("missing storage pool source path")),
                "gluster" => def.source.dir = Some("/".to_string()),
                _ => {}
            }
        }
        if info.flags & SRC_NAME != 0 && def.source.name.is_none() {
            if def.pool_type == "rbd" {
                return Err(xml_err("element 'name' is mandatory for RBD pool"));
            }
            // Other named pools default their source name to the pool's name.
            def.source.name = Some(def.name.clone());
        }
        if def.pool_type == "iscsi-direct" && def.source.initiator_iqn.is_none() {
            return Err(Error::config_unsupported(ERR, "missing initiator IQN"));
        }
        if info.flags & SRC_ADAPTER != 0 && def.source.adapter.is_none() {
            return Err(xml_err("missing storage pool source adapter"));
        }
        // Of the device-based pools only fs and disk insist on a device.
        if matches!(def.pool_type.as_str(), "fs" | "disk") && def.source.devices.is_empty() {
            return Err(xml_err("missing storage pool source device name"));
        }

        if info.flags & SRC_NETWORK == 0 {
            let target = root.child("target");
            let path = target
                .and_then(|t| t.child_text("path"))
                .filter(|p| !p.is_empty());
            def.target_path = match path {
                Some(p) => Some(sanitize_path(p)),
                None if def.pool_type == "logical" => Some(format!(
                    "/dev/{}",
                    def.source.name.as_deref().unwrap_or(&def.name)
                )),
                None if def.pool_type == "zfs" => Some(format!(
                    "/dev/zvol/{}",
                    def.source.name.as_deref().unwrap_or(&def.name)
                )),
                None => return Err(xml_err("missing storage pool target path")),
            };
            if let Some(perms) = target.and_then(|t| t.child("permissions")) {
                def.target_perms = Permissions::parse(perms)?;
            }
        }
        Ok(def)
    }

    /// What the test driver does after parsing a pool it defines (`testStoragePoolObjSetDefaults`):
    /// fixed capacity and allocation, the rest available.
    pub fn apply_test_driver_defaults(&mut self) {
        self.capacity = TEST_POOL_CAPACITY;
        self.allocation = TEST_POOL_ALLOCATION;
        self.available = TEST_POOL_CAPACITY - TEST_POOL_ALLOCATION;
    }

    /// Accounts a volume's allocation to the pool as the test driver does: allocation grows
    /// and `available` is recomputed as capacity minus allocation, wrapping like libvirt's
    /// unsigned arithmetic when a config file over-commits the pool.
    pub fn add_volume_allocation(&mut self, bytes: u64) {
        self.allocation = self.allocation.wrapping_add(bytes);
        self.available = self.capacity.wrapping_sub(self.allocation);
    }

    /// The opposite of [`PoolDef::add_volume_allocation`], for a deleted volume.
    pub fn remove_volume_allocation(&mut self, bytes: u64) {
        self.allocation = self.allocation.wrapping_sub(bytes);
        self.available = self.capacity.wrapping_sub(self.allocation);
    }

    /// `inactive`: `VIR_STORAGE_XML_INACTIVE`.
    pub fn format(&self, inactive: bool) -> String {
        let _ = inactive;
        let mut w = XmlWriter::new();
        self.format_into(&mut w);
        w.finish()
    }

    /// Formats into a writer at its current depth.
    pub fn format_into(&self, w: &mut XmlWriter) {
        let info = pool_type_info(&self.pool_type);
        w.open("pool", &[("type", Some(&self.pool_type))]);
        w.text("name", &[], &self.name);
        w.text("uuid", &[], &self.uuid.to_string());
        let bytes = [("unit", Some("bytes"))];
        w.value("capacity", &bytes, self.capacity);
        w.value("allocation", &bytes, self.allocation);
        w.value("available", &bytes, self.available);
        if let Some(cow) = self.cow {
            w.open("features", &[]);
            w.empty("cow", &[("state", Some(yes_no(cow)))]);
            w.close("features");
        }
        format_pool_source(w, &self.source, &info);
        if info.flags & SRC_NETWORK == 0 {
            w.open("target", &[]);
            w.opt_text("path", self.target_path.as_deref());
            self.target_perms.format(w);
            w.close("target");
        }
        if let Some(a) = &self.refresh_volume_allocation {
            w.open("refresh", &[]);
            w.empty("volume", &[("allocation", Some(a))]);
            w.close("refresh");
        }
        w.close("pool");
    }
}

fn parse_pool_source(src: Node<'_, '_>, info: &PoolTypeInfo) -> Result<PoolSource> {
    let mut s = PoolSource {
        // XPath string() lookups: an empty <name/> counts as absent.
        name: src
            .child_text("name")
            .filter(|n| !n.is_empty())
            .map(str::to_string),
        ..Default::default()
    };
    if let Some((formats, default)) = info.pool_formats {
        s.format = Some(match src.child("format").and_then(|f| f.attr("type")) {
            None => formats[default].to_string(),
            Some(f) if formats.contains(&f) => f.to_string(),
            Some(f) => {
                return Err(Error::config_unsupported(
                    ERR,
                    format!("unknown pool format type {f}"),
                ))
            }
        });
    }
    for h in src.children_named("host") {
        let name = h
            .attr("name")
            .ok_or_else(|| xml_err("missing storage pool host name"))?;
        let port = match h.attr("port") {
            None => None,
            Some(p) => {
                let n: i64 = p.parse().map_err(|_| {
                    Error::xml(
                        ErrorDomain::Xml,
                        format!("Invalid value for attribute 'port' in element 'host': '{p}'. Expected integer value"),
                    )
                })?;
                // A port of 0 means "unset" and is not printed.
                u32::try_from(n).ok().filter(|n| *n > 0)
            }
        };
        s.hosts.push((name.to_string(), port));
    }
    if let Some(iqn) = src.child("initiator").and_then(|i| i.child("iqn")) {
        s.initiator_iqn = iqn.attr("name").map(str::to_string);
    }
    for d in src.children_named("device") {
        let path = d
            .attr("path")
            .ok_or_else(|| xml_err("missing storage pool source device path"))?;
        let part_separator = match d.attr("part_separator") {
            None => None,
            Some(v) => Some(
                crate::netcommon::parse_yes_no(v)
                    .ok_or_else(|| prop_invalid("part_separator", "device", v))?,
            ),
        };
        s.devices.push(SourceDevice {
            path: path.to_string(),
            part_separator,
        });
    }
    if let Some(d) = src.child("dir").and_then(|d| d.attr("path")) {
        s.dir = Some(sanitize_path(d));
    }
    if let Some(a) = src.child("adapter") {
        s.adapter = Some(parse_adapter(a)?);
    }
    if let Some(a) = src.child("auth") {
        let auth_type = a
            .attr("type")
            .ok_or_else(|| Error::config_unsupported(ERR, "storage pool missing auth type"))?;
        if auth_type != "chap" && auth_type != "ceph" {
            return Err(Error::config_unsupported(
                ERR,
                format!("unknown auth type '{auth_type}'"),
            ));
        }
        let username = a
            .attr("username")
            .ok_or_else(|| xml_err("missing username for auth"))?;
        let secret = a
            .child("secret")
            .ok_or_else(|| xml_err("Missing <secret> element in auth"))?;
        let secret_uuid = match secret.attr("uuid") {
            None => None,
            Some(u) => Some(
                parse_uuid(u).ok_or_else(|| xml_err(format!("invalid auth secret uuid '{u}'")))?,
            ),
        };
        let secret_usage = secret.attr("usage").map(str::to_string);
        if secret_uuid.is_none() && secret_usage.is_none() {
            return Err(xml_err("either auth secret uuid or usage expected"));
        }
        s.auth = Some(AuthDef {
            auth_type: auth_type.to_string(),
            username: username.to_string(),
            secret_uuid,
            secret_usage,
        });
    }
    s.protocol_ver = src
        .child("protocol")
        .and_then(|p| p.attr("ver"))
        .map(str::to_string);
    s.vendor = src
        .child("vendor")
        .and_then(|v| v.attr("name"))
        .map(str::to_string);
    s.product = src
        .child("product")
        .and_then(|v| v.attr("name"))
        .map(str::to_string);
    Ok(s)
}

fn parse_adapter(a: Node<'_, '_>) -> Result<AdapterDef> {
    let mut ad = AdapterDef::default();
    match a.attr("type") {
        Some(t @ ("scsi_host" | "fc_host")) => ad.adapter_type = t.to_string(),
        Some(t) => return Err(prop_invalid("type", "adapter", t)),
        None => {
            if a.attr("name").is_some() {
                ad.adapter_type = "scsi_host".to_string();
            } else {
                return Err(xml_err("Use of 'wwnn', 'wwpn', and 'parent' attributes requires use of the adapter 'type'"));
            }
        }
    }
    ad.name = a.attr("name").map(str::to_string);
    if let Some(pa) = a.child("parentaddr") {
        let unique_id = pa.attr("unique_id").and_then(|u| u.parse().ok());
        let mut addr = [0u32; 4];
        if let Some(node) = pa.child("address") {
            for (i, f) in ["domain", "bus", "slot", "function"].iter().enumerate() {
                if let Some(v) = node.attr(f) {
                    addr[i] = parse_ull(v)
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| {
                            xml_err(format!("Cannot parse <address> '{f}' attribute"))
                        })?;
                }
            }
        }
        ad.parent_addr = Some((unique_id, addr));
    }
    ad.parent = a.attr("parent").map(str::to_string);
    ad.parent_wwnn = a.attr("parent_wwnn").map(str::to_string);
    ad.parent_wwpn = a.attr("parent_wwpn").map(str::to_string);
    ad.parent_fabric_wwn = a.attr("parent_fabric_wwn").map(str::to_string);
    ad.managed = a.attr("managed").map(|m| m == "yes");
    ad.wwnn = a.attr("wwnn").map(str::to_string);
    ad.wwpn = a.attr("wwpn").map(str::to_string);
    if ad.adapter_type == "scsi_host" && ad.name.is_none() && ad.parent_addr.is_none() {
        return Err(xml_err(
            "Either 'name' or 'parent' must be specified for the 'scsi_host' adapter",
        ));
    }
    if ad.adapter_type == "fc_host" && (ad.wwnn.is_none() || ad.wwpn.is_none()) {
        return Err(xml_err(
            "'wwnn' and 'wwpn' must be specified for adapter type 'fchost'",
        ));
    }
    Ok(ad)
}

fn format_pool_source(w: &mut XmlWriter, s: &PoolSource, info: &PoolTypeInfo) {
    w.open("source", &[]);
    if info.flags & SRC_HOST != 0 {
        for (name, port) in &s.hosts {
            let p = port.map(|p| p.to_string());
            w.empty("host", &[("name", Some(name)), ("port", p.as_deref())]);
        }
    }
    if info.flags & SRC_DEVICE != 0 {
        for d in &s.devices {
            w.empty(
                "device",
                &[
                    ("path", Some(&d.path)),
                    ("part_separator", d.part_separator.map(yes_no)),
                ],
            );
        }
    }
    if info.flags & SRC_DIR != 0 {
        if let Some(d) = &s.dir {
            w.empty("dir", &[("path", Some(d))]);
        }
    }
    if info.flags & SRC_ADAPTER != 0 {
        if let Some(a) = &s.adapter {
            format_adapter(w, a);
        }
    }
    if info.flags & SRC_NAME != 0 {
        w.opt_text("name", s.name.as_deref());
    }
    if info.flags & SRC_INITIATOR_IQN != 0 {
        if let Some(iqn) = &s.initiator_iqn {
            w.open("initiator", &[]);
            w.empty("iqn", &[("name", Some(iqn))]);
            w.close("initiator");
        }
    }
    if info.pool_formats.is_some() {
        if let Some(f) = &s.format {
            w.empty("format", &[("type", Some(f))]);
        }
    }
    if let Some(a) = &s.auth {
        w.open(
            "auth",
            &[
                ("type", Some(&a.auth_type)),
                ("username", Some(&a.username)),
            ],
        );
        let uuid = a.secret_uuid.map(|u| u.to_string());
        let attrs = match &uuid {
            Some(u) => [("uuid", Some(u.as_str()))],
            None => [("usage", a.secret_usage.as_deref())],
        };
        w.empty("secret", &attrs);
        w.close("auth");
    }
    if let Some(v) = &s.protocol_ver {
        w.empty("protocol", &[("ver", Some(v))]);
    }
    if let Some(v) = &s.vendor {
        w.empty("vendor", &[("name", Some(v))]);
    }
    if let Some(p) = &s.product {
        w.empty("product", &[("name", Some(p))]);
    }
    w.close("source");
}

fn format_adapter(w: &mut XmlWriter, a: &AdapterDef) {
    if a.adapter_type == "fc_host" {
        w.empty(
            "adapter",
            &[
                ("type", Some("fc_host")),
                ("parent", a.parent.as_deref()),
                ("parent_wwnn", a.parent_wwnn.as_deref()),
                ("parent_wwpn", a.parent_wwpn.as_deref()),
                ("parent_fabric_wwn", a.parent_fabric_wwn.as_deref()),
                ("managed", a.managed.map(yes_no)),
                ("wwnn", a.wwnn.as_deref()),
                ("wwpn", a.wwpn.as_deref()),
            ],
        );
        return;
    }
    if let Some(name) = &a.name {
        w.empty(
            "adapter",
            &[("type", Some("scsi_host")), ("name", Some(name))],
        );
        return;
    }
    w.open("adapter", &[("type", Some("scsi_host"))]);
    if let Some((unique_id, addr)) = &a.parent_addr {
        let uid = unique_id.map(|u| u.to_string());
        w.open("parentaddr", &[("unique_id", uid.as_deref())]);
        let (d, b, s, f) = (
            format!("0x{:04x}", addr[0]),
            format!("0x{:02x}", addr[1]),
            format!("0x{:02x}", addr[2]),
            format!("0x{:x}", addr[3]),
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
        w.close("parentaddr");
    }
    w.close("adapter");
}

/// `<encryption>` of a volume.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeEncryption {
    pub format: String,
    /// `(type, uuid or usage text, is_uuid)`.
    pub secrets: Vec<(String, String, bool)>,
    /// `<cipher>` attributes in libvirt's order (name, size, mode, hash).
    pub cipher: Vec<(String, String)>,
    /// `<ivgen>` attributes (name, hash).
    pub ivgen: Vec<(String, String)>,
}

/// `<timestamps>` of a volume or backing file (output only): `(seconds, nanoseconds)` as
/// `stat` reports them; libvirt prints the fraction only when it is non-zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VolumeTimestamps {
    pub atime: (i64, i64),
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
    pub btime: (i64, i64),
}

impl VolumeTimestamps {
    fn format(&self, w: &mut XmlWriter) {
        w.open("timestamps", &[]);
        for (name, (sec, nsec)) in [
            ("atime", self.atime),
            ("mtime", self.mtime),
            ("ctime", self.ctime),
            ("btime", self.btime),
        ] {
            let text = if nsec != 0 {
                format!("{sec}.{nsec:09}")
            } else {
                sec.to_string()
            };
            w.text(name, &[], &text);
        }
        w.close("timestamps");
    }
}

/// `<target>` or `<backingStore>` details besides path and format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeTargetExtra {
    pub perms: Permissions,
    /// Runtime only (never parsed): printed after `<permissions>`.
    pub timestamps: Option<VolumeTimestamps>,
    pub encryption: Option<VolumeEncryption>,
    pub compat: Option<String>,
    pub cluster_size: Option<u64>,
    /// `<features>` present; `lazy_refcounts` set.
    pub features: Option<bool>,
}

/// `<backingStore>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackingStore {
    pub path: Option<String>,
    pub format: Option<String>,
    pub perms: Permissions,
    /// Runtime only (never parsed).
    pub timestamps: Option<VolumeTimestamps>,
}

/// A storage volume definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeDef {
    pub name: String,
    /// `<key>`: for file volumes, the path.
    pub key: Option<String>,
    /// `type=`: file, block, dir, network, netdir, ploop.
    pub vol_type: String,
    /// Bytes.
    pub capacity: u64,
    pub allocation: u64,
    /// `<target><path>`.
    pub target_path: Option<String>,
    /// `<target><format type=>`.
    pub format: Option<String>,
    /// `<physical>` (runtime; printed when set).
    pub physical: Option<u64>,
    pub target: VolumeTargetExtra,
    pub backing_store: Option<BackingStore>,
}

const VOL_TYPES: &[&str] = &["file", "block", "dir", "network", "netdir", "ploop"];

fn parse_vol_format(text: Option<&str>, pool_type: &str) -> Result<Option<String>> {
    let Some((formats, default)) = pool_type_info(pool_type).vol_formats else {
        return Ok(None);
    };
    match text {
        None => Ok(Some(formats[default].to_string())),
        // File formats never accept "none" (it only exists as "not probed yet"); disk
        // partitions do.
        Some(f) if formats.contains(&f) && !(f == "none" && formats == FILE_VOLUME_FORMATS) => {
            Ok(Some(f.to_string()))
        }
        Some(f) => Err(Error::config_unsupported(
            ERR,
            format!("unknown volume format type {f}"),
        )),
    }
}

impl VolumeDef {
    /// Parses a volume for a pool of type `pool_type` (the pool decides defaults such as the
    /// format and which elements are allowed).
    pub fn parse(xml: &str, pool_type: &str) -> Result<Self> {
        let doc = parse_document(xml, "storage_volume_definition", ERR)?;
        let root = expect_root(&doc, "volume")?;
        Self::from_node(root, pool_type)
    }

    /// Parses an already located `<volume>` element.
    pub fn from_node(root: Node<'_, '_>, pool_type: &str) -> Result<Self> {
        let mut def = VolumeDef {
            name: match root.child_text("name") {
                Some(n) if !n.is_empty() => n.to_string(),
                _ => return Err(xml_err("missing volume name element")),
            },
            vol_type: "file".to_string(),
            ..Default::default()
        };
        if let Some(t) = root.attr("type") {
            if !VOL_TYPES.contains(&t) {
                return Err(Error::config_unsupported(
                    ERR,
                    format!("unknown volume type '{t}'"),
                ));
            }
            def.vol_type = t.to_string();
        }
        def.key = root.child_text("key").map(str::to_string);
        let cap = root
            .child("capacity")
            .ok_or_else(|| xml_err("missing capacity element"))?;
        def.capacity = parse_volume_size(cap)?;
        def.allocation = match root.child("allocation") {
            Some(a) => parse_volume_size(a)?,
            None => def.capacity,
        };
        let target = root.child("target");
        def.target_path = target
            .and_then(|t| t.child_text("path"))
            .map(str::to_string);
        def.format = parse_vol_format(
            target
                .and_then(|t| t.child("format"))
                .and_then(|f| f.attr("type")),
            pool_type,
        )?;
        if let Some(t) = target {
            def.target = parse_target_extra(t)?;
        }
        // A <backingStore> without <path> is ignored, as libvirt does.
        if let Some(b) = root
            .child("backingStore")
            .filter(|b| b.child_text("path").is_some_and(|p| !p.is_empty()))
        {
            let path = b.child_text("path").map(str::to_string);
            let format = match b.child("format").and_then(|f| f.attr("type")) {
                None => Some("raw".to_string()),
                Some(f) if FILE_VOLUME_FORMATS.contains(&f) && f != "none" => Some(f.to_string()),
                Some(f) => {
                    return Err(Error::config_unsupported(
                        ERR,
                        format!("unknown volume format type {f}"),
                    ))
                }
            };
            let perms = match b.child("permissions") {
                Some(p) => Permissions::parse(p)?,
                None => Permissions::default(),
            };
            def.backing_store = Some(BackingStore {
                path,
                format,
                perms,
                timestamps: None,
            });
        }
        Ok(def)
    }

    /// What the test driver's `createXML` does to a parsed volume in a pool whose target path
    /// is `pool_path` and whose capacity and allocation are given: checks free space, then
    /// sets `<target><path>` to `pool_path/name` and the key to that path. Returns the new
    /// pool allocation. Pools without a target (rbd, gluster, ...) give libvirt's C
    /// `(null)` here: pass [`NO_TARGET_PATH`] to reproduce it.
    pub fn apply_test_driver_create(
        &mut self,
        pool_path: &str,
        pool_capacity: u64,
        pool_allocation: u64,
    ) -> Result<u64> {
        let new_alloc = pool_allocation.saturating_add(self.allocation);
        if new_alloc > pool_capacity {
            return Err(Error::internal(
                ErrorDomain::Test,
                format!("Not enough free space in pool for volume '{}'", self.name),
            ));
        }
        let path = format!("{pool_path}/{}", self.name);
        self.target_path = Some(path.clone());
        self.key = Some(path);
        Ok(new_alloc)
    }

    /// What the test driver does to a volume listed inside a `<pool>` of its config file
    /// (`test:///PATH.xml`): a missing target path becomes `pool_path/name` and a missing key
    /// that path. The caller adds the volume's allocation to the pool's.
    pub fn apply_test_driver_config_load(&mut self, pool_path: &str) {
        if self.target_path.is_none() {
            self.target_path = Some(format!("{pool_path}/{}", self.name));
        }
        if self.key.is_none() {
            self.key = self.target_path.clone();
        }
    }

    /// Formats the volume as a pool of type `pool_type` prints it.
    pub fn format(&self, pool_type: &str) -> String {
        let has_formats = pool_type_info(pool_type).vol_formats.is_some();
        let mut w = XmlWriter::new();
        w.open("volume", &[("type", Some(&self.vol_type))]);
        w.text("name", &[], &self.name);
        w.opt_text("key", self.key.as_deref());
        let bytes = [("unit", Some("bytes"))];
        w.value("capacity", &bytes, self.capacity);
        w.value("allocation", &bytes, self.allocation);
        if let Some(p) = self.physical {
            w.value("physical", &bytes, p);
        }
        w.open("target", &[]);
        w.opt_text("path", self.target_path.as_deref());
        if has_formats {
            if let Some(f) = &self.format {
                w.empty("format", &[("type", Some(f))]);
            }
        }
        self.target.perms.format(&mut w);
        if let Some(t) = &self.target.timestamps {
            t.format(&mut w);
        }
        if let Some(e) = &self.target.encryption {
            w.open("encryption", &[("format", Some(&e.format))]);
            for (t, v, is_uuid) in &e.secrets {
                let key = if *is_uuid { "uuid" } else { "usage" };
                w.empty("secret", &[("type", Some(t)), (key, Some(v))]);
            }
            for (name, attrs) in [("cipher", &e.cipher), ("ivgen", &e.ivgen)] {
                if !attrs.is_empty() {
                    let a: Vec<(&str, Option<&str>)> = attrs
                        .iter()
                        .map(|(k, v)| (k.as_str(), Some(v.as_str())))
                        .collect();
                    w.empty(name, &a);
                }
            }
            w.close("encryption");
        }
        w.opt_text("compat", self.target.compat.as_deref());
        if let Some(c) = self.target.cluster_size {
            w.value("clusterSize", &[("unit", Some("B"))], c);
        }
        match self.target.features {
            Some(true) => {
                w.open("features", &[]);
                w.empty("lazy_refcounts", &[]);
                w.close("features");
            }
            // A probed qcow2 v3 image without features prints an empty element.
            Some(false) => w.empty("features", &[]),
            None => {}
        }
        w.close("target");
        if let Some(b) = &self.backing_store {
            w.open("backingStore", &[]);
            w.opt_text("path", b.path.as_deref());
            if has_formats {
                if let Some(f) = &b.format {
                    w.empty("format", &[("type", Some(f))]);
                }
            }
            b.perms.format(&mut w);
            if let Some(t) = &b.timestamps {
                t.format(&mut w);
            }
            w.close("backingStore");
        }
        w.close("volume");
        w.finish()
    }
}

/// Volume encryption formats (`virStorageEncryptionFormatType`).
const ENCRYPTION_FORMATS: &[&str] = &["default", "qcow", "luks", "luks2", "luks-any"];

/// A volume's `<capacity>` or `<allocation>`: decimal digits scaled by `unit=`, with libvirt's
/// errors (`malformed capacity element` is what libvirt says for both elements).
fn parse_volume_size(node: Node<'_, '_>) -> Result<u64> {
    let text = node.text().unwrap_or("").trim();
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) {
        return Err(xml_err("malformed capacity element"));
    }
    let value: u64 = text
        .parse()
        .map_err(|_| xml_err("malformed capacity element"))?;
    let unit = node.attr("unit").unwrap_or("");
    let scale = scale_for_unit(unit)
        .ok_or_else(|| Error::invalid_arg(ErrorDomain::None, format!("unknown suffix '{unit}'")))?;
    value
        .checked_mul(scale)
        .ok_or_else(|| Error::new(ErrorDomain::None, ErrorCode::Overflow, "value too large"))
}

fn parse_target_extra(t: Node<'_, '_>) -> Result<VolumeTargetExtra> {
    let mut x = VolumeTargetExtra::default();
    if let Some(p) = t.child("permissions") {
        x.perms = Permissions::parse(p)?;
    }
    if let Some(e) = t.child("encryption") {
        let format = e.attr("format").unwrap_or("default").to_string();
        if !ENCRYPTION_FORMATS.contains(&format.as_str()) {
            return Err(Error::config_unsupported(
                ERR,
                format!("unknown volume encryption format type {format}"),
            ));
        }
        let mut secrets = Vec::new();
        for s in e.children_named("secret") {
            let st = s.attr("type").unwrap_or("passphrase").to_string();
            if let Some(u) = s.attr("uuid") {
                let uuid = parse_uuid(u).ok_or_else(|| {
                    Error::new(
                        ERR,
                        ErrorCode::XmlError,
                        format!("malformed volume encryption uuid '{u}'"),
                    )
                })?;
                secrets.push((st, uuid.to_string(), true));
            } else if let Some(u) = s.attr("usage") {
                secrets.push((st, u.to_string(), false));
            } else {
                return Err(Error::xml(
                    ErrorDomain::None,
                    "missing secret uuid or usage attribute",
                ));
            }
        }
        let attrs = |name: &str, keys: &[&str]| -> Vec<(String, String)> {
            e.child(name)
                .map(|n| {
                    keys.iter()
                        .filter_map(|k| n.attr(k).map(|v| (k.to_string(), v.to_string())))
                        .collect()
                })
                .unwrap_or_default()
        };
        x.encryption = Some(VolumeEncryption {
            format,
            secrets,
            cipher: attrs("cipher", &["name", "size", "mode", "hash"]),
            ivgen: attrs("ivgen", &["name", "hash"]),
        });
    }
    x.compat = t.child_text("compat").map(str::to_string);
    if let Some(c) = &x.compat {
        let ok = c.split('.').count() == 2
            && c.split('.')
                .all(|p| !p.is_empty() && p.chars().all(|d| d.is_ascii_digit()));
        if !ok {
            return Err(xml_err("forbidden characters in 'compat' attribute"));
        }
    }
    if let Some(cs) = t.child("clusterSize") {
        let text = cs.text().unwrap_or("");
        x.cluster_size = Some(parse_scaled(text, cs.attr("unit")).ok_or_else(|| {
            Error::xml(
                ErrorDomain::Xml,
                format!("Invalid value '{text}' for element or attribute './target/clusterSize'"),
            )
        })?);
    }
    if let Some(f) = t.child("features") {
        let mut lazy = false;
        for feat in f.elements() {
            if feat.tag_name().name() == "lazy_refcounts" {
                lazy = true;
            } else {
                return Err(Error::config_unsupported(
                    ERR,
                    format!("unsupported feature {}", feat.tag_name().name()),
                ));
            }
        }
        x.features = Some(lazy);
        if x.compat.is_none() {
            x.compat = Some("1.1".to_string());
        }
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_scaled("1", Some("G")), Some(1 << 30));
        assert_eq!(parse_scaled("5", Some("KiB")), Some(5120));
        assert_eq!(parse_scaled("5", Some("KB")), Some(5000));
        assert_eq!(parse_scaled("5", Some("bytes")), Some(5));
        assert_eq!(parse_scaled("5", Some("zz")), None);
    }

    #[test]
    fn paths() {
        assert_eq!(sanitize_path("/mnt//nfs/"), "/mnt/nfs");
        assert_eq!(sanitize_path("/"), "/");
    }
}
