//! The host as libvirt describes it: node info and free memory from /proc and /sys, and the
//! `<capabilities>` document (host CPU and topology, security model, one guest per
//! emulator with its machine types).

use std::collections::BTreeMap;

use rvirt_core::{Error, ErrorDomain, NodeInfo, Result};
use rvirt_xml::capabilities::{
    Capabilities, GuestCaps, HostCpu, MigrationFeatures, NumaCell, NumaCpu, SecModel,
};

use crate::probe::EmulatorCaps;

/// One host CPU's place in the topology.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCpuTopo {
    pub id: u32,
    pub socket: u32,
    pub die: u32,
    pub core: u32,
    pub siblings: String,
    pub node: u32,
}

fn read_trim(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

/// Parses a Linux CPU list (`0-3,8,10-11`).
pub fn parse_cpu_list(text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
                    out.extend(a..=b);
                }
            }
            None => {
                if let Ok(n) = part.parse() {
                    out.push(n);
                }
            }
        }
    }
    out
}

/// Online CPUs with their socket, die, core and siblings from sysfs.
pub fn cpu_topology() -> Vec<HostCpuTopo> {
    let online = read_trim("/sys/devices/system/cpu/online")
        .map(|s| parse_cpu_list(&s))
        .unwrap_or_default();
    let nodes = numa_nodes();
    online
        .into_iter()
        .map(|id| {
            let base = format!("/sys/devices/system/cpu/cpu{id}/topology");
            let num = |f: &str| {
                read_trim(&format!("{base}/{f}"))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            };
            let node = nodes
                .iter()
                .find(|(_, cpus)| cpus.contains(&id))
                .map(|(n, _)| *n)
                .unwrap_or(0);
            HostCpuTopo {
                id,
                socket: num("physical_package_id"),
                die: num("die_id"),
                core: num("core_id"),
                siblings: read_trim(&format!("{base}/thread_siblings_list"))
                    .unwrap_or_else(|| id.to_string()),
                node,
            }
        })
        .collect()
}

/// NUMA nodes and their CPUs.
fn numa_nodes() -> BTreeMap<u32, Vec<u32>> {
    let mut out = BTreeMap::new();
    let online = read_trim("/sys/devices/system/node/online")
        .map(|s| parse_cpu_list(&s))
        .unwrap_or_default();
    for n in online {
        let cpus = read_trim(&format!("/sys/devices/system/node/node{n}/cpulist"))
            .map(|s| parse_cpu_list(&s))
            .unwrap_or_default();
        out.insert(n, cpus);
    }
    out
}

/// A field of /proc/meminfo (or a node's meminfo) in KiB.
fn meminfo_kib(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let rest = l
            .split_once(':')
            .filter(|(k, _)| k.split_whitespace().last() == Some(key))?
            .1;
        rest.split_whitespace().next()?.parse().ok()
    })
}

fn proc_meminfo() -> Result<String> {
    std::fs::read_to_string("/proc/meminfo")
        .map_err(|e| Error::system(ErrorDomain::None, &e, "cannot open /proc/meminfo"))
}

