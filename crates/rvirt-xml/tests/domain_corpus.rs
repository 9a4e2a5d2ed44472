//! The golden domain corpus: every `<case>.in.xml` parsed and formatted must equal what real
//! libvirt 9.0 printed (`.out.xml` live, `.inactive.xml` inactive), and every `.err` case must
//! be rejected with the same error code. Cases listed in `domain-passing.txt` must keep passing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use rvirt_xml::corpus::DefineContext;
use rvirt_xml::domain::{DomainDef, FormatOptions, ParseOptions};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/domain")
}

/// Values libvirt generates at random (UUIDs and MAC addresses when the input has none) are
/// compared by shape: each is replaced by a placeholder on both sides when the input lacked it.
fn mask_generated(input: &str, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let input_has_uuid = input.contains("<uuid>");
    for line in text.lines() {
        let trimmed = line.trim_start();
        let masked = if !input_has_uuid && trimmed.starts_with("<uuid>") {
            line.replace(trimmed, "<uuid>GENERATED</uuid>")
        } else if let Some(rest) = trimmed.strip_prefix("<mac address='52:54:00:") {
            if rest.len() >= 8 && !input.contains(&format!("52:54:00:{}", &rest[..8])) {
                line.replace(&rest[..8], "xx:xx:xx")
            } else {
                line.to_string()
            }
        } else {
            line.to_string()
        };
        out.push_str(&masked);
        out.push('\n');
    }
    out
}

fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    for i in 0..e.len().max(a.len()) {
        let el = e.get(i).copied().unwrap_or("<EOF>");
        let al = a.get(i).copied().unwrap_or("<EOF>");
        if el != al {
            return format!("line {}: expected `{el}` got `{al}`", i + 1);
        }
    }
    "identical".to_string()
}

/// `{"code": N, ...}` without a JSON dependency.
fn err_code(json: &str) -> Option<i32> {
    let idx = json.find("\"code\"")?;
    let rest = &json[idx + 6..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

/// Defines the case into `test:///default`'s domains (`context`), as the corpus was made.
fn check_case(dir: &Path, case: &str, context: &DefineContext) -> Result<(), String> {
    let input =
        fs::read_to_string(dir.join(format!("{case}.in.xml"))).map_err(|e| e.to_string())?;
    let parsed = context.define_domain(&input);
    let err_path = dir.join(format!("{case}.err"));
    if err_path.exists() {
        let want = err_code(&fs::read_to_string(&err_path).map_err(|e| e.to_string())?);
        return match parsed {
            Ok(_) => Err(format!("accepted, libvirt rejects with code {want:?}")),
            Err(e) if Some(e.code as i32) == want => Ok(()),
            Err(e) => Err(format!(
                "code {} ({}), want {want:?}",
                e.code as i32, e.message
            )),
        };
    }
    let (live, inactive) = parsed.map_err(|e| format!("rejected: {}", e.message))?;
    for (suffix, formatted) in [("out.xml", live), ("inactive.xml", inactive)] {
        let expected =
            fs::read_to_string(dir.join(format!("{case}.{suffix}"))).map_err(|e| e.to_string())?;
        let expected = mask_generated(&input, &expected);
        if let Ok(dump) = std::env::var("DOMAIN_CORPUS_DUMP") {
            // Debugging aid: keep what was printed, to diff against the golden file.
            let _ = fs::create_dir_all(&dump);
            let _ = fs::write(
                Path::new(&dump).join(format!("{case}.{suffix}")),
                &formatted,
            );
        }
        let actual = mask_generated(&input, &formatted);
        if expected != actual {
            return Err(format!(
                "{suffix}: {}",
                first_difference(&expected, &actual)
            ));
        }
    }
    Ok(())
}

#[test]
fn domain_corpus() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "corpus directory {} missing",
            dir.display()
        );
        eprintln!("domain corpus not found at {}; skipping", dir.display());
        return;
    }
    let mut cases = BTreeSet::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if let Some(case) = name.strip_suffix(".in.xml") {
            cases.insert(case.to_string());
        }
    }
    let context = DefineContext::test_default().unwrap();
    let mut passed = BTreeSet::new();
    for case in &cases {
        match check_case(&dir, case, &context) {
            Ok(()) => {
                passed.insert(case.clone());
            }
            Err(why) => println!("FAIL {case}: {why}"),
        }
    }
    println!("domain: {}/{}", passed.len(), cases.len());

    let listed =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/domain-passing.txt"))
            .unwrap_or_default();
    let regressions: Vec<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|case| !passed.contains(*case))
        .collect();
    assert!(
        regressions.is_empty(),
        "cases that used to pass now fail: {regressions:?}"
    );
}

/// libvirt's own canonical outputs parse back to themselves: every `.inactive.xml` of the
/// domain corpus and of the QEMU corpus (whose documents carry the QEMU driver's defaults)
/// is a fixed point of parse + format. Prints the count; cases listed in
/// `domain-fixpoint-passing.txt` must keep passing.
#[test]
fn canonical_outputs_are_fixed_points() {
    let root = corpus_dir().join("..");
    if !root.is_dir() {
        return;
    }
    let mut total = 0;
    let mut passed = BTreeSet::new();
    for kind in ["domain", "qemu-define"] {
        let Ok(entries) = fs::read_dir(root.join(kind)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".inactive.xml"))
            .collect();
        names.sort();
        for name in names {
            let text = fs::read_to_string(root.join(kind).join(&name)).unwrap();
            total += 1;
            let case = format!("{kind}/{}", name.trim_end_matches(".inactive.xml"));
            let opts = FormatOptions {
                inactive: true,
                ..Default::default()
            };
            match DomainDef::parse_generic(&text, ParseOptions::default()) {
                Ok(def) => {
                    let got = def.format(opts);
                    if got == text {
                        passed.insert(case);
                    } else {
                        println!("FIXPOINT {case}: {}", first_difference(&text, &got));
                    }
                }
                Err(e) => println!("FIXPOINT {case}: rejected: {}", e.message),
            }
        }
    }
    println!("fixed points: {}/{total}", passed.len());
    let listed = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/domain-fixpoint-passing.txt"),
    )
    .unwrap_or_default();
    let regressions: Vec<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|case| !passed.contains(*case))
        .collect();
    assert!(
        regressions.is_empty(),
        "fixed points that used to hold now fail: {regressions:?}"
    );
}
