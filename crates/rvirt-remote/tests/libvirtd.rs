//! The remote driver against Debian's real libvirtd 9.0 (its test driver, over a private
//! daemon's unix socket), compared operation by operation with rvirt's in-process
//! `test:///default`; plus events, streams, keepalive, read-only refusal, concurrency and
//! connection errors. Without libvirtd the tests print a note (they fail under `CI=true`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod common;

use std::time::{Duration, Instant};

use common::compare::{self, collector, local, same_error, wait_for, NEW_DOMAIN};
use rvirt::Connect;
use rvirt_core::events::domain_event_id;
use rvirt_core::*;
use rvirt_remote::RemoteDriver;

fn remote(daemon: &common::Libvirtd) -> Connect {
    Connect::open(Some(&daemon.test_uri())).unwrap()
}

#[test]
fn connection_and_node_match_in_process() {
    let Some(daemon) = common::daemon_or_skip("connection_and_node_match_in_process") else {
        return;
    };
    let r = remote(&daemon);
    compare::connection_and_node(&r, &local());
    assert_eq!(r.hypervisor.connect_get_uri().unwrap(), daemon.test_uri());
}

#[test]
fn domains_match_in_process() {
    let Some(daemon) = common::daemon_or_skip("domains_match_in_process") else {
        return;
    };
    compare::domains(&remote(&daemon), &local());
}

#[test]
fn networks_storage_devices_match_in_process() {
    let Some(daemon) = common::daemon_or_skip("networks_storage_devices_match_in_process") else {
        return;
    };
    compare::networks_storage_devices(&remote(&daemon), &local());
}

#[test]
fn lifecycle_events_arrive_in_order() {
    let Some(daemon) = common::daemon_or_skip("lifecycle_events_arrive_in_order") else {
        return;
    };
    compare::lifecycle_events(&remote(&daemon), &local());
}

#[test]
fn network_and_pool_events_match_in_process() {
    let Some(daemon) = common::daemon_or_skip("network_and_pool_events_match_in_process") else {
        return;
    };
    compare::network_and_pool_events(&remote(&daemon), &local());
}

