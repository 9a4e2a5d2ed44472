//! What libvirt knows of each element of the domain document: the attributes it keeps and the
//! order it prints them in, the children it keeps in print order, and whether the element
//! carries text. Paths are relative to `<domain>` and name elements by their tag
//! (`devices/disk/driver`); a few elements that appear under every device (`address`, `alias`,
//! `boot`, `seclabel`) are matched by their last component.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// Schema paths by name. The keys are short, fixed strings, so a simple multiplicative hash
/// over 8-byte words serves better than the default DoS-resistant one.
type SpecTable = HashMap<&'static str, &'static Spec, FastNameHash>;

/// A hasher for maps keyed by schema names and paths (see [`SpecTable`]).
pub(crate) type FastNameHash = BuildHasherDefault<PathHasher>;

#[derive(Default)]
pub(crate) struct PathHasher(u64);

impl PathHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for PathHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Schema of one element.
#[derive(Debug)]
pub struct Spec {
    pub attrs: &'static [&'static str],
    pub children: &'static [&'static str],
    pub text: bool,
    /// Printed as `<x ...>` `</x>` even when it has no children (libvirt builds these
    /// elements with a child buffer that it always closes on its own line).
    pub always_open: bool,
}

const fn node(attrs: &'static [&'static str], children: &'static [&'static str]) -> Spec {
    Spec {
        attrs,
        children,
        text: false,
        always_open: false,
    }
}

const fn text(attrs: &'static [&'static str]) -> Spec {
    Spec {
        attrs,
        children: &[],
        text: true,
        always_open: false,
    }
}

const fn open(attrs: &'static [&'static str], children: &'static [&'static str]) -> Spec {
    Spec {
        attrs,
        children,
        text: false,
        always_open: true,
    }
}

/// Children every device may have after its own: boot order, alias, address.
const EMPTY: Spec = node(&[], &[]);
const TEXT: Spec = text(&[]);
const STATE: Spec = node(&["state"], &[]);
const ENABLED: Spec = node(&["enabled"], &[]);
const UNIT_VALUE: Spec = text(&["unit"]);

const ADDRESS: Spec = node(
    &[
        "type",
        "domain",
        "controller",
        "bus",
        "device",
        "target",
        "unit",
        "slot",
        "function",
        "multifunction",
        "port",
        "cssid",
        "ssid",
        "devno",
        "reg",
        "iobase",
        "irq",
        "base",
        "cpu",
        "uuid",
        "devaddr",
    ],
    &["zpci"],
);
const ZPCI: Spec = node(&["uid", "fid"], &[]);
const ALIAS: Spec = node(&["name"], &[]);
const DEV_BOOT: Spec = node(&["order", "loadparm"], &[]);
const SECLABEL_DEV: Spec = node(&["model", "relabel", "labelskip"], &["label"]);
const CHAR_SOURCE: Spec = node(
    &[
        "mode", "path", "host", "service", "tls", "channel", "master", "slave", "append",
    ],
    &["seclabel", "reconnect", "clipboard", "mouse"],
);
const CHAR_PROTOCOL: Spec = node(&["type"], &[]);
const CHAR_LOG: Spec = node(&["file", "append"], &[]);
const RECONNECT: Spec = node(&["enabled", "timeout"], &[]);
/// Process capabilities of container guests, in libvirt's order.
const PROCESS_CAPS: &[&str] = &[
    "audit_control",
    "audit_write",
    "block_suspend",
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "ipc_lock",
    "ipc_owner",
    "kill",
    "lease",
    "linux_immutable",
    "mac_admin",
    "mac_override",
    "mknod",
    "net_admin",
    "net_bind_service",
    "net_broadcast",
    "net_raw",
    "setgid",
    "setfcap",
    "setpcap",
    "setuid",
    "sys_admin",
    "sys_boot",
    "sys_chroot",
    "sys_module",
    "sys_nice",
    "sys_pacct",
    "sys_ptrace",
    "sys_rawio",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "syslog",
    "wake_alarm",
];
/// `<driver>` of virtio devices: the virtio transport options.
const VIRTIO_DRIVER: Spec = node(&["iommu", "ats", "packed", "page_per_vq"], &[]);
const BACKING_STORE: Spec = node(&["type", "index"], &["format", "source", "backingStore"]);
const BACKING_FORMAT: Spec = node(&["type"], &[]);
const AUDIO_STREAM: Spec = node(
    &[
        "mixingEngine",
        "fixedSettings",
        "voices",
        "bufferLength",
        "dev",
        "bufferCount",
        "tryPoll",
        "name",
        "streamName",
        "latency",
        "clientName",
        "connectPorts",
        "exactName",
    ],
    &["settings"],
);
const AUDIO_SETTINGS: Spec = node(&["frequency", "channels", "format"], &[]);
const TIMER: Spec = node(
    &[
        "name",
        "present",
        "tickpolicy",
        "track",
        "frequency",
        "mode",
    ],
    &["catchup"],
);

/// Paths remembered per thread at most: enough for every path the schema knows, while a
/// stream of documents with made-up paths cannot grow the memo without bound.
const MEMO_LIMIT: usize = 4096;

thread_local! {
    /// Answers of [`resolve`] by full path, each with its node in [`EDGES`]. Each element is
    /// looked up when parsed, ordered and printed, and resolving walks prefixes and special
    /// cases before its table lookup; one hash lookup on the whole path is a good deal
    /// cheaper.
    static MEMO: RefCell<HashMap<Box<str>, Resolved, FastNameHash>> =
        RefCell::new(HashMap::default());
    /// Per memo node, the children already met below it: walking a tree resolves a child
    /// from its parent's node by its short name, without hashing the whole path.
    static EDGES: RefCell<Vec<ChildEdges>> =
        const { RefCell::new(Vec::new()) };
}

/// A path's schema and its node.
type Resolved = (Option<&'static Spec>, SpecNode);

/// The children met below one node, by name.
type ChildEdges = Vec<(Box<str>, Resolved)>;

/// A path already resolved, as a handle for resolving its children quickly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SpecNode(u32);

impl SpecNode {
    /// A path the memo does not hold (it was full): children resolve by full path.
    const UNTRACKED: SpecNode = SpecNode(u32::MAX);
}

/// The schema of the element at `path`, or `None` when libvirt does not know it there.
pub fn spec(path: &str) -> Option<&'static Spec> {
    spec_node(path).0
}

