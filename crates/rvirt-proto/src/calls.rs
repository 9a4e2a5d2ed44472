//! Remote procedures bound to their argument and return types, so callers and the daemon
//! encode and decode them without repeating numbers: `DomainLookupByName::PROC` is 23,
//! its `Args` is [`DomainLookupByNameArgs`](crate::remote::DomainLookupByNameArgs).
//! `()` stands for a void argument or return value.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::packet::{self, Header, MessageStatus, MessageType, Packet};
use crate::procedures::remote_proc as p;
use crate::program::{REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION};
use crate::remote::*;
use crate::xdr::{XdrError, XdrResult};

/// A call of the remote program with typed arguments and return value.
pub trait RemoteCall {
    /// The procedure number.
    const PROC: i32;
    type Args: Serialize + DeserializeOwned;
    type Ret: Serialize + DeserializeOwned;
}

/// An event message of the remote program with its payload type.
pub trait RemoteEvent {
    /// The procedure number.
    const PROC: i32;
    type Msg: Serialize + DeserializeOwned;
}

/// Encodes a complete call packet for `C`.
pub fn call_packet<C: RemoteCall>(serial: u32, args: &C::Args) -> XdrResult<Vec<u8>> {
    let header = Header::call(REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, C::PROC, serial);
    packet::build(&header, args)
}

/// Encodes a successful reply packet for the call `call`.
pub fn reply_packet<C: RemoteCall>(call: &Header, ret: &C::Ret) -> XdrResult<Vec<u8>> {
    packet::build(&call.reply(MessageStatus::Ok), ret)
}

/// Encodes an event message packet for `E`.
pub fn event_packet<E: RemoteEvent>(msg: &E::Msg) -> XdrResult<Vec<u8>> {
    let header = Header {
        prog: REMOTE_PROGRAM,
        vers: REMOTE_PROTOCOL_VERSION,
        proc_: E::PROC,
        kind: MessageType::Message,
        serial: 0,
        status: MessageStatus::Ok,
    };
    packet::build(&header, msg)
}

/// Decodes the reply to a call of `C`: the return value, or the error the daemon sent
/// (a malformed reply is a `VIR_ERR_RPC` error).
pub fn decode_reply<C: RemoteCall>(reply: &Packet) -> rvirt_core::Result<C::Ret> {
    let h = &reply.header;
    if h.prog != REMOTE_PROGRAM || h.proc_ != C::PROC || h.kind != MessageType::Reply {
        return Err(XdrError::BadHeader(format!(
            "expected a reply to remote procedure {}, got program {:#x} procedure {} type {:?}",
            C::PROC,
            h.prog,
            h.proc_,
            h.kind
        ))
        .into());
    }
    match h.status {
        MessageStatus::Ok => Ok(reply.decode::<C::Ret>()?),
        MessageStatus::Error => Err(reply.decode::<RemoteError>()?.into()),
        MessageStatus::Continue => {
            Err(XdrError::BadHeader("reply with status CONTINUE".to_string()).into())
        }
    }
}

macro_rules! calls {
    ($($name:ident = $proc:ident : $args:ty => $ret:ty;)*) => {
        $(
            #[doc = concat!("`REMOTE_PROC_", stringify!($proc), "`.")]
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct $name;
            impl RemoteCall for $name {
                const PROC: i32 = p::$proc;
                type Args = $args;
                type Ret = $ret;
            }
        )*

        /// Numbers of every procedure with typed arguments and return value here.
        pub const TYPED_CALLS: &[i32] = &[$(p::$proc),*];
    };
}

macro_rules! events {
    ($($name:ident = $proc:ident : $msg:ty;)*) => {
        $(
            #[doc = concat!("`REMOTE_PROC_", stringify!($proc), "` (event).")]
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct $name;
            impl RemoteEvent for $name {
                const PROC: i32 = p::$proc;
                type Msg = $msg;
            }
        )*

        /// Numbers of every event message with a typed payload here.
        pub const TYPED_EVENTS: &[i32] = &[$(p::$proc),*];
    };
}

