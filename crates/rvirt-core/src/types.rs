//! Plain data the API returns: states with their reasons, info structures, statistics and
//! typed parameters, all with libvirt's numbering.

/// `virDomainState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum DomainState {
    NoState = 0,
    Running = 1,
    Blocked = 2,
    Paused = 3,
    Shutdown = 4,
    Shutoff = 5,
    Crashed = 6,
    PmSuspended = 7,
}

impl DomainState {
    pub fn from_i32(n: i32) -> Option<Self> {
        Some(match n {
            0 => Self::NoState,
            1 => Self::Running,
            2 => Self::Blocked,
            3 => Self::Paused,
            4 => Self::Shutdown,
            5 => Self::Shutoff,
            6 => Self::Crashed,
            7 => Self::PmSuspended,
            _ => return None,
        })
    }

    /// The words virsh prints for the state (`running`, `shut off`, ...).
    pub fn virsh_name(self) -> &'static str {
        match self {
            Self::NoState => "no state",
            Self::Running => "running",
            Self::Blocked => "idle",
            Self::Paused => "paused",
            Self::Shutdown => "in shutdown",
            Self::Shutoff => "shut off",
            Self::Crashed => "crashed",
            Self::PmSuspended => "pmsuspended",
        }
    }

    /// The words virsh prints for a state's reason number, as `domstate --reason` shows them.
    pub fn virsh_reason(self, reason: i32) -> &'static str {
        let names: &[&str] = match self {
            Self::NoState | Self::Blocked | Self::PmSuspended => &["unknown"],
            Self::Running => &[
                "unknown",
                "booted",
                "migrated",
                "restored",
                "from snapshot",
                "unpaused",
                "migration canceled",
                "save canceled",
                "event wakeup",
                "crashed",
                "post-copy",
                "post-copy failed",
            ],
            Self::Paused => &[
                "unknown",
                "user",
                "migrating",
                "saving",
                "dumping",
                "I/O error",
                "watchdog",
                "from snapshot",
                "shutting down",
                "creating snapshot",
                "crashed",
                "starting up",
                "post-copy",
                "post-copy failed",
                "api error",
            ],
            Self::Shutdown => &["unknown", "user"],
            Self::Shutoff => &[
                "unknown",
                "shutdown",
                "destroyed",
                "crashed",
                "migrated",
                "saved",
                "failed",
                "from snapshot",
                "daemon",
            ],
            Self::Crashed => &["unknown", "panicked"],
        };
        usize::try_from(reason)
            .ok()
            .and_then(|r| names.get(r))
            .copied()
            .unwrap_or("unknown")
    }
}

/// Reasons for each state (`virDomain*Reason`), as plain numbers grouped by state.
pub mod reason {
    pub mod running {
        pub const UNKNOWN: i32 = 0;
        pub const BOOTED: i32 = 1;
        pub const MIGRATED: i32 = 2;
        pub const RESTORED: i32 = 3;
        pub const FROM_SNAPSHOT: i32 = 4;
        pub const UNPAUSED: i32 = 5;
        pub const MIGRATION_CANCELED: i32 = 6;
        pub const SAVE_CANCELED: i32 = 7;
        pub const WAKEUP: i32 = 8;
        pub const CRASHED: i32 = 9;
        pub const POSTCOPY: i32 = 10;
        pub const POSTCOPY_FAILED: i32 = 11;
    }
    pub mod paused {
        pub const UNKNOWN: i32 = 0;
        pub const USER: i32 = 1;
        pub const MIGRATION: i32 = 2;
        pub const SAVE: i32 = 3;
        pub const DUMP: i32 = 4;
        pub const IOERROR: i32 = 5;
        pub const WATCHDOG: i32 = 6;
        pub const FROM_SNAPSHOT: i32 = 7;
        pub const SHUTTING_DOWN: i32 = 8;
        pub const SNAPSHOT: i32 = 9;
        pub const CRASHED: i32 = 10;
        pub const STARTING_UP: i32 = 11;
        pub const POSTCOPY: i32 = 12;
        pub const POSTCOPY_FAILED: i32 = 13;
        pub const API_ERROR: i32 = 14;
    }
    pub mod shutdown {
        pub const UNKNOWN: i32 = 0;
        pub const USER: i32 = 1;
    }
    pub mod shutoff {
        pub const UNKNOWN: i32 = 0;
        pub const SHUTDOWN: i32 = 1;
        pub const DESTROYED: i32 = 2;
        pub const CRASHED: i32 = 3;
        pub const MIGRATED: i32 = 4;
        pub const SAVED: i32 = 5;
        pub const FAILED: i32 = 6;
        pub const FROM_SNAPSHOT: i32 = 7;
        pub const DAEMON: i32 = 8;
    }
    pub mod crashed {
        pub const UNKNOWN: i32 = 0;
        pub const PANICKED: i32 = 1;
    }
}

