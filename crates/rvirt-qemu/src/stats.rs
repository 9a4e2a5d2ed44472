//! Statistics of running guests: memory (balloon and QEMU's resident size), block devices
//! (QMP `query-blockstats`) and host-side network counters of tap devices, plus the
//! serial console stream.

use std::fs::File;
use std::io::{Read, Write};

use rvirt_core::{
    BlockStats, Error, ErrorCode, ErrorDomain, InterfaceStats, MemoryStat, Result, Stream,
};
use rvirt_xml::domain::DomainDef;
use serde_json::Value;

use crate::domain::Running;
use crate::driver::{monitor_command, qemu_err};

/// `VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON` and `_RSS`.
const STAT_ACTUAL: i32 = 6;
const STAT_RSS: i32 = 7;

/// Memory statistics: the balloon's current size and QEMU's resident set (KiB).
pub fn memory_stats(r: &Running, max: u32) -> Result<Vec<MemoryStat>> {
    let mut out = Vec::new();
    let has_balloon = r
        .def
        .devices_of("memballoon")
        .any(|b| b.attr("model") == Some("virtio"));
    if has_balloon {
        if let Ok(v) = monitor_command(r, "query-balloon", None) {
            if let Some(actual) = v.get("actual").and_then(Value::as_u64) {
                out.push(MemoryStat {
                    tag: STAT_ACTUAL,
                    value: actual / 1024,
                });
            }
        }
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", r.pid)).unwrap_or_default();
    if let Some(rss) = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
    {
        out.push(MemoryStat {
            tag: STAT_RSS,
            value: rss,
        });
    }
    out.truncate(max as usize);
    Ok(out)
}

/// The alias of the disk whose target (`vda`) or source path is `disk`.
fn disk_alias(def: &DomainDef, disk: &str) -> Option<String> {
    def.devices_of("disk")
        .find(|d| {
            d.child_attr("target", "dev") == Some(disk)
                || d.child_attr("source", "file") == Some(disk)
                || d.child_attr("source", "dev") == Some(disk)
        })
        .and_then(|d| d.child_attr("alias", "name").map(str::to_string))
}

/// `virDomainBlockStats` for one disk.
pub fn block_stats(r: &Running, disk: &str) -> Result<BlockStats> {
    let alias = disk_alias(&r.def, disk)
        .ok_or_else(|| qemu_err(ErrorCode::InvalidArg, format!("invalid path: {disk}")))?;
    let list = monitor_command(r, "query-blockstats", None)?;
    let qdev = format!("/machine/peripheral/{alias}/");
    let entry = list
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| {
            e.get("qdev")
                .and_then(Value::as_str)
                .is_some_and(|q| q == alias || q.starts_with(&qdev))
        })
        .ok_or_else(|| {
            qemu_err(
                ErrorCode::InternalError,
                format!("cannot find statistics for device '{alias}'"),
            )
        })?;
    let stats = &entry["stats"];
    let n = |k: &str| stats.get(k).and_then(Value::as_i64).unwrap_or(-1);
    Ok(BlockStats {
        rd_req: n("rd_operations"),
        rd_bytes: n("rd_bytes"),
        wr_req: n("wr_operations"),
        wr_bytes: n("wr_bytes"),
        errs: -1,
    })
}

/// `virDomainInterfaceStats` for a tap-backed interface, named by host device or MAC.
/// The tap's receive side is the guest's transmit side, so the counters are swapped.
pub fn interface_stats(def: &DomainDef, device: &str) -> Result<InterfaceStats> {
    let tap = def
        .devices_of("interface")
        .find(|i| {
            i.child_attr("target", "dev") == Some(device)
                || i.child_attr("mac", "address")
                    .is_some_and(|m| m.eq_ignore_ascii_case(device))
        })
        .and_then(|i| i.child_attr("target", "dev"))
        .ok_or_else(|| {
            qemu_err(
                ErrorCode::InvalidArg,
                format!("invalid path, '{device}' is not a known interface"),
            )
        })?;
    let read = |name: &str| -> i64 {
        std::fs::read_to_string(format!("/sys/class/net/{tap}/statistics/{name}"))
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(-1)
    };
    Ok(InterfaceStats {
        rx_bytes: read("tx_bytes"),
        rx_packets: read("tx_packets"),
        rx_errs: read("tx_errors"),
        rx_drop: read("tx_dropped"),
        tx_bytes: read("rx_bytes"),
        tx_packets: read("rx_packets"),
        tx_errs: read("rx_errors"),
        tx_drop: read("rx_dropped"),
    })
}

