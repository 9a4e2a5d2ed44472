//! Define post-parse compared with Debian's libvirtd 9.0 (QEMU 7.2) on the golden
//! `qemu-define` corpus: each `<case>.in.xml` is defined into one embedded driver and its
//! inactive XML compared byte for byte with `<case>.inactive.xml`, or the error code with
//! `<case>.err`.
//!
//! `qemu-define-passing.txt` lists the corpus cases that pass, so a case that passes never
//! regresses while the overall rate is printed.
//!
//! A second set, beyond the golden corpus, covers address assignment: PCI bus growth on both
//! chipsets, PCIe root ports and bridges, explicit addresses and their errors, USB2
//! companions, USB hubs, virtio-serial ports. `tests/data/define/generate.py` recorded each
//! `NAME.in.xml` -> `NAME.inactive.xml` (or `NAME.err`) from a private libvirtd; every case
//! of that set must match.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rvirt::{Connect, DomainUndefineFlags, DomainXmlFlags};

/// Where libvirtd kept its NVRAM files when the corpus was recorded.
const LIBVIRT_NVRAM_DIR: &str = "/var/lib/libvirt/qemu/nvram";

fn under_ci() -> bool {
    rvirt_testkit::under_ci()
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/qemu-define")
}

fn passing_list_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/qemu-define-passing.txt")
}

/// The first line where two texts differ, for the failure summary.
fn first_difference(expected: &str, actual: &str) -> String {
    let mut exp = expected.lines();
    let mut act = actual.lines();
    let mut line = 1;
    loop {
        match (exp.next(), act.next()) {
            (None, None) => return "identical lines (trailing whitespace differs)".into(),
            (e, a) if e == a => line += 1,
            (e, a) => {
                return format!(
                    "line {line}: expected {:?}, got {:?}",
                    e.unwrap_or("<end>"),
                    a.unwrap_or("<end>")
                )
            }
        }
    }
}

/// The `<uuid>` line of a document.
fn uuid_line(xml: &str) -> Option<&str> {
    xml.lines().find(|l| l.trim_start().starts_with("<uuid>"))
}

/// libvirt's `{"code": N, ...}` error record.
fn expected_error_code(text: &str) -> Option<i32> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value.get("code")?.as_i64().map(|c| c as i32)
}

/// Runs one case; `Err` carries why it differs.
fn run_case(conn: &Connect, dir: &Path, case: &str, nvram_dir: &str) -> Result<(), String> {
    let input = std::fs::read_to_string(dir.join(format!("{case}.in.xml"))).unwrap();
    let err_path = dir.join(format!("{case}.err"));
    let hv = &conn.hypervisor;
    let defined = hv.domain_define_xml(&input, Default::default());
    if err_path.exists() {
        let want = expected_error_code(&std::fs::read_to_string(&err_path).unwrap());
        return match defined {
            Ok(dom) => {
                let _ = hv.domain_undefine(&dom, DomainUndefineFlags::NVRAM);
                Err(format!("expected error code {want:?}, define succeeded"))
            }
            Err(e) if Some(e.code as i32) == want => Ok(()),
            Err(e) => Err(format!(
                "expected error code {want:?}, got {} ({})",
                e.code as i32, e.message
            )),
        };
    }
    let expected = std::fs::read_to_string(dir.join(format!("{case}.inactive.xml")))
        .unwrap()
        .replace(LIBVIRT_NVRAM_DIR, nvram_dir);
    let dom = defined.map_err(|e| format!("define failed: {}", e.message))?;
    let actual = hv.domain_get_xml_desc(&dom, DomainXmlFlags::INACTIVE);
    let _ = hv.domain_undefine(&dom, DomainUndefineFlags::NVRAM);
    let actual = actual.map_err(|e| format!("XMLDesc failed: {}", e.message))?;
    // A debugging aid: keep each output to diff by hand.
    if let Ok(out) = std::env::var("RVIRT_QEMU_DEFINE_OUT") {
        let _ = std::fs::write(Path::new(&out).join(format!("{case}.xml")), &actual);
    }
    // Without a <uuid> in the input, libvirt and rvirt each generate a random one.
    let expected = match (
        input.contains("<uuid>"),
        uuid_line(&expected),
        uuid_line(&actual),
    ) {
        (false, Some(want), Some(got)) => expected.replacen(want, got, 1),
        _ => expected,
    };
    if actual == expected {
        Ok(())
    } else {
        Err(first_difference(&expected, &actual))
    }
}

/// The cases of a folder: every `NAME.in.xml`, sorted.
fn case_names(dir: &Path) -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".in.xml").map(str::to_string)
        })
        .collect();
    cases.sort();
    cases
}

/// An embedded QEMU driver on a temporary root.
fn embedded_driver() -> (tempfile::TempDir, Connect) {
    let root = tempfile::tempdir().unwrap();
    let conn = Connect::open(Some(&format!(
        "qemu:///embed?root={}",
        root.path().display()
    )))
    .unwrap();
    (root, conn)
}

/// Where the embedded driver keeps NVRAM files.
fn nvram_dir(root: &Path) -> String {
    root.join("lib/qemu/nvram").display().to_string()
}

#[test]
fn define_addresses_match_libvirtd() {
    if !common::qemu_available() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/define");
    let cases = case_names(&dir);
    assert!(!cases.is_empty(), "no cases in {}", dir.display());
    let (root, conn) = embedded_driver();
    let nvram_dir = nvram_dir(root.path());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            run_case(&conn, &dir, case, &nvram_dir)
                .err()
                .map(|why| format!("{case}: {why}"))
        })
        .collect();
    println!(
        "define addresses: {}/{}",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "differences from libvirtd:\n{}",
        failures.join("\n")
    );
}

#[test]
fn qemu_define_corpus() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        assert!(!under_ci(), "corpus missing at {}", dir.display());
        eprintln!("note: corpus missing at {}; skipping", dir.display());
        return;
    }
    if !common::qemu_available() {
        return;
    }
    let cases = case_names(&dir);
    let (root, conn) = embedded_driver();
    let nvram_dir = nvram_dir(root.path());

    let mut passed = BTreeSet::new();
    for case in &cases {
        match run_case(&conn, &dir, case, &nvram_dir) {
            Ok(()) => {
                passed.insert(case.clone());
            }
            Err(why) => println!("FAIL {case}: {why}"),
        }
    }
    println!("qemu-define: {}/{}", passed.len(), cases.len());

    if std::env::var("RVIRT_WRITE_PASSING").is_ok() {
        let list: String = passed.iter().map(|c| format!("{c}\n")).collect();
        std::fs::write(passing_list_path(), list).unwrap();
    }
    let listed = std::fs::read_to_string(passing_list_path()).unwrap_or_default();
    let regressions: Vec<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !passed.contains(*l))
        .collect();
    assert!(
        regressions.is_empty(),
        "cases listed in qemu-define-passing.txt no longer pass: {regressions:?}"
    );
}