/// [`spec`], with the path's node for [`child_spec`].
pub(crate) fn spec_node(path: &str) -> Resolved {
    // `try_with` fails only while the thread is being torn down: resolve without the memo.
    MEMO.try_with(|memo| {
        if let Some(found) = memo.borrow().get(path) {
            return *found;
        }
        let found = resolve(path);
        let mut memo = memo.borrow_mut();
        if memo.len() >= MEMO_LIMIT {
            return (found, SpecNode::UNTRACKED);
        }
        let node = EDGES
            .try_with(|edges| {
                let mut edges = edges.borrow_mut();
                edges.push(Vec::new());
                SpecNode((edges.len() - 1) as u32)
            })
            .unwrap_or(SpecNode::UNTRACKED);
        memo.insert(path.into(), (found, node));
        (found, node)
    })
    .unwrap_or_else(|_| (resolve(path), SpecNode::UNTRACKED))
}

/// The schema of the child `name` of the element at `parent`, whose full path is `path`.
pub(crate) fn child_spec(parent: SpecNode, name: &str, path: &str) -> Resolved {
    if parent == SpecNode::UNTRACKED {
        return spec_node(path);
    }
    let known = EDGES
        .try_with(|edges| {
            let edges = edges.borrow();
            edges
                .get(parent.0 as usize)?
                .iter()
                .find(|(n, _)| **n == *name)
                .map(|(_, resolved)| *resolved)
        })
        .ok()
        .flatten();
    if let Some(found) = known {
        return found;
    }
    let found = spec_node(path);
    // The memo bounds the nodes; each node's edges are bounded by the names met under it,
    // which the memo bounds too (every edge leads to a memo entry).
    if found.1 != SpecNode::UNTRACKED {
        let _ = EDGES.try_with(|edges| {
            if let Some(kids) = edges.borrow_mut().get_mut(parent.0 as usize) {
                kids.push((name.into(), found));
            }
        });
    }
    found
}

fn resolve(path: &str) -> Option<&'static Spec> {
    if path == "domain" {
        return Some(&DOMAIN);
    }
    let p = path.strip_prefix("domain/")?;
    if let Some(rest) = p.strip_prefix("devices/") {
        return device_spec(rest);
    }
    top_spec(p)
}

const DOMAIN: Spec = node(
    &["type", "id"],
    &[
        "name",
        "uuid",
        "genid",
        "title",
        "description",
        "metadata",
        "maxMemory",
        "memory",
        "currentMemory",
        "blkiotune",
        "memtune",
        "memoryBacking",
        "vcpu",
        "vcpus",
        "iothreads",
        "iothreadids",
        "defaultiothread",
        "cputune",
        "numatune",
        "resource",
        "sysinfo",
        "bootloader",
        "bootloader_args",
        "os",
        "idmap",
        "features",
        "cpu",
        "clock",
        "on_poweroff",
        "on_reboot",
        "on_crash",
        "on_lockfailure",
        "pm",
        "perf",
        "devices",
        "seclabel",
        "keywrap",
        "launchSecurity",
    ],
);

