//! Malformed and hostile input on the socket, client limits, configuration errors and
//! shutdown. After every bad client, a well-behaved one must still be served.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::{Daemon, RawClient};
use rvirt_core::{ErrorCode, ErrorDomain};
use rvirt_proto::calls::{decode_reply, ConnectGetHostname, ConnectGetLibVersion};
use rvirt_proto::packet::{MessageStatus, MessageType};
use rvirt_proto::procedures::remote_proc;
use rvirt_proto::program::{REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION};
use rvirt_proto::{Header, RemoteError};

/// A good client still gets a full session.
fn others_still_work(daemon: &Daemon) {
    let mut good = RawClient::connect(&daemon.socket());
    good.open();
    let reply = good.call::<ConnectGetHostname>(&()).unwrap();
    assert!(!decode_reply::<ConnectGetHostname>(&reply)
        .unwrap()
        .hostname
        .is_empty());
}

fn expect_error(p: &rvirt_proto::Packet, serial: u32, code: ErrorCode) -> RemoteError {
    assert_eq!(p.header.kind, MessageType::Reply);
    assert_eq!(p.header.status, MessageStatus::Error);
    assert_eq!(p.header.serial, serial);
    let e: RemoteError = p.decode().unwrap();
    assert_eq!(e.code, code as i32, "{e:?}");
    e
}

#[test]
fn bad_lengths_close_the_connection() {
    let daemon = Daemon::start();
    for word in [0u32, 3, 4, 27, (16 * 1024 * 1024 + 5) as u32, u32::MAX] {
        let mut c = RawClient::connect(&daemon.socket());
        c.send_raw(&word.to_be_bytes());
        c.send_raw(&[0u8; 64]);
        assert!(c.is_closed(), "length {word} left the connection open");
        others_still_work(&daemon);
    }
}

#[test]
fn unknown_program_version_and_procedure_get_rpc_errors() {
    let daemon = Daemon::start();
    let mut c = RawClient::connect(&daemon.socket());
    let s = c.send_call(0x1234, 1, 1, &[]);
    let e = expect_error(&c.recv().unwrap(), s, ErrorCode::Rpc);
    assert_eq!(e.domain, ErrorDomain::Rpc as i32);
    let s = c.send_call(REMOTE_PROGRAM, 7, 1, &[]);
    expect_error(&c.recv().unwrap(), s, ErrorCode::Rpc);
    for proc_ in [0, -5, 9999, remote_proc::DOMAIN_EVENT_LIFECYCLE] {
        let s = c.send_call(REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, proc_, &[]);
        let e = expect_error(&c.recv().unwrap(), s, ErrorCode::Rpc);
        assert_eq!(
            e.message.as_deref(),
            Some(format!("unknown procedure: {proc_}").as_str())
        );
    }
    // The same connection goes on working.
    c.open();
    others_still_work(&daemon);
}

#[test]
fn truncated_arguments_and_calls_before_open() {
    let daemon = Daemon::start();
    let mut c = RawClient::connect(&daemon.socket());
    // CONNECT_OPEN whose optional string claims more bytes than sent.
    let s = c.send_call(
        REMOTE_PROGRAM,
        REMOTE_PROTOCOL_VERSION,
        remote_proc::CONNECT_OPEN,
        &[0, 0, 0, 1, 0, 0, 0, 50],
    );
    expect_error(&c.recv().unwrap(), s, ErrorCode::Rpc);
    // Trailing garbage after a void argument.
    let s = c.send_call(
        REMOTE_PROGRAM,
        REMOTE_PROTOCOL_VERSION,
        remote_proc::AUTH_LIST,
        &[1, 2, 3, 4],
    );
    expect_error(&c.recv().unwrap(), s, ErrorCode::Rpc);
    // A call before CONNECT_OPEN.
    let s = c.send_call(
        REMOTE_PROGRAM,
        REMOTE_PROTOCOL_VERSION,
        ConnectGetHostname::PROC_NUMBER,
        &[],
    );
    let e = expect_error(&c.recv().unwrap(), s, ErrorCode::InternalError);
    assert_eq!(
        e.message.as_deref(),
        Some("internal error: hypervisor connection not open")
    );
    // A reply sent by a client is ignored; the connection stays usable.
    let bogus = Header {
        kind: MessageType::Reply,
        ..Header::call(REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, 1, 99)
    };
    c.send_raw(&rvirt_proto::packet::build_raw(&bogus, &[]).unwrap());
    c.open();
    let reply = c.call::<ConnectGetLibVersion>(&()).unwrap();
    assert_eq!(
        decode_reply::<ConnectGetLibVersion>(&reply)
            .unwrap()
            .lib_ver,
        rvirt_core::LIBVIRT_API_VERSION
    );
    others_still_work(&daemon);
}

