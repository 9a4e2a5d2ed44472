//! `HypervisorDriver` for QEMU: connection and node questions, the domain list and the
//! lifecycle calls, with libvirt's QEMU driver's errors.

use std::sync::Arc;

use rvirt_core::events::domain_lifecycle as lc;
use rvirt_core::*;
use rvirt_xml::domain::FormatOptions;

use crate::domain::{DomState, DomainObj};
use crate::driver::{clash_error, cpu_time_ns, monitor_command, qemu_err, Inner};
use crate::QemuDriver;

fn not_running() -> Error {
    qemu_err(ErrorCode::OperationInvalid, "domain is not running")
}

impl QemuDriver {
    fn inner(&self) -> &Arc<Inner> {
        &self.inner
    }

    /// `qemuDomainObjFromDomain`.
    fn obj(&self, dom: &DomainRef) -> Result<Arc<DomainObj>> {
        self.inner().find_by_uuid(&dom.uuid).ok_or_else(|| {
            qemu_err(
                ErrorCode::NoDomain,
                format!(
                    "no domain with matching uuid '{}' ({})",
                    uuid_string(&dom.uuid),
                    dom.name
                ),
            )
        })
    }

    /// Saves the running domain in `st` to `path` and stops it (`virDomainSaveFlags`).
    fn save_locked(
        &self,
        obj: &Arc<DomainObj>,
        st: &mut DomState,
        path: &std::path::Path,
        dxml: Option<&str>,
        flags: DomainSaveFlags,
    ) -> Result<()> {
        let inner = self.inner();
        if !matches!(st.state, DomainState::Running | DomainState::Paused) {
            return Err(not_running());
        }
        let was_running = st.state == DomainState::Running;
        let stay_running = if flags.contains(DomainSaveFlags::RUNNING) {
            true
        } else if flags.contains(DomainSaveFlags::PAUSED) {
            false
        } else {
            was_running
        };
        let xml = match dxml {
            Some(x) => {
                let def = inner.parse_definition(x)?;
                if def.uuid != obj.uuid || def.name != obj.name {
                    return Err(qemu_err(
                        ErrorCode::InvalidArg,
                        "target domain name/uuid doesn't match the source",
                    ));
                }
                def.format(FormatOptions {
                    inactive: true,
                    secure: true,
                    migratable: false,
                })
            }
            None => running(st)?.def.format(FormatOptions {
                inactive: true,
                secure: true,
                migratable: false,
            }),
        };
        if was_running {
            let r = running(st)?;
            r.expected_stops += 1;
            if let Err(e) = monitor_command(r, "stop", None) {
                r.expected_stops -= 1;
                return Err(e);
            }
            st.set_state(DomainState::Paused, reason::paused::SAVE);
            obj.sync(st);
        }
        let written = crate::save::create(
            path,
            &crate::save::SaveHeader {
                xml,
                was_running: stay_running,
            },
        )
        .and_then(|file| {
            let qmp = running(st)?
                .qmp
                .clone()
                .ok_or_else(|| qemu_err(ErrorCode::OperationInvalid, "monitor must not be NULL"))?;
            crate::save::write_state(&qmp, &file)?;
            file.sync_all().map_err(|e| {
                Error::system(
                    ErrorDomain::Qemu,
                    &e,
                    format!("cannot sync '{}'", path.display()),
                )
            })
        });
        if let Err(e) = written {
            let _ = std::fs::remove_file(path);
            if was_running {
                if let Ok(r) = running(st) {
                    r.expected_resumes += 1;
                    if monitor_command(r, "cont", None).is_ok() {
                        st.set_state(DomainState::Running, reason::running::SAVE_CANCELED);
                        obj.sync(st);
                    }
                }
            }
            return Err(e);
        }
        inner.stop(obj, st, reason::shutoff::SAVED, lc::stopped::SAVED, true);
        Ok(())
    }

