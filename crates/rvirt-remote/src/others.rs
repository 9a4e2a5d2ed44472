//! The non-hypervisor families over the wire: networks, storage, node devices, host
//! interfaces, secrets and network filters.

use rvirt_core::*;
use rvirt_proto::calls::*;
use rvirt_proto::remote::*;

use crate::RemoteDriver;

fn net(n: &NetworkRef) -> NonnullNetwork {
    n.into()
}
fn pool(p: &StoragePoolRef) -> NonnullStoragePool {
    p.into()
}
fn vol(v: &StorageVolRef) -> NonnullStorageVol {
    v.into()
}
fn iface(i: &InterfaceRef) -> NonnullInterface {
    i.into()
}
fn secret(s: &SecretRef) -> NonnullSecret {
    s.into()
}
fn filter(f: &NwFilterRef) -> NonnullNwfilter {
    f.into()
}

impl NetworkDriver for RemoteDriver {
    fn connect_list_all_networks(&self, flags: ListNetworksFlags) -> Result<Vec<NetworkRef>> {
        let args = ConnectListAllNetworksArgs {
            need_results: 1,
            flags: flags.bits(),
        };
        let ret = self.c().call::<ConnectListAllNetworks>(&args)?;
        Ok(ret.nets.into_iter().map(NetworkRef::from).collect())
    }
    fn network_lookup_by_name(&self, name: &str) -> Result<NetworkRef> {
        let args = NetworkLookupByNameArgs {
            name: name.to_string(),
        };
        Ok(self.c().call::<NetworkLookupByName>(&args)?.net.into())
    }
    fn network_lookup_by_uuid(&self, uuid: &Uuid) -> Result<NetworkRef> {
        let args = NetworkLookupByUuidArgs {
            uuid: (*uuid).into(),
        };
        Ok(self.c().call::<NetworkLookupByUuid>(&args)?.net.into())
    }
    fn network_define_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        let ret = if flags == 0 {
            self.c().call::<NetworkDefineXml>(&NetworkXmlArgs {
                xml: xml.to_string(),
            })?
        } else {
            self.c()
                .call::<NetworkDefineXmlFlags>(&NetworkXmlFlagsArgs {
                    xml: xml.to_string(),
                    flags,
                })?
        };
        Ok(ret.net.into())
    }
    fn network_create_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        let ret = if flags == 0 {
            self.c().call::<NetworkCreateXml>(&NetworkXmlArgs {
                xml: xml.to_string(),
            })?
        } else {
            self.c()
                .call::<NetworkCreateXmlFlags>(&NetworkXmlFlagsArgs {
                    xml: xml.to_string(),
                    flags,
                })?
        };
        Ok(ret.net.into())
    }
    fn network_undefine(&self, n: &NetworkRef) -> Result<()> {
        self.c()
            .call::<NetworkUndefine>(&NetworkArgs { net: net(n) })
    }
    fn network_create(&self, n: &NetworkRef) -> Result<()> {
        self.c().call::<NetworkCreate>(&NetworkArgs { net: net(n) })
    }
    fn network_destroy(&self, n: &NetworkRef) -> Result<()> {
        self.c()
            .call::<NetworkDestroy>(&NetworkArgs { net: net(n) })
    }
    fn network_get_xml_desc(&self, n: &NetworkRef, flags: XmlInactiveFlags) -> Result<String> {
        let args = NetworkGetXmlDescArgs {
            net: net(n),
            flags: flags.bits(),
        };
        Ok(self.c().call::<NetworkGetXmlDesc>(&args)?.xml)
    }
    fn network_get_bridge_name(&self, n: &NetworkRef) -> Result<String> {
        Ok(self
            .c()
            .call::<NetworkGetBridgeName>(&NetworkArgs { net: net(n) })?
            .name)
    }
    fn network_get_autostart(&self, n: &NetworkRef) -> Result<bool> {
        Ok(self
            .c()
            .call::<NetworkGetAutostart>(&NetworkArgs { net: net(n) })?
            .autostart
            != 0)
    }
    fn network_set_autostart(&self, n: &NetworkRef, autostart: bool) -> Result<()> {
        self.c()
            .call::<NetworkSetAutostart>(&NetworkSetAutostartArgs {
                net: net(n),
                autostart: i32::from(autostart),
            })
    }
    fn network_is_active(&self, n: &NetworkRef) -> Result<bool> {
        Ok(self
            .c()
            .call::<NetworkIsActive>(&NetworkArgs { net: net(n) })?
            .active
            != 0)
    }
    fn network_is_persistent(&self, n: &NetworkRef) -> Result<bool> {
        Ok(self
            .c()
            .call::<NetworkIsPersistent>(&NetworkArgs { net: net(n) })?
            .persistent
            != 0)
    }
    fn network_update(
        &self,
        n: &NetworkRef,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
        flags: u32,
    ) -> Result<()> {
        self.c().call::<NetworkUpdate>(&NetworkUpdateArgs {
            net: net(n),
            command,
            section,
            parent_index,
            xml: xml.to_string(),
            flags,
        })
    }
    fn network_get_dhcp_leases(
        &self,
        n: &NetworkRef,
        mac: Option<&str>,
        flags: u32,
    ) -> Result<Vec<NetworkDhcpLease>> {
        let args = NetworkGetDhcpLeasesArgs {
            net: net(n),
            mac: mac.map(str::to_string),
            need_results: 1,
            flags,
        };
        let ret = self.c().call::<NetworkGetDhcpLeases>(&args)?;
        Ok(ret.leases.into_iter().map(NetworkDhcpLease::from).collect())
    }
}