/// `RemoteCall::PROC` under a name usable in expressions.
trait ProcNumber {
    const PROC_NUMBER: i32;
}
impl<C: rvirt_proto::calls::RemoteCall> ProcNumber for C {
    const PROC_NUMBER: i32 = C::PROC;
}

#[test]
fn max_clients_is_enforced() {
    let daemon = Daemon::start_with_config(Some("max_clients = 2\n"));
    let mut a = RawClient::connect(&daemon.socket());
    a.open();
    let mut b = RawClient::connect(&daemon.socket());
    b.open();
    let mut c = RawClient::connect(&daemon.socket());
    assert!(c.is_closed(), "a third client was accepted");
    drop(a);
    std::thread::sleep(std::time::Duration::from_millis(300));
    others_still_work(&daemon);
}

#[test]
fn sigterm_removes_the_sockets() {
    let mut daemon = Daemon::start();
    others_still_work(&daemon);
    let mut idle = RawClient::connect(&daemon.socket());
    idle.open();
    assert!(daemon.stop(), "rvirtd did not exit cleanly");
    assert!(idle.is_closed(), "a client outlived the daemon");
    assert!(!daemon.socket().exists());
    assert!(!daemon.ro_socket().exists());
}

#[test]
fn bad_configuration_is_refused() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    for text in [
        "max_clients = \"many\"\n",
        "max_workers 3\n",
        "unix_sock_rw_perms = \"0999\"\n",
    ] {
        std::fs::write(root.path().join("etc/rvirtd.conf"), text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_rvirtd"))
            .arg("--root")
            .arg(root.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("rvirtd.conf"), "{err}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_rvirtd"))
        .arg("--config")
        .arg(root.path().join("missing.conf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn socket_modes_follow_the_configuration() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    let daemon = Daemon::start();
    assert_eq!(mode(&daemon.socket()), 0o700);
    assert_eq!(mode(&daemon.ro_socket()), 0o777);
    let daemon = Daemon::start_with_config(Some(
        "unix_sock_rw_perms = \"0770\"\nunix_sock_ro_perms = \"0755\"\n",
    ));
    assert_eq!(mode(&daemon.socket()), 0o770);
    assert_eq!(mode(&daemon.ro_socket()), 0o755);
}

fn open_named(c: &mut RawClient, name: Option<&str>) -> rvirt_proto::Packet {
    use rvirt_proto::calls::{AuthList, ConnectOpen};
    c.call::<AuthList>(&()).unwrap();
    c.call::<ConnectOpen>(&rvirt_proto::remote::ConnectOpenArgs {
        name: name.map(str::to_string),
        flags: 0,
    })
    .unwrap()
}

#[test]
fn connect_open_names() {
    use rvirt_proto::calls::{ConnectGetType, ConnectGetUri, ConnectOpen};
    let daemon = Daemon::start();
    // No name: the daemon's default (test:///default here).
    let mut c = RawClient::connect(&daemon.socket());
    decode_reply::<ConnectOpen>(&open_named(&mut c, None)).unwrap();
    let uri = c.call::<ConnectGetUri>(&()).unwrap();
    assert_eq!(
        decode_reply::<ConnectGetUri>(&uri).unwrap().uri,
        "test:///default"
    );
    // An unknown driver.
    let mut c = RawClient::connect(&daemon.socket());
    let e = decode_reply::<ConnectOpen>(&open_named(&mut c, Some("foo:///bar"))).unwrap_err();
    assert_eq!(e.code, ErrorCode::NoConnect);
    assert_eq!(e.message, "no connection driver available for foo:///bar");
    // The test driver's own refusal comes back as is.
    let mut c = RawClient::connect(&daemon.socket());
    let e = decode_reply::<ConnectOpen>(&open_named(&mut c, Some("test:///"))).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArg);
    // qemu:///system is served by the QEMU driver on the daemon's root.
    let mut c = RawClient::connect(&daemon.socket());
    decode_reply::<ConnectOpen>(&open_named(&mut c, Some("qemu:///system"))).unwrap();
    let t = c.call::<ConnectGetType>(&()).unwrap();
    assert_eq!(decode_reply::<ConnectGetType>(&t).unwrap().type_, "QEMU");
    assert!(daemon.root().join("etc/qemu").exists());
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = (self.next() % (max as u64 + 1)) as usize;
        (0..len)
            .map(|i| {
                // Mostly small words, which look like lengths and discriminants.
                if i % 4 == 3 {
                    (self.next() % 4) as u8
                } else if self.next() % 3 < 1 {
                    self.next() as u8
                } else {
                    0
                }
            })
            .collect()
    }
}