    /// The emulator, canonical machine and virt type a domain-capabilities style call names
    /// (each optional), with libvirt's errors for what this host cannot serve.
    /// `check_virt_type`: refuse a virt type the emulator cannot run (domain capabilities
    /// do; the hypervisor CPU calls only need the name to be known).
    fn lookup_emulator(
        &self,
        emulator: Option<&str>,
        arch: Option<&str>,
        machine: Option<&str>,
        virttype: Option<&str>,
        check_virt_type: bool,
    ) -> Result<(std::sync::Arc<crate::probe::EmulatorCaps>, String, String)> {
        /// libvirt's `virDomainVirtType` names.
        const VIRT_TYPES: &[&str] = &[
            "qemu",
            "kqemu",
            "kvm",
            "xen",
            "lxc",
            "uml",
            "openvz",
            "test",
            "vmware",
            "hyperv",
            "vbox",
            "phyp",
            "parallels",
            "bhyve",
            "vz",
        ];
        if let Some(v) = virttype.filter(|v| !VIRT_TYPES.contains(v)) {
            return Err(qemu_err(
                ErrorCode::InvalidArg,
                format!("unknown virttype: {v}"),
            ));
        }
        if let Some(a) = arch.filter(|a| !rvirt_core::ARCH_NAMES.contains(a)) {
            return Err(qemu_err(
                ErrorCode::InvalidArg,
                format!("unknown architecture: {a}"),
            ));
        }
        let inner = self.inner();
        // The emulator libvirt would pick for the requested (or the host's) architecture.
        let wanted_arch = arch.unwrap_or(crate::definition::host_arch());
        let probed = crate::probe::emulator_for_arch(wanted_arch);
        let caps = match (emulator, &probed) {
            (Some(e), _) => inner.caps_for(std::path::Path::new(e))?,
            (None, Some(path)) => inner.caps_for(path)?,
            (None, None) => {
                return Err(qemu_err(
                    ErrorCode::ConfigUnsupported,
                    format!("unable to find any emulator to serve '{wanted_arch}' architecture"),
                ))
            }
        };
        match &probed {
            Some(p) if p.to_string_lossy() != caps.binary => {
                let supported = caps.arch == wanted_arch
                    || matches!(
                        (caps.arch.as_str(), wanted_arch),
                        ("x86_64", "i686")
                            | ("aarch64", "armv7l")
                            | ("armv7l", "armv6l")
                            | ("ppc64", "ppc64le")
                    );
                if !supported {
                    return Err(qemu_err(
                        ErrorCode::InvalidArg,
                        format!(
                            "Emulator '{}' does not support arch '{wanted_arch}'",
                            caps.binary
                        ),
                    ));
                }
            }
            Some(_) => {}
            None => {
                if let Some(a) = arch.filter(|a| *a != caps.arch) {
                    return Err(qemu_err(
                        ErrorCode::InvalidArg,
                        format!(
                            "architecture from emulator '{}' doesn't match given architecture \
                             '{a}'",
                            caps.arch
                        ),
                    ));
                }
            }
        }
        let virt = match virttype {
            Some(v) => v.to_string(),
            None if caps.kvm => "kvm".into(),
            None => "qemu".into(),
        };
        match virt.as_str() {
            _ if !check_virt_type => {}
            "qemu" => {}
            "kvm" if caps.kvm => {}
            "kvm" => {
                return Err(qemu_err(
                    ErrorCode::InvalidArg,
                    format!("KVM is not supported by '{}' on this host", caps.binary),
                ))
            }
            other => {
                return Err(qemu_err(
                    ErrorCode::InvalidArg,
                    format!(
                        "Emulator '{}' does not support virt type '{other}'",
                        caps.binary
                    ),
                ))
            }
        }
        let machine = match machine {
            Some(m) => caps
                .canonical_machine(m)
                .map(str::to_string)
                .ok_or_else(|| {
                    qemu_err(
                        ErrorCode::InvalidArg,
                        format!(
                            "the machine '{m}' is not supported by emulator '{}'",
                            caps.binary
                        ),
                    )
                })?,
            None => caps.default_machine().unwrap_or("none").to_string(),
        };
        Ok((caps, machine, virt))
    }

    /// QEMU's TCG CPU facts for `caps`, or libvirt's error when it cannot give them
    /// (`what`: `reporting CPU model` or `any CPU models`).
    fn tcg_cpu_for(
        &self,
        caps: &crate::probe::EmulatorCaps,
        virt: &str,
        what: &str,
    ) -> Result<crate::probe::TcgCpuCaps> {
        let supported = matches!(caps.arch.as_str(), "x86_64" | "i686");
        let tcg = supported.then(|| self.inner().tcg_cpu(caps)).flatten();
        tcg.ok_or_else(|| {
            qemu_err(
                ErrorCode::OperationUnsupported,
                format!(
                    "QEMU '{}' does not support {what} for virttype '{virt}'",
                    caps.binary
                ),
            )
        })
    }

    fn check_flags(flags: u32, allowed: u32, function: &str) -> Result<()> {
        if flags & !allowed != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::Qemu,
                flags & !allowed,
                function,
            ));
        }
        Ok(())
    }
}

fn running(st: &mut DomState) -> Result<&mut crate::domain::Running> {
    st.running.as_mut().ok_or_else(not_running)
}

impl HypervisorDriver for QemuDriver {
    fn connect_get_type(&self) -> Result<String> {
        Ok("QEMU".into())
    }

    fn connect_get_version(&self) -> Result<u64> {
        Ok(self.inner().default_emulator()?.version_number())
    }

    fn connect_get_hostname(&self) -> Result<String> {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .map_err(|e| Error::system(ErrorDomain::None, &e, "failed to determine host name"))
    }

    fn connect_get_uri(&self) -> Result<String> {
        Ok(self.inner().paths.uri())
    }

    fn connect_get_max_vcpus(&self, kind: Option<&str>) -> Result<i32> {
        match kind.map(str::to_ascii_lowercase).as_deref() {
            None | Some("qemu") => Ok(16),
            Some("kvm") => crate::cpu::hostcpu::kvm_max_vcpus()
                .map_err(|e| Error::system(ErrorDomain::None, &e, "Unable to open /dev/kvm")),
            Some(other) => Err(qemu_err(
                ErrorCode::InvalidArg,
                format!("unknown type '{other}'"),
            )),
        }
    }

    fn connect_get_capabilities(&self) -> Result<String> {
        Ok(crate::host::capabilities(&self.inner().all_emulators()).format())
    }

    fn connect_get_domain_capabilities(
        &self,
        emulator: Option<&str>,
        arch: Option<&str>,
        machine: Option<&str>,
        virttype: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        Self::check_flags(flags, 0, "qemuConnectGetDomainCapabilities")?;
        let inner = self.inner();
        let (caps, machine, virt) =
            self.lookup_emulator(emulator, arch, machine, virttype, true)?;
        let host_model = inner.host_model_cpu(&caps, &virt);
        Ok(crate::domcaps::format_with_host_model(
            &caps,
            &machine,
            &virt,
            host_model.as_ref(),
        ))
    }

