//! Storage pool and volume procedures.

use super::common::*;
use super::limits::*;
use super::wire;
use crate::xdr::bounded::vec as bv;

wire! {
    /// `remote_connect_list_storage_pools_args` (and the defined-pools variant).
    ConnectListStoragePoolsArgs { maxnames: i32 }
    /// `remote_connect_list_storage_pools_ret` (and the defined-pools variant).
    ConnectListStoragePoolsRet {
        #[serde(deserialize_with = "bv::<_, _, STORAGE_POOL_LIST_MAX>")]
        names: Vec<String>,
    }
    /// `remote_connect_list_all_storage_pools_args`.
    ConnectListAllStoragePoolsArgs { need_results: i32, flags: u32 }
    /// `remote_connect_list_all_storage_pools_ret`.
    ConnectListAllStoragePoolsRet {
        #[serde(deserialize_with = "bv::<_, _, STORAGE_POOL_LIST_MAX>")]
        pools: Vec<NonnullStoragePool>,
        ret: u32,
    }
    /// `remote_connect_find_storage_pool_sources_args`.
    ConnectFindStoragePoolSourcesArgs { type_: String, src_spec: Option<String>, flags: u32 }
    /// `remote_storage_pool_lookup_by_name_args`.
    StoragePoolLookupByNameArgs { name: String }
    /// `remote_storage_pool_lookup_by_uuid_args`.
    StoragePoolLookupByUuidArgs { uuid: RemoteUuid }
    /// `remote_storage_pool_lookup_by_volume_args`.
    StoragePoolLookupByVolumeArgs { vol: NonnullStorageVol }
    /// `remote_storage_pool_lookup_by_target_path_args`.
    StoragePoolLookupByTargetPathArgs { path: String }
    /// A pool handle as the whole return value.
    StoragePoolRet { pool: NonnullStoragePool }
    /// `remote_storage_pool_create_xml_args` / `remote_storage_pool_define_xml_args`.
    StoragePoolXmlArgs { xml: String, flags: u32 }
    /// A pool alone (undefine, destroy, get_info, is_active, ...).
    StoragePoolArgs { pool: NonnullStoragePool }
    /// A pool and flags (build, create, delete, refresh, get_xml_desc).
    StoragePoolFlagsArgs { pool: NonnullStoragePool, flags: u32 }
    /// `remote_storage_pool_get_info_ret`: `state` is an `unsigned char` (a 4-byte int).
    StoragePoolGetInfoRet { state: u8, capacity: u64, allocation: u64, available: u64 }
    /// `remote_storage_pool_set_autostart_args`.
    StoragePoolSetAutostartArgs { pool: NonnullStoragePool, autostart: i32 }
    /// `remote_storage_pool_list_volumes_args`.
    StoragePoolListVolumesArgs { pool: NonnullStoragePool, maxnames: i32 }
    /// `remote_storage_pool_list_volumes_ret`.
    StoragePoolListVolumesRet {
        #[serde(deserialize_with = "bv::<_, _, STORAGE_VOL_LIST_MAX>")]
        names: Vec<String>,
    }
    /// `remote_storage_pool_list_all_volumes_args`.
    StoragePoolListAllVolumesArgs { pool: NonnullStoragePool, need_results: i32, flags: u32 }
    /// `remote_storage_pool_list_all_volumes_ret`.
    StoragePoolListAllVolumesRet {
        #[serde(deserialize_with = "bv::<_, _, STORAGE_VOL_LIST_MAX>")]
        vols: Vec<NonnullStorageVol>,
        ret: u32,
    }

    /// `remote_storage_vol_lookup_by_name_args`.
    StorageVolLookupByNameArgs { pool: NonnullStoragePool, name: String }
    /// `remote_storage_vol_lookup_by_key_args`.
    StorageVolLookupByKeyArgs { key: String }
    /// `remote_storage_vol_lookup_by_path_args`.
    StorageVolLookupByPathArgs { path: String }
    /// A volume handle as the whole return value.
    StorageVolRet { vol: NonnullStorageVol }
    /// `remote_storage_vol_create_xml_args`.
    StorageVolCreateXmlArgs { pool: NonnullStoragePool, xml: String, flags: u32 }
    /// `remote_storage_vol_create_xml_from_args`.
    StorageVolCreateXmlFromArgs {
        pool: NonnullStoragePool,
        xml: String,
        clonevol: NonnullStorageVol,
        flags: u32,
    }
    /// A volume alone (get_info, get_path).
    StorageVolArgs { vol: NonnullStorageVol }
    /// A volume and flags (delete, wipe, get_xml_desc, get_info_flags).
    StorageVolFlagsArgs { vol: NonnullStorageVol, flags: u32 }
    /// `remote_storage_vol_wipe_pattern_args`.
    StorageVolWipePatternArgs { vol: NonnullStorageVol, algorithm: u32, flags: u32 }
    /// `remote_storage_vol_resize_args`.
    StorageVolResizeArgs { vol: NonnullStorageVol, capacity: u64, flags: u32 }
    /// `remote_storage_vol_get_info_ret`: `type` is a `char` (a 4-byte int).
    StorageVolGetInfoRet { type_: i8, capacity: u64, allocation: u64 }
    /// `remote_storage_vol_get_path_ret`.
    StorageVolGetPathRet { name: String }
    /// `remote_storage_vol_upload_args` / `remote_storage_vol_download_args` (data follows
    /// as a stream).
    StorageVolTransferArgs { vol: NonnullStorageVol, offset: u64, length: u64, flags: u32 }
}

impl StoragePoolGetInfoRet {
    /// Converts to rvirt-core's `StoragePoolInfo` (unknown states become `Inactive`).
    pub fn to_pool_info(&self) -> rvirt_core::StoragePoolInfo {
        rvirt_core::StoragePoolInfo {
            state: rvirt_core::StoragePoolState::from_i32(i32::from(self.state))
                .unwrap_or(rvirt_core::StoragePoolState::Inactive),
            capacity: self.capacity,
            allocation: self.allocation,
            available: self.available,
        }
    }
}

impl From<&rvirt_core::StoragePoolInfo> for StoragePoolGetInfoRet {
    fn from(i: &rvirt_core::StoragePoolInfo) -> Self {
        StoragePoolGetInfoRet {
            state: i.state as i32 as u8,
            capacity: i.capacity,
            allocation: i.allocation,
            available: i.available,
        }
    }
}

impl StorageVolGetInfoRet {
    /// Converts to rvirt-core's `StorageVolInfo` (unknown types become `File`).
    pub fn to_vol_info(&self) -> rvirt_core::StorageVolInfo {
        rvirt_core::StorageVolInfo {
            kind: rvirt_core::StorageVolType::from_i32(i32::from(self.type_))
                .unwrap_or(rvirt_core::StorageVolType::File),
            capacity: self.capacity,
            allocation: self.allocation,
        }
    }
}

impl From<&rvirt_core::StorageVolInfo> for StorageVolGetInfoRet {
    fn from(i: &rvirt_core::StorageVolInfo) -> Self {
        StorageVolGetInfoRet {
            type_: i.kind as i32 as i8,
            capacity: i.capacity,
            allocation: i.allocation,
        }
    }
}
