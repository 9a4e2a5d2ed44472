//! Vendor and device names from the PCI ID database (`pci.ids`), looked up the way
//! libpciaccess does for libvirt: exact vendor and device id, subsystem lines ignored.

use std::collections::HashMap;

use crate::sysfs::Sysfs;

/// Where Debian's (and other distributions') packages put the database.
const PATHS: &[&str] = &["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"];

/// The parsed database: vendor id -> (vendor name, device id -> device name).
#[derive(Debug, Default)]
pub struct PciIds {
    vendors: HashMap<u32, (String, HashMap<u32, String>)>,
}

/// `"8086  Intel Corporation"` -> (0x8086, "Intel Corporation").
fn id_and_name(line: &str) -> Option<(u32, String)> {
    let id = u32::from_str_radix(line.get(..4)?, 16).ok()?;
    let rest = line.get(4..)?;
    if !rest.starts_with(' ') {
        return None;
    }
    Some((id, rest.trim().to_string()))
}

impl PciIds {
    /// Loads the first database found below the sysfs root (an empty one when none is).
    pub fn load(sysfs: &Sysfs) -> Self {
        let Some(bytes) = PATHS.iter().find_map(|p| sysfs.read_raw(p).ok()) else {
            return PciIds::default();
        };
        Self::parse(&String::from_utf8_lossy(&bytes))
    }

    pub fn parse(text: &str) -> Self {
        let mut ids = PciIds::default();
        let mut current: Option<u32> = None;
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if line.starts_with("C ") {
                // Device classes follow the vendor list.
                break;
            }
            if let Some(dev) = line.strip_prefix('\t') {
                if dev.starts_with('\t') {
                    continue;
                }
                if let (Some(v), Some((id, name))) = (current, id_and_name(dev)) {
                    if let Some((_, devices)) = ids.vendors.get_mut(&v) {
                        devices.entry(id).or_insert(name);
                    }
                }
            } else if let Some((id, name)) = id_and_name(line) {
                ids.vendors.entry(id).or_insert((name, HashMap::new()));
                current = Some(id);
            } else {
                current = None;
            }
        }
        ids
    }

    /// `(vendor name, device name)`.
    pub fn lookup(&self, vendor: u32, device: u32) -> (Option<String>, Option<String>) {
        match self.vendors.get(&vendor) {
            Some((name, devices)) => (Some(name.clone()), devices.get(&device).cloned()),
            None => (None, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_vendors_and_devices() {
        let ids = PciIds::parse(
            "# c\n1af4  Red Hat, Inc.\n\t1000  Virtio network device\n\t\t01de fffb  Sub\n8086  Intel Corporation\nC 00  Unclassified\n",
        );
        assert_eq!(
            ids.lookup(0x1af4, 0x1000),
            (
                Some("Red Hat, Inc.".into()),
                Some("Virtio network device".into())
            )
        );
        assert_eq!(
            ids.lookup(0x8086, 0x1000),
            (Some("Intel Corporation".into()), None)
        );
        assert_eq!(ids.lookup(0x1234, 0x1), (None, None));
    }
}
