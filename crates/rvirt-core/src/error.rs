//! libvirt-compatible errors: every failure carries libvirt's error number (`VIR_ERR_*`), the
//! subsystem it came from (`VIR_FROM_*`) and a message built the way libvirt builds it, so that
//! clients comparing codes or printing messages see what they would see with libvirt.

use std::fmt;

/// Declares a `#[repr(i32)]` enum with libvirt's numbers plus `from_i32`/`name` helpers.
macro_rules! numbered_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $num:expr => $cname:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(i32)]
        pub enum $name {
            $($variant = $num,)*
        }

        impl $name {
            /// The variant carrying libvirt's number `n`, if there is one.
            pub fn from_i32(n: i32) -> Option<Self> {
                match n {
                    $($num => Some(Self::$variant),)*
                    _ => None,
                }
            }

            /// libvirt's C name of the constant.
            pub fn c_name(self) -> &'static str {
                match self {
                    $(Self::$variant => $cname,)*
                }
            }
        }
    };
}

numbered_enum! {
    /// `virErrorNumber`.
    ErrorCode {
        Ok = 0 => "VIR_ERR_OK",
        InternalError = 1 => "VIR_ERR_INTERNAL_ERROR",
        NoMemory = 2 => "VIR_ERR_NO_MEMORY",
        NoSupport = 3 => "VIR_ERR_NO_SUPPORT",
        UnknownHost = 4 => "VIR_ERR_UNKNOWN_HOST",
        NoConnect = 5 => "VIR_ERR_NO_CONNECT",
        InvalidConn = 6 => "VIR_ERR_INVALID_CONN",
        InvalidDomain = 7 => "VIR_ERR_INVALID_DOMAIN",
        InvalidArg = 8 => "VIR_ERR_INVALID_ARG",
        OperationFailed = 9 => "VIR_ERR_OPERATION_FAILED",
        GetFailed = 10 => "VIR_ERR_GET_FAILED",
        PostFailed = 11 => "VIR_ERR_POST_FAILED",
        HttpError = 12 => "VIR_ERR_HTTP_ERROR",
        SexprSerial = 13 => "VIR_ERR_SEXPR_SERIAL",
        NoXen = 14 => "VIR_ERR_NO_XEN",
        XenCall = 15 => "VIR_ERR_XEN_CALL",
        OsType = 16 => "VIR_ERR_OS_TYPE",
        NoKernel = 17 => "VIR_ERR_NO_KERNEL",
        NoRoot = 18 => "VIR_ERR_NO_ROOT",
        NoSource = 19 => "VIR_ERR_NO_SOURCE",
        NoTarget = 20 => "VIR_ERR_NO_TARGET",
        NoName = 21 => "VIR_ERR_NO_NAME",
        NoOs = 22 => "VIR_ERR_NO_OS",
        NoDevice = 23 => "VIR_ERR_NO_DEVICE",
        NoXenstore = 24 => "VIR_ERR_NO_XENSTORE",
        DriverFull = 25 => "VIR_ERR_DRIVER_FULL",
        CallFailed = 26 => "VIR_ERR_CALL_FAILED",
        XmlError = 27 => "VIR_ERR_XML_ERROR",
        DomExist = 28 => "VIR_ERR_DOM_EXIST",
        OperationDenied = 29 => "VIR_ERR_OPERATION_DENIED",
        OpenFailed = 30 => "VIR_ERR_OPEN_FAILED",
        ReadFailed = 31 => "VIR_ERR_READ_FAILED",
        ParseFailed = 32 => "VIR_ERR_PARSE_FAILED",
        ConfSyntax = 33 => "VIR_ERR_CONF_SYNTAX",
        WriteFailed = 34 => "VIR_ERR_WRITE_FAILED",
        XmlDetail = 35 => "VIR_ERR_XML_DETAIL",
        InvalidNetwork = 36 => "VIR_ERR_INVALID_NETWORK",
        NetworkExist = 37 => "VIR_ERR_NETWORK_EXIST",
        SystemError = 38 => "VIR_ERR_SYSTEM_ERROR",
        Rpc = 39 => "VIR_ERR_RPC",
        GnutlsError = 40 => "VIR_ERR_GNUTLS_ERROR",
        WarNoNetwork = 41 => "VIR_WAR_NO_NETWORK",
        NoDomain = 42 => "VIR_ERR_NO_DOMAIN",
        NoNetwork = 43 => "VIR_ERR_NO_NETWORK",
        InvalidMac = 44 => "VIR_ERR_INVALID_MAC",
        AuthFailed = 45 => "VIR_ERR_AUTH_FAILED",
        InvalidStoragePool = 46 => "VIR_ERR_INVALID_STORAGE_POOL",
        InvalidStorageVol = 47 => "VIR_ERR_INVALID_STORAGE_VOL",
        WarNoStorage = 48 => "VIR_WAR_NO_STORAGE",
        NoStoragePool = 49 => "VIR_ERR_NO_STORAGE_POOL",
        NoStorageVol = 50 => "VIR_ERR_NO_STORAGE_VOL",
        WarNoNode = 51 => "VIR_WAR_NO_NODE",
        InvalidNodeDevice = 52 => "VIR_ERR_INVALID_NODE_DEVICE",
        NoNodeDevice = 53 => "VIR_ERR_NO_NODE_DEVICE",
        NoSecurityModel = 54 => "VIR_ERR_NO_SECURITY_MODEL",
        OperationInvalid = 55 => "VIR_ERR_OPERATION_INVALID",
        WarNoInterface = 56 => "VIR_WAR_NO_INTERFACE",
        NoInterface = 57 => "VIR_ERR_NO_INTERFACE",
        InvalidInterface = 58 => "VIR_ERR_INVALID_INTERFACE",
        MultipleInterfaces = 59 => "VIR_ERR_MULTIPLE_INTERFACES",
        WarNoNwfilter = 60 => "VIR_WAR_NO_NWFILTER",
        InvalidNwfilter = 61 => "VIR_ERR_INVALID_NWFILTER",
        NoNwfilter = 62 => "VIR_ERR_NO_NWFILTER",
        BuildFirewall = 63 => "VIR_ERR_BUILD_FIREWALL",
        WarNoSecret = 64 => "VIR_WAR_NO_SECRET",
        InvalidSecret = 65 => "VIR_ERR_INVALID_SECRET",
        NoSecret = 66 => "VIR_ERR_NO_SECRET",
        ConfigUnsupported = 67 => "VIR_ERR_CONFIG_UNSUPPORTED",
        OperationTimeout = 68 => "VIR_ERR_OPERATION_TIMEOUT",
        MigratePersistFailed = 69 => "VIR_ERR_MIGRATE_PERSIST_FAILED",
        HookScriptFailed = 70 => "VIR_ERR_HOOK_SCRIPT_FAILED",
        InvalidDomainSnapshot = 71 => "VIR_ERR_INVALID_DOMAIN_SNAPSHOT",
        NoDomainSnapshot = 72 => "VIR_ERR_NO_DOMAIN_SNAPSHOT",
        InvalidStream = 73 => "VIR_ERR_INVALID_STREAM",
        ArgumentUnsupported = 74 => "VIR_ERR_ARGUMENT_UNSUPPORTED",
        StorageProbeFailed = 75 => "VIR_ERR_STORAGE_PROBE_FAILED",
        StoragePoolBuilt = 76 => "VIR_ERR_STORAGE_POOL_BUILT",
        SnapshotRevertRisky = 77 => "VIR_ERR_SNAPSHOT_REVERT_RISKY",
        OperationAborted = 78 => "VIR_ERR_OPERATION_ABORTED",
        AuthCancelled = 79 => "VIR_ERR_AUTH_CANCELLED",
        NoDomainMetadata = 80 => "VIR_ERR_NO_DOMAIN_METADATA",
        MigrateUnsafe = 81 => "VIR_ERR_MIGRATE_UNSAFE",
        Overflow = 82 => "VIR_ERR_OVERFLOW",
        BlockCopyActive = 83 => "VIR_ERR_BLOCK_COPY_ACTIVE",
        OperationUnsupported = 84 => "VIR_ERR_OPERATION_UNSUPPORTED",
        Ssh = 85 => "VIR_ERR_SSH",
        AgentUnresponsive = 86 => "VIR_ERR_AGENT_UNRESPONSIVE",
        ResourceBusy = 87 => "VIR_ERR_RESOURCE_BUSY",
        AccessDenied = 88 => "VIR_ERR_ACCESS_DENIED",
        DbusService = 89 => "VIR_ERR_DBUS_SERVICE",
        StorageVolExist = 90 => "VIR_ERR_STORAGE_VOL_EXIST",
        CpuIncompatible = 91 => "VIR_ERR_CPU_INCOMPATIBLE",
        XmlInvalidSchema = 92 => "VIR_ERR_XML_INVALID_SCHEMA",
        MigrateFinishOk = 93 => "VIR_ERR_MIGRATE_FINISH_OK",
        AuthUnavailable = 94 => "VIR_ERR_AUTH_UNAVAILABLE",
        NoServer = 95 => "VIR_ERR_NO_SERVER",
        NoClient = 96 => "VIR_ERR_NO_CLIENT",
        AgentUnsynced = 97 => "VIR_ERR_AGENT_UNSYNCED",
        Libssh = 98 => "VIR_ERR_LIBSSH",
        DeviceMissing = 99 => "VIR_ERR_DEVICE_MISSING",
        InvalidNwfilterBinding = 100 => "VIR_ERR_INVALID_NWFILTER_BINDING",
        NoNwfilterBinding = 101 => "VIR_ERR_NO_NWFILTER_BINDING",
        InvalidDomainCheckpoint = 102 => "VIR_ERR_INVALID_DOMAIN_CHECKPOINT",
        NoDomainCheckpoint = 103 => "VIR_ERR_NO_DOMAIN_CHECKPOINT",
        NoDomainBackup = 104 => "VIR_ERR_NO_DOMAIN_BACKUP",
        InvalidNetworkPort = 105 => "VIR_ERR_INVALID_NETWORK_PORT",
        NetworkPortExist = 106 => "VIR_ERR_NETWORK_PORT_EXIST",
        NoNetworkPort = 107 => "VIR_ERR_NO_NETWORK_PORT",
        NoHostname = 108 => "VIR_ERR_NO_HOSTNAME",
        CheckpointInconsistent = 109 => "VIR_ERR_CHECKPOINT_INCONSISTENT",
        MultipleDomains = 110 => "VIR_ERR_MULTIPLE_DOMAINS",
    }
}