#[test]
fn filtered_and_network_events() {
    let Some(daemon) = common::daemon_or_skip("filtered_and_network_events") else {
        return;
    };
    let r = remote(&daemon);
    let test_dom = r.hypervisor.domain_lookup_by_name("test").unwrap();
    let (cb, seen) = collector();
    r.hypervisor
        .connect_event_register(
            EventFamily::Domain(domain_event_id::LIFECYCLE),
            Some(ObjectKey::Uuid(test_dom.uuid)),
            cb,
        )
        .unwrap();
    let (net_cb, net_seen) = collector();
    r.hypervisor
        .connect_event_register(EventFamily::Network(0), None, net_cb)
        .unwrap();
    // A callback may call back into the connection (it runs off the reader thread). It
    // holds the driver weakly so the connection can still close.
    let weak = std::sync::Arc::downgrade(&r.hypervisor);
    let (states_tx, states_rx) = std::sync::mpsc::channel();
    let states_tx = std::sync::Mutex::new(states_tx);
    r.hypervisor
        .connect_event_register(
            EventFamily::Domain(domain_event_id::LIFECYCLE),
            None,
            std::sync::Arc::new(move |e: &Event| {
                if let (Some(h), Event::DomainLifecycle { domain, .. }) = (weak.upgrade(), e) {
                    let state = h.domain_get_state(domain, 0).map(|s| s.0);
                    let _ = states_tx.lock().unwrap().send(state);
                }
            }),
        )
        .unwrap();
    // Events of another domain are filtered out by the daemon.
    let other = r
        .hypervisor
        .domain_define_xml(NEW_DOMAIN, DomainDefineFlags::empty())
        .unwrap();
    r.hypervisor
        .domain_undefine(&other, DomainUndefineFlags::empty())
        .unwrap();
    r.hypervisor.domain_suspend(&test_dom).unwrap();
    r.hypervisor.domain_resume(&test_dom).unwrap();
    let events = wait_for(&seen, 2);
    assert_eq!(events.len(), 2, "{events:?}");
    let states: Vec<_> = (0..4)
        .map(|_| states_rx.recv_timeout(Duration::from_secs(5)).unwrap())
        .collect();
    // define + undefine of the other domain (gone by then or not), then paused, running.
    assert_eq!(states.len(), 4);
    assert!(states[2..].iter().all(|s| s.is_ok()), "{states:?}");
    assert!(events
        .iter()
        .all(|e| matches!(e, Event::DomainLifecycle { domain, .. } if domain.name == "test")));
    let net = r.network.network_lookup_by_name("default").unwrap();
    r.network.network_destroy(&net).unwrap();
    r.network.network_create(&net).unwrap();
    let net_events = wait_for(&net_seen, 2);
    let kinds: Vec<i32> = net_events
        .iter()
        .map(|e| match e {
            Event::NetworkLifecycle { network, event, .. } => {
                assert_eq!(network.name, "default");
                *event
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    use rvirt_core::events::object_lifecycle::{STARTED, STOPPED};
    assert_eq!(kinds, vec![STOPPED, STARTED]);
}

#[test]
fn read_only_connections_refuse_changes() {
    let Some(daemon) = common::daemon_or_skip("read_only_connections_refuse_changes") else {
        return;
    };
    let uri = ConnectUri::parse(&format!(
        "test+unix:///default?socket={}",
        daemon.socket_ro().display()
    ))
    .unwrap();
    let ro = RemoteDriver::open(&uri, true).unwrap();
    assert!(ro.is_read_only());
    let d = HypervisorDriver::domain_lookup_by_name(&*ro, "test").unwrap();
    assert_eq!(
        HypervisorDriver::domain_get_info(&*ro, &d).unwrap().state,
        DomainState::Running
    );
    let e = HypervisorDriver::domain_define_xml(&*ro, NEW_DOMAIN, DomainDefineFlags::empty())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationDenied, "{e:?}");
    let e = HypervisorDriver::domain_suspend(&*ro, &d).unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationDenied, "{e:?}");
    // The read-write socket with the read-only flag is read-only too.
    let uri = ConnectUri::parse(&daemon.test_uri()).unwrap();
    let ro = RemoteDriver::open(&uri, true).unwrap();
    let e = HypervisorDriver::domain_suspend(&*ro, &d).unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationDenied, "{e:?}");
    // And through the facade.
    let c = Connect::open_read_only(Some(&daemon.test_uri())).unwrap();
    assert!(c.is_read_only());
    let e = c.hypervisor.domain_suspend(&d).unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationDenied);
}

#[test]
fn errors_keep_every_field() {
    let Some(daemon) = common::daemon_or_skip("errors_keep_every_field") else {
        return;
    };
    let r = remote(&daemon);
    // What python3-libvirt reports for the same call over the same daemon.
    let script = format!(
        "import libvirt\nlibvirt.registerErrorHandler(lambda c, e: None, None)\n\
         c = libvirt.open('{}')\ntry:\n    c.lookupByName('nope')\nexcept libvirt.libvirtError as e:\n    \
         print(repr(e.err))\n",
        daemon.test_uri()
    );
    let out = std::process::Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .output();
    let e = r.hypervisor.domain_lookup_by_name("nope").unwrap_err();
    let ours = format!(
        "({}, {}, {:?}, {}, {}, {}, {}, {}, {})",
        e.code as i32,
        e.domain as i32,
        e.message,
        e.level as i32,
        py(&e.str1),
        py(&e.str2),
        py(&e.str3),
        e.int1,
        e.int2
    );
    match out {
        Ok(o) if o.status.success() => {
            let theirs = String::from_utf8_lossy(&o.stdout)
                .trim()
                .replace('\'', "\"");
            assert_eq!(ours, theirs);
        }
        _ => rvirt_testkit::skip_or_fail(
            "python3-libvirt, to compare the fields with libvirt's client",
        ),
    }
    let l = local();
    same_error(
        "nope",
        r.hypervisor.domain_lookup_by_name("nope"),
        l.hypervisor.domain_lookup_by_name("nope"),
    );
}