    fn connect_get_cpu_model_names(&self, arch: &str, flags: u32) -> Result<Vec<String>> {
        Self::check_flags(flags, 0, "qemuConnectGetCPUModelNames")?;
        crate::cpu::model_names(arch)
    }

    fn connect_compare_cpu(&self, xml: &str, flags: u32) -> Result<i32> {
        Self::check_flags(
            flags,
            crate::cpu::COMPARE_FAIL_INCOMPATIBLE | crate::cpu::COMPARE_VALIDATE_XML,
            "qemuConnectCompareCPU",
        )?;
        crate::cpu::compare_xml(xml, flags)
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
        Self::check_flags(
            flags,
            crate::cpu::COMPARE_FAIL_INCOMPATIBLE | crate::cpu::COMPARE_VALIDATE_XML,
            "qemuConnectCompareHypervisorCPU",
        )?;
        let (caps, _, virt) = self.lookup_emulator(emulator, arch, machine, virttype, false)?;
        let tcg = self.tcg_cpu_for(&caps, &virt, "reporting CPU model")?;
        crate::cpu::compare_hypervisor_xml(&tcg, &virt, xml, flags)
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
        Self::check_flags(
            flags,
            crate::cpu::BASELINE_EXPAND_FEATURES | crate::cpu::BASELINE_MIGRATABLE,
            "qemuConnectBaselineHypervisorCPU",
        )?;
        let (caps, _, virt) = self.lookup_emulator(emulator, arch, machine, virttype, false)?;
        let tcg = self.tcg_cpu_for(&caps, &virt, "any CPU models")?;
        crate::cpu::baseline_hypervisor_xml(&tcg, xml_cpus, flags)
    }

    fn connect_baseline_cpu(&self, xml_cpus: &[String], flags: u32) -> Result<String> {
        Self::check_flags(
            flags,
            crate::cpu::BASELINE_EXPAND_FEATURES | crate::cpu::BASELINE_MIGRATABLE,
            "qemuConnectBaselineCPU",
        )?;
        crate::cpu::baseline_xml(xml_cpus, flags)
    }

    fn node_get_info(&self) -> Result<NodeInfo> {
        crate::host::node_info()
    }

    fn node_get_free_memory(&self) -> Result<u64> {
        crate::host::free_memory()
    }

    fn node_get_cells_free_memory(&self, start: i32, max: i32) -> Result<Vec<u64>> {
        crate::host::cells_free_memory(start, max)
    }

    fn node_get_security_model(&self) -> Result<SecurityModel> {
        Ok(SecurityModel {
            model: "none".into(),
            doi: "0".into(),
        })
    }

    fn connect_event_register(
        &self,
        family: EventFamily,
        object: Option<ObjectKey>,
        callback: EventCallback,
    ) -> Result<i32> {
        let id = self.inner().events.register(family, object, callback);
        self.track_callback(id);
        Ok(id)
    }

    fn connect_close(&self) -> Result<()> {
        self.drop_callbacks();
        self.run_autodestroy();
        Ok(())
    }

    fn connect_event_deregister(&self, callback_id: i32) -> Result<()> {
        if self.untrack_callback(callback_id) && self.inner().events.deregister(callback_id) {
            Ok(())
        } else {
            Err(qemu_err(
                ErrorCode::InvalidArg,
                format!("could not find event callback {callback_id} for deletion"),
            ))
        }
    }

    // ---- lists and lookups

    fn connect_list_all_domains(&self, flags: ListDomainsFlags) -> Result<Vec<DomainRef>> {
        let f = flags;
        let pick = |yes: ListDomainsFlags, no: ListDomainsFlags, is: bool| -> bool {
            let (y, n) = (f.contains(yes), f.contains(no));
            (!y && !n) || (y && is) || (n && !is)
        };
        let mut out = Vec::new();
        for d in self.inner().list() {
            let st = d.state();
            let state_filter = ListDomainsFlags::RUNNING
                | ListDomainsFlags::PAUSED
                | ListDomainsFlags::SHUTOFF
                | ListDomainsFlags::OTHER;
            let state_ok = !f.intersects(state_filter)
                || (f.contains(ListDomainsFlags::RUNNING) && st == DomainState::Running)
                || (f.contains(ListDomainsFlags::PAUSED) && st == DomainState::Paused)
                || (f.contains(ListDomainsFlags::SHUTOFF) && st == DomainState::Shutoff)
                || (f.contains(ListDomainsFlags::OTHER)
                    && !matches!(
                        st,
                        DomainState::Running | DomainState::Paused | DomainState::Shutoff
                    ));
            let autostart = d.lock().autostart;
            if pick(
                ListDomainsFlags::ACTIVE,
                ListDomainsFlags::INACTIVE,
                d.is_active(),
            ) && pick(
                ListDomainsFlags::PERSISTENT,
                ListDomainsFlags::TRANSIENT,
                d.is_persistent(),
            ) && pick(
                ListDomainsFlags::AUTOSTART,
                ListDomainsFlags::NO_AUTOSTART,
                autostart,
            ) && pick(
                ListDomainsFlags::MANAGEDSAVE,
                ListDomainsFlags::NO_MANAGEDSAVE,
                self.inner().managed_save_path(&d.name).exists(),
            ) && pick(
                ListDomainsFlags::HAS_SNAPSHOT,
                ListDomainsFlags::NO_SNAPSHOT,
                false,
            ) && pick(
                ListDomainsFlags::HAS_CHECKPOINT,
                ListDomainsFlags::NO_CHECKPOINT,
                false,
            ) && state_ok
            {
                out.push(d.handle());
            }
        }
        Ok(out)
    }

