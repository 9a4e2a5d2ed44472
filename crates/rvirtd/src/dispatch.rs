//! Remote procedures mapped to driver trait methods: decode the arguments with rvirt-proto's
//! types, call the driver, encode the return value. Runs on the worker pools.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

use rvirt::Connect;
use rvirt_core::events::domain_event_id;
use rvirt_core::*;
use rvirt_proto::calls::{self, RemoteCall};
use rvirt_proto::packet::{self, Header};
use rvirt_proto::procedures::{remote_proc as p, ProcedureInfo};
use rvirt_proto::program::{qemu, AuthType};
use rvirt_proto::remote::*;
use rvirt_proto::xdr;

use crate::apiname::{api_error_domain, api_name};
use crate::client::{CallbackKind, Client, EventSource, Registration};
use crate::stream::Direction;

/// `VIR_DRV_FEATURE_*` numbers the daemon answers itself.
pub mod feature {
    pub const FD_PASSING: i32 = 8;
    pub const TYPED_PARAM_STRING: i32 = 9;
    pub const PROGRAM_KEEPALIVE: i32 = 10;
    pub const REMOTE_EVENT_CALLBACK: i32 = 14;
    pub const REMOTE_CLOSE_CALLBACK: i32 = 15;
    pub const NETWORK_UPDATE_HAS_CORRECT_ORDER: i32 = 16;
}

/// `VIR_CONNECT_RO`.
const CONNECT_RO: u32 = 1;
/// `VIR_TYPED_PARAM_STRING_OKAY`, which libvirtd adds to typed-parameter getters.
const TYPED_PARAM_STRING_OKAY: u32 = 4;

/// An encoded return value in the buffer of its reply packet, behind room for the length
/// word and header (see [`packet::payload_buffer`]), so replying never copies the payload.
pub struct ReplyBody(Vec<u8>);

impl ReplyBody {
    /// An empty return value (procedures returning nothing).
    pub fn empty() -> ReplyBody {
        ReplyBody(packet::payload_buffer(0))
    }

    /// The reply packet to `call`, with status OK.
    pub fn into_packet(self, call: &Header) -> xdr::XdrResult<Vec<u8>> {
        packet::complete(&call.reply(packet::MessageStatus::Ok), self.0)
    }
}

/// What a call produced.
pub enum Outcome {
    /// The encoded return value.
    Reply(ReplyBody),
    /// The encoded return value, then the connection closes (`CONNECT_CLOSE`).
    ReplyThenClose(ReplyBody),
    /// The encoded return value, then stream data.
    Stream {
        reply: ReplyBody,
        stream: Box<dyn Stream>,
        direction: Direction,
    },
}

impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Reply(_) => f.write_str("Reply"),
            Outcome::ReplyThenClose(_) => f.write_str("ReplyThenClose"),
            Outcome::Stream { .. } => f.write_str("Stream"),
        }
    }
}

type Dispatched = std::result::Result<Outcome, Error>;

/// libvirt's error for arguments that do not decode.
pub fn decode_error() -> Error {
    Error::new(
        ErrorDomain::Rpc,
        ErrorCode::Rpc,
        "Unable to decode message payload",
    )
}

fn encode_error(e: xdr::XdrError) -> Error {
    Error::new(
        ErrorDomain::Rpc,
        ErrorCode::Rpc,
        format!("Unable to encode message payload: {e}"),
    )
}

/// Payload bytes reserved up front: most return values fit, so encoding rarely regrows.
const TYPICAL_PAYLOAD: usize = 256;

fn encode<T: serde::Serialize>(ret: &T) -> Result<ReplyBody> {
    let mut out = packet::payload_buffer(TYPICAL_PAYLOAD);
    xdr::append(&mut out, ret).map_err(encode_error)?;
    Ok(ReplyBody(out))
}

/// A call's encoded arguments, and the refusal to give once they decode (a read-only
/// client calling a modifying procedure: libvirtd decodes before its API refuses).
#[derive(Clone, Copy)]
struct Input<'a> {
    bytes: &'a [u8],
    deny: Option<&'a Error>,
}

impl<'a> From<&'a [u8]> for Input<'a> {
    fn from(bytes: &'a [u8]) -> Self {
        Input { bytes, deny: None }
    }
}

impl<'a> From<&'a Vec<u8>> for Input<'a> {
    fn from(bytes: &'a Vec<u8>) -> Self {
        Input { bytes, deny: None }
    }
}

impl Input<'_> {
    fn decode<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        let args = xdr::from_bytes(self.bytes).map_err(|_| decode_error())?;
        match self.deny {
            Some(e) => Err(e.clone()),
            None => Ok(args),
        }
    }
}

/// Decodes `C`'s arguments, runs `f`, encodes its return value.
fn run<'a, C: RemoteCall>(
    input: impl Into<Input<'a>>,
    f: impl FnOnce(C::Args) -> Result<C::Ret>,
) -> Dispatched {
    let args: C::Args = input.into().decode()?;
    let ret = f(args)?;
    Ok(Outcome::Reply(encode(&ret)?))
}

/// `remote_connect_list_all_domains_ret` for `doms`, encoded in one pass into a buffer of
/// the exact size: with thousands of domains, converting to the wire type copied every name
/// again and the growing buffer was copied several times.
fn encode_domain_list(doms: &[DomainRef], need_results: bool) -> Result<ReplyBody> {
    let listed = if need_results { doms } else { &[] };
    let size = listed
        .iter()
        .map(|d| 4 + d.name.len() + xdr::padding(d.name.len()) + 16 + 4)
        .sum::<usize>()
        + 8;
    let mut out = packet::payload_buffer(size);
    let put = |out: &mut Vec<u8>| -> xdr::XdrResult<()> {
        xdr::append(out, &count(listed.len()))?;
        for d in listed {
            xdr::append(out, d.name.as_str())?;
            xdr::append(out, &RemoteUuid::from(d.uuid))?;
            xdr::append(out, &d.id)?;
        }
        xdr::append(out, &count(doms.len()))
    };
    put(&mut out).map_err(encode_error)?;
    Ok(ReplyBody(out))
}

/// Like [`run`] for calls that open a stream.
fn run_stream<'a, C: RemoteCall>(
    input: impl Into<Input<'a>>,
    direction: Direction,
    f: impl FnOnce(C::Args) -> Result<(C::Ret, Box<dyn Stream>)>,
) -> Dispatched {
    let args: C::Args = input.into().decode()?;
    let (ret, stream) = f(args)?;
    Ok(Outcome::Stream {
        reply: encode(&ret)?,
        stream,
        direction,
    })
}

fn b(v: bool) -> i32 {
    i32::from(v)
}

fn limit<T>(mut items: Vec<T>, max: i32) -> Vec<T> {
    items.truncate(usize::try_from(max).unwrap_or(0));
    items
}

