//! Domain procedures. Many libvirt structs share a shape (a domain, or a domain and flags);
//! those are one Rust struct with aliases carrying libvirt's names.

use super::common::*;
use super::limits::*;
use super::wire;
use crate::xdr::bounded::vec as bv;
use crate::xdr::opaque;

wire! {
    /// A domain alone: the arguments of many procedures (see the aliases below).
    DomainArgs { dom: NonnullDomain }
    /// A domain and flags: the arguments of many procedures (see the aliases below).
    DomainFlagsArgs { dom: NonnullDomain, flags: u32 }
    /// A domain handle as the whole return value (lookups, create, define).
    DomainRet { dom: NonnullDomain }
    /// `{ int num; }`: counts returned by `*_NUM_OF_*` and friends.
    NumRet { num: i32 }
    /// An XML document as the whole return value.
    XmlRet { xml: String }

    /// `remote_connect_list_all_domains_args`.
    ConnectListAllDomainsArgs { need_results: i32, flags: u32 }
    /// `remote_connect_list_all_domains_ret`.
    ConnectListAllDomainsRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_LIST_MAX>")]
        domains: Vec<NonnullDomain>,
        ret: u32,
    }
    /// `remote_connect_list_domains_args`.
    ConnectListDomainsArgs { maxids: i32 }
    /// `remote_connect_list_domains_ret`.
    ConnectListDomainsRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_LIST_MAX>")]
        ids: Vec<i32>,
    }
    /// `remote_connect_list_defined_domains_args`.
    ConnectListDefinedDomainsArgs { maxnames: i32 }
    /// `remote_connect_list_defined_domains_ret`.
    ConnectListDefinedDomainsRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_LIST_MAX>")]
        names: Vec<String>,
    }

    /// `remote_domain_lookup_by_id_args`.
    DomainLookupByIdArgs { id: i32 }
    /// `remote_domain_lookup_by_name_args`.
    DomainLookupByNameArgs { name: String }
    /// `remote_domain_lookup_by_uuid_args`.
    DomainLookupByUuidArgs { uuid: RemoteUuid }

    /// `remote_domain_create_xml_args`.
    DomainCreateXmlArgs { xml_desc: String, flags: u32 }
    /// `remote_domain_define_xml_args`.
    DomainDefineXmlArgs { xml: String }
    /// `remote_domain_define_xml_flags_args`.
    DomainDefineXmlFlagsArgs { xml: String, flags: u32 }
    /// `remote_domain_save_args`.
    DomainSaveArgs { dom: NonnullDomain, to: String }
    /// `remote_domain_save_flags_args`.
    DomainSaveFlagsArgs { dom: NonnullDomain, to: String, dxml: Option<String>, flags: u32 }
    /// `remote_domain_restore_args`.
    DomainRestoreArgs { from: String }
    /// `remote_domain_restore_flags_args`.
    DomainRestoreFlagsArgs { from: String, dxml: Option<String>, flags: u32 }
    /// `remote_domain_save_image_get_xml_desc_args`.
    DomainSaveImageGetXmlDescArgs { file: String, flags: u32 }
    /// `remote_domain_save_image_define_xml_args`.
    DomainSaveImageDefineXmlArgs { file: String, dxml: String, flags: u32 }
    /// `remote_domain_has_managed_save_image_ret`.
    DomainHasManagedSaveImageRet { result: i32 }
    /// `remote_domain_core_dump_args`.
    DomainCoreDumpArgs { dom: NonnullDomain, to: String, flags: u32 }
    /// `remote_domain_core_dump_with_format_args`.
    DomainCoreDumpWithFormatArgs { dom: NonnullDomain, to: String, dumpformat: u32, flags: u32 }
    /// `remote_domain_get_autostart_ret` (networks, pools and node devices share the shape).
    AutostartRet { autostart: i32 }
    /// `remote_domain_set_autostart_args`.
    DomainSetAutostartArgs { dom: NonnullDomain, autostart: i32 }
    /// `remote_domain_rename_args`.
    DomainRenameArgs { dom: NonnullDomain, new_name: Option<String>, flags: u32 }
    /// `remote_domain_rename_ret`.
    DomainRenameRet { retcode: i32 }

    /// `remote_domain_get_info_ret`: `state` is an `unsigned char`, `nrVirtCpu` an
    /// `unsigned short`; both travel as 4-byte ints.
    DomainGetInfoRet { state: u8, max_mem: u64, memory: u64, nr_virt_cpu: u16, cpu_time: u64 }
    /// `remote_domain_get_state_ret`.
    DomainGetStateRet { state: i32, reason: i32 }
    /// `remote_domain_get_os_type_ret`.
    DomainGetOsTypeRet { type_: String }
    /// `remote_domain_get_max_memory_ret`.
    DomainGetMaxMemoryRet { memory: u64 }
    /// `{ int active; }` (`remote_*_is_active_ret`).
    IsActiveRet { active: i32 }
    /// `{ int persistent; }` (`remote_*_is_persistent_ret`).
    IsPersistentRet { persistent: i32 }
    /// `remote_domain_is_updated_ret`.
    DomainIsUpdatedRet { updated: i32 }
    /// `remote_domain_get_hostname_ret`.
    DomainGetHostnameRet { hostname: String }
    /// `remote_domain_get_time_ret`.
    DomainGetTimeRet { seconds: i64, nseconds: u32 }
    /// `remote_domain_set_time_args`.
    DomainSetTimeArgs { dom: NonnullDomain, seconds: i64, nseconds: u32, flags: u32 }
    /// `remote_domain_get_scheduler_type_ret`.
    DomainGetSchedulerTypeRet { type_: String, nparams: i32 }
    /// `remote_domain_get_scheduler_parameters_args`.
    DomainGetSchedulerParametersArgs { dom: NonnullDomain, nparams: i32 }
    /// `remote_domain_get_scheduler_parameters_flags_args`.
    DomainGetSchedulerParametersFlagsArgs { dom: NonnullDomain, nparams: i32, flags: u32 }
    /// `remote_domain_get_scheduler_parameters[_flags]_ret`.
    DomainGetSchedulerParametersRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_SCHEDULER_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
    }
    /// `remote_domain_set_scheduler_parameters_args`.
    DomainSetSchedulerParametersArgs {
        dom: NonnullDomain,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_SCHEDULER_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
    }
    /// `remote_domain_set_scheduler_parameters_flags_args`.
    DomainSetSchedulerParametersFlagsArgs {
        dom: NonnullDomain,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_SCHEDULER_PARAMETERS_MAX>")]
        params: Vec<RemoteTypedParam>,
        flags: u32,
    }
    /// `remote_domain_get_metadata_args`.
    DomainGetMetadataArgs { dom: NonnullDomain, type_: i32, uri: Option<String>, flags: u32 }
    /// `remote_domain_get_metadata_ret`.
    DomainGetMetadataRet { metadata: String }
    /// `remote_domain_set_metadata_args`.
    DomainSetMetadataArgs {
        dom: NonnullDomain,
        type_: i32,
        metadata: Option<String>,
        key: Option<String>,
        uri: Option<String>,
        flags: u32,
    }
    /// `remote_domain_get_security_label_ret`: `label` is a `char` array with its NUL.
    DomainGetSecurityLabelRet {
        #[serde(deserialize_with = "bv::<_, _, SECURITY_LABEL_MAX>")]
        label: Vec<i8>,
        enforcing: i32,
    }
    /// `remote_domain_get_job_info_ret`.
    DomainGetJobInfoRet {
        type_: i32,
        time_elapsed: u64,
        time_remaining: u64,
        data_total: u64,
        data_processed: u64,
        data_remaining: u64,
        mem_total: u64,
        mem_processed: u64,
        mem_remaining: u64,
        file_total: u64,
        file_processed: u64,
        file_remaining: u64,
    }

    /// `remote_domain_set_max_memory_args` / `remote_domain_set_memory_args`.
    DomainSetMemoryArgs { dom: NonnullDomain, memory: u64 }
    /// `remote_domain_set_memory_flags_args`.
    DomainSetMemoryFlagsArgs { dom: NonnullDomain, memory: u64, flags: u32 }
    /// `remote_domain_set_vcpus_args`.
    DomainSetVcpusArgs { dom: NonnullDomain, nvcpus: u32 }
    /// `remote_domain_set_vcpus_flags_args`.
    DomainSetVcpusFlagsArgs { dom: NonnullDomain, nvcpus: u32, flags: u32 }
    /// `remote_domain_get_vcpus_args`.
    DomainGetVcpusArgs { dom: NonnullDomain, maxinfo: i32, maplen: i32 }
    /// `remote_domain_get_vcpus_ret`.
    DomainGetVcpusRet {
        #[serde(deserialize_with = "bv::<_, _, VCPUINFO_MAX>")]
        info: Vec<RemoteVcpuInfo>,
        #[serde(with = "opaque")]
        cpumaps: Vec<u8>,
    }
    /// `remote_vcpu_info`.
    RemoteVcpuInfo { number: u32, state: i32, cpu_time: u64, cpu: i32 }
    /// `remote_domain_pin_vcpu_args`.
    DomainPinVcpuArgs {
        dom: NonnullDomain,
        vcpu: u32,
        #[serde(with = "opaque")]
        cpumap: Vec<u8>,
    }
    /// `remote_domain_pin_vcpu_flags_args`.
    DomainPinVcpuFlagsArgs {
        dom: NonnullDomain,
        vcpu: u32,
        #[serde(with = "opaque")]
        cpumap: Vec<u8>,
        flags: u32,
    }
    /// `remote_domain_memory_stats_args`.
    DomainMemoryStatsArgs { dom: NonnullDomain, max_stats: u32, flags: u32 }
    /// `remote_domain_memory_stat`.
    RemoteDomainMemoryStat { tag: i32, val: u64 }
    /// `remote_domain_memory_stats_ret`.
    DomainMemoryStatsRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_MEMORY_STATS_MAX>")]
        stats: Vec<RemoteDomainMemoryStat>,
    }
    /// `remote_domain_set_memory_stats_period_args`.
    DomainSetMemoryStatsPeriodArgs { dom: NonnullDomain, period: i32, flags: u32 }
    /// `remote_domain_block_stats_args`.
    DomainBlockStatsArgs { dom: NonnullDomain, path: String }
    /// `remote_domain_block_stats_ret`.
    DomainBlockStatsRet { rd_req: i64, rd_bytes: i64, wr_req: i64, wr_bytes: i64, errs: i64 }
    /// `remote_domain_get_block_info_args`.
    DomainGetBlockInfoArgs { dom: NonnullDomain, path: String, flags: u32 }
    /// `remote_domain_get_block_info_ret`.
    DomainGetBlockInfoRet { allocation: u64, capacity: u64, physical: u64 }
    /// `remote_domain_interface_stats_args`.
    DomainInterfaceStatsArgs { dom: NonnullDomain, device: String }
    /// `remote_domain_interface_stats_ret`.
    DomainInterfaceStatsRet {
        rx_bytes: i64,
        rx_packets: i64,
        rx_errs: i64,
        rx_drop: i64,
        tx_bytes: i64,
        tx_packets: i64,
        tx_errs: i64,
        tx_drop: i64,
    }
    /// `remote_domain_interface_addresses_args`.
    DomainInterfaceAddressesArgs { dom: NonnullDomain, source: u32, flags: u32 }
    /// `remote_domain_ip_addr`.
    RemoteDomainIpAddr { type_: i32, addr: String, prefix: u32 }
    /// `remote_domain_interface`.
    RemoteDomainInterface {
        name: String,
        hwaddr: Option<String>,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_IP_ADDR_MAX>")]
        addrs: Vec<RemoteDomainIpAddr>,
    }
    /// `remote_domain_interface_addresses_ret`.
    DomainInterfaceAddressesRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_INTERFACE_MAX>")]
        ifaces: Vec<RemoteDomainInterface>,
    }
    /// `remote_domain_get_cpu_stats_args`.
    DomainGetCpuStatsArgs {
        dom: NonnullDomain,
        nparams: u32,
        start_cpu: i32,
        ncpus: u32,
        flags: u32,
    }
    /// `remote_domain_get_cpu_stats_ret`.
    DomainGetCpuStatsRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_GET_CPU_STATS_MAX>")]
        params: Vec<RemoteTypedParam>,
        nparams: i32,
    }
    /// `remote_connect_get_all_domain_stats_args`.
    ConnectGetAllDomainStatsArgs {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_LIST_MAX>")]
        doms: Vec<NonnullDomain>,
        stats: u32,
        flags: u32,
    }
    /// `remote_domain_stats_record`.
    RemoteDomainStatsRecord {
        dom: NonnullDomain,
        #[serde(deserialize_with = "bv::<_, _, CONNECT_GET_ALL_DOMAIN_STATS_MAX>")]
        params: Vec<RemoteTypedParam>,
    }
    /// `remote_connect_get_all_domain_stats_ret`.
    ConnectGetAllDomainStatsRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_LIST_MAX>")]
        ret_stats: Vec<RemoteDomainStatsRecord>,
    }

    /// `remote_domain_attach_device_args` (also detach).
    DomainAttachDeviceArgs { dom: NonnullDomain, xml: String }
    /// `remote_domain_attach_device_flags_args` (also detach and update).
    DomainAttachDeviceFlagsArgs { dom: NonnullDomain, xml: String, flags: u32 }
    /// `remote_domain_send_key_args`.
    DomainSendKeyArgs {
        dom: NonnullDomain,
        codeset: u32,
        holdtime: u32,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_SEND_KEY_MAX>")]
        keycodes: Vec<u32>,
        flags: u32,
    }
    /// `remote_domain_screenshot_args` (the image follows as a stream).
    DomainScreenshotArgs { dom: NonnullDomain, screen: u32, flags: u32 }
    /// `remote_domain_screenshot_ret`.
    DomainScreenshotRet { mime: Option<String> }
    /// `remote_domain_open_console_args` (the console follows as a stream).
    DomainOpenConsoleArgs { dom: NonnullDomain, dev_name: Option<String>, flags: u32 }

    /// `remote_domain_snapshot_create_xml_args`.
    DomainSnapshotCreateXmlArgs { dom: NonnullDomain, xml_desc: String, flags: u32 }
    /// A snapshot handle as the whole return value.
    DomainSnapshotRet { snap: NonnullDomainSnapshot }
    /// A snapshot and flags (`get_xml_desc`, `revert`, `delete`, `get_parent`, ...).
    DomainSnapshotFlagsArgs { snap: NonnullDomainSnapshot, flags: u32 }
    /// `remote_domain_list_all_snapshots_args`.
    DomainListAllSnapshotsArgs { dom: NonnullDomain, need_results: i32, flags: u32 }
    /// `remote_domain_list_all_snapshots_ret`.
    DomainListAllSnapshotsRet {
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_SNAPSHOT_LIST_MAX>")]
        snapshots: Vec<NonnullDomainSnapshot>,
        ret: i32,
    }
    /// `remote_domain_snapshot_lookup_by_name_args`.
    DomainSnapshotLookupByNameArgs { dom: NonnullDomain, name: String, flags: u32 }
}

