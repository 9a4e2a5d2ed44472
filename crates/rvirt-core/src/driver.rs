//! The driver traits: one method per public libvirt operation, grouped as libvirt groups its
//! driver tables (hypervisor, network, storage, node device, interface, secret). Every method
//! has a default body answering `VIR_ERR_NO_SUPPORT`, so a driver implements what it has and
//! the rest reports itself missing the way libvirt does.
//!
//! Sizes follow libvirt's units: memory in KiB, storage in bytes, times in nanoseconds.

use uuid::Uuid;

use crate::error::{Error, ErrorDomain, Result};
use crate::events::{EventCallback, EventFamily, ObjectKey};
use crate::flags::*;
use crate::handles::*;
use crate::types::*;

fn unsupported<T>(domain: ErrorDomain, function: &str) -> Result<T> {
    Err(Error::no_support(domain, function))
}

/// A data stream (console, volume upload/download). `recv` returning an empty vector means
/// end of stream.
pub trait Stream: Send {
    fn send(&mut self, data: &[u8]) -> Result<()>;
    fn recv(&mut self, max: usize) -> Result<Vec<u8>>;
    /// A hole of `length` bytes in a sparse stream.
    fn send_hole(&mut self, length: i64) -> Result<()> {
        let _ = length;
        unsupported(ErrorDomain::Streams, "virStreamSendHole")
    }
    /// Next hole (positive length) or data section (negative length) when the stream is sparse;
    /// `None` when the source is not sparse-aware.
    fn next_hole(&mut self) -> Result<Option<i64>> {
        Ok(None)
    }
    fn finish(&mut self) -> Result<()>;
    fn abort(&mut self) -> Result<()>;
}