fn py(s: &Option<String>) -> String {
    match s {
        Some(s) => format!("{s:?}"),
        None => "None".into(),
    }
}

#[test]
fn screenshot_stream_matches_python() {
    let Some(daemon) = common::daemon_or_skip("screenshot_stream_matches_python") else {
        return;
    };
    let r = remote(&daemon);
    let d = r.hypervisor.domain_lookup_by_name("test").unwrap();
    let (mime, data) = r.hypervisor.domain_screenshot(&d, 0, 0).unwrap();
    assert!(!data.is_empty());
    let out_file = daemon.dir().join("shot.bin");
    let script = format!(
        "import libvirt\nc = libvirt.open('{}')\nd = c.lookupByName('test')\nst = c.newStream()\n\
         mime = d.screenshot(st, 0)\nbuf = b''\nwhile True:\n    b = st.recv(65536)\n    \
         if not b: break\n    buf += b\nst.finish()\nopen('{}', 'wb').write(buf)\nprint(mime)\n",
        daemon.test_uri(),
        out_file.display()
    );
    match std::process::Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .output()
    {
        Ok(o) if o.status.success() => {
            assert_eq!(mime, String::from_utf8_lossy(&o.stdout).trim());
            assert_eq!(data, std::fs::read(&out_file).unwrap());
        }
        other => rvirt_testkit::skip_or_fail(&format!(
            "python3-libvirt, to compare the screenshot with libvirt's client ({other:?})"
        )),
    }
    // The connection is still usable after the stream.
    assert_eq!(r.hypervisor.domain_lookup_by_name("test").unwrap(), d);
}

