//! `test:///default` compared with real libvirt's, dumped by `/usr/bin/python3` through
//! libvirt-python: every object and its XML, node info, capabilities, sysinfo, hostname,
//! domain info and state, pool info and volumes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use rvirt_core::*;
use rvirt_test::TestDriver;
use serde_json::{json, Value};

const ARCHES: &[&str] = &[
    "i686", "x86_64", "ppc64le", "s390x", "aarch64", "riscv64", "none", "foo",
];
const SOURCES: &[(&str, Option<&str>)] = &[
    ("logical", None),
    ("netfs", Some("<source><host name='nfs.example'/></source>")),
    ("netfs", None),
    ("dir", None),
    ("iscsi", None),
    ("bogus", None),
];

const LIVE_SCRIPT: &str = r#"
import json
c = libvirt.open('test:///default')
out = dump(c, True)
out["capabilities"] = c.getCapabilities()
import hashlib
st = c.newStream(0)
mime = c.lookupByName('test').screenshot(st, 0, 0)
shot = b''
while True:
    chunk = st.recv(65536)
    if not chunk:
        break
    shot += chunk
st.finish()
out["screenshot"] = [mime, len(shot), list(shot[:16])]
out["sysinfo"] = c.getSysinfo(0)
out["type"] = c.getType()
out["version"] = c.getVersion()
out["max_vcpus"] = c.getMaxVcpus(None)
out["free_memory"] = c.getFreeMemory()
out["cells_free_memory"] = c.getCellsFreeMemory(0, 8)
out["security_model"] = c.getSecurityModel()
def e(f):
    try:
        return {"ok": f()}
    except libvirt.libvirtError as x:
        return err_record(x)
out["cpu_models"] = {a: e(lambda: c.getCPUModelNames(a, 0)) for a in ARCHES}
out["pool_sources"] = [e(lambda: c.findStoragePoolSources(t, s, 0)) for (t, s) in SOURCES]
d = c.lookupByName('test')
out["dom_test"] = {
    "os_type": d.OSType(),
    "max_memory": d.maxMemory(),
    "max_vcpus": d.maxVcpus(),
    "vcpus_flags": [d.vcpusFlags(0), d.vcpusFlags(libvirt.VIR_DOMAIN_VCPU_MAXIMUM)],
    "memory_stats": d.memoryStats(),
    "hostname": d.hostname(),
    "time": d.getTime(),
    "scheduler": list(d.schedulerType()),
    "security_label": d.securityLabel(),
    "block_info": d.blockInfo('vda'),
    "cpu_stats_total": d.getCPUStats(True),
}
print(json.dumps(out))
"#;