impl StorageDriver for RemoteDriver {
    fn connect_list_all_storage_pools(
        &self,
        flags: ListStoragePoolsFlags,
    ) -> Result<Vec<StoragePoolRef>> {
        let args = ConnectListAllStoragePoolsArgs {
            need_results: 1,
            flags: flags.bits(),
        };
        let ret = self.c().call::<ConnectListAllStoragePools>(&args)?;
        Ok(ret.pools.into_iter().map(StoragePoolRef::from).collect())
    }
    fn connect_find_storage_pool_sources(
        &self,
        kind: &str,
        src_spec: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        let args = ConnectFindStoragePoolSourcesArgs {
            type_: kind.to_string(),
            src_spec: src_spec.map(str::to_string),
            flags,
        };
        Ok(self.c().call::<ConnectFindStoragePoolSources>(&args)?.xml)
    }
    fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePoolRef> {
        let args = StoragePoolLookupByNameArgs {
            name: name.to_string(),
        };
        Ok(self.c().call::<StoragePoolLookupByName>(&args)?.pool.into())
    }
    fn storage_pool_lookup_by_uuid(&self, uuid: &Uuid) -> Result<StoragePoolRef> {
        let args = StoragePoolLookupByUuidArgs {
            uuid: (*uuid).into(),
        };
        Ok(self.c().call::<StoragePoolLookupByUuid>(&args)?.pool.into())
    }
    fn storage_pool_lookup_by_volume(&self, v: &StorageVolRef) -> Result<StoragePoolRef> {
        let args = StoragePoolLookupByVolumeArgs { vol: vol(v) };
        Ok(self
            .c()
            .call::<StoragePoolLookupByVolume>(&args)?
            .pool
            .into())
    }
    fn storage_pool_lookup_by_target_path(&self, path: &str) -> Result<StoragePoolRef> {
        let args = StoragePoolLookupByTargetPathArgs {
            path: path.to_string(),
        };
        Ok(self
            .c()
            .call::<StoragePoolLookupByTargetPath>(&args)?
            .pool
            .into())
    }
    fn storage_pool_define_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        let args = StoragePoolXmlArgs {
            xml: xml.to_string(),
            flags,
        };
        Ok(self.c().call::<StoragePoolDefineXml>(&args)?.pool.into())
    }
    fn storage_pool_create_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        let args = StoragePoolXmlArgs {
            xml: xml.to_string(),
            flags,
        };
        Ok(self.c().call::<StoragePoolCreateXml>(&args)?.pool.into())
    }
    fn storage_pool_build(&self, p: &StoragePoolRef, flags: StoragePoolBuildFlags) -> Result<()> {
        self.c().call::<StoragePoolBuild>(&StoragePoolFlagsArgs {
            pool: pool(p),
            flags: flags.bits(),
        })
    }
    fn storage_pool_undefine(&self, p: &StoragePoolRef) -> Result<()> {
        self.c()
            .call::<StoragePoolUndefine>(&StoragePoolArgs { pool: pool(p) })
    }
    fn storage_pool_create(&self, p: &StoragePoolRef, flags: u32) -> Result<()> {
        self.c().call::<StoragePoolCreate>(&StoragePoolFlagsArgs {
            pool: pool(p),
            flags,
        })
    }
    fn storage_pool_destroy(&self, p: &StoragePoolRef) -> Result<()> {
        self.c()
            .call::<StoragePoolDestroy>(&StoragePoolArgs { pool: pool(p) })
    }
    fn storage_pool_delete(&self, p: &StoragePoolRef, flags: StoragePoolDeleteFlags) -> Result<()> {
        self.c().call::<StoragePoolDelete>(&StoragePoolFlagsArgs {
            pool: pool(p),
            flags: flags.bits(),
        })
    }
    fn storage_pool_refresh(&self, p: &StoragePoolRef, flags: u32) -> Result<()> {
        self.c().call::<StoragePoolRefresh>(&StoragePoolFlagsArgs {
            pool: pool(p),
            flags,
        })
    }
    fn storage_pool_get_info(&self, p: &StoragePoolRef) -> Result<StoragePoolInfo> {
        Ok(self
            .c()
            .call::<StoragePoolGetInfo>(&StoragePoolArgs { pool: pool(p) })?
            .to_pool_info())
    }
    fn storage_pool_get_xml_desc(
        &self,
        p: &StoragePoolRef,
        flags: XmlInactiveFlags,
    ) -> Result<String> {
        let args = StoragePoolFlagsArgs {
            pool: pool(p),
            flags: flags.bits(),
        };
        Ok(self.c().call::<StoragePoolGetXmlDesc>(&args)?.xml)
    }
    fn storage_pool_get_autostart(&self, p: &StoragePoolRef) -> Result<bool> {
        let ret = self
            .c()
            .call::<StoragePoolGetAutostart>(&StoragePoolArgs { pool: pool(p) })?;
        Ok(ret.autostart != 0)
    }
    fn storage_pool_set_autostart(&self, p: &StoragePoolRef, autostart: bool) -> Result<()> {
        self.c()
            .call::<StoragePoolSetAutostart>(&StoragePoolSetAutostartArgs {
                pool: pool(p),
                autostart: i32::from(autostart),
            })
    }
    fn storage_pool_is_active(&self, p: &StoragePoolRef) -> Result<bool> {
        Ok(self
            .c()
            .call::<StoragePoolIsActive>(&StoragePoolArgs { pool: pool(p) })?
            .active
            != 0)
    }
    fn storage_pool_is_persistent(&self, p: &StoragePoolRef) -> Result<bool> {
        let ret = self
            .c()
            .call::<StoragePoolIsPersistent>(&StoragePoolArgs { pool: pool(p) })?;
        Ok(ret.persistent != 0)
    }
    fn storage_pool_list_all_volumes(
        &self,
        p: &StoragePoolRef,
        flags: u32,
    ) -> Result<Vec<StorageVolRef>> {
        let args = StoragePoolListAllVolumesArgs {
            pool: pool(p),
            need_results: 1,
            flags,
        };
        let ret = self.c().call::<StoragePoolListAllVolumes>(&args)?;
        Ok(ret.vols.into_iter().map(StorageVolRef::from).collect())
    }
    fn storage_vol_lookup_by_name(&self, p: &StoragePoolRef, name: &str) -> Result<StorageVolRef> {
        let args = StorageVolLookupByNameArgs {
            pool: pool(p),
            name: name.to_string(),
        };
        Ok(self.c().call::<StorageVolLookupByName>(&args)?.vol.into())
    }
    fn storage_vol_lookup_by_key(&self, key: &str) -> Result<StorageVolRef> {
        let args = StorageVolLookupByKeyArgs {
            key: key.to_string(),
        };
        Ok(self.c().call::<StorageVolLookupByKey>(&args)?.vol.into())
    }
    fn storage_vol_lookup_by_path(&self, path: &str) -> Result<StorageVolRef> {
        let args = StorageVolLookupByPathArgs {
            path: path.to_string(),
        };
        Ok(self.c().call::<StorageVolLookupByPath>(&args)?.vol.into())
    }
    fn storage_vol_create_xml(
        &self,
        p: &StoragePoolRef,
        xml: &str,
        flags: StorageVolCreateFlags,
    ) -> Result<StorageVolRef> {
        let args = StorageVolCreateXmlArgs {
            pool: pool(p),
            xml: xml.to_string(),
            flags: flags.bits(),
        };
        Ok(self.c().call::<StorageVolCreateXml>(&args)?.vol.into())
    }
    fn storage_vol_create_xml_from(
        &self,
        p: &StoragePoolRef,
        xml: &str,
        clone_from: &StorageVolRef,
        flags: StorageVolCreateFlags,
    ) -> Result<StorageVolRef> {
        let args = StorageVolCreateXmlFromArgs {
            pool: pool(p),
            xml: xml.to_string(),
            clonevol: vol(clone_from),
            flags: flags.bits(),
        };
        Ok(self.c().call::<StorageVolCreateXmlFrom>(&args)?.vol.into())
    }
    fn storage_vol_delete(&self, v: &StorageVolRef, flags: StorageVolDeleteFlags) -> Result<()> {
        self.c().call::<StorageVolDelete>(&StorageVolFlagsArgs {
            vol: vol(v),
            flags: flags.bits(),
        })
    }
    fn storage_vol_wipe(
        &self,
        v: &StorageVolRef,
        algorithm: WipeAlgorithm,
        flags: u32,
    ) -> Result<()> {
        if algorithm == WipeAlgorithm::Zero {
            self.c()
                .call::<StorageVolWipe>(&StorageVolFlagsArgs { vol: vol(v), flags })
        } else {
            self.c()
                .call::<StorageVolWipePattern>(&StorageVolWipePatternArgs {
                    vol: vol(v),
                    algorithm: algorithm as u32,
                    flags,
                })
        }
    }
    fn storage_vol_resize(
        &self,
        v: &StorageVolRef,
        capacity: u64,
        flags: StorageVolResizeFlags,
    ) -> Result<()> {
        self.c().call::<StorageVolResize>(&StorageVolResizeArgs {
            vol: vol(v),
            capacity,
            flags: flags.bits(),
        })
    }
    fn storage_vol_get_info(&self, v: &StorageVolRef) -> Result<StorageVolInfo> {
        Ok(self
            .c()
            .call::<StorageVolGetInfo>(&StorageVolArgs { vol: vol(v) })?
            .to_vol_info())
    }
    fn storage_vol_get_xml_desc(&self, v: &StorageVolRef, flags: u32) -> Result<String> {
        let args = StorageVolFlagsArgs { vol: vol(v), flags };
        Ok(self.c().call::<StorageVolGetXmlDesc>(&args)?.xml)
    }
    fn storage_vol_get_path(&self, v: &StorageVolRef) -> Result<String> {
        Ok(self
            .c()
            .call::<StorageVolGetPath>(&StorageVolArgs { vol: vol(v) })?
            .name)
    }
    fn storage_vol_upload(
        &self,
        v: &StorageVolRef,
        offset: u64,
        length: u64,
        flags: StorageVolTransferFlags,
    ) -> Result<Box<dyn Stream>> {
        self.open_stream::<StorageVolUpload>(&StorageVolTransferArgs {
            vol: vol(v),
            offset,
            length,
            flags: flags.bits(),
        })
    }
    fn storage_vol_download(
        &self,
        v: &StorageVolRef,
        offset: u64,
        length: u64,
        flags: StorageVolTransferFlags,
    ) -> Result<Box<dyn Stream>> {
        self.open_stream::<StorageVolDownload>(&StorageVolTransferArgs {
            vol: vol(v),
            offset,
            length,
            flags: flags.bits(),
        })
    }
}

