//! Differential test: every line of `differential-cases.txt` runs through the real `virsh`
//! (libvirt 9.0 with its in-process test driver) and through `rvirt`, both against
//! `test:///default`; stdout and exit status must be identical. stderr is compared and
//! reported, but not required to match.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on setup failures

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const CASES: &str = include_str!("differential-cases.txt");

struct Case {
    /// Top-level options (`-q`, `-r`) placed before the command string.
    options: Vec<String>,
    /// The command string, passed as one argument.
    command: String,
    /// `ARGV` lines: the command is split on blanks and passed as separate arguments
    /// (virsh's argv form, where `;` is not special).
    argv: bool,
}

fn parse_cases() -> Vec<Case> {
    CASES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut options = Vec::new();
            let (argv, mut rest) = match line.strip_prefix("ARGV ") {
                Some(tail) => (true, tail.trim_start()),
                None => (false, line),
            };
            while rest.starts_with('-') {
                let (word, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                options.push(word.to_string());
                rest = tail.trim_start();
            }
            Case {
                options,
                command: rest.to_string(),
                argv,
            }
        })
        .collect()
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
}

fn virsh_available() -> bool {
    Command::new("virsh")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
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
        if let Some(output) = run_once(program, case, tmp) {
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

fn run_once(program: &str, case: &Case, tmp: &Path) -> Option<Output> {
    let data = data_dir();
    let command = case
        .command
        .replace("@TMP@", &tmp.display().to_string())
        .replace("@DATA@", &data.display().to_string());
    let words: Vec<String> = if case.argv {
        command.split_whitespace().map(str::to_string).collect()
    } else {
        vec![command]
    };
    let mut child = Command::new(program)
        .arg("-c")
        .arg("test:///default")
        .args(&case.options)
        .args(&words)
        .current_dir(&data)
        .env_remove("LIBVIRT_DEFAULT_URI")
        .env("LC_ALL", "C")
        .env("LANG", "C")
        // An open, silent stdin: virsh's job watcher misbehaves when stdin is at EOF.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let stdin = child.stdin.take();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > LINE_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    drop(stdin);
    Some(Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    })
}

/// The test driver reports wall-clock time as CPU time: keep only its shape. `rvirt version`
/// adds one line of its own (`Using rvirt: X`), which virsh does not have: drop it.
fn normalise(text: &str) -> String {
    text.lines()
        .filter(|line| !line.starts_with("Using rvirt: "))
        .map(|line| match line.strip_prefix("CPU time:") {
            Some(value) if is_cpu_time(value.trim()) => {
                "CPU time:       <digits>.<digit>s".to_string()
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if text.ends_with('\n') { "\n" } else { "" }
}

/// `digits.digit` followed by `s`.
fn is_cpu_time(value: &str) -> bool {
    let Some(number) = value.strip_suffix('s') else {
        return false;
    };
    let Some((whole, fraction)) = number.split_once('.') else {
        return false;
    };
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.len() == 1
        && fraction.chars().all(|c| c.is_ascii_digit())
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
    if !virsh_available() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("virsh is required for the differential test under CI");
        }
        eprintln!("note: virsh not found; skipping the differential test");
        return;
    }
    let rvirt = env!("CARGO_BIN_EXE_rvirt");
    let cases = parse_cases();
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
        let prefix = if case.argv { "ARGV " } else { "" };
        let line = format!("{prefix}{} {}", case.options.join(" "), case.command);
        if same {
            identical += 1;
            if exp_err != act_err {
                stderr_diffs += 1;
                report.push_str(&format!("STDERR ONLY: {}\n", line.trim()));
                report.push_str(&show("virsh stderr", &exp_err));
                report.push_str(&show("rvirt stderr", &act_err));
            }
            continue;
        }
        report.push_str(&format!("DIFFERS: {}\n", line.trim()));
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