/// Connection-level operations and domains (libvirt's `virHypervisorDriver`).
#[allow(unused_variables)]
pub trait HypervisorDriver: Send + Sync {
    // ---- connection and node ----
    /// Driver name as `virConnectGetType` reports it (`Test`, `QEMU`).
    fn connect_get_type(&self) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virConnectGetType")
    }
    /// Hypervisor version as `major * 1,000,000 + minor * 1,000 + micro`.
    fn connect_get_version(&self) -> Result<u64> {
        unsupported(ErrorDomain::Domain, "virConnectGetVersion")
    }
    fn connect_get_lib_version(&self) -> Result<u64> {
        Ok(crate::LIBVIRT_API_VERSION)
    }
    fn connect_get_hostname(&self) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virConnectGetHostname")
    }
    /// The canonical URI of this connection.
    fn connect_get_uri(&self) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virConnectGetURI")
    }
    fn connect_get_sysinfo(&self, flags: u32) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virConnectGetSysinfo")
    }
    fn connect_get_max_vcpus(&self, kind: Option<&str>) -> Result<i32> {
        unsupported(ErrorDomain::Domain, "virConnectGetMaxVcpus")
    }
    fn connect_get_capabilities(&self) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virConnectGetCapabilities")
    }
    fn connect_get_domain_capabilities(
        &self,
        emulator: Option<&str>,
        arch: Option<&str>,
        machine: Option<&str>,
        virttype: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virConnectGetDomainCapabilities")
    }
    fn connect_get_cpu_model_names(&self, arch: &str, flags: u32) -> Result<Vec<String>> {
        unsupported(ErrorDomain::Domain, "virConnectGetCPUModelNames")
    }
    fn connect_compare_cpu(&self, xml: &str, flags: u32) -> Result<i32> {
        unsupported(ErrorDomain::Domain, "virConnectCompareCPU")
    }
    fn connect_baseline_cpu(&self, xml_cpus: &[String], flags: u32) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virConnectBaselineCPU")
    }
    /// `virConnectCompareHypervisorCPU`: `xml` against the CPU the hypervisor can give guests.
    fn connect_compare_hypervisor_cpu(
        &self,
        emulator: Option<&str>,
        arch: Option<&str>,
        machine: Option<&str>,
        virttype: Option<&str>,
        xml: &str,
        flags: u32,
    ) -> Result<i32> {
        unsupported(ErrorDomain::Domain, "virConnectCompareHypervisorCPU")
    }
    /// `virConnectBaselineHypervisorCPU`.
    fn connect_baseline_hypervisor_cpu(
        &self,
        emulator: Option<&str>,
        arch: Option<&str>,
        machine: Option<&str>,
        virttype: Option<&str>,
        xml_cpus: &[String],
        flags: u32,
    ) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virConnectBaselineHypervisorCPU")
    }
    fn connect_is_alive(&self) -> Result<bool> {
        Ok(true)
    }
    fn connect_is_encrypted(&self) -> Result<bool> {
        Ok(false)
    }
    fn connect_is_secure(&self) -> Result<bool> {
        Ok(true)
    }
    fn node_get_info(&self) -> Result<NodeInfo> {
        unsupported(ErrorDomain::Domain, "virNodeGetInfo")
    }
    /// Free memory in bytes.
    fn node_get_free_memory(&self) -> Result<u64> {
        unsupported(ErrorDomain::Domain, "virNodeGetFreeMemory")
    }
    /// Free memory of NUMA cells `start..start+max`, in bytes.
    fn node_get_cells_free_memory(&self, start: i32, max: i32) -> Result<Vec<u64>> {
        unsupported(ErrorDomain::Domain, "virNodeGetCellsFreeMemory")
    }
    fn node_get_cpu_stats(&self, cpu: i32, flags: u32) -> Result<Vec<NodeStat>> {
        unsupported(ErrorDomain::Domain, "virNodeGetCPUStats")
    }
    /// `virNodeGetCPUMap`: the host CPUs and which of them are online.
    fn node_get_cpu_map(&self, flags: u32) -> Result<NodeCpuMap> {
        unsupported(ErrorDomain::Domain, "virNodeGetCPUMap")
    }
    fn node_get_memory_stats(&self, cell: i32, flags: u32) -> Result<Vec<NodeStat>> {
        unsupported(ErrorDomain::Domain, "virNodeGetMemoryStats")
    }
    fn node_get_security_model(&self) -> Result<SecurityModel> {
        unsupported(ErrorDomain::Domain, "virNodeGetSecurityModel")
    }
    /// Registers an event callback (any family this connection's drivers raise).
    fn connect_event_register(
        &self,
        family: EventFamily,
        object: Option<ObjectKey>,
        callback: EventCallback,
    ) -> Result<i32> {
        unsupported(ErrorDomain::Domain, "virConnectDomainEventRegisterAny")
    }
    fn connect_event_deregister(&self, callback_id: i32) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virConnectDomainEventDeregisterAny")
    }
    /// Called when the connection closes (drivers drop per-connection state here).
    fn connect_close(&self) -> Result<()> {
        Ok(())
    }

    // ---- domain lists and lookups ----
    fn connect_list_all_domains(&self, flags: ListDomainsFlags) -> Result<Vec<DomainRef>> {
        unsupported(ErrorDomain::Domain, "virConnectListAllDomains")
    }
    fn connect_num_of_domains(&self) -> Result<i32> {
        let all = self.connect_list_all_domains(ListDomainsFlags::ACTIVE)?;
        Ok(all.len() as i32)
    }
    fn connect_list_domains(&self, max: i32) -> Result<Vec<i32>> {
        let all = self.connect_list_all_domains(ListDomainsFlags::ACTIVE)?;
        let mut ids: Vec<i32> = all.iter().map(|d| d.id).collect();
        ids.sort_unstable();
        ids.truncate(max.max(0) as usize);
        Ok(ids)
    }
    fn connect_num_of_defined_domains(&self) -> Result<i32> {
        let all = self.connect_list_all_domains(ListDomainsFlags::INACTIVE)?;
        Ok(all.len() as i32)
    }
    fn connect_list_defined_domains(&self, max: i32) -> Result<Vec<String>> {
        let all = self.connect_list_all_domains(ListDomainsFlags::INACTIVE)?;
        let mut names: Vec<String> = all.into_iter().map(|d| d.name).collect();
        names.truncate(max.max(0) as usize);
        Ok(names)
    }
    fn domain_lookup_by_id(&self, id: i32) -> Result<DomainRef> {
        unsupported(ErrorDomain::Domain, "virDomainLookupByID")
    }
    fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
        unsupported(ErrorDomain::Domain, "virDomainLookupByName")
    }
    fn domain_lookup_by_uuid(&self, uuid: &Uuid) -> Result<DomainRef> {
        unsupported(ErrorDomain::Domain, "virDomainLookupByUUID")
    }

    // ---- domain lifecycle ----
    fn domain_define_xml(&self, xml: &str, flags: DomainDefineFlags) -> Result<DomainRef> {
        unsupported(ErrorDomain::Domain, "virDomainDefineXML")
    }
    fn domain_create_xml(&self, xml: &str, flags: DomainCreateFlags) -> Result<DomainRef> {
        unsupported(ErrorDomain::Domain, "virDomainCreateXML")
    }
    fn domain_undefine(&self, dom: &DomainRef, flags: DomainUndefineFlags) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainUndefine")
    }
    /// Starts a defined domain (`virDomainCreateWithFlags`); returns its new handle (with id).
    fn domain_create(&self, dom: &DomainRef, flags: DomainCreateFlags) -> Result<DomainRef> {
        unsupported(ErrorDomain::Domain, "virDomainCreate")
    }
    fn domain_shutdown(&self, dom: &DomainRef, flags: DomainShutdownFlags) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainShutdown")
    }
    fn domain_reboot(&self, dom: &DomainRef, flags: DomainShutdownFlags) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainReboot")
    }
    fn domain_reset(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainReset")
    }
    fn domain_destroy(&self, dom: &DomainRef, flags: DomainDestroyFlags) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainDestroy")
    }
    fn domain_suspend(&self, dom: &DomainRef) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainSuspend")
    }
    fn domain_resume(&self, dom: &DomainRef) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainResume")
    }
    fn domain_save(
        &self,
        dom: &DomainRef,
        path: &str,
        dxml: Option<&str>,
        flags: DomainSaveFlags,
    ) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainSave")
    }
    fn domain_restore(&self, path: &str, dxml: Option<&str>, flags: DomainSaveFlags) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainRestore")
    }
    fn domain_save_image_get_xml_desc(&self, path: &str, flags: u32) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virDomainSaveImageGetXMLDesc")
    }
    fn domain_managed_save(&self, dom: &DomainRef, flags: DomainSaveFlags) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainManagedSave")
    }
    fn domain_has_managed_save_image(&self, dom: &DomainRef) -> Result<bool> {
        unsupported(ErrorDomain::Domain, "virDomainHasManagedSaveImage")
    }
    fn domain_managed_save_remove(&self, dom: &DomainRef) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainManagedSaveRemove")
    }
    fn domain_core_dump(&self, dom: &DomainRef, path: &str, flags: u32) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainCoreDump")
    }
    fn domain_get_autostart(&self, dom: &DomainRef) -> Result<bool> {
        unsupported(ErrorDomain::Domain, "virDomainGetAutostart")
    }
    fn domain_set_autostart(&self, dom: &DomainRef, autostart: bool) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainSetAutostart")
    }
    fn domain_rename(&self, dom: &DomainRef, new_name: &str, flags: u32) -> Result<DomainRef> {
        unsupported(ErrorDomain::Domain, "virDomainRename")
    }

    // ---- domain information ----
    fn domain_get_info(&self, dom: &DomainRef) -> Result<DomainInfo> {
        unsupported(ErrorDomain::Domain, "virDomainGetInfo")
    }
    /// State and reason.
    fn domain_get_state(&self, dom: &DomainRef, flags: u32) -> Result<(DomainState, i32)> {
        unsupported(ErrorDomain::Domain, "virDomainGetState")
    }
    fn domain_get_xml_desc(&self, dom: &DomainRef, flags: DomainXmlFlags) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virDomainGetXMLDesc")
    }
    fn domain_get_os_type(&self, dom: &DomainRef) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virDomainGetOSType")
    }
    fn domain_get_max_memory(&self, dom: &DomainRef) -> Result<u64> {
        Ok(self.domain_get_info(dom)?.max_mem)
    }
    fn domain_get_max_vcpus(&self, dom: &DomainRef) -> Result<i32> {
        unsupported(ErrorDomain::Domain, "virDomainGetMaxVcpus")
    }
    fn domain_is_active(&self, dom: &DomainRef) -> Result<bool> {
        unsupported(ErrorDomain::Domain, "virDomainIsActive")
    }
    fn domain_is_persistent(&self, dom: &DomainRef) -> Result<bool> {
        unsupported(ErrorDomain::Domain, "virDomainIsPersistent")
    }
    fn domain_is_updated(&self, dom: &DomainRef) -> Result<bool> {
        unsupported(ErrorDomain::Domain, "virDomainIsUpdated")
    }
    fn domain_get_hostname(&self, dom: &DomainRef, flags: u32) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virDomainGetHostname")
    }
    fn domain_get_time(&self, dom: &DomainRef, flags: u32) -> Result<DomainTime> {
        unsupported(ErrorDomain::Domain, "virDomainGetTime")
    }
    fn domain_set_time(&self, dom: &DomainRef, time: DomainTime, flags: u32) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainSetTime")
    }
    fn domain_get_scheduler_type(&self, dom: &DomainRef) -> Result<(String, i32)> {
        unsupported(ErrorDomain::Domain, "virDomainGetSchedulerType")
    }
    fn domain_get_scheduler_parameters(
        &self,
        dom: &DomainRef,
        flags: u32,
    ) -> Result<Vec<TypedParam>> {
        unsupported(ErrorDomain::Domain, "virDomainGetSchedulerParameters")
    }
    fn domain_set_scheduler_parameters(
        &self,
        dom: &DomainRef,
        params: &[TypedParam],
        flags: u32,
    ) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainSetSchedulerParameters")
    }
    fn domain_get_metadata(
        &self,
        dom: &DomainRef,
        kind: i32,
        uri: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virDomainGetMetadata")
    }
    fn domain_set_metadata(
        &self,
        dom: &DomainRef,
        kind: i32,
        metadata: Option<&str>,
        key: Option<&str>,
        uri: Option<&str>,
        flags: u32,
    ) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainSetMetadata")
    }
    fn domain_get_security_label(&self, dom: &DomainRef) -> Result<SecurityLabel> {
        unsupported(ErrorDomain::Domain, "virDomainGetSecurityLabel")
    }
    fn domain_get_job_info(&self, dom: &DomainRef) -> Result<JobInfo> {
        unsupported(ErrorDomain::Domain, "virDomainGetJobInfo")
    }
    fn domain_abort_job(&self, dom: &DomainRef) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainAbortJob")
    }

    // ---- resources ----
    /// `virDomainSetMemoryFlags` (KiB); `MAXIMUM` in flags sets the maximum.
    fn domain_set_memory(
        &self,
        dom: &DomainRef,
        kib: u64,
        flags: ModificationImpact,
    ) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainSetMemoryFlags")
    }
    fn domain_set_max_memory(&self, dom: &DomainRef, kib: u64) -> Result<()> {
        self.domain_set_memory(dom, kib, ModificationImpact::MAXIMUM)
    }
    fn domain_set_vcpus(
        &self,
        dom: &DomainRef,
        count: u32,
        flags: ModificationImpact,
    ) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainSetVcpusFlags")
    }
    fn domain_get_vcpus_flags(&self, dom: &DomainRef, flags: ModificationImpact) -> Result<i32> {
        unsupported(ErrorDomain::Domain, "virDomainGetVcpusFlags")
    }
    /// Per-vCPU info and CPU maps (one `Vec<bool>` per vCPU, one entry per host CPU).
    fn domain_get_vcpus(&self, dom: &DomainRef) -> Result<(Vec<VcpuInfo>, Vec<Vec<bool>>)> {
        unsupported(ErrorDomain::Domain, "virDomainGetVcpus")
    }
    /// `virDomainGetVcpuPinInfo`: one CPU map (one entry per host CPU) for each vCPU up to
    /// the maximum, from the definition `flags` select.
    fn domain_get_vcpu_pin_info(
        &self,
        dom: &DomainRef,
        flags: ModificationImpact,
    ) -> Result<Vec<Vec<bool>>> {
        unsupported(ErrorDomain::Domain, "virDomainGetVcpuPinInfo")
    }
    fn domain_pin_vcpu(
        &self,
        dom: &DomainRef,
        vcpu: u32,
        cpumap: &[bool],
        flags: u32,
    ) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainPinVcpuFlags")
    }
    fn domain_memory_stats(
        &self,
        dom: &DomainRef,
        max: u32,
        flags: u32,
    ) -> Result<Vec<MemoryStat>> {
        unsupported(ErrorDomain::Domain, "virDomainMemoryStats")
    }
    fn domain_set_memory_stats_period(
        &self,
        dom: &DomainRef,
        period: i32,
        flags: u32,
    ) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainSetMemoryStatsPeriod")
    }
    fn domain_block_stats(&self, dom: &DomainRef, disk: &str) -> Result<BlockStats> {
        unsupported(ErrorDomain::Domain, "virDomainBlockStats")
    }
    fn domain_block_info(&self, dom: &DomainRef, disk: &str, flags: u32) -> Result<BlockInfo> {
        unsupported(ErrorDomain::Domain, "virDomainGetBlockInfo")
    }
    fn domain_interface_stats(&self, dom: &DomainRef, device: &str) -> Result<InterfaceStats> {
        unsupported(ErrorDomain::Domain, "virDomainInterfaceStats")
    }
    fn domain_interface_addresses(
        &self,
        dom: &DomainRef,
        source: u32,
        flags: u32,
    ) -> Result<Vec<DomainInterface>> {
        unsupported(ErrorDomain::Domain, "virDomainInterfaceAddresses")
    }
    /// `virDomainGetCPUStats`: one parameter list per CPU (or one total when `start == -1`).
    fn domain_get_cpu_stats(
        &self,
        dom: &DomainRef,
        start: i32,
        ncpus: u32,
        flags: u32,
    ) -> Result<Vec<Vec<TypedParam>>> {
        unsupported(ErrorDomain::Domain, "virDomainGetCPUStats")
    }
    fn connect_get_all_domain_stats(
        &self,
        domains: &[DomainRef],
        stats: u32,
        flags: u32,
    ) -> Result<Vec<DomainStatsRecord>> {
        unsupported(ErrorDomain::Domain, "virConnectGetAllDomainStats")
    }

    // ---- devices ----
    fn domain_attach_device(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: DeviceModifyFlags,
    ) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainAttachDeviceFlags")
    }
    fn domain_detach_device(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: DeviceModifyFlags,
    ) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainDetachDeviceFlags")
    }
    fn domain_update_device(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: DeviceModifyFlags,
    ) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainUpdateDeviceFlags")
    }
    fn domain_send_key(
        &self,
        dom: &DomainRef,
        codeset: u32,
        holdtime: u32,
        keycodes: &[u32],
        flags: u32,
    ) -> Result<()> {
        unsupported(ErrorDomain::Domain, "virDomainSendKey")
    }
    /// Screenshot: MIME type and image bytes.
    fn domain_screenshot(
        &self,
        dom: &DomainRef,
        screen: u32,
        flags: u32,
    ) -> Result<(String, Vec<u8>)> {
        unsupported(ErrorDomain::Domain, "virDomainScreenshot")
    }
    fn domain_open_console(
        &self,
        dom: &DomainRef,
        dev_name: Option<&str>,
        flags: u32,
    ) -> Result<Box<dyn Stream>> {
        unsupported(ErrorDomain::Domain, "virDomainOpenConsole")
    }

    // ---- guest agent (QEMU program) ----
    fn domain_qemu_agent_command(
        &self,
        dom: &DomainRef,
        command: &str,
        timeout: i32,
        flags: u32,
    ) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virDomainQemuAgentCommand")
    }
    fn domain_qemu_monitor_command(
        &self,
        dom: &DomainRef,
        command: &str,
        flags: u32,
    ) -> Result<String> {
        unsupported(ErrorDomain::Domain, "virDomainQemuMonitorCommand")
    }

    // ---- snapshots ----
    fn domain_snapshot_create_xml(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        unsupported(ErrorDomain::DomainSnapshot, "virDomainSnapshotCreateXML")
    }
    fn domain_list_all_snapshots(
        &self,
        dom: &DomainRef,
        flags: u32,
    ) -> Result<Vec<DomainSnapshotRef>> {
        unsupported(ErrorDomain::DomainSnapshot, "virDomainListAllSnapshots")
    }
    fn domain_snapshot_lookup_by_name(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        unsupported(ErrorDomain::DomainSnapshot, "virDomainSnapshotLookupByName")
    }
    fn domain_snapshot_current(&self, dom: &DomainRef, flags: u32) -> Result<DomainSnapshotRef> {
        unsupported(ErrorDomain::DomainSnapshot, "virDomainSnapshotCurrent")
    }
    fn domain_snapshot_get_xml_desc(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<String> {
        unsupported(ErrorDomain::DomainSnapshot, "virDomainSnapshotGetXMLDesc")
    }
    fn domain_revert_to_snapshot(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<()> {
        unsupported(ErrorDomain::DomainSnapshot, "virDomainRevertToSnapshot")
    }
    fn domain_snapshot_delete(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<()> {
        unsupported(ErrorDomain::DomainSnapshot, "virDomainSnapshotDelete")
    }
}

/// Virtual networks (libvirt's `virNetworkDriver`).
#[allow(unused_variables)]
pub trait NetworkDriver: Send + Sync {
    fn connect_list_all_networks(&self, flags: ListNetworksFlags) -> Result<Vec<NetworkRef>> {
        unsupported(ErrorDomain::Network, "virConnectListAllNetworks")
    }
    fn network_lookup_by_name(&self, name: &str) -> Result<NetworkRef> {
        unsupported(ErrorDomain::Network, "virNetworkLookupByName")
    }
    fn network_lookup_by_uuid(&self, uuid: &Uuid) -> Result<NetworkRef> {
        unsupported(ErrorDomain::Network, "virNetworkLookupByUUID")
    }
    fn network_define_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        unsupported(ErrorDomain::Network, "virNetworkDefineXML")
    }
    fn network_create_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        unsupported(ErrorDomain::Network, "virNetworkCreateXML")
    }
    fn network_undefine(&self, net: &NetworkRef) -> Result<()> {
        unsupported(ErrorDomain::Network, "virNetworkUndefine")
    }
    fn network_create(&self, net: &NetworkRef) -> Result<()> {
        unsupported(ErrorDomain::Network, "virNetworkCreate")
    }
    fn network_destroy(&self, net: &NetworkRef) -> Result<()> {
        unsupported(ErrorDomain::Network, "virNetworkDestroy")
    }
    fn network_get_xml_desc(&self, net: &NetworkRef, flags: XmlInactiveFlags) -> Result<String> {
        unsupported(ErrorDomain::Network, "virNetworkGetXMLDesc")
    }
    fn network_get_bridge_name(&self, net: &NetworkRef) -> Result<String> {
        unsupported(ErrorDomain::Network, "virNetworkGetBridgeName")
    }
    fn network_get_autostart(&self, net: &NetworkRef) -> Result<bool> {
        unsupported(ErrorDomain::Network, "virNetworkGetAutostart")
    }
    fn network_set_autostart(&self, net: &NetworkRef, autostart: bool) -> Result<()> {
        unsupported(ErrorDomain::Network, "virNetworkSetAutostart")
    }
    fn network_is_active(&self, net: &NetworkRef) -> Result<bool> {
        unsupported(ErrorDomain::Network, "virNetworkIsActive")
    }
    fn network_is_persistent(&self, net: &NetworkRef) -> Result<bool> {
        unsupported(ErrorDomain::Network, "virNetworkIsPersistent")
    }
    /// `virNetworkUpdate`: command, section, parent index, XML fragment, flags.
    fn network_update(
        &self,
        net: &NetworkRef,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
        flags: u32,
    ) -> Result<()> {
        unsupported(ErrorDomain::Network, "virNetworkUpdate")
    }
    fn network_get_dhcp_leases(
        &self,
        net: &NetworkRef,
        mac: Option<&str>,
        flags: u32,
    ) -> Result<Vec<NetworkDhcpLease>> {
        unsupported(ErrorDomain::Network, "virNetworkGetDHCPLeases")
    }
}