impl NodeDeviceDriver for RemoteDriver {
    fn connect_list_all_node_devices(
        &self,
        flags: ListNodeDevicesFlags,
    ) -> Result<Vec<NodeDeviceRef>> {
        let args = ConnectListAllNodeDevicesArgs {
            need_results: 1,
            flags: flags.bits(),
        };
        let ret = self.c().call::<ConnectListAllNodeDevices>(&args)?;
        Ok(ret.devices.into_iter().map(NodeDeviceRef::from).collect())
    }
    fn node_device_lookup_by_name(&self, name: &str) -> Result<NodeDeviceRef> {
        let args = NodeDeviceNameArgs {
            name: name.to_string(),
        };
        Ok(self.c().call::<NodeDeviceLookupByName>(&args)?.dev.into())
    }
    fn node_device_lookup_scsi_host_by_wwn(
        &self,
        wwnn: &str,
        wwpn: &str,
        flags: u32,
    ) -> Result<NodeDeviceRef> {
        let args = NodeDeviceLookupScsiHostByWwnArgs {
            wwnn: wwnn.to_string(),
            wwpn: wwpn.to_string(),
            flags,
        };
        Ok(self
            .c()
            .call::<NodeDeviceLookupScsiHostByWwn>(&args)?
            .dev
            .into())
    }
    fn node_device_get_xml_desc(&self, dev: &NodeDeviceRef, flags: u32) -> Result<String> {
        let args = NodeDeviceNameFlagsArgs {
            name: dev.name.clone(),
            flags,
        };
        Ok(self.c().call::<NodeDeviceGetXmlDesc>(&args)?.xml)
    }
    fn node_device_get_parent(&self, dev: &NodeDeviceRef) -> Result<Option<String>> {
        let args = NodeDeviceNameArgs {
            name: dev.name.clone(),
        };
        Ok(self.c().call::<NodeDeviceGetParent>(&args)?.parent_name)
    }
    fn node_device_list_caps(&self, dev: &NodeDeviceRef) -> Result<Vec<String>> {
        let count = self
            .c()
            .call::<NodeDeviceNumOfCaps>(&NodeDeviceNameArgs {
                name: dev.name.clone(),
            })?
            .num;
        let args = NodeDeviceListCapsArgs {
            name: dev.name.clone(),
            maxnames: count,
        };
        Ok(self.c().call::<NodeDeviceListCaps>(&args)?.names)
    }
    fn node_device_detach(
        &self,
        dev: &NodeDeviceRef,
        driver: Option<&str>,
        flags: u32,
    ) -> Result<()> {
        if driver.is_none() && flags == 0 {
            self.c().call::<NodeDeviceDettach>(&NodeDeviceNameArgs {
                name: dev.name.clone(),
            })
        } else {
            self.c()
                .call::<NodeDeviceDetachFlags>(&NodeDeviceDetachFlagsArgs {
                    name: dev.name.clone(),
                    driver_name: driver.map(str::to_string),
                    flags,
                })
        }
    }
    fn node_device_reattach(&self, dev: &NodeDeviceRef) -> Result<()> {
        self.c().call::<NodeDeviceReAttach>(&NodeDeviceNameArgs {
            name: dev.name.clone(),
        })
    }
    fn node_device_reset(&self, dev: &NodeDeviceRef) -> Result<()> {
        self.c().call::<NodeDeviceReset>(&NodeDeviceNameArgs {
            name: dev.name.clone(),
        })
    }
    fn node_device_create_xml(&self, xml: &str, flags: u32) -> Result<NodeDeviceRef> {
        let args = NodeDeviceXmlArgs {
            xml_desc: xml.to_string(),
            flags,
        };
        Ok(self.c().call::<NodeDeviceCreateXml>(&args)?.dev.into())
    }
    fn node_device_destroy(&self, dev: &NodeDeviceRef) -> Result<()> {
        self.c().call::<NodeDeviceDestroy>(&NodeDeviceNameArgs {
            name: dev.name.clone(),
        })
    }
    fn node_device_define_xml(&self, xml: &str, flags: u32) -> Result<NodeDeviceRef> {
        let args = NodeDeviceXmlArgs {
            xml_desc: xml.to_string(),
            flags,
        };
        Ok(self.c().call::<NodeDeviceDefineXml>(&args)?.dev.into())
    }
    fn node_device_undefine(&self, dev: &NodeDeviceRef, flags: u32) -> Result<()> {
        self.c()
            .call::<NodeDeviceUndefine>(&NodeDeviceNameFlagsArgs {
                name: dev.name.clone(),
                flags,
            })
    }
}