numbered_enum! {
    /// `virErrorDomain`: the subsystem an error comes from.
    ErrorDomain {
        None = 0 => "VIR_FROM_NONE",
        Xen = 1 => "VIR_FROM_XEN",
        Xend = 2 => "VIR_FROM_XEND",
        Xenstore = 3 => "VIR_FROM_XENSTORE",
        Sexpr = 4 => "VIR_FROM_SEXPR",
        Xml = 5 => "VIR_FROM_XML",
        Dom = 6 => "VIR_FROM_DOM",
        Rpc = 7 => "VIR_FROM_RPC",
        Proxy = 8 => "VIR_FROM_PROXY",
        Conf = 9 => "VIR_FROM_CONF",
        Qemu = 10 => "VIR_FROM_QEMU",
        Net = 11 => "VIR_FROM_NET",
        Test = 12 => "VIR_FROM_TEST",
        Remote = 13 => "VIR_FROM_REMOTE",
        Openvz = 14 => "VIR_FROM_OPENVZ",
        Xenxm = 15 => "VIR_FROM_XENXM",
        StatsLinux = 16 => "VIR_FROM_STATS_LINUX",
        Lxc = 17 => "VIR_FROM_LXC",
        Storage = 18 => "VIR_FROM_STORAGE",
        Network = 19 => "VIR_FROM_NETWORK",
        Domain = 20 => "VIR_FROM_DOMAIN",
        Uml = 21 => "VIR_FROM_UML",
        Nodedev = 22 => "VIR_FROM_NODEDEV",
        XenInotify = 23 => "VIR_FROM_XEN_INOTIFY",
        Security = 24 => "VIR_FROM_SECURITY",
        Vbox = 25 => "VIR_FROM_VBOX",
        Interface = 26 => "VIR_FROM_INTERFACE",
        One = 27 => "VIR_FROM_ONE",
        Esx = 28 => "VIR_FROM_ESX",
        Phyp = 29 => "VIR_FROM_PHYP",
        Secret = 30 => "VIR_FROM_SECRET",
        Cpu = 31 => "VIR_FROM_CPU",
        Xenapi = 32 => "VIR_FROM_XENAPI",
        Nwfilter = 33 => "VIR_FROM_NWFILTER",
        Hook = 34 => "VIR_FROM_HOOK",
        DomainSnapshot = 35 => "VIR_FROM_DOMAIN_SNAPSHOT",
        Audit = 36 => "VIR_FROM_AUDIT",
        Sysinfo = 37 => "VIR_FROM_SYSINFO",
        Streams = 38 => "VIR_FROM_STREAMS",
        Vmware = 39 => "VIR_FROM_VMWARE",
        Event = 40 => "VIR_FROM_EVENT",
        Libxl = 41 => "VIR_FROM_LIBXL",
        Locking = 42 => "VIR_FROM_LOCKING",
        Hyperv = 43 => "VIR_FROM_HYPERV",
        Capabilities = 44 => "VIR_FROM_CAPABILITIES",
        Uri = 45 => "VIR_FROM_URI",
        Auth = 46 => "VIR_FROM_AUTH",
        Dbus = 47 => "VIR_FROM_DBUS",
        Parallels = 48 => "VIR_FROM_PARALLELS",
        Device = 49 => "VIR_FROM_DEVICE",
        Ssh = 50 => "VIR_FROM_SSH",
        Lockspace = 51 => "VIR_FROM_LOCKSPACE",
        Initctl = 52 => "VIR_FROM_INITCTL",
        Identity = 53 => "VIR_FROM_IDENTITY",
        Cgroup = 54 => "VIR_FROM_CGROUP",
        Access = 55 => "VIR_FROM_ACCESS",
        Systemd = 56 => "VIR_FROM_SYSTEMD",
        Bhyve = 57 => "VIR_FROM_BHYVE",
        Crypto = 58 => "VIR_FROM_CRYPTO",
        Firewall = 59 => "VIR_FROM_FIREWALL",
        Polkit = 60 => "VIR_FROM_POLKIT",
        Thread = 61 => "VIR_FROM_THREAD",
        Admin = 62 => "VIR_FROM_ADMIN",
        Logging = 63 => "VIR_FROM_LOGGING",
        Xenxl = 64 => "VIR_FROM_XENXL",
        Perf = 65 => "VIR_FROM_PERF",
        Libssh = 66 => "VIR_FROM_LIBSSH",
        Resctrl = 67 => "VIR_FROM_RESCTRL",
        Firewalld = 68 => "VIR_FROM_FIREWALLD",
        DomainCheckpoint = 69 => "VIR_FROM_DOMAIN_CHECKPOINT",
        Tpm = 70 => "VIR_FROM_TPM",
        Bpf = 71 => "VIR_FROM_BPF",
        Ch = 72 => "VIR_FROM_CH",
    }
}