    fn domain_lookup_by_id(&self, id: i32) -> Result<DomainRef> {
        self.inner()
            .find_by_id(id)
            .map(|d| d.handle())
            .ok_or_else(|| {
                qemu_err(
                    ErrorCode::NoDomain,
                    format!("no domain with matching id {id}"),
                )
            })
    }

    fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
        self.inner()
            .find_by_name(name)
            .map(|d| d.handle())
            .ok_or_else(|| {
                qemu_err(
                    ErrorCode::NoDomain,
                    format!("no domain with matching name '{name}'"),
                )
            })
    }

    fn domain_lookup_by_uuid(&self, uuid: &Uuid) -> Result<DomainRef> {
        self.inner()
            .find_by_uuid(uuid)
            .map(|d| d.handle())
            .ok_or_else(|| {
                qemu_err(
                    ErrorCode::NoDomain,
                    format!("no domain with matching uuid '{}'", uuid_string(uuid)),
                )
            })
    }

    // ---- lifecycle

    fn domain_define_xml(&self, xml: &str, flags: DomainDefineFlags) -> Result<DomainRef> {
        Self::check_flags(
            flags.bits(),
            DomainDefineFlags::VALIDATE.bits(),
            "qemuDomainDefineXMLFlags",
        )?;
        let inner = self.inner();
        let def = inner.parse_definition(xml)?;
        if let Some(obj) = inner.find_by_uuid(&def.uuid) {
            if obj.name != def.name {
                return Err(clash_error(&obj, &def.name, &def.uuid));
            }
            let mut st = obj.lock();
            inner.save_config(&def)?;
            let was_persistent = st.config.is_some();
            st.config = Some(def);
            obj.sync(&st);
            drop(st);
            inner.emit(
                &obj,
                lc::DEFINED,
                if was_persistent {
                    lc::defined::UPDATED
                } else {
                    lc::defined::ADDED
                },
            );
            return Ok(obj.handle());
        }
        if let Some(other) = inner.find_by_name(&def.name) {
            return Err(clash_error(&other, &def.name, &def.uuid));
        }
        inner.save_config(&def)?;
        let st = DomState {
            config: Some(def.clone()),
            running: None,
            state: DomainState::Shutoff,
            reason: reason::shutoff::UNKNOWN,
            autostart: false,
        };
        let obj = match inner.insert(DomainObj::new(def.uuid, &def.name, st)) {
            Ok(o) => o,
            Err(e) => {
                let _ = inner.delete_config(&def.name);
                return Err(e);
            }
        };
        inner.emit(&obj, lc::DEFINED, lc::defined::ADDED);
        Ok(obj.handle())
    }

    fn domain_create_xml(&self, xml: &str, flags: DomainCreateFlags) -> Result<DomainRef> {
        let allowed = DomainCreateFlags::START_PAUSED
            | DomainCreateFlags::START_AUTODESTROY
            | DomainCreateFlags::START_VALIDATE;
        Self::check_flags(flags.bits(), allowed.bits(), "qemuDomainCreateXML")?;
        let inner = self.inner();
        let def = inner.parse_definition(xml)?;
        let paused = flags.contains(DomainCreateFlags::START_PAUSED);
        let obj = inner.start_in_own_object(def, paused, None)?;
        if flags.contains(DomainCreateFlags::START_AUTODESTROY) {
            self.track_autodestroy(obj.uuid);
        }
        Ok(obj.handle())
    }

    fn domain_undefine(&self, dom: &DomainRef, flags: DomainUndefineFlags) -> Result<()> {
        let allowed = DomainUndefineFlags::MANAGED_SAVE
            | DomainUndefineFlags::SNAPSHOTS_METADATA
            | DomainUndefineFlags::NVRAM
            | DomainUndefineFlags::KEEP_NVRAM
            | DomainUndefineFlags::CHECKPOINTS_METADATA
            | DomainUndefineFlags::TPM
            | DomainUndefineFlags::KEEP_TPM;
        Self::check_flags(flags.bits(), allowed.bits(), "qemuDomainUndefineFlags")?;
        let inner = self.inner();
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        if st.config.is_none() {
            return Err(qemu_err(
                ErrorCode::OperationInvalid,
                "cannot undefine transient domain",
            ));
        }
        let image = inner.managed_save_path(&obj.name);
        if image.exists() {
            if !flags.contains(DomainUndefineFlags::MANAGED_SAVE) {
                return Err(qemu_err(
                    ErrorCode::OperationInvalid,
                    "Refusing to undefine while domain managed save image exists",
                ));
            }
            std::fs::remove_file(&image).map_err(|e| {
                Error::system(
                    ErrorDomain::Qemu,
                    &e,
                    format!("Failed to remove managed save file '{}'", image.display()),
                )
            })?;
        }
        inner.delete_config(&obj.name)?;
        let _ = std::fs::remove_file(
            inner
                .paths
                .autostart_dir()
                .join(format!("{}.xml", obj.name)),
        );
        st.config = None;
        st.autostart = false;
        obj.sync(&st);
        if st.running.is_none() {
            obj.mark_removed();
        }
        drop(st);
        inner.emit(&obj, lc::UNDEFINED, lc::undefined::REMOVED);
        Ok(())
    }

    fn domain_create(&self, dom: &DomainRef, flags: DomainCreateFlags) -> Result<DomainRef> {
        let allowed = DomainCreateFlags::START_PAUSED
            | DomainCreateFlags::START_AUTODESTROY
            | DomainCreateFlags::START_BYPASS_CACHE
            | DomainCreateFlags::START_FORCE_BOOT;
        Self::check_flags(flags.bits(), allowed.bits(), "qemuDomainCreateWithFlags")?;
        let inner = self.inner();
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        if st.running.is_some() {
            return Err(qemu_err(
                ErrorCode::OperationInvalid,
                "domain is already running",
            ));
        }
        let def = st
            .config
            .clone()
            .ok_or_else(|| qemu_err(ErrorCode::OperationInvalid, "domain is not persistent"))?;
        // A managed save image is resumed from unless a fresh boot is asked for.
        let image = inner.managed_save_path(&obj.name);
        if image.exists() {
            if flags.contains(DomainCreateFlags::START_FORCE_BOOT) {
                let _ = std::fs::remove_file(&image);
            } else {
                let (header, file) = crate::save::open(&image)?;
                let saved = inner.parse_definition(&header.xml)?;
                let paused = flags.contains(DomainCreateFlags::START_PAUSED) || !header.was_running;
                inner.start_with(&obj, &mut st, saved, paused, Some(file))?;
                let _ = std::fs::remove_file(&image);
                drop(st);
                return Ok(obj.handle());
            }
        }
        inner.start(
            &obj,
            &mut st,
            def,
            flags.contains(DomainCreateFlags::START_PAUSED),
        )?;
        drop(st);
        if flags.contains(DomainCreateFlags::START_AUTODESTROY) {
            self.track_autodestroy(obj.uuid);
        }
        Ok(obj.handle())
    }

    fn domain_shutdown(&self, dom: &DomainRef, flags: DomainShutdownFlags) -> Result<()> {
        Self::check_flags(
            flags.bits(),
            (DomainShutdownFlags::ACPI_POWER_BTN | DomainShutdownFlags::GUEST_AGENT).bits(),
            "qemuDomainShutdownFlags",
        )?;
        if flags == DomainShutdownFlags::GUEST_AGENT {
            return Err(qemu_err(
                ErrorCode::ArgumentUnsupported,
                "QEMU guest agent is not configured",
            ));
        }
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        if st.state != DomainState::Running && st.state != DomainState::Paused {
            return Err(not_running());
        }
        let r = running(&mut st)?;
        r.fake_reboot = false;
        monitor_command(r, "system_powerdown", None)?;
        Ok(())
    }

    fn domain_reboot(&self, dom: &DomainRef, flags: DomainShutdownFlags) -> Result<()> {
        Self::check_flags(
            flags.bits(),
            (DomainShutdownFlags::ACPI_POWER_BTN | DomainShutdownFlags::GUEST_AGENT).bits(),
            "qemuDomainReboot",
        )?;
        if flags == DomainShutdownFlags::GUEST_AGENT {
            return Err(qemu_err(
                ErrorCode::ArgumentUnsupported,
                "QEMU guest agent is not configured",
            ));
        }
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        if st.state != DomainState::Running {
            return Err(not_running());
        }
        let r = running(&mut st)?;
        r.fake_reboot = true;
        if let Err(e) = monitor_command(r, "system_powerdown", None) {
            r.fake_reboot = false;
            return Err(e);
        }
        Ok(())
    }

    fn domain_reset(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        Self::check_flags(flags, 0, "qemuDomainReset")?;
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        let r = running(&mut st)?;
        monitor_command(r, "system_reset", None)?;
        Ok(())
    }

    fn domain_destroy(&self, dom: &DomainRef, flags: DomainDestroyFlags) -> Result<()> {
        Self::check_flags(
            flags.bits(),
            (DomainDestroyFlags::GRACEFUL | DomainDestroyFlags::REMOVE_LOGS).bits(),
            "qemuDomainDestroyFlags",
        )?;
        let inner = self.inner();
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        if st.running.is_none() {
            return Err(not_running());
        }
        inner.stop(
            &obj,
            &mut st,
            reason::shutoff::DESTROYED,
            lc::stopped::DESTROYED,
            true,
        );
        if flags.contains(DomainDestroyFlags::REMOVE_LOGS) {
            let _ = std::fs::remove_file(inner.paths.log_dir().join(format!("{}.log", obj.name)));
        }
        Ok(())
    }

    fn domain_suspend(&self, dom: &DomainRef) -> Result<()> {
        let inner = self.inner();
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        if st.running.is_none() {
            return Err(not_running());
        }
        if st.state == DomainState::Paused {
            return Ok(());
        }
        let r = running(&mut st)?;
        r.expected_stops += 1;
        if let Err(e) = monitor_command(r, "stop", None) {
            r.expected_stops -= 1;
            return Err(e);
        }
        st.set_state(DomainState::Paused, reason::paused::USER);
        obj.sync(&st);
        inner.write_status(&obj, &st);
        drop(st);
        inner.emit(&obj, lc::SUSPENDED, lc::suspended::PAUSED);
        Ok(())
    }

    fn domain_resume(&self, dom: &DomainRef) -> Result<()> {
        let inner = self.inner();
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        if st.running.is_none() {
            return Err(not_running());
        }
        if st.state == DomainState::Running {
            return Ok(());
        }
        let r = running(&mut st)?;
        r.expected_resumes += 1;
        if let Err(e) = monitor_command(r, "cont", None) {
            r.expected_resumes -= 1;
            return Err(qemu_err(
                ErrorCode::OperationFailed,
                format!("resume operation failed: {}", e.message),
            ));
        }
        st.set_state(DomainState::Running, reason::running::UNPAUSED);
        obj.sync(&st);
        inner.write_status(&obj, &st);
        drop(st);
        inner.emit(&obj, lc::RESUMED, lc::resumed::UNPAUSED);
        Ok(())
    }

    fn domain_save(
        &self,
        dom: &DomainRef,
        path: &str,
        dxml: Option<&str>,
        flags: DomainSaveFlags,
    ) -> Result<()> {
        let allowed =
            DomainSaveFlags::BYPASS_CACHE | DomainSaveFlags::RUNNING | DomainSaveFlags::PAUSED;
        Self::check_flags(flags.bits(), allowed.bits(), "qemuDomainSaveFlags")?;
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        self.save_locked(&obj, &mut st, std::path::Path::new(path), dxml, flags)
    }

    fn domain_restore(&self, path: &str, dxml: Option<&str>, flags: DomainSaveFlags) -> Result<()> {
        let allowed =
            DomainSaveFlags::BYPASS_CACHE | DomainSaveFlags::RUNNING | DomainSaveFlags::PAUSED;
        Self::check_flags(flags.bits(), allowed.bits(), "qemuDomainRestoreFlags")?;
        let inner = self.inner();
        let (header, file) = crate::save::open(std::path::Path::new(path))?;
        let def = inner.parse_definition(dxml.unwrap_or(&header.xml))?;
        let paused = flags.contains(DomainSaveFlags::PAUSED)
            || (!flags.contains(DomainSaveFlags::RUNNING) && !header.was_running);
        inner.start_in_own_object(def, paused, Some(file))?;
        Ok(())
    }

    fn domain_save_image_get_xml_desc(&self, path: &str, flags: u32) -> Result<String> {
        Self::check_flags(
            flags,
            DomainXmlFlags::SECURE.bits(),
            "qemuDomainSaveImageGetXMLDesc",
        )?;
        let (header, _) = crate::save::open(std::path::Path::new(path))?;
        Ok(header.xml)
    }

    fn domain_managed_save(&self, dom: &DomainRef, flags: DomainSaveFlags) -> Result<()> {
        let allowed =
            DomainSaveFlags::BYPASS_CACHE | DomainSaveFlags::RUNNING | DomainSaveFlags::PAUSED;
        Self::check_flags(flags.bits(), allowed.bits(), "qemuDomainManagedSave")?;
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        if st.config.is_none() {
            return Err(qemu_err(
                ErrorCode::OperationInvalid,
                "cannot do managed save for transient domain",
            ));
        }
        let path = self.inner().managed_save_path(&obj.name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::system(
                    ErrorDomain::Qemu,
                    &e,
                    format!("cannot create directory '{}'", dir.display()),
                )
            })?;
        }
        self.save_locked(&obj, &mut st, &path, None, flags)
    }

    fn domain_managed_save_remove(&self, dom: &DomainRef) -> Result<()> {
        let obj = self.obj(dom)?;
        let path = self.inner().managed_save_path(&obj.name);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::system(
                ErrorDomain::Qemu,
                &e,
                format!("Failed to remove managed save file '{}'", path.display()),
            )),
        }
    }

    fn domain_get_autostart(&self, dom: &DomainRef) -> Result<bool> {
        Ok(self.obj(dom)?.lock().autostart)
    }

    fn domain_set_autostart(&self, dom: &DomainRef, autostart: bool) -> Result<()> {
        let inner = self.inner();
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        if st.config.is_none() {
            return Err(qemu_err(
                ErrorCode::OperationInvalid,
                "cannot set autostart for transient domain",
            ));
        }
        if st.autostart == autostart {
            return Ok(());
        }
        let dir = inner.paths.autostart_dir();
        let link = dir.join(format!("{}.xml", obj.name));
        let target = inner
            .paths
            .domain_config_dir()
            .join(format!("{}.xml", obj.name));
        if autostart {
            std::fs::create_dir_all(&dir).map_err(|e| {
                Error::system(
                    ErrorDomain::Qemu,
                    &e,
                    format!("cannot create autostart directory {}", dir.display()),
                )
            })?;
            std::os::unix::fs::symlink(&target, &link).map_err(|e| {
                Error::system(
                    ErrorDomain::Qemu,
                    &e,
                    format!(
                        "Failed to create symlink '{}' to '{}'",
                        link.display(),
                        target.display()
                    ),
                )
            })?;
        } else {
            match std::fs::remove_file(&link) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(Error::system(
                        ErrorDomain::Qemu,
                        &e,
                        format!("Failed to delete symlink '{}'", link.display()),
                    ))
                }
            }
        }
        st.autostart = autostart;
        Ok(())
    }

    fn domain_set_memory(
        &self,
        dom: &DomainRef,
        kib: u64,
        flags: ModificationImpact,
    ) -> Result<()> {
        let allowed =
            ModificationImpact::LIVE | ModificationImpact::CONFIG | ModificationImpact::MAXIMUM;
        Self::check_flags(flags.bits(), allowed.bits(), "qemuDomainSetMemoryFlags")?;
        let inner = self.inner();
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        let active = st.running.is_some();
        let (live, config) =
            if !flags.intersects(ModificationImpact::LIVE | ModificationImpact::CONFIG) {
                (active, !active)
            } else {
                (
                    flags.contains(ModificationImpact::LIVE),
                    flags.contains(ModificationImpact::CONFIG),
                )
            };
        if live && !active {
            return Err(not_running());
        }
        if config && st.config.is_none() {
            return Err(qemu_err(
                ErrorCode::OperationInvalid,
                "cannot change persistent config of a transient domain",
            ));
        }
        if flags.contains(ModificationImpact::MAXIMUM) {
            if live {
                return Err(qemu_err(
                    ErrorCode::OperationInvalid,
                    "cannot resize the maximum memory on an active domain",
                ));
            }
            if let Some(cfg) = st.config.as_mut() {
                cfg.memory = kib;
                cfg.current_memory = cfg.current_memory.min(kib);
                let saved = cfg.clone();
                inner.save_config(&saved)?;
            }
            return Ok(());
        }
        let check_max = |max: u64| {
            if kib > max {
                Err(qemu_err(
                    ErrorCode::InvalidArg,
                    "cannot set memory higher than max memory",
                ))
            } else {
                Ok(())
            }
        };
        if live {
            let r = running(&mut st)?;
            check_max(r.def.memory)?;
            if !r
                .def
                .devices_of("memballoon")
                .any(|b| b.attr("model") == Some("virtio"))
            {
                return Err(qemu_err(
                    ErrorCode::OperationInvalid,
                    "Unable to change memory of active domain without the balloon device and guest OS balloon driver",
                ));
            }
            monitor_command(
                r,
                "balloon",
                Some(serde_json::json!({ "value": kib.saturating_mul(1024) })),
            )?;
            r.def.current_memory = kib;
        }
        if config {
            if let Some(cfg) = st.config.as_mut() {
                check_max(cfg.memory)?;
                cfg.current_memory = kib;
                let saved = cfg.clone();
                inner.save_config(&saved)?;
            }
        }
        inner.write_status(&obj, &st);
        Ok(())
    }

    fn domain_get_vcpus_flags(&self, dom: &DomainRef, flags: ModificationImpact) -> Result<i32> {
        let obj = self.obj(dom)?;
        let st = obj.lock();
        let config = flags.contains(ModificationImpact::CONFIG);
        let def = if config {
            st.config.as_ref().or(st.current_def())
        } else {
            st.current_def()
        }
        .ok_or_else(|| qemu_err(ErrorCode::InternalError, "domain has no definition"))?;
        let count = if flags.contains(ModificationImpact::MAXIMUM) || def.current_vcpus == 0 {
            def.vcpus
        } else {
            def.current_vcpus
        };
        Ok(count as i32)
    }

    // ---- information

    fn domain_get_info(&self, dom: &DomainRef) -> Result<DomainInfo> {
        let obj = self.obj(dom)?;
        let st = obj.lock();
        let def = st
            .current_def()
            .ok_or_else(|| qemu_err(ErrorCode::InternalError, "domain has no definition"))?;
        let cpu_time = st.running.as_ref().map(|r| cpu_time_ns(r.pid)).unwrap_or(0);
        let vcpus = if def.current_vcpus == 0 {
            def.vcpus
        } else {
            def.current_vcpus
        };
        Ok(DomainInfo {
            state: st.state,
            max_mem: def.memory,
            memory: def.current_memory,
            nr_virt_cpu: vcpus,
            cpu_time,
        })
    }

    fn domain_get_state(&self, dom: &DomainRef, flags: u32) -> Result<(DomainState, i32)> {
        Self::check_flags(flags, 0, "qemuDomainGetState")?;
        let obj = self.obj(dom)?;
        let st = obj.lock();
        Ok((st.state, st.reason))
    }

    fn domain_get_xml_desc(&self, dom: &DomainRef, flags: DomainXmlFlags) -> Result<String> {
        let allowed = DomainXmlFlags::SECURE
            | DomainXmlFlags::INACTIVE
            | DomainXmlFlags::UPDATE_CPU
            | DomainXmlFlags::MIGRATABLE;
        Self::check_flags(flags.bits(), allowed.bits(), "qemuDomainGetXMLDesc")?;
        let obj = self.obj(dom)?;
        let st = obj.lock();
        let inactive =
            flags.contains(DomainXmlFlags::INACTIVE) || flags.contains(DomainXmlFlags::MIGRATABLE);
        let def = if inactive {
            st.config.as_ref().or(st.running.as_ref().map(|r| &r.def))
        } else {
            st.current_def()
        }
        .ok_or_else(|| qemu_err(ErrorCode::InternalError, "domain has no definition"))?;
        let mut def = def.clone();
        def.id = if inactive {
            None
        } else {
            st.running.as_ref().map(|r| r.id)
        };
        Ok(def.format(FormatOptions {
            inactive,
            secure: flags.contains(DomainXmlFlags::SECURE),
            migratable: flags.contains(DomainXmlFlags::MIGRATABLE),
        }))
    }

    fn domain_get_os_type(&self, dom: &DomainRef) -> Result<String> {
        let obj = self.obj(dom)?;
        let st = obj.lock();
        Ok(st
            .current_def()
            .map(|d| d.os.os_type.clone())
            .unwrap_or_else(|| "hvm".into()))
    }

    fn domain_get_max_vcpus(&self, dom: &DomainRef) -> Result<i32> {
        let obj = self.obj(dom)?;
        let st = obj.lock();
        if st.running.is_none() {
            return Err(not_running());
        }
        Ok(st.current_def().map(|d| d.vcpus as i32).unwrap_or(0))
    }

    fn domain_has_managed_save_image(&self, dom: &DomainRef) -> Result<bool> {
        let obj = self.obj(dom)?;
        Ok(self.inner().managed_save_path(&obj.name).exists())
    }

    fn domain_get_security_label(&self, dom: &DomainRef) -> Result<SecurityLabel> {
        // The `none` security model labels nothing.
        self.obj(dom)?;
        Ok(SecurityLabel::default())
    }

    fn domain_is_active(&self, dom: &DomainRef) -> Result<bool> {
        Ok(self.obj(dom)?.is_active())
    }

    fn domain_is_persistent(&self, dom: &DomainRef) -> Result<bool> {
        Ok(self.obj(dom)?.is_persistent())
    }

    fn domain_is_updated(&self, dom: &DomainRef) -> Result<bool> {
        self.obj(dom)?;
        Ok(false)
    }

    fn domain_attach_device(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: DeviceModifyFlags,
    ) -> Result<()> {
        let allowed = DeviceModifyFlags::LIVE | DeviceModifyFlags::CONFIG;
        Self::check_flags(flags.bits(), allowed.bits(), "qemuDomainAttachDeviceFlags")?;
        let inner = self.inner();
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        crate::hotplug::attach(inner, &mut st, xml, flags)?;
        inner.write_status(&obj, &st);
        Ok(())
    }

    fn domain_detach_device(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: DeviceModifyFlags,
    ) -> Result<()> {
        let allowed = DeviceModifyFlags::LIVE | DeviceModifyFlags::CONFIG;
        Self::check_flags(flags.bits(), allowed.bits(), "qemuDomainDetachDeviceFlags")?;
        let inner = self.inner();
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        crate::hotplug::detach(inner, &mut st, xml, flags)?;
        inner.write_status(&obj, &st);
        Ok(())
    }

    fn domain_memory_stats(
        &self,
        dom: &DomainRef,
        max: u32,
        flags: u32,
    ) -> Result<Vec<MemoryStat>> {
        Self::check_flags(flags, 0, "qemuDomainMemoryStats")?;
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        crate::stats::memory_stats(running(&mut st)?, max)
    }

    fn domain_block_stats(&self, dom: &DomainRef, disk: &str) -> Result<BlockStats> {
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        crate::stats::block_stats(running(&mut st)?, disk)
    }

    fn domain_interface_stats(&self, dom: &DomainRef, device: &str) -> Result<InterfaceStats> {
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        crate::stats::interface_stats(&running(&mut st)?.def, device)
    }

    fn connect_get_all_domain_stats(
        &self,
        domains: &[DomainRef],
        stats: u32,
        flags: u32,
    ) -> Result<Vec<DomainStatsRecord>> {
        // Filters (ACTIVE..OTHER = 0xff) and ENFORCE_STATS/BACKING/NOWAIT.
        let known = 0xffu32 | (1 << 29) | (1 << 30) | (1 << 31);
        Self::check_flags(flags, known, "qemuConnectGetAllDomainStats")?;
        let supported = crate::stats::groups::STATE
            | crate::stats::groups::CPU_TOTAL
            | crate::stats::groups::BALLOON
            | crate::stats::groups::VCPU
            | crate::stats::groups::INTERFACE
            | crate::stats::groups::BLOCK;
        if flags & (1 << 31) != 0 && stats & !supported != 0 {
            return Err(qemu_err(
                ErrorCode::ArgumentUnsupported,
                format!(
                    "Stats types bits 0x{:x} are not supported by this daemon",
                    stats & !supported
                ),
            ));
        }
        let refs = if domains.is_empty() {
            self.connect_list_all_domains(ListDomainsFlags::from_bits_retain(flags & 0xff))?
        } else {
            domains.to_vec()
        };
        let mut out = Vec::new();
        for r in refs {
            let obj = self.obj(&r)?;
            let st = obj.lock();
            let Some(def) = st.current_def() else {
                continue;
            };
            let wanted = if stats == 0 {
                supported
            } else {
                stats & supported
            };
            // A running guest's volume disks report the paths QEMU has open.
            let storage = self.inner.storage();
            let with_paths = st
                .running
                .as_ref()
                .and_then(|_| crate::volumes::with_volume_paths(def, storage.as_deref()));
            let params = crate::stats::domain_record(
                with_paths.as_ref().unwrap_or(def),
                (st.state, st.reason),
                st.running.as_ref(),
                wanted,
            );
            out.push(DomainStatsRecord {
                domain: obj.handle(),
                params,
            });
        }
        Ok(out)
    }

    fn domain_open_console(
        &self,
        dom: &DomainRef,
        dev_name: Option<&str>,
        flags: u32,
    ) -> Result<Box<dyn Stream>> {
        // VIR_DOMAIN_CONSOLE_FORCE and _SAFE.
        Self::check_flags(flags, 0x3, "qemuDomainOpenConsole")?;
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        crate::stats::open_console(&running(&mut st)?.def, dev_name)
    }

    fn domain_qemu_monitor_command(
        &self,
        dom: &DomainRef,
        command: &str,
        flags: u32,
    ) -> Result<String> {
        Self::check_flags(flags, 0, "qemuDomainQemuMonitorCommand")?;
        let obj = self.obj(dom)?;
        let mut st = obj.lock();
        let r = running(&mut st)?;
        let msg: serde_json::Value = serde_json::from_str(command).map_err(|e| {
            qemu_err(
                ErrorCode::InvalidArg,
                format!("cannot parse json {command}: {e}"),
            )
        })?;
        let name = msg
            .get("execute")
            .and_then(|v| v.as_str())
            .ok_or_else(|| qemu_err(ErrorCode::InvalidArg, "command has no 'execute'"))?;
        let ret = monitor_command(r, name, msg.get("arguments").cloned())?;
        Ok(serde_json::json!({ "return": ret }).to_string())
    }
}
