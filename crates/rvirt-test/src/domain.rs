//! Connection-level calls and domains (`virHypervisorDriver` of libvirt's test driver).

use std::io::{Read, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use rvirt_core::events::domain_lifecycle as lc;
use rvirt_core::*;
use rvirt_xml::domain::{DomainDef, FormatOptions, ParseOptions};

use crate::state::{Domain, State};
use crate::xmlutil::{self, name_guest_interfaces, parse_test_namespace};
use crate::TestDriver;

const MAX_VCPUS: u32 = 32;
/// The picture `virDomainScreenshot` returns: the one libvirt installs for its test driver.
const SCREENSHOT: &str = "/usr/share/libvirt/test-screenshot.png";
/// The largest host CPU map handed out.
const MAX_HOST_CPUS: usize = 1 << 16;
/// Header of the test driver's save images (written with its terminating NUL).
const SAVE_MAGIC: &[u8; 15] = b"TestGuestMagic\0";
const TOTAL_CPU_TIME: u64 = 48_772_617_035;

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

fn test_err(code: ErrorCode, detail: impl Into<String>) -> Error {
    Error::new(ErrorDomain::Test, code, detail)
}

fn check_flags(flags: u32, allowed: u32, function: &str) -> Result<()> {
    if flags & !allowed != 0 {
        return Err(Error::unsupported_flags(
            ErrorDomain::Test,
            flags & !allowed,
            function,
        ));
    }
    Ok(())
}

fn not_running() -> Error {
    Error::invalid_operation(ErrorDomain::Domain, "domain is not running")
}

/// Parses a domain definition the way the test driver's parser configuration does: test
/// namespace checks, then the document with generated interface names.
pub(crate) fn parse_domain(xml: &str) -> Result<DomainDef> {
    parse_test_namespace(xml)?;
    parse_definition(xml)
}

/// The parse itself, with the test driver's post-parse: guest interface names and the
/// default architecture (`defArch`, i686).
fn parse_definition(xml: &str) -> Result<DomainDef> {
    let mut def = DomainDef::parse(&name_guest_interfaces(xml), ParseOptions::default())?;
    if def.os.arch.as_deref().unwrap_or("").is_empty() {
        def.os.arch = Some("i686".to_string());
    }
    Ok(def)
}

/// What adding a definition did.
pub(crate) struct Added {
    pub index: usize,
    /// A previous (persistent) definition was replaced.
    pub replaced: bool,
}

/// `virDomainObjListAdd`: refuse name/UUID clashes, then add a new domain or give an
/// existing one the definition (`live`: as its running definition, refusing active ones).
pub(crate) fn add_domain(state: &mut State, mut def: DomainDef, live: bool) -> Result<Added> {
    def.id = None;
    // Only the domains holding this uuid or this name can clash; the keyed lookups find
    // them without reading every domain.
    let mut candidates: Vec<usize> = state
        .domain_index_by_uuid(&def.uuid)
        .into_iter()
        .chain(state.domain_index_by_name(&def.name))
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    let clash = rvirt_xml::testdriver::check_define_clash(
        "domain",
        ErrorDomain::Domain,
        candidates.iter().map(|&i| {
            let held = &state.domains[i].def;
            (held.name.as_str(), &held.uuid)
        }),
        &def.name,
        &def.uuid,
    )?
    .map(|at| candidates[at]);
    if let Some(index) = clash {
        let dom = state.domain_mut(index);
        if live {
            if dom.is_active() {
                return Err(Error::invalid_operation(
                    ErrorDomain::Domain,
                    format!("domain '{}' is already active", dom.def.name),
                ));
            }
            if !dom.persistent {
                return Err(Error::invalid_operation(
                    ErrorDomain::Domain,
                    format!("domain '{}' is already being started", dom.def.name),
                ));
            }
        }
        let replaced;
        if dom.is_active() {
            replaced = dom.new_def.is_some();
            dom.new_def = Some(def);
        } else if live {
            if dom.new_def.is_none() {
                dom.new_def = Some(std::mem::replace(&mut dom.def, def));
            } else {
                dom.def = def;
            }
            replaced = false;
        } else {
            dom.def = def;
            replaced = true;
        }
        return Ok(Added { index, replaced });
    }
    state.domains.push(std::sync::Arc::new(Domain::new(def)));
    Ok(Added {
        index: state.domains.len() - 1,
        replaced: false,
    })
}

fn lifecycle(dom: &Domain, event: i32, detail: i32) -> Event {
    Event::DomainLifecycle {
        domain: dom.handle(),
        event,
        detail,
    }
}

/// `testDomObjFromDomain`.
fn find(state: &State, dom: &DomainRef) -> Result<usize> {
    state.domain_index_by_uuid(&dom.uuid).ok_or_else(|| {
        test_err(
            ErrorCode::NoDomain,
            format!(
                "no domain with matching uuid '{}' ({})",
                uuid_string(&dom.uuid),
                dom.name
            ),
        )
    })
}

fn check_active(dom: &Domain) -> Result<()> {
    if dom.is_active() {
        Ok(())
    } else {
        Err(not_running())
    }
}

/// Ends a domain's run: shutoff with `reason`, the event, and removal of a transient domain.
fn stop(state: &mut State, index: usize, reason: i32, detail: i32, events: &mut Vec<Event>) {
    let dom = state.domain_mut(index);
    dom.shut_off(reason);
    events.push(lifecycle(dom, lc::STOPPED, detail));
    if !dom.persistent {
        state.domains.remove(index);
    }
}

/// `virDomainObjUpdateModificationImpact`: which of (live, config) a flag set addresses.
fn impact(dom: &Domain, flags: ModificationImpact) -> Result<(bool, bool)> {
    let mut live = flags.contains(ModificationImpact::LIVE);
    let mut config = flags.contains(ModificationImpact::CONFIG);
    if !live && !config {
        if dom.is_active() {
            live = true;
        } else {
            config = true;
        }
    }
    if live && !dom.is_active() {
        return Err(not_running());
    }
    if config && !dom.persistent {
        return Err(Error::invalid_operation(
            ErrorDomain::Domain,
            "transient domains do not have any persistent config",
        ));
    }
    Ok((live, config))
}

fn exclusive_live_config(flags: ModificationImpact) -> Result<()> {
    if flags.contains(ModificationImpact::LIVE | ModificationImpact::CONFIG) {
        return Err(Error::raw(
            ErrorDomain::Domain,
            ErrorCode::InvalidArg,
            "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
        ));
    }
    Ok(())
}

/// `virDomainObjGetOneDefState`: exactly one definition; `true` when it is the live one.
fn one_def(dom: &Domain, flags: ModificationImpact) -> Result<bool> {
    exclusive_live_config(flags)?;
    Ok(impact(dom, flags)?.0)
}

fn def_for(dom: &mut Domain, live: bool) -> &mut DomainDef {
    if live {
        &mut dom.def
    } else {
        match dom.new_def {
            Some(ref mut d) => d,
            None => &mut dom.def,
        }
    }
}

fn formatted(def: &DomainDef) -> String {
    def.format(FormatOptions::default())
}

/// Finds a disk by target name or source path, as `virDomainDiskIndexByName` does.
fn has_disk(def: &DomainDef, path: &str) -> Option<rvirt_xml::domain::DiskSummary> {
    def.disk_summaries()
        .into_iter()
        .find(|d| d.target_dev == path || d.source.as_deref() == Some(path))
}

fn write_save_image(path: &str, def: &DomainDef) -> Result<()> {
    let xml = def.format(FormatOptions {
        secure: true,
        ..Default::default()
    });
    let fail = |e: &std::io::Error, what: &str| {
        Error::system(
            ErrorDomain::Test,
            e,
            format!("saving domain '{}' to '{path}': {what}", def.name),
        )
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| fail(&e, "open failed"))?;
    let len = i32::try_from(xml.len()).unwrap_or(i32::MAX);
    let written = file
        .write_all(SAVE_MAGIC)
        .and_then(|_| file.write_all(&len.to_ne_bytes()))
        .and_then(|_| file.write_all(xml.as_bytes()));
    if let Err(e) = written {
        let _ = std::fs::remove_file(path);
        return Err(fail(&e, "write failed"));
    }
    Ok(())
}

fn read_save_image(path: &str) -> Result<DomainDef> {
    let mut file = std::fs::File::open(path).map_err(|e| {
        Error::system(
            ErrorDomain::Test,
            &e,
            format!("cannot read domain image '{path}'"),
        )
    })?;
    let mut magic = [0u8; 15];
    file.read_exact(&mut magic).map_err(|e| {
        Error::system(
            ErrorDomain::Test,
            &e,
            format!("incomplete save header in '{path}'"),
        )
    })?;
    if &magic != SAVE_MAGIC {
        return Err(Error::internal(
            ErrorDomain::Test,
            "mismatched header magic",
        ));
    }
    let mut len_bytes = [0u8; 4];
    file.read_exact(&mut len_bytes).map_err(|e| {
        Error::system(
            ErrorDomain::Test,
            &e,
            format!("failed to read metadata length in '{path}'"),
        )
    })?;
    let len = i32::from_ne_bytes(len_bytes);
    if !(1..=8192).contains(&len) {
        return Err(Error::internal(
            ErrorDomain::Test,
            "length of metadata out of range",
        ));
    }
    let mut xml = vec![0u8; len as usize];
    file.read_exact(&mut xml).map_err(|e| {
        Error::system(
            ErrorDomain::Test,
            &e,
            format!("incomplete metadata in '{path}'"),
        )
    })?;
    let text = String::from_utf8_lossy(&xml);
    parse_definition(&text)
}

/// The host CPUs a vCPU may run on: its `<vcpupin>`, else the domain's `cpuset`, else all.
fn vcpu_map(def: &DomainDef, vcpu: u32, host_cpus: usize) -> Vec<bool> {
    let id = vcpu.to_string();
    let pinned = def
        .section("cputune")
        .and_then(|t| {
            t.children
                .iter()
                .find(|c| c.name == "vcpupin" && c.attr("vcpu") == Some(id.as_str()))
        })
        .and_then(|p| p.attr("cpuset"));
    match pinned.or(def.vcpu_placement.cpuset.as_deref()) {
        Some(set) => crate::xmlutil::parse_cpuset(set, host_cpus),
        None => vec![true; host_cpus],
    }
}

/// Records a vCPU's pinning in `<cputune>`, kept in vCPU order as libvirt prints it.
fn set_vcpu_pin(def: &mut DomainDef, vcpu: u32, cpuset: &str) {
    use rvirt_xml::domain::Element;
    let pos = match def.sections.iter().position(|s| s.name == "cputune") {
        Some(p) => p,
        None => {
            def.sections.push(Element::new("cputune"));
            def.sections.len() - 1
        }
    };
    let tune = &mut def.sections[pos];
    let id = vcpu.to_string();
    tune.children
        .retain(|c| !(c.name == "vcpupin" && c.attr("vcpu") == Some(id.as_str())));
    let pin = Element::new("vcpupin")
        .with_attr("vcpu", &id)
        .with_attr("cpuset", cpuset);
    // After the pins of lower vCPUs, else before whatever libvirt prints after the pins.
    let pin_of = |c: &Element| {
        (c.name == "vcpupin")
            .then(|| c.attr("vcpu").and_then(|v| v.parse::<u32>().ok()))
            .flatten()
    };
    let later = [
        "vcpupin",
        "emulatorpin",
        "iothreadpin",
        "emulatorsched",
        "vcpusched",
        "iothreadsched",
        "cachetune",
        "memorytune",
    ];
    let at = match tune
        .children
        .iter()
        .rposition(|c| pin_of(c).is_some_and(|v| v < vcpu))
    {
        Some(i) => i + 1,
        None => tune
            .children
            .iter()
            .position(|c| later.contains(&c.name.as_str()))
            .unwrap_or(tune.children.len()),
    };
    tune.children.insert(at, pin);
}

/// `virDomainObjListFilter` for `virConnectListAllDomains`.
pub(crate) fn matches(dom: &Domain, flags: ListDomainsFlags) -> bool {
    type F = ListDomainsFlags;
    let pair = |yes: F, no: F, value: bool| {
        if flags.intersects(yes | no) {
            (flags.contains(yes) && value) || (flags.contains(no) && !value)
        } else {
            true
        }
    };
    let active = dom.is_active();
    if !pair(F::ACTIVE, F::INACTIVE, active) {
        return false;
    }
    if !pair(F::PERSISTENT, F::TRANSIENT, dom.persistent) {
        return false;
    }
    let states = F::RUNNING | F::PAUSED | F::SHUTOFF | F::OTHER;
    if flags.intersects(states) {
        let st = dom.state;
        let ok = (flags.contains(F::RUNNING) && st == DomainState::Running)
            || (flags.contains(F::PAUSED) && st == DomainState::Paused)
            || (flags.contains(F::SHUTOFF) && st == DomainState::Shutoff)
            || (flags.contains(F::OTHER)
                && !matches!(
                    st,
                    DomainState::Running | DomainState::Paused | DomainState::Shutoff
                ));
        if !ok {
            return false;
        }
    }
    pair(F::MANAGEDSAVE, F::NO_MANAGEDSAVE, dom.managed_save)
        && pair(F::AUTOSTART, F::NO_AUTOSTART, dom.autostart)
        && pair(
            F::HAS_SNAPSHOT,
            F::NO_SNAPSHOT,
            crate::snapshot::count(dom) > 0,
        )
        && pair(F::HAS_CHECKPOINT, F::NO_CHECKPOINT, false)
}

/// `testDomainActionSetState`: what a guest-initiated power-off or reboot leads to, from
/// the domain's `<on_poweroff>`/`<on_reboot>` action.
fn apply_action(dom: &mut Domain, element: &str) {
    let action = xmlutil::root_child_text(&formatted(&dom.def), element).unwrap_or_default();
    match action.as_str() {
        "restart" | "rename-restart" => {
            dom.state = DomainState::Running;
            dom.reason = reason::running::BOOTED;
        }
        _ => {
            dom.state = DomainState::Shutoff;
            dom.reason = reason::shutoff::SHUTDOWN;
        }
    }
}

impl HypervisorDriver for TestDriver {
    fn connect_get_type(&self) -> Result<String> {
        Ok("TEST".to_string())
    }
    fn connect_get_version(&self) -> Result<u64> {
        Ok(2)
    }
    fn connect_get_hostname(&self) -> Result<String> {
        Ok(crate::caps::hostname())
    }
    fn connect_get_uri(&self) -> Result<String> {
        Ok(self.uri.clone())
    }
    fn connect_get_sysinfo(&self, flags: u32) -> Result<String> {
        check_flags(flags, 0, "testConnectGetSysinfo")?;
        Ok(crate::caps::SYSINFO.to_string())
    }
    fn connect_get_max_vcpus(&self, _kind: Option<&str>) -> Result<i32> {
        Ok(MAX_VCPUS as i32)
    }
    fn connect_get_capabilities(&self) -> Result<String> {
        self.read(|st| Ok(crate::caps::capabilities_xml(&st.cells)))
    }
    fn connect_get_cpu_model_names(&self, arch: &str, flags: u32) -> Result<Vec<String>> {
        check_flags(flags, 0, "testConnectGetCPUModelNames")?;
        crate::cpumodels::model_names(arch)
    }
    fn node_get_info(&self) -> Result<NodeInfo> {
        self.read(|st| Ok(st.node_info.clone()))
    }
    fn node_get_free_memory(&self) -> Result<u64> {
        self.read(|st| Ok(st.cells.iter().map(|c| c.free_mem).sum()))
    }
    fn node_get_cells_free_memory(&self, start: i32, max: i32) -> Result<Vec<u64>> {
        self.read(|st| {
            if start < 0 || start as usize >= st.cells.len() {
                return Err(Error::invalid_arg(
                    ErrorDomain::Test,
                    "Range exceeds available cells",
                ));
            }
            Ok(st
                .cells
                .iter()
                .skip(start as usize)
                .take(max.max(0) as usize)
                .map(|c| c.mem)
                .collect())
        })
    }
    fn node_get_cpu_stats(&self, _cpu: i32, flags: u32) -> Result<Vec<NodeStat>> {
        check_flags(flags, 0, "testNodeGetCPUStats")?;
        let stat = |field: &str, value: u64| NodeStat {
            field: field.to_string(),
            value,
        };
        Ok(vec![
            stat("user", 9_797_400_000),
            stat("kernel", 34_678_723_400_000),
            stat("idle", 87_264_900_000),
            stat("iowait", 763_600_000),
        ])
    }
    fn node_get_cpu_map(&self, flags: u32) -> Result<NodeCpuMap> {
        check_flags(flags, 0, "testNodeGetCPUMap")?;
        // libvirt's test driver answers a fixed host: 8 CPUs, of which 0, 2 and 4 are online.
        let online_map: Vec<bool> = (0..8).map(|cpu| matches!(cpu, 0 | 2 | 4)).collect();
        Ok(NodeCpuMap {
            online: online_map.iter().filter(|&&on| on).count() as u32,
            online_map,
        })
    }
    fn node_get_security_model(&self) -> Result<SecurityModel> {
        Ok(SecurityModel {
            model: "testSecurity".to_string(),
            doi: String::new(),
        })
    }
    fn connect_event_register(
        &self,
        family: EventFamily,
        object: Option<ObjectKey>,
        callback: EventCallback,
    ) -> Result<i32> {
        Ok(self.events.register(family, object, callback))
    }
    fn connect_event_deregister(&self, callback_id: i32) -> Result<()> {
        if self.events.deregister(callback_id) {
            Ok(())
        } else {
            Err(Error::invalid_arg(
                ErrorDomain::None,
                format!("could not find event callback {callback_id} for deletion"),
            ))
        }
    }

    fn connect_list_all_domains(&self, flags: ListDomainsFlags) -> Result<Vec<DomainRef>> {
        check_flags(flags.bits(), 0xffff, "testConnectListAllDomains")?;
        self.read(|st| {
            if flags.is_empty() {
                return Ok(st.domains.sorted_handles());
            }
            let mut list: Vec<DomainRef> = st
                .domains
                .iter()
                .filter(|d| matches(d, flags))
                .map(|d| d.handle())
                .collect();
            list.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(list)
        })
    }
    fn domain_lookup_by_id(&self, id: i32) -> Result<DomainRef> {
        self.read(|st| {
            st.domains
                .iter()
                .find(|d| d.is_active() && d.id() == id)
                .map(|d| d.handle())
                .ok_or_else(|| Error::bare(ErrorDomain::Test, ErrorCode::NoDomain))
        })
    }
    fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
        self.read(|st| {
            st.domain_index_by_name(name)
                .map(|i| st.domains[i].handle())
                .ok_or_else(|| Error::bare(ErrorDomain::Test, ErrorCode::NoDomain))
        })
    }
    fn domain_lookup_by_uuid(&self, uuid: &Uuid) -> Result<DomainRef> {
        self.read(|st| {
            st.domain_index_by_uuid(uuid)
                .map(|i| st.domains[i].handle())
                .ok_or_else(|| Error::bare(ErrorDomain::Test, ErrorCode::NoDomain))
        })
    }

    fn domain_define_xml(&self, xml: &str, flags: DomainDefineFlags) -> Result<DomainRef> {
        check_flags(
            flags.bits(),
            DomainDefineFlags::VALIDATE.bits(),
            "testDomainDefineXMLFlags",
        )?;
        let def = parse_domain(xml)?;
        if def.name.contains('\n') {
            return Err(Error::raw(
                ErrorDomain::Xml,
                ErrorCode::XmlDetail,
                "invalid char in name: 0x0a",
            ));
        }
        self.write(|st, events| {
            let added = add_domain(st, def, false)?;
            let dom = st.domain_mut(added.index);
            dom.persistent = true;
            let detail = if added.replaced {
                lc::defined::UPDATED
            } else {
                lc::defined::ADDED
            };
            events.push(lifecycle(dom, lc::DEFINED, detail));
            Ok(dom.handle())
        })
    }
    fn domain_create_xml(&self, xml: &str, flags: DomainCreateFlags) -> Result<DomainRef> {
        check_flags(
            flags.bits(),
            DomainCreateFlags::START_VALIDATE.bits(),
            "testDomainCreateXML",
        )?;
        let def = parse_domain(xml)?;
        self.write(|st, events| {
            let index = add_domain(st, def, true)?.index;
            let id = st.take_domain_id();
            let dom = st.domain_mut(index);
            dom.start(id, reason::running::BOOTED);
            events.push(lifecycle(dom, lc::STARTED, lc::started::BOOTED));
            Ok(dom.handle())
        })
    }
    fn domain_undefine(&self, dom: &DomainRef, flags: DomainUndefineFlags) -> Result<()> {
        let allowed = DomainUndefineFlags::MANAGED_SAVE | DomainUndefineFlags::SNAPSHOTS_METADATA;
        check_flags(flags.bits(), allowed.bits(), "testDomainUndefineFlags")?;
        self.write(|st, events| {
            let index = find(st, dom)?;
            let obj = st.domain_mut(index);
            if obj.managed_save && !flags.contains(DomainUndefineFlags::MANAGED_SAVE) {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    "Refusing to undefine while domain managed save image exists",
                ));
            }
            let snapshots = crate::snapshot::count(obj);
            if !obj.is_active()
                && snapshots > 0
                && !flags.contains(DomainUndefineFlags::SNAPSHOTS_METADATA)
            {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    format!("cannot delete inactive domain with {snapshots} snapshots"),
                ));
            }
            events.push(lifecycle(obj, lc::UNDEFINED, lc::undefined::REMOVED));
            obj.managed_save = false;
            if obj.is_active() {
                obj.persistent = false;
            } else {
                st.domains.remove(index);
            }
            Ok(())
        })
    }
    fn domain_create(&self, dom: &DomainRef, flags: DomainCreateFlags) -> Result<DomainRef> {
        check_flags(flags.bits(), 0, "testDomainCreateWithFlags")?;
        self.write(|st, events| {
            let index = find(st, dom)?;
            if st.domains[index].state != DomainState::Shutoff {
                return Err(Error::internal(
                    ErrorDomain::Test,
                    format!("Domain '{}' is already running", dom.name),
                ));
            }
            let id = st.take_domain_id();
            let obj = st.domain_mut(index);
            obj.start(id, reason::running::BOOTED);
            events.push(lifecycle(obj, lc::STARTED, lc::started::BOOTED));
            Ok(obj.handle())
        })
    }
    fn domain_shutdown(&self, dom: &DomainRef, flags: DomainShutdownFlags) -> Result<()> {
        check_flags(flags.bits(), 0, "testDomainShutdownFlags")?;
        self.write(|st, events| {
            let index = find(st, dom)?;
            let obj = st.domain_mut(index);
            if obj.state == DomainState::Shutoff {
                return Err(Error::internal(
                    ErrorDomain::Test,
                    format!("domain '{}' not running", dom.name),
                ));
            }
            apply_action(obj, "on_poweroff");
            if obj.state == DomainState::Shutoff {
                stop(
                    st,
                    index,
                    reason::shutoff::SHUTDOWN,
                    lc::stopped::SHUTDOWN,
                    events,
                );
            }
            Ok(())
        })
    }
    fn domain_reboot(&self, dom: &DomainRef, flags: DomainShutdownFlags) -> Result<()> {
        check_flags(flags.bits(), 0x1f, "testDomainReboot")?;
        self.write(|st, events| {
            let index = find(st, dom)?;
            let obj = st.domain_mut(index);
            check_active(obj)?;
            apply_action(obj, "on_reboot");
            if obj.state == DomainState::Shutoff {
                stop(
                    st,
                    index,
                    reason::shutoff::SHUTDOWN,
                    lc::stopped::SHUTDOWN,
                    events,
                );
            }
            Ok(())
        })
    }
    fn domain_reset(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testDomainReset")?;
        self.read(|st| check_active(&st.domains[find(st, dom)?]))
    }
    fn domain_destroy(&self, dom: &DomainRef, flags: DomainDestroyFlags) -> Result<()> {
        check_flags(
            flags.bits(),
            DomainDestroyFlags::GRACEFUL.bits(),
            "testDomainDestroyFlags",
        )?;
        self.write(|st, events| {
            let index = find(st, dom)?;
            check_active(&st.domains[index])?;
            stop(
                st,
                index,
                reason::shutoff::DESTROYED,
                lc::stopped::DESTROYED,
                events,
            );
            Ok(())
        })
    }
    fn domain_suspend(&self, dom: &DomainRef) -> Result<()> {
        self.write(|st, events| {
            let index = find(st, dom)?;
            let obj = st.domain_mut(index);
            if matches!(obj.state, DomainState::Shutoff | DomainState::Paused) {
                return Err(Error::internal(
                    ErrorDomain::Test,
                    format!("domain '{}' not running", dom.name),
                ));
            }
            obj.state = DomainState::Paused;
            obj.reason = reason::paused::USER;
            events.push(lifecycle(obj, lc::SUSPENDED, lc::suspended::PAUSED));
            Ok(())
        })
    }
    fn domain_resume(&self, dom: &DomainRef) -> Result<()> {
        self.write(|st, events| {
            let index = find(st, dom)?;
            let obj = st.domain_mut(index);
            if obj.state != DomainState::Paused {
                return Err(Error::internal(
                    ErrorDomain::Test,
                    format!("domain '{}' not paused", dom.name),
                ));
            }
            obj.state = DomainState::Running;
            obj.reason = reason::running::UNPAUSED;
            events.push(lifecycle(obj, lc::RESUMED, lc::resumed::UNPAUSED));
            Ok(())
        })
    }
    fn domain_save(
        &self,
        dom: &DomainRef,
        path: &str,
        dxml: Option<&str>,
        flags: DomainSaveFlags,
    ) -> Result<()> {
        check_flags(flags.bits(), 0, "testDomainSaveFlags")?;
        if dxml.is_some() {
            return Err(test_err(
                ErrorCode::ArgumentUnsupported,
                "xml modification unsupported",
            ));
        }
        self.write(|st, events| {
            let index = find(st, dom)?;
            check_active(&st.domains[index])?;
            write_save_image(path, &st.domains[index].def)?;
            stop(
                st,
                index,
                reason::shutoff::SAVED,
                lc::stopped::SAVED,
                events,
            );
            Ok(())
        })
    }
    fn domain_restore(&self, path: &str, dxml: Option<&str>, flags: DomainSaveFlags) -> Result<()> {
        check_flags(flags.bits(), 0, "testDomainRestoreFlags")?;
        if dxml.is_some() {
            return Err(test_err(
                ErrorCode::ArgumentUnsupported,
                "xml modification unsupported",
            ));
        }
        let def = read_save_image(path)?;
        self.write(|st, events| {
            let index = add_domain(st, def, true)?.index;
            let id = st.take_domain_id();
            let obj = st.domain_mut(index);
            obj.start(id, reason::running::RESTORED);
            events.push(lifecycle(obj, lc::STARTED, lc::started::RESTORED));
            Ok(())
        })
    }
    fn domain_save_image_get_xml_desc(&self, path: &str, flags: u32) -> Result<String> {
        check_flags(flags, 1, "testDomainSaveImageGetXMLDesc")?;
        let def = read_save_image(path)?;
        Ok(def.format(FormatOptions {
            secure: true,
            ..Default::default()
        }))
    }
    fn domain_managed_save(&self, dom: &DomainRef, flags: DomainSaveFlags) -> Result<()> {
        let allowed =
            DomainSaveFlags::BYPASS_CACHE | DomainSaveFlags::RUNNING | DomainSaveFlags::PAUSED;
        check_flags(flags.bits(), allowed.bits(), "testDomainManagedSave")?;
        self.write(|st, events| {
            let index = find(st, dom)?;
            let obj = st.domain_mut(index);
            check_active(obj)?;
            if !obj.persistent {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    "cannot do managed save for transient domain",
                ));
            }
            obj.shut_off(reason::shutoff::SAVED);
            events.push(lifecycle(obj, lc::STOPPED, lc::stopped::SAVED));
            obj.managed_save = true;
            Ok(())
        })
    }
    fn domain_has_managed_save_image(&self, dom: &DomainRef) -> Result<bool> {
        self.read(|st| Ok(st.domains[find(st, dom)?].managed_save))
    }
    fn domain_managed_save_remove(&self, dom: &DomainRef) -> Result<()> {
        self.write(|st, _| {
            let index = find(st, dom)?;
            st.domain_mut(index).managed_save = false;
            Ok(())
        })
    }
    fn domain_core_dump(&self, dom: &DomainRef, path: &str, flags: u32) -> Result<()> {
        const CRASH: u32 = 1;
        check_flags(flags, CRASH, "testDomainCoreDumpWithFormat")?;
        self.write(|st, events| {
            let index = find(st, dom)?;
            check_active(&st.domains[index])?;
            std::fs::write(path, SAVE_MAGIC).map_err(|e| {
                Error::system(
                    ErrorDomain::Test,
                    &e,
                    format!("domain '{}' coredump: failed to open {path}", dom.name),
                )
            })?;
            if flags & CRASH != 0 {
                stop(
                    st,
                    index,
                    reason::shutoff::CRASHED,
                    lc::stopped::CRASHED,
                    events,
                );
            }
            Ok(())
        })
    }
    fn domain_get_autostart(&self, dom: &DomainRef) -> Result<bool> {
        self.read(|st| Ok(st.domains[find(st, dom)?].autostart))
    }
    fn domain_set_autostart(&self, dom: &DomainRef, autostart: bool) -> Result<()> {
        self.write(|st, _| {
            let index = find(st, dom)?;
            st.domain_mut(index).autostart = autostart;
            Ok(())
        })
    }
    fn domain_rename(&self, dom: &DomainRef, new_name: &str, flags: u32) -> Result<DomainRef> {
        check_flags(flags, 0, "testDomainRename")?;
        self.write(|st, events| {
            let index = find(st, dom)?;
            let obj = &st.domains[index];
            if obj.is_active() {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    "cannot rename active domain",
                ));
            }
            if !obj.persistent {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    "cannot rename a transient domain",
                ));
            }
            if obj.state != DomainState::Shutoff {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    "domain has to be shutoff before renaming",
                ));
            }
            if obj.def.name == new_name {
                return Ok(obj.handle());
            }
            if st.domain_index_by_name(new_name).is_some() {
                return Err(Error::invalid_operation(
                    ErrorDomain::Domain,
                    format!("domain with name '{new_name}' already exists"),
                ));
            }
            if new_name.contains('/') {
                return Err(Error::xml(
                    ErrorDomain::Test,
                    format!("name {new_name} cannot contain '/'"),
                ));
            }
            let obj = st.domain_mut(index);
            events.push(lifecycle(obj, lc::UNDEFINED, lc::undefined::RENAMED));
            obj.def.name = new_name.to_string();
            events.push(lifecycle(obj, lc::DEFINED, lc::defined::RENAMED));
            Ok(obj.handle())
        })
    }

    fn domain_get_info(&self, dom: &DomainRef) -> Result<DomainInfo> {
        self.read(|st| {
            let obj = &st.domains[find(st, dom)?];
            Ok(DomainInfo {
                state: obj.state,
                max_mem: obj.def.memory,
                memory: obj.def.current_memory,
                nr_virt_cpu: obj.def.current_vcpus,
                cpu_time: now_micros().saturating_mul(1000),
            })
        })
    }
    fn domain_get_state(&self, dom: &DomainRef, flags: u32) -> Result<(DomainState, i32)> {
        check_flags(flags, 0, "testDomainGetState")?;
        self.read(|st| {
            let obj = &st.domains[find(st, dom)?];
            Ok((obj.state, obj.reason))
        })
    }
    fn domain_get_xml_desc(&self, dom: &DomainRef, flags: DomainXmlFlags) -> Result<String> {
        check_flags(flags.bits(), 0xf, "testDomainGetXMLDesc")?;
        self.read(|st| {
            let obj = &st.domains[find(st, dom)?];
            let inactive = flags.contains(DomainXmlFlags::INACTIVE);
            if flags.is_empty() {
                return Ok(obj.formatted.get_or_format(|| formatted(&obj.def)));
            }
            let def = match (&obj.new_def, inactive) {
                (Some(persistent), true) => persistent,
                _ => &obj.def,
            };
            Ok(def.format(FormatOptions {
                inactive,
                secure: flags.contains(DomainXmlFlags::SECURE),
                migratable: flags.contains(DomainXmlFlags::MIGRATABLE),
            }))
        })
    }
    fn domain_get_os_type(&self, dom: &DomainRef) -> Result<String> {
        let _ = dom;
        Ok("linux".to_string())
    }
    fn domain_get_max_memory(&self, dom: &DomainRef) -> Result<u64> {
        self.read(|st| Ok(st.domains[find(st, dom)?].def.memory))
    }
    fn domain_get_max_vcpus(&self, dom: &DomainRef) -> Result<i32> {
        self.domain_get_vcpus_flags(dom, ModificationImpact::LIVE | ModificationImpact::MAXIMUM)
    }
    fn domain_is_active(&self, dom: &DomainRef) -> Result<bool> {
        self.read(|st| Ok(st.domains[find(st, dom)?].is_active()))
    }
    fn domain_is_persistent(&self, dom: &DomainRef) -> Result<bool> {
        self.read(|st| Ok(st.domains[find(st, dom)?].persistent))
    }
    fn domain_is_updated(&self, _dom: &DomainRef) -> Result<bool> {
        Ok(false)
    }
    fn domain_get_hostname(&self, dom: &DomainRef, flags: u32) -> Result<String> {
        check_flags(flags, 0, "testDomainGetHostname")?;
        self.read(|st| {
            check_active(&st.domains[find(st, dom)?])?;
            Ok(format!("{}host", dom.name))
        })
    }
    fn domain_get_time(&self, dom: &DomainRef, flags: u32) -> Result<DomainTime> {
        check_flags(flags, 0, "testDomainGetTime")?;
        self.read(|st| {
            let obj = &st.domains[find(st, dom)?];
            if obj.state != DomainState::Running {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    "domain is not running",
                ));
            }
            Ok(DomainTime {
                seconds: obj.time.0,
                nseconds: obj.time.1,
            })
        })
    }
    fn domain_set_time(&self, dom: &DomainRef, time: DomainTime, flags: u32) -> Result<()> {
        check_flags(flags, 1, "testDomainSetTime")?;
        self.write(|st, _| {
            let index = find(st, dom)?;
            let obj = st.domain_mut(index);
            check_active(obj)?;
            obj.time = (time.seconds, time.nseconds);
            Ok(())
        })
    }
    fn domain_get_scheduler_type(&self, _dom: &DomainRef) -> Result<(String, i32)> {
        Ok(("fair".to_string(), 1))
    }
    fn domain_get_scheduler_parameters(
        &self,
        dom: &DomainRef,
        flags: u32,
    ) -> Result<Vec<TypedParam>> {
        check_flags(flags, 0, "testDomainGetSchedulerParametersFlags")?;
        self.read(|st| {
            find(st, dom)?;
            Ok(vec![TypedParam::new("weight", TypedValue::UInt(50))])
        })
    }
    fn domain_set_scheduler_parameters(
        &self,
        dom: &DomainRef,
        params: &[TypedParam],
        flags: u32,
    ) -> Result<()> {
        check_flags(flags, 0, "testDomainSetSchedulerParametersFlags")?;
        for p in params {
            if p.field != "weight" {
                return Err(Error::invalid_arg(
                    ErrorDomain::None,
                    format!("parameter '{}' not supported", p.field),
                ));
            }
            if !matches!(p.value, TypedValue::UInt(_)) {
                return Err(Error::invalid_arg(
                    ErrorDomain::None,
                    format!("invalid type for parameter '{}', expected 'uint'", p.field),
                ));
            }
        }
        // The test driver accepts the weight and keeps nothing.
        self.read(|st| find(st, dom).map(|_| ()))
    }
    fn domain_get_metadata(
        &self,
        dom: &DomainRef,
        kind: i32,
        uri: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        let affect = ModificationImpact::from_bits_retain(flags);
        exclusive_live_config(affect)?;
        crate::metadata::check_get_args(kind, uri)?;
        check_flags(flags, 3, "testDomainGetMetadata")?;
        self.read(|st| {
            let obj = &st.domains[find(st, dom)?];
            let live = one_def(obj, affect)?;
            let def = if live { &obj.def } else { obj.persistent_def() };
            crate::metadata::get(def, kind, uri)
        })
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
        crate::metadata::check_set_args(kind, metadata, key, uri)?;
        check_flags(flags, 3, "testDomainSetMetadata")?;
        let affect = ModificationImpact::from_bits_retain(flags);
        self.write(|st, events| {
            let index = find(st, dom)?;
            let obj = st.domain_mut(index);
            let (live, config) = impact(obj, affect)?;
            if live {
                crate::metadata::set(&mut obj.def, kind, metadata, key, uri)?;
            }
            if config {
                crate::metadata::set(def_for(obj, false), kind, metadata, key, uri)?;
            }
            events.push(Event::DomainMetadataChange {
                domain: obj.handle(),
                kind,
                nsuri: uri.map(str::to_string),
            });
            Ok(())
        })
    }
    fn domain_get_security_label(&self, dom: &DomainRef) -> Result<SecurityLabel> {
        self.read(|st| {
            let obj = &st.domains[find(st, dom)?];
            Ok(if obj.is_active() {
                SecurityLabel {
                    label: "libvirt-test".to_string(),
                    enforcing: true,
                }
            } else {
                SecurityLabel::default()
            })
        })
    }

    fn domain_set_memory(
        &self,
        dom: &DomainRef,
        kib: u64,
        flags: ModificationImpact,
    ) -> Result<()> {
        let allowed =
            ModificationImpact::LIVE | ModificationImpact::CONFIG | ModificationImpact::MAXIMUM;
        check_flags(flags.bits(), allowed.bits(), "testDomainSetMemoryFlags")?;
        self.write(|st, _| {
            let index = find(st, dom)?;
            let obj = st.domain_mut(index);
            let live = one_def(obj, flags)?;
            let def = def_for(obj, live);
            if flags.contains(ModificationImpact::MAXIMUM) {
                if live {
                    return Err(Error::invalid_operation(
                        ErrorDomain::Test,
                        "cannot resize the maximum memory on an active domain",
                    ));
                }
                def.memory = kib;
                if def.current_memory > kib {
                    def.current_memory = kib;
                }
            } else {
                if kib > def.memory {
                    return Err(Error::invalid_arg(
                        ErrorDomain::Test,
                        "cannot set memory higher than max memory",
                    ));
                }
                def.current_memory = kib;
            }
            Ok(())
        })
    }
    fn domain_set_vcpus(
        &self,
        dom: &DomainRef,
        count: u32,
        flags: ModificationImpact,
    ) -> Result<()> {
        if count == 0 {
            return Err(Error::raw(
                ErrorDomain::Domain,
                ErrorCode::InvalidArg,
                "nvcpus in virDomainSetVcpusFlags must not be zero",
            ));
        }
        let allowed =
            ModificationImpact::LIVE | ModificationImpact::CONFIG | ModificationImpact::MAXIMUM;
        check_flags(flags.bits(), allowed.bits(), "testDomainSetVcpusFlags")?;
        if count > MAX_VCPUS {
            return Err(Error::invalid_arg(
                ErrorDomain::Test,
                format!(
                    "requested cpu amount exceeds maximum supported amount ({count} > {MAX_VCPUS})"
                ),
            ));
        }
        self.write(|st, _| {
            let index = find(st, dom)?;
            let obj = st.domain_mut(index);
            let (live, config) = impact(obj, flags)?;
            let maximum = flags.contains(ModificationImpact::MAXIMUM);
            let too_many = |max: u32| {
                Error::invalid_arg(
                    ErrorDomain::Test,
                    format!("requested cpu amount exceeds maximum ({count} > {max})"),
                )
            };
            if live && obj.def.vcpus < count {
                return Err(too_many(obj.def.vcpus));
            }
            if config && !maximum {
                let max = obj.persistent_def().vcpus;
                if max < count {
                    return Err(too_many(max));
                }
            }
            if live {
                obj.def.current_vcpus = count;
            }
            if config {
                let def = def_for(obj, false);
                if maximum {
                    def.vcpus = count;
                    def.current_vcpus = def.current_vcpus.min(count);
                } else {
                    def.current_vcpus = count;
                }
            }
            Ok(())
        })
    }
    fn domain_get_vcpus_flags(&self, dom: &DomainRef, flags: ModificationImpact) -> Result<i32> {
        let allowed =
            ModificationImpact::LIVE | ModificationImpact::CONFIG | ModificationImpact::MAXIMUM;
        check_flags(flags.bits(), allowed.bits(), "testDomainGetVcpusFlags")?;
        self.read(|st| {
            let obj = &st.domains[find(st, dom)?];
            let live = one_def(obj, flags)?;
            let def = if live { &obj.def } else { obj.persistent_def() };
            Ok(if flags.contains(ModificationImpact::MAXIMUM) {
                def.vcpus as i32
            } else {
                def.current_vcpus as i32
            })
        })
    }
    fn domain_get_vcpus(&self, dom: &DomainRef) -> Result<(Vec<VcpuInfo>, Vec<Vec<bool>>)> {
        self.read(|st| {
            let obj = &st.domains[find(st, dom)?];
            if !obj.is_active() {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    "cannot list vcpus for an inactive domain",
                ));
            }
            let info = &st.node_info;
            // Bounded so that absurd node files cannot make us allocate gigabytes.
            let host_cpus = (info
                .nodes
                .wrapping_mul(info.sockets)
                .wrapping_mul(info.cores)
                .wrapping_mul(info.threads) as usize)
                .min(MAX_HOST_CPUS);
            let base = now_micros();
            let count = obj.def.current_vcpus;
            let maps: Vec<Vec<bool>> = (0..count)
                .map(|n| vcpu_map(&obj.def, n, host_cpus))
                .collect();
            let infos = maps
                .iter()
                .enumerate()
                .map(|(n, map)| VcpuInfo {
                    number: n as u32,
                    state: 1,
                    cpu_time: base / 10,
                    cpu: map.iter().rposition(|&b| b).map(|c| c as i32).unwrap_or(-1),
                })
                .collect();
            Ok((infos, maps))
        })
    }
    fn domain_get_vcpu_pin_info(
        &self,
        dom: &DomainRef,
        flags: ModificationImpact,
    ) -> Result<Vec<Vec<bool>>> {
        let allowed = ModificationImpact::LIVE | ModificationImpact::CONFIG;
        check_flags(flags.bits(), allowed.bits(), "testDomainGetVcpuPinInfo")?;
        self.read(|st| {
            let obj = &st.domains[find(st, dom)?];
            let live = one_def(obj, flags)?;
            let def = if live {
                &obj.def
            } else {
                obj.new_def.as_ref().unwrap_or(&obj.def)
            };
            let info = &st.node_info;
            let host_cpus = (info
                .nodes
                .wrapping_mul(info.sockets)
                .wrapping_mul(info.cores)
                .wrapping_mul(info.threads) as usize)
                .min(MAX_HOST_CPUS);
            // Offline vCPUs report their pinning too, as virDomainDefGetVcpuPinInfoHelper does.
            Ok((0..def.vcpus)
                .map(|n| vcpu_map(def, n, host_cpus))
                .collect())
        })
    }
    fn domain_pin_vcpu(
        &self,
        dom: &DomainRef,
        vcpu: u32,
        cpumap: &[bool],
        flags: u32,
    ) -> Result<()> {
        check_flags(flags, 0, "testDomainPinVcpuFlags")?;
        self.write(|st, _| {
            let index = find(st, dom)?;
            let obj = st.domain_mut(index);
            if !obj.is_active() {
                return Err(Error::invalid_operation(
                    ErrorDomain::Test,
                    "cannot pin vcpus on an inactive domain",
                ));
            }
            if vcpu >= obj.def.current_vcpus {
                return Err(Error::invalid_arg(
                    ErrorDomain::Test,
                    format!("requested vcpu '{vcpu}' is not present in the domain"),
                ));
            }
            set_vcpu_pin(&mut obj.def, vcpu, &crate::xmlutil::format_cpuset(cpumap));
            Ok(())
        })
    }
    fn connect_get_all_domain_stats(
        &self,
        domains: &[DomainRef],
        stats: u32,
        flags: u32,
    ) -> Result<Vec<DomainStatsRecord>> {
        self.read(|st| crate::domstats::collect(st, domains, stats, flags))
    }
    fn domain_screenshot(
        &self,
        _dom: &DomainRef,
        _screen: u32,
        flags: u32,
    ) -> Result<(String, Vec<u8>)> {
        check_flags(flags, 0, "testDomainScreenshot")?;
        // libvirt's test driver streams the picture its package installs; the domain is not
        // even looked at.
        let image = std::fs::read(SCREENSHOT).map_err(|e| {
            Error::system(
                ErrorDomain::Test,
                &e,
                format!("Unable to open stream for '{SCREENSHOT}'"),
            )
        })?;
        Ok(("image/png".to_string(), image))
    }
    fn domain_snapshot_create_xml(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        self.snapshot_create(dom, xml, flags)
    }
    fn domain_list_all_snapshots(
        &self,
        dom: &DomainRef,
        flags: u32,
    ) -> Result<Vec<DomainSnapshotRef>> {
        self.snapshot_list(dom, flags)
    }
    fn domain_snapshot_lookup_by_name(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        self.snapshot_lookup(dom, name, flags)
    }
    fn domain_snapshot_current(&self, dom: &DomainRef, flags: u32) -> Result<DomainSnapshotRef> {
        self.snapshot_current(dom, flags)
    }
    fn domain_snapshot_get_xml_desc(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<String> {
        self.snapshot_xml(snap, flags)
    }
    fn domain_revert_to_snapshot(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<()> {
        self.snapshot_revert(snap, flags)
    }
    fn domain_snapshot_delete(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<()> {
        self.snapshot_delete(snap, flags)
    }
    fn domain_memory_stats(
        &self,
        dom: &DomainRef,
        max: u32,
        flags: u32,
    ) -> Result<Vec<MemoryStat>> {
        check_flags(flags, 0, "testDomainMemoryStats")?;
        self.read(|st| {
            let obj = &st.domains[find(st, dom)?];
            check_active(obj)?;
            if !xmlutil::has_memballoon(&formatted(&obj.def)) {
                return Ok(Vec::new());
            }
            let cur = obj.def.current_memory;
            let stats = [
                (6, cur),
                (0, 0),
                (1, 0),
                (2, 0),
                (3, 0),
                (4, cur / 2),
                (5, cur),
                (8, cur / 2),
                (9, 627_319_920),
                (10, cur / 8),
                (11, 0),
                (12, 0),
                (7, cur / 2),
            ];
            Ok(stats
                .iter()
                .take(max as usize)
                .map(|&(tag, value)| MemoryStat { tag, value })
                .collect())
        })
    }
    fn domain_set_memory_stats_period(
        &self,
        dom: &DomainRef,
        period: i32,
        flags: u32,
    ) -> Result<()> {
        if period < 0 {
            return Err(Error::raw(
                ErrorDomain::Domain,
                ErrorCode::InvalidArg,
                "period in virDomainSetMemoryStatsPeriod must be zero or greater",
            ));
        }
        check_flags(flags, 3, "testDomainSetMemoryStatsPeriod")?;
        self.write(|st, _| {
            let index = find(st, dom)?;
            let obj = st.domain_mut(index);
            let live = one_def(obj, ModificationImpact::from_bits_retain(flags))?;
            let def = def_for(obj, live);
            let balloon = def
                .devices
                .iter_mut()
                .find(|d| d.name == "memballoon" && d.attr("model") != Some("none"))
                .ok_or_else(|| {
                    Error::internal(
                        ErrorDomain::Test,
                        "No memory balloon device configured, can not set the collection period",
                    )
                })?;
            balloon.children.retain(|c| c.name != "stats");
            if period > 0 {
                let stats = rvirt_xml::domain::Element::new("stats")
                    .with_attr("period", &period.to_string());
                balloon.children.insert(0, stats);
            }
            Ok(())
        })
    }
    fn domain_block_stats(&self, dom: &DomainRef, disk: &str) -> Result<BlockStats> {
        if disk.is_empty() {
            return Err(test_err(
                ErrorCode::OperationUnsupported,
                "summary statistics are not supported yet",
            ));
        }
        self.read(|st| {
            let obj = &st.domains[find(st, dom)?];
            check_active(obj)?;
            if has_disk(&obj.def, disk).is_none() {
                return Err(Error::invalid_arg(
                    ErrorDomain::Test,
                    format!("invalid path: {disk}"),
                ));
            }
            let base = now_micros() as i64;
            Ok(BlockStats {
                rd_req: base / 10,
                rd_bytes: base / 20,
                wr_req: base / 30,
                wr_bytes: base / 40,
                errs: base / 2_000_000,
            })
        })
    }
    fn domain_block_info(&self, dom: &DomainRef, disk: &str, flags: u32) -> Result<BlockInfo> {
        check_flags(flags, 0, "testDomainGetBlockInfo")?;
        self.read(|st| {
            let obj = &st.domains[find(st, dom)?];
            let Some(found) = has_disk(&obj.def, disk) else {
                return Err(Error::invalid_arg(
                    ErrorDomain::Test,
                    format!("invalid path {disk} not assigned to domain"),
                ));
            };
            if found.source.is_none() {
                return Err(Error::invalid_arg(
                    ErrorDomain::Test,
                    format!("disk '{disk}' does not currently have a source assigned"),
                ));
            }
            Ok(BlockInfo {
                capacity: 1_099_506_450_432,
                allocation: 1_099_511_627_776,
                physical: 1_099_511_627_776,
            })
        })
    }
    fn domain_interface_stats(&self, dom: &DomainRef, device: &str) -> Result<InterfaceStats> {
        self.read(|st| {
            let obj = &st.domains[find(st, dom)?];
            check_active(obj)?;
            let known = obj.def.interface_summaries().iter().any(|i| {
                i.target_dev.as_deref() == Some(device)
                    || i.mac
                        .as_deref()
                        .is_some_and(|m| m.eq_ignore_ascii_case(device))
            });
            if !known {
                return Err(Error::invalid_arg(
                    ErrorDomain::Domain,
                    format!("'{device}' is not a known interface"),
                ));
            }
            let base = now_micros() as i64;
            Ok(InterfaceStats {
                rx_bytes: base / 10,
                rx_packets: base / 100,
                rx_errs: base / 1_000_000,
                rx_drop: base / 2_000_000,
                tx_bytes: base / 20,
                tx_packets: base / 110,
                tx_errs: base / 3_000_000,
                tx_drop: base / 4_000_000,
            })
        })
    }
    fn domain_interface_addresses(
        &self,
        dom: &DomainRef,
        source: u32,
        flags: u32,
    ) -> Result<Vec<DomainInterface>> {
        check_flags(flags, 0, "testDomainInterfaceAddresses")?;
        if source >= 3 {
            return Err(test_err(
                ErrorCode::ArgumentUnsupported,
                format!("Unknown IP address data source {source}"),
            ));
        }
        self.read(|st| {
            let obj = &st.domains[find(st, dom)?];
            check_active(obj)?;
            let mut out = Vec::new();
            for (i, net) in obj.def.interface_summaries().into_iter().enumerate() {
                let addr = if net.net_type == "network" {
                    let name = net.source.clone().unwrap_or_default();
                    let index = st.network_index_by_name(&name).ok_or_else(|| {
                        Error::new(
                            ErrorDomain::Test,
                            ErrorCode::NoNetwork,
                            format!("no network with matching name '{name}'"),
                        )
                    })?;
                    let offset = 20 * (obj.id() as i64 - 1) + i as i64 + 1;
                    crate::xmlutil::guest_address(&st.networks[index].def.format(false), offset)
                } else {
                    DomainIpAddress {
                        kind: 0,
                        addr: format!("192.168.0.{}", 1 + i),
                        prefix: 24,
                    }
                };
                out.push(DomainInterface {
                    name: net.target_dev.unwrap_or_default(),
                    hwaddr: net.mac,
                    addrs: vec![addr],
                });
            }
            Ok(out)
        })
    }
    fn domain_get_cpu_stats(
        &self,
        dom: &DomainRef,
        start: i32,
        ncpus: u32,
        flags: u32,
    ) -> Result<Vec<Vec<TypedParam>>> {
        check_flags(flags, 1 << 2, "testDomainGetCPUStats")?;
        self.read(|st| {
            check_active(&st.domains[find(st, dom)?])?;
            let ull = |name: &str, v: u64| TypedParam::new(name, TypedValue::ULLong(v));
            if start == -1 {
                return Ok(vec![vec![
                    ull("cpu_time", TOTAL_CPU_TIME),
                    ull("user_time", 5_540_000_000),
                    ull("system_time", 6_460_000_000),
                ]]);
            }
            let total = st.node_info.cores as i32;
            if start >= total {
                return Err(Error::invalid_arg(
                    ErrorDomain::Test,
                    format!("start_cpu {start} larger than maximum of {}", total - 1),
                ));
            }
            let per_cpu = TOTAL_CPU_TIME / total.max(1) as u64;
            let end = total.min(start.saturating_add(ncpus as i32));
            Ok((start.max(0)..end)
                .map(|i| {
                    let t = per_cpu + i as u64;
                    vec![
                        ull("cpu_time", t),
                        ull("vcpu_time", t.wrapping_sub(1_234_567_890)),
                    ]
                })
                .collect())
        })
    }
}