/// `remote_domain_get_autostart_args`.
pub type DomainGetAutostartArgs = DomainArgs;
/// `remote_domain_get_info_args`.
pub type DomainGetInfoArgs = DomainArgs;
/// `remote_domain_get_os_type_args`.
pub type DomainGetOsTypeArgs = DomainArgs;
/// `remote_domain_get_max_memory_args`.
pub type DomainGetMaxMemoryArgs = DomainArgs;
/// `remote_domain_get_max_vcpus_args`.
pub type DomainGetMaxVcpusArgs = DomainArgs;
/// `remote_domain_is_active_args`.
pub type DomainIsActiveArgs = DomainArgs;
/// `remote_domain_is_persistent_args`.
pub type DomainIsPersistentArgs = DomainArgs;
/// `remote_domain_is_updated_args`.
pub type DomainIsUpdatedArgs = DomainArgs;
/// `remote_domain_suspend_args`.
pub type DomainSuspendArgs = DomainArgs;
/// `remote_domain_resume_args`.
pub type DomainResumeArgs = DomainArgs;
/// `remote_domain_shutdown_args`.
pub type DomainShutdownArgs = DomainArgs;
/// `remote_domain_destroy_args`.
pub type DomainDestroyArgs = DomainArgs;
/// `remote_domain_undefine_args`.
pub type DomainUndefineArgs = DomainArgs;
/// `remote_domain_create_args`.
pub type DomainCreateArgs = DomainArgs;
/// `remote_domain_get_scheduler_type_args`.
pub type DomainGetSchedulerTypeArgs = DomainArgs;
/// `remote_domain_get_security_label_args`.
pub type DomainGetSecurityLabelArgs = DomainArgs;
/// `remote_domain_get_job_info_args`.
pub type DomainGetJobInfoArgs = DomainArgs;
/// `remote_domain_abort_job_args`.
pub type DomainAbortJobArgs = DomainArgs;
/// `remote_domain_reboot_args`.
pub type DomainRebootArgs = DomainFlagsArgs;
/// `remote_domain_reset_args`.
pub type DomainResetArgs = DomainFlagsArgs;
/// `remote_domain_shutdown_flags_args`.
pub type DomainShutdownFlagsArgs = DomainFlagsArgs;
/// `remote_domain_destroy_flags_args`.
pub type DomainDestroyFlagsArgs = DomainFlagsArgs;
/// `remote_domain_undefine_flags_args`.
pub type DomainUndefineFlagsArgs = DomainFlagsArgs;
/// `remote_domain_create_with_flags_args`.
pub type DomainCreateWithFlagsArgs = DomainFlagsArgs;
/// `remote_domain_get_xml_desc_args`.
pub type DomainGetXmlDescArgs = DomainFlagsArgs;
/// `remote_domain_get_state_args`.
pub type DomainGetStateArgs = DomainFlagsArgs;
/// `remote_domain_get_hostname_args`.
pub type DomainGetHostnameArgs = DomainFlagsArgs;
/// `remote_domain_get_time_args`.
pub type DomainGetTimeArgs = DomainFlagsArgs;
/// `remote_domain_managed_save_args`.
pub type DomainManagedSaveArgs = DomainFlagsArgs;
/// `remote_domain_has_managed_save_image_args`.
pub type DomainHasManagedSaveImageArgs = DomainFlagsArgs;
/// `remote_domain_managed_save_remove_args`.
pub type DomainManagedSaveRemoveArgs = DomainFlagsArgs;
/// `remote_domain_get_vcpus_flags_args`.
pub type DomainGetVcpusFlagsArgs = DomainFlagsArgs;
/// `remote_domain_snapshot_current_args`.
pub type DomainSnapshotCurrentArgs = DomainFlagsArgs;
/// `remote_domain_lookup_by_*_ret`, `remote_domain_create_xml_ret`, ...
pub type DomainLookupByNameRet = DomainRet;
/// `remote_domain_get_xml_desc_ret`.
pub type DomainGetXmlDescRet = XmlRet;
/// `remote_domain_get_vcpus_flags_ret` / `remote_domain_get_max_vcpus_ret`.
pub type DomainGetVcpusFlagsRet = NumRet;

