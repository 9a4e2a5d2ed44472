//! Help pages are written in rvirt's own words, so they are not compared with virsh's
//! text. What scripts and users rely on is compared instead: for every command both shells
//! know, the page's sections, the command name, the synopsis and the option names.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic on setup failures

use std::process::Command;

fn output(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(["-c", "test:///default"])
        .args(args)
        .env_remove("LIBVIRT_DEFAULT_URI")
        .env("LC_ALL", "C")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Command names listed by `help` (lines `    NAME   summary` under a group header).
fn command_names(listing: &str) -> Vec<String> {
    listing
        .lines()
        .filter(|l| l.starts_with("    "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The parts of a help page that are not prose: section headers, the name before ` - `,
/// the synopsis and each option's left column (up to the two blanks before its text).
/// rvirt's own `--json` extension is left out.
fn skeleton(page: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut section = "";
    for line in page.lines() {
        if let Some(header) = line.strip_prefix("  ").filter(|h| !h.starts_with(' ')) {
            section = if header.is_empty() { section } else { header };
            parts.push(format!("section {header}"));
            continue;
        }
        let body = line.trim_start();
        if body.is_empty() {
            continue;
        }
        match section {
            "NAME" => parts.push(format!("name {}", body.split(" - ").next().unwrap_or(body))),
            "SYNOPSIS" => parts.push(format!("synopsis {}", body.replace(" [--json]", ""))),
            "OPTIONS" => {
                let left = body.split("  ").next().unwrap_or(body);
                if left != "--json" {
                    parts.push(format!("option {left}"));
                }
            }
            _ => {}
        }
    }
    // A page whose only option is `--json` has no OPTIONS section in virsh.
    if parts.last().map(String::as_str) == Some("section OPTIONS") {
        parts.pop();
    }
    parts
}

#[test]
fn help_pages_have_virsh_structure() {
    let virsh_ok = Command::new("virsh")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !virsh_ok {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "virsh is required under CI"
        );
        eprintln!("note: virsh not found; skipping the help structure test");
        return;
    }
    let rvirt = env!("CARGO_BIN_EXE_rvirt");
    let virsh_commands = command_names(&output("virsh", &["help"]));
    let ours = command_names(&output(rvirt, &["help"]));
    assert!(ours.len() > 50, "rvirt help lists too few commands");
    let mut compared = 0;
    let mut differences = Vec::new();
    for name in ours.iter().filter(|n| virsh_commands.contains(n)) {
        let expected = skeleton(&output("virsh", &["help", name]));
        let actual = skeleton(&output(rvirt, &["help", name]));
        compared += 1;
        if expected != actual {
            differences.push(format!("{name}:\n  virsh {expected:?}\n  rvirt {actual:?}"));
        }
        // `CMD --help` prints the same page as `help CMD`.
        let via_flag = skeleton(&output(rvirt, &[name, "--help"]));
        if via_flag != actual {
            differences.push(format!("{name} --help differs from help {name}"));
        }
    }
    eprintln!("help structure: {compared} commands compared");
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
