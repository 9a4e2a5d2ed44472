//! Differential test: every line of `differential-cases.txt` runs through the real `virsh`
//! (libvirt 9.0 with its in-process test driver) and through `rvirt`, both against
//! `test:///default`; stdout and exit status must be identical. stderr is compared and
//! reported, but not required to match.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on setup failures

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use rvirt_testkit::cli_cases::{normalise, parse_cases, run_with_timeout, Case};

const CASES: &str = include_str!("differential-cases.txt");

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
}

/// How long one command line may take before it counts as hung (a line normally takes well
/// under a second; a short limit keeps retries of virsh's hang cheap).
const LINE_TIMEOUT: Duration = Duration::from_secs(4);

/// How many times a hung run is tried in all: virsh hangs about half the time on the affected
/// lines, so 16 attempts make a spurious failure vanishingly unlikely.
const ATTEMPTS: usize = 16;

/// Runs one line. virsh 9.0 sometimes hangs in the job watcher of `save`/`managedsave`
/// (a race in virsh itself, independent of rvirt), so a hung run is killed and retried.
fn run(program: &str, case: &Case, tmp: &Path) -> Output {
    for attempt in 1..=ATTEMPTS {
        // Each attempt starts from an empty temporary directory.
        let _ = std::fs::remove_dir_all(tmp);
        std::fs::create_dir_all(tmp).unwrap();
        let cmd = case.command(Path::new(program), "test:///default", tmp, &data_dir());
        if let Some(output) = run_with_timeout(cmd, LINE_TIMEOUT)
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
        {
            return output;
        }
        eprintln!(
            "note: {program} hung on '{}' (attempt {attempt}/{ATTEMPTS})",
            case.command
        );
    }
    Output {
        status: timed_out_status(),
        stdout: b"<timed out>".to_vec(),
        stderr: Vec::new(),
    }
}

fn timed_out_status() -> std::process::ExitStatus {
    // A status no real run produces here, so the line is reported as different.
    Command::new("sh")
        .args(["-c", "exit 124"])
        .status()
        .unwrap()
}

fn fresh_dir(root: &Path, index: usize) -> PathBuf {
    let dir = root.join(format!("case{index}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn show(label: &str, text: &str) -> String {
    let mut out = format!("    {label}:\n");
    for line in text.lines() {
        out.push_str(&format!("      |{line}\n"));
    }
    out
}

#[test]
fn differential_against_virsh() {
    if !rvirt_testkit::have_tool("virsh") {
        return rvirt_testkit::skip_or_fail("virsh (libvirt-clients) for the differential test");
    }
    let rvirt = env!("CARGO_BIN_EXE_rvirt");
    let cases = parse_cases(CASES);
    assert!(
        cases.len() >= 60,
        "the case list must keep at least 60 lines"
    );
    let root = tempfile::tempdir().unwrap();
    let mut identical = 0;
    let mut report = String::new();
    let mut stderr_diffs = 0;
    for (index, case) in cases.iter().enumerate() {
        // Same path for both runs: paths appear in the output.
        let tmp = fresh_dir(root.path(), index);
        let expected = run("virsh", case, &tmp);
        let tmp = fresh_dir(root.path(), index);
        let actual = run(rvirt, case, &tmp);
        let exp_out = normalise(&String::from_utf8_lossy(&expected.stdout));
        let act_out = normalise(&String::from_utf8_lossy(&actual.stdout));
        let exp_err = String::from_utf8_lossy(&expected.stderr).to_string();
        let act_err = String::from_utf8_lossy(&actual.stderr).to_string();
        let same = exp_out == act_out && expected.status.code() == actual.status.code();
        let line = case.line();
        if same {
            identical += 1;
            if exp_err != act_err {
                stderr_diffs += 1;
                report.push_str(&format!("STDERR ONLY: {}\n", line));
                report.push_str(&show("virsh stderr", &exp_err));
                report.push_str(&show("rvirt stderr", &act_err));
            }
            continue;
        }
        report.push_str(&format!("DIFFERS: {}\n", line));
        report.push_str(&format!(
            "    status: virsh {:?}, rvirt {:?}\n",
            expected.status.code(),
            actual.status.code()
        ));
        if exp_out != act_out {
            report.push_str(&show("virsh stdout", &exp_out));
            report.push_str(&show("rvirt stdout", &act_out));
        }
        if exp_err != act_err {
            report.push_str(&show("virsh stderr", &exp_err));
            report.push_str(&show("rvirt stderr", &act_err));
        }
    }
    eprintln!("{report}");
    eprintln!(
        "differential: {identical}/{} lines identical ({stderr_diffs} with different stderr)",
        cases.len()
    );
    println!("differential: {identical}/{} lines identical", cases.len());
    assert_eq!(
        identical,
        cases.len(),
        "rvirt's stdout or exit status differs from virsh's (see the report above)"
    );
}
