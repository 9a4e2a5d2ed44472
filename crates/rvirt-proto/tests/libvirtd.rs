//! Talks to a real libvirtd (Debian's libvirt 9.0) over its unix socket with this crate's
//! types, proving the layouts on the wire. Each test starts a private libvirtd (see
//! rvirt-testkit); `RVIRT_LIBVIRT_SOCK` points them at a daemon already running instead
//! (the read-only socket is the same path with `-ro`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::time::Duration;

use rvirt_core::{ErrorCode, ErrorDomain, TypedValue};
use rvirt_proto::calls::{self, *};
use rvirt_proto::packet::{self, Header, MessageStatus, MessageType, Packet, PacketDecoder};
use rvirt_proto::procedures::{self, remote_proc};
use rvirt_proto::program::{self, AuthType};
use rvirt_proto::remote::*;

/// The daemon a test talks to: the one `RVIRT_LIBVIRT_SOCK` names, or a private one that
/// lives as long as the returned guard. `None` when there is none (a failure under CI).
fn daemon(test: &str) -> Option<(String, Option<rvirt_testkit::Libvirtd>)> {
    if let Ok(sock) = std::env::var("RVIRT_LIBVIRT_SOCK") {
        return Some((sock, None));
    }
    let daemon = rvirt_testkit::libvirtd_or_skip(test, &Default::default())?;
    Some((daemon.socket().display().to_string(), Some(daemon)))
}

struct Client {
    stream: UnixStream,
    decoder: PacketDecoder,
    serial: u32,
    /// Packets that arrived while waiting for something else (events).
    pending: VecDeque<Packet>,
}

impl Client {
    fn connect(path: &str) -> Client {
        let stream = UnixStream::connect(path)
            .unwrap_or_else(|e| panic!("cannot connect to {path} (is libvirtd running?): {e}"));
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        Client {
            stream,
            decoder: PacketDecoder::new(),
            serial: 0,
            pending: VecDeque::new(),
        }
    }