/// A console stream over the pty QEMU gave a serial port.
pub struct PtyStream {
    file: File,
}

impl Stream for PtyStream {
    fn send(&mut self, data: &[u8]) -> Result<()> {
        self.file
            .write_all(data)
            .map_err(|e| Error::system(ErrorDomain::Streams, &e, "cannot write to console"))
    }

    fn recv(&mut self, max: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; max.clamp(1, 65536)];
        match self.file.read(&mut buf) {
            Ok(n) => {
                buf.truncate(n);
                Ok(buf)
            }
            // The other side of a pty reports EIO once QEMU closed it: end of stream.
            Err(e) if e.raw_os_error() == Some(libc::EIO) => Ok(Vec::new()),
            Err(e) => Err(Error::system(
                ErrorDomain::Streams,
                &e,
                "cannot read from console",
            )),
        }
    }

    fn finish(&mut self) -> Result<()> {
        Ok(())
    }

    fn abort(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Opens the console `dev_name` (an alias such as `serial0` or `console0`; the first
/// console when `None`) of a running guest.
pub fn open_console(def: &DomainDef, dev_name: Option<&str>) -> Result<Box<dyn Stream>> {
    let candidates: Vec<_> = def
        .devices_of("console")
        .chain(def.devices_of("serial"))
        .collect();
    let chr = match dev_name {
        None => candidates.first().copied(),
        Some(name) => candidates
            .iter()
            .copied()
            .find(|c| c.child_attr("alias", "name") == Some(name))
            .or_else(|| {
                // `console0`, `serial1`: the n-th device of that kind.
                let (kind, n) = name.split_at(
                    name.find(|c: char| c.is_ascii_digit())
                        .unwrap_or(name.len()),
                );
                let n: usize = n.parse().ok()?;
                def.devices_of(kind).nth(n)
            }),
    }
    .ok_or_else(|| {
        qemu_err(
            ErrorCode::InternalError,
            format!(
                "cannot find character device {}",
                dev_name.unwrap_or("<null>")
            ),
        )
    })?;
    let alias = chr.child_attr("alias", "name").unwrap_or("");
    if chr.attr("type") != Some("pty") {
        return Err(qemu_err(
            ErrorCode::OperationUnsupported,
            format!("character device {alias} is not using a PTY"),
        ));
    }
    let path = chr
        .child_attr("source", "path")
        .or_else(|| chr.attr("tty"))
        .ok_or_else(|| {
            qemu_err(
                ErrorCode::OperationFailed,
                "PTY path of the console is unknown",
            )
        })?;
    let file = File::options()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| Error::system(ErrorDomain::Qemu, &e, format!("Unable to open tty {path}")))?;
    Ok(Box::new(PtyStream { file }))
}

/// `VIR_DOMAIN_STATS_*` groups.
pub mod groups {
    pub const STATE: u32 = 1 << 0;
    pub const CPU_TOTAL: u32 = 1 << 1;
    pub const BALLOON: u32 = 1 << 2;
    pub const VCPU: u32 = 1 << 3;
    pub const INTERFACE: u32 = 1 << 4;
    pub const BLOCK: u32 = 1 << 5;
}

/// One domain's record for `virConnectGetAllDomainStats` with the groups in `stats`.
/// `running` is `None` for inactive domains.
pub fn domain_record(
    def: &DomainDef,
    state: (rvirt_core::DomainState, i32),
    running: Option<&Running>,
    stats: u32,
) -> Vec<rvirt_core::TypedParam> {
    use rvirt_core::{TypedParam as P, TypedValue as V};
    let mut out = Vec::new();
    if stats & groups::STATE != 0 {
        out.push(P::new("state.state", V::Int(state.0 as i32)));
        out.push(P::new("state.reason", V::Int(state.1)));
    }
    if let Some(r) = running.filter(|_| stats & groups::CPU_TOTAL != 0) {
        let (user, system) = cpu_split_ns(r.pid);
        out.push(P::new("cpu.time", V::ULLong(user + system)));
        out.push(P::new("cpu.user", V::ULLong(user)));
        out.push(P::new("cpu.system", V::ULLong(system)));
    }
    if stats & groups::BALLOON != 0 {
        let current = running
            .and_then(|r| monitor_command(r, "query-balloon", None).ok())
            .and_then(|v| v.get("actual").and_then(Value::as_u64))
            .map(|b| b / 1024)
            .unwrap_or(def.current_memory);
        out.push(P::new("balloon.current", V::ULLong(current)));
        out.push(P::new("balloon.maximum", V::ULLong(def.memory)));
    }
    if stats & groups::VCPU != 0 {
        let current = if def.current_vcpus == 0 {
            def.vcpus
        } else {
            def.current_vcpus
        };
        out.push(P::new("vcpu.current", V::UInt(current)));
        out.push(P::new("vcpu.maximum", V::UInt(def.vcpus)));
    }
    if let Some(_r) = running.filter(|_| stats & groups::INTERFACE != 0) {
        let ifaces: Vec<_> = def.devices_of("interface").collect();
        out.push(P::new("net.count", V::UInt(ifaces.len() as u32)));
        for (i, iface) in ifaces.iter().enumerate() {
            let Some(tap) = iface.child_attr("target", "dev") else {
                continue;
            };
            out.push(P::new(format!("net.{i}.name"), V::String(tap.to_string())));
            if let Ok(s) = interface_stats(def, tap) {
                for (k, v) in [
                    ("rx.bytes", s.rx_bytes),
                    ("rx.pkts", s.rx_packets),
                    ("rx.errs", s.rx_errs),
                    ("rx.drop", s.rx_drop),
                    ("tx.bytes", s.tx_bytes),
                    ("tx.pkts", s.tx_packets),
                    ("tx.errs", s.tx_errs),
                    ("tx.drop", s.tx_drop),
                ] {
                    if v >= 0 {
                        out.push(P::new(format!("net.{i}.{k}"), V::ULLong(v as u64)));
                    }
                }
            }
        }
    }
    if stats & groups::BLOCK != 0 {
        let disks: Vec<_> = def.devices_of("disk").collect();
        out.push(P::new("block.count", V::UInt(disks.len() as u32)));
        for (i, disk) in disks.iter().enumerate() {
            let target = disk.child_attr("target", "dev").unwrap_or("");
            out.push(P::new(
                format!("block.{i}.name"),
                V::String(target.to_string()),
            ));
            let path = disk
                .child_attr("source", "file")
                .or_else(|| disk.child_attr("source", "dev"));
            if let Some(path) = path {
                out.push(P::new(
                    format!("block.{i}.path"),
                    V::String(path.to_string()),
                ));
            }
            if let Some(s) = running.and_then(|r| block_stats(r, target).ok()) {
                for (k, v) in [
                    ("rd.reqs", s.rd_req),
                    ("rd.bytes", s.rd_bytes),
                    ("wr.reqs", s.wr_req),
                    ("wr.bytes", s.wr_bytes),
                ] {
                    if v >= 0 {
                        out.push(P::new(format!("block.{i}.{k}"), V::ULLong(v as u64)));
                    }
                }
            }
            if let Some(meta) = path.and_then(|p| std::fs::metadata(p).ok()) {
                use std::os::unix::fs::MetadataExt;
                out.push(P::new(
                    format!("block.{i}.allocation"),
                    V::ULLong(meta.blocks() * 512),
                ));
                out.push(P::new(format!("block.{i}.physical"), V::ULLong(meta.len())));
            }
        }
    }
    out
}

/// User and system CPU time of a process, nanoseconds.
fn cpu_split_ns(pid: u32) -> (u64, u64) {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return (0, 0);
    };
    let Some(pos) = stat.rfind(')') else {
        return (0, 0);
    };
    let fields: Vec<&str> = stat[pos + 1..].split_whitespace().collect();
    // SAFETY: sysconf has no preconditions.
    let hz = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) })
        .unwrap_or(100)
        .max(1);
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (
        ticks(11) * (1_000_000_000 / hz),
        ticks(12) * (1_000_000_000 / hz),
    )
}