fn check_max(n: i32, max: usize, what: &str) -> Result<()> {
    if usize::try_from(n).is_ok_and(|n| n > max) {
        return Err(Error::new(
            ErrorDomain::Rpc,
            ErrorCode::Rpc,
            format!("{what} > {max}"),
        ));
    }
    Ok(())
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn uuid_str(uuid: &Uuid) -> String {
    uuid_string(uuid)
}

/// Bits of a libvirt CPU map (one bit per host CPU, LSB first).
fn cpumap_from_bytes(bytes: &[u8]) -> Vec<bool> {
    bytes
        .iter()
        .flat_map(|byte| (0..8).map(move |bit| byte & (1 << bit) != 0))
        .collect()
}

fn cpumap_to_bytes(map: &[bool], maplen: usize) -> Vec<u8> {
    let mut out = vec![0u8; maplen];
    for (i, on) in map.iter().enumerate() {
        if *on && i / 8 < maplen {
            out[i / 8] |= 1 << (i % 8);
        }
    }
    out
}

/// The refusal a read-only client gets for a modifying procedure.
pub fn read_only_denied(info: &ProcedureInfo) -> Error {
    Error::new(
        api_error_domain(info.name),
        ErrorCode::OperationDenied,
        format!("read only access prevents {}", api_name(info.name)),
    )
}

/// What libvirt answers for an API the connection's driver lacks.
pub fn no_support(info: &ProcedureInfo) -> Error {
    Error::no_support(api_error_domain(info.name), &api_name(info.name))
}

/// Runs one call of the remote program.
pub fn dispatch(
    client: &Arc<Client>,
    info: &ProcedureInfo,
    header: &Header,
    payload: &[u8],
) -> Dispatched {
    let _ = header;
    match info.number {
        p::AUTH_LIST => run::<calls::AuthList>(payload, |()| {
            Ok(AuthListRet {
                types: vec![AuthType::None],
            })
        }),
        p::CONNECT_OPEN => run::<calls::ConnectOpen>(payload, |a| connect_open(client, a)),
        p::CONNECT_SUPPORTS_FEATURE => run::<calls::ConnectSupportsFeature>(payload, |a| {
            let supported = match a.feature {
                feature::PROGRAM_KEEPALIVE => {
                    client.start_keepalive();
                    true
                }
                f => {
                    client.connection()?;
                    matches!(
                        f,
                        feature::FD_PASSING
                            | feature::TYPED_PARAM_STRING
                            | feature::REMOTE_EVENT_CALLBACK
                            | feature::REMOTE_CLOSE_CALLBACK
                            | feature::NETWORK_UPDATE_HAS_CORRECT_ORDER
                    )
                }
            };
            Ok(ConnectSupportsFeatureRet {
                supported: b(supported),
            })
        }),
        p::CONNECT_CLOSE => {
            let args: () = xdr::from_bytes(payload).map_err(|_| decode_error())?;
            let () = args;
            Ok(Outcome::ReplyThenClose(ReplyBody::empty()))
        }
        _ => {
            let conn = client.connection()?;
            if info.number == p::CONNECT_GET_LIB_VERSION {
                return run::<calls::ConnectGetLibVersion>(payload, |()| {
                    Ok(ConnectGetLibVersionRet {
                        lib_ver: LIBVIRT_API_VERSION,
                    })
                });
            }
            let deny = (!info.readonly && (client.readonly || conn.is_read_only()))
                .then(|| read_only_denied(info));
            dispatch_open(client, &conn, info, payload, deny.as_ref())
                .map_err(|e| as_called(e, info))
        }
    }
}

fn connect_open(client: &Arc<Client>, a: ConnectOpenArgs) -> Result<()> {
    if client.has_connection() {
        return Err(Error::new(
            ErrorDomain::Rpc,
            ErrorCode::InternalError,
            "connection already open",
        ));
    }
    // An empty or missing name asks for the daemon's default driver; rvirtd's is
    // LIBVIRT_DEFAULT_URI from its environment, else test:///default.
    let name = a.name.filter(|n| !n.is_empty());
    let readonly = client.readonly || a.flags & CONNECT_RO != 0;
    let conn = client.open_driver(name.as_deref(), readonly)?;
    client.set_connection(conn)
}

/// Client-visible callback ids, unique across the daemon (and so across the drivers of one
/// connection, whose own ids may coincide).
static NEXT_CALLBACK_ID: AtomicI32 = AtomicI32::new(1);

/// Registers an event callback on the driver for this client. Node device events go to the
/// connection's node device driver when it raises them itself (the host driver beside
/// QEMU); it answers `NO_SUPPORT` when the hypervisor driver raises them (the test driver).
fn register(
    client: &Arc<Client>,
    conn: &Connect,
    family: EventFamily,
    object: Option<ObjectKey>,
    kind: CallbackKind,
    event_id: i32,
) -> Result<i32> {
    let (callback, cell) = crate::events::client_callback(client, kind);
    let on_nodedev = match family {
        EventFamily::NodeDevice(_) => {
            match conn
                .nodedev
                .node_device_event_register(family, object.clone(), callback.clone())
            {
                Ok(id) => Some(id),
                Err(e) if e.code == ErrorCode::NoSupport => None,
                Err(e) => return Err(e),
            }
        }
        _ => None,
    };
    let (driver_id, source) = match on_nodedev {
        Some(id) => (id, EventSource::NodeDevice),
        None => (
            conn.hypervisor
                .connect_event_register(family, object, callback)?,
            EventSource::Hypervisor,
        ),
    };
    let client_id = NEXT_CALLBACK_ID.fetch_add(1, Ordering::SeqCst);
    cell.store(client_id, Ordering::SeqCst);
    client.add_registration(Registration {
        driver_id,
        client_id,
        source,
        kind,
        event_id,
    });
    Ok(client_id)
}

fn deregister(client: &Client, conn: &Connect, callback_id: i32) -> Result<()> {
    let reg = client
        .take_registration(|r| r.kind == CallbackKind::Modern && r.client_id == callback_id)
        .ok_or_else(|| {
            Error::new(
                ErrorDomain::Rpc,
                ErrorCode::InternalError,
                format!("no callback registered for callbackID {callback_id}"),
            )
        })?;
    reg.deregister(conn)
}

fn check_event_id(id: i32, max: i32) -> Result<()> {
    if id < 0 || id > max {
        return Err(Error::new(
            ErrorDomain::Rpc,
            ErrorCode::InternalError,
            format!("unsupported event ID {id}"),
        ));
    }
    Ok(())
}

/// A driver's "not supported" error names the driver method's API; libvirt names the API
/// the client called (`virConnectNumOfSecrets`, not `virConnectListAllSecrets`) under that
/// API's error domain. Other errors pass unchanged.
fn as_called(e: Error, info: &ProcedureInfo) -> Error {
    let standard = e.code == ErrorCode::NoSupport
        && e.str2.as_deref().is_some_and(|f| f.starts_with("vir"))
        && e.message == ErrorCode::NoSupport.message(e.str2.as_deref());
    if standard {
        no_support(info)
    } else {
        e
    }
}

/// Calls that need an open connection.
#[allow(clippy::too_many_lines)]
fn dispatch_open(
    client: &Arc<Client>,
    conn: &Connect,
    info: &ProcedureInfo,
    payload: &[u8],
    deny: Option<&Error>,
) -> Dispatched {
    use calls as c;
    let hv = &*conn.hypervisor;
    let net = &*conn.network;
    let st = &*conn.storage;
    let nd = &*conn.nodedev;
    let ifc = &*conn.interface;
    let sec = &*conn.secret;
    let nwf = &*conn.nwfilter;
    let pl = Input {
        bytes: payload,
        deny,
    };
    // Procedures without a mapping: a read-only refusal still comes first, as libvirt's
    // API checks access before reaching the driver.
    let unmapped = || Err(deny.cloned().unwrap_or_else(|| no_support(info)));
    match info.number {
        // ---- connection and host ----
        p::CONNECT_GET_TYPE => run::<c::ConnectGetType>(pl, |()| {
            Ok(ConnectGetTypeRet {
                type_: hv.connect_get_type()?,
            })
        }),
        p::CONNECT_GET_VERSION => run::<c::ConnectGetVersion>(pl, |()| {
            Ok(ConnectGetVersionRet {
                hv_ver: hv.connect_get_version()?,
            })
        }),
        p::CONNECT_GET_HOSTNAME => run::<c::ConnectGetHostname>(pl, |()| {
            Ok(ConnectGetHostnameRet {
                hostname: hv.connect_get_hostname()?,
            })
        }),
        p::CONNECT_GET_URI => run::<c::ConnectGetUri>(pl, |()| {
            Ok(ConnectGetUriRet {
                uri: hv.connect_get_uri()?,
            })
        }),
        p::CONNECT_GET_CAPABILITIES => run::<c::ConnectGetCapabilities>(pl, |()| {
            Ok(ConnectGetCapabilitiesRet {
                capabilities: hv.connect_get_capabilities()?,
            })
        }),
        p::CONNECT_GET_SYSINFO => run::<c::ConnectGetSysinfo>(pl, |a| {
            Ok(ConnectGetSysinfoRet {
                sysinfo: hv.connect_get_sysinfo(a.flags)?,
            })
        }),
        p::CONNECT_GET_MAX_VCPUS => run::<c::ConnectGetMaxVcpus>(pl, |a| {
            Ok(ConnectGetMaxVcpusRet {
                max_vcpus: hv.connect_get_max_vcpus(a.type_.as_deref())?,
            })
        }),
        p::CONNECT_IS_SECURE => {
            run::<c::ConnectIsSecure>(pl, |()| Ok(ConnectIsSecureRet { secure: 1 }))
        }
        p::CONNECT_GET_DOMAIN_CAPABILITIES => run::<c::ConnectGetDomainCapabilities>(pl, |a| {
            Ok(ConnectGetDomainCapabilitiesRet {
                capabilities: hv.connect_get_domain_capabilities(
                    a.emulatorbin.as_deref(),
                    a.arch.as_deref(),
                    a.machine.as_deref(),
                    a.virttype.as_deref(),
                    a.flags,
                )?,
            })
        }),
        p::CONNECT_GET_CPU_MODEL_NAMES => run::<c::ConnectGetCpuModelNames>(pl, |a| {
            let models = hv.connect_get_cpu_model_names(&a.arch, a.flags)?;
            let n = models.len() as i32;
            Ok(ConnectGetCpuModelNamesRet {
                models: if a.need_results != 0 {
                    limit(models, a.need_results.max(0).max(n))
                } else {
                    Vec::new()
                },
                ret: n,
            })
        }),
        p::CONNECT_COMPARE_CPU => run::<c::ConnectCompareCpu>(pl, |a| {
            Ok(ConnectCompareCpuRet {
                result: hv.connect_compare_cpu(&a.xml, a.flags)?,
            })
        }),
        p::CONNECT_BASELINE_CPU => run::<c::ConnectBaselineCpu>(pl, |a| {
            Ok(ConnectBaselineCpuRet {
                cpu: hv.connect_baseline_cpu(&a.xml_cpus, a.flags)?,
            })
        }),
        p::CONNECT_COMPARE_HYPERVISOR_CPU => run::<c::ConnectCompareHypervisorCpu>(pl, |a| {
            Ok(ConnectCompareHypervisorCpuRet {
                result: hv.connect_compare_hypervisor_cpu(
                    a.emulator.as_deref(),
                    a.arch.as_deref(),
                    a.machine.as_deref(),
                    a.virttype.as_deref(),
                    &a.xml_cpu,
                    a.flags,
                )?,
            })
        }),
        p::CONNECT_BASELINE_HYPERVISOR_CPU => run::<c::ConnectBaselineHypervisorCpu>(pl, |a| {
            Ok(ConnectBaselineHypervisorCpuRet {
                cpu: hv.connect_baseline_hypervisor_cpu(
                    a.emulator.as_deref(),
                    a.arch.as_deref(),
                    a.machine.as_deref(),
                    a.virttype.as_deref(),
                    &a.xml_cpus,
                    a.flags,
                )?,
            })
        }),
        p::CONNECT_REGISTER_CLOSE_CALLBACK => run::<c::ConnectRegisterCloseCallback>(pl, |()| {
            client.set_close_callback(true);
            Ok(())
        }),
        p::CONNECT_UNREGISTER_CLOSE_CALLBACK => {
            run::<c::ConnectUnregisterCloseCallback>(pl, |()| {
                client.set_close_callback(false);
                Ok(())
            })
        }
        p::NODE_GET_INFO => {
            run::<c::NodeGetInfo>(pl, |()| Ok(NodeGetInfoRet::from(&hv.node_get_info()?)))
        }
        p::NODE_GET_FREE_MEMORY => run::<c::NodeGetFreeMemory>(pl, |()| {
            Ok(NodeGetFreeMemoryRet {
                free_mem: hv.node_get_free_memory()?,
            })
        }),
        p::NODE_GET_CELLS_FREE_MEMORY => run::<c::NodeGetCellsFreeMemory>(pl, |a| {
            check_max(a.maxcells, limits::NODE_MAX_CELLS, "maxCells")?;
            Ok(NodeGetCellsFreeMemoryRet {
                cells: hv.node_get_cells_free_memory(a.start_cell, a.maxcells)?,
            })
        }),
        p::NODE_GET_CPU_MAP => run::<c::NodeGetCpuMap>(pl, |a| {
            let map = hv.node_get_cpu_map(a.flags)?;
            let cpus = map.online_map.len();
            // Like libvirtd: the map and the online count only when the client asked.
            Ok(NodeGetCpuMapRet {
                cpumap: if a.need_map != 0 {
                    cpumap_to_bytes(&map.online_map, cpus.div_ceil(8))
                } else {
                    Vec::new()
                },
                online: if a.need_online != 0 { map.online } else { 0 },
                ret: i32::try_from(cpus).unwrap_or(i32::MAX),
            })
        }),
        p::NODE_GET_CPU_STATS => run::<c::NodeGetCpuStats>(pl, |a| {
            check_max(a.nparams, limits::NODE_CPU_STATS_MAX, "nparams")?;
            let stats = hv.node_get_cpu_stats(a.cpu_num, a.flags)?;
            let n = stats.len() as i32;
            Ok(NodeGetCpuStatsRet {
                params: if a.nparams == 0 {
                    Vec::new()
                } else {
                    limit(stats.iter().map(NodeStatParam::from).collect(), a.nparams)
                },
                nparams: if a.nparams == 0 { n } else { n.min(a.nparams) },
            })
        }),
        p::NODE_GET_MEMORY_STATS => run::<c::NodeGetMemoryStats>(pl, |a| {
            check_max(a.nparams, limits::NODE_MEMORY_STATS_MAX, "nparams")?;
            let stats = hv.node_get_memory_stats(a.cell_num, a.flags)?;
            let n = stats.len() as i32;
            Ok(NodeGetMemoryStatsRet {
                params: if a.nparams == 0 {
                    Vec::new()
                } else {
                    limit(stats.iter().map(NodeStatParam::from).collect(), a.nparams)
                },
                nparams: if a.nparams == 0 { n } else { n.min(a.nparams) },
            })
        }),
        p::NODE_GET_SECURITY_MODEL => run::<c::NodeGetSecurityModel>(pl, |()| {
            Ok(NodeGetSecurityModelRet::from(
                &hv.node_get_security_model()?,
            ))
        }),

        // ---- events ----
        p::CONNECT_DOMAIN_EVENT_REGISTER => run::<c::ConnectDomainEventRegister>(pl, |()| {
            register(
                client,
                conn,
                EventFamily::Domain(domain_event_id::LIFECYCLE),
                None,
                CallbackKind::LegacyLifecycle,
                domain_event_id::LIFECYCLE,
            )?;
            Ok(ConnectDomainEventRegisterRet { cb_registered: 1 })
        }),
        p::CONNECT_DOMAIN_EVENT_DEREGISTER => run::<c::ConnectDomainEventDeregister>(pl, |()| {
            let reg = client
                .take_registration(|r| r.kind == CallbackKind::LegacyLifecycle)
                .ok_or_else(|| {
                    Error::new(
                        ErrorDomain::Rpc,
                        ErrorCode::InternalError,
                        "domain event 0 not registered",
                    )
                })?;
            reg.deregister(conn)?;
            Ok(ConnectDomainEventRegisterRet { cb_registered: 0 })
        }),
        p::CONNECT_DOMAIN_EVENT_REGISTER_ANY => run::<c::ConnectDomainEventRegisterAny>(pl, |a| {
            check_event_id(a.event_id, domain_event_id::MEMORY_DEVICE_SIZE_CHANGE)?;
            register(
                client,
                conn,
                EventFamily::Domain(a.event_id),
                None,
                CallbackKind::LegacyAny,
                a.event_id,
            )?;
            Ok(())
        }),
        p::CONNECT_DOMAIN_EVENT_DEREGISTER_ANY => {
            run::<c::ConnectDomainEventDeregisterAny>(pl, |a| {
                let reg = client
                    .take_registration(|r| {
                        r.kind == CallbackKind::LegacyAny && r.event_id == a.event_id
                    })
                    .ok_or_else(|| {
                        Error::new(
                            ErrorDomain::Rpc,
                            ErrorCode::InternalError,
                            format!("domain event {} not registered", a.event_id),
                        )
                    })?;
                reg.deregister(conn)
            })
        }
        p::CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY => {
            run::<c::ConnectDomainEventCallbackRegisterAny>(pl, |a| {
                check_event_id(a.event_id, domain_event_id::MEMORY_DEVICE_SIZE_CHANGE)?;
                let object = a.dom.map(|d| ObjectKey::Uuid(Uuid::from(d.uuid)));
                let id = register(
                    client,
                    conn,
                    EventFamily::Domain(a.event_id),
                    object,
                    CallbackKind::Modern,
                    a.event_id,
                )?;
                Ok(ConnectEventRegisterAnyRet { callback_id: id })
            })
        }
        p::CONNECT_NETWORK_EVENT_REGISTER_ANY => {
            run::<c::ConnectNetworkEventRegisterAny>(pl, |a| {
                check_event_id(a.event_id, 1)?;
                let object = a.net.map(|n| ObjectKey::Uuid(Uuid::from(n.uuid)));
                let id = register(
                    client,
                    conn,
                    EventFamily::Network(a.event_id),
                    object,
                    CallbackKind::Modern,
                    a.event_id,
                )?;
                Ok(ConnectEventRegisterAnyRet { callback_id: id })
            })
        }
        p::CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY => {
            run::<c::ConnectStoragePoolEventRegisterAny>(pl, |a| {
                check_event_id(a.event_id, 1)?;
                let object = a.pool.map(|n| ObjectKey::Uuid(Uuid::from(n.uuid)));
                let id = register(
                    client,
                    conn,
                    EventFamily::StoragePool(a.event_id),
                    object,
                    CallbackKind::Modern,
                    a.event_id,
                )?;
                Ok(ConnectEventRegisterAnyRet { callback_id: id })
            })
        }
        p::CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY => {
            run::<c::ConnectNodeDeviceEventRegisterAny>(pl, |a| {
                check_event_id(a.event_id, 1)?;
                let object = a.dev.map(|d| ObjectKey::Name(d.name));
                let id = register(
                    client,
                    conn,
                    EventFamily::NodeDevice(a.event_id),
                    object,
                    CallbackKind::Modern,
                    a.event_id,
                )?;
                Ok(ConnectEventRegisterAnyRet { callback_id: id })
            })
        }
        p::CONNECT_SECRET_EVENT_REGISTER_ANY => run::<c::ConnectSecretEventRegisterAny>(pl, |a| {
            check_event_id(a.event_id, 1)?;
            let object = a.secret.map(|s| ObjectKey::Uuid(Uuid::from(s.uuid)));
            let id = register(
                client,
                conn,
                EventFamily::Secret(a.event_id),
                object,
                CallbackKind::Modern,
                a.event_id,
            )?;
            Ok(ConnectEventRegisterAnyRet { callback_id: id })
        }),
        p::CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY => {
            run::<c::ConnectDomainEventCallbackDeregisterAny>(pl, |a| {
                deregister(client, conn, a.callback_id)
            })
        }
        p::CONNECT_NETWORK_EVENT_DEREGISTER_ANY => {
            run::<c::ConnectNetworkEventDeregisterAny>(pl, |a| {
                deregister(client, conn, a.callback_id)
            })
        }
        p::CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY => {
            run::<c::ConnectStoragePoolEventDeregisterAny>(pl, |a| {
                deregister(client, conn, a.callback_id)
            })
        }
        p::CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY => {
            run::<c::ConnectNodeDeviceEventDeregisterAny>(pl, |a| {
                deregister(client, conn, a.callback_id)
            })
        }
        p::CONNECT_SECRET_EVENT_DEREGISTER_ANY => {
            run::<c::ConnectSecretEventDeregisterAny>(pl, |a| {
                deregister(client, conn, a.callback_id)
            })
        }

        // ---- domain lists and lookups ----
        p::CONNECT_LIST_ALL_DOMAINS => {
            let a: ConnectListAllDomainsArgs = pl.decode()?;
            let doms = hv.connect_list_all_domains(ListDomainsFlags::from_bits_retain(a.flags))?;
            Ok(Outcome::Reply(encode_domain_list(
                &doms,
                a.need_results != 0,
            )?))
        }
        p::CONNECT_NUM_OF_DOMAINS => run::<c::ConnectNumOfDomains>(pl, |()| {
            Ok(NumRet {
                num: hv.connect_num_of_domains()?,
            })
        }),
        p::CONNECT_LIST_DOMAINS => run::<c::ConnectListDomains>(pl, |a| {
            check_max(a.maxids, limits::DOMAIN_LIST_MAX, "maxids")?;
            Ok(ConnectListDomainsRet {
                ids: hv.connect_list_domains(a.maxids)?,
            })
        }),
        p::CONNECT_NUM_OF_DEFINED_DOMAINS => run::<c::ConnectNumOfDefinedDomains>(pl, |()| {
            Ok(NumRet {
                num: hv.connect_num_of_defined_domains()?,
            })
        }),
        p::CONNECT_LIST_DEFINED_DOMAINS => run::<c::ConnectListDefinedDomains>(pl, |a| {
            check_max(a.maxnames, limits::DOMAIN_LIST_MAX, "maxnames")?;
            Ok(ConnectListDefinedDomainsRet {
                names: hv.connect_list_defined_domains(a.maxnames)?,
            })
        }),
        p::DOMAIN_LOOKUP_BY_ID => run::<c::DomainLookupById>(pl, |a| {
            Ok(DomainRet {
                dom: hv.domain_lookup_by_id(a.id)?.into(),
            })
        }),
        p::DOMAIN_LOOKUP_BY_NAME => run::<c::DomainLookupByName>(pl, |a| {
            Ok(DomainRet {
                dom: hv.domain_lookup_by_name(&a.name)?.into(),
            })
        }),
        p::DOMAIN_LOOKUP_BY_UUID => run::<c::DomainLookupByUuid>(pl, |a| {
            Ok(DomainRet {
                dom: hv.domain_lookup_by_uuid(&Uuid::from(a.uuid))?.into(),
            })
        }),

        // ---- domain lifecycle ----
        p::DOMAIN_DEFINE_XML => run::<c::DomainDefineXml>(pl, |a| {
            Ok(DomainRet {
                dom: hv
                    .domain_define_xml(&a.xml, DomainDefineFlags::empty())?
                    .into(),
            })
        }),
        p::DOMAIN_DEFINE_XML_FLAGS => run::<c::DomainDefineXmlFlags>(pl, |a| {
            Ok(DomainRet {
                dom: hv
                    .domain_define_xml(&a.xml, DomainDefineFlags::from_bits_retain(a.flags))?
                    .into(),
            })
        }),
        p::DOMAIN_CREATE_XML => run::<c::DomainCreateXml>(pl, |a| {
            Ok(DomainRet {
                dom: hv
                    .domain_create_xml(&a.xml_desc, DomainCreateFlags::from_bits_retain(a.flags))?
                    .into(),
            })
        }),
        p::DOMAIN_UNDEFINE => run::<c::DomainUndefine>(pl, |a| {
            hv.domain_undefine(&a.dom.into(), DomainUndefineFlags::empty())
        }),
        p::DOMAIN_UNDEFINE_FLAGS => run::<c::DomainUndefineFlags>(pl, |a| {
            hv.domain_undefine(
                &a.dom.into(),
                DomainUndefineFlags::from_bits_retain(a.flags),
            )
        }),
        p::DOMAIN_CREATE => run::<c::DomainCreate>(pl, |a| {
            hv.domain_create(&a.dom.into(), DomainCreateFlags::empty())
                .map(|_| ())
        }),
        p::DOMAIN_CREATE_WITH_FLAGS => run::<c::DomainCreateWithFlags>(pl, |a| {
            Ok(DomainRet {
                dom: hv
                    .domain_create(&a.dom.into(), DomainCreateFlags::from_bits_retain(a.flags))?
                    .into(),
            })
        }),
        p::DOMAIN_SHUTDOWN => run::<c::DomainShutdown>(pl, |a| {
            hv.domain_shutdown(&a.dom.into(), DomainShutdownFlags::empty())
        }),
        p::DOMAIN_SHUTDOWN_FLAGS => run::<c::DomainShutdownFlags>(pl, |a| {
            hv.domain_shutdown(
                &a.dom.into(),
                DomainShutdownFlags::from_bits_retain(a.flags),
            )
        }),
        p::DOMAIN_REBOOT => run::<c::DomainReboot>(pl, |a| {
            hv.domain_reboot(
                &a.dom.into(),
                DomainShutdownFlags::from_bits_retain(a.flags),
            )
        }),
        p::DOMAIN_RESET => run::<c::DomainReset>(pl, |a| hv.domain_reset(&a.dom.into(), a.flags)),
        p::DOMAIN_DESTROY => run::<c::DomainDestroy>(pl, |a| {
            hv.domain_destroy(&a.dom.into(), DomainDestroyFlags::empty())
        }),
        p::DOMAIN_DESTROY_FLAGS => run::<c::DomainDestroyFlags>(pl, |a| {
            hv.domain_destroy(&a.dom.into(), DomainDestroyFlags::from_bits_retain(a.flags))
        }),
        p::DOMAIN_SUSPEND => run::<c::DomainSuspend>(pl, |a| hv.domain_suspend(&a.dom.into())),
        p::DOMAIN_RESUME => run::<c::DomainResume>(pl, |a| hv.domain_resume(&a.dom.into())),
        p::DOMAIN_SAVE => run::<c::DomainSave>(pl, |a| {
            hv.domain_save(&a.dom.into(), &a.to, None, DomainSaveFlags::empty())
        }),
        p::DOMAIN_SAVE_FLAGS => run::<c::DomainSaveFlags>(pl, |a| {
            hv.domain_save(
                &a.dom.into(),
                &a.to,
                a.dxml.as_deref(),
                DomainSaveFlags::from_bits_retain(a.flags),
            )
        }),
        p::DOMAIN_RESTORE => run::<c::DomainRestore>(pl, |a| {
            hv.domain_restore(&a.from, None, DomainSaveFlags::empty())
        }),
        p::DOMAIN_RESTORE_FLAGS => run::<c::DomainRestoreFlags>(pl, |a| {
            hv.domain_restore(
                &a.from,
                a.dxml.as_deref(),
                DomainSaveFlags::from_bits_retain(a.flags),
            )
        }),
        p::DOMAIN_SAVE_IMAGE_GET_XML_DESC => run::<c::DomainSaveImageGetXmlDesc>(pl, |a| {
            Ok(XmlRet {
                xml: hv.domain_save_image_get_xml_desc(&a.file, a.flags)?,
            })
        }),
        p::DOMAIN_MANAGED_SAVE => run::<c::DomainManagedSave>(pl, |a| {
            hv.domain_managed_save(&a.dom.into(), DomainSaveFlags::from_bits_retain(a.flags))
        }),
        p::DOMAIN_HAS_MANAGED_SAVE_IMAGE => run::<c::DomainHasManagedSaveImage>(pl, |a| {
            if a.flags != 0 {
                return Err(Error::unsupported_flags(
                    ErrorDomain::Domain,
                    a.flags,
                    "virDomainHasManagedSaveImage",
                ));
            }
            Ok(DomainHasManagedSaveImageRet {
                result: b(hv.domain_has_managed_save_image(&a.dom.into())?),
            })
        }),
        p::DOMAIN_MANAGED_SAVE_REMOVE => {
            run::<c::DomainManagedSaveRemove>(pl, |a| hv.domain_managed_save_remove(&a.dom.into()))
        }
        p::DOMAIN_CORE_DUMP => {
            run::<c::DomainCoreDump>(pl, |a| hv.domain_core_dump(&a.dom.into(), &a.to, a.flags))
        }
        p::DOMAIN_CORE_DUMP_WITH_FORMAT => run::<c::DomainCoreDumpWithFormat>(pl, |a| {
            // VIR_DOMAIN_CORE_DUMP_FORMAT_RAW (0) is what virDomainCoreDump writes.
            if a.dumpformat != 0 {
                return Err(no_support(info));
            }
            hv.domain_core_dump(&a.dom.into(), &a.to, a.flags)
        }),
        p::DOMAIN_SNAPSHOT_HAS_METADATA => run::<c::DomainSnapshotHasMetadata>(pl, |a| {
            let snap: DomainSnapshotRef = a.snap.into();
            hv.domain_snapshot_lookup_by_name(&snap.domain, &snap.name, 0)?;
            Ok(DomainSnapshotHasMetadataRet { metadata: 1 })
        }),
        p::DOMAIN_GET_AUTOSTART => run::<c::DomainGetAutostart>(pl, |a| {
            Ok(AutostartRet {
                autostart: b(hv.domain_get_autostart(&a.dom.into())?),
            })
        }),
        p::DOMAIN_SET_AUTOSTART => run::<c::DomainSetAutostart>(pl, |a| {
            hv.domain_set_autostart(&a.dom.into(), a.autostart != 0)
        }),
        p::DOMAIN_RENAME => run::<c::DomainRename>(pl, |a| {
            let name = a.new_name.unwrap_or_default();
            hv.domain_rename(&a.dom.into(), &name, a.flags)?;
            Ok(DomainRenameRet { retcode: 0 })
        }),

        // ---- domain information ----
        p::DOMAIN_GET_INFO => run::<c::DomainGetInfo>(pl, |a| {
            Ok(DomainGetInfoRet::from(&hv.domain_get_info(&a.dom.into())?))
        }),
        p::DOMAIN_GET_STATE => run::<c::DomainGetState>(pl, |a| {
            let (state, reason) = hv.domain_get_state(&a.dom.into(), a.flags)?;
            Ok(DomainGetStateRet {
                state: state as i32,
                reason,
            })
        }),
        p::DOMAIN_GET_XML_DESC => run::<c::DomainGetXmlDesc>(pl, |a| {
            let flags = DomainXmlFlags::from_bits_retain(a.flags);
            if flags.contains(DomainXmlFlags::SECURE) && (client.readonly || conn.is_read_only()) {
                return Err(Error::new(
                    ErrorDomain::Domain,
                    ErrorCode::OperationDenied,
                    "virDomainGetXMLDesc with secure flag",
                ));
            }
            Ok(XmlRet {
                xml: hv.domain_get_xml_desc(&a.dom.into(), flags)?,
            })
        }),
        p::DOMAIN_GET_OS_TYPE => run::<c::DomainGetOsType>(pl, |a| {
            Ok(DomainGetOsTypeRet {
                type_: hv.domain_get_os_type(&a.dom.into())?,
            })
        }),
        p::DOMAIN_GET_MAX_MEMORY => run::<c::DomainGetMaxMemory>(pl, |a| {
            Ok(DomainGetMaxMemoryRet {
                memory: hv.domain_get_max_memory(&a.dom.into())?,
            })
        }),
        p::DOMAIN_GET_MAX_VCPUS => run::<c::DomainGetMaxVcpus>(pl, |a| {
            Ok(NumRet {
                num: hv.domain_get_max_vcpus(&a.dom.into())?,
            })
        }),
        p::DOMAIN_IS_ACTIVE => run::<c::DomainIsActive>(pl, |a| {
            Ok(IsActiveRet {
                active: b(hv.domain_is_active(&a.dom.into())?),
            })
        }),
        p::DOMAIN_IS_PERSISTENT => run::<c::DomainIsPersistent>(pl, |a| {
            Ok(IsPersistentRet {
                persistent: b(hv.domain_is_persistent(&a.dom.into())?),
            })
        }),
        p::DOMAIN_IS_UPDATED => run::<c::DomainIsUpdated>(pl, |a| {
            Ok(DomainIsUpdatedRet {
                updated: b(hv.domain_is_updated(&a.dom.into())?),
            })
        }),
        p::DOMAIN_GET_HOSTNAME => run::<c::DomainGetHostname>(pl, |a| {
            Ok(DomainGetHostnameRet {
                hostname: hv.domain_get_hostname(&a.dom.into(), a.flags)?,
            })
        }),
        p::DOMAIN_GET_TIME => run::<c::DomainGetTime>(pl, |a| {
            let t = hv.domain_get_time(&a.dom.into(), a.flags)?;
            Ok(DomainGetTimeRet {
                seconds: t.seconds,
                nseconds: t.nseconds,
            })
        }),
        p::DOMAIN_SET_TIME => run::<c::DomainSetTime>(pl, |a| {
            hv.domain_set_time(
                &a.dom.into(),
                DomainTime {
                    seconds: a.seconds,
                    nseconds: a.nseconds,
                },
                a.flags,
            )
        }),
        p::DOMAIN_GET_SCHEDULER_TYPE => run::<c::DomainGetSchedulerType>(pl, |a| {
            let (type_, nparams) = hv.domain_get_scheduler_type(&a.dom.into())?;
            Ok(DomainGetSchedulerTypeRet { type_, nparams })
        }),
        p::DOMAIN_GET_SCHEDULER_PARAMETERS => run::<c::DomainGetSchedulerParameters>(pl, |a| {
            check_max(
                a.nparams,
                limits::DOMAIN_SCHEDULER_PARAMETERS_MAX,
                "nparams",
            )?;
            let params = hv.domain_get_scheduler_parameters(&a.dom.into(), 0)?;
            Ok(DomainGetSchedulerParametersRet {
                params: limit(params_to_wire(&params), a.nparams),
            })
        }),
        p::DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS => {
            run::<c::DomainGetSchedulerParametersFlags>(pl, |a| {
                check_max(
                    a.nparams,
                    limits::DOMAIN_SCHEDULER_PARAMETERS_MAX,
                    "nparams",
                )?;
                let params = hv.domain_get_scheduler_parameters(
                    &a.dom.into(),
                    a.flags | TYPED_PARAM_STRING_OKAY,
                )?;
                Ok(DomainGetSchedulerParametersRet {
                    params: limit(params_to_wire(&params), a.nparams),
                })
            })
        }
        p::DOMAIN_SET_SCHEDULER_PARAMETERS => run::<c::DomainSetSchedulerParameters>(pl, |a| {
            hv.domain_set_scheduler_parameters(&a.dom.into(), &params_from_wire(a.params), 0)
        }),
        p::DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS => {
            run::<c::DomainSetSchedulerParametersFlags>(pl, |a| {
                hv.domain_set_scheduler_parameters(
                    &a.dom.into(),
                    &params_from_wire(a.params),
                    a.flags,
                )
            })
        }
        p::DOMAIN_GET_METADATA => run::<c::DomainGetMetadata>(pl, |a| {
            Ok(DomainGetMetadataRet {
                metadata: hv.domain_get_metadata(
                    &a.dom.into(),
                    a.type_,
                    a.uri.as_deref(),
                    a.flags,
                )?,
            })
        }),
        p::DOMAIN_SET_METADATA => run::<c::DomainSetMetadata>(pl, |a| {
            hv.domain_set_metadata(
                &a.dom.into(),
                a.type_,
                a.metadata.as_deref(),
                a.key.as_deref(),
                a.uri.as_deref(),
                a.flags,
            )
        }),
        p::DOMAIN_GET_SECURITY_LABEL => run::<c::DomainGetSecurityLabel>(pl, |a| {
            let l = hv.domain_get_security_label(&a.dom.into())?;
            Ok(DomainGetSecurityLabelRet {
                label: if l.label.is_empty() {
                    Vec::new()
                } else {
                    xdr::string_to_chars(&l.label)
                },
                enforcing: b(l.enforcing),
            })
        }),
        p::DOMAIN_GET_JOB_INFO => run::<c::DomainGetJobInfo>(pl, |a| {
            Ok(DomainGetJobInfoRet::from(
                &hv.domain_get_job_info(&a.dom.into())?,
            ))
        }),
        p::DOMAIN_ABORT_JOB => run::<c::DomainAbortJob>(pl, |a| hv.domain_abort_job(&a.dom.into())),

        // ---- domain resources ----
        p::DOMAIN_SET_MEMORY => run::<c::DomainSetMemory>(pl, |a| {
            hv.domain_set_memory(&a.dom.into(), a.memory, ModificationImpact::empty())
        }),
        p::DOMAIN_SET_MAX_MEMORY => {
            run::<c::DomainSetMaxMemory>(pl, |a| hv.domain_set_max_memory(&a.dom.into(), a.memory))
        }
        p::DOMAIN_SET_MEMORY_FLAGS => run::<c::DomainSetMemoryFlags>(pl, |a| {
            hv.domain_set_memory(
                &a.dom.into(),
                a.memory,
                ModificationImpact::from_bits_retain(a.flags),
            )
        }),
        p::DOMAIN_SET_VCPUS => run::<c::DomainSetVcpus>(pl, |a| {
            hv.domain_set_vcpus(&a.dom.into(), a.nvcpus, ModificationImpact::empty())
        }),
        p::DOMAIN_SET_VCPUS_FLAGS => run::<c::DomainSetVcpusFlags>(pl, |a| {
            hv.domain_set_vcpus(
                &a.dom.into(),
                a.nvcpus,
                ModificationImpact::from_bits_retain(a.flags),
            )
        }),
        p::DOMAIN_GET_VCPUS_FLAGS => run::<c::DomainGetVcpusFlags>(pl, |a| {
            Ok(NumRet {
                num: hv.domain_get_vcpus_flags(
                    &a.dom.into(),
                    ModificationImpact::from_bits_retain(a.flags),
                )?,
            })
        }),
        p::DOMAIN_GET_VCPUS => run::<c::DomainGetVcpus>(pl, |a| {
            check_max(a.maxinfo, limits::VCPUINFO_MAX, "maxinfo")?;
            // The client sizes the CPU maps; refuse sizes libvirt's protocol cannot carry
            // before allocating anything.
            let total = i64::from(a.maxinfo.max(0)) * i64::from(a.maplen.max(0));
            if total > limits::CPUMAPS_MAX as i64 || a.maplen > limits::CPUMAP_MAX as i32 {
                return Err(Error::new(
                    ErrorDomain::Rpc,
                    ErrorCode::Rpc,
                    "maxinfo * maplen > REMOTE_CPUMAPS_MAX",
                ));
            }
            let (infos, maps) = hv.domain_get_vcpus(&a.dom.into())?;
            let maplen = usize::try_from(a.maplen).unwrap_or(0);
            let infos = limit(infos, a.maxinfo);
            let mut cpumaps = Vec::new();
            if maplen > 0 {
                for map in maps.iter().take(infos.len()) {
                    cpumaps.extend(cpumap_to_bytes(map, maplen));
                }
            }
            Ok(DomainGetVcpusRet {
                info: infos.iter().map(RemoteVcpuInfo::from).collect(),
                cpumaps,
            })
        }),
        p::DOMAIN_GET_VCPU_PIN_INFO => run::<c::DomainGetVcpuPinInfo>(pl, |a| {
            check_max(a.ncpumaps, limits::VCPUINFO_MAX, "ncpumaps")?;
            let total = i64::from(a.ncpumaps.max(0)) * i64::from(a.maplen.max(0));
            if total > limits::CPUMAPS_MAX as i64 || a.maplen > limits::CPUMAP_MAX as i32 {
                return Err(Error::new(
                    ErrorDomain::Rpc,
                    ErrorCode::Rpc,
                    "ncpumaps * maplen > REMOTE_CPUMAPS_MAX",
                ));
            }
            let maps = hv.domain_get_vcpu_pin_info(
                &a.dom.into(),
                ModificationImpact::from_bits_retain(a.flags),
            )?;
            let maplen = usize::try_from(a.maplen).unwrap_or(0);
            let maps = limit(maps, a.ncpumaps);
            let mut cpumaps = Vec::new();
            if maplen > 0 {
                for map in &maps {
                    cpumaps.extend(cpumap_to_bytes(map, maplen));
                }
            }
            Ok(DomainGetVcpuPinInfoRet {
                cpumaps,
                num: maps.len() as i32,
            })
        }),
        p::DOMAIN_PIN_VCPU => run::<c::DomainPinVcpu>(pl, |a| {
            hv.domain_pin_vcpu(&a.dom.into(), a.vcpu, &cpumap_from_bytes(&a.cpumap), 0)
        }),
        p::DOMAIN_PIN_VCPU_FLAGS => run::<c::DomainPinVcpuFlags>(pl, |a| {
            hv.domain_pin_vcpu(
                &a.dom.into(),
                a.vcpu,
                &cpumap_from_bytes(&a.cpumap),
                a.flags,
            )
        }),
        p::DOMAIN_MEMORY_STATS => run::<c::DomainMemoryStats>(pl, |a| {
            if a.max_stats as usize > limits::DOMAIN_MEMORY_STATS_MAX {
                return Err(Error::new(
                    ErrorDomain::Rpc,
                    ErrorCode::Rpc,
                    "maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX",
                ));
            }
            let stats = hv.domain_memory_stats(&a.dom.into(), a.max_stats, a.flags)?;
            Ok(DomainMemoryStatsRet {
                stats: stats
                    .iter()
                    .take(a.max_stats as usize)
                    .map(|s| RemoteDomainMemoryStat {
                        tag: s.tag,
                        val: s.value,
                    })
                    .collect(),
            })
        }),
        p::DOMAIN_SET_MEMORY_STATS_PERIOD => run::<c::DomainSetMemoryStatsPeriod>(pl, |a| {
            hv.domain_set_memory_stats_period(&a.dom.into(), a.period, a.flags)
        }),
        p::DOMAIN_BLOCK_STATS => run::<c::DomainBlockStats>(pl, |a| {
            Ok(DomainBlockStatsRet::from(
                &hv.domain_block_stats(&a.dom.into(), &a.path)?,
            ))
        }),
        p::DOMAIN_GET_BLOCK_INFO => run::<c::DomainGetBlockInfo>(pl, |a| {
            let i = hv.domain_block_info(&a.dom.into(), &a.path, a.flags)?;
            Ok(DomainGetBlockInfoRet {
                allocation: i.allocation,
                capacity: i.capacity,
                physical: i.physical,
            })
        }),
        p::DOMAIN_INTERFACE_STATS => run::<c::DomainInterfaceStats>(pl, |a| {
            Ok(DomainInterfaceStatsRet::from(
                &hv.domain_interface_stats(&a.dom.into(), &a.device)?,
            ))
        }),
        p::DOMAIN_INTERFACE_ADDRESSES => run::<c::DomainInterfaceAddresses>(pl, |a| {
            let ifaces = hv.domain_interface_addresses(&a.dom.into(), a.source, a.flags)?;
            Ok(DomainInterfaceAddressesRet {
                ifaces: ifaces.iter().map(RemoteDomainInterface::from).collect(),
            })
        }),
        p::DOMAIN_GET_CPU_STATS => run::<c::DomainGetCpuStats>(pl, |a| {
            if a.nparams as usize > limits::DOMAIN_GET_CPU_STATS_MAX
                || a.ncpus as usize > limits::DOMAIN_GET_CPU_STATS_NCPUS_MAX
            {
                return Err(Error::new(
                    ErrorDomain::Rpc,
                    ErrorCode::Rpc,
                    "nparams or ncpus too large",
                ));
            }
            let groups = hv.domain_get_cpu_stats(
                &a.dom.into(),
                a.start_cpu,
                a.ncpus,
                a.flags | TYPED_PARAM_STRING_OKAY,
            )?;
            if a.nparams == 0 {
                let n = groups.first().map_or(0, Vec::len) as i32;
                return Ok(DomainGetCpuStatsRet {
                    params: Vec::new(),
                    nparams: n,
                });
            }
            let per = a.nparams as usize;
            let mut params = Vec::new();
            let mut widest = 0;
            for g in &groups {
                widest = widest.max(g.len().min(per));
                params.extend(g.iter().take(per).map(RemoteTypedParam::from));
            }
            Ok(DomainGetCpuStatsRet {
                params,
                nparams: widest as i32,
            })
        }),
        p::CONNECT_GET_ALL_DOMAIN_STATS => run::<c::ConnectGetAllDomainStats>(pl, |a| {
            let doms: Vec<DomainRef> = a.doms.into_iter().map(DomainRef::from).collect();
            let records = hv.connect_get_all_domain_stats(&doms, a.stats, a.flags)?;
            Ok(ConnectGetAllDomainStatsRet {
                ret_stats: records
                    .iter()
                    .map(|r| RemoteDomainStatsRecord {
                        dom: (&r.domain).into(),
                        params: params_to_wire(&r.params),
                    })
                    .collect(),
            })
        }),

        // ---- domain devices ----
        p::DOMAIN_ATTACH_DEVICE => run::<c::DomainAttachDevice>(pl, |a| {
            hv.domain_attach_device(&a.dom.into(), &a.xml, DeviceModifyFlags::empty())
        }),
        p::DOMAIN_ATTACH_DEVICE_FLAGS => run::<c::DomainAttachDeviceFlags>(pl, |a| {
            hv.domain_attach_device(
                &a.dom.into(),
                &a.xml,
                DeviceModifyFlags::from_bits_retain(a.flags),
            )
        }),
        p::DOMAIN_DETACH_DEVICE => run::<c::DomainDetachDevice>(pl, |a| {
            hv.domain_detach_device(&a.dom.into(), &a.xml, DeviceModifyFlags::empty())
        }),
        p::DOMAIN_DETACH_DEVICE_FLAGS => run::<c::DomainDetachDeviceFlags>(pl, |a| {
            hv.domain_detach_device(
                &a.dom.into(),
                &a.xml,
                DeviceModifyFlags::from_bits_retain(a.flags),
            )
        }),
        p::DOMAIN_UPDATE_DEVICE_FLAGS => run::<c::DomainUpdateDeviceFlags>(pl, |a| {
            hv.domain_update_device(
                &a.dom.into(),
                &a.xml,
                DeviceModifyFlags::from_bits_retain(a.flags),
            )
        }),
        p::DOMAIN_SEND_KEY => run::<c::DomainSendKey>(pl, |a| {
            hv.domain_send_key(&a.dom.into(), a.codeset, a.holdtime, &a.keycodes, a.flags)
        }),
        p::DOMAIN_SCREENSHOT => run_stream::<c::DomainScreenshot>(pl, Direction::ToClient, |a| {
            let (mime, data) = hv.domain_screenshot(&a.dom.into(), a.screen, a.flags)?;
            Ok((
                DomainScreenshotRet { mime: Some(mime) },
                Box::new(BufferStream::new(data)) as Box<dyn Stream>,
            ))
        }),
        p::DOMAIN_OPEN_CONSOLE => {
            run_stream::<c::DomainOpenConsole>(pl, Direction::ToClient, |a| {
                let s = hv.domain_open_console(&a.dom.into(), a.dev_name.as_deref(), a.flags)?;
                Ok(((), s))
            })
        }
        p::STORAGE_VOL_DOWNLOAD => {
            run_stream::<c::StorageVolDownload>(pl, Direction::ToClient, |a| {
                let s = st.storage_vol_download(
                    &a.vol.into(),
                    a.offset,
                    a.length,
                    StorageVolTransferFlags::from_bits_retain(a.flags),
                )?;
                Ok(((), s))
            })
        }
        p::STORAGE_VOL_UPLOAD => {
            run_stream::<c::StorageVolUpload>(pl, Direction::FromClient, |a| {
                let s = st.storage_vol_upload(
                    &a.vol.into(),
                    a.offset,
                    a.length,
                    StorageVolTransferFlags::from_bits_retain(a.flags),
                )?;
                Ok(((), s))
            })
        }

        // ---- snapshots ----
        p::DOMAIN_SNAPSHOT_CREATE_XML => run::<c::DomainSnapshotCreateXml>(pl, |a| {
            Ok(DomainSnapshotRet {
                snap: (&hv.domain_snapshot_create_xml(&a.dom.into(), &a.xml_desc, a.flags)?).into(),
            })
        }),
        p::DOMAIN_LIST_ALL_SNAPSHOTS => run::<c::DomainListAllSnapshots>(pl, |a| {
            let snaps = hv.domain_list_all_snapshots(&a.dom.into(), a.flags)?;
            let n = snaps.len() as i32;
            Ok(DomainListAllSnapshotsRet {
                snapshots: if a.need_results != 0 {
                    snaps.iter().map(NonnullDomainSnapshot::from).collect()
                } else {
                    Vec::new()
                },
                ret: n,
            })
        }),
        p::DOMAIN_SNAPSHOT_NUM => run::<c::DomainSnapshotNum>(pl, |a| {
            Ok(NumRet {
                num: hv.domain_list_all_snapshots(&a.dom.into(), a.flags)?.len() as i32,
            })
        }),
        p::DOMAIN_SNAPSHOT_LIST_NAMES => run::<c::DomainSnapshotListNames>(pl, |a| {
            check_max(a.maxnames, limits::DOMAIN_SNAPSHOT_LIST_MAX, "maxnames")?;
            let snaps = hv.domain_list_all_snapshots(&a.dom.into(), a.flags)?;
            Ok(DomainSnapshotListNamesRet {
                names: limit(snaps.into_iter().map(|s| s.name).collect(), a.maxnames),
            })
        }),
        p::DOMAIN_SNAPSHOT_LOOKUP_BY_NAME => run::<c::DomainSnapshotLookupByName>(pl, |a| {
            Ok(DomainSnapshotRet {
                snap: (&hv.domain_snapshot_lookup_by_name(&a.dom.into(), &a.name, a.flags)?).into(),
            })
        }),
        p::DOMAIN_SNAPSHOT_CURRENT => run::<c::DomainSnapshotCurrent>(pl, |a| {
            Ok(DomainSnapshotRet {
                snap: (&hv.domain_snapshot_current(&a.dom.into(), a.flags)?).into(),
            })
        }),
        p::DOMAIN_HAS_CURRENT_SNAPSHOT => run::<c::DomainHasCurrentSnapshot>(pl, |a| {
            let has = match hv.domain_snapshot_current(&a.dom.into(), a.flags) {
                Ok(_) => true,
                Err(e) if e.code == ErrorCode::NoDomainSnapshot => false,
                Err(e) => return Err(e),
            };
            Ok(ResultRet { result: b(has) })
        }),
        p::DOMAIN_SNAPSHOT_IS_CURRENT => run::<c::DomainSnapshotIsCurrent>(pl, |a| {
            let snap: DomainSnapshotRef = a.snap.into();
            let current = match hv.domain_snapshot_current(&snap.domain, 0) {
                Ok(c) => c.name == snap.name,
                Err(e) if e.code == ErrorCode::NoDomainSnapshot => false,
                Err(e) => return Err(e),
            };
            Ok(DomainSnapshotIsCurrentRet {
                current: b(current),
            })
        }),
        p::DOMAIN_SNAPSHOT_GET_PARENT => run::<c::DomainSnapshotGetParent>(pl, |a| {
            if a.flags != 0 {
                return Err(Error::unsupported_flags(
                    ErrorDomain::DomainSnapshot,
                    a.flags,
                    "virDomainSnapshotGetParent",
                ));
            }
            Ok(DomainSnapshotRet {
                snap: (&crate::snapshots::parent(hv, &a.snap.into())?).into(),
            })
        }),
        p::DOMAIN_SNAPSHOT_NUM_CHILDREN => run::<c::DomainSnapshotNumChildren>(pl, |a| {
            Ok(NumRet {
                num: crate::snapshots::children(hv, &a.snap.into(), a.flags)?.len() as i32,
            })
        }),
        p::DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES => {
            run::<c::DomainSnapshotListChildrenNames>(pl, |a| {
                check_max(a.maxnames, limits::DOMAIN_SNAPSHOT_LIST_MAX, "maxnames")?;
                let kids = crate::snapshots::children(hv, &a.snap.into(), a.flags)?;
                Ok(DomainSnapshotListNamesRet {
                    names: limit(kids.into_iter().map(|s| s.name).collect(), a.maxnames),
                })
            })
        }
        p::DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN => run::<c::DomainSnapshotListAllChildren>(pl, |a| {
            let kids = crate::snapshots::children(hv, &a.snapshot.into(), a.flags)?;
            let n = kids.len() as i32;
            Ok(DomainListAllSnapshotsRet {
                snapshots: if a.need_results != 0 {
                    kids.iter().map(NonnullDomainSnapshot::from).collect()
                } else {
                    Vec::new()
                },
                ret: n,
            })
        }),
        p::DOMAIN_SNAPSHOT_GET_XML_DESC => run::<c::DomainSnapshotGetXmlDesc>(pl, |a| {
            Ok(XmlRet {
                xml: hv.domain_snapshot_get_xml_desc(&a.snap.into(), a.flags)?,
            })
        }),
        p::DOMAIN_REVERT_TO_SNAPSHOT => run::<c::DomainRevertToSnapshot>(pl, |a| {
            hv.domain_revert_to_snapshot(&a.snap.into(), a.flags)
        }),
        p::DOMAIN_SNAPSHOT_DELETE => run::<c::DomainSnapshotDelete>(pl, |a| {
            hv.domain_snapshot_delete(&a.snap.into(), a.flags)
        }),

        // ---- QEMU-specific calls reached through the remote program's numbers ----

        // ---- networks ----
        p::CONNECT_LIST_ALL_NETWORKS => run::<c::ConnectListAllNetworks>(pl, |a| {
            let nets =
                net.connect_list_all_networks(ListNetworksFlags::from_bits_retain(a.flags))?;
            let n = count(nets.len());
            Ok(ConnectListAllNetworksRet {
                nets: if a.need_results != 0 {
                    nets.iter().map(NonnullNetwork::from).collect()
                } else {
                    Vec::new()
                },
                ret: n,
            })
        }),
        p::CONNECT_NUM_OF_NETWORKS => run::<c::ConnectNumOfNetworks>(pl, |()| {
            Ok(NumRet {
                num: net
                    .connect_list_all_networks(ListNetworksFlags::ACTIVE)?
                    .len() as i32,
            })
        }),
        p::CONNECT_NUM_OF_DEFINED_NETWORKS => run::<c::ConnectNumOfDefinedNetworks>(pl, |()| {
            Ok(NumRet {
                num: net
                    .connect_list_all_networks(ListNetworksFlags::INACTIVE)?
                    .len() as i32,
            })
        }),
        p::CONNECT_LIST_NETWORKS => run::<c::ConnectListNetworks>(pl, |a| {
            check_max(a.maxnames, limits::NETWORK_LIST_MAX, "maxnames")?;
            let nets = net.connect_list_all_networks(ListNetworksFlags::ACTIVE)?;
            Ok(ConnectListNetworksRet {
                names: limit(nets.into_iter().map(|n| n.name).collect(), a.maxnames),
            })
        }),
        p::CONNECT_LIST_DEFINED_NETWORKS => run::<c::ConnectListDefinedNetworks>(pl, |a| {
            check_max(a.maxnames, limits::NETWORK_LIST_MAX, "maxnames")?;
            let nets = net.connect_list_all_networks(ListNetworksFlags::INACTIVE)?;
            Ok(ConnectListNetworksRet {
                names: limit(nets.into_iter().map(|n| n.name).collect(), a.maxnames),
            })
        }),
        p::NETWORK_LOOKUP_BY_NAME => run::<c::NetworkLookupByName>(pl, |a| {
            Ok(NetworkRet {
                net: net.network_lookup_by_name(&a.name)?.into(),
            })
        }),
        p::NETWORK_LOOKUP_BY_UUID => run::<c::NetworkLookupByUuid>(pl, |a| {
            Ok(NetworkRet {
                net: net.network_lookup_by_uuid(&Uuid::from(a.uuid))?.into(),
            })
        }),
        p::NETWORK_DEFINE_XML => run::<c::NetworkDefineXml>(pl, |a| {
            Ok(NetworkRet {
                net: net.network_define_xml(&a.xml, 0)?.into(),
            })
        }),
        p::NETWORK_DEFINE_XML_FLAGS => run::<c::NetworkDefineXmlFlags>(pl, |a| {
            Ok(NetworkRet {
                net: net.network_define_xml(&a.xml, a.flags)?.into(),
            })
        }),
        p::NETWORK_CREATE_XML => run::<c::NetworkCreateXml>(pl, |a| {
            Ok(NetworkRet {
                net: net.network_create_xml(&a.xml, 0)?.into(),
            })
        }),
        p::NETWORK_CREATE_XML_FLAGS => run::<c::NetworkCreateXmlFlags>(pl, |a| {
            Ok(NetworkRet {
                net: net.network_create_xml(&a.xml, a.flags)?.into(),
            })
        }),
        p::NETWORK_UNDEFINE => {
            run::<c::NetworkUndefine>(pl, |a| net.network_undefine(&a.net.into()))
        }
        p::NETWORK_CREATE => run::<c::NetworkCreate>(pl, |a| net.network_create(&a.net.into())),
        p::NETWORK_DESTROY => run::<c::NetworkDestroy>(pl, |a| net.network_destroy(&a.net.into())),
        p::NETWORK_GET_XML_DESC => run::<c::NetworkGetXmlDesc>(pl, |a| {
            Ok(XmlRet {
                xml: net.network_get_xml_desc(
                    &a.net.into(),
                    XmlInactiveFlags::from_bits_retain(a.flags),
                )?,
            })
        }),
        p::NETWORK_GET_BRIDGE_NAME => run::<c::NetworkGetBridgeName>(pl, |a| {
            Ok(NetworkGetBridgeNameRet {
                name: net.network_get_bridge_name(&a.net.into())?,
            })
        }),
        p::NETWORK_GET_AUTOSTART => run::<c::NetworkGetAutostart>(pl, |a| {
            Ok(AutostartRet {
                autostart: b(net.network_get_autostart(&a.net.into())?),
            })
        }),
        p::NETWORK_SET_AUTOSTART => run::<c::NetworkSetAutostart>(pl, |a| {
            net.network_set_autostart(&a.net.into(), a.autostart != 0)
        }),
        p::NETWORK_IS_ACTIVE => run::<c::NetworkIsActive>(pl, |a| {
            Ok(IsActiveRet {
                active: b(net.network_is_active(&a.net.into())?),
            })
        }),
        p::NETWORK_IS_PERSISTENT => run::<c::NetworkIsPersistent>(pl, |a| {
            Ok(IsPersistentRet {
                persistent: b(net.network_is_persistent(&a.net.into())?),
            })
        }),
        p::NETWORK_UPDATE => run::<c::NetworkUpdate>(pl, |a| {
            net.network_update(
                &a.net.into(),
                a.command,
                a.section,
                a.parent_index,
                &a.xml,
                a.flags,
            )
        }),
        p::NETWORK_GET_DHCP_LEASES => run::<c::NetworkGetDhcpLeases>(pl, |a| {
            let leases = net.network_get_dhcp_leases(&a.net.into(), a.mac.as_deref(), a.flags)?;
            let n = count(leases.len());
            Ok(NetworkGetDhcpLeasesRet {
                leases: if a.need_results != 0 {
                    leases.iter().map(RemoteNetworkDhcpLease::from).collect()
                } else {
                    Vec::new()
                },
                ret: n,
            })
        }),

        // ---- storage pools ----
        p::CONNECT_LIST_ALL_STORAGE_POOLS => run::<c::ConnectListAllStoragePools>(pl, |a| {
            let pools = st
                .connect_list_all_storage_pools(ListStoragePoolsFlags::from_bits_retain(a.flags))?;
            let n = count(pools.len());
            Ok(ConnectListAllStoragePoolsRet {
                pools: if a.need_results != 0 {
                    pools.iter().map(NonnullStoragePool::from).collect()
                } else {
                    Vec::new()
                },
                ret: n,
            })
        }),
        p::CONNECT_NUM_OF_STORAGE_POOLS => run::<c::ConnectNumOfStoragePools>(pl, |()| {
            Ok(NumRet {
                num: st
                    .connect_list_all_storage_pools(ListStoragePoolsFlags::ACTIVE)?
                    .len() as i32,
            })
        }),
        p::CONNECT_NUM_OF_DEFINED_STORAGE_POOLS => {
            run::<c::ConnectNumOfDefinedStoragePools>(pl, |()| {
                Ok(NumRet {
                    num: st
                        .connect_list_all_storage_pools(ListStoragePoolsFlags::INACTIVE)?
                        .len() as i32,
                })
            })
        }
        p::CONNECT_LIST_STORAGE_POOLS => run::<c::ConnectListStoragePools>(pl, |a| {
            check_max(a.maxnames, limits::STORAGE_POOL_LIST_MAX, "maxnames")?;
            let pools = st.connect_list_all_storage_pools(ListStoragePoolsFlags::ACTIVE)?;
            Ok(ConnectListStoragePoolsRet {
                names: limit(pools.into_iter().map(|p| p.name).collect(), a.maxnames),
            })
        }),
        p::CONNECT_LIST_DEFINED_STORAGE_POOLS => {
            run::<c::ConnectListDefinedStoragePools>(pl, |a| {
                check_max(a.maxnames, limits::STORAGE_POOL_LIST_MAX, "maxnames")?;
                let pools = st.connect_list_all_storage_pools(ListStoragePoolsFlags::INACTIVE)?;
                Ok(ConnectListStoragePoolsRet {
                    names: limit(pools.into_iter().map(|p| p.name).collect(), a.maxnames),
                })
            })
        }
        p::CONNECT_FIND_STORAGE_POOL_SOURCES => run::<c::ConnectFindStoragePoolSources>(pl, |a| {
            Ok(XmlRet {
                xml: st.connect_find_storage_pool_sources(
                    &a.type_,
                    a.src_spec.as_deref(),
                    a.flags,
                )?,
            })
        }),
        p::CONNECT_GET_STORAGE_POOL_CAPABILITIES => unmapped(),
        p::STORAGE_POOL_LOOKUP_BY_NAME => run::<c::StoragePoolLookupByName>(pl, |a| {
            Ok(StoragePoolRet {
                pool: st.storage_pool_lookup_by_name(&a.name)?.into(),
            })
        }),
        p::STORAGE_POOL_LOOKUP_BY_UUID => run::<c::StoragePoolLookupByUuid>(pl, |a| {
            Ok(StoragePoolRet {
                pool: st.storage_pool_lookup_by_uuid(&Uuid::from(a.uuid))?.into(),
            })
        }),
        p::STORAGE_POOL_LOOKUP_BY_VOLUME => run::<c::StoragePoolLookupByVolume>(pl, |a| {
            Ok(StoragePoolRet {
                pool: st.storage_pool_lookup_by_volume(&a.vol.into())?.into(),
            })
        }),
        p::STORAGE_POOL_LOOKUP_BY_TARGET_PATH => run::<c::StoragePoolLookupByTargetPath>(pl, |a| {
            Ok(StoragePoolRet {
                pool: st.storage_pool_lookup_by_target_path(&a.path)?.into(),
            })
        }),
        p::STORAGE_POOL_DEFINE_XML => run::<c::StoragePoolDefineXml>(pl, |a| {
            Ok(StoragePoolRet {
                pool: st.storage_pool_define_xml(&a.xml, a.flags)?.into(),
            })
        }),
        p::STORAGE_POOL_CREATE_XML => run::<c::StoragePoolCreateXml>(pl, |a| {
            Ok(StoragePoolRet {
                pool: st.storage_pool_create_xml(&a.xml, a.flags)?.into(),
            })
        }),
        p::STORAGE_POOL_BUILD => run::<c::StoragePoolBuild>(pl, |a| {
            st.storage_pool_build(
                &a.pool.into(),
                StoragePoolBuildFlags::from_bits_retain(a.flags),
            )
        }),
        p::STORAGE_POOL_UNDEFINE => {
            run::<c::StoragePoolUndefine>(pl, |a| st.storage_pool_undefine(&a.pool.into()))
        }
        p::STORAGE_POOL_CREATE => {
            run::<c::StoragePoolCreate>(pl, |a| st.storage_pool_create(&a.pool.into(), a.flags))
        }
        p::STORAGE_POOL_DESTROY => {
            run::<c::StoragePoolDestroy>(pl, |a| st.storage_pool_destroy(&a.pool.into()))
        }
        p::STORAGE_POOL_DELETE => run::<c::StoragePoolDelete>(pl, |a| {
            st.storage_pool_delete(
                &a.pool.into(),
                StoragePoolDeleteFlags::from_bits_retain(a.flags),
            )
        }),
        p::STORAGE_POOL_REFRESH => {
            run::<c::StoragePoolRefresh>(pl, |a| st.storage_pool_refresh(&a.pool.into(), a.flags))
        }
        p::STORAGE_POOL_GET_INFO => run::<c::StoragePoolGetInfo>(pl, |a| {
            Ok(StoragePoolGetInfoRet::from(
                &st.storage_pool_get_info(&a.pool.into())?,
            ))
        }),
        p::STORAGE_POOL_GET_XML_DESC => run::<c::StoragePoolGetXmlDesc>(pl, |a| {
            Ok(XmlRet {
                xml: st.storage_pool_get_xml_desc(
                    &a.pool.into(),
                    XmlInactiveFlags::from_bits_retain(a.flags),
                )?,
            })
        }),
        p::STORAGE_POOL_GET_AUTOSTART => run::<c::StoragePoolGetAutostart>(pl, |a| {
            Ok(AutostartRet {
                autostart: b(st.storage_pool_get_autostart(&a.pool.into())?),
            })
        }),
        p::STORAGE_POOL_SET_AUTOSTART => run::<c::StoragePoolSetAutostart>(pl, |a| {
            st.storage_pool_set_autostart(&a.pool.into(), a.autostart != 0)
        }),
        p::STORAGE_POOL_IS_ACTIVE => run::<c::StoragePoolIsActive>(pl, |a| {
            Ok(IsActiveRet {
                active: b(st.storage_pool_is_active(&a.pool.into())?),
            })
        }),
        p::STORAGE_POOL_IS_PERSISTENT => run::<c::StoragePoolIsPersistent>(pl, |a| {
            Ok(IsPersistentRet {
                persistent: b(st.storage_pool_is_persistent(&a.pool.into())?),
            })
        }),
        p::STORAGE_POOL_NUM_OF_VOLUMES => run::<c::StoragePoolNumOfVolumes>(pl, |a| {
            Ok(NumRet {
                num: st.storage_pool_list_all_volumes(&a.pool.into(), 0)?.len() as i32,
            })
        }),
        p::STORAGE_POOL_LIST_VOLUMES => run::<c::StoragePoolListVolumes>(pl, |a| {
            check_max(a.maxnames, limits::STORAGE_VOL_LIST_MAX, "maxnames")?;
            let vols = st.storage_pool_list_all_volumes(&a.pool.into(), 0)?;
            Ok(StoragePoolListVolumesRet {
                names: limit(vols.into_iter().map(|v| v.name).collect(), a.maxnames),
            })
        }),
        p::STORAGE_POOL_LIST_ALL_VOLUMES => run::<c::StoragePoolListAllVolumes>(pl, |a| {
            let vols = st.storage_pool_list_all_volumes(&a.pool.into(), a.flags)?;
            let n = count(vols.len());
            Ok(StoragePoolListAllVolumesRet {
                vols: if a.need_results != 0 {
                    vols.iter().map(NonnullStorageVol::from).collect()
                } else {
                    Vec::new()
                },
                ret: n,
            })
        }),

        // ---- storage volumes ----
        p::STORAGE_VOL_LOOKUP_BY_NAME => run::<c::StorageVolLookupByName>(pl, |a| {
            Ok(StorageVolRet {
                vol: st
                    .storage_vol_lookup_by_name(&a.pool.into(), &a.name)?
                    .into(),
            })
        }),
        p::STORAGE_VOL_LOOKUP_BY_KEY => run::<c::StorageVolLookupByKey>(pl, |a| {
            Ok(StorageVolRet {
                vol: st.storage_vol_lookup_by_key(&a.key)?.into(),
            })
        }),
        p::STORAGE_VOL_LOOKUP_BY_PATH => run::<c::StorageVolLookupByPath>(pl, |a| {
            Ok(StorageVolRet {
                vol: st.storage_vol_lookup_by_path(&a.path)?.into(),
            })
        }),
        p::STORAGE_VOL_CREATE_XML => run::<c::StorageVolCreateXml>(pl, |a| {
            Ok(StorageVolRet {
                vol: st
                    .storage_vol_create_xml(
                        &a.pool.into(),
                        &a.xml,
                        StorageVolCreateFlags::from_bits_retain(a.flags),
                    )?
                    .into(),
            })
        }),
        p::STORAGE_VOL_CREATE_XML_FROM => run::<c::StorageVolCreateXmlFrom>(pl, |a| {
            Ok(StorageVolRet {
                vol: st
                    .storage_vol_create_xml_from(
                        &a.pool.into(),
                        &a.xml,
                        &a.clonevol.into(),
                        StorageVolCreateFlags::from_bits_retain(a.flags),
                    )?
                    .into(),
            })
        }),
        p::STORAGE_VOL_DELETE => run::<c::StorageVolDelete>(pl, |a| {
            st.storage_vol_delete(
                &a.vol.into(),
                StorageVolDeleteFlags::from_bits_retain(a.flags),
            )
        }),
        p::STORAGE_VOL_WIPE => run::<c::StorageVolWipe>(pl, |a| {
            st.storage_vol_wipe(&a.vol.into(), WipeAlgorithm::Zero, a.flags)
        }),
        p::STORAGE_VOL_WIPE_PATTERN => run::<c::StorageVolWipePattern>(pl, |a| {
            let alg = WipeAlgorithm::from_u32(a.algorithm).ok_or_else(|| {
                Error::new(
                    ErrorDomain::Storage,
                    ErrorCode::InvalidArg,
                    format!("wiping algorithm {} not supported", a.algorithm),
                )
            })?;
            st.storage_vol_wipe(&a.vol.into(), alg, a.flags)
        }),
        p::STORAGE_VOL_RESIZE => run::<c::StorageVolResize>(pl, |a| {
            st.storage_vol_resize(
                &a.vol.into(),
                a.capacity,
                StorageVolResizeFlags::from_bits_retain(a.flags),
            )
        }),
        p::STORAGE_VOL_GET_INFO => run::<c::StorageVolGetInfo>(pl, |a| {
            Ok(StorageVolGetInfoRet::from(
                &st.storage_vol_get_info(&a.vol.into())?,
            ))
        }),
        p::STORAGE_VOL_GET_INFO_FLAGS => run::<c::StorageVolGetInfoFlags>(pl, |a| {
            Ok(StorageVolGetInfoRet::from(
                &st.storage_vol_get_info(&a.vol.into())?,
            ))
        }),
        p::STORAGE_VOL_GET_XML_DESC => run::<c::StorageVolGetXmlDesc>(pl, |a| {
            Ok(XmlRet {
                xml: st.storage_vol_get_xml_desc(&a.vol.into(), a.flags)?,
            })
        }),
        p::STORAGE_VOL_GET_PATH => run::<c::StorageVolGetPath>(pl, |a| {
            Ok(StorageVolGetPathRet {
                name: st.storage_vol_get_path(&a.vol.into())?,
            })
        }),

        // ---- node devices ----
        p::CONNECT_LIST_ALL_NODE_DEVICES => run::<c::ConnectListAllNodeDevices>(pl, |a| {
            let devs =
                nd.connect_list_all_node_devices(ListNodeDevicesFlags::from_bits_retain(a.flags))?;
            let n = count(devs.len());
            Ok(ConnectListAllNodeDevicesRet {
                devices: if a.need_results != 0 {
                    devs.iter().map(NonnullNodeDevice::from).collect()
                } else {
                    Vec::new()
                },
                ret: n,
            })
        }),
        p::NODE_NUM_OF_DEVICES => run::<c::NodeNumOfDevices>(pl, |a| {
            Ok(NumRet {
                num: node_devices_by_cap(nd, a.cap.as_deref(), a.flags)?.len() as i32,
            })
        }),
        p::NODE_LIST_DEVICES => run::<c::NodeListDevices>(pl, |a| {
            check_max(a.maxnames, limits::NODE_DEVICE_LIST_MAX, "maxnames")?;
            Ok(NodeListDevicesRet {
                names: limit(
                    node_devices_by_cap(nd, a.cap.as_deref(), a.flags)?,
                    a.maxnames,
                ),
            })
        }),
        p::NODE_DEVICE_LOOKUP_BY_NAME => run::<c::NodeDeviceLookupByName>(pl, |a| {
            Ok(NodeDeviceRet {
                dev: nd.node_device_lookup_by_name(&a.name)?.into(),
            })
        }),
        p::NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN => {
            run::<c::NodeDeviceLookupScsiHostByWwn>(pl, |a| {
                Ok(NodeDeviceRet {
                    dev: nd
                        .node_device_lookup_scsi_host_by_wwn(&a.wwnn, &a.wwpn, a.flags)?
                        .into(),
                })
            })
        }
        p::NODE_DEVICE_GET_XML_DESC => run::<c::NodeDeviceGetXmlDesc>(pl, |a| {
            Ok(XmlRet {
                xml: nd.node_device_get_xml_desc(&NodeDeviceRef { name: a.name }, a.flags)?,
            })
        }),
        p::NODE_DEVICE_GET_PARENT => run::<c::NodeDeviceGetParent>(pl, |a| {
            Ok(NodeDeviceGetParentRet {
                parent_name: nd.node_device_get_parent(&NodeDeviceRef { name: a.name })?,
            })
        }),
        p::NODE_DEVICE_NUM_OF_CAPS => run::<c::NodeDeviceNumOfCaps>(pl, |a| {
            Ok(NumRet {
                num: nd
                    .node_device_list_caps(&NodeDeviceRef { name: a.name })?
                    .len() as i32,
            })
        }),
        p::NODE_DEVICE_LIST_CAPS => run::<c::NodeDeviceListCaps>(pl, |a| {
            check_max(a.maxnames, limits::NODE_DEVICE_CAPS_LIST_MAX, "maxnames")?;
            Ok(NodeDeviceListCapsRet {
                names: limit(
                    nd.node_device_list_caps(&NodeDeviceRef { name: a.name })?,
                    a.maxnames,
                ),
            })
        }),
        p::NODE_DEVICE_DETTACH => run::<c::NodeDeviceDettach>(pl, |a| {
            nd.node_device_detach(&NodeDeviceRef { name: a.name }, None, 0)
        }),
        p::NODE_DEVICE_DETACH_FLAGS => run::<c::NodeDeviceDetachFlags>(pl, |a| {
            nd.node_device_detach(
                &NodeDeviceRef { name: a.name },
                a.driver_name.as_deref(),
                a.flags,
            )
        }),
        p::NODE_DEVICE_RE_ATTACH => run::<c::NodeDeviceReAttach>(pl, |a| {
            nd.node_device_reattach(&NodeDeviceRef { name: a.name })
        }),
        p::NODE_DEVICE_RESET => run::<c::NodeDeviceReset>(pl, |a| {
            nd.node_device_reset(&NodeDeviceRef { name: a.name })
        }),
        p::NODE_DEVICE_CREATE_XML => run::<c::NodeDeviceCreateXml>(pl, |a| {
            Ok(NodeDeviceRet {
                dev: nd.node_device_create_xml(&a.xml_desc, a.flags)?.into(),
            })
        }),
        p::NODE_DEVICE_DESTROY => run::<c::NodeDeviceDestroy>(pl, |a| {
            nd.node_device_destroy(&NodeDeviceRef { name: a.name })
        }),
        p::NODE_DEVICE_DEFINE_XML => run::<c::NodeDeviceDefineXml>(pl, |a| {
            Ok(NodeDeviceRet {
                dev: nd.node_device_define_xml(&a.xml_desc, a.flags)?.into(),
            })
        }),
        p::NODE_DEVICE_UNDEFINE => run::<c::NodeDeviceUndefine>(pl, |a| {
            nd.node_device_undefine(&NodeDeviceRef { name: a.name }, a.flags)
        }),

        // ---- interfaces ----
        p::CONNECT_LIST_ALL_INTERFACES => run::<c::ConnectListAllInterfaces>(pl, |a| {
            let ifaces =
                ifc.connect_list_all_interfaces(ListInterfacesFlags::from_bits_retain(a.flags))?;
            let n = count(ifaces.len());
            Ok(ConnectListAllInterfacesRet {
                ifaces: if a.need_results != 0 {
                    ifaces.iter().map(NonnullInterface::from).collect()
                } else {
                    Vec::new()
                },
                ret: n,
            })
        }),
        p::CONNECT_NUM_OF_INTERFACES => run::<c::ConnectNumOfInterfaces>(pl, |()| {
            Ok(NumRet {
                num: ifc
                    .connect_list_all_interfaces(ListInterfacesFlags::ACTIVE)?
                    .len() as i32,
            })
        }),
        p::CONNECT_NUM_OF_DEFINED_INTERFACES => run::<c::ConnectNumOfDefinedInterfaces>(pl, |()| {
            Ok(NumRet {
                num: ifc
                    .connect_list_all_interfaces(ListInterfacesFlags::INACTIVE)?
                    .len() as i32,
            })
        }),
        p::CONNECT_LIST_INTERFACES => run::<c::ConnectListInterfaces>(pl, |a| {
            check_max(a.maxnames, limits::INTERFACE_LIST_MAX, "maxnames")?;
            let ifaces = ifc.connect_list_all_interfaces(ListInterfacesFlags::ACTIVE)?;
            Ok(ConnectListInterfacesRet {
                names: limit(ifaces.into_iter().map(|i| i.name).collect(), a.maxnames),
            })
        }),
        p::CONNECT_LIST_DEFINED_INTERFACES => run::<c::ConnectListDefinedInterfaces>(pl, |a| {
            check_max(a.maxnames, limits::INTERFACE_LIST_MAX, "maxnames")?;
            let ifaces = ifc.connect_list_all_interfaces(ListInterfacesFlags::INACTIVE)?;
            Ok(ConnectListInterfacesRet {
                names: limit(ifaces.into_iter().map(|i| i.name).collect(), a.maxnames),
            })
        }),
        p::INTERFACE_LOOKUP_BY_NAME => run::<c::InterfaceLookupByName>(pl, |a| {
            Ok(InterfaceLookupByNameRet {
                iface: ifc.interface_lookup_by_name(&a.name)?.into(),
            })
        }),
        p::INTERFACE_LOOKUP_BY_MAC_STRING => run::<c::InterfaceLookupByMacString>(pl, |a| {
            Ok(InterfaceLookupByMacStringRet {
                iface: ifc.interface_lookup_by_mac_string(&a.mac)?.into(),
            })
        }),
        p::INTERFACE_GET_XML_DESC => run::<c::InterfaceGetXmlDesc>(pl, |a| {
            Ok(InterfaceGetXmlDescRet {
                xml: ifc.interface_get_xml_desc(
                    &a.iface.into(),
                    XmlInactiveFlags::from_bits_retain(a.flags),
                )?,
            })
        }),
        p::INTERFACE_DEFINE_XML => run::<c::InterfaceDefineXml>(pl, |a| {
            Ok(InterfaceDefineXmlRet {
                iface: ifc.interface_define_xml(&a.xml, a.flags)?.into(),
            })
        }),
        p::INTERFACE_UNDEFINE => {
            run::<c::InterfaceUndefine>(pl, |a| ifc.interface_undefine(&a.iface.into()))
        }
        p::INTERFACE_CREATE => {
            run::<c::InterfaceCreate>(pl, |a| ifc.interface_create(&a.iface.into(), a.flags))
        }
        p::INTERFACE_DESTROY => {
            run::<c::InterfaceDestroy>(pl, |a| ifc.interface_destroy(&a.iface.into(), a.flags))
        }
        p::INTERFACE_IS_ACTIVE => run::<c::InterfaceIsActive>(pl, |a| {
            Ok(InterfaceIsActiveRet {
                active: b(ifc.interface_is_active(&a.iface.into())?),
            })
        }),
        p::INTERFACE_CHANGE_BEGIN => {
            run::<c::InterfaceChangeBegin>(pl, |a| ifc.interface_change_begin(a.flags))
        }
        p::INTERFACE_CHANGE_COMMIT => {
            run::<c::InterfaceChangeCommit>(pl, |a| ifc.interface_change_commit(a.flags))
        }
        p::INTERFACE_CHANGE_ROLLBACK => {
            run::<c::InterfaceChangeRollback>(pl, |a| ifc.interface_change_rollback(a.flags))
        }

        // ---- secrets ----
        p::CONNECT_LIST_ALL_SECRETS => run::<c::ConnectListAllSecrets>(pl, |a| {
            let secrets =
                sec.connect_list_all_secrets(ListSecretsFlags::from_bits_retain(a.flags))?;
            let n = count(secrets.len());
            Ok(ConnectListAllSecretsRet {
                secrets: if a.need_results != 0 {
                    secrets.iter().map(NonnullSecret::from).collect()
                } else {
                    Vec::new()
                },
                ret: n,
            })
        }),
        p::CONNECT_NUM_OF_SECRETS => run::<c::ConnectNumOfSecrets>(pl, |()| {
            Ok(NumRet {
                num: sec
                    .connect_list_all_secrets(ListSecretsFlags::empty())?
                    .len() as i32,
            })
        }),
        p::CONNECT_LIST_SECRETS => run::<c::ConnectListSecrets>(pl, |a| {
            check_max(a.maxuuids, limits::SECRET_LIST_MAX, "maxuuids")?;
            let secrets = sec.connect_list_all_secrets(ListSecretsFlags::empty())?;
            Ok(ConnectListSecretsRet {
                uuids: limit(
                    secrets.iter().map(|s| uuid_str(&s.uuid)).collect(),
                    a.maxuuids,
                ),
            })
        }),
        p::SECRET_LOOKUP_BY_UUID => run::<c::SecretLookupByUuid>(pl, |a| {
            Ok(SecretRet {
                secret: sec.secret_lookup_by_uuid(&Uuid::from(a.uuid))?.into(),
            })
        }),
        p::SECRET_LOOKUP_BY_USAGE => run::<c::SecretLookupByUsage>(pl, |a| {
            Ok(SecretRet {
                secret: sec
                    .secret_lookup_by_usage(a.usage_type, &a.usage_id)?
                    .into(),
            })
        }),
        p::SECRET_DEFINE_XML => run::<c::SecretDefineXml>(pl, |a| {
            Ok(SecretRet {
                secret: sec.secret_define_xml(&a.xml, a.flags)?.into(),
            })
        }),
        p::SECRET_GET_XML_DESC => run::<c::SecretGetXmlDesc>(pl, |a| {
            Ok(XmlRet {
                xml: sec.secret_get_xml_desc(&a.secret.into(), a.flags)?,
            })
        }),
        p::SECRET_SET_VALUE => run::<c::SecretSetValue>(pl, |a| {
            sec.secret_set_value(&a.secret.into(), &a.value, a.flags)
        }),
        p::SECRET_GET_VALUE => run::<c::SecretGetValue>(pl, |a| {
            Ok(SecretGetValueRet {
                value: sec.secret_get_value(&a.secret.into(), a.flags)?,
            })
        }),
        p::SECRET_UNDEFINE => {
            run::<c::SecretUndefine>(pl, |a| sec.secret_undefine(&a.secret.into()))
        }

        // ---- network filters ----
        p::CONNECT_LIST_ALL_NWFILTERS => run::<c::ConnectListAllNwfilters>(pl, |a| {
            let filters = nwf.connect_list_all_nwfilters(a.flags)?;
            let n = count(filters.len());
            Ok(ConnectListAllNwfiltersRet {
                filters: if a.need_results != 0 {
                    filters.iter().map(NonnullNwfilter::from).collect()
                } else {
                    Vec::new()
                },
                ret: n,
            })
        }),
        p::CONNECT_NUM_OF_NWFILTERS => run::<c::ConnectNumOfNwfilters>(pl, |()| {
            Ok(NumRet {
                num: nwf.connect_list_all_nwfilters(0)?.len() as i32,
            })
        }),
        p::CONNECT_LIST_NWFILTERS => run::<c::ConnectListNwfilters>(pl, |a| {
            check_max(a.maxnames, limits::NWFILTER_LIST_MAX, "maxnames")?;
            let filters = nwf.connect_list_all_nwfilters(0)?;
            Ok(ConnectListNwfiltersRet {
                names: limit(filters.into_iter().map(|f| f.name).collect(), a.maxnames),
            })
        }),
        p::NWFILTER_LOOKUP_BY_NAME => run::<c::NwfilterLookupByName>(pl, |a| {
            Ok(NwfilterRet {
                nwfilter: nwf.nwfilter_lookup_by_name(&a.name)?.into(),
            })
        }),
        p::NWFILTER_LOOKUP_BY_UUID => run::<c::NwfilterLookupByUuid>(pl, |a| {
            Ok(NwfilterRet {
                nwfilter: nwf.nwfilter_lookup_by_uuid(&Uuid::from(a.uuid))?.into(),
            })
        }),
        p::NWFILTER_DEFINE_XML => run::<c::NwfilterDefineXml>(pl, |a| {
            Ok(NwfilterRet {
                nwfilter: nwf.nwfilter_define_xml(&a.xml, 0)?.into(),
            })
        }),
        p::NWFILTER_DEFINE_XML_FLAGS => run::<c::NwfilterDefineXmlFlags>(pl, |a| {
            Ok(NwfilterRet {
                nwfilter: nwf.nwfilter_define_xml(&a.xml, a.flags)?.into(),
            })
        }),
        p::NWFILTER_UNDEFINE => {
            run::<c::NwfilterUndefine>(pl, |a| nwf.nwfilter_undefine(&a.nwfilter.into()))
        }
        p::NWFILTER_GET_XML_DESC => run::<c::NwfilterGetXmlDesc>(pl, |a| {
            Ok(XmlRet {
                xml: nwf.nwfilter_get_xml_desc(&a.nwfilter.into(), a.flags)?,
            })
        }),

        // Everything else is a procedure the driver traits do not cover.
        _ => unmapped(),
    }
}

/// Node device names, optionally only those with capability `cap` (`virNodeListDevices`).
fn node_devices_by_cap(
    nd: &dyn NodeDeviceDriver,
    cap: Option<&str>,
    flags: u32,
) -> Result<Vec<String>> {
    if flags != 0 {
        return Err(Error::unsupported_flags(
            ErrorDomain::Nodedev,
            flags,
            "virNodeListDevices",
        ));
    }
    let filter = match cap {
        Some(name) => NODE_DEVICE_CAP_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
            .unwrap_or(ListNodeDevicesFlags::empty()),
        None => ListNodeDevicesFlags::empty(),
    };
    if cap.is_some() && filter.is_empty() {
        return Ok(Vec::new());
    }
    Ok(nd
        .connect_list_all_node_devices(filter)?
        .into_iter()
        .map(|d| d.name)
        .collect())
}

/// Calls of the QEMU program.
pub fn dispatch_qemu(client: &Arc<Client>, proc_: i32, payload: &[u8]) -> Dispatched {
    let conn = client.connection()?;
    if client.readonly || conn.is_read_only() {
        let name = match proc_ {
            qemu::DOMAIN_AGENT_COMMAND => "virDomainQemuAgentCommand",
            _ => "virDomainQemuMonitorCommand",
        };
        return Err(Error::new(
            ErrorDomain::Domain,
            ErrorCode::OperationDenied,
            format!("read only access prevents {name}"),
        ));
    }
    match proc_ {
        qemu::DOMAIN_MONITOR_COMMAND => {
            let a: qemu::DomainMonitorCommandArgs =
                xdr::from_bytes(payload).map_err(|_| decode_error())?;
            let result =
                conn.hypervisor
                    .domain_qemu_monitor_command(&a.dom.into(), &a.cmd, a.flags)?;
            Ok(Outcome::Reply(encode(&qemu::DomainMonitorCommandRet {
                result,
            })?))
        }
        qemu::DOMAIN_AGENT_COMMAND => {
            let a: qemu::DomainAgentCommandArgs =
                xdr::from_bytes(payload).map_err(|_| decode_error())?;
            let result = conn.hypervisor.domain_qemu_agent_command(
                &a.dom.into(),
                &a.cmd,
                a.timeout,
                a.flags,
            )?;
            Ok(Outcome::Reply(encode(&qemu::DomainAgentCommandRet {
                result: Some(result),
            })?))
        }
        _ => Err(Error::no_support(
            ErrorDomain::Domain,
            "virDomainQemuMonitorCommand",
        )),
    }
}

/// A stream over bytes already in memory (screenshots).
struct BufferStream {
    data: Vec<u8>,
    offset: usize,
}

impl BufferStream {
    fn new(data: Vec<u8>) -> Self {
        BufferStream { data, offset: 0 }
    }
}

impl Stream for BufferStream {
    fn send(&mut self, _data: &[u8]) -> Result<()> {
        Err(Error::no_support(ErrorDomain::Streams, "virStreamSend"))
    }
    fn recv(&mut self, max: usize) -> Result<Vec<u8>> {
        let end = self.data.len().min(self.offset.saturating_add(max));
        let chunk = self
            .data
            .get(self.offset..end)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        self.offset = end;
        Ok(chunk)
    }
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
    fn abort(&mut self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(body: ReplyBody) -> Vec<u8> {
        body.0[packet::PAYLOAD_OFFSET..].to_vec()
    }

    #[test]
    fn domain_list_encodes_as_the_wire_type() {
        let doms: Vec<DomainRef> = ["test", "a", "abcd", "abcde", ""]
            .iter()
            .enumerate()
            .map(|(i, name)| DomainRef {
                name: name.to_string(),
                uuid: Uuid::from_bytes([i as u8; 16]),
                id: i as i32 - 1,
            })
            .collect();
        for need_results in [true, false] {
            let generic = encode(&ConnectListAllDomainsRet {
                domains: if need_results {
                    doms.iter().map(NonnullDomain::from).collect()
                } else {
                    Vec::new()
                },
                ret: 5,
            })
            .unwrap();
            let fast = encode_domain_list(&doms, need_results).unwrap();
            assert_eq!(fast.0.capacity(), fast.0.len(), "sized exactly");
            assert_eq!(payload(fast), payload(generic));
        }
    }

    #[test]
    fn cpumaps_round_trip() {
        let map = vec![true, false, true, false, false, false, false, false, true];
        let bytes = cpumap_to_bytes(&map, 2);
        assert_eq!(bytes, vec![0b101, 1]);
        assert_eq!(&cpumap_from_bytes(&bytes)[..9], &map[..]);
    }
}
