//! Connection, node, authentication and event-registration procedures.

use serde::{Deserialize, Serialize};

use super::common::*;
use super::limits::*;
use super::wire;
use crate::program::AuthType;
use crate::xdr::bounded::vec as bv;

wire! {
    /// `remote_connect_open_args`.
    ConnectOpenArgs { name: Option<String>, flags: u32 }
    /// `remote_connect_supports_feature_args`.
    ConnectSupportsFeatureArgs { feature: i32 }
    /// `remote_connect_supports_feature_ret`.
    ConnectSupportsFeatureRet { supported: i32 }
    /// `remote_connect_get_type_ret`.
    ConnectGetTypeRet { type_: String }
    /// `remote_connect_get_version_ret`.
    ConnectGetVersionRet { hv_ver: u64 }
    /// `remote_connect_get_lib_version_ret`.
    ConnectGetLibVersionRet { lib_ver: u64 }
    /// `remote_connect_get_hostname_ret`.
    ConnectGetHostnameRet { hostname: String }
    /// `remote_connect_get_sysinfo_args`.
    ConnectGetSysinfoArgs { flags: u32 }
    /// `remote_connect_get_sysinfo_ret`.
    ConnectGetSysinfoRet { sysinfo: String }
    /// `remote_connect_get_uri_ret`.
    ConnectGetUriRet { uri: String }
    /// `remote_connect_get_max_vcpus_args`.
    ConnectGetMaxVcpusArgs { type_: Option<String> }
    /// `remote_connect_get_max_vcpus_ret`.
    ConnectGetMaxVcpusRet { max_vcpus: i32 }
    /// `remote_connect_get_capabilities_ret`.
    ConnectGetCapabilitiesRet { capabilities: String }
    /// `remote_connect_get_domain_capabilities_args`.
    ConnectGetDomainCapabilitiesArgs {
        emulatorbin: Option<String>,
        arch: Option<String>,
        machine: Option<String>,
        virttype: Option<String>,
        flags: u32,
    }
    /// `remote_connect_get_domain_capabilities_ret`.
    ConnectGetDomainCapabilitiesRet { capabilities: String }
    /// `remote_connect_is_secure_ret`.
    ConnectIsSecureRet { secure: i32 }
    /// `remote_connect_get_cpu_model_names_args`.
    ConnectGetCpuModelNamesArgs { arch: String, need_results: i32, flags: u32 }
    /// `remote_connect_get_cpu_model_names_ret`.
    ConnectGetCpuModelNamesRet {
        #[serde(deserialize_with = "bv::<_, _, CONNECT_CPU_MODELS_MAX>")]
        models: Vec<String>,
        ret: i32,
    }
    /// `remote_connect_compare_cpu_args`.
    ConnectCompareCpuArgs { xml: String, flags: u32 }
    /// `remote_connect_compare_cpu_ret`.
    ConnectCompareCpuRet { result: i32 }
    /// `remote_connect_baseline_cpu_args`.
    ConnectBaselineCpuArgs {
        #[serde(deserialize_with = "bv::<_, _, CPU_BASELINE_MAX>")]
        xml_cpus: Vec<String>,
        flags: u32,
    }
    /// `remote_connect_baseline_cpu_ret`.
    ConnectBaselineCpuRet { cpu: String }
    /// `remote_connect_compare_hypervisor_cpu_args`.
    ConnectCompareHypervisorCpuArgs {
        emulator: Option<String>,
        arch: Option<String>,
        machine: Option<String>,
        virttype: Option<String>,
        xml_cpu: String,
        flags: u32,
    }
    /// `remote_connect_compare_hypervisor_cpu_ret`.
    ConnectCompareHypervisorCpuRet { result: i32 }
    /// `remote_connect_baseline_hypervisor_cpu_args`.
    ConnectBaselineHypervisorCpuArgs {
        emulator: Option<String>,
        arch: Option<String>,
        machine: Option<String>,
        virttype: Option<String>,
        #[serde(deserialize_with = "bv::<_, _, CPU_BASELINE_MAX>")]
        xml_cpus: Vec<String>,
        flags: u32,
    }
    /// `remote_connect_baseline_hypervisor_cpu_ret`.
    ConnectBaselineHypervisorCpuRet { cpu: String }

    /// `remote_node_get_info_ret`: `model` is a `char[32]` (one XDR int per character).
    NodeGetInfoRet {
        model: [i8; 32],
        memory: u64,
        cpus: i32,
        mhz: i32,
        nodes: i32,
        sockets: i32,
        cores: i32,
        threads: i32,
    }
    /// `remote_node_get_free_memory_ret`.
    NodeGetFreeMemoryRet { free_mem: u64 }
    /// `remote_node_get_cells_free_memory_args`.
    NodeGetCellsFreeMemoryArgs { start_cell: i32, maxcells: i32 }
    /// `remote_node_get_cells_free_memory_ret`.
    NodeGetCellsFreeMemoryRet {
        #[serde(deserialize_with = "bv::<_, _, NODE_MAX_CELLS>")]
        cells: Vec<u64>,
    }
    /// `remote_node_get_cpu_stats_args`.
    NodeGetCpuStatsArgs { cpu_num: i32, nparams: i32, flags: u32 }
    /// `remote_node_get_cpu_stats_ret`.
    NodeGetCpuStatsRet {
        #[serde(deserialize_with = "bv::<_, _, NODE_CPU_STATS_MAX>")]
        params: Vec<NodeStatParam>,
        nparams: i32,
    }
    /// `remote_node_get_memory_stats_args`.
    NodeGetMemoryStatsArgs { nparams: i32, cell_num: i32, flags: u32 }
    /// `remote_node_get_memory_stats_ret`.
    NodeGetMemoryStatsRet {
        #[serde(deserialize_with = "bv::<_, _, NODE_MEMORY_STATS_MAX>")]
        params: Vec<NodeStatParam>,
        nparams: i32,
    }
    /// `remote_node_get_security_model_ret`: both fields are `char` arrays with their NUL.
    NodeGetSecurityModelRet {
        #[serde(deserialize_with = "bv::<_, _, SECURITY_MODEL_MAX>")]
        model: Vec<i8>,
        #[serde(deserialize_with = "bv::<_, _, SECURITY_DOI_MAX>")]
        doi: Vec<i8>,
    }

    /// `remote_auth_list_ret`.
    AuthListRet {
        #[serde(deserialize_with = "bv::<_, _, AUTH_TYPE_LIST_MAX>")]
        types: Vec<AuthType>,
    }
    /// `remote_auth_polkit_ret`.
    AuthPolkitRet { complete: i32 }

    /// `remote_connect_domain_event_register_ret` (also deregister).
    ConnectDomainEventRegisterRet { cb_registered: i32 }
    /// `remote_connect_domain_event_register_any_args` (also deregister any).
    ConnectDomainEventRegisterAnyArgs { event_id: i32 }
    /// `remote_connect_domain_event_callback_register_any_args`.
    ConnectDomainEventCallbackRegisterAnyArgs { event_id: i32, dom: Option<NonnullDomain> }
    /// `remote_connect_*_event_register_any_ret`: the callback id for every family.
    ConnectEventRegisterAnyRet { callback_id: i32 }
    /// `remote_connect_*_event_deregister_any_args` (callback families).
    ConnectEventDeregisterAnyArgs { callback_id: i32 }
    /// `remote_connect_network_event_register_any_args`.
    ConnectNetworkEventRegisterAnyArgs { event_id: i32, net: Option<NonnullNetwork> }
    /// `remote_connect_storage_pool_event_register_any_args`.
    ConnectStoragePoolEventRegisterAnyArgs { event_id: i32, pool: Option<NonnullStoragePool> }
    /// `remote_connect_node_device_event_register_any_args`.
    ConnectNodeDeviceEventRegisterAnyArgs { event_id: i32, dev: Option<NonnullNodeDevice> }
    /// `remote_connect_secret_event_register_any_args`.
    ConnectSecretEventRegisterAnyArgs { event_id: i32, secret: Option<NonnullSecret> }
}