/// `virErrorLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(i32)]
pub enum ErrorLevel {
    None = 0,
    Warning = 1,
    #[default]
    Error = 2,
}

impl ErrorLevel {
    pub fn from_i32(n: i32) -> Self {
        match n {
            0 => Self::None,
            1 => Self::Warning,
            _ => Self::Error,
        }
    }
}

impl ErrorCode {
    /// libvirt's message for this code: the first form stands alone, the second is followed by
    /// `": detail"` (or a code-specific layout, see [`ErrorCode::message`]).
    fn texts(self) -> (&'static str, &'static str) {
        use ErrorCode::*;
        match self {
            Ok => ("", "%s"),
            InternalError => ("internal error", "internal error: %s"),
            NoMemory => ("out of memory", "out of memory: %s"),
            NoSupport => (
                "this function is not supported by the connection driver",
                "this function is not supported by the connection driver: %s",
            ),
            UnknownHost => ("unknown host", "unknown host %s"),
            NoConnect => (
                "no connection driver available",
                "no connection driver available for %s",
            ),
            InvalidConn => (
                "invalid connection pointer in",
                "invalid connection pointer in %s",
            ),
            InvalidDomain => ("invalid domain pointer in", "invalid domain pointer in %s"),
            InvalidArg => ("invalid argument", "invalid argument: %s"),
            OperationFailed => ("operation failed", "operation failed: %s"),
            GetFailed => ("GET operation failed", "GET operation failed: %s"),
            PostFailed => ("POST operation failed", "POST operation failed: %s"),
            HttpError => (
                "got unknown HTTP error code",
                "got unknown HTTP error code %s",
            ),
            SexprSerial => (
                "failed to serialize S-Expr",
                "failed to serialize S-Expr: %s",
            ),
            NoXen => (
                "could not use Xen hypervisor entry",
                "could not use Xen hypervisor entry %s",
            ),
            XenCall => ("failed Xen syscall", "failed Xen syscall %s"),
            OsType => ("unknown OS type", "unknown OS type %s"),
            NoKernel => (
                "missing kernel information",
                "missing kernel information: %s",
            ),
            NoRoot => (
                "missing root device information",
                "missing root device information in %s",
            ),
            NoSource => (
                "missing source information for device",
                "missing source information for device %s",
            ),
            NoTarget => (
                "missing target information for device",
                "missing target information for device %s",
            ),
            NoName => ("missing name information", "missing name information in %s"),
            NoOs => (
                "missing operating system information",
                "missing operating system information for %s",
            ),
            NoDevice => (
                "missing devices information",
                "missing devices information for %s",
            ),
            NoXenstore => (
                "could not connect to Xen Store",
                "could not connect to Xen Store %s",
            ),
            DriverFull => (
                "too many drivers registered",
                "too many drivers registered in %s",
            ),
            CallFailed => ("library call failed", "library call failed: %s"),
            XmlError => (
                "XML description is invalid or not well formed",
                "XML error: %s",
            ),
            DomExist => ("this domain exists already", "domain %s exists already"),
            OperationDenied => (
                "operation forbidden for read only access",
                "operation forbidden: %s",
            ),
            OpenFailed => (
                "failed to open configuration file",
                "failed to open configuration file %s",
            ),
            ReadFailed => (
                "failed to read configuration file",
                "failed to read configuration file %s",
            ),
            ParseFailed => (
                "failed to parse configuration file",
                "failed to parse configuration file %s",
            ),
            ConfSyntax => (
                "configuration file syntax error",
                "configuration file syntax error: %s",
            ),
            WriteFailed => (
                "failed to write configuration file",
                "failed to write configuration file: %s",
            ),
            XmlDetail => ("parser error", "%s"),
            InvalidNetwork => (
                "invalid network pointer in",
                "invalid network pointer in %s",
            ),
            NetworkExist => ("this network exists already", "network %s exists already"),
            SystemError => ("system call error", "%s"),
            Rpc => ("RPC error", "%s"),
            GnutlsError => ("GNUTLS call error", "%s"),
            WarNoNetwork => (
                "Failed to find the network",
                "Failed to find the network: %s",
            ),
            NoDomain => ("Domain not found", "Domain not found: %s"),
            NoNetwork => ("Network not found", "Network not found: %s"),
            InvalidMac => ("invalid MAC address", "invalid MAC address: %s"),
            AuthFailed => ("authentication failed", "authentication failed: %s"),
            InvalidStoragePool => (
                "invalid storage pool pointer in",
                "invalid storage pool pointer in %s",
            ),
            InvalidStorageVol => (
                "invalid storage volume pointer in",
                "invalid storage volume pointer in %s",
            ),
            WarNoStorage => (
                "Failed to find a storage driver",
                "Failed to find a storage driver: %s",
            ),
            NoStoragePool => ("Storage pool not found", "Storage pool not found: %s"),
            NoStorageVol => ("Storage volume not found", "Storage volume not found: %s"),
            WarNoNode => (
                "Failed to find a node driver",
                "Failed to find a node driver: %s",
            ),
            InvalidNodeDevice => (
                "invalid node device pointer",
                "invalid node device pointer in %s",
            ),
            NoNodeDevice => ("Node device not found", "Node device not found: %s"),
            NoSecurityModel => ("Security model not found", "Security model not found: %s"),
            OperationInvalid => (
                "Requested operation is not valid",
                "Requested operation is not valid: %s",
            ),
            WarNoInterface => (
                "Failed to find the interface",
                "Failed to find the interface: %s",
            ),
            NoInterface => ("Interface not found", "Interface not found: %s"),
            InvalidInterface => (
                "invalid interface pointer in",
                "invalid interface pointer in %s",
            ),
            MultipleInterfaces => (
                "multiple matching interfaces found",
                "multiple matching interfaces found: %s",
            ),
            WarNoNwfilter => (
                "Failed to start the nwfilter driver",
                "Failed to start the nwfilter driver: %s",
            ),
            InvalidNwfilter => ("Invalid network filter", "Invalid network filter: %s"),
            NoNwfilter => ("Network filter not found", "Network filter not found: %s"),
            BuildFirewall => (
                "Error while building firewall",
                "Error while building firewall: %s",
            ),
            WarNoSecret => (
                "Failed to find a secret storage driver",
                "Failed to find a secret storage driver: %s",
            ),
            InvalidSecret => ("Invalid secret", "Invalid secret: %s"),
            NoSecret => ("Secret not found", "Secret not found: %s"),
            ConfigUnsupported => ("unsupported configuration", "unsupported configuration: %s"),
            OperationTimeout => (
                "Timed out during operation",
                "Timed out during operation: %s",
            ),
            MigratePersistFailed => (
                "Failed to make domain persistent after migration",
                "Failed to make domain persistent after migration: %s",
            ),
            HookScriptFailed => (
                "Hook script execution failed",
                "Hook script execution failed: %s",
            ),
            InvalidDomainSnapshot => ("Invalid domain snapshot", "Invalid domain snapshot: %s"),
            NoDomainSnapshot => ("Domain snapshot not found", "Domain snapshot not found: %s"),
            InvalidStream => ("invalid stream pointer", "invalid stream pointer in %s"),
            ArgumentUnsupported => ("argument unsupported", "argument unsupported: %s"),
            StorageProbeFailed => ("Storage pool probe failed", "Storage pool probe failed: %s"),
            StoragePoolBuilt => (
                "Storage pool already built",
                "Storage pool already built: %s",
            ),
            SnapshotRevertRisky => ("revert requires force", "revert requires force: %s"),
            OperationAborted => ("operation aborted", "operation aborted: %s"),
            AuthCancelled => ("authentication cancelled", "authentication cancelled: %s"),
            NoDomainMetadata => ("metadata not found", "metadata not found: %s"),
            MigrateUnsafe => ("Unsafe migration", "Unsafe migration: %s"),
            Overflow => ("numerical overflow", "numerical overflow: %s"),
            BlockCopyActive => ("block copy still active", "block copy still active: %s"),
            OperationUnsupported => ("Operation not supported", "Operation not supported: %s"),
            Ssh => ("SSH transport error", "SSH transport error: %s"),
            AgentUnresponsive => (
                "Guest agent is not responding",
                "Guest agent is not responding: %s",
            ),
            ResourceBusy => ("resource busy", "resource busy: %s"),
            AccessDenied => ("access denied", "access denied: %s"),
            DbusService => ("error from service", "error from service: %s"),
            StorageVolExist => (
                "this storage volume exists already",
                "storage volume %s exists already",
            ),
            CpuIncompatible => (
                "the CPU is incompatible with host CPU",
                "the CPU is incompatible with host CPU: %s",
            ),
            XmlInvalidSchema => (
                "XML document failed to validate against schema",
                "XML document failed to validate against schema: %s",
            ),
            MigrateFinishOk => (
                "migration successfully aborted",
                "migration successfully aborted: %s",
            ),
            AuthUnavailable => (
                "authentication unavailable",
                "authentication unavailable: %s",
            ),
            NoServer => ("Server not found", "Server not found: %s"),
            NoClient => ("Client not found", "Client not found: %s"),
            AgentUnsynced => (
                "guest agent replied with wrong id to guest-sync command",
                "guest agent replied with wrong id to guest-sync command: %s",
            ),
            Libssh => ("libssh transport error", "libssh transport error: %s"),
            DeviceMissing => ("device not found", "device not found: %s"),
            InvalidNwfilterBinding => (
                "Invalid network filter binding",
                "Invalid network filter binding: %s",
            ),
            NoNwfilterBinding => (
                "Network filter binding not found",
                "Network filter binding not found: %s",
            ),
            InvalidDomainCheckpoint => {
                ("Invalid domain checkpoint", "Invalid domain checkpoint: %s")
            }
            NoDomainCheckpoint => (
                "Domain checkpoint not found",
                "Domain checkpoint not found: %s",
            ),
            NoDomainBackup => (
                "Domain backup job id not found",
                "Domain backup job id not found: %s",
            ),
            InvalidNetworkPort => (
                "Invalid network port pointer",
                "Invalid network port pointer: %s",
            ),
            NetworkPortExist => (
                "this network port exists already",
                "network port %s exists already",
            ),
            NoNetworkPort => ("network port not found", "network port not found: %s"),
            NoHostname => ("no hostname found", "no hostname found: %s"),
            CheckpointInconsistent => ("checkpoint inconsistent", "checkpoint inconsistent: %s"),
            MultipleDomains => (
                "multiple matching domains found",
                "multiple matching domains found: %s",
            ),
        }
    }

