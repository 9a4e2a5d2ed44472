//! Shared test helpers: a driver over a temporary root, an event recorder, a reference
//! libvirtd started privately for the test, and one script of operations run against both.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use rvirt_core::{
    Error, Event, EventBus, EventFamily, ListStoragePoolsFlags, StorageDriver as _,
    StoragePoolBuildFlags, StoragePoolDeleteFlags, StorageVolCreateFlags, StorageVolDeleteFlags,
    StorageVolRef, StorageVolResizeFlags, StorageVolTransferFlags, WipeAlgorithm, XmlInactiveFlags,
};
use rvirt_storage::StorageDriver;
use serde_json::{json, Value};

pub fn in_ci() -> bool {
    rvirt_testkit::under_ci()
}

/// Whether qemu-img is installed; under CI its absence fails the test.
pub fn require_qemu_img() -> bool {
    let ok = Command::new("qemu-img")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            !in_ci(),
            "qemu-img is required under CI (install qemu-utils)"
        );
        eprintln!("note: qemu-img missing, skipping");
    }
    ok
}

/// A driver over a temporary root, recording every storage pool event.
pub struct Env {
    pub root: tempfile::TempDir,
    pub driver: Arc<StorageDriver>,
    pub bus: Arc<EventBus>,
    pub events: Arc<Mutex<Vec<Event>>>,
}

impl Env {
    pub fn new() -> Env {
        let root = tempfile::tempdir().unwrap();
        let bus = Arc::new(EventBus::new());
        let events = Arc::new(Mutex::new(Vec::new()));
        for id in [0, 1] {
            let ev = events.clone();
            bus.register(
                EventFamily::StoragePool(id),
                None,
                Arc::new(move |e: &Event| ev.lock().unwrap().push(e.clone())),
            );
        }
        let driver = StorageDriver::open(
            root.path().join("etc"),
            root.path().join("run"),
            bus.clone(),
        )
        .unwrap();
        Env {
            root,
            driver,
            bus,
            events,
        }
    }

    /// A new driver instance over the same directories (a daemon restart).
    pub fn reopen(&mut self) {
        self.driver = StorageDriver::open(
            self.root.path().join("etc"),
            self.root.path().join("run"),
            self.bus.clone(),
        )
        .unwrap();
    }

    pub fn dir(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    /// Lifecycle events seen so far as (pool, event number), refresh events as -1.
    pub fn take_events(&self) -> Vec<(String, i32)> {
        let mut evs = self.events.lock().unwrap();
        let out = evs
            .iter()
            .filter_map(|e| match e {
                Event::StoragePoolLifecycle { pool, event, .. } => {
                    Some((pool.name.clone(), *event))
                }
                Event::StoragePoolRefresh { pool } => Some((pool.name.clone(), -1)),
                _ => None,
            })
            .collect();
        evs.clear();
        out
    }
}

/// Every file under `dir` with its size and content digest, to prove nothing changed.
pub fn snapshot(dir: &Path) -> Vec<(String, u64, u64)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let meta = std::fs::symlink_metadata(e.path()).unwrap();
        let digest = if meta.is_file() {
            let data = std::fs::read(e.path()).unwrap();
            data.iter().fold(1469598103934665603u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(1099511628211)
            })
        } else {
            0
        };
        out.push((
            e.file_name().to_string_lossy().into_owned(),
            meta.len(),
            digest,
        ));
    }
    out.sort();
    out
}

pub fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// A reference libvirtd 9.0 for one test (see rvirt-testkit), seeing none of the host's
/// storage pools or domains.
pub struct RefDaemon {
    daemon: rvirt_testkit::Libvirtd,
    pub uri: String,
}

impl RefDaemon {
    /// Starts the daemon; `None` (with a note) when that is impossible here, a failure under CI.
    pub fn start() -> Option<RefDaemon> {
        let opts = rvirt_testkit::LibvirtdOptions {
            private_config: true,
            ..Default::default()
        };
        let daemon = rvirt_testkit::libvirtd_or_skip("reference libvirtd", &opts)?;
        let uri = daemon.qemu_uri();
        Some(RefDaemon { daemon, uri })
    }