impl DomainGetInfoRet {
    /// Converts to rvirt-core's `DomainInfo` (unknown states become `NoState`).
    pub fn to_domain_info(&self) -> rvirt_core::DomainInfo {
        rvirt_core::DomainInfo {
            state: rvirt_core::DomainState::from_i32(i32::from(self.state))
                .unwrap_or(rvirt_core::DomainState::NoState),
            max_mem: self.max_mem,
            memory: self.memory,
            nr_virt_cpu: u32::from(self.nr_virt_cpu),
            cpu_time: self.cpu_time,
        }
    }
}

impl From<&rvirt_core::DomainInfo> for DomainGetInfoRet {
    fn from(i: &rvirt_core::DomainInfo) -> Self {
        DomainGetInfoRet {
            state: i.state as i32 as u8,
            max_mem: i.max_mem,
            memory: i.memory,
            nr_virt_cpu: u16::try_from(i.nr_virt_cpu).unwrap_or(u16::MAX),
            cpu_time: i.cpu_time,
        }
    }
}

impl From<&rvirt_core::JobInfo> for DomainGetJobInfoRet {
    fn from(j: &rvirt_core::JobInfo) -> Self {
        DomainGetJobInfoRet {
            type_: j.kind,
            time_elapsed: j.time_elapsed,
            time_remaining: j.time_remaining,
            data_total: j.data_total,
            data_processed: j.data_processed,
            data_remaining: j.data_remaining,
            mem_total: j.mem_total,
            mem_processed: j.mem_processed,
            mem_remaining: j.mem_remaining,
            file_total: j.file_total,
            file_processed: j.file_processed,
            file_remaining: j.file_remaining,
        }
    }
}

