//! Keepalive both ways: a python client with an event loop and `setKeepAlive` stays
//! connected while idle; a raw client that never answers PINGs is dropped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Daemon, RawClient};
use rvirt_proto::calls::{decode_reply, ConnectSupportsFeature};
use rvirt_proto::program::{keepalive, KEEPALIVE_PROGRAM};
use rvirt_proto::remote::ConnectSupportsFeatureArgs;

const CONFIG: &str = "keepalive_interval = 2\nkeepalive_count = 2\n";
/// `VIR_DRV_FEATURE_PROGRAM_KEEPALIVE`.
const FEATURE_KEEPALIVE: i32 = 10;

#[test]
fn silent_client_is_dropped() {
    let daemon = Daemon::start_with_config(Some(CONFIG));
    let mut client = RawClient::connect(&daemon.socket());
    let reply = client
        .call::<ConnectSupportsFeature>(&ConnectSupportsFeatureArgs {
            feature: FEATURE_KEEPALIVE,
        })
        .unwrap();
    assert_eq!(
        decode_reply::<ConnectSupportsFeature>(&reply)
            .unwrap()
            .supported,
        1
    );
    let start = Instant::now();
    let mut pings = 0;
    while let Some(p) = client.recv() {
        assert_eq!(p.header.prog, KEEPALIVE_PROGRAM);
        assert_eq!(p.header.proc_, keepalive::PING);
        pings += 1;
    }
    let waited = start.elapsed();
    assert_eq!(pings, 2, "expected keepalive_count PINGs before the drop");
    assert!(
        waited >= Duration::from_secs(4) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    // The daemon still serves others.
    let mut other = RawClient::connect(&daemon.socket());
    other.open();
}

#[test]
fn answering_client_stays_connected() {
    let daemon = Daemon::start_with_config(Some(CONFIG));
    let mut client = RawClient::connect(&daemon.socket());
    client.call::<ConnectSupportsFeature>(&ConnectSupportsFeatureArgs {
        feature: FEATURE_KEEPALIVE,
    });
    let deadline = Instant::now() + Duration::from_secs(9);
    while Instant::now() < deadline {
        let Some(p) = client.recv() else {
            panic!("dropped although it answered every PING");
        };
        if p.header.prog == KEEPALIVE_PROGRAM && p.header.proc_ == keepalive::PING {
            let pong = rvirt_proto::Header {
                proc_: keepalive::PONG,
                ..p.header
            };
            client.send_raw(&rvirt_proto::packet::build_raw(&pong, &[]).unwrap());
        }
    }
    client.open();
}

#[test]
fn python_client_with_keepalive_survives_30_idle_seconds() {
    if !common::have_python_libvirt() {
        return;
    }
    let daemon = Daemon::start_with_config(Some(CONFIG));
    let script = common::tests_dir().join("python/keepalive.py");
    let (out, err, ok) = common::run_python(&script, &[&daemon.uri(), "30"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "alive 1 test", "{err}");
}
