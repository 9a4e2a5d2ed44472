//! Node (host) device procedures. Most identify the device by name alone.

use super::common::*;
use super::limits::*;
use super::wire;
use crate::xdr::bounded::vec as bv;

wire! {
    /// `remote_node_num_of_devices_args`.
    NodeNumOfDevicesArgs { cap: Option<String>, flags: u32 }
    /// `remote_node_list_devices_args`.
    NodeListDevicesArgs { cap: Option<String>, maxnames: i32, flags: u32 }
    /// `remote_node_list_devices_ret`.
    NodeListDevicesRet {
        #[serde(deserialize_with = "bv::<_, _, NODE_DEVICE_LIST_MAX>")]
        names: Vec<String>,
    }
    /// `remote_connect_list_all_node_devices_args`.
    ConnectListAllNodeDevicesArgs { need_results: i32, flags: u32 }
    /// `remote_connect_list_all_node_devices_ret`.
    ConnectListAllNodeDevicesRet {
        #[serde(deserialize_with = "bv::<_, _, NODE_DEVICE_LIST_MAX>")]
        devices: Vec<NonnullNodeDevice>,
        ret: u32,
    }
    /// A device name alone (lookup, get_parent, num_of_caps, dettach, re_attach, reset,
    /// destroy, is_active, ...).
    NodeDeviceNameArgs { name: String }
    /// A device name and flags (get_xml_desc, undefine, create).
    NodeDeviceNameFlagsArgs { name: String, flags: u32 }
    /// A device handle as the whole return value.
    NodeDeviceRet { dev: NonnullNodeDevice }
    /// `remote_node_device_lookup_scsi_host_by_wwn_args`.
    NodeDeviceLookupScsiHostByWwnArgs { wwnn: String, wwpn: String, flags: u32 }
    /// `remote_node_device_get_parent_ret`.
    NodeDeviceGetParentRet { parent_name: Option<String> }
    /// `remote_node_device_list_caps_args`.
    NodeDeviceListCapsArgs { name: String, maxnames: i32 }
    /// `remote_node_device_list_caps_ret`.
    NodeDeviceListCapsRet {
        #[serde(deserialize_with = "bv::<_, _, NODE_DEVICE_CAPS_LIST_MAX>")]
        names: Vec<String>,
    }
    /// `remote_node_device_detach_flags_args`.
    NodeDeviceDetachFlagsArgs { name: String, driver_name: Option<String>, flags: u32 }
    /// `remote_node_device_create_xml_args` / `remote_node_device_define_xml_args`.
    NodeDeviceXmlArgs { xml_desc: String, flags: u32 }
    /// `remote_node_device_set_autostart_args`.
    NodeDeviceSetAutostartArgs { name: String, autostart: i32 }
    /// `remote_node_device_update_args`.
    NodeDeviceUpdateArgs { name: String, xml_desc: String, flags: u32 }
}