#[test]
fn many_threads_share_one_connection() {
    let Some(daemon) = common::daemon_or_skip("many_threads_share_one_connection") else {
        return;
    };
    let uri = ConnectUri::parse(&daemon.test_uri()).unwrap();
    let driver = RemoteDriver::open(&uri, false).unwrap();
    let expected = HypervisorDriver::domain_lookup_by_name(&*driver, "test").unwrap();
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let driver = driver.clone();
            let expected = expected.clone();
            std::thread::spawn(move || {
                for n in 0..150 {
                    if (i + n) % 2 == 0 {
                        let d = HypervisorDriver::domain_lookup_by_name(&*driver, "test").unwrap();
                        assert_eq!(d, expected);
                    } else {
                        let xml = HypervisorDriver::domain_get_xml_desc(
                            &*driver,
                            &expected,
                            DomainXmlFlags::empty(),
                        )
                        .unwrap();
                        assert!(xml.contains("<name>test</name>"));
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn keepalive_pings_are_answered() {
    let Some(daemon) = common::daemon_or_skip("keepalive_pings_are_answered") else {
        return;
    };
    // The daemon pings every second and drops clients after 3 unanswered pings.
    let r = remote(&daemon);
    std::thread::sleep(Duration::from_secs(6));
    assert!(r.hypervisor.connect_is_alive().unwrap());
    assert_eq!(
        r.hypervisor.domain_lookup_by_name("test").unwrap().name,
        "test"
    );
}

#[test]
fn closed_daemon_fails_calls_cleanly() {
    let Some(daemon) = common::daemon_or_skip("closed_daemon_fails_calls_cleanly") else {
        return;
    };
    let r = remote(&daemon);
    assert!(r.hypervisor.connect_get_hostname().is_ok());
    drop(daemon);
    let deadline = Instant::now() + Duration::from_secs(5);
    while r.hypervisor.connect_is_alive().unwrap() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!r.hypervisor.connect_is_alive().unwrap());
    let e = r.hypervisor.connect_get_hostname().unwrap_err();
    assert_eq!(e.domain, ErrorDomain::Rpc, "{e:?}");
}

#[test]
fn connection_errors_match_libvirt() {
    // What virsh/libvirt report for a missing socket (checked with python3-libvirt).
    let e = Connect::open(Some("test+unix:///default?socket=/nonexistent/sock")).unwrap_err();
    assert_eq!(
        (e.code, e.domain),
        (ErrorCode::SystemError, ErrorDomain::Rpc)
    );
    assert_eq!(
        e.message,
        "Failed to connect socket to '/nonexistent/sock': No such file or directory"
    );
    assert_eq!(e.int1, 2);
    let script = "import libvirt\nlibvirt.registerErrorHandler(lambda c, e: None, None)\n\
                  try:\n    libvirt.open('test+unix:///default?socket=/nonexistent/sock')\n\
                  except libvirt.libvirtError as e:\n    print(e.get_error_code(), e.get_error_domain(), e.get_error_message())\n";
    if let Ok(o) = std::process::Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .output()
    {
        if o.status.success() {
            let expected = String::from_utf8_lossy(&o.stdout).trim().to_string();
            assert_eq!(
                format!("{} {} {}", e.code as i32, e.domain as i32, e.message),
                expected
            );
        }
    }
    let e = Connect::open(Some("test+foo:///default")).unwrap_err();
    assert_eq!(
        (e.code, e.domain),
        (ErrorCode::InvalidArg, ErrorDomain::Remote)
    );
    let e = Connect::open(Some("test+tls://localhost/default")).unwrap_err();
    assert_eq!(e.code, ErrorCode::NoSupport);
    // Plain TCP with nobody listening (port 16509 is free on test machines).
    let e = Connect::open(Some("test+tcp://localhost/default")).unwrap_err();
    assert_eq!(
        (e.code, e.domain),
        (ErrorCode::SystemError, ErrorDomain::Rpc)
    );
    assert_eq!(
        e.message,
        "unable to connect to server at 'localhost:16509': Connection refused"
    );
}

/// Volume upload and download streams against libvirtd's real storage driver (reached
/// through `qemu:///system`): a transient dir pool in a temporary directory, so nothing is
/// written to the host's configuration.
#[test]
fn volume_upload_and_download_streams() {
    let Some(daemon) = common::daemon_or_skip("volume_upload_and_download_streams") else {
        return;
    };
    let uri = daemon.qemu_uri();
    let c = Connect::open(Some(&uri)).unwrap();
    let pool_dir = daemon.dir().join("pool");
    std::fs::create_dir(&pool_dir).unwrap();
    let pool_xml = format!(
        "<pool type='dir'><name>rvirt-remote-test-{}</name><target><path>{}</path></target></pool>",
        std::process::id(),
        pool_dir.display()
    );
    let pool = c.storage.storage_pool_create_xml(&pool_xml, 0).unwrap();
    let vol_xml = "<volume><name>data.raw</name><capacity unit='bytes'>1048576</capacity><allocation>0</allocation>\
                   <target><format type='raw'/></target></volume>";
    let vol = c
        .storage
        .storage_vol_create_xml(&pool, vol_xml, StorageVolCreateFlags::empty())
        .unwrap();

    // More than one packet's worth (libvirt splits at 256 KiB), with a pattern.
    let payload: Vec<u8> = (0..600_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut up = c
        .storage
        .storage_vol_upload(
            &vol,
            4096,
            payload.len() as u64,
            StorageVolTransferFlags::empty(),
        )
        .unwrap();
    up.send(&payload).unwrap();
    up.finish().unwrap();
    let on_disk = std::fs::read(pool_dir.join("data.raw")).unwrap();
    assert_eq!(&on_disk[4096..4096 + payload.len()], &payload[..]);
    assert!(on_disk[..4096].iter().all(|b| *b == 0));

    let mut down = c
        .storage
        .storage_vol_download(
            &vol,
            4096,
            payload.len() as u64,
            StorageVolTransferFlags::empty(),
        )
        .unwrap();
    let mut got = Vec::new();
    loop {
        let chunk = down.recv(100_000).unwrap();
        if chunk.is_empty() {
            break;
        }
        got.extend_from_slice(&chunk);
    }
    down.finish().unwrap();
    assert_eq!(got, payload);

    // Sparse download: holes arrive as STREAM_HOLE packets. Read plainly they are zeros;
    // read with next_hole they come as holes and data sections.
    let whole = std::fs::read(pool_dir.join("data.raw")).unwrap();
    let sparse = StorageVolTransferFlags::SPARSE_STREAM;
    let mut down = c.storage.storage_vol_download(&vol, 0, 0, sparse).unwrap();
    let mut plain = Vec::new();
    loop {
        let chunk = down.recv(1 << 20).unwrap();
        if chunk.is_empty() {
            break;
        }
        plain.extend_from_slice(&chunk);
    }
    down.finish().unwrap();
    assert_eq!(plain, whole);
    let mut down = c.storage.storage_vol_download(&vol, 0, 0, sparse).unwrap();
    let (mut rebuilt, mut holes) = (Vec::new(), 0);
    while let Some(next) = down.next_hole().unwrap() {
        if next > 0 {
            holes += 1;
            rebuilt.resize(rebuilt.len() + next as usize, 0);
        } else {
            rebuilt.extend_from_slice(&down.recv((-next) as usize).unwrap());
        }
    }
    down.finish().unwrap();
    assert_eq!(rebuilt, whole);
    assert!(holes > 0, "no hole reported for a sparse file");

    // Sparse upload: data, a hole (the daemon skips over it), data.
    let mut up = c.storage.storage_vol_upload(&vol, 0, 0, sparse).unwrap();
    up.send(&[7u8; 1000]).unwrap();
    up.send_hole(500_000).unwrap();
    up.send(&[9u8; 1000]).unwrap();
    up.finish().unwrap();
    let on_disk = std::fs::read(pool_dir.join("data.raw")).unwrap();
    assert!(on_disk[..1000].iter().all(|b| *b == 7));
    assert_eq!(on_disk[1000..501_000], whole[1000..501_000]);
    assert!(on_disk[501_000..502_000].iter().all(|b| *b == 9));

    // An aborted download leaves the connection usable.
    let mut partial = c
        .storage
        .storage_vol_download(&vol, 0, 0, StorageVolTransferFlags::empty())
        .unwrap();
    assert!(!partial.recv(1000).unwrap().is_empty());
    partial.abort().unwrap();
    // (The sparse upload left the file ending after its last data.)
    let file_len = std::fs::metadata(pool_dir.join("data.raw")).unwrap().len();
    assert_eq!(
        c.storage.storage_vol_get_info(&vol).unwrap().capacity,
        file_len
    );

    // Errors of a stream's opening call come back as errors.
    let missing = StorageVolRef {
        pool: pool.name.clone(),
        name: "missing.raw".into(),
        key: pool_dir.join("missing.raw").display().to_string(),
    };
    assert!(c
        .storage
        .storage_vol_download(&missing, 0, 0, StorageVolTransferFlags::empty())
        .is_err());

    c.storage
        .storage_vol_delete(&vol, StorageVolDeleteFlags::empty())
        .unwrap();
    c.storage.storage_pool_destroy(&pool).unwrap();
}

#[test]
fn plain_tcp_transport() {
    let Some(daemon) = common::daemon_with_or_skip("plain_tcp_transport", true) else {
        return;
    };
    let port = daemon.tcp_port.unwrap();
    let uri = format!("test+tcp://127.0.0.1:{port}/default");
    let r = Connect::open(Some(&uri)).unwrap();
    compare::domains(&r, &local());
    assert!(!r.hypervisor.connect_is_secure().unwrap());
    assert!(!r.hypervisor.connect_is_encrypted().unwrap());
    drop(r);
    // Nobody listening: libvirt's wording (errno ECONNREFUSED).
    drop(daemon);
    let e = Connect::open(Some(&uri)).unwrap_err();
    assert_eq!(
        (e.code, e.domain, e.int1),
        (ErrorCode::SystemError, ErrorDomain::Rpc, 111)
    );
    assert_eq!(
        e.message,
        format!("unable to connect to server at '127.0.0.1:{port}': Connection refused")
    );
}

#[test]
fn ext_transport_through_a_relay_command() {
    let Some(daemon) = common::daemon_or_skip("ext_transport_through_a_relay_command") else {
        return;
    };
    if !std::path::Path::new("/bin/nc").exists() {
        return rvirt_testkit::skip_or_fail("nc (netcat-openbsd) for the ext transport");
    }
    use std::os::unix::fs::PermissionsExt;
    let relay = daemon.dir().join("relay.sh");
    std::fs::write(
        &relay,
        format!("#!/bin/sh\nexec nc -U '{}'\n", daemon.socket().display()),
    )
    .unwrap();
    std::fs::set_permissions(&relay, std::fs::Permissions::from_mode(0o755)).unwrap();
    let uri = format!("test+ext:///default?command={}", relay.display());
    let r = Connect::open(Some(&uri)).unwrap();
    compare::connection_and_node(&r, &local());
    compare::domains(&r, &local());
}

/// Round trips per second through the remote driver and through python3-libvirt over the
/// same daemon (printed, never asserted):
/// `cargo test -p rvirt-remote --test libvirtd round_trip_rate -- --ignored --nocapture`.
#[test]
#[ignore]
fn round_trip_rate() {
    let Some(daemon) = common::daemon_or_skip("round_trip_rate") else {
        return;
    };
    const N: u32 = 5000;
    let r = remote(&daemon);
    let start = Instant::now();
    for _ in 0..N {
        let d = r.hypervisor.domain_lookup_by_name("test").unwrap();
        r.hypervisor.domain_get_info(&d).unwrap();
    }
    let ours = f64::from(N) / start.elapsed().as_secs_f64();
    let script = format!(
        "import libvirt, time\nc = libvirt.open('{}')\nt = time.time()\nfor i in range({N}):\n    \
         c.lookupByName('test').info()\nprint({N} / (time.time() - t))\n",
        daemon.test_uri()
    );
    let python = std::process::Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    println!("lookupByName+info: rvirt-remote {ours:.0}/s, python3-libvirt {python:?}/s");
}

/// The CLI over libvirtd prints what Debian's virsh prints over the same daemon.
#[test]
fn cli_over_libvirtd_prints_what_virsh_prints() {
    let test = "cli_over_libvirtd_prints_what_virsh_prints";
    let cli = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("rvirt")))
        .filter(|p| p.exists());
    let (Some(cli), true) = (cli, std::path::Path::new("/usr/bin/virsh").exists()) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{test}: needs the rvirt CLI built and virsh installed");
        }
        eprintln!("note: {test} skipped: needs the rvirt CLI built and virsh installed");
        return;
    };
    let Some(daemon) = common::daemon_or_skip(test) else {
        return;
    };
    let run = |program: &std::path::Path, args: &[&str]| {
        let out = std::process::Command::new(program)
            .arg("-c")
            .arg(daemon.test_uri())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let commands: &[&[&str]] = &[
        &["list", "--all"],
        &["domstate", "test", "--reason"],
        &["dumpxml", "test"],
        &["domuuid", "test"],
        &["domid", "test"],
        &["dominfo", "nope"],
        &["net-info", "nope"],
        &["vol-list", "default-pool"],
        &["net-list", "--all"],
        &["net-dumpxml", "default"],
        &["pool-list", "--all"],
        &["pool-dumpxml", "default-pool"],
        &["iface-list", "--all"],
        &["nodedev-list"],
        &["nodeinfo"],
        &["hostname"],
        &["uri"],
        &["capabilities"],
    ];
    for args in commands {
        let ours = run(&cli, args);
        let virsh = run(std::path::Path::new("/usr/bin/virsh"), args);
        assert_eq!(
            ours, virsh,
            "rvirt {args:?} (left) vs virsh (right) over libvirtd"
        );
    }
}
