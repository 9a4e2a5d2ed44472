//! Virtual network procedures.

use super::common::*;
use super::limits::*;
use super::wire;
use crate::xdr::bounded::vec as bv;

wire! {
    /// `remote_connect_list_networks_args` (and the defined-networks variant).
    ConnectListNetworksArgs { maxnames: i32 }
    /// `remote_connect_list_networks_ret` (and the defined-networks variant).
    ConnectListNetworksRet {
        #[serde(deserialize_with = "bv::<_, _, NETWORK_LIST_MAX>")]
        names: Vec<String>,
    }
    /// `remote_connect_list_all_networks_args`.
    ConnectListAllNetworksArgs { need_results: i32, flags: u32 }
    /// `remote_connect_list_all_networks_ret`.
    ConnectListAllNetworksRet {
        #[serde(deserialize_with = "bv::<_, _, NETWORK_LIST_MAX>")]
        nets: Vec<NonnullNetwork>,
        ret: u32,
    }
    /// `remote_network_lookup_by_name_args`.
    NetworkLookupByNameArgs { name: String }
    /// `remote_network_lookup_by_uuid_args`.
    NetworkLookupByUuidArgs { uuid: RemoteUuid }
    /// A network handle as the whole return value (lookups, define, create).
    NetworkRet { net: NonnullNetwork }
    /// A network alone (undefine, create, destroy, is_active, ...).
    NetworkArgs { net: NonnullNetwork }
    /// `remote_network_get_xml_desc_args`.
    NetworkGetXmlDescArgs { net: NonnullNetwork, flags: u32 }
    /// `remote_network_create_xml_args` / `remote_network_define_xml_args`.
    NetworkXmlArgs { xml: String }
    /// `remote_network_create_xml_flags_args` / `remote_network_define_xml_flags_args`.
    NetworkXmlFlagsArgs { xml: String, flags: u32 }
    /// `remote_network_get_bridge_name_ret`.
    NetworkGetBridgeNameRet { name: String }
    /// `remote_network_set_autostart_args`.
    NetworkSetAutostartArgs { net: NonnullNetwork, autostart: i32 }
    /// `remote_network_update_args`.
    NetworkUpdateArgs {
        net: NonnullNetwork,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: String,
        flags: u32,
    }
    /// `remote_network_dhcp_lease`.
    RemoteNetworkDhcpLease {
        iface: String,
        expirytime: i64,
        type_: i32,
        mac: Option<String>,
        iaid: Option<String>,
        ipaddr: String,
        prefix: u32,
        hostname: Option<String>,
        clientid: Option<String>,
    }
    /// `remote_network_get_dhcp_leases_args`.
    NetworkGetDhcpLeasesArgs {
        net: NonnullNetwork,
        mac: Option<String>,
        need_results: i32,
        flags: u32,
    }
    /// `remote_network_get_dhcp_leases_ret`.
    NetworkGetDhcpLeasesRet {
        #[serde(deserialize_with = "bv::<_, _, NETWORK_DHCP_LEASES_MAX>")]
        leases: Vec<RemoteNetworkDhcpLease>,
        ret: u32,
    }
}

impl From<&rvirt_core::NetworkDhcpLease> for RemoteNetworkDhcpLease {
    fn from(l: &rvirt_core::NetworkDhcpLease) -> Self {
        RemoteNetworkDhcpLease {
            iface: l.iface.clone(),
            expirytime: l.expiry_time,
            type_: l.kind,
            mac: l.mac.clone(),
            iaid: l.iaid.clone(),
            ipaddr: l.ipaddr.clone(),
            prefix: l.prefix,
            hostname: l.hostname.clone(),
            clientid: l.clientid.clone(),
        }
    }
}

impl From<RemoteNetworkDhcpLease> for rvirt_core::NetworkDhcpLease {
    fn from(l: RemoteNetworkDhcpLease) -> Self {
        rvirt_core::NetworkDhcpLease {
            iface: l.iface,
            expiry_time: l.expirytime,
            kind: l.type_,
            mac: l.mac,
            iaid: l.iaid,
            ipaddr: l.ipaddr,
            prefix: l.prefix,
            hostname: l.hostname,
            clientid: l.clientid,
        }
    }
}
