//! virNodeGetCPUMap, virDomainGetVcpuPinInfo and virConnectGetAllDomainStats of
//! `test:///default` against real libvirt's test driver (through `/usr/bin/python3`), with
//! every stats-group / filter combination the test driver distinguishes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use rvirt_core::*;
use rvirt_test::TestDriver;
use serde_json::{json, Value};

/// Stats masks: all groups, state, an unsupported group, state plus an unknown bit.
const STATS: &[u32] = &[0, 1, 8, 1 | (1 << 20)];
/// Filters one by one, a pair, the harmless extras, enforce-stats, an unknown flag.
const FLAGS: &[u32] = &[
    0,
    1,
    2,
    4,
    8,
    16,
    32,
    64,
    128,
    1 | 2,
    (1 << 29) | (1 << 30),
    1 << 31,
    1 << 12,
];

/// A second, inactive domain and a third, paused one, so the filters have work to do.
const SETUP: &str = r#"
import json, sys
c = libvirt.open('test:///default')
c.defineXML("<domain type='test'><name>aaa</name><memory>1024</memory><os><type>hvm</type></os></domain>")
z = c.defineXML("<domain type='test'><name>zz</name><memory>1024</memory><os><type>hvm</type></os></domain>")
z.create()
z.suspend()
"#;

const QUERIES: &str = r#"
def attempt(f):
    try:
        return {"ok": f()}
    except libvirt.libvirtError as x:
        return err_record(x)
cases = json.loads(sys.stdin.read())
out = {}
n, cpumap, online = c.getCPUMap(0)
out["cpu_map"] = {"ok": [cpumap, online]}
out["cpu_map_bad_flag"] = attempt(lambda: c.getCPUMap(1))
d = c.lookupByName('test')
for name in ['test', 'aaa']:
    dom = c.lookupByName(name)
    for f in [0, 1, 2, 3]:
        out["pin %s %d" % (name, f)] = attempt(lambda: [list(m) for m in dom.vcpuPinInfo(f)])
for stats, flags in cases:
    recs = lambda r: sorted([x[0].name(), sorted(x[1].items())] for x in r)
    out["all %d %d" % (stats, flags)] = attempt(lambda: recs(c.getAllDomainStats(stats, flags)))
    doms = [c.lookupByName(n) for n in ['zz', 'test', 'aaa']]
    out["list %d %d" % (stats, flags)] = attempt(
        lambda: [[x[0].name(), sorted(x[1].items())] for x in c.domainListGetStats(doms, stats, flags)])
print(json.dumps(out))
"#;

fn attempt<T>(r: Result<T>, ok: impl FnOnce(T) -> Value) -> Value {
    match r {
        Ok(v) => json!({ "ok": ok(v) }),
        Err(e) => common::err_value(&e),
    }
}

fn records(recs: Vec<DomainStatsRecord>, sort: bool) -> Value {
    let mut out: Vec<Value> = recs
        .into_iter()
        .map(|r| {
            let mut params: Vec<(String, i64)> = r
                .params
                .into_iter()
                .map(|p| match p.value {
                    TypedValue::Int(v) => (p.field, i64::from(v)),
                    other => panic!("unexpected stats value {other:?}"),
                })
                .collect();
            params.sort();
            json!([r.domain.name, params])
        })
        .collect();
    if sort {
        out.sort_by_key(|v| v.to_string());
    }
    Value::Array(out)
}

fn rvirt_answers(cases: &[(u32, u32)]) -> Value {
    let d = TestDriver::open_private_default().unwrap();
    let define = |name: &str| {
        let xml = format!(
            "<domain type='test'><name>{name}</name><memory>1024</memory><os><type>hvm</type></os></domain>"
        );
        d.domain_define_xml(&xml, DomainDefineFlags::empty())
            .unwrap()
    };
    define("aaa");
    let z = define("zz");
    let z = d.domain_create(&z, DomainCreateFlags::empty()).unwrap();
    d.domain_suspend(&z).unwrap();
    let mut out = serde_json::Map::new();
    let map = d.node_get_cpu_map(0).unwrap();
    out.insert(
        "cpu_map".into(),
        json!({"ok": [map.online_map, map.online]}),
    );
    out.insert(
        "cpu_map_bad_flag".into(),
        attempt(d.node_get_cpu_map(1), |m| json!([m.online_map, m.online])),
    );
    for name in ["test", "aaa"] {
        let dom = d.domain_lookup_by_name(name).unwrap();
        for f in 0..4u32 {
            // python's vcpuPinInfo sizes each map by virNodeGetCPUMap's CPU count.
            let pins = d.domain_get_vcpu_pin_info(&dom, ModificationImpact::from_bits_retain(f));
            let cpus = map.online_map.len();
            let shown = attempt(pins, |maps| {
                json!(maps
                    .into_iter()
                    .map(|m| (0..cpus)
                        .map(|i| m.get(i).copied().unwrap_or(false))
                        .collect())
                    .collect::<Vec<Vec<bool>>>())
            });
            out.insert(format!("pin {name} {f}"), shown);
        }
    }
    let doms: Vec<DomainRef> = ["zz", "test", "aaa"]
        .iter()
        .map(|n| d.domain_lookup_by_name(n).unwrap())
        .collect();
    for &(stats, flags) in cases {
        out.insert(
            format!("all {stats} {flags}"),
            attempt(d.connect_get_all_domain_stats(&[], stats, flags), |r| {
                records(r, true)
            }),
        );
        out.insert(
            format!("list {stats} {flags}"),
            attempt(d.connect_get_all_domain_stats(&doms, stats, flags), |r| {
                records(r, false)
            }),
        );
    }
    Value::Object(out)
}

#[test]
fn cpu_map_pin_info_and_domain_stats_match_libvirt() {
    if !common::python_libvirt_available("cpu_map_pin_info_and_domain_stats_match_libvirt") {
        return;
    }
    let cases: Vec<(u32, u32)> = STATS
        .iter()
        .flat_map(|&s| FLAGS.iter().map(move |&f| (s, f)))
        .collect();
    let expected = common::run_python(
        &format!("{SETUP}\n{QUERIES}"),
        &serde_json::to_string(&cases).unwrap(),
    );
    let actual = rvirt_answers(&cases);
    // Two per case, eight pin-info answers, two CPU-map answers.
    assert_eq!(expected.as_object().unwrap().len(), 2 * cases.len() + 10);
    let mut diffs = Vec::new();
    common::differences("", &expected, &actual, &mut diffs);
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}