fn top_spec(p: &str) -> Option<&'static Spec> {
    static S: &[(&str, Spec)] = &[
        ("name", TEXT),
        ("uuid", TEXT),
        ("genid", TEXT),
        ("title", TEXT),
        ("description", TEXT),
        ("maxMemory", text(&["slots", "unit"])),
        ("memory", text(&["unit", "dumpCore"])),
        ("currentMemory", UNIT_VALUE),
        ("blkiotune", node(&[], &["weight", "device"])),
        ("blkiotune/weight", TEXT),
        (
            "blkiotune/device",
            node(
                &[],
                &[
                    "path",
                    "weight",
                    "read_iops_sec",
                    "write_iops_sec",
                    "read_bytes_sec",
                    "write_bytes_sec",
                ],
            ),
        ),
        ("blkiotune/device/path", TEXT),
        ("blkiotune/device/weight", TEXT),
        ("blkiotune/device/read_iops_sec", TEXT),
        ("blkiotune/device/write_iops_sec", TEXT),
        ("blkiotune/device/read_bytes_sec", TEXT),
        ("blkiotune/device/write_bytes_sec", TEXT),
        (
            "memtune",
            node(
                &[],
                &[
                    "hard_limit",
                    "soft_limit",
                    "min_guarantee",
                    "swap_hard_limit",
                ],
            ),
        ),
        ("memtune/hard_limit", UNIT_VALUE),
        ("memtune/soft_limit", UNIT_VALUE),
        ("memtune/min_guarantee", UNIT_VALUE),
        ("memtune/swap_hard_limit", UNIT_VALUE),
        (
            "memoryBacking",
            node(
                &[],
                &[
                    "hugepages",
                    "nosharepages",
                    "locked",
                    "source",
                    "access",
                    "allocation",
                    "discard",
                ],
            ),
        ),
        ("memoryBacking/hugepages", node(&[], &["page"])),
        (
            "memoryBacking/hugepages/page",
            node(&["size", "unit", "nodeset"], &[]),
        ),
        ("memoryBacking/nosharepages", EMPTY),
        ("memoryBacking/locked", EMPTY),
        ("memoryBacking/source", node(&["type"], &[])),
        ("memoryBacking/access", node(&["mode"], &[])),
        ("memoryBacking/allocation", node(&["mode", "threads"], &[])),
        ("memoryBacking/discard", EMPTY),
        ("vcpu", text(&["placement", "cpuset", "current"])),
        ("vcpus", node(&[], &["vcpu"])),
        (
            "vcpus/vcpu",
            node(&["id", "enabled", "hotpluggable", "order"], &[]),
        ),
        ("iothreads", TEXT),
        ("iothreadids", node(&[], &["iothread"])),
        (
            "defaultiothread",
            node(&["thread_pool_min", "thread_pool_max"], &[]),
        ),
        (
            "iothreadids/iothread",
            node(&["id", "thread_pool_min", "thread_pool_max"], &[]),
        ),
        (
            "iothreadids/iothread/poll",
            node(&["max", "grow", "shrink"], &[]),
        ),
        (
            "cputune",
            node(
                &[],
                &[
                    "shares",
                    "period",
                    "quota",
                    "global_period",
                    "global_quota",
                    "emulator_period",
                    "emulator_quota",
                    "iothread_period",
                    "iothread_quota",
                    "vcpupin",
                    "emulatorpin",
                    "iothreadpin",
                    "emulatorsched",
                    "vcpusched",
                    "iothreadsched",
                    "cachetune",
                    "memorytune",
                ],
            ),
        ),
        ("cputune/shares", TEXT),
        ("cputune/period", TEXT),
        ("cputune/quota", TEXT),
        ("cputune/global_period", TEXT),
        ("cputune/global_quota", TEXT),
        ("cputune/emulator_period", TEXT),
        ("cputune/emulator_quota", TEXT),
        ("cputune/iothread_period", TEXT),
        ("cputune/iothread_quota", TEXT),
        ("cputune/vcpupin", node(&["vcpu", "cpuset"], &[])),
        ("cputune/cachetune", node(&["vcpus"], &["cache", "monitor"])),
        (
            "cputune/cachetune/cache",
            node(&["id", "level", "type", "size", "unit"], &[]),
        ),
        ("cputune/cachetune/monitor", node(&["level", "vcpus"], &[])),
        ("cputune/memorytune", node(&["vcpus"], &["node", "monitor"])),
        ("cputune/memorytune/node", node(&["id", "bandwidth"], &[])),
        ("cputune/memorytune/monitor", node(&["level", "vcpus"], &[])),
        ("cputune/emulatorpin", node(&["cpuset"], &[])),
        ("cputune/iothreadpin", node(&["iothread", "cpuset"], &[])),
        (
            "cputune/vcpusched",
            node(&["vcpus", "scheduler", "priority"], &[]),
        ),
        (
            "cputune/iothreadsched",
            node(&["iothreads", "scheduler", "priority"], &[]),
        ),
        (
            "cputune/emulatorsched",
            node(&["scheduler", "priority"], &[]),
        ),
        ("numatune", node(&[], &["memory", "memnode"])),
        (
            "numatune/memory",
            node(&["mode", "nodeset", "placement"], &[]),
        ),
        (
            "numatune/memnode",
            node(&["cellid", "mode", "nodeset"], &[]),
        ),
        ("resource", node(&[], &["partition", "fibrechannel"])),
        ("resource/partition", TEXT),
        ("resource/fibrechannel", node(&["appid"], &[])),
        (
            "sysinfo",
            node(
                &["type"],
                &[
                    "bios",
                    "system",
                    "baseBoard",
                    "chassis",
                    "oemStrings",
                    "entry",
                ],
            ),
        ),
        ("sysinfo/bios", node(&[], &["entry"])),
        ("sysinfo/system", node(&[], &["entry"])),
        ("sysinfo/baseBoard", node(&[], &["entry"])),
        ("sysinfo/chassis", node(&[], &["entry"])),
        ("sysinfo/oemStrings", node(&[], &["entry"])),
        ("sysinfo/bios/entry", text(&["name"])),
        ("sysinfo/system/entry", text(&["name"])),
        ("sysinfo/baseBoard/entry", text(&["name"])),
        ("sysinfo/chassis/entry", text(&["name"])),
        ("sysinfo/oemStrings/entry", TEXT),
        ("sysinfo/entry", text(&["name", "file"])),
        ("bootloader", TEXT),
        ("bootloader_args", TEXT),
        (
            "os",
            node(
                &["firmware"],
                &[
                    "type",
                    "firmware",
                    "init",
                    "initarg",
                    "initenv",
                    "initdir",
                    "inituser",
                    "initgroup",
                    "loader",
                    "nvram",
                    "kernel",
                    "initrd",
                    "cmdline",
                    "dtb",
                    "root",
                    "acpi",
                    "boot",
                    "bootmenu",
                    "bios",
                    "smbios",
                ],
            ),
        ),
        ("os/type", text(&["arch", "machine"])),
        ("os/firmware", node(&[], &["feature"])),
        ("os/firmware/feature", node(&["enabled", "name"], &[])),
        ("os/init", TEXT),
        ("os/initarg", TEXT),
        ("os/initenv", text(&["name"])),
        ("os/initdir", TEXT),
        ("os/inituser", TEXT),
        ("os/initgroup", TEXT),
        (
            "os/loader",
            text(&["readonly", "secure", "type", "stateless"]),
        ),
        ("os/nvram", text(&["template"])),
        ("os/kernel", TEXT),
        ("os/initrd", TEXT),
        ("os/cmdline", TEXT),
        ("os/dtb", TEXT),
        ("os/root", TEXT),
        ("os/acpi", node(&[], &["table"])),
        ("os/acpi/table", text(&["type"])),
        ("os/boot", node(&["dev"], &[])),
        ("os/bootmenu", node(&["enable", "timeout"], &[])),
        ("os/smbios", node(&["mode"], &[])),
        ("os/bios", node(&["useserial", "rebootTimeout"], &[])),
        ("idmap", node(&[], &["uid", "gid"])),
        ("idmap/uid", node(&["start", "target", "count"], &[])),
        ("idmap/gid", node(&["start", "target", "count"], &[])),
        (
            "features",
            node(
                &[],
                &[
                    "acpi",
                    "apic",
                    "pae",
                    "hap",
                    "viridian",
                    "privnet",
                    "hyperv",
                    "kvm",
                    "pvspinlock",
                    "capabilities",
                    "pmu",
                    "vmport",
                    "gic",
                    "smm",
                    "ioapic",
                    "hpt",
                    "vmcoreinfo",
                    "htm",
                    "nested-hv",
                    "msrs",
                    "ccf-assist",
                    "xen",
                    "cfpc",
                    "sbbc",
                    "ibs",
                    "tcg",
                    "async-teardown",
                ],
            ),
        ),
        ("features/acpi", EMPTY),
        ("features/apic", node(&["eoi"], &[])),
        ("features/pae", EMPTY),
        ("features/hap", STATE),
        ("features/viridian", EMPTY),
        ("features/privnet", EMPTY),
        (
            "features/hyperv",
            node(
                &["mode"],
                &[
                    "relaxed",
                    "vapic",
                    "spinlocks",
                    "vpindex",
                    "runtime",
                    "synic",
                    "stimer",
                    "reset",
                    "vendor_id",
                    "frequencies",
                    "reenlightenment",
                    "tlbflush",
                    "ipi",
                    "evmcs",
                    "avic",
                ],
            ),
        ),
        ("features/hyperv/relaxed", STATE),
        ("features/hyperv/vapic", STATE),
        (
            "features/hyperv/spinlocks",
            node(&["state", "retries"], &[]),
        ),
        ("features/hyperv/vpindex", STATE),
        ("features/hyperv/runtime", STATE),
        ("features/hyperv/synic", STATE),
        ("features/hyperv/stimer", node(&["state"], &["direct"])),
        ("features/hyperv/stimer/direct", STATE),
        ("features/hyperv/reset", STATE),
        ("features/hyperv/vendor_id", node(&["state", "value"], &[])),
        ("features/hyperv/frequencies", STATE),
        ("features/hyperv/reenlightenment", STATE),
        ("features/hyperv/tlbflush", STATE),
        ("features/hyperv/ipi", STATE),
        ("features/hyperv/evmcs", STATE),
        ("features/hyperv/avic", STATE),
        (
            "features/kvm",
            node(
                &[],
                &[
                    "hidden",
                    "hint-dedicated",
                    "poll-control",
                    "pv-ipi",
                    "dirty-ring",
                ],
            ),
        ),
        ("features/kvm/hidden", STATE),
        ("features/kvm/hint-dedicated", STATE),
        ("features/kvm/poll-control", STATE),
        ("features/kvm/pv-ipi", STATE),
        ("features/kvm/dirty-ring", node(&["state", "size"], &[])),
        ("features/pvspinlock", STATE),
        ("features/capabilities", node(&["policy"], PROCESS_CAPS)),
        ("features/capabilities/audit_control", STATE),
        ("features/capabilities/audit_write", STATE),
        ("features/capabilities/block_suspend", STATE),
        ("features/capabilities/chown", STATE),
        ("features/capabilities/dac_override", STATE),
        ("features/capabilities/dac_read_search", STATE),
        ("features/capabilities/fowner", STATE),
        ("features/capabilities/fsetid", STATE),
        ("features/capabilities/ipc_lock", STATE),
        ("features/capabilities/ipc_owner", STATE),
        ("features/capabilities/kill", STATE),
        ("features/capabilities/lease", STATE),
        ("features/capabilities/linux_immutable", STATE),
        ("features/capabilities/mac_admin", STATE),
        ("features/capabilities/mac_override", STATE),
        ("features/capabilities/mknod", STATE),
        ("features/capabilities/net_admin", STATE),
        ("features/capabilities/net_bind_service", STATE),
        ("features/capabilities/net_broadcast", STATE),
        ("features/capabilities/net_raw", STATE),
        ("features/capabilities/setgid", STATE),
        ("features/capabilities/setfcap", STATE),
        ("features/capabilities/setpcap", STATE),
        ("features/capabilities/setuid", STATE),
        ("features/capabilities/sys_admin", STATE),
        ("features/capabilities/sys_boot", STATE),
        ("features/capabilities/sys_chroot", STATE),
        ("features/capabilities/sys_module", STATE),
        ("features/capabilities/sys_nice", STATE),
        ("features/capabilities/sys_pacct", STATE),
        ("features/capabilities/sys_ptrace", STATE),
        ("features/capabilities/sys_rawio", STATE),
        ("features/capabilities/sys_resource", STATE),
        ("features/capabilities/sys_time", STATE),
        ("features/capabilities/sys_tty_config", STATE),
        ("features/capabilities/syslog", STATE),
        ("features/capabilities/wake_alarm", STATE),
        ("features/pmu", STATE),
        ("features/vmport", STATE),
        ("features/gic", node(&["version"], &[])),
        ("features/smm", node(&["state"], &["tseg"])),
        ("features/smm/tseg", UNIT_VALUE),
        ("features/ioapic", node(&["driver"], &[])),
        ("features/hpt", node(&["resizing"], &["maxpagesize"])),
        ("features/hpt/maxpagesize", UNIT_VALUE),
        ("features/vmcoreinfo", STATE),
        ("features/htm", STATE),
        ("features/nested-hv", STATE),
        ("features/msrs", node(&["unknown"], &[])),
        ("features/ccf-assist", STATE),
        ("features/cfpc", node(&["value"], &[])),
        ("features/sbbc", node(&["value"], &[])),
        ("features/ibs", node(&["value"], &[])),
        ("features/async-teardown", ENABLED),
        (
            "cpu",
            node(
                &["mode", "match", "check", "migratable"],
                &[
                    "model",
                    "vendor",
                    "topology",
                    "cache",
                    "maxphysaddr",
                    "feature",
                    "numa",
                ],
            ),
        ),
        ("cpu/model", text(&["fallback", "vendor_id"])),
        ("cpu/vendor", TEXT),
        (
            "cpu/topology",
            node(&["sockets", "dies", "cores", "threads"], &[]),
        ),
        ("cpu/cache", node(&["level", "mode"], &[])),
        ("cpu/maxphysaddr", node(&["mode", "bits"], &[])),
        ("cpu/feature", node(&["policy", "name"], &[])),
        ("cpu/numa", node(&[], &["cell", "interconnects"])),
        (
            "cpu/numa/cell/cache",
            node(&["level", "associativity", "policy"], &["size", "line"]),
        ),
        ("cpu/numa/cell/cache/size", node(&["value", "unit"], &[])),
        ("cpu/numa/cell/cache/line", node(&["value", "unit"], &[])),
        (
            "cpu/numa/interconnects",
            node(&[], &["latency", "bandwidth"]),
        ),
        (
            "cpu/numa/interconnects/latency",
            node(&["initiator", "target", "cache", "type", "value"], &[]),
        ),
        (
            "cpu/numa/interconnects/bandwidth",
            node(
                &["initiator", "target", "cache", "type", "value", "unit"],
                &[],
            ),
        ),
        (
            "cpu/numa/cell",
            node(
                &["id", "cpus", "memory", "unit", "memAccess", "discard"],
                &["distances", "cache"],
            ),
        ),
        ("cpu/numa/cell/distances", node(&[], &["sibling"])),
        (
            "cpu/numa/cell/distances/sibling",
            node(&["id", "value"], &[]),
        ),
        (
            "clock",
            node(
                &["offset", "adjustment", "basis", "timezone", "start"],
                &["timer"],
            ),
        ),
        ("clock/timer", TIMER),
        (
            "clock/timer/catchup",
            node(&["threshold", "slew", "limit"], &[]),
        ),
        ("on_poweroff", TEXT),
        ("on_reboot", TEXT),
        ("on_crash", TEXT),
        ("on_lockfailure", TEXT),
        ("pm", node(&[], &["suspend-to-mem", "suspend-to-disk"])),
        ("pm/suspend-to-mem", ENABLED),
        ("pm/suspend-to-disk", ENABLED),
        ("perf", node(&[], &["event"])),
        ("perf/event", node(&["name", "enabled"], &[])),
        (
            "seclabel",
            node(
                &["type", "model", "relabel"],
                &["label", "imagelabel", "baselabel"],
            ),
        ),
        ("seclabel/label", TEXT),
        ("seclabel/imagelabel", TEXT),
        ("seclabel/baselabel", TEXT),
        ("keywrap", node(&[], &["cipher"])),
        ("keywrap/cipher", node(&["name", "state"], &[])),
        (
            "launchSecurity",
            node(
                &["type", "kernelHashes"],
                &["cbitpos", "reducedPhysBits", "policy", "dhCert", "session"],
            ),
        ),
        ("launchSecurity/cbitpos", TEXT),
        ("launchSecurity/reducedPhysBits", TEXT),
        ("launchSecurity/policy", TEXT),
        ("launchSecurity/dhCert", TEXT),
        ("launchSecurity/session", TEXT),
    ];
    static TABLE: OnceLock<SpecTable> = OnceLock::new();
    lookup(&TABLE, S, p)
}

