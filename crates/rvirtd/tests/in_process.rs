//! A server started in-process with drivers made for the test: a slow call must not hold up
//! other clients, and volume download/upload streams must frame data as libvirt does.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::RawClient;
use rvirt::Connect;
use rvirt_core::*;
use rvirt_proto::calls::*;
use rvirt_proto::packet::{self, MessageStatus, MessageType};
use rvirt_proto::remote::{NonnullStorageVol, StorageVolTransferArgs};
use rvirtd::{Config, Server, ServerOptions};
use tokio::sync::watch;

#[derive(Default)]
struct Fake {
    uploaded: Arc<Mutex<Vec<u8>>>,
    upload_finished: Arc<AtomicBool>,
}

fn payload() -> Vec<u8> {
    (0..700_000u32).map(|i| (i % 251) as u8).collect()
}

impl HypervisorDriver for Fake {
    fn connect_get_type(&self) -> Result<String> {
        Ok("FAKE".to_string())
    }
    fn connect_get_capabilities(&self) -> Result<String> {
        std::thread::sleep(Duration::from_secs(3));
        Ok("<capabilities/>".to_string())
    }
    fn connect_get_hostname(&self) -> Result<String> {
        Ok("fakehost".to_string())
    }
}

struct Download {
    data: Vec<u8>,
    offset: usize,
}

impl Stream for Download {
    fn send(&mut self, _: &[u8]) -> Result<()> {
        Err(Error::no_support(ErrorDomain::Streams, "send"))
    }
    fn recv(&mut self, max: usize) -> Result<Vec<u8>> {
        let end = self.data.len().min(self.offset + max);
        let chunk = self.data[self.offset..end].to_vec();
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

struct Upload {
    sink: Arc<Mutex<Vec<u8>>>,
    finished: Arc<AtomicBool>,
}

impl Stream for Upload {
    fn send(&mut self, data: &[u8]) -> Result<()> {
        self.sink.lock().unwrap().extend_from_slice(data);
        Ok(())
    }
    fn recv(&mut self, _: usize) -> Result<Vec<u8>> {
        Ok(Vec::new())
    }
    fn finish(&mut self) -> Result<()> {
        self.finished.store(true, Ordering::SeqCst);
        Ok(())
    }
    fn abort(&mut self) -> Result<()> {
        Ok(())
    }
}

impl StorageDriver for Fake {
    fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePoolRef> {
        Ok(StoragePoolRef {
            name: name.to_string(),
            uuid: Uuid::nil(),
        })
    }
    fn storage_vol_lookup_by_name(
        &self,
        pool: &StoragePoolRef,
        name: &str,
    ) -> Result<StorageVolRef> {
        Ok(StorageVolRef {
            pool: pool.name.clone(),
            name: name.to_string(),
            key: format!("/{name}"),
        })
    }
    fn storage_vol_download(
        &self,
        _: &StorageVolRef,
        _: u64,
        _: u64,
        _: StorageVolTransferFlags,
    ) -> Result<Box<dyn Stream>> {
        Ok(Box::new(Download {
            data: payload(),
            offset: 0,
        }))
    }
    fn storage_vol_upload(
        &self,
        _: &StorageVolRef,
        _: u64,
        _: u64,
        _: StorageVolTransferFlags,
    ) -> Result<Box<dyn Stream>> {
        Ok(Box::new(Upload {
            sink: self.uploaded.clone(),
            finished: self.upload_finished.clone(),
        }))
    }
}

impl NetworkDriver for Fake {}
impl NodeDeviceDriver for Fake {}
impl InterfaceDriver for Fake {}
impl SecretDriver for Fake {}
impl NwFilterDriver for Fake {}

struct Running {
    root: tempfile::TempDir,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
    fake: Arc<Fake>,
}

impl Running {
    fn socket(&self) -> std::path::PathBuf {
        self.root.path().join("sock")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn start(config: Config) -> Running {
    let root = tempfile::tempdir().unwrap();
    let fake = Arc::new(Fake::default());
    let driver = fake.clone();
    let mut options = ServerOptions::new(
        config,
        root.path().join("sock"),
        root.path().join("sock-ro"),
    );
    options.opener = Arc::new(move |uri, readonly| {
        Ok(Connect::from_full(
            uri.unwrap_or("fake:///").to_string(),
            readonly,
            driver.clone(),
        ))
    });
    let (stop, stop_rx) = watch::channel(false);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let server = Server::bind(&options).unwrap();
            ready_tx.send(()).unwrap();
            server.run(stop_rx).await;
        });
    });
    ready_rx.recv().unwrap();
    Running {
        root,
        stop,
        thread: Some(thread),
        fake,
    }
}

fn vol() -> NonnullStorageVol {
    NonnullStorageVol {
        pool: "p".to_string(),
        name: "v".to_string(),
        key: "/k".to_string(),
    }
}

