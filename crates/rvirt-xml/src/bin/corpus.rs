//! `corpus DIR...`: checks rvirt's XML formats against golden corpus folders and prints the
//! pass rate per kind, the totals, how many rejections carry libvirt's exact message, and the
//! first differing line of every failure (`MESSAGE` lines: rejected with the right code but
//! another text). Documents are defined into `test:///default`'s state (its running `test`
//! domain), as the corpus was made.
//! Always exits 0 unless a folder cannot be read (it is a report tool).
//! `--list-passing` prints only the passing cases as `kind/case` lines (the format of
//! `tests/corpus-passing.txt`).

use std::path::Path;
use std::process::ExitCode;

use rvirt_xml::corpus::{run_path, Report};

fn main() -> ExitCode {
    let mut list_passing = false;
    let dirs: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| {
            let flag = a == "--list-passing";
            list_passing |= flag;
            !flag
        })
        .collect();
    if dirs.is_empty() {
        eprintln!(
            "usage: corpus [--list-passing] DIR...  (a corpus root holding <kind>/ folders, or one <kind>/ folder)"
        );
        return ExitCode::from(2);
    }
    let mut all = Report::default();
    for dir in &dirs {
        match run_path(Path::new(dir)) {
            Ok(r) => {
                all.results.extend(r.results);
                all.skipped.extend(r.skipped);
            }
            Err(e) => {
                eprintln!("error: cannot read {dir}: {e}");
                return ExitCode::from(1);
            }
        }
    }
    if list_passing {
        let mut ids: Vec<String> = all
            .results
            .iter()
            .filter(|r| r.passed)
            .map(|r| r.id())
            .collect();
        ids.sort();
        for id in ids {
            println!("{id}");
        }
    } else {
        print!("{}", all.render());
    }
    ExitCode::SUCCESS
}