/// `virDomainInfo`. Memory in KiB, CPU time in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainInfo {
    pub state: DomainState,
    pub max_mem: u64,
    pub memory: u64,
    pub nr_virt_cpu: u32,
    pub cpu_time: u64,
}

/// `virNodeInfo`. Memory in KiB.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeInfo {
    pub model: String,
    pub memory: u64,
    pub cpus: u32,
    pub mhz: u32,
    pub nodes: u32,
    pub sockets: u32,
    pub cores: u32,
    pub threads: u32,
}

/// `virNodeGetCPUMap`: which host CPUs exist (the map's length) and which are online.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeCpuMap {
    /// One entry per host CPU; `true` when it is online.
    pub online_map: Vec<bool>,
    /// How many CPUs are online.
    pub online: u32,
}

/// `virStoragePoolState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum StoragePoolState {
    Inactive = 0,
    Building = 1,
    Running = 2,
    Degraded = 3,
    Inaccessible = 4,
}

impl StoragePoolState {
    pub fn from_i32(n: i32) -> Option<Self> {
        Some(match n {
            0 => Self::Inactive,
            1 => Self::Building,
            2 => Self::Running,
            3 => Self::Degraded,
            4 => Self::Inaccessible,
            _ => return None,
        })
    }
}

/// `virStoragePoolInfo`, sizes in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoragePoolInfo {
    pub state: StoragePoolState,
    pub capacity: u64,
    pub allocation: u64,
    pub available: u64,
}

/// `virStorageVolType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum StorageVolType {
    File = 0,
    Block = 1,
    Dir = 2,
    Network = 3,
    NetDir = 4,
    Ploop = 5,
}

impl StorageVolType {
    pub fn from_i32(n: i32) -> Option<Self> {
        Some(match n {
            0 => Self::File,
            1 => Self::Block,
            2 => Self::Dir,
            3 => Self::Network,
            4 => Self::NetDir,
            5 => Self::Ploop,
            _ => return None,
        })
    }

    /// The word libvirt uses in XML and virsh prints.
    pub fn name(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Block => "block",
            Self::Dir => "dir",
            Self::Network => "network",
            Self::NetDir => "netdir",
            Self::Ploop => "ploop",
        }
    }
}

/// `virStorageVolInfo`, sizes in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageVolInfo {
    pub kind: StorageVolType,
    pub capacity: u64,
    pub allocation: u64,
}

/// `virVcpuInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VcpuInfo {
    pub number: u32,
    pub state: i32,
    pub cpu_time: u64,
    pub cpu: i32,
}

/// One `virDomainMemoryStat` (tag numbers as libvirt's `VIR_DOMAIN_MEMORY_STAT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryStat {
    pub tag: i32,
    pub value: u64,
}

/// `VIR_DOMAIN_MEMORY_STAT_*` tags with the names virsh `dommemstat` prints.
pub const MEMORY_STAT_NAMES: &[(i32, &str)] = &[
    (0, "swap_in"),
    (1, "swap_out"),
    (2, "major_fault"),
    (3, "minor_fault"),
    (4, "unused"),
    (5, "available"),
    (6, "actual"),
    (7, "rss"),
    (8, "usable"),
    (9, "last_update"),
    (10, "disk_caches"),
    (11, "hugetlb_pgalloc"),
    (12, "hugetlb_pgfail"),
];

/// `virDomainBlockStatsStruct` (-1 for fields the driver does not know).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockStats {
    pub rd_req: i64,
    pub rd_bytes: i64,
    pub wr_req: i64,
    pub wr_bytes: i64,
    pub errs: i64,
}

/// `virDomainInterfaceStatsStruct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterfaceStats {
    pub rx_bytes: i64,
    pub rx_packets: i64,
    pub rx_errs: i64,
    pub rx_drop: i64,
    pub tx_bytes: i64,
    pub tx_packets: i64,
    pub tx_errs: i64,
    pub tx_drop: i64,
}