/// `virNodeGetInfo`.
pub fn node_info() -> Result<NodeInfo> {
    let meminfo = proc_meminfo()?;
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let mhz = cpuinfo
        .lines()
        .find(|l| l.starts_with("cpu MHz"))
        .and_then(|l| l.split_once(':'))
        .and_then(|(_, v)| v.trim().parse::<f64>().ok())
        .map(|v| v as u32)
        .unwrap_or(0);
    let topo = cpu_topology();
    let nodes = numa_nodes().len().max(1) as u32;
    let sockets_total: std::collections::BTreeSet<(u32, u32)> =
        topo.iter().map(|c| (c.node, c.socket)).collect();
    let cores: std::collections::BTreeSet<(u32, u32, u32)> =
        topo.iter().map(|c| (c.socket, c.die, c.core)).collect();
    let cpus = topo.len().max(1) as u32;
    let sockets_per_node = (sockets_total.len() as u32 / nodes).max(1);
    let cores_per_socket = (cores.len() as u32 / (sockets_per_node * nodes)).max(1);
    let threads = (cpus / (cores_per_socket * sockets_per_node * nodes)).max(1);
    // With NUMA, the nodes' memory is what guests can get (as libvirt counts it).
    let node_total: u64 = numa_nodes()
        .keys()
        .filter_map(|n| {
            let text = std::fs::read_to_string(format!("/sys/devices/system/node/node{n}/meminfo"))
                .ok()?;
            meminfo_kib(&text, "MemTotal")
        })
        .sum();
    let memory = if node_total > 0 {
        node_total
    } else {
        meminfo_kib(&meminfo, "MemTotal").unwrap_or(0)
    };
    Ok(NodeInfo {
        model: std::env::consts::ARCH.to_string(),
        memory,
        cpus,
        mhz,
        nodes,
        sockets: sockets_per_node,
        cores: cores_per_socket,
        threads,
    })
}

/// `virNodeGetFreeMemory`, bytes.
pub fn free_memory() -> Result<u64> {
    let cells = cells_free_memory(0, i32::MAX)?;
    if cells.is_empty() {
        let meminfo = proc_meminfo()?;
        return Ok(meminfo_kib(&meminfo, "MemFree").unwrap_or(0) * 1024);
    }
    Ok(cells.iter().sum())
}

/// Free memory of NUMA cells `start..start+max`, bytes.
pub fn cells_free_memory(start: i32, max: i32) -> Result<Vec<u64>> {
    let nodes = numa_nodes();
    let mut out = Vec::new();
    for (n, _) in nodes
        .iter()
        .filter(|(n, _)| i64::from(**n) >= i64::from(start))
    {
        if out.len() as i64 >= i64::from(max) {
            break;
        }
        let text = std::fs::read_to_string(format!("/sys/devices/system/node/node{n}/meminfo"))
            .unwrap_or_default();
        out.push(meminfo_kib(&text, "MemFree").unwrap_or(0) * 1024);
    }
    Ok(out)
}

fn host_uuid() -> Option<rvirt_core::Uuid> {
    let text =
        read_trim("/sys/class/dmi/id/product_uuid").or_else(|| read_trim("/etc/machine-id"))?;
    rvirt_core::parse_uuid(&text)
}

/// A node's pages by size in KiB: the base pages (the memory huge pages do not hold), then
/// each huge page size with its count, smallest first.
fn cell_pages(node: u32, total_kib: u64) -> Vec<(u32, u64)> {
    let dir = format!("/sys/devices/system/node/node{node}/hugepages");
    let mut huge: Vec<(u32, u64)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| {
                    let name = e.ok()?.file_name().into_string().ok()?;
                    let size: u32 = name
                        .strip_prefix("hugepages-")?
                        .strip_suffix("kB")?
                        .parse()
                        .ok()?;
                    let count = read_trim(&format!("{dir}/{name}/nr_hugepages"))?
                        .parse()
                        .ok()?;
                    Some((size, count))
                })
                .collect()
        })
        .unwrap_or_default();
    huge.sort();
    let in_huge: u64 = huge.iter().map(|(size, n)| u64::from(*size) * n).sum();
    let mut pages = vec![(4, total_kib.saturating_sub(in_huge) / 4)];
    pages.extend(huge);
    pages
}

/// `1024` KiB as `(1, "MiB")`: the largest unit that divides the size exactly.
fn pretty_size(bytes: u64) -> (u64, &'static str) {
    let mut value = bytes;
    for unit in ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] {
        if !value.is_multiple_of(1024) || value == 0 || unit == "PiB" {
            return (value, unit);
        }
        value /= 1024;
    }
    (value, "EiB")
}