calls! {
    // ---- connection ----
    ConnectOpen = CONNECT_OPEN: ConnectOpenArgs => ();
    ConnectClose = CONNECT_CLOSE: () => ();
    ConnectGetType = CONNECT_GET_TYPE: () => ConnectGetTypeRet;
    ConnectGetVersion = CONNECT_GET_VERSION: () => ConnectGetVersionRet;
    ConnectGetLibVersion = CONNECT_GET_LIB_VERSION: () => ConnectGetLibVersionRet;
    ConnectGetHostname = CONNECT_GET_HOSTNAME: () => ConnectGetHostnameRet;
    ConnectGetUri = CONNECT_GET_URI: () => ConnectGetUriRet;
    ConnectGetCapabilities = CONNECT_GET_CAPABILITIES: () => ConnectGetCapabilitiesRet;
    ConnectGetSysinfo = CONNECT_GET_SYSINFO: ConnectGetSysinfoArgs => ConnectGetSysinfoRet;
    ConnectGetMaxVcpus = CONNECT_GET_MAX_VCPUS: ConnectGetMaxVcpusArgs => ConnectGetMaxVcpusRet;
    ConnectSupportsFeature = CONNECT_SUPPORTS_FEATURE: ConnectSupportsFeatureArgs => ConnectSupportsFeatureRet;
    ConnectIsSecure = CONNECT_IS_SECURE: () => ConnectIsSecureRet;
    ConnectGetDomainCapabilities = CONNECT_GET_DOMAIN_CAPABILITIES: ConnectGetDomainCapabilitiesArgs => ConnectGetDomainCapabilitiesRet;
    ConnectGetCpuModelNames = CONNECT_GET_CPU_MODEL_NAMES: ConnectGetCpuModelNamesArgs => ConnectGetCpuModelNamesRet;
    ConnectCompareCpu = CONNECT_COMPARE_CPU: ConnectCompareCpuArgs => ConnectCompareCpuRet;
    ConnectBaselineCpu = CONNECT_BASELINE_CPU: ConnectBaselineCpuArgs => ConnectBaselineCpuRet;
    ConnectCompareHypervisorCpu = CONNECT_COMPARE_HYPERVISOR_CPU: ConnectCompareHypervisorCpuArgs => ConnectCompareHypervisorCpuRet;
    ConnectBaselineHypervisorCpu = CONNECT_BASELINE_HYPERVISOR_CPU: ConnectBaselineHypervisorCpuArgs => ConnectBaselineHypervisorCpuRet;
    AuthList = AUTH_LIST: () => AuthListRet;
    AuthPolkit = AUTH_POLKIT: () => AuthPolkitRet;
    ConnectRegisterCloseCallback = CONNECT_REGISTER_CLOSE_CALLBACK: () => ();
    ConnectUnregisterCloseCallback = CONNECT_UNREGISTER_CLOSE_CALLBACK: () => ();
    ConnectDomainEventRegister = CONNECT_DOMAIN_EVENT_REGISTER: () => ConnectDomainEventRegisterRet;
    ConnectDomainEventDeregister = CONNECT_DOMAIN_EVENT_DEREGISTER: () => ConnectDomainEventRegisterRet;
    ConnectDomainEventRegisterAny = CONNECT_DOMAIN_EVENT_REGISTER_ANY: ConnectDomainEventRegisterAnyArgs => ();
    ConnectDomainEventDeregisterAny = CONNECT_DOMAIN_EVENT_DEREGISTER_ANY: ConnectDomainEventRegisterAnyArgs => ();
    ConnectDomainEventCallbackRegisterAny = CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY: ConnectDomainEventCallbackRegisterAnyArgs => ConnectEventRegisterAnyRet;
    ConnectDomainEventCallbackDeregisterAny = CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY: ConnectEventDeregisterAnyArgs => ();
    ConnectNetworkEventRegisterAny = CONNECT_NETWORK_EVENT_REGISTER_ANY: ConnectNetworkEventRegisterAnyArgs => ConnectEventRegisterAnyRet;
    ConnectNetworkEventDeregisterAny = CONNECT_NETWORK_EVENT_DEREGISTER_ANY: ConnectEventDeregisterAnyArgs => ();
    ConnectStoragePoolEventRegisterAny = CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY: ConnectStoragePoolEventRegisterAnyArgs => ConnectEventRegisterAnyRet;
    ConnectStoragePoolEventDeregisterAny = CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY: ConnectEventDeregisterAnyArgs => ();
    ConnectNodeDeviceEventRegisterAny = CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY: ConnectNodeDeviceEventRegisterAnyArgs => ConnectEventRegisterAnyRet;
    ConnectNodeDeviceEventDeregisterAny = CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY: ConnectEventDeregisterAnyArgs => ();
    ConnectSecretEventRegisterAny = CONNECT_SECRET_EVENT_REGISTER_ANY: ConnectSecretEventRegisterAnyArgs => ConnectEventRegisterAnyRet;
    ConnectSecretEventDeregisterAny = CONNECT_SECRET_EVENT_DEREGISTER_ANY: ConnectEventDeregisterAnyArgs => ();

    // ---- node ----
    NodeGetInfo = NODE_GET_INFO: () => NodeGetInfoRet;
    NodeGetFreeMemory = NODE_GET_FREE_MEMORY: () => NodeGetFreeMemoryRet;
    NodeGetCellsFreeMemory = NODE_GET_CELLS_FREE_MEMORY: NodeGetCellsFreeMemoryArgs => NodeGetCellsFreeMemoryRet;
    NodeGetCpuStats = NODE_GET_CPU_STATS: NodeGetCpuStatsArgs => NodeGetCpuStatsRet;
    NodeGetMemoryStats = NODE_GET_MEMORY_STATS: NodeGetMemoryStatsArgs => NodeGetMemoryStatsRet;
    NodeGetSecurityModel = NODE_GET_SECURITY_MODEL: () => NodeGetSecurityModelRet;

    // ---- domain lists and lookups ----
    ConnectListAllDomains = CONNECT_LIST_ALL_DOMAINS: ConnectListAllDomainsArgs => ConnectListAllDomainsRet;
    ConnectNumOfDomains = CONNECT_NUM_OF_DOMAINS: () => NumRet;
    ConnectListDomains = CONNECT_LIST_DOMAINS: ConnectListDomainsArgs => ConnectListDomainsRet;
    ConnectNumOfDefinedDomains = CONNECT_NUM_OF_DEFINED_DOMAINS: () => NumRet;
    ConnectListDefinedDomains = CONNECT_LIST_DEFINED_DOMAINS: ConnectListDefinedDomainsArgs => ConnectListDefinedDomainsRet;
    DomainLookupById = DOMAIN_LOOKUP_BY_ID: DomainLookupByIdArgs => DomainRet;
    DomainLookupByName = DOMAIN_LOOKUP_BY_NAME: DomainLookupByNameArgs => DomainLookupByNameRet;
    DomainLookupByUuid = DOMAIN_LOOKUP_BY_UUID: DomainLookupByUuidArgs => DomainRet;

    // ---- domain lifecycle ----
    DomainDefineXml = DOMAIN_DEFINE_XML: DomainDefineXmlArgs => DomainRet;
    DomainDefineXmlFlags = DOMAIN_DEFINE_XML_FLAGS: DomainDefineXmlFlagsArgs => DomainRet;
    DomainCreateXml = DOMAIN_CREATE_XML: DomainCreateXmlArgs => DomainRet;
    DomainUndefine = DOMAIN_UNDEFINE: DomainUndefineArgs => ();
    DomainUndefineFlags = DOMAIN_UNDEFINE_FLAGS: DomainUndefineFlagsArgs => ();
    DomainCreate = DOMAIN_CREATE: DomainCreateArgs => ();
    DomainCreateWithFlags = DOMAIN_CREATE_WITH_FLAGS: DomainCreateWithFlagsArgs => DomainRet;
    DomainShutdown = DOMAIN_SHUTDOWN: DomainShutdownArgs => ();
    DomainShutdownFlags = DOMAIN_SHUTDOWN_FLAGS: DomainShutdownFlagsArgs => ();
    DomainReboot = DOMAIN_REBOOT: DomainRebootArgs => ();
    DomainReset = DOMAIN_RESET: DomainResetArgs => ();
    DomainDestroy = DOMAIN_DESTROY: DomainDestroyArgs => ();
    DomainDestroyFlags = DOMAIN_DESTROY_FLAGS: DomainDestroyFlagsArgs => ();
    DomainSuspend = DOMAIN_SUSPEND: DomainSuspendArgs => ();
    DomainResume = DOMAIN_RESUME: DomainResumeArgs => ();
    DomainSave = DOMAIN_SAVE: DomainSaveArgs => ();
    DomainSaveFlags = DOMAIN_SAVE_FLAGS: DomainSaveFlagsArgs => ();
    DomainRestore = DOMAIN_RESTORE: DomainRestoreArgs => ();
    DomainRestoreFlags = DOMAIN_RESTORE_FLAGS: DomainRestoreFlagsArgs => ();
    DomainSaveImageGetXmlDesc = DOMAIN_SAVE_IMAGE_GET_XML_DESC: DomainSaveImageGetXmlDescArgs => XmlRet;
    DomainSaveImageDefineXml = DOMAIN_SAVE_IMAGE_DEFINE_XML: DomainSaveImageDefineXmlArgs => ();
    DomainManagedSave = DOMAIN_MANAGED_SAVE: DomainManagedSaveArgs => ();
    DomainHasManagedSaveImage = DOMAIN_HAS_MANAGED_SAVE_IMAGE: DomainHasManagedSaveImageArgs => DomainHasManagedSaveImageRet;
    DomainManagedSaveRemove = DOMAIN_MANAGED_SAVE_REMOVE: DomainManagedSaveRemoveArgs => ();
    DomainCoreDump = DOMAIN_CORE_DUMP: DomainCoreDumpArgs => ();
    DomainCoreDumpWithFormat = DOMAIN_CORE_DUMP_WITH_FORMAT: DomainCoreDumpWithFormatArgs => ();
    DomainGetAutostart = DOMAIN_GET_AUTOSTART: DomainGetAutostartArgs => AutostartRet;
    DomainSetAutostart = DOMAIN_SET_AUTOSTART: DomainSetAutostartArgs => ();
    DomainRename = DOMAIN_RENAME: DomainRenameArgs => DomainRenameRet;

    // ---- domain information ----
    DomainGetInfo = DOMAIN_GET_INFO: DomainGetInfoArgs => DomainGetInfoRet;
    DomainGetState = DOMAIN_GET_STATE: DomainGetStateArgs => DomainGetStateRet;
    DomainGetXmlDesc = DOMAIN_GET_XML_DESC: DomainGetXmlDescArgs => DomainGetXmlDescRet;
    DomainGetOsType = DOMAIN_GET_OS_TYPE: DomainGetOsTypeArgs => DomainGetOsTypeRet;
    DomainGetMaxMemory = DOMAIN_GET_MAX_MEMORY: DomainGetMaxMemoryArgs => DomainGetMaxMemoryRet;
    DomainGetMaxVcpus = DOMAIN_GET_MAX_VCPUS: DomainGetMaxVcpusArgs => NumRet;
    DomainIsActive = DOMAIN_IS_ACTIVE: DomainIsActiveArgs => IsActiveRet;
    DomainIsPersistent = DOMAIN_IS_PERSISTENT: DomainIsPersistentArgs => IsPersistentRet;
    DomainIsUpdated = DOMAIN_IS_UPDATED: DomainIsUpdatedArgs => DomainIsUpdatedRet;
    DomainGetHostname = DOMAIN_GET_HOSTNAME: DomainGetHostnameArgs => DomainGetHostnameRet;
    DomainGetTime = DOMAIN_GET_TIME: DomainGetTimeArgs => DomainGetTimeRet;
    DomainSetTime = DOMAIN_SET_TIME: DomainSetTimeArgs => ();
    DomainGetSchedulerType = DOMAIN_GET_SCHEDULER_TYPE: DomainGetSchedulerTypeArgs => DomainGetSchedulerTypeRet;
    DomainGetSchedulerParameters = DOMAIN_GET_SCHEDULER_PARAMETERS: DomainGetSchedulerParametersArgs => DomainGetSchedulerParametersRet;
    DomainGetSchedulerParametersFlags = DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS: DomainGetSchedulerParametersFlagsArgs => DomainGetSchedulerParametersRet;
    DomainSetSchedulerParameters = DOMAIN_SET_SCHEDULER_PARAMETERS: DomainSetSchedulerParametersArgs => ();
    DomainSetSchedulerParametersFlags = DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS: DomainSetSchedulerParametersFlagsArgs => ();
    DomainGetMetadata = DOMAIN_GET_METADATA: DomainGetMetadataArgs => DomainGetMetadataRet;
    DomainSetMetadata = DOMAIN_SET_METADATA: DomainSetMetadataArgs => ();
    DomainGetSecurityLabel = DOMAIN_GET_SECURITY_LABEL: DomainGetSecurityLabelArgs => DomainGetSecurityLabelRet;
    DomainGetJobInfo = DOMAIN_GET_JOB_INFO: DomainGetJobInfoArgs => DomainGetJobInfoRet;
    DomainAbortJob = DOMAIN_ABORT_JOB: DomainAbortJobArgs => ();

    // ---- domain resources ----
    DomainSetMemory = DOMAIN_SET_MEMORY: DomainSetMemoryArgs => ();
    DomainSetMaxMemory = DOMAIN_SET_MAX_MEMORY: DomainSetMemoryArgs => ();
    DomainSetMemoryFlags = DOMAIN_SET_MEMORY_FLAGS: DomainSetMemoryFlagsArgs => ();
    DomainSetVcpus = DOMAIN_SET_VCPUS: DomainSetVcpusArgs => ();
    DomainSetVcpusFlags = DOMAIN_SET_VCPUS_FLAGS: DomainSetVcpusFlagsArgs => ();
    DomainGetVcpusFlags = DOMAIN_GET_VCPUS_FLAGS: DomainGetVcpusFlagsArgs => DomainGetVcpusFlagsRet;
    DomainGetVcpus = DOMAIN_GET_VCPUS: DomainGetVcpusArgs => DomainGetVcpusRet;
    DomainPinVcpu = DOMAIN_PIN_VCPU: DomainPinVcpuArgs => ();
    DomainPinVcpuFlags = DOMAIN_PIN_VCPU_FLAGS: DomainPinVcpuFlagsArgs => ();
    DomainMemoryStats = DOMAIN_MEMORY_STATS: DomainMemoryStatsArgs => DomainMemoryStatsRet;
    DomainSetMemoryStatsPeriod = DOMAIN_SET_MEMORY_STATS_PERIOD: DomainSetMemoryStatsPeriodArgs => ();
    DomainBlockStats = DOMAIN_BLOCK_STATS: DomainBlockStatsArgs => DomainBlockStatsRet;
    DomainGetBlockInfo = DOMAIN_GET_BLOCK_INFO: DomainGetBlockInfoArgs => DomainGetBlockInfoRet;
    DomainInterfaceStats = DOMAIN_INTERFACE_STATS: DomainInterfaceStatsArgs => DomainInterfaceStatsRet;
    DomainInterfaceAddresses = DOMAIN_INTERFACE_ADDRESSES: DomainInterfaceAddressesArgs => DomainInterfaceAddressesRet;
    DomainGetCpuStats = DOMAIN_GET_CPU_STATS: DomainGetCpuStatsArgs => DomainGetCpuStatsRet;
    ConnectGetAllDomainStats = CONNECT_GET_ALL_DOMAIN_STATS: ConnectGetAllDomainStatsArgs => ConnectGetAllDomainStatsRet;

    // ---- domain devices ----
    DomainAttachDevice = DOMAIN_ATTACH_DEVICE: DomainAttachDeviceArgs => ();
    DomainAttachDeviceFlags = DOMAIN_ATTACH_DEVICE_FLAGS: DomainAttachDeviceFlagsArgs => ();
    DomainDetachDevice = DOMAIN_DETACH_DEVICE: DomainAttachDeviceArgs => ();
    DomainDetachDeviceFlags = DOMAIN_DETACH_DEVICE_FLAGS: DomainAttachDeviceFlagsArgs => ();
    DomainUpdateDeviceFlags = DOMAIN_UPDATE_DEVICE_FLAGS: DomainAttachDeviceFlagsArgs => ();
    DomainSendKey = DOMAIN_SEND_KEY: DomainSendKeyArgs => ();
    DomainScreenshot = DOMAIN_SCREENSHOT: DomainScreenshotArgs => DomainScreenshotRet;
    DomainOpenConsole = DOMAIN_OPEN_CONSOLE: DomainOpenConsoleArgs => ();

    // ---- snapshots ----
    DomainSnapshotCreateXml = DOMAIN_SNAPSHOT_CREATE_XML: DomainSnapshotCreateXmlArgs => DomainSnapshotRet;
    DomainListAllSnapshots = DOMAIN_LIST_ALL_SNAPSHOTS: DomainListAllSnapshotsArgs => DomainListAllSnapshotsRet;
    DomainSnapshotLookupByName = DOMAIN_SNAPSHOT_LOOKUP_BY_NAME: DomainSnapshotLookupByNameArgs => DomainSnapshotRet;
    DomainSnapshotCurrent = DOMAIN_SNAPSHOT_CURRENT: DomainSnapshotCurrentArgs => DomainSnapshotRet;
    DomainSnapshotGetXmlDesc = DOMAIN_SNAPSHOT_GET_XML_DESC: DomainSnapshotFlagsArgs => XmlRet;
    DomainRevertToSnapshot = DOMAIN_REVERT_TO_SNAPSHOT: DomainSnapshotFlagsArgs => ();
    DomainSnapshotDelete = DOMAIN_SNAPSHOT_DELETE: DomainSnapshotFlagsArgs => ();

    // ---- networks ----
    ConnectListAllNetworks = CONNECT_LIST_ALL_NETWORKS: ConnectListAllNetworksArgs => ConnectListAllNetworksRet;
    ConnectNumOfNetworks = CONNECT_NUM_OF_NETWORKS: () => NumRet;
    ConnectListNetworks = CONNECT_LIST_NETWORKS: ConnectListNetworksArgs => ConnectListNetworksRet;
    ConnectNumOfDefinedNetworks = CONNECT_NUM_OF_DEFINED_NETWORKS: () => NumRet;
    ConnectListDefinedNetworks = CONNECT_LIST_DEFINED_NETWORKS: ConnectListNetworksArgs => ConnectListNetworksRet;
    NetworkLookupByName = NETWORK_LOOKUP_BY_NAME: NetworkLookupByNameArgs => NetworkRet;
    NetworkLookupByUuid = NETWORK_LOOKUP_BY_UUID: NetworkLookupByUuidArgs => NetworkRet;
    NetworkDefineXml = NETWORK_DEFINE_XML: NetworkXmlArgs => NetworkRet;
    NetworkDefineXmlFlags = NETWORK_DEFINE_XML_FLAGS: NetworkXmlFlagsArgs => NetworkRet;
    NetworkCreateXml = NETWORK_CREATE_XML: NetworkXmlArgs => NetworkRet;
    NetworkCreateXmlFlags = NETWORK_CREATE_XML_FLAGS: NetworkXmlFlagsArgs => NetworkRet;
    NetworkUndefine = NETWORK_UNDEFINE: NetworkArgs => ();
    NetworkCreate = NETWORK_CREATE: NetworkArgs => ();
    NetworkDestroy = NETWORK_DESTROY: NetworkArgs => ();
    NetworkGetXmlDesc = NETWORK_GET_XML_DESC: NetworkGetXmlDescArgs => XmlRet;
    NetworkGetBridgeName = NETWORK_GET_BRIDGE_NAME: NetworkArgs => NetworkGetBridgeNameRet;
    NetworkGetAutostart = NETWORK_GET_AUTOSTART: NetworkArgs => AutostartRet;
    NetworkSetAutostart = NETWORK_SET_AUTOSTART: NetworkSetAutostartArgs => ();
    NetworkIsActive = NETWORK_IS_ACTIVE: NetworkArgs => IsActiveRet;
    NetworkIsPersistent = NETWORK_IS_PERSISTENT: NetworkArgs => IsPersistentRet;
    NetworkUpdate = NETWORK_UPDATE: NetworkUpdateArgs => ();
    NetworkGetDhcpLeases = NETWORK_GET_DHCP_LEASES: NetworkGetDhcpLeasesArgs => NetworkGetDhcpLeasesRet;

    // ---- storage pools ----
    ConnectListAllStoragePools = CONNECT_LIST_ALL_STORAGE_POOLS: ConnectListAllStoragePoolsArgs => ConnectListAllStoragePoolsRet;
    ConnectNumOfStoragePools = CONNECT_NUM_OF_STORAGE_POOLS: () => NumRet;
    ConnectListStoragePools = CONNECT_LIST_STORAGE_POOLS: ConnectListStoragePoolsArgs => ConnectListStoragePoolsRet;
    ConnectNumOfDefinedStoragePools = CONNECT_NUM_OF_DEFINED_STORAGE_POOLS: () => NumRet;
    ConnectListDefinedStoragePools = CONNECT_LIST_DEFINED_STORAGE_POOLS: ConnectListStoragePoolsArgs => ConnectListStoragePoolsRet;
    ConnectFindStoragePoolSources = CONNECT_FIND_STORAGE_POOL_SOURCES: ConnectFindStoragePoolSourcesArgs => XmlRet;
    StoragePoolLookupByName = STORAGE_POOL_LOOKUP_BY_NAME: StoragePoolLookupByNameArgs => StoragePoolRet;
    StoragePoolLookupByUuid = STORAGE_POOL_LOOKUP_BY_UUID: StoragePoolLookupByUuidArgs => StoragePoolRet;
    StoragePoolLookupByVolume = STORAGE_POOL_LOOKUP_BY_VOLUME: StoragePoolLookupByVolumeArgs => StoragePoolRet;
    StoragePoolLookupByTargetPath = STORAGE_POOL_LOOKUP_BY_TARGET_PATH: StoragePoolLookupByTargetPathArgs => StoragePoolRet;
    StoragePoolDefineXml = STORAGE_POOL_DEFINE_XML: StoragePoolXmlArgs => StoragePoolRet;
    StoragePoolCreateXml = STORAGE_POOL_CREATE_XML: StoragePoolXmlArgs => StoragePoolRet;
    StoragePoolBuild = STORAGE_POOL_BUILD: StoragePoolFlagsArgs => ();
    StoragePoolUndefine = STORAGE_POOL_UNDEFINE: StoragePoolArgs => ();
    StoragePoolCreate = STORAGE_POOL_CREATE: StoragePoolFlagsArgs => ();
    StoragePoolDestroy = STORAGE_POOL_DESTROY: StoragePoolArgs => ();
    StoragePoolDelete = STORAGE_POOL_DELETE: StoragePoolFlagsArgs => ();
    StoragePoolRefresh = STORAGE_POOL_REFRESH: StoragePoolFlagsArgs => ();
    StoragePoolGetInfo = STORAGE_POOL_GET_INFO: StoragePoolArgs => StoragePoolGetInfoRet;
    StoragePoolGetXmlDesc = STORAGE_POOL_GET_XML_DESC: StoragePoolFlagsArgs => XmlRet;
    StoragePoolGetAutostart = STORAGE_POOL_GET_AUTOSTART: StoragePoolArgs => AutostartRet;
    StoragePoolSetAutostart = STORAGE_POOL_SET_AUTOSTART: StoragePoolSetAutostartArgs => ();
    StoragePoolIsActive = STORAGE_POOL_IS_ACTIVE: StoragePoolArgs => IsActiveRet;
    StoragePoolIsPersistent = STORAGE_POOL_IS_PERSISTENT: StoragePoolArgs => IsPersistentRet;
    StoragePoolNumOfVolumes = STORAGE_POOL_NUM_OF_VOLUMES: StoragePoolArgs => NumRet;
    StoragePoolListVolumes = STORAGE_POOL_LIST_VOLUMES: StoragePoolListVolumesArgs => StoragePoolListVolumesRet;
    StoragePoolListAllVolumes = STORAGE_POOL_LIST_ALL_VOLUMES: StoragePoolListAllVolumesArgs => StoragePoolListAllVolumesRet;

    // ---- storage volumes ----
    StorageVolLookupByName = STORAGE_VOL_LOOKUP_BY_NAME: StorageVolLookupByNameArgs => StorageVolRet;
    StorageVolLookupByKey = STORAGE_VOL_LOOKUP_BY_KEY: StorageVolLookupByKeyArgs => StorageVolRet;
    StorageVolLookupByPath = STORAGE_VOL_LOOKUP_BY_PATH: StorageVolLookupByPathArgs => StorageVolRet;
    StorageVolCreateXml = STORAGE_VOL_CREATE_XML: StorageVolCreateXmlArgs => StorageVolRet;
    StorageVolCreateXmlFrom = STORAGE_VOL_CREATE_XML_FROM: StorageVolCreateXmlFromArgs => StorageVolRet;
    StorageVolDelete = STORAGE_VOL_DELETE: StorageVolFlagsArgs => ();
    StorageVolWipe = STORAGE_VOL_WIPE: StorageVolFlagsArgs => ();
    StorageVolWipePattern = STORAGE_VOL_WIPE_PATTERN: StorageVolWipePatternArgs => ();
    StorageVolResize = STORAGE_VOL_RESIZE: StorageVolResizeArgs => ();
    StorageVolGetInfo = STORAGE_VOL_GET_INFO: StorageVolArgs => StorageVolGetInfoRet;
    StorageVolGetInfoFlags = STORAGE_VOL_GET_INFO_FLAGS: StorageVolFlagsArgs => StorageVolGetInfoRet;
    StorageVolGetXmlDesc = STORAGE_VOL_GET_XML_DESC: StorageVolFlagsArgs => XmlRet;
    StorageVolGetPath = STORAGE_VOL_GET_PATH: StorageVolArgs => StorageVolGetPathRet;
    StorageVolUpload = STORAGE_VOL_UPLOAD: StorageVolTransferArgs => ();
    StorageVolDownload = STORAGE_VOL_DOWNLOAD: StorageVolTransferArgs => ();

    // ---- node devices ----
    ConnectListAllNodeDevices = CONNECT_LIST_ALL_NODE_DEVICES: ConnectListAllNodeDevicesArgs => ConnectListAllNodeDevicesRet;
    NodeNumOfDevices = NODE_NUM_OF_DEVICES: NodeNumOfDevicesArgs => NumRet;
    NodeListDevices = NODE_LIST_DEVICES: NodeListDevicesArgs => NodeListDevicesRet;
    NodeDeviceLookupByName = NODE_DEVICE_LOOKUP_BY_NAME: NodeDeviceNameArgs => NodeDeviceRet;
    NodeDeviceLookupScsiHostByWwn = NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN: NodeDeviceLookupScsiHostByWwnArgs => NodeDeviceRet;
    NodeDeviceGetXmlDesc = NODE_DEVICE_GET_XML_DESC: NodeDeviceNameFlagsArgs => XmlRet;
    NodeDeviceGetParent = NODE_DEVICE_GET_PARENT: NodeDeviceNameArgs => NodeDeviceGetParentRet;
    NodeDeviceNumOfCaps = NODE_DEVICE_NUM_OF_CAPS: NodeDeviceNameArgs => NumRet;
    NodeDeviceListCaps = NODE_DEVICE_LIST_CAPS: NodeDeviceListCapsArgs => NodeDeviceListCapsRet;
    NodeDeviceDettach = NODE_DEVICE_DETTACH: NodeDeviceNameArgs => ();
    NodeDeviceDetachFlags = NODE_DEVICE_DETACH_FLAGS: NodeDeviceDetachFlagsArgs => ();
    NodeDeviceReAttach = NODE_DEVICE_RE_ATTACH: NodeDeviceNameArgs => ();
    NodeDeviceReset = NODE_DEVICE_RESET: NodeDeviceNameArgs => ();
    NodeDeviceCreateXml = NODE_DEVICE_CREATE_XML: NodeDeviceXmlArgs => NodeDeviceRet;
    NodeDeviceDestroy = NODE_DEVICE_DESTROY: NodeDeviceNameArgs => ();
    NodeDeviceDefineXml = NODE_DEVICE_DEFINE_XML: NodeDeviceXmlArgs => NodeDeviceRet;
    NodeDeviceUndefine = NODE_DEVICE_UNDEFINE: NodeDeviceNameFlagsArgs => ();
    NodeDeviceCreate = NODE_DEVICE_CREATE: NodeDeviceNameFlagsArgs => ();
    NodeDeviceGetAutostart = NODE_DEVICE_GET_AUTOSTART: NodeDeviceNameArgs => AutostartRet;
    NodeDeviceSetAutostart = NODE_DEVICE_SET_AUTOSTART: NodeDeviceSetAutostartArgs => ();
    NodeDeviceIsPersistent = NODE_DEVICE_IS_PERSISTENT: NodeDeviceNameArgs => IsPersistentRet;
    NodeDeviceIsActive = NODE_DEVICE_IS_ACTIVE: NodeDeviceNameArgs => IsActiveRet;
    NodeDeviceUpdate = NODE_DEVICE_UPDATE: NodeDeviceUpdateArgs => ();

    // ---- interfaces ----
    ConnectListAllInterfaces = CONNECT_LIST_ALL_INTERFACES: ConnectListAllInterfacesArgs => ConnectListAllInterfacesRet;
    ConnectNumOfInterfaces = CONNECT_NUM_OF_INTERFACES: () => NumRet;
    ConnectListInterfaces = CONNECT_LIST_INTERFACES: ConnectListInterfacesArgs => ConnectListInterfacesRet;
    ConnectNumOfDefinedInterfaces = CONNECT_NUM_OF_DEFINED_INTERFACES: () => NumRet;
    ConnectListDefinedInterfaces = CONNECT_LIST_DEFINED_INTERFACES: ConnectListInterfacesArgs => ConnectListInterfacesRet;
    InterfaceLookupByName = INTERFACE_LOOKUP_BY_NAME: InterfaceLookupByNameArgs => InterfaceLookupByNameRet;
    InterfaceLookupByMacString = INTERFACE_LOOKUP_BY_MAC_STRING: InterfaceLookupByMacStringArgs => InterfaceLookupByMacStringRet;
    InterfaceGetXmlDesc = INTERFACE_GET_XML_DESC: InterfaceGetXmlDescArgs => InterfaceGetXmlDescRet;
    InterfaceDefineXml = INTERFACE_DEFINE_XML: InterfaceDefineXmlArgs => InterfaceDefineXmlRet;
    InterfaceUndefine = INTERFACE_UNDEFINE: InterfaceUndefineArgs => ();
    InterfaceCreate = INTERFACE_CREATE: InterfaceCreateArgs => ();
    InterfaceDestroy = INTERFACE_DESTROY: InterfaceDestroyArgs => ();
    InterfaceIsActive = INTERFACE_IS_ACTIVE: InterfaceIsActiveArgs => InterfaceIsActiveRet;
    InterfaceChangeBegin = INTERFACE_CHANGE_BEGIN: InterfaceChangeArgs => ();
    InterfaceChangeCommit = INTERFACE_CHANGE_COMMIT: InterfaceChangeArgs => ();
    InterfaceChangeRollback = INTERFACE_CHANGE_ROLLBACK: InterfaceChangeArgs => ();

    // ---- secrets ----
    ConnectListAllSecrets = CONNECT_LIST_ALL_SECRETS: ConnectListAllSecretsArgs => ConnectListAllSecretsRet;
    ConnectNumOfSecrets = CONNECT_NUM_OF_SECRETS: () => NumRet;
    ConnectListSecrets = CONNECT_LIST_SECRETS: ConnectListSecretsArgs => ConnectListSecretsRet;
    SecretLookupByUuid = SECRET_LOOKUP_BY_UUID: SecretLookupByUuidArgs => SecretRet;
    SecretLookupByUsage = SECRET_LOOKUP_BY_USAGE: SecretLookupByUsageArgs => SecretRet;
    SecretDefineXml = SECRET_DEFINE_XML: SecretDefineXmlArgs => SecretRet;
    SecretGetXmlDesc = SECRET_GET_XML_DESC: SecretFlagsArgs => XmlRet;
    SecretSetValue = SECRET_SET_VALUE: SecretSetValueArgs => ();
    SecretGetValue = SECRET_GET_VALUE: SecretFlagsArgs => SecretGetValueRet;
    SecretUndefine = SECRET_UNDEFINE: SecretArgs => ();
    // ---- domain tuning and inspection ----
    DomainSetBlkioParameters = DOMAIN_SET_BLKIO_PARAMETERS: DomainSetBlkioParametersArgs => ();
    DomainGetBlkioParameters = DOMAIN_GET_BLKIO_PARAMETERS: DomainGetParametersArgs => DomainGetBlkioParametersRet;
    DomainSetMemoryParameters = DOMAIN_SET_MEMORY_PARAMETERS: DomainSetMemoryParametersArgs => ();
    DomainGetMemoryParameters = DOMAIN_GET_MEMORY_PARAMETERS: DomainGetParametersArgs => DomainGetMemoryParametersRet;
    DomainSetNumaParameters = DOMAIN_SET_NUMA_PARAMETERS: DomainSetNumaParametersArgs => ();
    DomainGetNumaParameters = DOMAIN_GET_NUMA_PARAMETERS: DomainGetParametersArgs => DomainGetNumaParametersRet;
    DomainSetInterfaceParameters = DOMAIN_SET_INTERFACE_PARAMETERS: DomainSetInterfaceParametersArgs => ();
    DomainGetInterfaceParameters = DOMAIN_GET_INTERFACE_PARAMETERS: DomainGetInterfaceParametersArgs => DomainGetInterfaceParametersRet;
    DomainSetBlockIoTune = DOMAIN_SET_BLOCK_IO_TUNE: DomainSetBlockIoTuneArgs => ();
    DomainGetBlockIoTune = DOMAIN_GET_BLOCK_IO_TUNE: DomainGetBlockIoTuneArgs => DomainGetBlockIoTuneRet;
    DomainBlockStatsFlags = DOMAIN_BLOCK_STATS_FLAGS: DomainBlockStatsFlagsArgs => DomainBlockStatsFlagsRet;
    DomainSetPerfEvents = DOMAIN_SET_PERF_EVENTS: DomainSetPerfEventsArgs => ();
    DomainGetPerfEvents = DOMAIN_GET_PERF_EVENTS: DomainFlagsArgs => DomainGetPerfEventsRet;
    DomainGetJobStats = DOMAIN_GET_JOB_STATS: DomainFlagsArgs => DomainGetJobStatsRet;
    DomainAbortJobFlags = DOMAIN_ABORT_JOB_FLAGS: DomainFlagsArgs => ();
    DomainGetGuestVcpus = DOMAIN_GET_GUEST_VCPUS: DomainFlagsArgs => DomainGetGuestVcpusRet;
    DomainSetGuestVcpus = DOMAIN_SET_GUEST_VCPUS: DomainSetGuestVcpusArgs => ();
    DomainSetVcpu = DOMAIN_SET_VCPU: DomainSetGuestVcpusArgs => ();
    DomainGetGuestInfo = DOMAIN_GET_GUEST_INFO: DomainGetGuestInfoArgs => DomainGetGuestInfoRet;
    DomainBlockResize = DOMAIN_BLOCK_RESIZE: DomainBlockResizeArgs => ();
    DomainBlockPeek = DOMAIN_BLOCK_PEEK: DomainBlockPeekArgs => DomainPeekRet;
    DomainMemoryPeek = DOMAIN_MEMORY_PEEK: DomainMemoryPeekArgs => DomainPeekRet;
    DomainBlockJobAbort = DOMAIN_BLOCK_JOB_ABORT: DomainBlockJobAbortArgs => ();
    DomainGetBlockJobInfo = DOMAIN_GET_BLOCK_JOB_INFO: DomainGetBlockJobInfoArgs => DomainGetBlockJobInfoRet;
    DomainBlockJobSetSpeed = DOMAIN_BLOCK_JOB_SET_SPEED: DomainBlockJobSetSpeedArgs => ();
    DomainBlockPull = DOMAIN_BLOCK_PULL: DomainBlockJobSetSpeedArgs => ();
    DomainBlockRebase = DOMAIN_BLOCK_REBASE: DomainBlockRebaseArgs => ();
    DomainBlockCopy = DOMAIN_BLOCK_COPY: DomainBlockCopyArgs => ();
    DomainBlockCommit = DOMAIN_BLOCK_COMMIT: DomainBlockCommitArgs => ();
    DomainSetBlockThreshold = DOMAIN_SET_BLOCK_THRESHOLD: DomainSetBlockThresholdArgs => ();
    DomainPmSuspendForDuration = DOMAIN_PM_SUSPEND_FOR_DURATION: DomainPmSuspendForDurationArgs => ();
    DomainPmWakeup = DOMAIN_PM_WAKEUP: DomainFlagsArgs => ();
    DomainInjectNmi = DOMAIN_INJECT_NMI: DomainFlagsArgs => ();
    DomainSendProcessSignal = DOMAIN_SEND_PROCESS_SIGNAL: DomainSendProcessSignalArgs => ();
    DomainGetVcpuPinInfo = DOMAIN_GET_VCPU_PIN_INFO: DomainGetVcpuPinInfoArgs => DomainGetVcpuPinInfoRet;
    DomainPinEmulator = DOMAIN_PIN_EMULATOR: DomainPinEmulatorArgs => ();
    DomainGetEmulatorPinInfo = DOMAIN_GET_EMULATOR_PIN_INFO: DomainGetEmulatorPinInfoArgs => DomainGetEmulatorPinInfoRet;
    DomainGetIothreadInfo = DOMAIN_GET_IOTHREAD_INFO: DomainFlagsArgs => DomainGetIothreadInfoRet;
    DomainPinIothread = DOMAIN_PIN_IOTHREAD: DomainPinIothreadArgs => ();
    DomainAddIothread = DOMAIN_ADD_IOTHREAD: DomainIothreadArgs => ();
    DomainDelIothread = DOMAIN_DEL_IOTHREAD: DomainIothreadArgs => ();
    DomainSetIothreadParams = DOMAIN_SET_IOTHREAD_PARAMS: DomainSetIothreadParamsArgs => ();
    DomainGetDiskErrors = DOMAIN_GET_DISK_ERRORS: DomainGetDiskErrorsArgs => DomainGetDiskErrorsRet;
    DomainGetControlInfo = DOMAIN_GET_CONTROL_INFO: DomainFlagsArgs => DomainGetControlInfoRet;
    DomainFsfreeze = DOMAIN_FSFREEZE: DomainFsfreezeArgs => DomainFsfreezeRet;
    DomainFsthaw = DOMAIN_FSTHAW: DomainFsfreezeArgs => DomainFsfreezeRet;
    DomainFstrim = DOMAIN_FSTRIM: DomainFstrimArgs => ();
    DomainGetFsinfo = DOMAIN_GET_FSINFO: DomainFlagsArgs => DomainGetFsinfoRet;
    DomainSetUserPassword = DOMAIN_SET_USER_PASSWORD: DomainSetUserPasswordArgs => ();
    DomainSetLifecycleAction = DOMAIN_SET_LIFECYCLE_ACTION: DomainSetLifecycleActionArgs => ();
    DomainDetachDeviceAlias = DOMAIN_DETACH_DEVICE_ALIAS: DomainDetachDeviceAliasArgs => ();
    DomainManagedSaveGetXmlDesc = DOMAIN_MANAGED_SAVE_GET_XML_DESC: DomainFlagsArgs => XmlRet;
    DomainManagedSaveDefineXml = DOMAIN_MANAGED_SAVE_DEFINE_XML: DomainManagedSaveDefineXmlArgs => ();
    DomainGetSecurityLabelList = DOMAIN_GET_SECURITY_LABEL_LIST: DomainArgs => DomainGetSecurityLabelListRet;
    DomainOpenChannel = DOMAIN_OPEN_CHANNEL: DomainOpenChannelArgs => ();
    ConnectDomainXmlFromNative = CONNECT_DOMAIN_XML_FROM_NATIVE: ConnectDomainXmlFromNativeArgs => ConnectDomainXmlFromNativeRet;
    ConnectDomainXmlToNative = CONNECT_DOMAIN_XML_TO_NATIVE: ConnectDomainXmlToNativeArgs => ConnectDomainXmlToNativeRet;

    // ---- snapshots beyond the basics ----
    DomainSnapshotNum = DOMAIN_SNAPSHOT_NUM: DomainFlagsArgs => NumRet;
    DomainSnapshotListNames = DOMAIN_SNAPSHOT_LIST_NAMES: DomainSnapshotListNamesArgs => DomainSnapshotListNamesRet;
    DomainSnapshotNumChildren = DOMAIN_SNAPSHOT_NUM_CHILDREN: DomainSnapshotFlagsArgs => NumRet;
    DomainSnapshotListChildrenNames = DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES: DomainSnapshotListChildrenNamesArgs => DomainSnapshotListNamesRet;
    DomainSnapshotListAllChildren = DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN: DomainSnapshotListAllChildrenArgs => DomainListAllSnapshotsRet;
    DomainHasCurrentSnapshot = DOMAIN_HAS_CURRENT_SNAPSHOT: DomainFlagsArgs => ResultRet;
    DomainSnapshotGetParent = DOMAIN_SNAPSHOT_GET_PARENT: DomainSnapshotFlagsArgs => DomainSnapshotRet;
    DomainSnapshotIsCurrent = DOMAIN_SNAPSHOT_IS_CURRENT: DomainSnapshotFlagsArgs => DomainSnapshotIsCurrentRet;
    DomainSnapshotHasMetadata = DOMAIN_SNAPSHOT_HAS_METADATA: DomainSnapshotFlagsArgs => DomainSnapshotHasMetadataRet;

    // ---- node tuning ----
    NodeSetMemoryParameters = NODE_SET_MEMORY_PARAMETERS: NodeSetMemoryParametersArgs => ();
    NodeGetMemoryParameters = NODE_GET_MEMORY_PARAMETERS: NodeGetMemoryParametersArgs => NodeGetMemoryParametersRet;
    NodeGetCpuMap = NODE_GET_CPU_MAP: NodeGetCpuMapArgs => NodeGetCpuMapRet;
    NodeSuspendForDuration = NODE_SUSPEND_FOR_DURATION: NodeSuspendForDurationArgs => ();
    NodeGetFreePages = NODE_GET_FREE_PAGES: NodeGetFreePagesArgs => NodeGetFreePagesRet;
    ConnectGetStoragePoolCapabilities = CONNECT_GET_STORAGE_POOL_CAPABILITIES: FlagsArgs => CapabilitiesRet;

    // ---- network filters ----
    ConnectListAllNwfilters = CONNECT_LIST_ALL_NWFILTERS: ConnectListAllNwfiltersArgs => ConnectListAllNwfiltersRet;
    ConnectNumOfNwfilters = CONNECT_NUM_OF_NWFILTERS: () => NumRet;
    ConnectListNwfilters = CONNECT_LIST_NWFILTERS: ConnectListNwfiltersArgs => ConnectListNwfiltersRet;
    NwfilterLookupByName = NWFILTER_LOOKUP_BY_NAME: NwfilterLookupByNameArgs => NwfilterRet;
    NwfilterLookupByUuid = NWFILTER_LOOKUP_BY_UUID: NwfilterLookupByUuidArgs => NwfilterRet;
    NwfilterDefineXml = NWFILTER_DEFINE_XML: NwfilterDefineXmlArgs => NwfilterRet;
    NwfilterDefineXmlFlags = NWFILTER_DEFINE_XML_FLAGS: NwfilterDefineXmlFlagsArgs => NwfilterRet;
    NwfilterUndefine = NWFILTER_UNDEFINE: NwfilterArgs => ();
    NwfilterGetXmlDesc = NWFILTER_GET_XML_DESC: NwfilterGetXmlDescArgs => XmlRet;
}