#[test]
fn slow_call_does_not_block_other_clients() {
    let config = Config {
        max_workers: 2,
        prio_workers: 1,
        ..Config::default()
    };
    let server = start(config);
    let mut slow = RawClient::connect(&server.socket());
    slow.open();
    let started = Instant::now();
    slow.send_call(
        rvirt_proto::program::REMOTE_PROGRAM,
        1,
        ConnectGetCapabilities::PROC,
        &[],
    );
    std::thread::sleep(Duration::from_millis(100));
    let mut quick = RawClient::connect(&server.socket());
    quick.open();
    let t = quick.call::<ConnectGetType>(&()).unwrap();
    assert_eq!(decode_reply::<ConnectGetType>(&t).unwrap().type_, "FAKE");
    let h = quick.call::<ConnectGetHostname>(&()).unwrap();
    assert_eq!(
        decode_reply::<ConnectGetHostname>(&h).unwrap().hostname,
        "fakehost"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "other clients waited for the slow call"
    );
    let caps = slow.recv_reply().unwrap();
    assert_eq!(
        decode_reply::<ConnectGetCapabilities>(&caps)
            .unwrap()
            .capabilities,
        "<capabilities/>"
    );
}

#[test]
fn volume_download_stream() {
    let server = start(Config::default());
    let mut c = RawClient::connect(&server.socket());
    c.open();
    let reply = c
        .call::<StorageVolDownload>(&StorageVolTransferArgs {
            vol: vol(),
            offset: 0,
            length: 0,
            flags: 0,
        })
        .unwrap();
    decode_reply::<StorageVolDownload>(&reply).unwrap();
    let call = reply.header;
    let mut got = Vec::new();
    loop {
        let p = c.recv().unwrap();
        assert_eq!(p.header.kind, MessageType::Stream);
        assert_eq!(p.header.serial, call.serial);
        assert_eq!(p.header.proc_, StorageVolDownload::PROC);
        assert_eq!(p.header.status, MessageStatus::Continue);
        assert!(p.payload.len() <= packet::MESSAGE_LEGACY_PAYLOAD_MAX);
        if p.payload.is_empty() {
            break;
        }
        got.extend_from_slice(&p.payload);
    }
    assert_eq!(got, payload());
    let finish_header = rvirt_proto::Header {
        kind: MessageType::Call,
        ..call
    };
    c.send_raw(&packet::build_stream_finish(&finish_header).unwrap());
    let ack = c.recv().unwrap();
    assert_eq!(ack.header.kind, MessageType::Stream);
    assert_eq!(ack.header.status, MessageStatus::Ok);
    // The connection goes on.
    let h = c.call::<ConnectGetHostname>(&()).unwrap();
    decode_reply::<ConnectGetHostname>(&h).unwrap();
}

#[test]
fn volume_upload_stream() {
    let server = start(Config::default());
    let mut c = RawClient::connect(&server.socket());
    c.open();
    let reply = c
        .call::<StorageVolUpload>(&StorageVolTransferArgs {
            vol: vol(),
            offset: 0,
            length: 0,
            flags: 0,
        })
        .unwrap();
    decode_reply::<StorageVolUpload>(&reply).unwrap();
    let call = rvirt_proto::Header {
        kind: MessageType::Call,
        ..reply.header
    };
    let data = payload();
    for chunk in data.chunks(100_000) {
        c.send_raw(&packet::build_stream_data(&call, chunk).unwrap());
    }
    c.send_raw(&packet::build_stream_finish(&call).unwrap());
    let ack = c.recv().unwrap();
    assert_eq!(ack.header.kind, MessageType::Stream);
    assert_eq!(ack.header.status, MessageStatus::Ok);
    assert_eq!(ack.header.serial, call.serial);
    assert!(server.fake.upload_finished.load(Ordering::SeqCst));
    assert_eq!(*server.fake.uploaded.lock().unwrap(), data);
}

#[test]
fn python_streams_download_and_upload() {
    if !common::have_python_libvirt() {
        return;
    }
    let server = start(Config::default());
    let uri = format!("test+unix:///default?socket={}", server.socket().display());
    let script = common::tests_dir().join("python/streams.py");
    let (out, err, ok) = common::run_python(&script, &[&uri]);
    assert!(ok, "{err}");
    let expected: u64 = payload().iter().map(|b| u64::from(*b)).sum();
    assert_eq!(
        out.trim(),
        format!("downloaded {} {expected}\nuploaded 300000", payload().len())
    );
    assert!(server.fake.upload_finished.load(Ordering::SeqCst));
    let uploaded = server.fake.uploaded.lock().unwrap().clone();
    assert_eq!(uploaded.len(), 300_000);
    assert!(uploaded.iter().all(|b| *b == 7));
}

#[test]
fn pipelined_calls_all_get_their_replies() {
    let config = Config {
        max_client_requests: 2,
        ..Config::default()
    };
    let server = start(config);
    let mut c = RawClient::connect(&server.socket());
    c.open();
    let mut serials = Vec::new();
    for _ in 0..500 {
        serials.push(c.send_call(
            rvirt_proto::program::REMOTE_PROGRAM,
            1,
            ConnectGetHostname::PROC,
            &[],
        ));
    }
    let mut got = Vec::new();
    for _ in 0..500 {
        let p = c.recv_reply().unwrap();
        assert_eq!(
            decode_reply::<ConnectGetHostname>(&p).unwrap().hostname,
            "fakehost"
        );
        got.push(p.header.serial);
    }
    got.sort_unstable();
    assert_eq!(got, serials);
}