/// Storage pools and volumes (libvirt's `virStorageDriver`).
#[allow(unused_variables)]
pub trait StorageDriver: Send + Sync {
    fn connect_list_all_storage_pools(
        &self,
        flags: ListStoragePoolsFlags,
    ) -> Result<Vec<StoragePoolRef>> {
        unsupported(ErrorDomain::Storage, "virConnectListAllStoragePools")
    }
    fn connect_find_storage_pool_sources(
        &self,
        kind: &str,
        src_spec: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        unsupported(ErrorDomain::Storage, "virConnectFindStoragePoolSources")
    }
    fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePoolRef> {
        unsupported(ErrorDomain::Storage, "virStoragePoolLookupByName")
    }
    fn storage_pool_lookup_by_uuid(&self, uuid: &Uuid) -> Result<StoragePoolRef> {
        unsupported(ErrorDomain::Storage, "virStoragePoolLookupByUUID")
    }
    fn storage_pool_lookup_by_volume(&self, vol: &StorageVolRef) -> Result<StoragePoolRef> {
        self.storage_pool_lookup_by_name(&vol.pool)
    }
    fn storage_pool_lookup_by_target_path(&self, path: &str) -> Result<StoragePoolRef> {
        unsupported(ErrorDomain::Storage, "virStoragePoolLookupByTargetPath")
    }
    fn storage_pool_define_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        unsupported(ErrorDomain::Storage, "virStoragePoolDefineXML")
    }
    fn storage_pool_create_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        unsupported(ErrorDomain::Storage, "virStoragePoolCreateXML")
    }
    fn storage_pool_build(
        &self,
        pool: &StoragePoolRef,
        flags: StoragePoolBuildFlags,
    ) -> Result<()> {
        unsupported(ErrorDomain::Storage, "virStoragePoolBuild")
    }
    fn storage_pool_undefine(&self, pool: &StoragePoolRef) -> Result<()> {
        unsupported(ErrorDomain::Storage, "virStoragePoolUndefine")
    }
    fn storage_pool_create(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        unsupported(ErrorDomain::Storage, "virStoragePoolCreate")
    }
    fn storage_pool_destroy(&self, pool: &StoragePoolRef) -> Result<()> {
        unsupported(ErrorDomain::Storage, "virStoragePoolDestroy")
    }
    fn storage_pool_delete(
        &self,
        pool: &StoragePoolRef,
        flags: StoragePoolDeleteFlags,
    ) -> Result<()> {
        unsupported(ErrorDomain::Storage, "virStoragePoolDelete")
    }
    fn storage_pool_refresh(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        unsupported(ErrorDomain::Storage, "virStoragePoolRefresh")
    }
    fn storage_pool_get_info(&self, pool: &StoragePoolRef) -> Result<StoragePoolInfo> {
        unsupported(ErrorDomain::Storage, "virStoragePoolGetInfo")
    }
    fn storage_pool_get_xml_desc(
        &self,
        pool: &StoragePoolRef,
        flags: XmlInactiveFlags,
    ) -> Result<String> {
        unsupported(ErrorDomain::Storage, "virStoragePoolGetXMLDesc")
    }
    fn storage_pool_get_autostart(&self, pool: &StoragePoolRef) -> Result<bool> {
        unsupported(ErrorDomain::Storage, "virStoragePoolGetAutostart")
    }
    fn storage_pool_set_autostart(&self, pool: &StoragePoolRef, autostart: bool) -> Result<()> {
        unsupported(ErrorDomain::Storage, "virStoragePoolSetAutostart")
    }
    fn storage_pool_is_active(&self, pool: &StoragePoolRef) -> Result<bool> {
        unsupported(ErrorDomain::Storage, "virStoragePoolIsActive")
    }
    fn storage_pool_is_persistent(&self, pool: &StoragePoolRef) -> Result<bool> {
        unsupported(ErrorDomain::Storage, "virStoragePoolIsPersistent")
    }
    fn storage_pool_list_all_volumes(
        &self,
        pool: &StoragePoolRef,
        flags: u32,
    ) -> Result<Vec<StorageVolRef>> {
        unsupported(ErrorDomain::Storage, "virStoragePoolListAllVolumes")
    }
    fn storage_vol_lookup_by_name(
        &self,
        pool: &StoragePoolRef,
        name: &str,
    ) -> Result<StorageVolRef> {
        unsupported(ErrorDomain::Storage, "virStorageVolLookupByName")
    }
    fn storage_vol_lookup_by_key(&self, key: &str) -> Result<StorageVolRef> {
        unsupported(ErrorDomain::Storage, "virStorageVolLookupByKey")
    }
    fn storage_vol_lookup_by_path(&self, path: &str) -> Result<StorageVolRef> {
        unsupported(ErrorDomain::Storage, "virStorageVolLookupByPath")
    }
    fn storage_vol_create_xml(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        flags: StorageVolCreateFlags,
    ) -> Result<StorageVolRef> {
        unsupported(ErrorDomain::Storage, "virStorageVolCreateXML")
    }
    fn storage_vol_create_xml_from(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        clone_from: &StorageVolRef,
        flags: StorageVolCreateFlags,
    ) -> Result<StorageVolRef> {
        unsupported(ErrorDomain::Storage, "virStorageVolCreateXMLFrom")
    }
    fn storage_vol_delete(&self, vol: &StorageVolRef, flags: StorageVolDeleteFlags) -> Result<()> {
        unsupported(ErrorDomain::Storage, "virStorageVolDelete")
    }
    fn storage_vol_wipe(
        &self,
        vol: &StorageVolRef,
        algorithm: WipeAlgorithm,
        flags: u32,
    ) -> Result<()> {
        unsupported(ErrorDomain::Storage, "virStorageVolWipe")
    }
    fn storage_vol_resize(
        &self,
        vol: &StorageVolRef,
        capacity: u64,
        flags: StorageVolResizeFlags,
    ) -> Result<()> {
        unsupported(ErrorDomain::Storage, "virStorageVolResize")
    }
    fn storage_vol_get_info(&self, vol: &StorageVolRef) -> Result<StorageVolInfo> {
        unsupported(ErrorDomain::Storage, "virStorageVolGetInfo")
    }
    fn storage_vol_get_xml_desc(&self, vol: &StorageVolRef, flags: u32) -> Result<String> {
        unsupported(ErrorDomain::Storage, "virStorageVolGetXMLDesc")
    }
    fn storage_vol_get_path(&self, vol: &StorageVolRef) -> Result<String> {
        unsupported(ErrorDomain::Storage, "virStorageVolGetPath")
    }
    fn storage_vol_upload(
        &self,
        vol: &StorageVolRef,
        offset: u64,
        length: u64,
        flags: StorageVolTransferFlags,
    ) -> Result<Box<dyn Stream>> {
        unsupported(ErrorDomain::Storage, "virStorageVolUpload")
    }
    fn storage_vol_download(
        &self,
        vol: &StorageVolRef,
        offset: u64,
        length: u64,
        flags: StorageVolTransferFlags,
    ) -> Result<Box<dyn Stream>> {
        unsupported(ErrorDomain::Storage, "virStorageVolDownload")
    }
}

