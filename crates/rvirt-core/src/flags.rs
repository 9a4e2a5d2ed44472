//! Flags of the public API, with libvirt's bit values. Drivers receive them with unknown bits
//! kept (`from_bits_retain`) so they can reject flags they do not support, as libvirt does.

use bitflags::bitflags;

bitflags! {
    /// `virConnectListAllDomainsFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct ListDomainsFlags: u32 {
        const ACTIVE = 1 << 0;
        const INACTIVE = 1 << 1;
        const PERSISTENT = 1 << 2;
        const TRANSIENT = 1 << 3;
        const RUNNING = 1 << 4;
        const PAUSED = 1 << 5;
        const SHUTOFF = 1 << 6;
        const OTHER = 1 << 7;
        const MANAGEDSAVE = 1 << 8;
        const NO_MANAGEDSAVE = 1 << 9;
        const AUTOSTART = 1 << 10;
        const NO_AUTOSTART = 1 << 11;
        const HAS_SNAPSHOT = 1 << 12;
        const NO_SNAPSHOT = 1 << 13;
        const HAS_CHECKPOINT = 1 << 14;
        const NO_CHECKPOINT = 1 << 15;
    }

    /// `virDomainXMLFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct DomainXmlFlags: u32 {
        const SECURE = 1 << 0;
        const INACTIVE = 1 << 1;
        const UPDATE_CPU = 1 << 2;
        const MIGRATABLE = 1 << 3;
    }

    /// `virDomainDefineFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct DomainDefineFlags: u32 {
        const VALIDATE = 1 << 0;
    }

    /// `virDomainCreateFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct DomainCreateFlags: u32 {
        const START_PAUSED = 1 << 0;
        const START_AUTODESTROY = 1 << 1;
        const START_BYPASS_CACHE = 1 << 2;
        const START_FORCE_BOOT = 1 << 3;
        const START_VALIDATE = 1 << 4;
        const START_RESET_NVRAM = 1 << 5;
    }

    /// `virDomainUndefineFlagsValues`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct DomainUndefineFlags: u32 {
        const MANAGED_SAVE = 1 << 0;
        const SNAPSHOTS_METADATA = 1 << 1;
        const NVRAM = 1 << 2;
        const KEEP_NVRAM = 1 << 3;
        const CHECKPOINTS_METADATA = 1 << 4;
        const TPM = 1 << 5;
        const KEEP_TPM = 1 << 6;
    }

    /// `virDomainShutdownFlagValues` (also used for reboot).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct DomainShutdownFlags: u32 {
        const ACPI_POWER_BTN = 1 << 0;
        const GUEST_AGENT = 1 << 1;
        const INITCTL = 1 << 2;
        const SIGNAL = 1 << 3;
        const PARAVIRT = 1 << 4;
    }

    /// `virDomainDestroyFlagsValues`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct DomainDestroyFlags: u32 {
        const GRACEFUL = 1 << 0;
        const REMOVE_LOGS = 1 << 1;
    }

    /// `virDomainSaveRestoreFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct DomainSaveFlags: u32 {
        const BYPASS_CACHE = 1 << 0;
        const RUNNING = 1 << 1;
        const PAUSED = 1 << 2;
        const RESET_NVRAM = 1 << 3;
    }

    /// `virDomainModificationImpact` plus the memory/vcpu-specific bits that share its space
    /// (`VIR_DOMAIN_MEM_MAXIMUM`, `VIR_DOMAIN_VCPU_MAXIMUM`, `VIR_DOMAIN_VCPU_GUEST`,
    /// `VIR_DOMAIN_VCPU_HOTPLUGGABLE`, `VIR_DOMAIN_AFFECT_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct ModificationImpact: u32 {
        const LIVE = 1 << 0;
        const CONFIG = 1 << 1;
        /// `VIR_DOMAIN_MEM_MAXIMUM` / `VIR_DOMAIN_VCPU_MAXIMUM`.
        const MAXIMUM = 1 << 2;
        /// `VIR_DOMAIN_VCPU_GUEST`.
        const GUEST = 1 << 3;
        /// `VIR_DOMAIN_VCPU_HOTPLUGGABLE`.
        const HOTPLUGGABLE = 1 << 4;
    }

    /// `virDomainDeviceModifyFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct DeviceModifyFlags: u32 {
        const LIVE = 1 << 0;
        const CONFIG = 1 << 1;
        const FORCE = 1 << 2;
    }

    /// `virConnectListAllNetworksFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct ListNetworksFlags: u32 {
        const INACTIVE = 1 << 0;
        const ACTIVE = 1 << 1;
        const PERSISTENT = 1 << 2;
        const TRANSIENT = 1 << 3;
        const AUTOSTART = 1 << 4;
        const NO_AUTOSTART = 1 << 5;
    }

    /// `virConnectListAllStoragePoolsFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct ListStoragePoolsFlags: u32 {
        const INACTIVE = 1 << 0;
        const ACTIVE = 1 << 1;
        const PERSISTENT = 1 << 2;
        const TRANSIENT = 1 << 3;
        const AUTOSTART = 1 << 4;
        const NO_AUTOSTART = 1 << 5;
        const DIR = 1 << 6;
        const FS = 1 << 7;
        const NETFS = 1 << 8;
        const LOGICAL = 1 << 9;
        const DISK = 1 << 10;
        const ISCSI = 1 << 11;
        const SCSI = 1 << 12;
        const MPATH = 1 << 13;
        const RBD = 1 << 14;
        const SHEEPDOG = 1 << 15;
        const GLUSTER = 1 << 16;
        const ZFS = 1 << 17;
        const VSTORAGE = 1 << 18;
        const ISCSI_DIRECT = 1 << 19;
    }

    /// `virStoragePoolBuildFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct StoragePoolBuildFlags: u32 {
        const REPAIR = 1 << 0;
        const RESIZE = 1 << 1;
        const NO_OVERWRITE = 1 << 2;
        const OVERWRITE = 1 << 3;
    }

    /// `virStoragePoolDeleteFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct StoragePoolDeleteFlags: u32 {
        const ZEROED = 1 << 0;
    }

    /// `virStorageVolCreateFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct StorageVolCreateFlags: u32 {
        const PREALLOC_METADATA = 1 << 0;
        const REFLINK = 1 << 1;
        const VALIDATE = 1 << 2;
    }

    /// `virStorageVolDeleteFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct StorageVolDeleteFlags: u32 {
        const ZEROED = 1 << 0;
        const WITH_SNAPSHOTS = 1 << 1;
    }

    /// `virStorageVolResizeFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct StorageVolResizeFlags: u32 {
        const ALLOCATE = 1 << 0;
        const DELTA = 1 << 1;
        const SHRINK = 1 << 2;
    }

    /// `virStorageVolUploadFlags` / `virStorageVolDownloadFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct StorageVolTransferFlags: u32 {
        const SPARSE_STREAM = 1 << 0;
    }

    /// `virConnectListAllNodeDeviceFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct ListNodeDevicesFlags: u32 {
        const CAP_SYSTEM = 1 << 0;
        const CAP_PCI_DEV = 1 << 1;
        const CAP_USB_DEV = 1 << 2;
        const CAP_USB_INTERFACE = 1 << 3;
        const CAP_NET = 1 << 4;
        const CAP_SCSI_HOST = 1 << 5;
        const CAP_SCSI_TARGET = 1 << 6;
        const CAP_SCSI = 1 << 7;
        const CAP_STORAGE = 1 << 8;
        const CAP_FC_HOST = 1 << 9;
        const CAP_VPORTS = 1 << 10;
        const CAP_SCSI_GENERIC = 1 << 11;
        const CAP_DRM = 1 << 12;
        const CAP_MDEV_TYPES = 1 << 13;
        const CAP_MDEV = 1 << 14;
        const CAP_CCW_DEV = 1 << 15;
        const CAP_CSS_DEV = 1 << 16;
        const CAP_VDPA = 1 << 17;
        const CAP_AP_CARD = 1 << 18;
        const CAP_AP_QUEUE = 1 << 19;
        const CAP_AP_MATRIX = 1 << 20;
        const CAP_VPD = 1 << 21;
        const INACTIVE = 1 << 30;
        const ACTIVE = 1 << 31;
    }

    /// `virConnectListAllInterfacesFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct ListInterfacesFlags: u32 {
        const INACTIVE = 1 << 0;
        const ACTIVE = 1 << 1;
    }

    /// `virConnectListAllSecretsFlags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct ListSecretsFlags: u32 {
        const EPHEMERAL = 1 << 0;
        const NO_EPHEMERAL = 1 << 1;
        const PRIVATE = 1 << 2;
        const NO_PRIVATE = 1 << 3;
    }

    /// The `INACTIVE` flag of `virNetworkGetXMLDesc`, `virStoragePoolGetXMLDesc` and
    /// `virInterfaceGetXMLDesc` (all bit 0).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct XmlInactiveFlags: u32 {
        const INACTIVE = 1 << 0;
    }
}

