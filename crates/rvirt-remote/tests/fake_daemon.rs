//! The client's RPC machinery against a scripted daemon built from rvirt-proto's types:
//! replies delivered by serial when they come back out of order, keepalive in both
//! directions, event delivery, and a daemon that hangs up mid-call. Needs no libvirtd.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use rvirt_core::events::domain_event_id;
use rvirt_core::*;
use rvirt_proto::calls::{self, *};
use rvirt_proto::packet::{self, Header, MessageStatus, MessageType, Packet, PacketDecoder};
use rvirt_proto::program::{keepalive, AuthType, KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION};
use rvirt_proto::remote::*;
use rvirt_remote::RemoteDriver;

struct Peer {
    stream: UnixStream,
    decoder: PacketDecoder,
}

impl Peer {
    fn read(&mut self) -> Packet {
        loop {
            if let Some(p) = self.decoder.next_packet().unwrap() {
                return p;
            }
            let mut buf = [0u8; 65536];
            let n = self.stream.read(&mut buf).unwrap();
            assert!(n > 0, "client hung up");
            self.decoder.push(&buf[..n]);
        }
    }

    /// The next call, answering keepalive messages on the way.
    fn read_call(&mut self) -> Packet {
        loop {
            let p = self.read();
            if p.header.prog != KEEPALIVE_PROGRAM {
                return p;
            }
        }
    }

    fn reply<C: RemoteCall>(&mut self, call: &Packet, ret: &C::Ret) {
        assert_eq!(call.header.proc_, C::PROC, "unexpected call");
        let bytes = calls::reply_packet::<C>(&call.header, ret).unwrap();
        self.stream.write_all(&bytes).unwrap();
    }

    fn keepalive(&mut self, proc_: i32) {
        let header = Header {
            prog: KEEPALIVE_PROGRAM,
            vers: KEEPALIVE_PROTOCOL_VERSION,
            proc_,
            kind: MessageType::Message,
            serial: 0,
            status: MessageStatus::Ok,
        };
        self.stream
            .write_all(&packet::build_raw(&header, &[]).unwrap())
            .unwrap();
    }

    /// AUTH_LIST, the keepalive feature, CONNECT_OPEN, the event-callback feature.
    fn handshake(&mut self, expected_uri: &str, readonly: bool) {
        let c = self.read_call();
        self.reply::<AuthList>(
            &c,
            &AuthListRet {
                types: vec![AuthType::None],
            },
        );
        let c = self.read_call();
        let args: ConnectSupportsFeatureArgs = c.decode().unwrap();
        assert_eq!(args.feature, 10);
        self.reply::<ConnectSupportsFeature>(&c, &ConnectSupportsFeatureRet { supported: 1 });
        let c = self.read_call();
        let args: ConnectOpenArgs = c.decode().unwrap();
        assert_eq!(args.name.as_deref(), Some(expected_uri));
        assert_eq!(args.flags, u32::from(readonly));
        self.reply::<ConnectOpen>(&c, &());
        let c = self.read_call();
        self.reply::<ConnectSupportsFeature>(&c, &ConnectSupportsFeatureRet { supported: 1 });
    }
}

/// Runs `script` as the daemon on a fresh socket; returns the URI to open.
fn fake_daemon(script: impl FnOnce(Peer) + Send + 'static) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sock");
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        script(Peer {
            stream,
            decoder: PacketDecoder::new(),
        });
    });
    (
        format!("test+unix:///default?socket={}", path.display()),
        dir,
    )
}

#[test]
fn replies_out_of_order_reach_their_callers() {
    let (uri, _dir) = fake_daemon(|mut peer| {
        peer.handshake("test:///default", false);
        let first = peer.read_call();
        let second = peer.read_call();
        // Answer the later call first; each answer names its caller's argument.
        for call in [&second, &first] {
            let args: DomainLookupByNameArgs = call.decode().unwrap();
            let dom = NonnullDomain {
                name: args.name.clone(),
                uuid: Uuid::nil().into(),
                id: args.name.len() as i32,
            };
            peer.reply::<DomainLookupByName>(call, &DomainRet { dom });
        }
        let c = peer.read_call();
        peer.reply::<ConnectClose>(&c, &());
    });
    let driver = RemoteDriver::open(&ConnectUri::parse(&uri).unwrap(), false).unwrap();
    let (tx, rx) = mpsc::channel();
    let a = {
        let driver = driver.clone();
        let tx = tx.clone();
        std::thread::spawn(move || {
            tx.send(()).unwrap();
            HypervisorDriver::domain_lookup_by_name(&*driver, "a").unwrap()
        })
    };
    rx.recv().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let bb = HypervisorDriver::domain_lookup_by_name(&*driver, "bb").unwrap();
    let a = a.join().unwrap();
    assert_eq!((a.name.as_str(), a.id), ("a", 1));
    assert_eq!((bb.name.as_str(), bb.id), ("bb", 2));
    driver.close().unwrap();
}