    fn read_packet(&mut self) -> Packet {
        loop {
            if let Some(p) = self.decoder.next_packet().unwrap() {
                return p;
            }
            let mut buf = [0u8; 65536];
            let n = self.stream.read(&mut buf).unwrap();
            assert!(n > 0, "daemon closed the connection");
            self.decoder.push(&buf[..n]);
        }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    fn call<C: RemoteCall>(&mut self, args: &C::Args) -> rvirt_core::Result<C::Ret> {
        self.serial += 1;
        let serial = self.serial;
        let bytes = calls::call_packet::<C>(serial, args).unwrap();
        self.send_raw(&bytes);
        loop {
            let p = self.read_packet();
            if p.header.kind == MessageType::Reply && p.header.serial == serial {
                return calls::decode_reply::<C>(&p);
            }
            self.pending.push_back(p);
        }
    }

    fn next_event(&mut self) -> Packet {
        if let Some(p) = self.pending.pop_front() {
            return p;
        }
        self.read_packet()
    }

    fn open(&mut self, uri: &str, flags: u32) {
        let types = self.call::<AuthList>(&()).unwrap().types;
        assert!(
            types.contains(&AuthType::None),
            "daemon wants auth {types:?}; see README"
        );
        self.call::<ConnectOpen>(&ConnectOpenArgs {
            name: Some(uri.to_string()),
            flags,
        })
        .unwrap();
    }
}

/// What the stock virsh says about the same daemon, to compare with.
fn virsh(socket: &str, args: &[&str]) -> String {
    let uri = format!("test+unix:///default?socket={socket}");
    let out = Command::new("virsh")
        .arg("-c")
        .arg(&uri)
        .args(args)
        .output()
        .expect("virsh runs");
    assert!(
        out.status.success(),
        "virsh {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn real_libvirtd_session() {
    let Some((sock, _daemon)) = daemon("real_libvirtd_session") else {
        return;
    };
    let mut c = Client::connect(&sock);
    c.open("test:///default", 0);

    let hostname = c.call::<ConnectGetHostname>(&()).unwrap().hostname;
    assert_eq!(hostname, virsh(&sock, &["hostname"]).trim());
    assert_eq!(c.call::<ConnectGetType>(&()).unwrap().type_, "TEST");
    assert_eq!(
        c.call::<ConnectGetLibVersion>(&()).unwrap().lib_ver,
        9_000_000
    );
    assert_eq!(c.call::<ConnectGetUri>(&()).unwrap().uri, "test:///default");
    assert_eq!(c.call::<ConnectIsSecure>(&()).unwrap().secure, 1);
    let caps = c.call::<ConnectGetCapabilities>(&()).unwrap().capabilities;
    assert!(caps.starts_with("<capabilities>"), "{caps}");

    let node = c.call::<NodeGetInfo>(&()).unwrap().to_node_info();
    let nodeinfo = virsh(&sock, &["nodeinfo"]);
    assert!(nodeinfo.contains(&node.model), "{nodeinfo} vs {node:?}");
    assert!(
        nodeinfo.contains(&format!("{} KiB", node.memory)),
        "{nodeinfo}"
    );

    let dom = c
        .call::<DomainLookupByName>(&DomainLookupByNameArgs {
            name: "test".into(),
        })
        .unwrap()
        .dom;
    let domref: rvirt_core::DomainRef = dom.clone().into();
    assert_eq!(domref.name, "test");
    assert_eq!(domref.id, 1);
    assert_eq!(
        domref.uuid.to_string(),
        virsh(&sock, &["domuuid", "test"]).trim()
    );

    let info = c
        .call::<DomainGetInfo>(&DomainArgs { dom: dom.clone() })
        .unwrap()
        .to_domain_info();
    assert_eq!(info.state, rvirt_core::DomainState::Running);
    let dominfo = virsh(&sock, &["dominfo", "test"]);
    assert!(
        dominfo.contains(&format!("{} KiB", info.max_mem)),
        "{dominfo}"
    );
    let cpus_line = dominfo.lines().find(|l| l.starts_with("CPU(s):")).unwrap();
    assert_eq!(
        cpus_line.split_whitespace().nth(1).unwrap(),
        info.nr_virt_cpu.to_string()
    );

    let state = c
        .call::<DomainGetState>(&DomainFlagsArgs {
            dom: dom.clone(),
            flags: 0,
        })
        .unwrap();
    assert_eq!(state.state, 1);

    let xml = c
        .call::<DomainGetXmlDesc>(&DomainFlagsArgs {
            dom: dom.clone(),
            flags: 0,
        })
        .unwrap()
        .xml;
    assert_eq!(xml.trim(), virsh(&sock, &["dumpxml", "test"]).trim());

    let all = c
        .call::<ConnectListAllDomains>(&ConnectListAllDomainsArgs {
            need_results: 1,
            flags: 0,
        })
        .unwrap();
    assert_eq!(all.ret as usize, all.domains.len());
    assert!(all.domains.contains(&dom));
    assert_eq!(c.call::<ConnectNumOfDomains>(&()).unwrap().num, 1);
    let ids = c
        .call::<ConnectListDomains>(&ConnectListDomainsArgs { maxids: 10 })
        .unwrap()
        .ids;
    assert_eq!(ids, vec![1]);

    // Typed parameters: the test driver's scheduler has one unsigned "weight".
    let sched = c
        .call::<DomainGetSchedulerType>(&DomainArgs { dom: dom.clone() })
        .unwrap();
    assert_eq!(sched.type_, "fair");
    // (The flags variant is refused by the test driver: the daemon adds
    // VIR_TYPED_PARAM_STRING_OKAY, which testDomainGetSchedulerParametersFlags rejects.)
    let params = c
        .call::<DomainGetSchedulerParameters>(&DomainGetSchedulerParametersArgs {
            dom: dom.clone(),
            nparams: sched.nparams,
        })
        .unwrap()
        .params;
    let params = params_from_wire(params);
    assert_eq!(params.len(), 1);
    assert_eq!(params[0].field, "weight");
    assert!(matches!(params[0].value, TypedValue::UInt(_)));
    let schedinfo = virsh(&sock, &["schedinfo", "test"]);
    assert!(
        schedinfo.contains(&format!("weight         : {}", params[0].value)),
        "{schedinfo}"
    );

    // Other object families.
    let nets = c
        .call::<ConnectListAllNetworks>(&ConnectListAllNetworksArgs {
            need_results: 1,
            flags: 0,
        })
        .unwrap()
        .nets;
    assert_eq!(nets.len(), 1);
    let net = c
        .call::<NetworkLookupByName>(&NetworkLookupByNameArgs {
            name: "default".into(),
        })
        .unwrap()
        .net;
    assert_eq!(net, nets[0]);
    assert_eq!(
        c.call::<NetworkGetBridgeName>(&NetworkArgs { net: net.clone() })
            .unwrap()
            .name,
        "virbr0"
    );
    let pool = c
        .call::<StoragePoolLookupByName>(&StoragePoolLookupByNameArgs {
            name: "default-pool".into(),
        })
        .unwrap()
        .pool;
    let pinfo = c
        .call::<StoragePoolGetInfo>(&StoragePoolArgs { pool: pool.clone() })
        .unwrap()
        .to_pool_info();
    assert_eq!(pinfo.state, rvirt_core::StoragePoolState::Running);
    let vols = c
        .call::<StoragePoolListAllVolumes>(&StoragePoolListAllVolumesArgs {
            pool,
            need_results: 1,
            flags: 0,
        })
        .unwrap();
    assert_eq!(vols.ret as usize, vols.vols.len());
    let devs = c
        .call::<ConnectListAllNodeDevices>(&ConnectListAllNodeDevicesArgs {
            need_results: 1,
            flags: 0,
        })
        .unwrap()
        .devices;
    assert!(!devs.is_empty());
    for d in &devs {
        let xml = c
            .call::<NodeDeviceGetXmlDesc>(&NodeDeviceNameFlagsArgs {
                name: d.name.clone(),
                flags: 0,
            })
            .unwrap()
            .xml;
        assert!(xml.contains(&format!("<name>{}</name>", d.name)), "{xml}");
        assert_eq!(
            xml.trim(),
            virsh(&sock, &["nodedev-dumpxml", &d.name]).trim()
        );
    }
    let ifaces = c
        .call::<ConnectListAllInterfaces>(&ConnectListAllInterfacesArgs {
            need_results: 1,
            flags: 0,
        })
        .unwrap()
        .ifaces;
    assert!(ifaces.iter().any(|i| i.name == "eth1"), "{ifaces:?}");
    // test:///default has no secret driver: the error travels back intact.
    let e = c
        .call::<ConnectListAllSecrets>(&ConnectListAllSecretsArgs {
            need_results: 1,
            flags: 0,
        })
        .unwrap_err();
    assert_eq!(
        (e.code, e.domain),
        (ErrorCode::NoSupport, ErrorDomain::Secret)
    );
    assert_eq!(
        e.message,
        "this function is not supported by the connection driver: virConnectListAllSecrets"
    );
    let model = c
        .call::<NodeGetSecurityModel>(&())
        .unwrap()
        .to_security_model();
    assert!(!model.model.is_empty());
    assert!(
        caps.contains(&format!("<model>{}</model>", model.model)),
        "{caps}"
    );

    // Events: register for lifecycle events, suspend and resume, decode both messages.
    let cb = c
        .call::<ConnectDomainEventCallbackRegisterAny>(&ConnectDomainEventCallbackRegisterAnyArgs {
            event_id: 0,
            dom: None,
        })
        .unwrap()
        .callback_id;
    c.call::<DomainSuspend>(&DomainArgs { dom: dom.clone() })
        .unwrap();
    c.call::<DomainResume>(&DomainArgs { dom: dom.clone() })
        .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let p = c.next_event();
        assert_eq!(p.header.kind, MessageType::Message);
        assert_eq!(p.header.proc_, remote_proc::DOMAIN_EVENT_CALLBACK_LIFECYCLE);
        assert!(procedures::lookup(p.header.proc_).unwrap().is_event());
        let m: DomainEventCallbackLifecycleMsg = p.decode().unwrap();
        assert_eq!(m.callback_id, cb);
        assert_eq!(m.msg.dom.name, "test");
        seen.push(m.msg.event);
    }
    // VIR_DOMAIN_EVENT_SUSPENDED = 3, VIR_DOMAIN_EVENT_RESUMED = 4.
    assert_eq!(seen, vec![3, 4]);
    c.call::<ConnectDomainEventCallbackDeregisterAny>(&ConnectEventDeregisterAnyArgs {
        callback_id: cb,
    })
    .unwrap();

    // Network and storage pool events: lifecycle (id 0) and pool refresh (id 1).
    let net_cb = c
        .call::<ConnectNetworkEventRegisterAny>(&ConnectNetworkEventRegisterAnyArgs {
            event_id: 0,
            net: None,
        })
        .unwrap()
        .callback_id;
    c.call::<NetworkDestroy>(&NetworkArgs { net: net.clone() })
        .unwrap();
    c.call::<NetworkCreate>(&NetworkArgs { net: net.clone() })
        .unwrap();
    let mut net_events = Vec::new();
    while net_events.len() < 2 {
        let p = c.next_event();
        assert_eq!(p.header.proc_, remote_proc::NETWORK_EVENT_LIFECYCLE);
        let m: NetworkEventLifecycleMsg = p.decode().unwrap();
        assert_eq!((m.callback_id, &m.net), (net_cb, &net));
        net_events.push(m.event);
    }
    // VIR_NETWORK_EVENT_STOPPED = 3, VIR_NETWORK_EVENT_STARTED = 2.
    assert_eq!(net_events, vec![3, 2]);
    c.call::<ConnectNetworkEventDeregisterAny>(&ConnectEventDeregisterAnyArgs {
        callback_id: net_cb,
    })
    .unwrap();
    let pool_handle = c
        .call::<StoragePoolLookupByName>(&StoragePoolLookupByNameArgs {
            name: "default-pool".into(),
        })
        .unwrap()
        .pool;
    let pool_cb = c
        .call::<ConnectStoragePoolEventRegisterAny>(&ConnectStoragePoolEventRegisterAnyArgs {
            event_id: 1,
            pool: Some(pool_handle.clone()),
        })
        .unwrap()
        .callback_id;
    c.call::<StoragePoolRefresh>(&StoragePoolFlagsArgs {
        pool: pool_handle.clone(),
        flags: 0,
    })
    .unwrap();
    let p = c.next_event();
    assert_eq!(p.header.proc_, remote_proc::STORAGE_POOL_EVENT_REFRESH);
    let m: StoragePoolEventRefreshMsg = p.decode().unwrap();
    assert_eq!((m.callback_id, m.pool), (pool_cb, pool_handle));

    // A read stream: the test driver's screenshot arrives as STREAM packets.
    let shot = c
        .call::<DomainScreenshot>(&DomainScreenshotArgs {
            dom: dom.clone(),
            screen: 0,
            flags: 0,
        })
        .unwrap();
    assert_eq!(shot.mime.as_deref(), Some("image/png"));
    let call_serial = c.serial;
    let mut image = Vec::new();
    loop {
        // Stream data may overtake the reply, so look at what was set aside first.
        let p = c.next_event();
        assert_eq!(p.header.kind, MessageType::Stream);
        assert_eq!(p.header.proc_, remote_proc::DOMAIN_SCREENSHOT);
        assert_eq!(p.header.serial, call_serial);
        match p.header.status {
            // An empty data packet is the end of the data.
            MessageStatus::Continue if p.payload.is_empty() => break,
            MessageStatus::Continue => image.extend_from_slice(&p.payload),
            other => panic!("{other:?}: {:?}", p.error()),
        }
    }
    assert!(image.starts_with(b"\x89PNG"), "{} bytes", image.len());
    let call_header = Header::call(
        program::REMOTE_PROGRAM,
        1,
        remote_proc::DOMAIN_SCREENSHOT,
        call_serial,
    );
    // The client confirms with STREAM/OK and the daemon acknowledges with STREAM/OK.
    c.send_raw(&packet::build_stream_finish(&call_header).unwrap());
    let ack = c.next_event();
    assert_eq!(
        (ack.header.kind, ack.header.status, ack.header.serial),
        (MessageType::Stream, MessageStatus::Ok, call_serial)
    );
    assert!(ack.payload.is_empty());

    // Define, inspect and undefine a domain.
    let defined = c
        .call::<DomainDefineXml>(&DomainDefineXmlArgs {
            xml: "<domain type='test'><name>proto-t</name><memory>1024</memory>\
                  <os><type>hvm</type></os></domain>"
                .into(),
        })
        .unwrap()
        .dom;
    assert_eq!(defined.id, -1);
    assert_eq!(
        c.call::<DomainIsPersistent>(&DomainArgs {
            dom: defined.clone()
        })
        .unwrap()
        .persistent,
        1
    );
    c.call::<DomainUndefine>(&DomainArgs { dom: defined })
        .unwrap();

    // An erroring call: the reply carries a remote_error.
    let err = c
        .call::<DomainLookupByName>(&DomainLookupByNameArgs {
            name: "nope".into(),
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NoDomain);
    assert_eq!(err.domain, ErrorDomain::Test);
    // The same error as libvirt's own client (python3-libvirt) sees it.
    let script = format!(
        "import libvirt\nc = libvirt.open('test+unix:///default?socket={}')\n\
         try:\n    c.lookupByName('nope')\nexcept libvirt.libvirtError as e:\n    \
         print('|'.join(str(x) for x in e.err))\n",
        sock
    );
    let out = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    let expected = String::from_utf8(out.stdout).unwrap();
    let got = format!(
        "{}|{}|{}|{}|{}|{}|{}|{}|{}",
        err.code as i32,
        err.domain as i32,
        err.message,
        err.level as i32,
        err.str1.as_deref().unwrap_or("None"),
        err.str2.as_deref().unwrap_or("None"),
        err.str3.as_deref().unwrap_or("None"),
        err.int1,
        err.int2
    );
    assert_eq!(got, expected.trim());

    // A procedure number the daemon does not know.
    c.serial += 1;
    let hdr = Header::call(program::REMOTE_PROGRAM, 1, 100_000, c.serial);
    let bytes = packet::build(&hdr, &()).unwrap();
    c.send_raw(&bytes);
    let reply = c.read_packet();
    assert_eq!(reply.header.status, MessageStatus::Error);
    let remote = reply.error().unwrap().unwrap();
    assert_eq!(remote.code, ErrorCode::Rpc as i32);
    assert!(remote.message.unwrap().contains("100000"));

    // Keepalive: a PING message is answered with a PONG.
    let ping = Header {
        prog: program::KEEPALIVE_PROGRAM,
        vers: program::KEEPALIVE_PROTOCOL_VERSION,
        proc_: program::keepalive::PING,
        kind: MessageType::Message,
        serial: 0,
        status: MessageStatus::Ok,
    };
    c.send_raw(&packet::build_raw(&ping, &[]).unwrap());
    let pong = c.read_packet();
    assert_eq!(pong.header.prog, program::KEEPALIVE_PROGRAM);
    assert_eq!(pong.header.proc_, program::keepalive::PONG);
    assert!(pong.payload.is_empty());

    c.call::<ConnectClose>(&()).unwrap();
}

/// The read-only flags of the procedure table agree with what libvirtd allows on its
/// read-only socket.
#[test]
fn real_libvirtd_read_only_socket() {
    let Some((sock, _daemon)) = daemon("real_libvirtd_read_only_socket") else {
        return;
    };
    let mut c = Client::connect(&format!("{sock}-ro"));
    // VIR_CONNECT_RO = 1.
    c.open("test:///default", 1);
    let dom = c
        .call::<DomainLookupByName>(&DomainLookupByNameArgs {
            name: "test".into(),
        })
        .unwrap()
        .dom;

    let allowed = |_c: &mut Client, proc_: i32, ok: bool| {
        let info = procedures::lookup(proc_).unwrap();
        assert_eq!(info.readonly, ok, "{} flag vs daemon", info.name);
    };

    let r = c.call::<DomainGetInfo>(&DomainArgs { dom: dom.clone() });
    allowed(&mut c, remote_proc::DOMAIN_GET_INFO, r.is_ok());
    let r = c.call::<DomainGetXmlDesc>(&DomainFlagsArgs {
        dom: dom.clone(),
        flags: 0,
    });
    allowed(&mut c, remote_proc::DOMAIN_GET_XML_DESC, r.is_ok());
    let r = c.call::<ConnectListAllDomains>(&ConnectListAllDomainsArgs {
        need_results: 1,
        flags: 0,
    });
    allowed(&mut c, remote_proc::CONNECT_LIST_ALL_DOMAINS, r.is_ok());
    let r = c.call::<NodeGetInfo>(&());
    allowed(&mut c, remote_proc::NODE_GET_INFO, r.is_ok());

    let denied = |e: rvirt_core::Error| {
        assert_eq!(e.code, ErrorCode::OperationDenied, "{e:?}");
        false
    };
    let r = c
        .call::<DomainSuspend>(&DomainArgs { dom: dom.clone() })
        .map_or_else(denied, |_| true);
    allowed(&mut c, remote_proc::DOMAIN_SUSPEND, r);
    let r = c
        .call::<DomainDestroy>(&DomainArgs { dom: dom.clone() })
        .map_or_else(denied, |_| true);
    allowed(&mut c, remote_proc::DOMAIN_DESTROY, r);
    let r = c
        .call::<DomainSetSchedulerParameters>(&DomainSetSchedulerParametersArgs {
            dom: dom.clone(),
            params: vec![RemoteTypedParam {
                field: "weight".into(),
                value: TypedParamValue::UInt(10),
            }],
        })
        .map_or_else(denied, |_| true);
    allowed(&mut c, remote_proc::DOMAIN_SET_SCHEDULER_PARAMETERS, r);
    let r = c
        .call::<DomainDefineXml>(&DomainDefineXmlArgs {
            xml: "<domain type='test'><name>ro</name><memory>1024</memory>\
                  <os><type>hvm</type></os></domain>"
                .into(),
        })
        .map_or_else(denied, |_| true);
    allowed(&mut c, remote_proc::DOMAIN_DEFINE_XML, r);
    let r = c
        .call::<ConnectGetDomainCapabilities>(&ConnectGetDomainCapabilitiesArgs {
            emulatorbin: None,
            arch: None,
            machine: None,
            virttype: None,
            flags: 0,
        })
        .map_or_else(|e| e.code != ErrorCode::OperationDenied, |_| true);
    allowed(&mut c, remote_proc::CONNECT_GET_DOMAIN_CAPABILITIES, r);

    c.call::<ConnectClose>(&()).unwrap();
}

/// Python calls (through libvirt's own client on the read-only socket) for procedures
/// whose read-only flag is worth checking; each prints NAME and OK / DENIED / OTHER.
const READ_ONLY_PROBE: &str = r#"
import sys, libvirt
c = libvirt.openReadOnly('test+unix:///default?socket=' + sys.argv[1])
d = c.lookupByName('test')
probes = {
    'DOMAIN_GET_HOSTNAME': lambda: d.hostname(),
    'DOMAIN_GET_TIME': lambda: d.getTime(),
    'DOMAIN_SAVE_IMAGE_GET_XML_DESC': lambda: c.saveImageGetXMLDesc('/nonexistent'),
    'CONNECT_GET_DOMAIN_CAPABILITIES': lambda: c.getDomainCapabilities(),
    'DOMAIN_GET_VCPUS': lambda: d.vcpus(),
    'DOMAIN_MEMORY_STATS': lambda: d.memoryStats(),
    'DOMAIN_GET_BLOCK_INFO': lambda: d.blockInfo('vda'),
    'DOMAIN_INTERFACE_ADDRESSES': lambda: d.interfaceAddresses(0),
    'DOMAIN_GET_SECURITY_LABEL': lambda: d.securityLabel(),
    'CONNECT_GET_CAPABILITIES': lambda: c.getCapabilities(),
    'DOMAIN_HAS_MANAGED_SAVE_IMAGE': lambda: d.hasManagedSaveImage(),
    'DOMAIN_SCREENSHOT': lambda: d.screenshot(c.newStream(), 0),
    'DOMAIN_GET_CPU_STATS': lambda: d.getCPUStats(True),
    'CONNECT_BASELINE_CPU': lambda: c.baselineCPU(['<cpu><arch>x86_64</arch><model>qemu64</model></cpu>']),
    'NODE_GET_CPU_STATS': lambda: c.getCPUStats(-1),
    'CONNECT_GET_ALL_DOMAIN_STATS': lambda: c.getAllDomainStats(),
    'CONNECT_FIND_STORAGE_POOL_SOURCES': lambda: c.findStoragePoolSources('logical', None),
    'DOMAIN_GET_FSINFO': lambda: d.fsInfo(),
    'DOMAIN_GET_GUEST_VCPUS': lambda: d.guestVcpus(),
    'DOMAIN_GET_VCPUS_FLAGS': lambda: d.vcpusFlags(0),
    'DOMAIN_BLOCK_PEEK': lambda: d.blockPeek('vda', 0, 10, 0),
    'DOMAIN_MEMORY_PEEK': lambda: d.memoryPeek(0, 10, 1),
    'DOMAIN_OPEN_CONSOLE': lambda: d.openConsole(None, c.newStream(), 0),
    'DOMAIN_OPEN_CHANNEL': lambda: d.openChannel(None, c.newStream(), 0),
    'DOMAIN_MIGRATE_GET_MAX_SPEED': lambda: d.migrateGetMaxSpeed(),
    'DOMAIN_MIGRATE_GET_COMPRESSION_CACHE': lambda: d.migrateGetCompressionCache(),
    'DOMAIN_MIGRATE_GET_MAX_DOWNTIME': lambda: d.migrateGetMaxDowntime(),
    'DOMAIN_GET_GUEST_INFO': lambda: d.guestInfo(),
    'DOMAIN_AUTHORIZED_SSH_KEYS_GET': lambda: d.authorizedSSHKeysGet('root'),
    'DOMAIN_GET_LAUNCH_SECURITY_INFO': lambda: d.launchSecurityInfo(),
    'NODE_GET_SEV_INFO': lambda: c.getSEVInfo(),
    'CONNECT_COMPARE_HYPERVISOR_CPU': lambda: c.compareHypervisorCPU(None, None, None, None, '<cpu/>'),
    'CONNECT_DOMAIN_XML_FROM_NATIVE': lambda: c.domainXMLFromNative('qemu-argv', 'x'),
    'DOMAIN_GET_PERF_EVENTS': lambda: d.perfEvents(),
    'DOMAIN_GET_IOTHREAD_INFO': lambda: d.ioThreadInfo(),
    'DOMAIN_GET_BLKIO_PARAMETERS': lambda: d.blkioParameters(),
    'NODE_GET_CPU_MAP': lambda: c.getCPUMap(),
    'CONNECT_GET_CPU_MODEL_NAMES': lambda: c.getCPUModelNames('x86_64'),
    'DOMAIN_GET_DISK_ERRORS': lambda: d.diskErrors(),
    'DOMAIN_GET_CONTROL_INFO': lambda: d.controlInfo(),
    'DOMAIN_LIST_ALL_CHECKPOINTS': lambda: d.listAllCheckpoints(),
    'DOMAIN_GET_STATE': lambda: d.state(),
    'DOMAIN_SET_MEMORY_FLAGS': lambda: d.setMemoryFlags(1024, 0),
    'DOMAIN_SET_AUTOSTART': lambda: d.setAutostart(1),
    'NETWORK_DESTROY': lambda: c.networkLookupByName('default').destroy(),
    'STORAGE_POOL_REFRESH': lambda: c.storagePoolLookupByName('default-pool').refresh(0),
    'INTERFACE_DESTROY': lambda: c.interfaceLookupByName('eth1').destroy(0),
}
for name, probe in probes.items():
    try:
        probe()
        print(name, 'OK')
    except libvirt.libvirtError as e:
        denied = e.get_error_code() == libvirt.VIR_ERR_OPERATION_DENIED
        print(name, 'DENIED' if denied else 'OTHER')
"#;

/// The read-only flags agree with libvirtd for every probe whose outcome is conclusive.
#[test]
fn real_libvirtd_read_only_flags_match_table() {
    let Some((sock, _daemon)) = daemon("real_libvirtd_read_only_flags_match_table") else {
        return;
    };
    let out = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(READ_ONLY_PROBE)
        .arg(format!("{sock}-ro"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut checked = 0;
    for line in text.lines() {
        let (name, outcome) = line.split_once(' ').unwrap();
        let info = procedures::lookup_name(name).unwrap();
        match outcome {
            "OK" => assert!(
                info.readonly,
                "{name} works read-only but is flagged read-write"
            ),
            "DENIED" => assert!(
                !info.readonly,
                "{name} is refused read-only but flagged read-only"
            ),
            _ => continue,
        }
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} conclusive probes:\n{text}");
}