    /// The message libvirt builds for this code, with or without a detail string.
    pub fn message(self, detail: Option<&str>) -> String {
        let (alone, with_detail) = self.texts();
        match detail {
            Some(d) if !d.is_empty() => with_detail.replacen("%s", d, 1),
            _ => alone.to_string(),
        }
    }

    /// The standalone text (libvirt's `str1` when no detail was given).
    pub fn base_text(self) -> &'static str {
        self.texts().0
    }
}

/// A libvirt-style error: the same fields as `virError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    pub code: ErrorCode,
    pub domain: ErrorDomain,
    pub level: ErrorLevel,
    pub message: String,
    pub str1: Option<String>,
    pub str2: Option<String>,
    pub str3: Option<String>,
    pub int1: i32,
    pub int2: i32,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error as libvirt's `virReportError(code, "%s", detail)` makes it: the message is the
    /// code's text with the detail filled in; `str1` is that text's format, `str2` the detail.
    pub fn new(domain: ErrorDomain, code: ErrorCode, detail: impl Into<String>) -> Self {
        let detail: String = detail.into();
        let has_detail = !detail.is_empty();
        let (alone, with_detail) = code.texts();
        let message = code.message(Some(&detail));
        Error {
            code,
            domain,
            level: ErrorLevel::Error,
            message,
            str1: Some(if has_detail { with_detail } else { alone }.to_string()),
            str2: has_detail.then_some(detail),
            str3: None,
            int1: -1,
            int2: -1,
        }
    }

    /// An error with no detail: the code's standalone text.
    pub fn bare(domain: ErrorDomain, code: ErrorCode) -> Self {
        Self::new(domain, code, String::new())
    }

    /// An error whose message is given verbatim (as received over the wire, for example).
    pub fn raw(domain: ErrorDomain, code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            domain,
            level: ErrorLevel::Error,
            message: message.into(),
            str1: None,
            str2: None,
            str3: None,
            int1: -1,
            int2: -1,
        }
    }

    /// A `VIR_ERR_SYSTEM_ERROR` like `virReportSystemError`: "context: strerror".
    pub fn system(domain: ErrorDomain, err: &std::io::Error, context: impl fmt::Display) -> Self {
        let os = err.raw_os_error().unwrap_or(0);
        let strerror = strip_os_error_suffix(err);
        let mut e = Self::new(
            domain,
            ErrorCode::SystemError,
            format!("{context}: {strerror}"),
        );
        e.int1 = os;
        e
    }

    /// `VIR_ERR_NO_SUPPORT` for an operation a driver lacks.
    pub fn no_support(domain: ErrorDomain, function: &str) -> Self {
        Self::new(domain, ErrorCode::NoSupport, function)
    }

    /// `VIR_ERR_INVALID_ARG` for flags a function does not accept, as libvirt's
    /// `virCheckFlags` reports it: no code prefix, the function name in `str1`, `"flags"` in
    /// `str2`.
    pub fn unsupported_flags(domain: ErrorDomain, flags: u32, function: &str) -> Self {
        Error {
            code: ErrorCode::InvalidArg,
            domain,
            level: ErrorLevel::Error,
            message: format!("unsupported flags (0x{flags:x}) in function {function}"),
            str1: Some(function.to_string()),
            str2: Some("flags".to_string()),
            str3: None,
            int1: 0,
            int2: 0,
        }
    }

    /// `VIR_ERR_INTERNAL_ERROR` with a detail.
    pub fn internal(domain: ErrorDomain, detail: impl Into<String>) -> Self {
        Self::new(domain, ErrorCode::InternalError, detail)
    }

    /// `VIR_ERR_OPERATION_INVALID` with a detail.
    pub fn invalid_operation(domain: ErrorDomain, detail: impl Into<String>) -> Self {
        Self::new(domain, ErrorCode::OperationInvalid, detail)
    }

    /// `VIR_ERR_INVALID_ARG` with a detail.
    pub fn invalid_arg(domain: ErrorDomain, detail: impl Into<String>) -> Self {
        Self::new(domain, ErrorCode::InvalidArg, detail)
    }

    /// `VIR_ERR_XML_ERROR` with a detail.
    pub fn xml(domain: ErrorDomain, detail: impl Into<String>) -> Self {
        Self::new(domain, ErrorCode::XmlError, detail)
    }

    /// `VIR_ERR_CONFIG_UNSUPPORTED` with a detail.
    pub fn config_unsupported(domain: ErrorDomain, detail: impl Into<String>) -> Self {
        Self::new(domain, ErrorCode::ConfigUnsupported, detail)
    }
}

