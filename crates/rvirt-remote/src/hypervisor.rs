//! `HypervisorDriver` over the wire: one remote procedure per method. Where libvirt has a
//! plain and a `*_FLAGS` procedure, the plain one is used when no flags are given, as
//! libvirt's public API does (older daemons and minimal servers know it).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use rvirt_core::events::{EventCallback, EventFamily, ObjectKey};
use rvirt_core::*;
// The flag types share names with calls; name them explicitly so the core ones win.
use rvirt_core::{DomainDestroyFlags, DomainSaveFlags, DomainShutdownFlags, DomainUndefineFlags};
use rvirt_proto::calls::{self, *};
use rvirt_proto::program::{qemu, QEMU_PROGRAM, QEMU_PROTOCOL_VERSION};
use rvirt_proto::remote::*;

use crate::events::FamilyKind;
use crate::stream::RemoteStream;
use crate::RemoteDriver;

pub(crate) fn dom(d: &DomainRef) -> NonnullDomain {
    d.into()
}

fn snap(s: &DomainSnapshotRef) -> NonnullDomainSnapshot {
    s.into()
}

/// Packs a CPU map (one bool per host CPU) into libvirt's bitmap bytes.
fn pack_cpumap(map: &[bool]) -> Vec<u8> {
    let mut bytes = vec![0u8; map.len().div_ceil(8).max(1)];
    for (i, _) in map.iter().enumerate().filter(|(_, on)| **on) {
        bytes[i / 8] |= 1 << (i % 8);
    }
    bytes
}

fn unpack_cpumap(bytes: &[u8], cpus: usize) -> Vec<bool> {
    (0..cpus)
        .map(|i| bytes.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0))
        .collect()
}

impl RemoteDriver {
    pub(crate) fn c(&self) -> &crate::client::Client {
        &self.client
    }

    fn read_stream_to_end(stream: &mut RemoteStream) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        loop {
            let chunk = stream.recv(1 << 20)?;
            if chunk.is_empty() {
                break;
            }
            out.extend_from_slice(&chunk);
        }
        stream.finish()?;
        Ok(out)
    }

    pub(crate) fn open_stream<C: RemoteCall<Ret = ()>>(
        &self,
        args: &C::Args,
    ) -> Result<Box<dyn Stream>> {
        let ((), header, rx) = self.c().call_with_stream::<C>(args)?;
        Ok(Box::new(RemoteStream::new(self.client.clone(), header, rx)))
    }

    /// Registers a callback with the daemon for one family, filtered to one object.
    fn register_remote(&self, family: EventFamily, object: Option<ObjectKey>) -> Result<i32> {
        let (kind, event_id) = FamilyKind::of(family);
        let ret = match kind {
            FamilyKind::Domain => {
                let dom = match object {
                    None => None,
                    Some(ObjectKey::Uuid(u)) => Some(dom(&self.domain_lookup_by_uuid(&u)?)),
                    Some(ObjectKey::Name(n)) => Some(dom(&self.domain_lookup_by_name(&n)?)),
                };
                self.c().call::<ConnectDomainEventCallbackRegisterAny>(
                    &ConnectDomainEventCallbackRegisterAnyArgs { event_id, dom },
                )?
            }
            FamilyKind::Network => {
                let net = match object {
                    None => None,
                    Some(ObjectKey::Uuid(u)) => {
                        Some((&NetworkDriver::network_lookup_by_uuid(self, &u)?).into())
                    }
                    Some(ObjectKey::Name(n)) => {
                        Some((&NetworkDriver::network_lookup_by_name(self, &n)?).into())
                    }
                };
                self.c().call::<ConnectNetworkEventRegisterAny>(
                    &ConnectNetworkEventRegisterAnyArgs { event_id, net },
                )?
            }
            FamilyKind::StoragePool => {
                let pool = match object {
                    None => None,
                    Some(ObjectKey::Uuid(u)) => {
                        Some((&self.storage_pool_lookup_by_uuid(&u)?).into())
                    }
                    Some(ObjectKey::Name(n)) => {
                        Some((&self.storage_pool_lookup_by_name(&n)?).into())
                    }
                };
                self.c().call::<ConnectStoragePoolEventRegisterAny>(
                    &ConnectStoragePoolEventRegisterAnyArgs { event_id, pool },
                )?
            }
            FamilyKind::NodeDevice => {
                let dev = match object {
                    None => None,
                    Some(ObjectKey::Name(n)) => Some(NonnullNodeDevice { name: n }),
                    Some(ObjectKey::Uuid(u)) => Some(NonnullNodeDevice {
                        name: uuid_string(&u),
                    }),
                };
                self.c().call::<ConnectNodeDeviceEventRegisterAny>(
                    &ConnectNodeDeviceEventRegisterAnyArgs { event_id, dev },
                )?
            }
            FamilyKind::Secret => {
                let secret = match object {
                    None => None,
                    Some(ObjectKey::Uuid(u)) => Some((&self.secret_lookup_by_uuid(&u)?).into()),
                    Some(ObjectKey::Name(n)) => match parse_uuid(&n) {
                        Some(u) => Some((&self.secret_lookup_by_uuid(&u)?).into()),
                        None => {
                            return Err(Error::invalid_arg(
                                ErrorDomain::Secret,
                                format!("invalid secret UUID '{n}'"),
                            ))
                        }
                    },
                };
                self.c().call::<ConnectSecretEventRegisterAny>(
                    &ConnectSecretEventRegisterAnyArgs { event_id, secret },
                )?
            }
        };
        Ok(ret.callback_id)
    }

    fn deregister_remote(&self, kind: FamilyKind, callback_id: i32) -> Result<()> {
        let args = ConnectEventDeregisterAnyArgs { callback_id };
        match kind {
            FamilyKind::Domain => self
                .c()
                .call::<ConnectDomainEventCallbackDeregisterAny>(&args),
            FamilyKind::Network => self.c().call::<ConnectNetworkEventDeregisterAny>(&args),
            FamilyKind::StoragePool => self.c().call::<ConnectStoragePoolEventDeregisterAny>(&args),
            FamilyKind::NodeDevice => self.c().call::<ConnectNodeDeviceEventDeregisterAny>(&args),
            FamilyKind::Secret => self.c().call::<ConnectSecretEventDeregisterAny>(&args),
        }
    }
}