const DEVICES: Spec = node(
    &[],
    &[
        "emulator",
        "disk",
        "controller",
        "lease",
        "filesystem",
        "interface",
        "smartcard",
        "serial",
        "parallel",
        "console",
        "channel",
        "input",
        "tpm",
        "graphics",
        "sound",
        "audio",
        "video",
        "hostdev",
        "redirdev",
        "redirfilter",
        "hub",
        "watchdog",
        "memballoon",
        "rng",
        "nvram",
        "panic",
        "shmem",
        "memory",
        "iommu",
        "vsock",
    ],
);

/// The device list itself: `devices` alone.
pub fn devices_spec() -> &'static Spec {
    &DEVICES
}

fn device_spec(rest: &str) -> Option<&'static Spec> {
    // A backing chain nests: each <backingStore> holds a source like the disk's own.
    if let Some(tail) = rest.strip_prefix("disk/backingStore/") {
        let mut tail = tail;
        while let Some(t) = tail.strip_prefix("backingStore/") {
            tail = t;
        }
        return match tail {
            "backingStore" => Some(&BACKING_STORE),
            "format" => Some(&BACKING_FORMAT),
            t if t == "source" || t.starts_with("source/") => device_spec(&format!("disk/{t}")),
            _ => None,
        };
    }
    let last = rest.rfind('/').map_or(rest, |i| &rest[i + 1..]);
    let depth = rest.bytes().filter(|b| *b == b'/').count();
    if depth >= 1 {
        match last {
            "address" => return Some(&ADDRESS),
            "zpci" if rest.ends_with("address/zpci") => return Some(&ZPCI),
            "alias" if depth == 1 => return Some(&ALIAS),
            "boot" if depth == 1 => return Some(&DEV_BOOT),
            "seclabel" => return Some(&SECLABEL_DEV),
            "label" if rest.ends_with("seclabel/label") => return Some(&TEXT),
            _ => {}
        }
    }
    static S: &[(&str, Spec)] = &[
        ("emulator", TEXT),
        // disks
        (
            "disk",
            node(
                &["type", "device", "model", "rawio", "sgio", "snapshot"],
                &[
                    "driver",
                    "auth",
                    "source",
                    "backingStore",
                    "geometry",
                    "blockio",
                    "target",
                    "iotune",
                    "readonly",
                    "shareable",
                    "transient",
                    "serial",
                    "wwn",
                    "vendor",
                    "product",
                    "encryption",
                    "boot",
                    "alias",
                    "address",
                ],
            ),
        ),
        (
            "disk/driver",
            node(
                &[
                    "name",
                    "type",
                    "cache",
                    "error_policy",
                    "rerror_policy",
                    "io",
                    "ioeventfd",
                    "event_idx",
                    "copy_on_read",
                    "discard",
                    "iothread",
                    "detect_zeroes",
                    "queues",
                    "queue_size",
                ],
                &["metadata_cache"],
            ),
        ),
        ("disk/driver/metadata_cache", node(&[], &["max_size"])),
        ("disk/driver/metadata_cache/max_size", text(&["unit"])),
        (
            "disk/source",
            node(
                &[
                    "file",
                    "dev",
                    "dir",
                    "protocol",
                    "name",
                    "tls",
                    "query",
                    "pool",
                    "volume",
                    "mode",
                    "type",
                    "path",
                    "managed",
                    "namespace",
                    "startupPolicy",
                    "index",
                ],
                &[
                    "host",
                    "snapshot",
                    "config",
                    "auth",
                    "encryption",
                    "address",
                    "reservations",
                    "seclabel",
                    "ssl",
                    "cookies",
                    "readahead",
                    "timeout",
                    "reconnect",
                ],
            ),
        ),
        (
            "disk/source/host",
            node(&["name", "port", "transport", "socket"], &[]),
        ),
        ("disk/source/snapshot", node(&["name"], &[])),
        ("disk/source/config", node(&["file"], &[])),
        ("disk/source/ssl", node(&["verify"], &[])),
        ("disk/source/cookies", node(&[], &["cookie"])),
        ("disk/source/cookies/cookie", text(&["name"])),
        ("disk/source/readahead", node(&["size"], &[])),
        ("disk/source/timeout", node(&["seconds"], &[])),
        ("disk/source/reconnect", node(&["enabled", "timeout"], &[])),
        ("disk/source/reservations", node(&["managed"], &["source"])),
        (
            "disk/source/reservations/source",
            node(&["type", "path", "mode"], &[]),
        ),
        ("disk/source/auth", node(&["username"], &["secret"])),
        ("disk/source/encryption", node(&["format"], &["secret"])),
        (
            "disk/source/encryption/secret",
            node(&["type", "uuid", "usage"], &[]),
        ),
        ("disk/encryption", node(&["format"], &["secret"])),
        (
            "disk/encryption/secret",
            node(&["type", "uuid", "usage"], &[]),
        ),
        ("disk/auth", node(&["username"], &["secret"])),
        ("disk/auth/secret", node(&["type", "usage", "uuid"], &[])),
        (
            "disk/source/auth/secret",
            node(&["type", "usage", "uuid"], &[]),
        ),
        ("disk/backingStore", BACKING_STORE),
        (
            "disk/geometry",
            node(&["cyls", "heads", "secs", "trans"], &[]),
        ),
        (
            "disk/blockio",
            node(
                &[
                    "logical_block_size",
                    "physical_block_size",
                    "discard_granularity",
                ],
                &[],
            ),
        ),
        (
            "disk/target",
            node(&["dev", "bus", "tray", "removable", "rotation_rate"], &[]),
        ),
        (
            "disk/iotune",
            node(
                &[],
                &[
                    "total_bytes_sec",
                    "read_bytes_sec",
                    "write_bytes_sec",
                    "total_iops_sec",
                    "read_iops_sec",
                    "write_iops_sec",
                    "total_bytes_sec_max",
                    "read_bytes_sec_max",
                    "write_bytes_sec_max",
                    "total_iops_sec_max",
                    "read_iops_sec_max",
                    "write_iops_sec_max",
                    "size_iops_sec",
                    "group_name",
                    "total_bytes_sec_max_length",
                    "read_bytes_sec_max_length",
                    "write_bytes_sec_max_length",
                    "total_iops_sec_max_length",
                    "read_iops_sec_max_length",
                    "write_iops_sec_max_length",
                ],
            ),
        ),
        ("disk/iotune/total_bytes_sec", TEXT),
        ("disk/iotune/read_bytes_sec", TEXT),
        ("disk/iotune/write_bytes_sec", TEXT),
        ("disk/iotune/total_iops_sec", TEXT),
        ("disk/iotune/read_iops_sec", TEXT),
        ("disk/iotune/write_iops_sec", TEXT),
        ("disk/iotune/total_bytes_sec_max", TEXT),
        ("disk/iotune/read_bytes_sec_max", TEXT),
        ("disk/iotune/write_bytes_sec_max", TEXT),
        ("disk/iotune/total_iops_sec_max", TEXT),
        ("disk/iotune/read_iops_sec_max", TEXT),
        ("disk/iotune/write_iops_sec_max", TEXT),
        ("disk/iotune/size_iops_sec", TEXT),
        ("disk/iotune/group_name", TEXT),
        ("disk/iotune/total_bytes_sec_max_length", TEXT),
        ("disk/iotune/read_bytes_sec_max_length", TEXT),
        ("disk/iotune/write_bytes_sec_max_length", TEXT),
        ("disk/iotune/total_iops_sec_max_length", TEXT),
        ("disk/iotune/read_iops_sec_max_length", TEXT),
        ("disk/iotune/write_iops_sec_max_length", TEXT),
        ("disk/readonly", EMPTY),
        ("disk/shareable", EMPTY),
        ("disk/transient", node(&["shareBacking"], &[])),
        ("disk/serial", TEXT),
        ("disk/wwn", TEXT),
        ("disk/vendor", TEXT),
        ("disk/product", TEXT),
        // controllers
        (
            "controller",
            node(
                &[
                    "type",
                    "index",
                    "model",
                    "ports",
                    "vectors",
                    "maxGrantFrames",
                    "maxEventChannels",
                ],
                &["model", "target", "driver", "alias", "master", "address"],
            ),
        ),
        ("controller/model", node(&["name"], &[])),
        (
            "controller/target",
            node(
                &["chassisNr", "chassis", "port", "busNr", "hotplug", "index"],
                &["node"],
            ),
        ),
        ("controller/target/node", TEXT),
        (
            "controller/driver",
            node(
                &[
                    "queues",
                    "cmd_per_lun",
                    "max_sectors",
                    "ioeventfd",
                    "iothread",
                    "iommu",
                    "ats",
                    "packed",
                    "page_per_vq",
                ],
                &[],
            ),
        ),
        ("controller/master", node(&["startport"], &[])),
        // leases
        ("lease", node(&[], &["lockspace", "key", "target"])),
        ("lease/lockspace", TEXT),
        ("lease/key", TEXT),
        ("lease/target", node(&["path", "offset"], &[])),
        // filesystems
        (
            "filesystem",
            node(
                &["type", "accessmode", "model", "multidevs", "fmode", "dmode"],
                &[
                    "driver",
                    "binary",
                    "source",
                    "target",
                    "readonly",
                    "space_hard_limit",
                    "space_soft_limit",
                    "boot",
                    "alias",
                    "address",
                ],
            ),
        ),
        (
            "filesystem/driver",
            node(
                &[
                    "type",
                    "format",
                    "wrpolicy",
                    "queue",
                    "iommu",
                    "ats",
                    "packed",
                    "page_per_vq",
                ],
                &[],
            ),
        ),
        ("filesystem/binary", node(&["path", "xattr"], &[])),
        (
            "filesystem/source",
            node(
                &[
                    "name", "dir", "file", "dev", "socket", "usage", "units", "pool", "volume",
                ],
                &[],
            ),
        ),
        ("filesystem/target", node(&["dir"], &[])),
        ("filesystem/readonly", EMPTY),
        ("filesystem/space_hard_limit", UNIT_VALUE),
        ("filesystem/space_soft_limit", UNIT_VALUE),
        // interfaces
        (
            "interface",
            node(
                &["type", "managed", "trustGuestRxFilters"],
                &[
                    "mac",
                    "source",
                    "vlan",
                    "virtualport",
                    "bandwidth",
                    "port",
                    "ip",
                    "route",
                    "script",
                    "downscript",
                    "target",
                    "guest",
                    "model",
                    "driver",
                    "backend",
                    "filterref",
                    "tune",
                    "teaming",
                    "link",
                    "mtu",
                    "coalesce",
                    "boot",
                    "rom",
                    "alias",
                    "address",
                ],
            ),
        ),
        ("interface/mac", node(&["address", "type", "check"], &[])),
        ("interface/port", node(&["isolated"], &[])),
        ("interface/coalesce", node(&[], &["rx"])),
        ("interface/coalesce/rx", node(&[], &["frames"])),
        ("interface/coalesce/rx/frames", node(&["max"], &[])),
        (
            "interface/source",
            node(
                &[
                    "network",
                    "portgroup",
                    "portid",
                    "bridge",
                    "dev",
                    "type",
                    "path",
                    "mode",
                    "address",
                    "port",
                ],
                &["address", "local"],
            ),
        ),
        ("interface/source/local", node(&["address", "port"], &[])),
        ("interface/vlan", node(&["trunk"], &["tag"])),
        ("interface/vlan/tag", node(&["id", "nativeMode"], &[])),
        ("interface/virtualport", node(&["type"], &["parameters"])),
        (
            "interface/virtualport/parameters",
            node(
                &[
                    "managerid",
                    "typeid",
                    "typeidversion",
                    "instanceid",
                    "interfaceid",
                    "profileid",
                ],
                &[],
            ),
        ),
        (
            "interface/ip",
            node(&["address", "family", "prefix", "peer"], &[]),
        ),
        (
            "interface/route",
            node(
                &[
                    "family", "address", "netmask", "prefix", "gateway", "metric",
                ],
                &[],
            ),
        ),
        ("interface/bandwidth", node(&[], &["inbound", "outbound"])),
        (
            "interface/bandwidth/inbound",
            node(&["average", "peak", "floor", "burst"], &[]),
        ),
        (
            "interface/bandwidth/outbound",
            node(&["average", "peak", "floor", "burst"], &[]),
        ),
        ("interface/script", node(&["path"], &[])),
        ("interface/downscript", node(&["path"], &[])),
        ("interface/target", node(&["dev", "managed"], &[])),
        ("interface/guest", node(&["dev", "actual"], &[])),
        ("interface/model", node(&["type"], &[])),
        (
            "interface/driver",
            node(
                &[
                    "name",
                    "txmode",
                    "ioeventfd",
                    "event_idx",
                    "queues",
                    "rx_queue_size",
                    "tx_queue_size",
                    "iommu",
                    "ats",
                    "packed",
                ],
                &["host", "guest"],
            ),
        ),
        (
            "interface/driver/host",
            node(
                &["csum", "gso", "tso4", "tso6", "ecn", "ufo", "mrg_rxbuf"],
                &[],
            ),
        ),
        (
            "interface/driver/guest",
            node(&["csum", "tso4", "tso6", "ecn", "ufo"], &[]),
        ),
        ("interface/backend", node(&["type", "tap", "vhost"], &[])),
        ("interface/filterref", node(&["filter"], &["parameter"])),
        (
            "interface/filterref/parameter",
            node(&["name", "value"], &[]),
        ),
        ("interface/tune", node(&[], &["sndbuf"])),
        ("interface/tune/sndbuf", TEXT),
        ("interface/teaming", node(&["type", "persistent"], &[])),
        ("interface/link", node(&["state"], &[])),
        ("interface/mtu", node(&["size"], &[])),
        ("interface/rom", node(&["bar", "file", "enabled"], &[])),
        // smartcards
        (
            "smartcard",
            node(
                &["mode", "type"],
                &[
                    "certificate",
                    "database",
                    "source",
                    "protocol",
                    "alias",
                    "address",
                ],
            ),
        ),
        ("smartcard/certificate", TEXT),
        ("smartcard/database", TEXT),
        ("smartcard/source", CHAR_SOURCE),
        ("smartcard/protocol", CHAR_PROTOCOL),
        // character devices
        (
            "serial",
            node(
                &["type"],
                &["source", "protocol", "log", "target", "alias", "address"],
            ),
        ),
        ("serial/source", CHAR_SOURCE),
        ("serial/source/reconnect", RECONNECT),
        ("serial/protocol", CHAR_PROTOCOL),
        ("serial/log", CHAR_LOG),
        ("serial/target", node(&["type", "port"], &["model"])),
        ("serial/target/model", node(&["name"], &[])),
        (
            "parallel",
            node(
                &["type"],
                &["source", "protocol", "log", "target", "alias", "address"],
            ),
        ),
        ("parallel/source", CHAR_SOURCE),
        ("parallel/source/reconnect", RECONNECT),
        ("parallel/protocol", CHAR_PROTOCOL),
        ("parallel/log", CHAR_LOG),
        ("parallel/target", node(&["port"], &[])),
        (
            "console",
            node(
                &["type", "tty"],
                &["source", "protocol", "log", "target", "alias", "address"],
            ),
        ),
        ("console/source", CHAR_SOURCE),
        ("console/source/reconnect", RECONNECT),
        ("console/protocol", CHAR_PROTOCOL),
        ("console/log", CHAR_LOG),
        ("console/target", node(&["type", "port"], &[])),
        (
            "channel",
            node(
                &["type"],
                &["source", "protocol", "log", "target", "alias", "address"],
            ),
        ),
        ("channel/source", CHAR_SOURCE),
        ("channel/source/clipboard", node(&["copypaste"], &[])),
        ("channel/source/mouse", node(&["mode"], &[])),
        ("channel/source/reconnect", RECONNECT),
        ("channel/protocol", CHAR_PROTOCOL),
        ("channel/log", CHAR_LOG),
        (
            "channel/target",
            node(&["type", "name", "state", "address", "port"], &[]),
        ),
        // input
        (
            "input",
            node(
                &["type", "bus", "model"],
                &["driver", "source", "alias", "address"],
            ),
        ),
        ("input/driver", VIRTIO_DRIVER),
        (
            "input/source",
            node(&["evdev", "dev", "grab", "grabToggle", "repeat"], &[]),
        ),
        // tpm
        ("tpm", node(&["model"], &["backend", "alias", "address"])),
        (
            "tpm/backend",
            node(
                &["type", "version", "persistent_state"],
                &["device", "encryption", "active_pcr_banks", "source"],
            ),
        ),
        ("tpm/backend/device", node(&["path"], &[])),
        ("tpm/backend/encryption", node(&["secret"], &[])),
        ("tpm/backend/source", node(&["type", "mode", "path"], &[])),
        (
            "tpm/backend/active_pcr_banks",
            node(&[], &["sha1", "sha256", "sha384", "sha512"]),
        ),
        ("tpm/backend/active_pcr_banks/sha1", EMPTY),
        ("tpm/backend/active_pcr_banks/sha256", EMPTY),
        ("tpm/backend/active_pcr_banks/sha384", EMPTY),
        ("tpm/backend/active_pcr_banks/sha512", EMPTY),
        // graphics
        (
            "graphics",
            node(
                &[
                    "type",
                    "socket",
                    "display",
                    "xauth",
                    "fullscreen",
                    "port",
                    "tlsPort",
                    "autoport",
                    "websocket",
                    // RDP's flags precede its listen address; no other type has them.
                    "replaceUser",
                    "multiUser",
                    "listen",
                    "keymap",
                    "defaultMode",
                    "sharePolicy",
                    "powerControl",
                    "passwd",
                    "passwdValidTo",
                    "connected",
                    "address",
                    "p2p",
                ],
                &[
                    "listen",
                    "channel",
                    "image",
                    "jpeg",
                    "zlib",
                    "playback",
                    "streaming",
                    "mouse",
                    "clipboard",
                    "filetransfer",
                    "gl",
                    "audio",
                ],
            ),
        ),
        (
            "graphics/listen",
            node(&["type", "address", "network", "socket"], &[]),
        ),
        ("graphics/channel", node(&["name", "mode"], &[])),
        ("graphics/image", node(&["compression"], &[])),
        ("graphics/jpeg", node(&["compression"], &[])),
        ("graphics/zlib", node(&["compression"], &[])),
        ("graphics/playback", node(&["compression"], &[])),
        ("graphics/streaming", node(&["mode"], &[])),
        ("graphics/mouse", node(&["mode"], &[])),
        ("graphics/clipboard", node(&["copypaste"], &[])),
        ("graphics/filetransfer", node(&["enable"], &[])),
        ("graphics/gl", node(&["enable", "rendernode"], &[])),
        ("graphics/audio", node(&["id"], &[])),
        // sound and audio
        (
            "sound",
            node(&["model"], &["codec", "audio", "alias", "address"]),
        ),
        ("sound/codec", node(&["type"], &[])),
        ("sound/audio", node(&["id"], &[])),
        (
            "audio",
            node(
                &[
                    "id",
                    "type",
                    "timerPeriod",
                    "serverName",
                    "server",
                    "exclusive",
                    "tryMMap",
                    "tryPoll",
                    "dev",
                    "path",
                    "runtimeDir",
                ],
                &["input", "output"],
            ),
        ),
        ("audio/input", AUDIO_STREAM),
        ("audio/output", AUDIO_STREAM),
        ("audio/input/settings", AUDIO_SETTINGS),
        ("audio/output/settings", AUDIO_SETTINGS),
        // video
        ("video", node(&[], &["driver", "model", "alias", "address"])),
        (
            "video/driver",
            node(
                &["name", "vgaconf", "iommu", "ats", "packed", "page_per_vq"],
                &[],
            ),
        ),
        (
            "video/model",
            node(
                &[
                    "type", "ram", "vram", "vram64", "vgamem", "heads", "primary", "blob",
                ],
                &["acceleration", "resolution"],
            ),
        ),
        (
            "video/model/acceleration",
            node(&["accel3d", "accel2d", "rendernode"], &[]),
        ),
        ("video/model/resolution", node(&["x", "y"], &[])),
        // hostdev
        (
            "hostdev",
            node(
                &[
                    "mode", "type", "managed", "sgio", "rawio", "model", "display", "ramfb",
                ],
                &[
                    "driver",
                    "source",
                    "readonly",
                    "shareable",
                    "boot",
                    "rom",
                    "alias",
                    "address",
                ],
            ),
        ),
        (
            "hostdev/source",
            node(
                &[
                    "startupPolicy",
                    "guestReset",
                    "writeFiltering",
                    "protocol",
                    "name",
                    "wwpn",
                ],
                &[
                    "vendor",
                    "product",
                    "adapter",
                    "address",
                    "host",
                    "block",
                    "char",
                    "interface",
                ],
            ),
        ),
        ("hostdev/source/vendor", node(&["id"], &[])),
        ("hostdev/source/product", node(&["id"], &[])),
        ("hostdev/source/adapter", node(&["name"], &[])),
        ("hostdev/source/host", node(&["name", "port"], &[])),
        ("hostdev/source/block", TEXT),
        ("hostdev/source/char", TEXT),
        ("hostdev/source/interface", TEXT),
        ("hostdev/driver", node(&["name"], &[])),
        ("hostdev/readonly", EMPTY),
        ("hostdev/shareable", EMPTY),
        ("hostdev/rom", node(&["bar", "file", "enabled"], &[])),
        // redirdev
        (
            "redirdev",
            open(
                &["bus", "type"],
                &["source", "protocol", "log", "boot", "alias", "address"],
            ),
        ),
        ("redirdev/source", CHAR_SOURCE),
        ("redirdev/log", CHAR_LOG),
        ("redirdev/protocol", CHAR_PROTOCOL),
        ("redirfilter", node(&[], &["usbdev"])),
        (
            "redirfilter/usbdev",
            node(&["class", "vendor", "product", "version", "allow"], &[]),
        ),
        ("hub", node(&["type"], &["alias", "address"])),
        (
            "watchdog",
            node(&["model", "action"], &["alias", "address"]),
        ),
        (
            "memballoon",
            node(
                &["model", "autodeflate", "freePageReporting"],
                &["stats", "alias", "address", "driver"],
            ),
        ),
        ("memballoon/stats", node(&["period"], &[])),
        ("memballoon/driver", VIRTIO_DRIVER),
        (
            "rng",
            node(
                &["model"],
                &["driver", "rate", "backend", "alias", "address"],
            ),
        ),
        ("rng/driver", VIRTIO_DRIVER),
        ("rng/rate", node(&["bytes", "period"], &[])),
        (
            "rng/backend",
            Spec {
                attrs: &["model", "type"],
                children: &["source", "protocol"],
                text: true,
                always_open: false,
            },
        ),
        ("rng/backend/source", CHAR_SOURCE),
        ("rng/backend/protocol", CHAR_PROTOCOL),
        ("panic", node(&["model"], &["alias", "address"])),
        ("nvram", node(&[], &["alias", "address"])),
        (
            "shmem",
            node(
                &["name", "role"],
                &["model", "size", "server", "msi", "alias", "address"],
            ),
        ),
        ("shmem/model", node(&["type"], &[])),
        ("shmem/size", UNIT_VALUE),
        ("shmem/server", node(&["path"], &[])),
        ("shmem/msi", node(&["vectors", "ioeventfd"], &[])),
        (
            "memory",
            node(
                &["model", "access", "discard"],
                &["uuid", "source", "target", "alias", "address"],
            ),
        ),
        ("memory/uuid", TEXT),
        (
            "memory/source",
            node(&[], &["nodemask", "pagesize", "path", "alignsize", "pmem"]),
        ),
        ("memory/source/pagesize", UNIT_VALUE),
        ("memory/source/nodemask", TEXT),
        ("memory/source/path", TEXT),
        ("memory/source/alignsize", UNIT_VALUE),
        ("memory/source/pmem", EMPTY),
        (
            "memory/target",
            node(
                &[],
                &["size", "node", "label", "readonly", "block", "requested"],
            ),
        ),
        ("memory/target/size", UNIT_VALUE),
        ("memory/target/node", TEXT),
        ("memory/target/label", node(&[], &["size"])),
        ("memory/target/label/size", UNIT_VALUE),
        ("memory/target/readonly", EMPTY),
        ("memory/target/block", UNIT_VALUE),
        ("memory/target/requested", UNIT_VALUE),
        ("iommu", node(&["model"], &["driver", "alias", "address"])),
        (
            "iommu/driver",
            node(
                &[
                    "intremap",
                    "caching_mode",
                    "eim",
                    "iotlb",
                    "aw_bits",
                    "dma_translation",
                ],
                &[],
            ),
        ),
        ("vsock", node(&["model"], &["cid", "alias", "address"])),
        ("vsock/cid", node(&["auto", "address"], &[])),
    ];
    static TABLE: OnceLock<SpecTable> = OnceLock::new();
    lookup(&TABLE, S, rest)
}

/// Finds `path` in a schema table, indexing the table on first use: every element of every
/// document is looked up, and a linear scan of several hundred paths dominated parsing.
fn lookup(
    table: &'static OnceLock<SpecTable>,
    entries: &'static [(&'static str, Spec)],
    path: &str,
) -> Option<&'static Spec> {
    let map = table.get_or_init(|| {
        let mut map = SpecTable::with_capacity_and_hasher(entries.len(), Default::default());
        for (key, spec) in entries {
            // The first entry for a path wins, as it did with the scan.
            map.entry(*key).or_insert(spec);
        }
        map
    });
    map.get(path).copied()
}