impl InterfaceDriver for RemoteDriver {
    fn connect_list_all_interfaces(&self, flags: ListInterfacesFlags) -> Result<Vec<InterfaceRef>> {
        let args = ConnectListAllInterfacesArgs {
            need_results: 1,
            flags: flags.bits(),
        };
        let ret = self.c().call::<ConnectListAllInterfaces>(&args)?;
        Ok(ret.ifaces.into_iter().map(InterfaceRef::from).collect())
    }
    fn interface_lookup_by_name(&self, name: &str) -> Result<InterfaceRef> {
        let args = InterfaceLookupByNameArgs {
            name: name.to_string(),
        };
        Ok(self.c().call::<InterfaceLookupByName>(&args)?.iface.into())
    }
    fn interface_lookup_by_mac_string(&self, mac: &str) -> Result<InterfaceRef> {
        let args = InterfaceLookupByMacStringArgs {
            mac: mac.to_string(),
        };
        Ok(self
            .c()
            .call::<InterfaceLookupByMacString>(&args)?
            .iface
            .into())
    }
    fn interface_get_xml_desc(&self, i: &InterfaceRef, flags: XmlInactiveFlags) -> Result<String> {
        let args = InterfaceGetXmlDescArgs {
            iface: iface(i),
            flags: flags.bits(),
        };
        Ok(self.c().call::<InterfaceGetXmlDesc>(&args)?.xml)
    }
    fn interface_define_xml(&self, xml: &str, flags: u32) -> Result<InterfaceRef> {
        let args = InterfaceDefineXmlArgs {
            xml: xml.to_string(),
            flags,
        };
        Ok(self.c().call::<InterfaceDefineXml>(&args)?.iface.into())
    }
    fn interface_undefine(&self, i: &InterfaceRef) -> Result<()> {
        self.c()
            .call::<InterfaceUndefine>(&InterfaceUndefineArgs { iface: iface(i) })
    }
    fn interface_create(&self, i: &InterfaceRef, flags: u32) -> Result<()> {
        self.c().call::<InterfaceCreate>(&InterfaceCreateArgs {
            iface: iface(i),
            flags,
        })
    }
    fn interface_destroy(&self, i: &InterfaceRef, flags: u32) -> Result<()> {
        self.c().call::<InterfaceDestroy>(&InterfaceDestroyArgs {
            iface: iface(i),
            flags,
        })
    }
    fn interface_is_active(&self, i: &InterfaceRef) -> Result<bool> {
        let ret = self
            .c()
            .call::<InterfaceIsActive>(&InterfaceIsActiveArgs { iface: iface(i) })?;
        Ok(ret.active != 0)
    }
    fn interface_change_begin(&self, flags: u32) -> Result<()> {
        self.c()
            .call::<InterfaceChangeBegin>(&InterfaceChangeArgs { flags })
    }
    fn interface_change_commit(&self, flags: u32) -> Result<()> {
        self.c()
            .call::<InterfaceChangeCommit>(&InterfaceChangeArgs { flags })
    }
    fn interface_change_rollback(&self, flags: u32) -> Result<()> {
        self.c()
            .call::<InterfaceChangeRollback>(&InterfaceChangeArgs { flags })
    }
}