#[test]
fn keepalive_both_ways_and_events() {
    let (uri, _dir) = fake_daemon(|mut peer| {
        peer.handshake("qemu:///system", true);
        // The daemon pings; the client must answer with a PONG.
        peer.keepalive(keepalive::PING);
        // The client may send its next call before the PONG.
        let mut early_call = None;
        loop {
            let p = peer.read();
            if p.header.prog == KEEPALIVE_PROGRAM {
                assert_eq!(p.header.proc_, keepalive::PONG);
                break;
            }
            early_call = Some(p);
        }
        // Event registration, then one event for the callback and one for another id.
        let c = early_call.unwrap_or_else(|| peer.read_call());
        let args: ConnectDomainEventCallbackRegisterAnyArgs = c.decode().unwrap();
        assert_eq!(args.event_id, domain_event_id::LIFECYCLE);
        peer.reply::<ConnectDomainEventCallbackRegisterAny>(
            &c,
            &ConnectEventRegisterAnyRet { callback_id: 7 },
        );
        for callback_id in [99, 7] {
            let msg = DomainEventCallbackLifecycleMsg {
                callback_id,
                msg: DomainEventLifecycleMsg {
                    dom: NonnullDomain {
                        name: format!("dom{callback_id}"),
                        uuid: Uuid::nil().into(),
                        id: 3,
                    },
                    event: 2,
                    detail: 0,
                },
            };
            let bytes = calls::event_packet::<DomainEventCallbackLifecycle>(&msg).unwrap();
            peer.stream.write_all(&bytes).unwrap();
        }
        // Silence: the client pings after its keepalive interval.
        let ping = peer.read();
        assert_eq!(
            (ping.header.prog, ping.header.proc_),
            (KEEPALIVE_PROGRAM, keepalive::PING)
        );
        peer.keepalive(keepalive::PONG);
        let c = peer.read_call();
        peer.reply::<ConnectClose>(&c, &());
    });
    let driver = RemoteDriver::open(
        &ConnectUri::parse(&format!(
            "qemu+unix:///system?socket={}",
            uri.split("socket=").nth(1).unwrap()
        ))
        .unwrap(),
        true,
    )
    .unwrap();
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    HypervisorDriver::connect_event_register(
        &*driver,
        EventFamily::Domain(domain_event_id::LIFECYCLE),
        None,
        Arc::new(move |e: &Event| tx.lock().unwrap().send(e.clone()).unwrap()),
    )
    .unwrap();
    // PING after half a second of silence instead of virsh's five.
    assert!(driver.set_keepalive(Duration::from_millis(500), 5));
    let event = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    match event {
        Event::DomainLifecycle { domain, event, .. } => {
            assert_eq!((domain.name.as_str(), event), ("dom7", 2));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        rx.recv_timeout(Duration::from_millis(200)).is_err(),
        "event for another callback delivered"
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert!(HypervisorDriver::connect_is_alive(&*driver).unwrap());
    driver.close().unwrap();
}

#[test]
fn daemon_hanging_up_fails_the_pending_call() {
    let (uri, _dir) = fake_daemon(|mut peer| {
        peer.handshake("test:///default", false);
        let _call = peer.read_call();
        drop(peer);
    });
    let driver = RemoteDriver::open(&ConnectUri::parse(&uri).unwrap(), false).unwrap();
    let e = HypervisorDriver::connect_get_hostname(&*driver).unwrap_err();
    assert_eq!(
        (e.code, e.domain),
        (ErrorCode::SystemError, ErrorDomain::Rpc)
    );
    assert_eq!(
        e.message,
        "End of file while reading data: Input/output error"
    );
    assert!(!HypervisorDriver::connect_is_alive(&*driver).unwrap());
    let e = HypervisorDriver::connect_get_hostname(&*driver).unwrap_err();
    assert_eq!(e.code, ErrorCode::SystemError);
}

#[test]
fn remote_errors_keep_their_fields() {
    let (uri, _dir) = fake_daemon(|mut peer| {
        peer.handshake("test:///default", false);
        let c = peer.read_call();
        let err = RemoteError {
            code: ErrorCode::NoDomain as i32,
            domain: ErrorDomain::Qemu as i32,
            message: Some("Domain not found: no domain with matching name 'x'".into()),
            level: 2,
            dom: None,
            str1: Some("Domain not found: %s".into()),
            str2: Some("no domain with matching name 'x'".into()),
            str3: Some("three".into()),
            int1: 11,
            int2: 22,
            net: None,
        };
        let bytes = packet::build_error_reply(&c.header, &err).unwrap();
        peer.stream.write_all(&bytes).unwrap();
        let c = peer.read_call();
        peer.reply::<ConnectClose>(&c, &());
    });
    let driver = RemoteDriver::open(&ConnectUri::parse(&uri).unwrap(), false).unwrap();
    let e = HypervisorDriver::domain_lookup_by_name(&*driver, "x").unwrap_err();
    assert_eq!((e.code, e.domain), (ErrorCode::NoDomain, ErrorDomain::Qemu));
    assert_eq!(
        e.message,
        "Domain not found: no domain with matching name 'x'"
    );
    assert_eq!(e.str1.as_deref(), Some("Domain not found: %s"));
    assert_eq!(e.str2.as_deref(), Some("no domain with matching name 'x'"));
    assert_eq!(e.str3.as_deref(), Some("three"));
    assert_eq!((e.int1, e.int2), (11, 22));
    driver.close().unwrap();
}

#[test]
fn unanswered_pings_close_the_connection() {
    let (uri, _dir) = fake_daemon(|mut peer| {
        peer.handshake("test:///default", false);
        // Read (PINGs) forever, answer nothing, until the client gives up.
        let mut buf = [0u8; 4096];
        while matches!(peer.stream.read(&mut buf), Ok(n) if n > 0) {}
    });
    let driver = RemoteDriver::open(&ConnectUri::parse(&uri).unwrap(), false).unwrap();
    assert!(driver.set_keepalive(Duration::from_millis(300), 2));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while HypervisorDriver::connect_is_alive(&*driver).unwrap() {
        assert!(
            std::time::Instant::now() < deadline,
            "connection not closed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let e = HypervisorDriver::connect_get_hostname(&*driver).unwrap_err();
    assert_eq!(
        (e.code, e.domain),
        (ErrorCode::InternalError, ErrorDomain::Rpc)
    );
    assert!(e.message.contains("keepalive"), "{e:?}");
}
