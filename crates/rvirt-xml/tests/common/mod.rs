//! Helpers shared by the XML integration tests: the golden corpus and real libvirt.

// Test-only helpers: a panic is how they report a broken environment or a failure.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

/// `shared/corpus` relative to this crate, if present. Under `CI=true` a missing corpus is a
/// failure; elsewhere the caller skips with a note.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("golden corpus not found at {}", dir.display());
    }
    eprintln!(
        "note: golden corpus not found at {}, skipping",
        dir.display()
    );
    None
}

/// A JSON file of the corpus's `testdriver/` folder.
pub fn testdriver_json(name: &str) -> Option<serde_json::Value> {
    let dir = corpus_dir()?;
    let text = std::fs::read_to_string(dir.join("testdriver").join(name)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Runs a Python snippet with Debian's `python3-libvirt` and parses its stdout as JSON.
/// `None` (with a note) when the module is missing, except under `CI=true` where it fails.
pub fn libvirt_python(script: &str) -> Option<serde_json::Value> {
    let out = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .output();
    match out {
        Ok(o) if o.status.success() => {
            Some(serde_json::from_slice(&o.stdout).expect("python printed JSON"))
        }
        other => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("python3-libvirt is required under CI: {other:?}");
            }
            eprintln!("note: python3-libvirt not usable, skipping: {other:?}");
            None
        }
    }
}

/// Pretty first difference between two documents, for assertion messages.
pub fn diff(expected: &str, got: &str) -> String {
    for (i, (e, g)) in expected.lines().zip(got.lines()).enumerate() {
        if e != g {
            return format!("line {}: expected {e:?}, got {g:?}", i + 1);
        }
    }
    format!(
        "length differs: expected {} lines, got {}",
        expected.lines().count(),
        got.lines().count()
    )
}

/// Python that loads the corpus's big test-driver config without its domains (one of them is
/// rejected by libvirt) and opens it; `c` is the connection. `{path}` is the config path.
pub fn open_testdriver_config_py(path: &str) -> String {
    format!(
        r#"
import json, libvirt, tempfile, xml.dom.minidom
libvirt.registerErrorHandler(lambda *a: None, None)
doc = xml.dom.minidom.parse({path:?})
root = doc.documentElement
for d in [n for n in root.childNodes if n.nodeType == 1 and n.tagName == "domain"]:
    root.removeChild(d)
f = tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False)
f.write(doc.toxml()); f.close()
c = libvirt.open("test://" + f.name)
"#
    )
}

/// The corpus's big test-driver config path.
pub fn testdriver_config() -> Option<PathBuf> {
    Some(corpus_dir()?.join("testdriver/testdriver.in.xml"))
}

/// What real libvirt's test driver answered for one input: its XML, or `(code, domain)`.
pub type LibvirtAnswer = Result<String, (i64, i64)>;

/// Defines each input into a fresh `test:///default` (one process, each object removed
/// again so cases do not interfere) and returns libvirt's answers. `kind` is `network`,
/// `pool`, `volume` (created in `default-pool`) or `interface`.
pub fn libvirt_define_all(kind: &str, inputs: &[String]) -> Option<Vec<LibvirtAnswer>> {
    let inputs_json = serde_json::to_string(inputs).expect("json");
    let script = format!(
        r#"
import json, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open("test:///default")
kind = {kind:?}
out = []
for x in json.loads({inputs_json:?}):
    try:
        if kind == "network":
            o = c.networkDefineXML(x); out.append(["ok", o.XMLDesc(0)]); o.undefine()
        elif kind == "pool":
            o = c.storagePoolDefineXML(x); out.append(["ok", o.XMLDesc(0)]); o.undefine()
        elif kind == "volume":
            o = c.storagePoolLookupByName("default-pool").createXML(x, 0)
            out.append(["ok", o.XMLDesc(0)]); o.delete(0)
        elif kind == "interface":
            o = c.interfaceDefineXML(x); out.append(["ok", o.XMLDesc(0)]); o.undefine()
    except libvirt.libvirtError as e:
        out.append(["err", e.get_error_code(), e.get_error_domain()])
print(json.dumps(out))
"#
    );
    let json = libvirt_python(&script)?;
    Some(
        json.as_array()
            .expect("array")
            .iter()
            .map(|v| {
                if v[0] == "ok" {
                    Ok(v[1].as_str().expect("xml").to_string())
                } else {
                    Err((v[1].as_i64().expect("code"), v[2].as_i64().expect("domain")))
                }
            })
            .collect(),
    )
}

/// The inputs of `tests/data/<kind>/`, as `(file name, text)`, sorted.
pub fn data_inputs(kind: &str) -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(kind);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("test data folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read_to_string(&p).expect("read"))
        })
        .collect();
    files.sort();
    files
}

/// Compares rvirt's answers with libvirt's for every input of `tests/data/<kind>/`:
/// same XML (UUIDs and MACs libvirt generated compared by format), or the same error code
/// and domain. Returns the mismatches.
pub fn compare_with_libvirt(
    kind: &str,
    rvirt: impl Fn(&str) -> rvirt_core::Result<String>,
) -> Vec<String> {
    let inputs = data_inputs(kind);
    assert!(!inputs.is_empty(), "no inputs for {kind}");
    let texts: Vec<String> = inputs.iter().map(|(_, t)| t.clone()).collect();
    let Some(answers) = libvirt_define_all(kind, &texts) else {
        return Vec::new();
    };
    assert_eq!(answers.len(), inputs.len(), "libvirt answered every input");
    let mut mismatches = Vec::new();
    for ((name, input), answer) in inputs.iter().zip(answers) {
        let ours = rvirt(input);
        match (answer, ours) {
            (Ok(expected), Ok(got)) => {
                let masks = rvirt_xml::corpus::Masks::for_input(input);
                if let Some(d) = rvirt_xml::corpus::first_difference(&expected, &got, &masks) {
                    mismatches.push(format!("{kind}/{name}: {d}"));
                }
            }
            (Err((code, domain)), Err(e)) => {
                if i64::from(e.code as i32) != code || i64::from(e.domain as i32) != domain {
                    mismatches.push(format!(
                        "{kind}/{name}: libvirt error {code}/{domain}, rvirt {}/{}: {}",
                        e.code as i32, e.domain as i32, e.message
                    ));
                }
            }
            (Ok(_), Err(e)) => mismatches.push(format!("{kind}/{name}: rvirt rejected: {e}")),
            (Err((code, _)), Ok(_)) => mismatches.push(format!(
                "{kind}/{name}: libvirt rejected (code {code}), rvirt accepted"
            )),
        }
    }
    mismatches
}