/// Host devices (libvirt's `virNodeDeviceDriver`).
#[allow(unused_variables)]
pub trait NodeDeviceDriver: Send + Sync {
    fn connect_list_all_node_devices(
        &self,
        flags: ListNodeDevicesFlags,
    ) -> Result<Vec<NodeDeviceRef>> {
        unsupported(ErrorDomain::Nodedev, "virConnectListAllNodeDevices")
    }
    fn node_device_lookup_by_name(&self, name: &str) -> Result<NodeDeviceRef> {
        unsupported(ErrorDomain::Nodedev, "virNodeDeviceLookupByName")
    }
    fn node_device_lookup_scsi_host_by_wwn(
        &self,
        wwnn: &str,
        wwpn: &str,
        flags: u32,
    ) -> Result<NodeDeviceRef> {
        unsupported(ErrorDomain::Nodedev, "virNodeDeviceLookupSCSIHostByWWN")
    }
    fn node_device_get_xml_desc(&self, dev: &NodeDeviceRef, flags: u32) -> Result<String> {
        unsupported(ErrorDomain::Nodedev, "virNodeDeviceGetXMLDesc")
    }
    fn node_device_get_parent(&self, dev: &NodeDeviceRef) -> Result<Option<String>> {
        unsupported(ErrorDomain::Nodedev, "virNodeDeviceGetParent")
    }
    fn node_device_list_caps(&self, dev: &NodeDeviceRef) -> Result<Vec<String>> {
        unsupported(ErrorDomain::Nodedev, "virNodeDeviceListCaps")
    }
    fn node_device_detach(
        &self,
        dev: &NodeDeviceRef,
        driver: Option<&str>,
        flags: u32,
    ) -> Result<()> {
        unsupported(ErrorDomain::Nodedev, "virNodeDeviceDetachFlags")
    }
    fn node_device_reattach(&self, dev: &NodeDeviceRef) -> Result<()> {
        unsupported(ErrorDomain::Nodedev, "virNodeDeviceReAttach")
    }
    fn node_device_reset(&self, dev: &NodeDeviceRef) -> Result<()> {
        unsupported(ErrorDomain::Nodedev, "virNodeDeviceReset")
    }
    fn node_device_create_xml(&self, xml: &str, flags: u32) -> Result<NodeDeviceRef> {
        unsupported(ErrorDomain::Nodedev, "virNodeDeviceCreateXML")
    }
    fn node_device_destroy(&self, dev: &NodeDeviceRef) -> Result<()> {
        unsupported(ErrorDomain::Nodedev, "virNodeDeviceDestroy")
    }
    fn node_device_define_xml(&self, xml: &str, flags: u32) -> Result<NodeDeviceRef> {
        unsupported(ErrorDomain::Nodedev, "virNodeDeviceDefineXML")
    }
    fn node_device_undefine(&self, dev: &NodeDeviceRef, flags: u32) -> Result<()> {
        unsupported(ErrorDomain::Nodedev, "virNodeDeviceUndefine")
    }
    /// Registers a node device event callback on this driver's own event source, for
    /// drivers that raise node device events apart from the hypervisor (the host driver
    /// beside QEMU). `NO_SUPPORT` means the connection's hypervisor driver raises them.
    fn node_device_event_register(
        &self,
        family: EventFamily,
        object: Option<ObjectKey>,
        callback: EventCallback,
    ) -> Result<i32> {
        unsupported(ErrorDomain::Nodedev, "virConnectNodeDeviceEventRegisterAny")
    }
    /// Removes a callback `node_device_event_register` returned.
    fn node_device_event_deregister(&self, callback_id: i32) -> Result<()> {
        unsupported(
            ErrorDomain::Nodedev,
            "virConnectNodeDeviceEventDeregisterAny",
        )
    }
}