events! {
    DomainEventLifecycle = DOMAIN_EVENT_LIFECYCLE: DomainEventLifecycleMsg;
    DomainEventCallbackLifecycle = DOMAIN_EVENT_CALLBACK_LIFECYCLE: DomainEventCallbackLifecycleMsg;
    DomainEventCallbackReboot = DOMAIN_EVENT_CALLBACK_REBOOT: DomainEventCallbackRebootMsg;
    DomainEventCallbackRtcChange = DOMAIN_EVENT_CALLBACK_RTC_CHANGE: DomainEventCallbackRtcChangeMsg;
    DomainEventCallbackWatchdog = DOMAIN_EVENT_CALLBACK_WATCHDOG: DomainEventCallbackWatchdogMsg;
    DomainEventCallbackIoError = DOMAIN_EVENT_CALLBACK_IO_ERROR: DomainEventCallbackIoErrorMsg;
    DomainEventCallbackGraphics = DOMAIN_EVENT_CALLBACK_GRAPHICS: DomainEventCallbackGraphicsMsg;
    DomainEventCallbackIoErrorReason = DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON: DomainEventCallbackIoErrorReasonMsg;
    DomainEventCallbackControlError = DOMAIN_EVENT_CALLBACK_CONTROL_ERROR: DomainEventCallbackRebootMsg;
    DomainEventCallbackBlockJob = DOMAIN_EVENT_CALLBACK_BLOCK_JOB: DomainEventCallbackBlockJobMsg;
    DomainEventCallbackDiskChange = DOMAIN_EVENT_CALLBACK_DISK_CHANGE: DomainEventCallbackDiskChangeMsg;
    DomainEventCallbackTrayChange = DOMAIN_EVENT_CALLBACK_TRAY_CHANGE: DomainEventCallbackTrayChangeMsg;
    DomainEventCallbackPmwakeup = DOMAIN_EVENT_CALLBACK_PMWAKEUP: DomainEventCallbackPmMsg;
    DomainEventCallbackPmsuspend = DOMAIN_EVENT_CALLBACK_PMSUSPEND: DomainEventCallbackPmMsg;
    DomainEventCallbackBalloonChange = DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE: DomainEventCallbackBalloonChangeMsg;
    DomainEventCallbackPmsuspendDisk = DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK: DomainEventCallbackPmMsg;
    DomainEventCallbackDeviceRemoved = DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED: DomainEventCallbackDeviceRemovedMsg;
    DomainEventBlockJob2 = DOMAIN_EVENT_BLOCK_JOB_2: DomainEventBlockJob2Msg;
    DomainEventCallbackTunable = DOMAIN_EVENT_CALLBACK_TUNABLE: DomainEventCallbackTunableMsg;
    DomainEventCallbackAgentLifecycle = DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE: DomainEventCallbackAgentLifecycleMsg;
    DomainEventCallbackDeviceAdded = DOMAIN_EVENT_CALLBACK_DEVICE_ADDED: DomainEventCallbackDeviceAddedMsg;
    DomainEventCallbackMigrationIteration = DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION: DomainEventCallbackMigrationIterationMsg;
    DomainEventCallbackJobCompleted = DOMAIN_EVENT_CALLBACK_JOB_COMPLETED: DomainEventCallbackJobCompletedMsg;
    DomainEventCallbackDeviceRemovalFailed = DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED: DomainEventCallbackDeviceAddedMsg;
    DomainEventCallbackMetadataChange = DOMAIN_EVENT_CALLBACK_METADATA_CHANGE: DomainEventCallbackMetadataChangeMsg;
    DomainEventBlockThreshold = DOMAIN_EVENT_BLOCK_THRESHOLD: DomainEventBlockThresholdMsg;
    DomainEventMemoryFailure = DOMAIN_EVENT_MEMORY_FAILURE: DomainEventMemoryFailureMsg;
    DomainEventMemoryDeviceSizeChange = DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE: DomainEventMemoryDeviceSizeChangeMsg;
    NetworkEventLifecycle = NETWORK_EVENT_LIFECYCLE: NetworkEventLifecycleMsg;
    StoragePoolEventLifecycle = STORAGE_POOL_EVENT_LIFECYCLE: StoragePoolEventLifecycleMsg;
    StoragePoolEventRefresh = STORAGE_POOL_EVENT_REFRESH: StoragePoolEventRefreshMsg;
    NodeDeviceEventLifecycle = NODE_DEVICE_EVENT_LIFECYCLE: NodeDeviceEventLifecycleMsg;
    NodeDeviceEventUpdate = NODE_DEVICE_EVENT_UPDATE: NodeDeviceEventUpdateMsg;
    SecretEventLifecycle = SECRET_EVENT_LIFECYCLE: SecretEventLifecycleMsg;
    SecretEventValueChanged = SECRET_EVENT_VALUE_CHANGED: SecretEventValueChangedMsg;
    ConnectEventConnectionClosed = CONNECT_EVENT_CONNECTION_CLOSED: ConnectEventConnectionClosedMsg;
    NetworkEventCallbackMetadataChange = NETWORK_EVENT_CALLBACK_METADATA_CHANGE: NetworkEventCallbackMetadataChangeMsg;
    // Legacy domain events (no callback id), for clients of the old registration calls.
    DomainEventReboot = DOMAIN_EVENT_REBOOT: DomainEventRebootMsg;
    DomainEventRtcChange = DOMAIN_EVENT_RTC_CHANGE: DomainEventRtcChangeMsg;
    DomainEventWatchdog = DOMAIN_EVENT_WATCHDOG: DomainEventWatchdogMsg;
    DomainEventIoError = DOMAIN_EVENT_IO_ERROR: DomainEventIoErrorMsg;
    DomainEventGraphics = DOMAIN_EVENT_GRAPHICS: DomainEventGraphicsMsg;
    DomainEventIoErrorReason = DOMAIN_EVENT_IO_ERROR_REASON: DomainEventIoErrorReasonMsg;
    DomainEventControlError = DOMAIN_EVENT_CONTROL_ERROR: DomainEventRebootMsg;
    DomainEventBlockJob = DOMAIN_EVENT_BLOCK_JOB: DomainEventBlockJobMsg;
    DomainEventDiskChange = DOMAIN_EVENT_DISK_CHANGE: DomainEventDiskChangeMsg;
    DomainEventTrayChange = DOMAIN_EVENT_TRAY_CHANGE: DomainEventTrayChangeMsg;
    DomainEventPmwakeup = DOMAIN_EVENT_PMWAKEUP: DomainEventRebootMsg;
    DomainEventPmsuspend = DOMAIN_EVENT_PMSUSPEND: DomainEventRebootMsg;
    DomainEventBalloonChange = DOMAIN_EVENT_BALLOON_CHANGE: DomainEventBalloonChangeMsg;
    DomainEventPmsuspendDisk = DOMAIN_EVENT_PMSUSPEND_DISK: DomainEventRebootMsg;
    DomainEventDeviceRemoved = DOMAIN_EVENT_DEVICE_REMOVED: DomainEventDeviceRemovedMsg;
}
