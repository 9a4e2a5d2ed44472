//! Shared by the rvirt-test integration tests: dumping a driver's state in the JSON shape of
//! `corpus/testdriver/*.out.json` (the same shape `dump.py` produces from real libvirt),
//! running real libvirt through `/usr/bin/python3`, and reporting differences.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

use rvirt_core::*;
use rvirt_test::TestDriver;
use serde_json::{json, Map, Value};

/// The Python side of the dump, prepended to every script.
pub const DUMP_PY: &str = include_str!("dump.py");

pub const PYTHON: &str = "/usr/bin/python3";

/// `RVIRT_TEST_STRICT=1` turns the known gaps of other crates (listed where they are
/// tolerated, always reported as notes) into failures.
pub fn strict() -> bool {
    std::env::var("RVIRT_TEST_STRICT")
        .map(|v| v == "1")
        .unwrap_or(false)
}

pub fn in_ci() -> bool {
    std::env::var("CI").map(|v| v == "true").unwrap_or(false)
}

pub fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/testdriver"
    ))
}

/// Whether `/usr/bin/python3` can import libvirt; without it a test fails under CI and is
/// skipped with a note otherwise.
pub fn python_libvirt_available(test: &str) -> bool {
    let ok = Command::new(PYTHON)
        .args(["-c", "import libvirt"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        if in_ci() {
            panic!("{test}: {PYTHON} with the libvirt module is required under CI");
        }
        eprintln!("note: {test} skipped: {PYTHON} cannot import libvirt");
    }
    ok
}

/// Runs `body` (Python, after `dump.py`) with `input` on stdin; returns its stdout as JSON.
pub fn run_python(body: &str, input: &str) -> Value {
    run_python_checked(body, input).unwrap_or_else(|e| panic!("python3 failed: {e}"))
}

/// [`run_python`] that reports a failed run (real libvirt crashing, for one) instead of
/// panicking.
pub fn run_python_checked(body: &str, input: &str) -> Result<Value, String> {
    use std::io::Write;
    let script = format!("{DUMP_PY}\n{body}");
    let mut child = Command::new(PYTHON)
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("python3 output");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).to_string());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

pub fn flag(b: bool) -> Value {
    json!(if b { 1 } else { 0 })
}

/// An error as the Python side records it.
pub fn err_value(e: &Error) -> Value {
    json!({"err": [e.code as i32, e.domain as i32, e.message]})
}

fn text_or_error(r: Result<String>) -> Value {
    match r {
        Ok(s) => json!(s),
        Err(e) => err_value(&e),
    }
}