/// Host interfaces (libvirt's `virInterfaceDriver`).
#[allow(unused_variables)]
pub trait InterfaceDriver: Send + Sync {
    fn connect_list_all_interfaces(&self, flags: ListInterfacesFlags) -> Result<Vec<InterfaceRef>> {
        unsupported(ErrorDomain::Interface, "virConnectListAllInterfaces")
    }
    fn interface_lookup_by_name(&self, name: &str) -> Result<InterfaceRef> {
        unsupported(ErrorDomain::Interface, "virInterfaceLookupByName")
    }
    fn interface_lookup_by_mac_string(&self, mac: &str) -> Result<InterfaceRef> {
        unsupported(ErrorDomain::Interface, "virInterfaceLookupByMACString")
    }
    fn interface_get_xml_desc(
        &self,
        iface: &InterfaceRef,
        flags: XmlInactiveFlags,
    ) -> Result<String> {
        unsupported(ErrorDomain::Interface, "virInterfaceGetXMLDesc")
    }
    fn interface_define_xml(&self, xml: &str, flags: u32) -> Result<InterfaceRef> {
        unsupported(ErrorDomain::Interface, "virInterfaceDefineXML")
    }
    fn interface_undefine(&self, iface: &InterfaceRef) -> Result<()> {
        unsupported(ErrorDomain::Interface, "virInterfaceUndefine")
    }
    fn interface_create(&self, iface: &InterfaceRef, flags: u32) -> Result<()> {
        unsupported(ErrorDomain::Interface, "virInterfaceCreate")
    }
    fn interface_destroy(&self, iface: &InterfaceRef, flags: u32) -> Result<()> {
        unsupported(ErrorDomain::Interface, "virInterfaceDestroy")
    }
    fn interface_is_active(&self, iface: &InterfaceRef) -> Result<bool> {
        unsupported(ErrorDomain::Interface, "virInterfaceIsActive")
    }
    fn interface_change_begin(&self, flags: u32) -> Result<()> {
        unsupported(ErrorDomain::Interface, "virInterfaceChangeBegin")
    }
    fn interface_change_commit(&self, flags: u32) -> Result<()> {
        unsupported(ErrorDomain::Interface, "virInterfaceChangeCommit")
    }
    fn interface_change_rollback(&self, flags: u32) -> Result<()> {
        unsupported(ErrorDomain::Interface, "virInterfaceChangeRollback")
    }
}