/// The capability names of node devices, in `ListNodeDevicesFlags` bit order, as libvirt
/// spells them (`virNodeDevCapType`).
pub const NODE_DEVICE_CAP_NAMES: &[(&str, ListNodeDevicesFlags)] = &[
    ("system", ListNodeDevicesFlags::CAP_SYSTEM),
    ("pci", ListNodeDevicesFlags::CAP_PCI_DEV),
    ("usb_device", ListNodeDevicesFlags::CAP_USB_DEV),
    ("usb", ListNodeDevicesFlags::CAP_USB_INTERFACE),
    ("net", ListNodeDevicesFlags::CAP_NET),
    ("scsi_host", ListNodeDevicesFlags::CAP_SCSI_HOST),
    ("scsi_target", ListNodeDevicesFlags::CAP_SCSI_TARGET),
    ("scsi", ListNodeDevicesFlags::CAP_SCSI),
    ("storage", ListNodeDevicesFlags::CAP_STORAGE),
    ("fc_host", ListNodeDevicesFlags::CAP_FC_HOST),
    ("vports", ListNodeDevicesFlags::CAP_VPORTS),
    ("scsi_generic", ListNodeDevicesFlags::CAP_SCSI_GENERIC),
    ("drm", ListNodeDevicesFlags::CAP_DRM),
    ("mdev_types", ListNodeDevicesFlags::CAP_MDEV_TYPES),
    ("mdev", ListNodeDevicesFlags::CAP_MDEV),
    ("ccw", ListNodeDevicesFlags::CAP_CCW_DEV),
    ("css", ListNodeDevicesFlags::CAP_CSS_DEV),
    ("vdpa", ListNodeDevicesFlags::CAP_VDPA),
    ("ap_card", ListNodeDevicesFlags::CAP_AP_CARD),
    ("ap_queue", ListNodeDevicesFlags::CAP_AP_QUEUE),
    ("ap_matrix", ListNodeDevicesFlags::CAP_AP_MATRIX),
    ("vpd", ListNodeDevicesFlags::CAP_VPD),
];

/// Storage volume wipe algorithms (`virStorageVolWipeAlgorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum WipeAlgorithm {
    Zero = 0,
    Nnsa = 1,
    Dod = 2,
    Bsi = 3,
    Gutmann = 4,
    Schneier = 5,
    Pfitzner7 = 6,
    Pfitzner33 = 7,
    Random = 8,
    Trim = 9,
}

impl WipeAlgorithm {
    pub fn from_u32(n: u32) -> Option<Self> {
        Some(match n {
            0 => Self::Zero,
            1 => Self::Nnsa,
            2 => Self::Dod,
            3 => Self::Bsi,
            4 => Self::Gutmann,
            5 => Self::Schneier,
            6 => Self::Pfitzner7,
            7 => Self::Pfitzner33,
            8 => Self::Random,
            9 => Self::Trim,
            _ => return None,
        })
    }
}
