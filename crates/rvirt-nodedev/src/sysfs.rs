//! Access to a sysfs tree below a configurable root, read the way libudev presents it to
//! libvirt: attribute values without trailing newlines, device properties from the kernel's
//! `uevent` file merged with udev's database (`/run/udev/data`) when one exists.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::pciids::PciIds;

/// A sysfs (and `/run/udev`, `/dev`) tree rooted at `root` (`/` on a real host).
#[derive(Debug, Clone)]
pub struct Sysfs {
    root: PathBuf,
    /// The PCI ID database, read once on first use.
    pci_ids: Arc<OnceLock<PciIds>>,
}

impl Sysfs {
    /// The root is canonicalized so that device paths found through symlinks can be turned
    /// back into host-style paths (`/sys/devices/...`).
    pub fn new(root: PathBuf) -> Self {
        let root = fs::canonicalize(&root).unwrap_or(root);
        Sysfs {
            root,
            pci_ids: Arc::default(),
        }
    }

    /// The PCI ID database below this root.
    pub fn pci_ids(&self) -> &PciIds {
        self.pci_ids.get_or_init(|| PciIds::load(self))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether this tree is the running host's (so ioctls and kernel events apply to it).
    pub fn is_host(&self) -> bool {
        self.root == Path::new("/")
    }

    /// The on-disk location of a host-style absolute path such as `/sys/bus/pci`.
    pub fn path(&self, host_path: &str) -> PathBuf {
        self.root.join(host_path.trim_start_matches('/'))
    }

    /// Turns an on-disk path below the root back into its host-style form.
    pub fn host_path(&self, real: &Path) -> Option<String> {
        let rel = real.strip_prefix(&self.root).ok()?;
        Some(format!("/{}", rel.to_string_lossy()))
    }

    /// Resolves a host-style path (following symlinks) to the host-style canonical path.
    pub fn canonical(&self, host_path: &str) -> Option<String> {
        let real = fs::canonicalize(self.path(host_path)).ok()?;
        self.host_path(&real)
    }

    pub fn exists(&self, host_path: &str) -> bool {
        self.path(host_path).exists()
    }

    pub fn is_dir(&self, host_path: &str) -> bool {
        self.path(host_path).is_dir()
    }

    pub fn is_symlink(&self, host_path: &str) -> bool {
        fs::symlink_metadata(self.path(host_path))
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false)
    }

    /// Raw file content.
    pub fn read_raw(&self, host_path: &str) -> std::io::Result<Vec<u8>> {
        fs::read(self.path(host_path))
    }

    /// An attribute as libudev returns it (trailing newlines removed), `None` when missing.
    pub fn attr(&self, host_path: &str) -> Option<String> {
        let bytes = fs::read(self.path(host_path)).ok()?;
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        while text.ends_with('\n') {
            text.pop();
        }
        Some(text)
    }

    /// An attribute as libvirt's `udevGetStringSysfsAttr` keeps it: control characters
    /// stripped, empty values treated as missing.
    pub fn string_attr(&self, host_path: &str) -> Option<String> {
        let text: String = self
            .attr(host_path)?
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        (!text.is_empty()).then_some(text)
    }

    /// Basename of a symlink's target (`driver` -> `virtio-pci`).
    pub fn link_basename(&self, host_path: &str) -> Option<String> {
        let target = fs::read_link(self.path(host_path)).ok()?;
        target.file_name().map(|n| n.to_string_lossy().into_owned())
    }