impl SecretDriver for RemoteDriver {
    fn connect_list_all_secrets(&self, flags: ListSecretsFlags) -> Result<Vec<SecretRef>> {
        let args = ConnectListAllSecretsArgs {
            need_results: 1,
            flags: flags.bits(),
        };
        let ret = self.c().call::<ConnectListAllSecrets>(&args)?;
        Ok(ret.secrets.into_iter().map(SecretRef::from).collect())
    }
    fn secret_lookup_by_uuid(&self, uuid: &Uuid) -> Result<SecretRef> {
        let args = SecretLookupByUuidArgs {
            uuid: (*uuid).into(),
        };
        Ok(self.c().call::<SecretLookupByUuid>(&args)?.secret.into())
    }
    fn secret_lookup_by_usage(&self, usage_type: i32, usage_id: &str) -> Result<SecretRef> {
        let args = SecretLookupByUsageArgs {
            usage_type,
            usage_id: usage_id.to_string(),
        };
        Ok(self.c().call::<SecretLookupByUsage>(&args)?.secret.into())
    }
    fn secret_define_xml(&self, xml: &str, flags: u32) -> Result<SecretRef> {
        let args = SecretDefineXmlArgs {
            xml: xml.to_string(),
            flags,
        };
        Ok(self.c().call::<SecretDefineXml>(&args)?.secret.into())
    }
    fn secret_get_xml_desc(&self, s: &SecretRef, flags: u32) -> Result<String> {
        let args = SecretFlagsArgs {
            secret: secret(s),
            flags,
        };
        Ok(self.c().call::<SecretGetXmlDesc>(&args)?.xml)
    }
    fn secret_set_value(&self, s: &SecretRef, value: &[u8], flags: u32) -> Result<()> {
        self.c().call::<SecretSetValue>(&SecretSetValueArgs {
            secret: secret(s),
            value: value.to_vec(),
            flags,
        })
    }
    fn secret_get_value(&self, s: &SecretRef, flags: u32) -> Result<Vec<u8>> {
        let args = SecretFlagsArgs {
            secret: secret(s),
            flags,
        };
        Ok(self.c().call::<SecretGetValue>(&args)?.value)
    }
    fn secret_undefine(&self, s: &SecretRef) -> Result<()> {
        self.c()
            .call::<SecretUndefine>(&SecretArgs { secret: secret(s) })
    }
}