impl NodeGetInfoRet {
    /// Converts to rvirt-core's `NodeInfo`.
    pub fn to_node_info(&self) -> rvirt_core::NodeInfo {
        rvirt_core::NodeInfo {
            model: crate::xdr::chars_to_string(&self.model),
            memory: self.memory,
            cpus: self.cpus as u32,
            mhz: self.mhz as u32,
            nodes: self.nodes as u32,
            sockets: self.sockets as u32,
            cores: self.cores as u32,
            threads: self.threads as u32,
        }
    }
}

impl From<&rvirt_core::NodeInfo> for NodeGetInfoRet {
    fn from(n: &rvirt_core::NodeInfo) -> Self {
        NodeGetInfoRet {
            model: crate::xdr::string_to_fixed_chars(&n.model),
            memory: n.memory,
            cpus: n.cpus as i32,
            mhz: n.mhz as i32,
            nodes: n.nodes as i32,
            sockets: n.sockets as i32,
            cores: n.cores as i32,
            threads: n.threads as i32,
        }
    }
}

impl NodeGetSecurityModelRet {
    /// Converts to rvirt-core's `SecurityModel`.
    pub fn to_security_model(&self) -> rvirt_core::SecurityModel {
        rvirt_core::SecurityModel {
            model: crate::xdr::chars_to_string(&self.model),
            doi: crate::xdr::chars_to_string(&self.doi),
        }
    }
}

impl From<&rvirt_core::SecurityModel> for NodeGetSecurityModelRet {
    fn from(m: &rvirt_core::SecurityModel) -> Self {
        NodeGetSecurityModelRet {
            model: crate::xdr::string_to_chars(&m.model),
            doi: crate::xdr::string_to_chars(&m.doi),
        }
    }
}

/// `remote_connect_event_connection_closed_msg`: why the connection went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectEventConnectionClosedMsg {
    pub reason: i32,
}