/// `virDomainBlockInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockInfo {
    pub capacity: u64,
    pub allocation: u64,
    pub physical: u64,
}

/// `virDomainJobInfo` (the fields virsh shows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JobInfo {
    pub kind: i32,
    pub time_elapsed: u64,
    pub time_remaining: u64,
    pub data_total: u64,
    pub data_processed: u64,
    pub data_remaining: u64,
    pub mem_total: u64,
    pub mem_processed: u64,
    pub mem_remaining: u64,
    pub file_total: u64,
    pub file_processed: u64,
    pub file_remaining: u64,
}

/// `virSecurityModel`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityModel {
    pub model: String,
    pub doi: String,
}

/// `virSecurityLabel`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityLabel {
    pub label: String,
    pub enforcing: bool,
}

/// A typed parameter (`virTypedParameter`); the type numbers are libvirt's.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedValue {
    Int(i32),
    UInt(u32),
    LLong(i64),
    ULLong(u64),
    Double(f64),
    Boolean(bool),
    String(String),
}

impl TypedValue {
    /// `VIR_TYPED_PARAM_*` number.
    pub fn type_number(&self) -> i32 {
        match self {
            Self::Int(_) => 1,
            Self::UInt(_) => 2,
            Self::LLong(_) => 3,
            Self::ULLong(_) => 4,
            Self::Double(_) => 5,
            Self::Boolean(_) => 6,
            Self::String(_) => 7,
        }
    }
}

impl std::fmt::Display for TypedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Int(v) => write!(f, "{v}"),
            Self::UInt(v) => write!(f, "{v}"),
            Self::LLong(v) => write!(f, "{v}"),
            Self::ULLong(v) => write!(f, "{v}"),
            Self::Double(v) => write!(f, "{v:.6}"),
            Self::Boolean(v) => write!(f, "{}", if *v { "yes" } else { "no" }),
            Self::String(v) => f.write_str(v),
        }
    }
}

/// A named typed parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedParam {
    pub field: String,
    pub value: TypedValue,
}

impl TypedParam {
    pub fn new(field: impl Into<String>, value: TypedValue) -> Self {
        TypedParam {
            field: field.into(),
            value,
        }
    }
}

/// Statistics of one domain from `getAllDomainStats`.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainStatsRecord {
    pub domain: crate::DomainRef,
    pub params: Vec<TypedParam>,
}

/// A network's DHCP lease (`virNetworkDHCPLease`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkDhcpLease {
    pub iface: String,
    pub expiry_time: i64,
    pub kind: i32,
    pub mac: Option<String>,
    pub iaid: Option<String>,
    pub ipaddr: String,
    pub prefix: u32,
    pub hostname: Option<String>,
    pub clientid: Option<String>,
}

/// One address of a guest interface (`virDomainIPAddress`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainIpAddress {
    pub kind: i32,
    pub addr: String,
    pub prefix: u32,
}

/// A guest interface with its addresses (`virDomainInterface`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainInterface {
    pub name: String,
    pub hwaddr: Option<String>,
    pub addrs: Vec<DomainIpAddress>,
}

/// Guest time (`virDomainGetTime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainTime {
    pub seconds: i64,
    pub nseconds: u32,
}

/// Memory of one NUMA cell or the node (`virNodeGetMemoryStats`) and CPU times
/// (`virNodeGetCPUStats`) are reported as name/value pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeStat {
    pub field: String,
    pub value: u64,
}

/// Architecture names libvirt 9.0 knows (`virArch`, without `none`), in its order.
pub const ARCH_NAMES: &[&str] = &[
    "alpha",
    "armv6l",
    "armv7l",
    "armv7b",
    "aarch64",
    "cris",
    "i686",
    "ia64",
    "lm32",
    "m68k",
    "microblaze",
    "microblazeel",
    "mips",
    "mipsel",
    "mips64",
    "mips64el",
    "openrisc",
    "parisc",
    "parisc64",
    "ppc",
    "ppcle",
    "ppc64",
    "ppc64le",
    "ppcemb",
    "riscv32",
    "riscv64",
    "s390",
    "s390x",
    "sh4",
    "sh4eb",
    "sparc",
    "sparc64",
    "unicore32",
    "x86_64",
    "xtensa",
    "xtensaeb",
];