/// Secrets (libvirt's `virSecretDriver`).
#[allow(unused_variables)]
pub trait SecretDriver: Send + Sync {
    fn connect_list_all_secrets(&self, flags: ListSecretsFlags) -> Result<Vec<SecretRef>> {
        unsupported(ErrorDomain::Secret, "virConnectListAllSecrets")
    }
    fn secret_lookup_by_uuid(&self, uuid: &Uuid) -> Result<SecretRef> {
        unsupported(ErrorDomain::Secret, "virSecretLookupByUUID")
    }
    fn secret_lookup_by_usage(&self, usage_type: i32, usage_id: &str) -> Result<SecretRef> {
        unsupported(ErrorDomain::Secret, "virSecretLookupByUsage")
    }
    fn secret_define_xml(&self, xml: &str, flags: u32) -> Result<SecretRef> {
        unsupported(ErrorDomain::Secret, "virSecretDefineXML")
    }
    fn secret_get_xml_desc(&self, secret: &SecretRef, flags: u32) -> Result<String> {
        unsupported(ErrorDomain::Secret, "virSecretGetXMLDesc")
    }
    fn secret_set_value(&self, secret: &SecretRef, value: &[u8], flags: u32) -> Result<()> {
        unsupported(ErrorDomain::Secret, "virSecretSetValue")
    }
    fn secret_get_value(&self, secret: &SecretRef, flags: u32) -> Result<Vec<u8>> {
        unsupported(ErrorDomain::Secret, "virSecretGetValue")
    }
    fn secret_undefine(&self, secret: &SecretRef) -> Result<()> {
        unsupported(ErrorDomain::Secret, "virSecretUndefine")
    }
}

