//! Domain tuning, block jobs, guest-agent and inspection procedures, snapshots beyond the
//! basics, node tuning and network filters.

use super::common::*;
use super::limits::*;
use super::wire;
use crate::xdr::bounded::vec as bv;
use crate::xdr::opaque;

wire! {
    /// `remote_domain_set_blkio_parameters_args`.
    DomainSetBlkioParametersArgs {
        dom: NonnullDomain,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_BLKIO_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        flags: u32,
    }
    /// `remote_domain_set_memory_parameters_args`.
    DomainSetMemoryParametersArgs {
        dom: NonnullDomain,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_MEMORY_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        flags: u32,
    }
    /// `remote_domain_set_numa_parameters_args`.
    DomainSetNumaParametersArgs {
        dom: NonnullDomain,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_NUMA_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        flags: u32,
    }
    /// `remote_domain_get_{blkio,memory,numa}_parameters_args`.
    DomainGetParametersArgs { dom: NonnullDomain, nparams: i32, flags: u32 }
    /// `remote_domain_get_blkio_parameters_ret`.
    DomainGetBlkioParametersRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_BLKIO_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        nparams: i32,
    }
    /// `remote_domain_get_memory_parameters_ret`.
    DomainGetMemoryParametersRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_MEMORY_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        nparams: i32,
    }
    /// `remote_domain_get_numa_parameters_ret`.
    DomainGetNumaParametersRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_NUMA_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        nparams: i32,
    }
    /// `remote_domain_set_interface_parameters_args`.
    DomainSetInterfaceParametersArgs {
        dom: NonnullDomain,
        device: String,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_INTERFACE_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        flags: u32,
    }
    /// `remote_domain_get_interface_parameters_args`.
    DomainGetInterfaceParametersArgs { dom: NonnullDomain, device: String, nparams: i32, flags: u32 }
    /// `remote_domain_get_interface_parameters_ret`.
    DomainGetInterfaceParametersRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_INTERFACE_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        nparams: i32,
    }
    /// `remote_domain_set_block_io_tune_args`.
    DomainSetBlockIoTuneArgs {
        dom: NonnullDomain,
        disk: String,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        flags: u32,
    }
    /// `remote_domain_get_block_io_tune_args`.
    DomainGetBlockIoTuneArgs { dom: NonnullDomain, disk: Option<String>, nparams: i32, flags: u32 }
    /// `remote_domain_get_block_io_tune_ret`.
    DomainGetBlockIoTuneRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        nparams: i32,
    }
    /// `remote_domain_block_stats_flags_args`.
    DomainBlockStatsFlagsArgs { dom: NonnullDomain, path: String, nparams: i32, flags: u32 }
    /// `remote_domain_block_stats_flags_ret`.
    DomainBlockStatsFlagsRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_BLOCK_STATS_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        nparams: i32,
    }
    /// `remote_domain_set_perf_events_args`.
    DomainSetPerfEventsArgs {
        dom: NonnullDomain,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_PERF_EVENTS_MAX>")]
        params: Vec<RemoteTypedParam>,
        flags: u32,
    }
    /// `remote_domain_get_perf_events_ret`.
    DomainGetPerfEventsRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_PERF_EVENTS_MAX>")]
        params: Vec<RemoteTypedParam>,
    }
    /// `remote_domain_get_job_stats_ret`.
    DomainGetJobStatsRet {
        type_: i32,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_JOB_STATS_MAX>")]
        params: Vec<RemoteTypedParam>,
    }
    /// `remote_domain_get_guest_vcpus_ret`.
    DomainGetGuestVcpusRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_GUEST_VCPU_PARAMS_MAX>")]
        params: Vec<RemoteTypedParam>,
    }
    /// `remote_domain_set_guest_vcpus_args` / `remote_domain_set_vcpu_args`.
    DomainSetGuestVcpusArgs { dom: NonnullDomain, cpumap: String, state: i32, flags: u32 }
    /// `remote_domain_get_guest_info_args`.
    DomainGetGuestInfoArgs { dom: NonnullDomain, types: u32, flags: u32 }
    /// `remote_domain_get_guest_info_ret`.
    DomainGetGuestInfoRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_GUEST_INFO_PARAMS_MAX>")]
        params: Vec<RemoteTypedParam>,
    }

    /// `remote_domain_block_resize_args`.
    DomainBlockResizeArgs { dom: NonnullDomain, disk: String, size: u64, flags: u32 }
    /// `remote_domain_block_peek_args`.
    DomainBlockPeekArgs { dom: NonnullDomain, path: String, offset: u64, size: u32, flags: u32 }
    /// `remote_domain_memory_peek_args`.
    DomainMemoryPeekArgs { dom: NonnullDomain, offset: u64, size: u32, flags: u32 }
    /// `remote_domain_{block,memory}_peek_ret`.
    DomainPeekRet {
        #[serde(serialize_with = "opaque::serialize")]
        #[serde(deserialize_with = "opaque::bounded::<_, DOMAIN_BLOCK_PEEK_BUFFER_MAX>")]
        buffer: Vec<u8>,
    }
    /// `remote_domain_block_job_abort_args`.
    DomainBlockJobAbortArgs { dom: NonnullDomain, path: String, flags: u32 }
    /// `remote_domain_get_block_job_info_args`.
    DomainGetBlockJobInfoArgs { dom: NonnullDomain, path: String, flags: u32 }
    /// `remote_domain_get_block_job_info_ret`.
    DomainGetBlockJobInfoRet { found: i32, type_: i32, bandwidth: u64, cur: u64, end: u64 }
    /// `remote_domain_block_job_set_speed_args` / `remote_domain_block_pull_args`.
    DomainBlockJobSetSpeedArgs { dom: NonnullDomain, path: String, bandwidth: u64, flags: u32 }
    /// `remote_domain_block_rebase_args`.
    DomainBlockRebaseArgs {
        dom: NonnullDomain,
        path: String,
        base: Option<String>,
        bandwidth: u64,
        flags: u32,
    }
    /// `remote_domain_block_copy_args`.
    DomainBlockCopyArgs {
        dom: NonnullDomain,
        path: String,
        destxml: String,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_BLOCK_COPY_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        flags: u32,
    }
    /// `remote_domain_block_commit_args`.
    DomainBlockCommitArgs {
        dom: NonnullDomain,
        disk: String,
        base: Option<String>,
        top: Option<String>,
        bandwidth: u64,
        flags: u32,
    }
    /// `remote_domain_set_block_threshold_args`.
    DomainSetBlockThresholdArgs { dom: NonnullDomain, dev: String, threshold: u64, flags: u32 }

    /// `remote_domain_pm_suspend_for_duration_args`.
    DomainPmSuspendForDurationArgs { dom: NonnullDomain, target: u32, duration: u64, flags: u32 }
    /// `remote_domain_send_process_signal_args`.
    DomainSendProcessSignalArgs { dom: NonnullDomain, pid_value: i64, signum: u32, flags: u32 }
    /// `remote_domain_get_vcpu_pin_info_args`.
    DomainGetVcpuPinInfoArgs { dom: NonnullDomain, ncpumaps: i32, maplen: i32, flags: u32 }
    /// `remote_domain_get_vcpu_pin_info_ret`.
    DomainGetVcpuPinInfoRet {
        #[serde(with = "opaque")]
        cpumaps: Vec<u8>,
        num: i32,
    }
    /// `remote_domain_pin_emulator_args`.
    DomainPinEmulatorArgs {
        dom: NonnullDomain,
        #[serde(serialize_with = "opaque::serialize")]
        #[serde(deserialize_with = "opaque::bounded::<_, CPUMAP_MAX>")]
        cpumap: Vec<u8>,
        flags: u32,
    }
    /// `remote_domain_get_emulator_pin_info_args`.
    DomainGetEmulatorPinInfoArgs { dom: NonnullDomain, maplen: i32, flags: u32 }
    /// `remote_domain_get_emulator_pin_info_ret`.
    DomainGetEmulatorPinInfoRet {
        #[serde(with = "opaque")]
        cpumaps: Vec<u8>,
        ret: i32,
    }
    /// `remote_domain_iothread_info`.
    RemoteDomainIothreadInfo {
        iothread_id: u32,
        #[serde(serialize_with = "opaque::serialize")]
        #[serde(deserialize_with = "opaque::bounded::<_, CPUMAP_MAX>")]
        cpumap: Vec<u8>,
    }
    /// `remote_domain_get_iothread_info_ret`.
    DomainGetIothreadInfoRet {
        #[serde(deserialize_with = "bv::<_, _, IOTHREAD_INFO_MAX>")]
        info: Vec<RemoteDomainIothreadInfo>,
        ret: u32,
    }
    /// `remote_domain_pin_iothread_args`.
    DomainPinIothreadArgs {
        dom: NonnullDomain,
        iothreads_id: u32,
        #[serde(serialize_with = "opaque::serialize")]
        #[serde(deserialize_with = "opaque::bounded::<_, CPUMAP_MAX>")]
        cpumap: Vec<u8>,
        flags: u32,
    }
    /// `remote_domain_add_iothread_args` / `remote_domain_del_iothread_args`.
    DomainIothreadArgs { dom: NonnullDomain, iothread_id: u32, flags: u32 }
    /// `remote_domain_set_iothread_params_args`.
    DomainSetIothreadParamsArgs {
        dom: NonnullDomain,
        iothread_id: u32,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_IOTHREAD_PARAMS_MAX>")]
        params: Vec<RemoteTypedParam>,
        flags: u32,
    }
    /// `remote_domain_disk_error`.
    RemoteDomainDiskError { disk: String, error: i32 }
    /// `remote_domain_get_disk_errors_args`.
    DomainGetDiskErrorsArgs { dom: NonnullDomain, maxerrors: u32, flags: u32 }
    /// `remote_domain_get_disk_errors_ret`.
    DomainGetDiskErrorsRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_DISK_ERRORS_MAX>")]
        errors: Vec<RemoteDomainDiskError>,
        nerrors: i32,
    }
    /// `remote_domain_get_control_info_ret`.
    DomainGetControlInfoRet { state: u32, details: u32, state_time: u64 }
    /// `remote_domain_fsfreeze_args` / `remote_domain_fsthaw_args`.
    DomainFsfreezeArgs {
        dom: NonnullDomain,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_FSFREEZE_MOUNTPOINTS_MAX>")]
        mountpoints: Vec<String>,
        flags: u32,
    }
    /// `remote_domain_fsfreeze_ret` / `remote_domain_fsthaw_ret`.
    DomainFsfreezeRet { filesystems: i32 }
    /// `remote_domain_fstrim_args`.
    DomainFstrimArgs { dom: NonnullDomain, mount_point: Option<String>, minimum: u64, flags: u32 }
    /// `remote_domain_fsinfo`.
    RemoteDomainFsinfo {
        mountpoint: String,
        name: String,
        fstype: String,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_FSINFO_DISKS_MAX>")]
        dev_aliases: Vec<String>,
    }
    /// `remote_domain_get_fsinfo_ret`.
    DomainGetFsinfoRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_FSINFO_MAX>")]
        info: Vec<RemoteDomainFsinfo>,
        ret: u32,
    }
    /// `remote_domain_set_user_password_args`.
    DomainSetUserPasswordArgs {
        dom: NonnullDomain,
        user: Option<String>,
        password: Option<String>,
        flags: u32,
    }
    /// `remote_domain_set_lifecycle_action_args`.
    DomainSetLifecycleActionArgs { dom: NonnullDomain, type_: u32, action: u32, flags: u32 }
    /// `remote_domain_detach_device_alias_args`.
    DomainDetachDeviceAliasArgs { dom: NonnullDomain, alias: String, flags: u32 }
    /// `remote_domain_managed_save_define_xml_args`.
    DomainManagedSaveDefineXmlArgs { dom: NonnullDomain, dxml: Option<String>, flags: u32 }
    /// `remote_domain_get_security_label_list_ret`.
    DomainGetSecurityLabelListRet {
        #[serde(deserialize_with = "bv::<_, _, SECURITY_LABEL_LIST_MAX>")]
        labels: Vec<super::domain::DomainGetSecurityLabelRet>,
        ret: i32,
    }
    /// `remote_domain_open_channel_args`.
    DomainOpenChannelArgs { dom: NonnullDomain, name: Option<String>, flags: u32 }
    /// `remote_connect_domain_xml_from_native_args`.
    ConnectDomainXmlFromNativeArgs { native_format: String, native_config: String, flags: u32 }
    /// `remote_connect_domain_xml_from_native_ret`.
    ConnectDomainXmlFromNativeRet { domain_xml: String }
    /// `remote_connect_domain_xml_to_native_args`.
    ConnectDomainXmlToNativeArgs { native_format: String, domain_xml: String, flags: u32 }
    /// `remote_connect_domain_xml_to_native_ret`.
    ConnectDomainXmlToNativeRet { native_config: String }

    /// `remote_domain_snapshot_list_names_args`.
    DomainSnapshotListNamesArgs { dom: NonnullDomain, maxnames: i32, flags: u32 }
    /// `remote_domain_snapshot_list_names_ret` (also the children-names variant).
    DomainSnapshotListNamesRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_SNAPSHOT_LIST_MAX>")]
        names: Vec<String>,
    }
    /// `remote_domain_snapshot_list_children_names_args`.
    DomainSnapshotListChildrenNamesArgs { snap: NonnullDomainSnapshot, maxnames: i32, flags: u32 }
    /// `remote_domain_snapshot_list_all_children_args`.
    DomainSnapshotListAllChildrenArgs {
        snapshot: NonnullDomainSnapshot,
        need_results: i32,
        flags: u32,
    }
    /// `{ int result; }` (`has_current_snapshot`, `agent_set_response_timeout`).
    ResultRet { result: i32 }
    /// `remote_domain_snapshot_is_current_ret`.
    DomainSnapshotIsCurrentRet { current: i32 }
    /// `remote_domain_snapshot_has_metadata_ret`.
    DomainSnapshotHasMetadataRet { metadata: i32 }

    /// `remote_node_set_memory_parameters_args`.
    NodeSetMemoryParametersArgs {
        #[serde(deserialize_with = "bv::<_, _, NODE_MEMORY_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        flags: u32,
    }
    /// `remote_node_get_memory_parameters_args`.
    NodeGetMemoryParametersArgs { nparams: i32, flags: u32 }
    /// `remote_node_get_memory_parameters_ret`.
    NodeGetMemoryParametersRet {
        #[serde(deserialize_with = "bv::<_, _, NODE_MEMORY_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        nparams: i32,
    }
    /// `remote_node_get_cpu_map_args`.
    NodeGetCpuMapArgs { need_map: i32, need_online: i32, flags: u32 }
    /// `remote_node_get_cpu_map_ret`.
    NodeGetCpuMapRet {
        #[serde(serialize_with = "opaque::serialize")]
        #[serde(deserialize_with = "opaque::bounded::<_, CPUMAP_MAX>")]
        cpumap: Vec<u8>,
        online: u32,
        ret: i32,
    }
    /// `remote_node_suspend_for_duration_args`.
    NodeSuspendForDurationArgs { target: u32, duration: u64, flags: u32 }
    /// `remote_node_get_free_pages_args`.
    NodeGetFreePagesArgs {
        #[serde(deserialize_with = "bv::<_, _, NODE_MAX_CELLS>")]
        pages: Vec<u32>,
        start_cell: i32,
        cell_count: u32,
        flags: u32,
    }
    /// `remote_node_get_free_pages_ret`.
    NodeGetFreePagesRet {
        #[serde(deserialize_with = "bv::<_, _, NODE_MAX_CELLS>")]
        counts: Vec<u64>,
    }
    /// `remote_connect_get_storage_pool_capabilities_args` (also `get_sysinfo`'s shape).
    FlagsArgs { flags: u32 }
    /// `remote_connect_get_storage_pool_capabilities_ret`.
    CapabilitiesRet { capabilities: String }

    /// `remote_connect_list_all_nwfilters_args`.
    ConnectListAllNwfiltersArgs { need_results: i32, flags: u32 }
    /// `remote_connect_list_all_nwfilters_ret`.
    ConnectListAllNwfiltersRet {
        #[serde(deserialize_with = "bv::<_, _, NWFILTER_LIST_MAX>")]
        filters: Vec<NonnullNwfilter>,
        ret: u32,
    }
    /// `remote_connect_list_nwfilters_args`.
    ConnectListNwfiltersArgs { maxnames: i32 }
    /// `remote_connect_list_nwfilters_ret`.
    ConnectListNwfiltersRet {
        #[serde(deserialize_with = "bv::<_, _, NWFILTER_LIST_MAX>")]
        names: Vec<String>,
    }
    /// `remote_nwfilter_lookup_by_name_args`.
    NwfilterLookupByNameArgs { name: String }
    /// `remote_nwfilter_lookup_by_uuid_args`.
    NwfilterLookupByUuidArgs { uuid: RemoteUuid }
    /// A network filter handle as the whole return value.
    NwfilterRet { nwfilter: NonnullNwfilter }
    /// `remote_nwfilter_define_xml_args`.
    NwfilterDefineXmlArgs { xml: String }
    /// `remote_nwfilter_define_xml_flags_args`.
    NwfilterDefineXmlFlagsArgs { xml: String, flags: u32 }
    /// `remote_nwfilter_undefine_args`.
    NwfilterArgs { nwfilter: NonnullNwfilter }
    /// `remote_nwfilter_get_xml_desc_args`.
    NwfilterGetXmlDescArgs { nwfilter: NonnullNwfilter, flags: u32 }
}