/// `<cache>`: the level 3 (and higher) caches of the online CPUs, one bank per cache id,
/// as libvirt's `virCapabilitiesInitCaches` lists them.
fn cache_banks() -> Option<rvirt_xml::nodedev::Element> {
    let online = read_trim("/sys/devices/system/cpu/online").map(|s| parse_cpu_list(&s))?;
    // (level, id, type, size in bytes, cpus)
    let mut banks: Vec<(u32, u32, &'static str, u64, String)> = Vec::new();
    for cpu in online {
        let base = format!("/sys/devices/system/cpu/cpu{cpu}/cache");
        let Ok(entries) = std::fs::read_dir(&base) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with("index"))
            .collect();
        names.sort();
        for name in names {
            let field = |f: &str| read_trim(&format!("{base}/{name}/{f}"));
            let Some(level) = field("level").and_then(|v| v.parse::<u32>().ok()) else {
                continue;
            };
            if level < 3 {
                continue;
            }
            let id = field("id").and_then(|v| v.parse().ok()).unwrap_or(0);
            let kind = match field("type").as_deref() {
                Some("Data") => "data",
                Some("Instruction") => "code",
                _ => "both",
            };
            let size = field("size")
                .and_then(|v| {
                    let (num, scale) = match v.strip_suffix('K') {
                        Some(n) => (n, 1024),
                        None => match v.strip_suffix('M') {
                            Some(n) => (n, 1024 * 1024),
                            None => (v.as_str(), 1),
                        },
                    };
                    num.parse::<u64>().ok().map(|n| n * scale)
                })
                .unwrap_or(0);
            let cpus = field("shared_cpu_list").unwrap_or_default();
            if !banks
                .iter()
                .any(|b| b.0 == level && b.1 == id && b.2 == kind)
            {
                banks.push((level, id, kind, size, cpus));
            }
        }
    }
    if banks.is_empty() {
        return None;
    }
    banks.sort_by_key(|b| (b.0, b.1));
    let mut cache = rvirt_xml::nodedev::Element::new("cache");
    for (level, id, kind, size, cpus) in banks {
        let (value, unit) = pretty_size(size);
        let mut bank = rvirt_xml::nodedev::Element::new("bank");
        bank.attrs = vec![
            ("id".into(), id.to_string()),
            ("level".into(), level.to_string()),
            ("type".into(), kind.into()),
            ("size".into(), value.to_string()),
            ("unit".into(), unit.into()),
            ("cpus".into(), cpus),
        ];
        cache.children.push(bank);
    }
    Some(cache)
}

/// The vendor of /proc/cpuinfo, for CPUs the CPU map does not describe.
fn cpuinfo_vendor() -> Option<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    cpuinfo
        .lines()
        .find(|l| l.starts_with("vendor_id"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| match v.trim() {
            "AuthenticAMD" => "AMD".to_string(),
            "GenuineIntel" => "Intel".to_string(),
            other => other.to_string(),
        })
}

