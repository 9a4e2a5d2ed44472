//! Host interface procedures.

use super::common::*;
use super::limits::*;
use super::wire;
use crate::xdr::bounded::vec as bv;

wire! {
    /// `remote_connect_list_interfaces_args` (and the defined-interfaces variant).
    ConnectListInterfacesArgs { maxnames: i32 }
    /// `remote_connect_list_interfaces_ret` (and the defined-interfaces variant).
    ConnectListInterfacesRet {
        #[serde(deserialize_with = "bv::<_, _, INTERFACE_LIST_MAX>")]
        names: Vec<String>,
    }
    /// `remote_connect_list_all_interfaces_args`.
    ConnectListAllInterfacesArgs { need_results: i32, flags: u32 }
    /// `remote_connect_list_all_interfaces_ret`.
    ConnectListAllInterfacesRet {
        #[serde(deserialize_with = "bv::<_, _, INTERFACE_LIST_MAX>")]
        ifaces: Vec<NonnullInterface>,
        ret: u32,
    }
    /// `remote_interface_lookup_by_name_args`.
    InterfaceLookupByNameArgs { name: String }
    /// `remote_interface_lookup_by_name_ret`.
    InterfaceLookupByNameRet { iface: NonnullInterface }
    /// `remote_interface_lookup_by_mac_string_args`.
    InterfaceLookupByMacStringArgs { mac: String }
    /// `remote_interface_lookup_by_mac_string_ret`.
    InterfaceLookupByMacStringRet { iface: NonnullInterface }
    /// `remote_interface_get_xml_desc_args`.
    InterfaceGetXmlDescArgs { iface: NonnullInterface, flags: u32 }
    /// `remote_interface_get_xml_desc_ret`.
    InterfaceGetXmlDescRet { xml: String }
    /// `remote_interface_define_xml_args`.
    InterfaceDefineXmlArgs { xml: String, flags: u32 }
    /// `remote_interface_define_xml_ret`.
    InterfaceDefineXmlRet { iface: NonnullInterface }
    /// `remote_interface_undefine_args`.
    InterfaceUndefineArgs { iface: NonnullInterface }
    /// `remote_interface_create_args`.
    InterfaceCreateArgs { iface: NonnullInterface, flags: u32 }
    /// `remote_interface_destroy_args`.
    InterfaceDestroyArgs { iface: NonnullInterface, flags: u32 }
    /// `remote_interface_is_active_args`.
    InterfaceIsActiveArgs { iface: NonnullInterface }
    /// `remote_interface_is_active_ret`.
    InterfaceIsActiveRet { active: i32 }
    /// `remote_interface_change_begin_args` (also commit and rollback).
    InterfaceChangeArgs { flags: u32 }
}