    /// Entry names of a directory in the order the filesystem returns them.
    pub fn list_dir(&self, host_path: &str) -> Vec<String> {
        match fs::read_dir(self.path(host_path)) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Writes an attribute the way libvirt's `virFileWriteStr` does (truncate, write).
    pub fn write(&self, host_path: &str, value: &str) -> std::io::Result<()> {
        use std::io::Write;
        let mut f = fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(self.path(host_path))?;
        f.write_all(value.as_bytes())
    }

    /// The properties udev reports for a device: the kernel's `uevent` variables,
    /// `SUBSYSTEM` from the subsystem link, and udev database entries (`E:` lines) when the
    /// database has a record for the device.
    pub fn properties(&self, syspath: &str) -> Properties {
        let mut props = BTreeMap::new();
        let mut devlinks = Vec::new();
        if let Some(text) = self.attr(&format!("{syspath}/uevent")) {
            for line in text.lines() {
                if let Some((k, v)) = line.split_once('=') {
                    props.insert(k.to_string(), v.to_string());
                }
            }
        }
        let subsystem = self.link_basename(&format!("{syspath}/subsystem"));
        if let Some(s) = &subsystem {
            props.insert("SUBSYSTEM".to_string(), s.clone());
        }
        let sysname = syspath.rsplit('/').next().unwrap_or("").to_string();
        if let Some(id) = udev_db_id(&props, subsystem.as_deref(), &sysname) {
            if let Some(db) = self.attr(&format!("/run/udev/data/{id}")) {
                for line in db.lines() {
                    if let Some(kv) = line.strip_prefix("E:") {
                        if let Some((k, v)) = kv.split_once('=') {
                            props.insert(k.to_string(), v.to_string());
                        }
                    } else if let Some(link) = line.strip_prefix("S:") {
                        devlinks.push(format!("/dev/{link}"));
                    }
                }
            }
        }
        devlinks.sort();
        Properties {
            props,
            devlinks,
            subsystem,
            sysname,
        }
    }
}

/// The name of a device's record in udev's database: `b`/`c` plus major:minor for device
/// nodes, `n` plus the interface index for network interfaces, else `+subsystem:sysname`.
fn udev_db_id(
    props: &BTreeMap<String, String>,
    subsystem: Option<&str>,
    sysname: &str,
) -> Option<String> {
    if let (Some(major), Some(minor)) = (props.get("MAJOR"), props.get("MINOR")) {
        let kind = if subsystem == Some("block") { 'b' } else { 'c' };
        return Some(format!("{kind}{major}:{minor}"));
    }
    if let Some(ifindex) = props.get("IFINDEX") {
        return Some(format!("n{ifindex}"));
    }
    subsystem.map(|s| format!("+{s}:{sysname}"))
}

/// A device's udev view: properties, device links, subsystem and sysname.
#[derive(Debug, Clone, Default)]
pub struct Properties {
    pub props: BTreeMap<String, String>,
    pub devlinks: Vec<String>,
    pub subsystem: Option<String>,
    pub sysname: String,
}

impl Properties {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.props.get(key).map(String::as_str)
    }

    pub fn has(&self, key: &str) -> bool {
        self.props.contains_key(key)
    }

    pub fn devtype(&self) -> Option<&str> {
        self.get("DEVTYPE")
    }

    /// `udev_device_get_devnode`: `/dev/` plus the kernel's `DEVNAME`.
    pub fn devnode(&self) -> Option<String> {
        self.get("DEVNAME").map(|n| {
            if n.starts_with('/') {
                n.to_string()
            } else {
                format!("/dev/{n}")
            }
        })
    }
}

/// libvirt's `virStrToLong_ui`: strtoul semantics with the given base (0 = auto), accepting a
/// leading `-` (so "-1" is `u32::MAX`), requiring the whole string to be consumed.
pub fn parse_uint(text: &str, base: u32) -> Option<u32> {
    let v = parse_long(text, base)?;
    if v < 0 {
        // strtoul negates: -1 becomes UINT_MAX; values below -UINT_MAX overflow.
        let neg = v.unsigned_abs();
        if neg > u64::from(u32::MAX) {
            return None;
        }
        return Some((u32::MAX as u64 + 1 - neg) as u32);
    }
    u32::try_from(v).ok()
}

/// libvirt's `virStrToLong_i`.
pub fn parse_int(text: &str, base: u32) -> Option<i32> {
    i32::try_from(parse_long(text, base)?).ok()
}

/// libvirt's `virStrToLong_ull` (base 0).
pub fn parse_ull(text: &str) -> Option<u64> {
    let v = parse_long(text, 0)?;
    u64::try_from(v).ok()
}

fn parse_long(text: &str, base: u32) -> Option<i64> {
    let t = text.trim_start();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (base, digits) = match base {
        0 => {
            if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                (16, h)
            } else if t.len() > 1 && t.starts_with('0') {
                (8, &t[1..])
            } else {
                (10, t)
            }
        }
        16 => (
            16,
            t.strip_prefix("0x")
                .or_else(|| t.strip_prefix("0X"))
                .unwrap_or(t),
        ),
        b => (b, t),
    };
    if digits.is_empty() {
        return None;
    }
    let v = i64::from_str_radix(digits, base).ok()?;
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_like_libvirt() {
        assert_eq!(parse_uint("-1", 10), Some(u32::MAX));
        assert_eq!(parse_uint("0x8086", 16), Some(0x8086));
        assert_eq!(parse_uint("8086", 16), Some(0x8086));
        assert_eq!(parse_uint("0x10", 0), Some(16));
        assert_eq!(parse_int("-1", 10), Some(-1));
        assert_eq!(parse_uint("1x", 10), None);
        assert_eq!(parse_ull("536870912"), Some(536870912));
    }
}