/// The `<capabilities>` document for these emulators.
pub fn capabilities(emulators: &[std::sync::Arc<EmulatorCaps>]) -> Capabilities {
    let arch = crate::definition::host_arch();
    let mut caps = Capabilities::new(arch);
    caps.host.uuid = host_uuid();
    let topo = cpu_topology();
    let info = node_info().unwrap_or_default();
    let topology = Some((info.sockets * info.nodes, 1, info.cores, info.threads));
    caps.host.cpu = Some(match crate::cpu::host_cpu() {
        Some(cpu) => HostCpu { topology, ..cpu },
        None => HostCpu {
            vendor: cpuinfo_vendor(),
            topology,
            ..Default::default()
        },
    });
    caps.host.page_sizes = vec![4];
    for size in ["2048kB", "1048576kB"] {
        if std::path::Path::new(&format!("/sys/kernel/mm/hugepages/hugepages-{size}")).exists() {
            caps.host
                .page_sizes
                .push(size.trim_end_matches("kB").parse().unwrap_or(0));
        }
    }
    caps.host.power_management = None;
    caps.host.migration = Some(MigrationFeatures {
        live: true,
        uri_transports: vec!["tcp".into(), "rdma".into()],
    });
    let nodes = numa_nodes();
    let mut cells = Vec::new();
    for n in nodes.keys() {
        let text = std::fs::read_to_string(format!("/sys/devices/system/node/node{n}/meminfo"))
            .unwrap_or_default();
        let total = meminfo_kib(&text, "MemTotal");
        cells.push(NumaCell {
            id: *n,
            memory: total,
            pages: cell_pages(*n, total.unwrap_or(0)),
            distances: read_trim(&format!("/sys/devices/system/node/node{n}/distance"))
                .map(|d| {
                    d.split_whitespace()
                        .enumerate()
                        .filter_map(|(i, v)| Some((i as u32, v.parse().ok()?)))
                        .collect()
                })
                .unwrap_or_default(),
            cpus: topo
                .iter()
                .filter(|c| c.node == *n)
                .map(|c| NumaCpu {
                    id: c.id,
                    topology: Some((c.socket, c.die, c.core, c.siblings.clone())),
                })
                .collect(),
        });
    }
    caps.host.numa_cells = Some(cells);
    caps.host.cache = cache_banks();
    caps.host.secmodels = vec![SecModel {
        model: "none".into(),
        doi: "0".into(),
        base_labels: Vec::new(),
    }];
    for emu in emulators {
        let wordsize = match emu.arch.as_str() {
            "i686" | "arm" | "ppc" | "mips" | "mipsel" | "sparc" | "riscv32" | "m68k" | "sh4"
            | "sh4eb" | "xtensa" | "xtensaeb" | "microblaze" | "microblazeel" => 32,
            _ => 64,
        };
        let mut guest = GuestCaps::new("hvm", &emu.arch, wordsize, Some(&emu.binary));
        // libvirt lists the emulator's default machine first.
        let ordered = emu
            .machines
            .iter()
            .filter(|m| m.is_default)
            .chain(emu.machines.iter().filter(|m| !m.is_default));
        for m in ordered {
            if m.name == "none" {
                continue;
            }
            guest.machines.push(rvirt_xml::capabilities::Machine {
                name: m.name.clone(),
                canonical: None,
                max_cpus: Some(m.cpu_max),
                deprecated: m.deprecated,
            });
            if let Some(alias) = &m.alias {
                guest.machines.push(rvirt_xml::capabilities::Machine {
                    name: alias.clone(),
                    canonical: Some(m.name.clone()),
                    max_cpus: Some(m.cpu_max),
                    deprecated: m.deprecated,
                });
            }
        }
        guest.add_domain("qemu");
        if emu.kvm {
            guest.add_domain("kvm");
        }
        if emu.arch == "i686" {
            guest.add_feature("pae");
            guest.add_feature("nonpae");
        }
        if matches!(emu.arch.as_str(), "i686" | "x86_64") {
            guest.add_toggle_feature("acpi", true, true);
            guest.add_toggle_feature("apic", true, false);
        }
        guest.add_feature("cpuselection");
        guest.add_feature("deviceboot");
        guest.add_toggle_feature("disksnapshot", true, false);
        caps.add_guest(guest);
    }
    caps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpu_list("0-3,8,10-11\n"), vec![0, 1, 2, 3, 8, 10, 11]);
        assert_eq!(parse_cpu_list(""), Vec::<u32>::new());
    }

    #[test]
    fn meminfo_fields() {
        let text =
            "MemTotal:       10315988 kB\nMemFree:         4470520 kB\nNode 0 MemFree: 12 kB\n";
        assert_eq!(meminfo_kib(text, "MemTotal"), Some(10315988));
        assert_eq!(meminfo_kib(text, "MemFree"), Some(4470520));
    }
}