/// The driver's state in the corpus JSON shape; `extended` adds what `dump.py` adds.
pub fn dump(d: &TestDriver, extended: bool) -> Value {
    let mut out = Map::new();
    out.insert("hostname".into(), text_or_error(d.connect_get_hostname()));
    let info = d.node_get_info().expect("node info");
    out.insert(
        "nodeinfo".into(),
        json!([
            info.model,
            info.memory / 1024,
            info.cpus,
            info.mhz,
            info.nodes,
            info.sockets,
            info.cores,
            info.threads
        ]),
    );

    let mut doms = Map::new();
    for dom in d
        .connect_list_all_domains(ListDomainsFlags::empty())
        .expect("list domains")
    {
        let (state, reason) = d.domain_get_state(&dom, 0).expect("state");
        let mut rec = Map::new();
        rec.insert(
            "autostart".into(),
            flag(d.domain_get_autostart(&dom).expect("autostart")),
        );
        rec.insert("id".into(), json!(dom.id));
        rec.insert(
            "persistent".into(),
            flag(d.domain_is_persistent(&dom).expect("persistent")),
        );
        rec.insert("state".into(), json!([state as i32, reason]));
        rec.insert(
            "xml".into(),
            text_or_error(d.domain_get_xml_desc(&dom, DomainXmlFlags::empty())),
        );
        if extended {
            rec.insert(
                "inactive_xml".into(),
                text_or_error(d.domain_get_xml_desc(&dom, DomainXmlFlags::INACTIVE)),
            );
            let di = d.domain_get_info(&dom).expect("info");
            rec.insert(
                "info".into(),
                json!([di.state as i32, di.max_mem, di.memory, di.nr_virt_cpu]),
            );
            rec.insert(
                "managed_save".into(),
                flag(d.domain_has_managed_save_image(&dom).expect("managed save")),
            );
            rec.insert(
                "active".into(),
                flag(d.domain_is_active(&dom).expect("active")),
            );
            let mut snaps = Map::new();
            for snap in d.domain_list_all_snapshots(&dom, 0).expect("snapshots") {
                let xml = d
                    .domain_snapshot_get_xml_desc(&snap, 0)
                    .expect("snapshot xml");
                snaps.insert(snap.name.clone(), json!(mask_creation_time(&xml)));
            }
            rec.insert("snapshots".into(), Value::Object(snaps));
            rec.insert(
                "current_snapshot".into(),
                json!(d.domain_snapshot_current(&dom, 0).ok().map(|s| s.name)),
            );
        }
        doms.insert(dom.name.clone(), Value::Object(rec));
    }
    out.insert("domains".into(), Value::Object(doms));

    let mut nets = Map::new();
    for net in d
        .connect_list_all_networks(ListNetworksFlags::empty())
        .expect("networks")
    {
        let mut rec = Map::new();
        rec.insert(
            "active".into(),
            flag(d.network_is_active(&net).expect("active")),
        );
        rec.insert(
            "xml".into(),
            text_or_error(d.network_get_xml_desc(&net, XmlInactiveFlags::empty())),
        );
        if extended {
            rec.insert(
                "persistent".into(),
                flag(d.network_is_persistent(&net).expect("p")),
            );
            rec.insert(
                "autostart".into(),
                flag(d.network_get_autostart(&net).expect("a")),
            );
        }
        nets.insert(net.name.clone(), Value::Object(rec));
    }
    out.insert("networks".into(), Value::Object(nets));

    let mut pools = Map::new();
    for pool in d
        .connect_list_all_storage_pools(ListStoragePoolsFlags::empty())
        .expect("pools")
    {
        let active = d.storage_pool_is_active(&pool).expect("active");
        let mut vols = Map::new();
        if active {
            for vol in d.storage_pool_list_all_volumes(&pool, 0).expect("volumes") {
                vols.insert(
                    vol.name.clone(),
                    text_or_error(d.storage_vol_get_xml_desc(&vol, 0)),
                );
            }
        }
        let mut rec = Map::new();
        rec.insert("active".into(), flag(active));
        rec.insert("volumes".into(), Value::Object(vols));
        rec.insert(
            "xml".into(),
            text_or_error(d.storage_pool_get_xml_desc(&pool, XmlInactiveFlags::empty())),
        );
        if extended {
            let pi = d.storage_pool_get_info(&pool).expect("pool info");
            rec.insert(
                "info".into(),
                json!([pi.state as i32, pi.capacity, pi.allocation, pi.available]),
            );
            rec.insert(
                "persistent".into(),
                flag(d.storage_pool_is_persistent(&pool).expect("p")),
            );
            rec.insert(
                "autostart".into(),
                flag(d.storage_pool_get_autostart(&pool).expect("a")),
            );
        }
        pools.insert(pool.name.clone(), Value::Object(rec));
    }
    out.insert("pools".into(), Value::Object(pools));

    let mut ifaces = Map::new();
    for iface in d
        .connect_list_all_interfaces(ListInterfacesFlags::empty())
        .expect("interfaces")
    {
        ifaces.insert(
            iface.name.clone(),
            json!({
                "active": flag(d.interface_is_active(&iface).expect("active")),
                "xml": text_or_error(d.interface_get_xml_desc(&iface, XmlInactiveFlags::empty())),
            }),
        );
    }
    out.insert("interfaces".into(), Value::Object(ifaces));

    let mut devs = Map::new();
    for dev in d
        .connect_list_all_node_devices(ListNodeDevicesFlags::empty())
        .expect("node devices")
    {
        devs.insert(
            dev.name.clone(),
            text_or_error(d.node_device_get_xml_desc(&dev, 0)),
        );
    }
    out.insert("nodedevs".into(), Value::Object(devs));
    Value::Object(out)
}

/// Lists every path where `expected` and `actual` differ (objects compared key by key).
pub fn differences(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => differences(&format!("{path}/{k}"), ev, av, out),
                    None => out.push(format!("{path}/{k}: missing (expected {})", short(ev))),
                }
            }
            for (k, av) in a.iter().filter(|(k, _)| !e.contains_key(*k)) {
                out.push(format!("{path}/{k}: unexpected {}", short(av)));
            }
        }
        _ if expected == actual => {}
        (Value::String(e), Value::String(a)) => {
            out.push(format!("{path}:\n{}", text_diff(e, a)));
        }
        _ => out.push(format!("{path}: expected {expected}, got {actual}")),
    }
}

/// Creation times differ between runs; snapshots are compared without them.
pub fn mask_creation_time(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<creationTime>") {
        out.push_str(&rest[..start]);
        out.push_str("<creationTime>T</creationTime>");
        match rest[start..].find("</creationTime>") {
            Some(end) => rest = &rest[start + end + "</creationTime>".len()..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    out
}

fn short(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text,
    }
}

/// The lines around the first difference between two texts (short texts whole).
pub fn text_diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    if e.len() <= 3 && a.len() <= 3 {
        return format!("--- expected\n{expected}\n--- actual\n{actual}");
    }
    let first = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let from = first.saturating_sub(2);
    let show =
        |lines: &[&str]| lines[from.min(lines.len())..(first + 6).min(lines.len())].join("\n");
    format!(
        "first difference at line {}\n--- expected\n{}\n--- actual\n{}",
        first + 1,
        show(&e),
        show(&a)
    )
}

/// Counts the leaf objects compared and those that differ, for the pass-rate line.
pub fn leaf_counts(expected: &Value, actual: &Value) -> (usize, usize) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e.iter().fold((0, 0), |(t, bad), (k, ev)| {
            let (lt, lb) = match a.get(k) {
                Some(av) => leaf_counts(ev, av),
                None => (1, 1),
            };
            (t + lt, bad + lb)
        }),
        _ => (1, usize::from(expected != actual)),
    }
}