/// `std::io::Error`'s Display appends " (os error N)"; libvirt prints strerror alone.
fn strip_os_error_suffix(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(pos) if text.ends_with(')') => text[..pos].to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_follow_libvirt_layout() {
        let e = Error::new(
            ErrorDomain::Test,
            ErrorCode::NoDomain,
            "no domain with matching name 'x'",
        );
        assert_eq!(
            e.message,
            "Domain not found: no domain with matching name 'x'"
        );
        assert_eq!(e.code as i32, 42);
        assert_eq!(e.domain as i32, 12);
        let e = Error::bare(ErrorDomain::Test, ErrorCode::OperationDenied);
        assert_eq!(e.message, "operation forbidden for read only access");
        let e = Error::new(ErrorDomain::Test, ErrorCode::DomExist, "foo");
        assert_eq!(e.message, "domain foo exists already");
    }

    #[test]
    fn numbers_round_trip() {
        for n in 0..=110 {
            let code = ErrorCode::from_i32(n).expect("every libvirt code is known");
            assert_eq!(code as i32, n);
        }
        assert!(ErrorCode::from_i32(111).is_none());
        for n in 0..=72 {
            assert_eq!(ErrorDomain::from_i32(n).map(|d| d as i32), Some(n));
        }
    }

    #[test]
    fn unsupported_flags_matches_vircheckflags() {
        let e = Error::unsupported_flags(
            ErrorDomain::Test,
            0x8000_0000,
            "testConnectListAllNodeDevices",
        );
        assert_eq!(
            e.message,
            "unsupported flags (0x80000000) in function testConnectListAllNodeDevices"
        );
        assert_eq!(e.code, ErrorCode::InvalidArg);
        assert_eq!(e.str1.as_deref(), Some("testConnectListAllNodeDevices"));
    }

    #[test]
    fn system_error_strips_rust_suffix() {
        let io = std::io::Error::from_raw_os_error(2);
        let e = Error::system(ErrorDomain::Storage, &io, "cannot open '/x'");
        assert_eq!(e.message, "cannot open '/x': No such file or directory");
        assert_eq!(e.int1, 2);
    }
}