/// Network filters (libvirt's `virNWFilterDriver`).
#[allow(unused_variables)]
pub trait NwFilterDriver: Send + Sync {
    fn connect_list_all_nwfilters(&self, flags: u32) -> Result<Vec<NwFilterRef>> {
        unsupported(ErrorDomain::Nwfilter, "virConnectListAllNWFilters")
    }
    fn nwfilter_lookup_by_name(&self, name: &str) -> Result<NwFilterRef> {
        unsupported(ErrorDomain::Nwfilter, "virNWFilterLookupByName")
    }
    fn nwfilter_lookup_by_uuid(&self, uuid: &Uuid) -> Result<NwFilterRef> {
        unsupported(ErrorDomain::Nwfilter, "virNWFilterLookupByUUID")
    }
    fn nwfilter_define_xml(&self, xml: &str, flags: u32) -> Result<NwFilterRef> {
        unsupported(ErrorDomain::Nwfilter, "virNWFilterDefineXML")
    }
    fn nwfilter_undefine(&self, filter: &NwFilterRef) -> Result<()> {
        unsupported(ErrorDomain::Nwfilter, "virNWFilterUndefine")
    }
    fn nwfilter_get_xml_desc(&self, filter: &NwFilterRef, flags: u32) -> Result<String> {
        unsupported(ErrorDomain::Nwfilter, "virNWFilterGetXMLDesc")
    }
}

/// A driver with none of the optional families: every call answers `VIR_ERR_NO_SUPPORT`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Unsupported;

impl NetworkDriver for Unsupported {}
impl StorageDriver for Unsupported {}
impl NodeDeviceDriver for Unsupported {}
impl InterfaceDriver for Unsupported {}
impl SecretDriver for Unsupported {}
impl NwFilterDriver for Unsupported {}