fn rvirt_live(d: &TestDriver) -> Value {
    let mut out = common::dump(d, true);
    let dom = d.domain_lookup_by_name("test").expect("domain test");
    let stats = d.domain_memory_stats(&dom, 13, 0).expect("memory stats");
    let mut stat_map = serde_json::Map::new();
    for s in stats {
        let name = MEMORY_STAT_NAMES
            .iter()
            .find(|(tag, _)| *tag == s.tag)
            .map(|(_, n)| *n)
            .unwrap_or("?");
        stat_map.insert(name.to_string(), json!(s.value));
    }
    let time = d.domain_get_time(&dom, 0).expect("time");
    let (sched, nparams) = d.domain_get_scheduler_type(&dom).expect("scheduler");
    let label = d.domain_get_security_label(&dom).expect("label");
    let bi = d.domain_block_info(&dom, "vda", 0).expect("block info");
    let cpu_total = d.domain_get_cpu_stats(&dom, -1, 1, 0).expect("cpu stats");
    let mut cpu_map = serde_json::Map::new();
    for p in &cpu_total[0] {
        if let TypedValue::ULLong(v) = p.value {
            cpu_map.insert(p.field.clone(), json!(v));
        }
    }
    let model = d.node_get_security_model().expect("security model");
    let result = |r: Result<Value>| match r {
        Ok(v) => json!({ "ok": v }),
        Err(e) => common::err_value(&e),
    };
    let mut cpu_models = serde_json::Map::new();
    for arch in ARCHES {
        cpu_models.insert(
            arch.to_string(),
            result(d.connect_get_cpu_model_names(arch, 0).map(|v| json!(v))),
        );
    }
    let pool_sources: Vec<Value> = SOURCES
        .iter()
        .map(|(kind, spec)| {
            result(
                d.connect_find_storage_pool_sources(kind, *spec, 0)
                    .map(|v| json!(v)),
            )
        })
        .collect();
    let (mime, shot) = d.domain_screenshot(&dom, 0, 0).expect("screenshot");
    let screenshot = json!([mime, shot.len(), shot.iter().take(16).collect::<Vec<_>>()]);
    let extra = json!({
        "capabilities": d.connect_get_capabilities().expect("capabilities"),
        "screenshot": screenshot,
        "sysinfo": d.connect_get_sysinfo(0).expect("sysinfo"),
        "type": d.connect_get_type().expect("type"),
        "version": d.connect_get_version().expect("version"),
        "max_vcpus": d.connect_get_max_vcpus(None).expect("max vcpus"),
        "free_memory": d.node_get_free_memory().expect("free memory"),
        "cells_free_memory": d.node_get_cells_free_memory(0, 8).expect("cells"),
        "security_model": [model.model, model.doi],
        "cpu_models": cpu_models,
        "pool_sources": pool_sources,
        "dom_test": {
            "os_type": d.domain_get_os_type(&dom).expect("os type"),
            "max_memory": d.domain_get_max_memory(&dom).expect("max memory"),
            "max_vcpus": d.domain_get_max_vcpus(&dom).expect("max vcpus"),
            "vcpus_flags": [
                d.domain_get_vcpus_flags(&dom, ModificationImpact::empty()).expect("vcpus"),
                d.domain_get_vcpus_flags(&dom, ModificationImpact::MAXIMUM).expect("max"),
            ],
            "memory_stats": stat_map,
            "hostname": d.domain_get_hostname(&dom, 0).expect("hostname"),
            "time": {"seconds": time.seconds, "nseconds": time.nseconds},
            "scheduler": [sched, nparams],
            "security_label": [label.label, label.enforcing],
            "block_info": [bi.capacity, bi.allocation, bi.physical],
            "cpu_stats_total": [cpu_map],
        },
    });
    if let (Value::Object(o), Value::Object(e)) = (&mut out, extra) {
        o.extend(e);
    }
    out
}

#[test]
fn default_state_matches_libvirt() {
    if !common::python_libvirt_available("live_default") {
        return;
    }
    let script = format!(
        "import json\nARCHES = json.loads(r\"\"\"{}\"\"\")\nSOURCES = json.loads(r\"\"\"{}\"\"\")\n{LIVE_SCRIPT}",
        json!(ARCHES),
        json!(SOURCES)
    );
    let expected = common::run_python(&script, "");
    let driver = TestDriver::open_private_default().expect("open default");
    let actual = rvirt_live(&driver);
    let (total, bad) = common::leaf_counts(&expected, &actual);
    eprintln!(
        "live test:///default: {}/{} values match",
        total - bad,
        total
    );
    let mut diffs = Vec::new();
    common::differences("default", &expected, &actual, &mut diffs);
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn shared_default_is_one_state() {
    let uri = ConnectUri::parse("test:///default").expect("uri");
    let a = TestDriver::open(&uri).expect("open a");
    let b = TestDriver::open(&uri).expect("open b");
    let dom = a.domain_lookup_by_name("test").expect("test domain");
    a.domain_set_autostart(&dom, true).expect("autostart");
    assert!(b.domain_get_autostart(&dom).expect("autostart via b"));
    a.domain_set_autostart(&dom, false).expect("restore");
}

#[test]
fn cpu_time_follows_the_wall_clock() {
    let d = TestDriver::open_private_default().expect("open default");
    let dom = d.domain_lookup_by_name("test").expect("test domain");
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_micros() as u64
        * 1000;
    let info = d.domain_get_info(&dom).expect("info");
    assert!(info.cpu_time >= before && info.cpu_time < before + 60_000_000_000);
}