    /// Runs a script of operations (see [`run_script`]) against the daemon with
    /// python3-libvirt; one JSON result per operation.
    pub fn run(&self, ops: &[Value]) -> Vec<Value> {
        let out = Command::new("/usr/bin/python3")
            .args([
                "-c",
                PY_RUNNER,
                &self.uri,
                &Value::Array(ops.to_vec()).to_string(),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "python runner failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Drop for RefDaemon {
    fn drop(&mut self) {
        // A clean stop, so the daemon's storage driver lets go of what it holds.
        self.daemon.stop();
    }
}

/// The python side of [`run_script`]: the same operations on libvirt's API.
const PY_RUNNER: &str = r#"
import json, sys, subprocess, zlib, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open(sys.argv[1])
ops = json.loads(sys.argv[2])
def pool(n): return c.storagePoolLookupByName(n)
def vol(p, v): return pool(p).storageVolLookupByName(v)
res = []
for op in ops:
    k = op[0]
    try:
        if k == "define": r = c.storagePoolDefineXML(op[1], 0).name()
        elif k == "create_pool": r = c.storagePoolCreateXML(op[1], op[2]).name()
        elif k == "build": r = pool(op[1]).build(op[2])
        elif k == "start": r = pool(op[1]).create(0)
        elif k == "destroy": r = pool(op[1]).destroy()
        elif k == "pool_delete": r = pool(op[1]).delete(op[2])
        elif k == "undefine": r = pool(op[1]).undefine()
        elif k == "refresh": r = pool(op[1]).refresh(0)
        elif k == "pool_xml": r = pool(op[1]).XMLDesc(op[2])
        elif k == "pool_info": i = pool(op[1]).info(); r = [i[0], i[1] > 0]
        elif k == "autostart": r = pool(op[1]).setAutostart(op[2])
        elif k == "list_pools": r = sorted(p.name() for p in c.listAllStoragePools(op[1]))
        elif k == "pool_state": p = pool(op[1]); r = [p.isActive(), p.isPersistent(), p.autostart()]
        elif k == "find_sources": r = c.findStoragePoolSources(op[1], op[2], 0)
        elif k == "list_vols": r = sorted(v.name() for v in pool(op[1]).listAllVolumes(0))
        elif k == "vol_create": r = pool(op[1]).createXML(op[2], op[3]).name()
        elif k == "vol_clone": r = pool(op[1]).createXMLFrom(op[2], vol(op[5] if len(op) > 5 else op[1], op[3]), op[4]).name()
        elif k == "vol_xml": r = vol(op[1], op[2]).XMLDesc(0)
        elif k == "vol_info": r = list(vol(op[1], op[2]).info())
        elif k == "vol_delete": r = vol(op[1], op[2]).delete(op[3])
        elif k == "vol_wipe": r = vol(op[1], op[2]).wipePattern(op[3], 0)
        elif k == "vol_resize": r = vol(op[1], op[2]).resize(op[3], op[4])
        elif k == "lookup_path": r = c.storageVolLookupByPath(op[1]).name()
        elif k == "lookup_key": r = c.storageVolLookupByKey(op[1]).name()
        elif k == "shell": r = subprocess.run(["sh", "-c", op[1]], check=True) and None
        elif k == "upload":
            st = c.newStream(0)
            vol(op[1], op[2]).upload(st, op[4], op[5], op[6])
            data = open(op[3], "rb").read()
            for i in range(0, len(data), 262144):
                st.send(data[i:i + 262144])
            st.finish(); r = None
        elif k == "download":
            st = c.newStream(0)
            vol(op[1], op[2]).download(st, op[3], op[4], 0)
            buf = bytearray()
            while True:
                d = st.recv(262144)
                if not d: break
                buf += d
            st.finish(); r = [len(buf), zlib.crc32(bytes(buf))]
        else: raise Exception("unknown op " + k)
        if r is None or r == 0: r = None
        res.append({"ok": r})
    except libvirt.libvirtError as e:
        res.append({"err": [e.get_error_code(), e.get_error_domain(), e.get_error_message()]})
print(json.dumps(res))
"#;

fn err_json(e: &Error) -> Value {
    json!({"err": [e.code as i32, e.domain as i32, e.message]})
}

fn ok_json(v: Value) -> Value {
    json!({ "ok": v })
}

fn pool_ref(d: &StorageDriver, name: &str) -> rvirt_core::Result<rvirt_core::StoragePoolRef> {
    d.storage_pool_lookup_by_name(name)
}

fn vol_ref(d: &StorageDriver, pool: &str, vol: &str) -> rvirt_core::Result<StorageVolRef> {
    let p = pool_ref(d, pool)?;
    d.storage_vol_lookup_by_name(&p, vol)
}

/// Runs one script of operations against rvirt's driver, producing what the python runner
/// produces for libvirtd.
pub fn run_script(d: &StorageDriver, ops: &[Value]) -> Vec<Value> {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let n = |v: &Value| v.as_u64().unwrap_or(0);
    ops.iter()
        .map(|op| {
            let a = op.as_array().unwrap();
            let k = a[0].as_str().unwrap();
            let r: rvirt_core::Result<Value> = (|| match k {
                "define" => Ok(json!(d.storage_pool_define_xml(&s(&a[1]), 0)?.name)),
                "create_pool" => Ok(json!(
                    d.storage_pool_create_xml(&s(&a[1]), n(&a[2]) as u32)?.name
                )),
                "build" => d
                    .storage_pool_build(
                        &pool_ref(d, &s(&a[1]))?,
                        StoragePoolBuildFlags::from_bits_retain(n(&a[2]) as u32),
                    )
                    .map(|_| Value::Null),
                "start" => d
                    .storage_pool_create(&pool_ref(d, &s(&a[1]))?, 0)
                    .map(|_| Value::Null),
                "destroy" => d
                    .storage_pool_destroy(&pool_ref(d, &s(&a[1]))?)
                    .map(|_| Value::Null),
                "pool_delete" => d
                    .storage_pool_delete(
                        &pool_ref(d, &s(&a[1]))?,
                        StoragePoolDeleteFlags::from_bits_retain(n(&a[2]) as u32),
                    )
                    .map(|_| Value::Null),
                "undefine" => d
                    .storage_pool_undefine(&pool_ref(d, &s(&a[1]))?)
                    .map(|_| Value::Null),
                "refresh" => d
                    .storage_pool_refresh(&pool_ref(d, &s(&a[1]))?, 0)
                    .map(|_| Value::Null),
                "pool_xml" => Ok(json!(d.storage_pool_get_xml_desc(
                    &pool_ref(d, &s(&a[1]))?,
                    XmlInactiveFlags::from_bits_retain(n(&a[2]) as u32)
                )?)),
                "pool_info" => {
                    // Sizes move with the file system: only whether there are any.
                    let i = d.storage_pool_get_info(&pool_ref(d, &s(&a[1]))?)?;
                    Ok(json!([i.state as i32, i.capacity > 0]))
                }
                "autostart" => d
                    .storage_pool_set_autostart(&pool_ref(d, &s(&a[1]))?, n(&a[2]) != 0)
                    .map(|_| Value::Null),
                "find_sources" => Ok(json!(d.connect_find_storage_pool_sources(
                    &s(&a[1]),
                    a[2].as_str(),
                    0
                )?)),
                "list_pools" => {
                    let mut v: Vec<String> = d
                        .connect_list_all_storage_pools(ListStoragePoolsFlags::from_bits_retain(
                            n(&a[1]) as u32,
                        ))?
                        .into_iter()
                        .map(|p| p.name)
                        .collect();
                    v.sort();
                    Ok(json!(v))
                }
                "pool_state" => {
                    let p = pool_ref(d, &s(&a[1]))?;
                    Ok(json!([
                        i32::from(d.storage_pool_is_active(&p)?),
                        i32::from(d.storage_pool_is_persistent(&p)?),
                        i32::from(d.storage_pool_get_autostart(&p)?)
                    ]))
                }
                "list_vols" => {
                    let mut v: Vec<String> = d
                        .storage_pool_list_all_volumes(&pool_ref(d, &s(&a[1]))?, 0)?
                        .into_iter()
                        .map(|v| v.name)
                        .collect();
                    v.sort();
                    Ok(json!(v))
                }
                "vol_create" => Ok(json!(
                    d.storage_vol_create_xml(
                        &pool_ref(d, &s(&a[1]))?,
                        &s(&a[2]),
                        StorageVolCreateFlags::from_bits_retain(n(&a[3]) as u32)
                    )?
                    .name
                )),
                "vol_clone" => {
                    let src_pool = a.get(5).map(&s).unwrap_or_else(|| s(&a[1]));
                    let src = vol_ref(d, &src_pool, &s(&a[3]))?;
                    Ok(json!(
                        d.storage_vol_create_xml_from(
                            &pool_ref(d, &s(&a[1]))?,
                            &s(&a[2]),
                            &src,
                            StorageVolCreateFlags::from_bits_retain(n(&a[4]) as u32)
                        )?
                        .name
                    ))
                }
                "vol_xml" => Ok(json!(
                    d.storage_vol_get_xml_desc(&vol_ref(d, &s(&a[1]), &s(&a[2]))?, 0)?
                )),
                "vol_info" => {
                    let i = d.storage_vol_get_info(&vol_ref(d, &s(&a[1]), &s(&a[2]))?)?;
                    Ok(json!([i.kind as i32, i.capacity, i.allocation]))
                }
                "vol_delete" => d
                    .storage_vol_delete(
                        &vol_ref(d, &s(&a[1]), &s(&a[2]))?,
                        StorageVolDeleteFlags::from_bits_retain(n(&a[3]) as u32),
                    )
                    .map(|_| Value::Null),
                "vol_wipe" => d
                    .storage_vol_wipe(
                        &vol_ref(d, &s(&a[1]), &s(&a[2]))?,
                        WipeAlgorithm::from_u32(n(&a[3]) as u32).unwrap(),
                        0,
                    )
                    .map(|_| Value::Null),
                "vol_resize" => d
                    .storage_vol_resize(
                        &vol_ref(d, &s(&a[1]), &s(&a[2]))?,
                        n(&a[3]),
                        StorageVolResizeFlags::from_bits_retain(n(&a[4]) as u32),
                    )
                    .map(|_| Value::Null),
                "lookup_path" => Ok(json!(d.storage_vol_lookup_by_path(&s(&a[1]))?.name)),
                "lookup_key" => Ok(json!(d.storage_vol_lookup_by_key(&s(&a[1]))?.name)),
                "upload" => {
                    let v = vol_ref(d, &s(&a[1]), &s(&a[2]))?;
                    let mut st = d.storage_vol_upload(
                        &v,
                        n(&a[4]),
                        n(&a[5]),
                        StorageVolTransferFlags::from_bits_retain(n(&a[6]) as u32),
                    )?;
                    let data = std::fs::read(s(&a[3])).unwrap();
                    for chunk in data.chunks(262144) {
                        st.send(chunk)?;
                    }
                    st.finish()?;
                    Ok(Value::Null)
                }
                "download" => {
                    let v = vol_ref(d, &s(&a[1]), &s(&a[2]))?;
                    let mut st =
                        d.storage_vol_download(&v, n(&a[3]), n(&a[4]), Default::default())?;
                    let mut buf = Vec::new();
                    loop {
                        let chunk = st.recv(262144)?;
                        if chunk.is_empty() {
                            break;
                        }
                        buf.extend(chunk);
                    }
                    st.finish()?;
                    Ok(json!([buf.len(), crc32(&buf)]))
                }
                "shell" => {
                    let st = Command::new("sh").args(["-c", &s(&a[1])]).status().unwrap();
                    assert!(st.success());
                    Ok(Value::Null)
                }
                other => panic!("unknown op {other}"),
            })();
            match r {
                Ok(v) => ok_json(v),
                Err(e) => err_json(&e),
            }
        })
        .collect()
}

/// Makes results of two runs comparable: each side's base directory becomes `@DIR@`,
/// timestamps and file-system-wide pool sizes (which move between calls) become `N`.
pub fn normalize(v: &Value, base: &str) -> Value {
    match v {
        Value::String(s) => Value::String(normalize_text(&s.replace(base, "@DIR@"))),
        Value::Array(a) => Value::Array(a.iter().map(|x| normalize(x, base)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), normalize(x, base)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn normalize_text(s: &str) -> String {
    let is_pool = s.starts_with("<pool");
    let mut out = Vec::new();
    for line in s.lines() {
        let t = line.trim_start();
        let masked = ["atime", "mtime", "ctime", "btime", "uuid"]
            .iter()
            .any(|tag| t.starts_with(&format!("<{tag}>")))
            || (is_pool
                && ["<capacity", "<allocation", "<available"]
                    .iter()
                    .any(|tag| t.starts_with(tag)));
        if masked {
            let indent = &line[..line.len() - t.len()];
            let open_end = t.find('>').unwrap_or(0);
            let close_start = t.rfind("</").unwrap_or(t.len());
            out.push(format!("{indent}{}N{}", &t[..=open_end], &t[close_start..]));
        } else {
            out.push(line.to_string());
        }
    }
    let mut joined = out.join("\n");
    if s.ends_with('\n') {
        joined.push('\n');
    }
    joined
}

/// CRC-32 (IEEE), as python's `zlib.crc32` computes it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