impl HypervisorDriver for RemoteDriver {
    fn connect_get_type(&self) -> Result<String> {
        Ok(self.c().call::<ConnectGetType>(&())?.type_)
    }
    fn connect_get_version(&self) -> Result<u64> {
        Ok(self.c().call::<ConnectGetVersion>(&())?.hv_ver)
    }
    fn connect_get_lib_version(&self) -> Result<u64> {
        Ok(self.c().call::<ConnectGetLibVersion>(&())?.lib_ver)
    }
    fn connect_get_hostname(&self) -> Result<String> {
        Ok(self.c().call::<ConnectGetHostname>(&())?.hostname)
    }
    fn connect_get_uri(&self) -> Result<String> {
        Ok(self.uri.clone())
    }
    fn connect_get_sysinfo(&self, flags: u32) -> Result<String> {
        Ok(self
            .c()
            .call::<ConnectGetSysinfo>(&ConnectGetSysinfoArgs { flags })?
            .sysinfo)
    }
    fn connect_get_max_vcpus(&self, kind: Option<&str>) -> Result<i32> {
        let args = ConnectGetMaxVcpusArgs {
            type_: kind.map(str::to_string),
        };
        Ok(self.c().call::<ConnectGetMaxVcpus>(&args)?.max_vcpus)
    }
    fn connect_get_capabilities(&self) -> Result<String> {
        Ok(self.c().call::<ConnectGetCapabilities>(&())?.capabilities)
    }
    fn connect_get_domain_capabilities(
        &self,
        emulator: Option<&str>,
        arch: Option<&str>,
        machine: Option<&str>,
        virttype: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        let args = ConnectGetDomainCapabilitiesArgs {
            emulatorbin: emulator.map(str::to_string),
            arch: arch.map(str::to_string),
            machine: machine.map(str::to_string),
            virttype: virttype.map(str::to_string),
            flags,
        };
        Ok(self
            .c()
            .call::<ConnectGetDomainCapabilities>(&args)?
            .capabilities)
    }
    fn connect_get_cpu_model_names(&self, arch: &str, flags: u32) -> Result<Vec<String>> {
        let args = ConnectGetCpuModelNamesArgs {
            arch: arch.to_string(),
            need_results: 1,
            flags,
        };
        Ok(self.c().call::<ConnectGetCpuModelNames>(&args)?.models)
    }
    fn connect_compare_cpu(&self, xml: &str, flags: u32) -> Result<i32> {
        let args = ConnectCompareCpuArgs {
            xml: xml.to_string(),
            flags,
        };
        Ok(self.c().call::<ConnectCompareCpu>(&args)?.result)
    }
    fn connect_baseline_cpu(&self, xml_cpus: &[String], flags: u32) -> Result<String> {
        let args = ConnectBaselineCpuArgs {
            xml_cpus: xml_cpus.to_vec(),
            flags,
        };
        Ok(self.c().call::<ConnectBaselineCpu>(&args)?.cpu)
    }
    fn connect_compare_hypervisor_cpu(
        &self,
        emulator: Option<&str>,
        arch: Option<&str>,
        machine: Option<&str>,
        virttype: Option<&str>,
        xml: &str,
        flags: u32,
    ) -> Result<i32> {
        let args = ConnectCompareHypervisorCpuArgs {
            emulator: emulator.map(str::to_string),
            arch: arch.map(str::to_string),
            machine: machine.map(str::to_string),
            virttype: virttype.map(str::to_string),
            xml_cpu: xml.to_string(),
            flags,
        };
        Ok(self.c().call::<ConnectCompareHypervisorCpu>(&args)?.result)
    }
    fn connect_baseline_hypervisor_cpu(
        &self,
        emulator: Option<&str>,
        arch: Option<&str>,
        machine: Option<&str>,
        virttype: Option<&str>,
        xml_cpus: &[String],
        flags: u32,
    ) -> Result<String> {
        let args = ConnectBaselineHypervisorCpuArgs {
            emulator: emulator.map(str::to_string),
            arch: arch.map(str::to_string),
            machine: machine.map(str::to_string),
            virttype: virttype.map(str::to_string),
            xml_cpus: xml_cpus.to_vec(),
            flags,
        };
        Ok(self.c().call::<ConnectBaselineHypervisorCpu>(&args)?.cpu)
    }
    fn connect_is_alive(&self) -> Result<bool> {
        Ok(self.client.is_alive())
    }
    fn connect_is_encrypted(&self) -> Result<bool> {
        // Neither unix sockets nor plain TCP encrypt (TLS/SSH are not supported yet).
        Ok(false)
    }
    fn connect_is_secure(&self) -> Result<bool> {
        // Plain TCP is never secure; a unix socket is when the daemon says its side is.
        if !self.client.is_local() {
            return Ok(false);
        }
        Ok(self.c().call::<ConnectIsSecure>(&())?.secure != 0)
    }
    fn node_get_info(&self) -> Result<NodeInfo> {
        Ok(self.c().call::<NodeGetInfo>(&())?.to_node_info())
    }
    fn node_get_free_memory(&self) -> Result<u64> {
        Ok(self.c().call::<NodeGetFreeMemory>(&())?.free_mem)
    }
    fn node_get_cells_free_memory(&self, start: i32, max: i32) -> Result<Vec<u64>> {
        let args = NodeGetCellsFreeMemoryArgs {
            start_cell: start,
            maxcells: max,
        };
        Ok(self.c().call::<NodeGetCellsFreeMemory>(&args)?.cells)
    }
    fn node_get_cpu_stats(&self, cpu: i32, flags: u32) -> Result<Vec<NodeStat>> {
        // Like libvirt's clients: ask for the count, then for the values.
        let count = self
            .c()
            .call::<NodeGetCpuStats>(&NodeGetCpuStatsArgs {
                cpu_num: cpu,
                nparams: 0,
                flags,
            })?
            .nparams;
        let ret = self.c().call::<NodeGetCpuStats>(&NodeGetCpuStatsArgs {
            cpu_num: cpu,
            nparams: count,
            flags,
        })?;
        Ok(ret.params.into_iter().map(NodeStat::from).collect())
    }
    fn node_get_cpu_map(&self, flags: u32) -> Result<NodeCpuMap> {
        let ret = self.c().call::<NodeGetCpuMap>(&NodeGetCpuMapArgs {
            need_map: 1,
            need_online: 1,
            flags,
        })?;
        let cpus = usize::try_from(ret.ret).unwrap_or(0);
        Ok(NodeCpuMap {
            online_map: unpack_cpumap(&ret.cpumap, cpus),
            online: ret.online,
        })
    }
    fn node_get_memory_stats(&self, cell: i32, flags: u32) -> Result<Vec<NodeStat>> {
        let count = self
            .c()
            .call::<NodeGetMemoryStats>(&NodeGetMemoryStatsArgs {
                nparams: 0,
                cell_num: cell,
                flags,
            })?
            .nparams;
        let ret = self
            .c()
            .call::<NodeGetMemoryStats>(&NodeGetMemoryStatsArgs {
                nparams: count,
                cell_num: cell,
                flags,
            })?;
        Ok(ret.params.into_iter().map(NodeStat::from).collect())
    }
    fn node_get_security_model(&self) -> Result<SecurityModel> {
        Ok(self
            .c()
            .call::<NodeGetSecurityModel>(&())?
            .to_security_model())
    }
    fn connect_event_register(
        &self,
        family: EventFamily,
        object: Option<ObjectKey>,
        callback: EventCallback,
    ) -> Result<i32> {
        if !self.event_callbacks {
            return Err(Error::no_support(
                ErrorDomain::Remote,
                "the daemon does not support event callbacks",
            ));
        }
        let (kind, _) = FamilyKind::of(family);
        let remote_id = self.register_remote(family, object)?;
        self.client.add_callback(kind, remote_id, callback);
        let local = self.next_callback.fetch_add(1, Ordering::Relaxed) + 1;
        self.registrations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(local, (kind, remote_id));
        Ok(local)
    }
    fn connect_event_deregister(&self, callback_id: i32) -> Result<()> {
        let entry = self
            .registrations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&callback_id);
        let Some((kind, remote_id)) = entry else {
            return Err(Error::invalid_arg(
                ErrorDomain::Remote,
                format!("callback ID {callback_id} not registered"),
            ));
        };
        self.client.remove_callback(kind, remote_id);
        self.deregister_remote(kind, remote_id)
    }
    fn connect_close(&self) -> Result<()> {
        self.close()
    }

    // ---- domain lists and lookups ----
    fn connect_list_all_domains(&self, flags: ListDomainsFlags) -> Result<Vec<DomainRef>> {
        let args = ConnectListAllDomainsArgs {
            need_results: 1,
            flags: flags.bits(),
        };
        let ret = self.c().call::<ConnectListAllDomains>(&args)?;
        Ok(ret.domains.into_iter().map(DomainRef::from).collect())
    }
    fn connect_num_of_domains(&self) -> Result<i32> {
        Ok(self.c().call::<ConnectNumOfDomains>(&())?.num)
    }
    fn connect_list_domains(&self, max: i32) -> Result<Vec<i32>> {
        Ok(self
            .c()
            .call::<ConnectListDomains>(&ConnectListDomainsArgs { maxids: max })?
            .ids)
    }
    fn connect_num_of_defined_domains(&self) -> Result<i32> {
        Ok(self.c().call::<ConnectNumOfDefinedDomains>(&())?.num)
    }
    fn connect_list_defined_domains(&self, max: i32) -> Result<Vec<String>> {
        let args = ConnectListDefinedDomainsArgs { maxnames: max };
        Ok(self.c().call::<ConnectListDefinedDomains>(&args)?.names)
    }
    fn domain_lookup_by_id(&self, id: i32) -> Result<DomainRef> {
        Ok(self
            .c()
            .call::<DomainLookupById>(&DomainLookupByIdArgs { id })?
            .dom
            .into())
    }
    fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
        let args = DomainLookupByNameArgs {
            name: name.to_string(),
        };
        Ok(self.c().call::<DomainLookupByName>(&args)?.dom.into())
    }
    fn domain_lookup_by_uuid(&self, uuid: &Uuid) -> Result<DomainRef> {
        let args = DomainLookupByUuidArgs {
            uuid: (*uuid).into(),
        };
        Ok(self.c().call::<DomainLookupByUuid>(&args)?.dom.into())
    }

    // ---- domain lifecycle ----
    fn domain_define_xml(&self, xml: &str, flags: DomainDefineFlags) -> Result<DomainRef> {
        let ret = if flags.is_empty() {
            self.c().call::<DomainDefineXml>(&DomainDefineXmlArgs {
                xml: xml.to_string(),
            })?
        } else {
            self.c()
                .call::<DomainDefineXmlFlags>(&DomainDefineXmlFlagsArgs {
                    xml: xml.to_string(),
                    flags: flags.bits(),
                })?
        };
        Ok(ret.dom.into())
    }
    fn domain_create_xml(&self, xml: &str, flags: DomainCreateFlags) -> Result<DomainRef> {
        let args = DomainCreateXmlArgs {
            xml_desc: xml.to_string(),
            flags: flags.bits(),
        };
        Ok(self.c().call::<DomainCreateXml>(&args)?.dom.into())
    }
    fn domain_undefine(&self, d: &DomainRef, flags: DomainUndefineFlags) -> Result<()> {
        if flags.is_empty() {
            self.c().call::<DomainUndefine>(&DomainArgs { dom: dom(d) })
        } else {
            self.c()
                .call::<calls::DomainUndefineFlags>(&DomainFlagsArgs {
                    dom: dom(d),
                    flags: flags.bits(),
                })
        }
    }
    fn domain_create(&self, d: &DomainRef, flags: DomainCreateFlags) -> Result<DomainRef> {
        let args = DomainFlagsArgs {
            dom: dom(d),
            flags: flags.bits(),
        };
        Ok(self.c().call::<DomainCreateWithFlags>(&args)?.dom.into())
    }
    fn domain_shutdown(&self, d: &DomainRef, flags: DomainShutdownFlags) -> Result<()> {
        if flags.is_empty() {
            self.c().call::<DomainShutdown>(&DomainArgs { dom: dom(d) })
        } else {
            self.c()
                .call::<calls::DomainShutdownFlags>(&DomainFlagsArgs {
                    dom: dom(d),
                    flags: flags.bits(),
                })
        }
    }
    fn domain_reboot(&self, d: &DomainRef, flags: DomainShutdownFlags) -> Result<()> {
        self.c().call::<DomainReboot>(&DomainFlagsArgs {
            dom: dom(d),
            flags: flags.bits(),
        })
    }
    fn domain_reset(&self, d: &DomainRef, flags: u32) -> Result<()> {
        self.c()
            .call::<DomainReset>(&DomainFlagsArgs { dom: dom(d), flags })
    }
    fn domain_destroy(&self, d: &DomainRef, flags: DomainDestroyFlags) -> Result<()> {
        if flags.is_empty() {
            self.c().call::<DomainDestroy>(&DomainArgs { dom: dom(d) })
        } else {
            self.c()
                .call::<calls::DomainDestroyFlags>(&DomainFlagsArgs {
                    dom: dom(d),
                    flags: flags.bits(),
                })
        }
    }
    fn domain_suspend(&self, d: &DomainRef) -> Result<()> {
        self.c().call::<DomainSuspend>(&DomainArgs { dom: dom(d) })
    }
    fn domain_resume(&self, d: &DomainRef) -> Result<()> {
        self.c().call::<DomainResume>(&DomainArgs { dom: dom(d) })
    }
    fn domain_save(
        &self,
        d: &DomainRef,
        path: &str,
        dxml: Option<&str>,
        flags: DomainSaveFlags,
    ) -> Result<()> {
        if dxml.is_none() && flags.is_empty() {
            self.c().call::<DomainSave>(&DomainSaveArgs {
                dom: dom(d),
                to: path.to_string(),
            })
        } else {
            self.c()
                .call::<calls::DomainSaveFlags>(&DomainSaveFlagsArgs {
                    dom: dom(d),
                    to: path.to_string(),
                    dxml: dxml.map(str::to_string),
                    flags: flags.bits(),
                })
        }
    }
    fn domain_restore(&self, path: &str, dxml: Option<&str>, flags: DomainSaveFlags) -> Result<()> {
        if dxml.is_none() && flags.is_empty() {
            self.c().call::<DomainRestore>(&DomainRestoreArgs {
                from: path.to_string(),
            })
        } else {
            self.c()
                .call::<DomainRestoreFlags>(&DomainRestoreFlagsArgs {
                    from: path.to_string(),
                    dxml: dxml.map(str::to_string),
                    flags: flags.bits(),
                })
        }
    }
    fn domain_save_image_get_xml_desc(&self, path: &str, flags: u32) -> Result<String> {
        let args = DomainSaveImageGetXmlDescArgs {
            file: path.to_string(),
            flags,
        };
        Ok(self.c().call::<DomainSaveImageGetXmlDesc>(&args)?.xml)
    }
    fn domain_managed_save(&self, d: &DomainRef, flags: DomainSaveFlags) -> Result<()> {
        self.c().call::<DomainManagedSave>(&DomainFlagsArgs {
            dom: dom(d),
            flags: flags.bits(),
        })
    }
    fn domain_has_managed_save_image(&self, d: &DomainRef) -> Result<bool> {
        let args = DomainFlagsArgs {
            dom: dom(d),
            flags: 0,
        };
        Ok(self.c().call::<DomainHasManagedSaveImage>(&args)?.result != 0)
    }
    fn domain_managed_save_remove(&self, d: &DomainRef) -> Result<()> {
        self.c().call::<DomainManagedSaveRemove>(&DomainFlagsArgs {
            dom: dom(d),
            flags: 0,
        })
    }
    fn domain_core_dump(&self, d: &DomainRef, path: &str, flags: u32) -> Result<()> {
        self.c().call::<DomainCoreDump>(&DomainCoreDumpArgs {
            dom: dom(d),
            to: path.to_string(),
            flags,
        })
    }
    fn domain_get_autostart(&self, d: &DomainRef) -> Result<bool> {
        Ok(self
            .c()
            .call::<DomainGetAutostart>(&DomainArgs { dom: dom(d) })?
            .autostart
            != 0)
    }
    fn domain_set_autostart(&self, d: &DomainRef, autostart: bool) -> Result<()> {
        self.c()
            .call::<DomainSetAutostart>(&DomainSetAutostartArgs {
                dom: dom(d),
                autostart: i32::from(autostart),
            })
    }
    fn domain_rename(&self, d: &DomainRef, new_name: &str, flags: u32) -> Result<DomainRef> {
        self.c().call::<DomainRename>(&DomainRenameArgs {
            dom: dom(d),
            new_name: Some(new_name.to_string()),
            flags,
        })?;
        Ok(DomainRef {
            name: new_name.to_string(),
            ..d.clone()
        })
    }

    // ---- domain information ----
    fn domain_get_info(&self, d: &DomainRef) -> Result<DomainInfo> {
        Ok(self
            .c()
            .call::<DomainGetInfo>(&DomainArgs { dom: dom(d) })?
            .to_domain_info())
    }
    fn domain_get_state(&self, d: &DomainRef, flags: u32) -> Result<(DomainState, i32)> {
        let ret = self
            .c()
            .call::<DomainGetState>(&DomainFlagsArgs { dom: dom(d), flags })?;
        let state = DomainState::from_i32(ret.state).unwrap_or(DomainState::NoState);
        Ok((state, ret.reason))
    }
    fn domain_get_xml_desc(&self, d: &DomainRef, flags: DomainXmlFlags) -> Result<String> {
        let args = DomainFlagsArgs {
            dom: dom(d),
            flags: flags.bits(),
        };
        Ok(self.c().call::<DomainGetXmlDesc>(&args)?.xml)
    }
    fn domain_get_os_type(&self, d: &DomainRef) -> Result<String> {
        Ok(self
            .c()
            .call::<DomainGetOsType>(&DomainArgs { dom: dom(d) })?
            .type_)
    }
    fn domain_get_max_memory(&self, d: &DomainRef) -> Result<u64> {
        Ok(self
            .c()
            .call::<DomainGetMaxMemory>(&DomainArgs { dom: dom(d) })?
            .memory)
    }
    fn domain_get_max_vcpus(&self, d: &DomainRef) -> Result<i32> {
        Ok(self
            .c()
            .call::<DomainGetMaxVcpus>(&DomainArgs { dom: dom(d) })?
            .num)
    }
    fn domain_is_active(&self, d: &DomainRef) -> Result<bool> {
        Ok(self
            .c()
            .call::<DomainIsActive>(&DomainArgs { dom: dom(d) })?
            .active
            != 0)
    }
    fn domain_is_persistent(&self, d: &DomainRef) -> Result<bool> {
        Ok(self
            .c()
            .call::<DomainIsPersistent>(&DomainArgs { dom: dom(d) })?
            .persistent
            != 0)
    }
    fn domain_is_updated(&self, d: &DomainRef) -> Result<bool> {
        Ok(self
            .c()
            .call::<DomainIsUpdated>(&DomainArgs { dom: dom(d) })?
            .updated
            != 0)
    }
    fn domain_get_hostname(&self, d: &DomainRef, flags: u32) -> Result<String> {
        Ok(self
            .c()
            .call::<DomainGetHostname>(&DomainFlagsArgs { dom: dom(d), flags })?
            .hostname)
    }
    fn domain_get_time(&self, d: &DomainRef, flags: u32) -> Result<DomainTime> {
        let ret = self
            .c()
            .call::<DomainGetTime>(&DomainFlagsArgs { dom: dom(d), flags })?;
        Ok(DomainTime {
            seconds: ret.seconds,
            nseconds: ret.nseconds,
        })
    }
    fn domain_set_time(&self, d: &DomainRef, time: DomainTime, flags: u32) -> Result<()> {
        self.c().call::<DomainSetTime>(&DomainSetTimeArgs {
            dom: dom(d),
            seconds: time.seconds,
            nseconds: time.nseconds,
            flags,
        })
    }
    fn domain_get_scheduler_type(&self, d: &DomainRef) -> Result<(String, i32)> {
        let ret = self
            .c()
            .call::<DomainGetSchedulerType>(&DomainArgs { dom: dom(d) })?;
        Ok((ret.type_, ret.nparams))
    }
    fn domain_get_scheduler_parameters(
        &self,
        d: &DomainRef,
        flags: u32,
    ) -> Result<Vec<TypedParam>> {
        let (_, nparams) = self.domain_get_scheduler_type(d)?;
        let ret = if flags == 0 {
            self.c()
                .call::<DomainGetSchedulerParameters>(&DomainGetSchedulerParametersArgs {
                    dom: dom(d),
                    nparams,
                })?
        } else {
            self.c().call::<DomainGetSchedulerParametersFlags>(
                &DomainGetSchedulerParametersFlagsArgs {
                    dom: dom(d),
                    nparams,
                    flags,
                },
            )?
        };
        Ok(params_from_wire(ret.params))
    }
    fn domain_set_scheduler_parameters(
        &self,
        d: &DomainRef,
        params: &[TypedParam],
        flags: u32,
    ) -> Result<()> {
        if flags == 0 {
            self.c()
                .call::<DomainSetSchedulerParameters>(&DomainSetSchedulerParametersArgs {
                    dom: dom(d),
                    params: params_to_wire(params),
                })
        } else {
            self.c().call::<DomainSetSchedulerParametersFlags>(
                &DomainSetSchedulerParametersFlagsArgs {
                    dom: dom(d),
                    params: params_to_wire(params),
                    flags,
                },
            )
        }
    }
    fn domain_get_metadata(
        &self,
        d: &DomainRef,
        kind: i32,
        uri: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        let args = DomainGetMetadataArgs {
            dom: dom(d),
            type_: kind,
            uri: uri.map(str::to_string),
            flags,
        };
        Ok(self.c().call::<DomainGetMetadata>(&args)?.metadata)
    }
    fn domain_set_metadata(
        &self,
        d: &DomainRef,
        kind: i32,
        metadata: Option<&str>,
        key: Option<&str>,
        uri: Option<&str>,
        flags: u32,
    ) -> Result<()> {
        self.c().call::<DomainSetMetadata>(&DomainSetMetadataArgs {
            dom: dom(d),
            type_: kind,
            metadata: metadata.map(str::to_string),
            key: key.map(str::to_string),
            uri: uri.map(str::to_string),
            flags,
        })
    }
    fn domain_get_security_label(&self, d: &DomainRef) -> Result<SecurityLabel> {
        let ret = self
            .c()
            .call::<DomainGetSecurityLabel>(&DomainArgs { dom: dom(d) })?;
        Ok(SecurityLabel {
            label: rvirt_proto::xdr::chars_to_string(&ret.label),
            enforcing: ret.enforcing != 0,
        })
    }
    fn domain_get_job_info(&self, d: &DomainRef) -> Result<JobInfo> {
        Ok(self
            .c()
            .call::<DomainGetJobInfo>(&DomainArgs { dom: dom(d) })?
            .into())
    }
    fn domain_abort_job(&self, d: &DomainRef) -> Result<()> {
        self.c().call::<DomainAbortJob>(&DomainArgs { dom: dom(d) })
    }

    // ---- resources ----
    fn domain_set_memory(&self, d: &DomainRef, kib: u64, flags: ModificationImpact) -> Result<()> {
        self.c()
            .call::<DomainSetMemoryFlags>(&DomainSetMemoryFlagsArgs {
                dom: dom(d),
                memory: kib,
                flags: flags.bits(),
            })
    }
    fn domain_set_max_memory(&self, d: &DomainRef, kib: u64) -> Result<()> {
        self.c().call::<DomainSetMaxMemory>(&DomainSetMemoryArgs {
            dom: dom(d),
            memory: kib,
        })
    }
    fn domain_set_vcpus(&self, d: &DomainRef, count: u32, flags: ModificationImpact) -> Result<()> {
        if flags.is_empty() {
            self.c().call::<DomainSetVcpus>(&DomainSetVcpusArgs {
                dom: dom(d),
                nvcpus: count,
            })
        } else {
            self.c()
                .call::<DomainSetVcpusFlags>(&DomainSetVcpusFlagsArgs {
                    dom: dom(d),
                    nvcpus: count,
                    flags: flags.bits(),
                })
        }
    }
    fn domain_get_vcpus_flags(&self, d: &DomainRef, flags: ModificationImpact) -> Result<i32> {
        let args = DomainFlagsArgs {
            dom: dom(d),
            flags: flags.bits(),
        };
        Ok(self.c().call::<DomainGetVcpusFlags>(&args)?.num)
    }
    fn domain_get_vcpus(&self, d: &DomainRef) -> Result<(Vec<VcpuInfo>, Vec<Vec<bool>>)> {
        let vcpus = self.domain_get_info(d)?.nr_virt_cpu;
        let cpus = self.node_get_info()?.cpus as usize;
        let maplen = cpus.div_ceil(8).max(1);
        let ret = self.c().call::<DomainGetVcpus>(&DomainGetVcpusArgs {
            dom: dom(d),
            maxinfo: vcpus as i32,
            maplen: maplen as i32,
        })?;
        let maps = ret
            .cpumaps
            .chunks(maplen)
            .take(ret.info.len())
            .map(|m| unpack_cpumap(m, cpus))
            .collect();
        Ok((ret.info.into_iter().map(VcpuInfo::from).collect(), maps))
    }
    fn domain_get_vcpu_pin_info(
        &self,
        d: &DomainRef,
        flags: ModificationImpact,
    ) -> Result<Vec<Vec<bool>>> {
        // Sized like virsh's vcpupin: every vCPU up to the maximum, every host CPU.
        let vcpus = self.domain_get_vcpus_flags(d, flags | ModificationImpact::MAXIMUM)?;
        let cpus = self.node_get_info()?.cpus as usize;
        let maplen = cpus.div_ceil(8).max(1);
        let ret = self
            .c()
            .call::<DomainGetVcpuPinInfo>(&DomainGetVcpuPinInfoArgs {
                dom: dom(d),
                ncpumaps: vcpus,
                maplen: maplen as i32,
                flags: flags.bits(),
            })?;
        Ok(ret
            .cpumaps
            .chunks(maplen)
            .take(usize::try_from(ret.num).unwrap_or(0))
            .map(|m| unpack_cpumap(m, cpus))
            .collect())
    }
    fn domain_pin_vcpu(&self, d: &DomainRef, vcpu: u32, cpumap: &[bool], flags: u32) -> Result<()> {
        if flags == 0 {
            self.c().call::<DomainPinVcpu>(&DomainPinVcpuArgs {
                dom: dom(d),
                vcpu,
                cpumap: pack_cpumap(cpumap),
            })
        } else {
            self.c()
                .call::<DomainPinVcpuFlags>(&DomainPinVcpuFlagsArgs {
                    dom: dom(d),
                    vcpu,
                    cpumap: pack_cpumap(cpumap),
                    flags,
                })
        }
    }
    fn domain_memory_stats(&self, d: &DomainRef, max: u32, flags: u32) -> Result<Vec<MemoryStat>> {
        let ret = self.c().call::<DomainMemoryStats>(&DomainMemoryStatsArgs {
            dom: dom(d),
            max_stats: max,
            flags,
        })?;
        Ok(ret
            .stats
            .into_iter()
            .map(|s| MemoryStat {
                tag: s.tag,
                value: s.val,
            })
            .collect())
    }
    fn domain_set_memory_stats_period(&self, d: &DomainRef, period: i32, flags: u32) -> Result<()> {
        self.c()
            .call::<DomainSetMemoryStatsPeriod>(&DomainSetMemoryStatsPeriodArgs {
                dom: dom(d),
                period,
                flags,
            })
    }
    fn domain_block_stats(&self, d: &DomainRef, disk: &str) -> Result<BlockStats> {
        let args = DomainBlockStatsArgs {
            dom: dom(d),
            path: disk.to_string(),
        };
        Ok(self.c().call::<DomainBlockStats>(&args)?.into())
    }
    fn domain_block_info(&self, d: &DomainRef, disk: &str, flags: u32) -> Result<BlockInfo> {
        let ret = self
            .c()
            .call::<DomainGetBlockInfo>(&DomainGetBlockInfoArgs {
                dom: dom(d),
                path: disk.to_string(),
                flags,
            })?;
        Ok(BlockInfo {
            capacity: ret.capacity,
            allocation: ret.allocation,
            physical: ret.physical,
        })
    }
    fn domain_interface_stats(&self, d: &DomainRef, device: &str) -> Result<InterfaceStats> {
        let args = DomainInterfaceStatsArgs {
            dom: dom(d),
            device: device.to_string(),
        };
        Ok(self.c().call::<DomainInterfaceStats>(&args)?.into())
    }
    fn domain_interface_addresses(
        &self,
        d: &DomainRef,
        source: u32,
        flags: u32,
    ) -> Result<Vec<DomainInterface>> {
        let args = DomainInterfaceAddressesArgs {
            dom: dom(d),
            source,
            flags,
        };
        let ret = self.c().call::<DomainInterfaceAddresses>(&args)?;
        Ok(ret.ifaces.into_iter().map(DomainInterface::from).collect())
    }
    fn domain_get_cpu_stats(
        &self,
        d: &DomainRef,
        start: i32,
        ncpus: u32,
        flags: u32,
    ) -> Result<Vec<Vec<TypedParam>>> {
        let ncpus = if start == -1 { 1 } else { ncpus };
        // First the number of parameters per CPU, then the values.
        let per_cpu = self
            .c()
            .call::<DomainGetCpuStats>(&DomainGetCpuStatsArgs {
                dom: dom(d),
                nparams: 0,
                start_cpu: start,
                ncpus: 1,
                flags,
            })?
            .nparams;
        if per_cpu <= 0 {
            return Ok(Vec::new());
        }
        let ret = self.c().call::<DomainGetCpuStats>(&DomainGetCpuStatsArgs {
            dom: dom(d),
            nparams: per_cpu as u32,
            start_cpu: start,
            ncpus,
            flags,
        })?;
        let width = ret.nparams.max(1) as usize;
        let params = params_from_wire(ret.params);
        Ok(params.chunks(width).map(|c| c.to_vec()).collect())
    }
    fn connect_get_all_domain_stats(
        &self,
        domains: &[DomainRef],
        stats: u32,
        flags: u32,
    ) -> Result<Vec<DomainStatsRecord>> {
        let ret = self
            .c()
            .call::<ConnectGetAllDomainStats>(&ConnectGetAllDomainStatsArgs {
                doms: domains.iter().map(dom).collect(),
                stats,
                flags,
            })?;
        Ok(ret
            .ret_stats
            .into_iter()
            .map(|r| DomainStatsRecord {
                domain: r.dom.into(),
                params: params_from_wire(r.params),
            })
            .collect())
    }

    // ---- devices ----
    fn domain_attach_device(
        &self,
        d: &DomainRef,
        xml: &str,
        flags: DeviceModifyFlags,
    ) -> Result<()> {
        self.c()
            .call::<DomainAttachDeviceFlags>(&DomainAttachDeviceFlagsArgs {
                dom: dom(d),
                xml: xml.to_string(),
                flags: flags.bits(),
            })
    }
    fn domain_detach_device(
        &self,
        d: &DomainRef,
        xml: &str,
        flags: DeviceModifyFlags,
    ) -> Result<()> {
        self.c()
            .call::<DomainDetachDeviceFlags>(&DomainAttachDeviceFlagsArgs {
                dom: dom(d),
                xml: xml.to_string(),
                flags: flags.bits(),
            })
    }
    fn domain_update_device(
        &self,
        d: &DomainRef,
        xml: &str,
        flags: DeviceModifyFlags,
    ) -> Result<()> {
        self.c()
            .call::<DomainUpdateDeviceFlags>(&DomainAttachDeviceFlagsArgs {
                dom: dom(d),
                xml: xml.to_string(),
                flags: flags.bits(),
            })
    }
    fn domain_send_key(
        &self,
        d: &DomainRef,
        codeset: u32,
        holdtime: u32,
        keycodes: &[u32],
        flags: u32,
    ) -> Result<()> {
        self.c().call::<DomainSendKey>(&DomainSendKeyArgs {
            dom: dom(d),
            codeset,
            holdtime,
            keycodes: keycodes.to_vec(),
            flags,
        })
    }
    fn domain_screenshot(
        &self,
        d: &DomainRef,
        screen: u32,
        flags: u32,
    ) -> Result<(String, Vec<u8>)> {
        let args = DomainScreenshotArgs {
            dom: dom(d),
            screen,
            flags,
        };
        let (ret, header, rx) = self.c().call_with_stream::<DomainScreenshot>(&args)?;
        let mut stream = RemoteStream::new(Arc::clone(&self.client), header, rx);
        let data = Self::read_stream_to_end(&mut stream)?;
        Ok((ret.mime.unwrap_or_default(), data))
    }
    fn domain_open_console(
        &self,
        d: &DomainRef,
        dev_name: Option<&str>,
        flags: u32,
    ) -> Result<Box<dyn Stream>> {
        self.open_stream::<DomainOpenConsole>(&DomainOpenConsoleArgs {
            dom: dom(d),
            dev_name: dev_name.map(str::to_string),
            flags,
        })
    }

    // ---- QEMU program ----
    fn domain_qemu_agent_command(
        &self,
        d: &DomainRef,
        command: &str,
        timeout: i32,
        flags: u32,
    ) -> Result<String> {
        let args = qemu::DomainAgentCommandArgs {
            dom: dom(d),
            cmd: command.to_string(),
            timeout,
            flags,
        };
        let ret: qemu::DomainAgentCommandRet = self.c().call_program(
            QEMU_PROGRAM,
            QEMU_PROTOCOL_VERSION,
            qemu::DOMAIN_AGENT_COMMAND,
            &args,
        )?;
        Ok(ret.result.unwrap_or_default())
    }
    fn domain_qemu_monitor_command(
        &self,
        d: &DomainRef,
        command: &str,
        flags: u32,
    ) -> Result<String> {
        let args = qemu::DomainMonitorCommandArgs {
            dom: dom(d),
            cmd: command.to_string(),
            flags,
        };
        let ret: qemu::DomainMonitorCommandRet = self.c().call_program(
            QEMU_PROGRAM,
            QEMU_PROTOCOL_VERSION,
            qemu::DOMAIN_MONITOR_COMMAND,
            &args,
        )?;
        Ok(ret.result)
    }

    // ---- snapshots ----
    fn domain_snapshot_create_xml(
        &self,
        d: &DomainRef,
        xml: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        let args = DomainSnapshotCreateXmlArgs {
            dom: dom(d),
            xml_desc: xml.to_string(),
            flags,
        };
        Ok(self.c().call::<DomainSnapshotCreateXml>(&args)?.snap.into())
    }
    fn domain_list_all_snapshots(
        &self,
        d: &DomainRef,
        flags: u32,
    ) -> Result<Vec<DomainSnapshotRef>> {
        let args = DomainListAllSnapshotsArgs {
            dom: dom(d),
            need_results: 1,
            flags,
        };
        let ret = self.c().call::<DomainListAllSnapshots>(&args)?;
        Ok(ret
            .snapshots
            .into_iter()
            .map(DomainSnapshotRef::from)
            .collect())
    }
    fn domain_snapshot_lookup_by_name(
        &self,
        d: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        let args = DomainSnapshotLookupByNameArgs {
            dom: dom(d),
            name: name.to_string(),
            flags,
        };
        Ok(self
            .c()
            .call::<DomainSnapshotLookupByName>(&args)?
            .snap
            .into())
    }
    fn domain_snapshot_current(&self, d: &DomainRef, flags: u32) -> Result<DomainSnapshotRef> {
        let args = DomainFlagsArgs { dom: dom(d), flags };
        Ok(self.c().call::<DomainSnapshotCurrent>(&args)?.snap.into())
    }
    fn domain_snapshot_get_xml_desc(&self, s: &DomainSnapshotRef, flags: u32) -> Result<String> {
        let args = DomainSnapshotFlagsArgs {
            snap: snap(s),
            flags,
        };
        Ok(self.c().call::<DomainSnapshotGetXmlDesc>(&args)?.xml)
    }
    fn domain_revert_to_snapshot(&self, s: &DomainSnapshotRef, flags: u32) -> Result<()> {
        self.c()
            .call::<DomainRevertToSnapshot>(&DomainSnapshotFlagsArgs {
                snap: snap(s),
                flags,
            })
    }
    fn domain_snapshot_delete(&self, s: &DomainSnapshotRef, flags: u32) -> Result<()> {
        self.c()
            .call::<DomainSnapshotDelete>(&DomainSnapshotFlagsArgs {
                snap: snap(s),
                flags,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpumaps_round_trip() {
        let map = vec![true, false, false, true, false, false, false, false, true];
        let bytes = pack_cpumap(&map);
        assert_eq!(bytes, vec![0b0000_1001, 0b0000_0001]);
        assert_eq!(unpack_cpumap(&bytes, map.len()), map);
    }
}