impl From<DomainGetJobInfoRet> for rvirt_core::JobInfo {
    fn from(j: DomainGetJobInfoRet) -> Self {
        rvirt_core::JobInfo {
            kind: j.type_,
            time_elapsed: j.time_elapsed,
            time_remaining: j.time_remaining,
            data_total: j.data_total,
            data_processed: j.data_processed,
            data_remaining: j.data_remaining,
            mem_total: j.mem_total,
            mem_processed: j.mem_processed,
            mem_remaining: j.mem_remaining,
            file_total: j.file_total,
            file_processed: j.file_processed,
            file_remaining: j.file_remaining,
        }
    }
}

impl From<&rvirt_core::BlockStats> for DomainBlockStatsRet {
    fn from(s: &rvirt_core::BlockStats) -> Self {
        DomainBlockStatsRet {
            rd_req: s.rd_req,
            rd_bytes: s.rd_bytes,
            wr_req: s.wr_req,
            wr_bytes: s.wr_bytes,
            errs: s.errs,
        }
    }
}

impl From<DomainBlockStatsRet> for rvirt_core::BlockStats {
    fn from(s: DomainBlockStatsRet) -> Self {
        rvirt_core::BlockStats {
            rd_req: s.rd_req,
            rd_bytes: s.rd_bytes,
            wr_req: s.wr_req,
            wr_bytes: s.wr_bytes,
            errs: s.errs,
        }
    }
}