#[test]
fn garbage_arguments_for_every_procedure() {
    let daemon = Daemon::start();
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    let mut c = RawClient::connect(&daemon.socket());
    c.open();
    for round in 0..3 {
        for proc_ in 1..=460 {
            // Closing the connection or opening streams would end the round early.
            if proc_ == remote_proc::CONNECT_CLOSE {
                continue;
            }
            let payload = noise.bytes(if round == 0 { 0 } else { 96 });
            c.send_call(REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, proc_, &payload);
            let reply = c.recv_reply();
            assert!(
                reply.is_some(),
                "no reply to procedure {proc_} (round {round})"
            );
        }
    }
    others_still_work(&daemon);
    let log = daemon.log();
    assert!(!log.contains("panicked"), "{log}");
}

/// Test-driver calls are answered on the daemon's own thread, except those touching a file
/// the client names: a save into a pipe nobody reads must not hold up anyone else.
#[test]
fn save_into_a_pipe_does_not_block_other_clients() {
    use rvirt_proto::calls::{DomainLookupByName, DomainSave, RemoteCall};
    use rvirt_proto::remote::{DomainLookupByNameArgs, DomainSaveArgs};

    let daemon = Daemon::start();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("image");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());

    let mut saver = RawClient::connect(&daemon.socket());
    saver.open();
    let found = saver
        .call::<DomainLookupByName>(&DomainLookupByNameArgs {
            name: "test".to_string(),
        })
        .unwrap();
    let dom = decode_reply::<DomainLookupByName>(&found).unwrap().dom;
    let payload = rvirt_proto::xdr::to_bytes(&DomainSaveArgs {
        dom,
        to: fifo.to_string_lossy().into_owned(),
    })
    .unwrap();
    let serial = saver.send_call(
        REMOTE_PROGRAM,
        REMOTE_PROTOCOL_VERSION,
        DomainSave::PROC,
        &payload,
    );
    // Opening the pipe for writing now waits for a reader.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let started = std::time::Instant::now();
    others_still_work(&daemon);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    // A reader lets the save finish, and its reply comes.
    let reader = std::thread::spawn(move || std::fs::read(&fifo).unwrap());
    let reply = saver.recv_reply().unwrap();
    assert_eq!(reply.header.serial, serial);
    assert_eq!(reply.header.status, MessageStatus::Ok);
    assert!(!reader.join().unwrap().is_empty());
}