impl NwFilterDriver for RemoteDriver {
    fn connect_list_all_nwfilters(&self, flags: u32) -> Result<Vec<NwFilterRef>> {
        let args = ConnectListAllNwfiltersArgs {
            need_results: 1,
            flags,
        };
        let ret = self.c().call::<ConnectListAllNwfilters>(&args)?;
        Ok(ret.filters.into_iter().map(NwFilterRef::from).collect())
    }
    fn nwfilter_lookup_by_name(&self, name: &str) -> Result<NwFilterRef> {
        let args = NwfilterLookupByNameArgs {
            name: name.to_string(),
        };
        Ok(self
            .c()
            .call::<NwfilterLookupByName>(&args)?
            .nwfilter
            .into())
    }
    fn nwfilter_lookup_by_uuid(&self, uuid: &Uuid) -> Result<NwFilterRef> {
        let args = NwfilterLookupByUuidArgs {
            uuid: (*uuid).into(),
        };
        Ok(self
            .c()
            .call::<NwfilterLookupByUuid>(&args)?
            .nwfilter
            .into())
    }
    fn nwfilter_define_xml(&self, xml: &str, flags: u32) -> Result<NwFilterRef> {
        let ret = if flags == 0 {
            self.c().call::<NwfilterDefineXml>(&NwfilterDefineXmlArgs {
                xml: xml.to_string(),
            })?
        } else {
            self.c()
                .call::<NwfilterDefineXmlFlags>(&NwfilterDefineXmlFlagsArgs {
                    xml: xml.to_string(),
                    flags,
                })?
        };
        Ok(ret.nwfilter.into())
    }
    fn nwfilter_undefine(&self, f: &NwFilterRef) -> Result<()> {
        self.c().call::<NwfilterUndefine>(&NwfilterArgs {
            nwfilter: filter(f),
        })
    }
    fn nwfilter_get_xml_desc(&self, f: &NwFilterRef, flags: u32) -> Result<String> {
        let args = NwfilterGetXmlDescArgs {
            nwfilter: filter(f),
            flags,
        };
        Ok(self.c().call::<NwfilterGetXmlDesc>(&args)?.xml)
    }
}