impl From<&rvirt_core::InterfaceStats> for DomainInterfaceStatsRet {
    fn from(s: &rvirt_core::InterfaceStats) -> Self {
        DomainInterfaceStatsRet {
            rx_bytes: s.rx_bytes,
            rx_packets: s.rx_packets,
            rx_errs: s.rx_errs,
            rx_drop: s.rx_drop,
            tx_bytes: s.tx_bytes,
            tx_packets: s.tx_packets,
            tx_errs: s.tx_errs,
            tx_drop: s.tx_drop,
        }
    }
}

impl From<DomainInterfaceStatsRet> for rvirt_core::InterfaceStats {
    fn from(s: DomainInterfaceStatsRet) -> Self {
        rvirt_core::InterfaceStats {
            rx_bytes: s.rx_bytes,
            rx_packets: s.rx_packets,
            rx_errs: s.rx_errs,
            rx_drop: s.rx_drop,
            tx_bytes: s.tx_bytes,
            tx_packets: s.tx_packets,
            tx_errs: s.tx_errs,
            tx_drop: s.tx_drop,
        }
    }
}

impl From<&rvirt_core::DomainInterface> for RemoteDomainInterface {
    fn from(i: &rvirt_core::DomainInterface) -> Self {
        RemoteDomainInterface {
            name: i.name.clone(),
            hwaddr: i.hwaddr.clone(),
            addrs: i
                .addrs
                .iter()
                .map(|a| RemoteDomainIpAddr {
                    type_: a.kind,
                    addr: a.addr.clone(),
                    prefix: a.prefix,
                })
                .collect(),
        }
    }
}

impl From<RemoteDomainInterface> for rvirt_core::DomainInterface {
    fn from(i: RemoteDomainInterface) -> Self {
        rvirt_core::DomainInterface {
            name: i.name,
            hwaddr: i.hwaddr,
            addrs: i
                .addrs
                .into_iter()
                .map(|a| rvirt_core::DomainIpAddress {
                    kind: a.type_,
                    addr: a.addr,
                    prefix: a.prefix,
                })
                .collect(),
        }
    }
}

impl From<&rvirt_core::VcpuInfo> for RemoteVcpuInfo {
    fn from(v: &rvirt_core::VcpuInfo) -> Self {
        RemoteVcpuInfo {
            number: v.number,
            state: v.state,
            cpu_time: v.cpu_time,
            cpu: v.cpu,
        }
    }
}

impl From<RemoteVcpuInfo> for rvirt_core::VcpuInfo {
    fn from(v: RemoteVcpuInfo) -> Self {
        rvirt_core::VcpuInfo {
            number: v.number,
            state: v.state,
            cpu_time: v.cpu_time,
            cpu: v.cpu,
        }
    }
}
