//! Every case listed in `tests/corpus-passing.txt` (`kind/case` lines) must keep passing the
//! golden-corpus checker. Regenerate the list with
//! `cargo run -p rvirt-xml --bin corpus -- ../shared/corpus` (see the crate's corpus module).

mod common;

use std::collections::BTreeMap;

use rvirt_xml::corpus::run_root;

#[test]
fn listed_corpus_cases_still_pass() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let list = include_str!("corpus-passing.txt");
    let report = run_root(&dir).expect("corpus readable");
    let results: BTreeMap<String, _> = report.results.iter().map(|r| (r.id(), r)).collect();
    let mut regressions = Vec::new();
    for id in list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        match results.get(id) {
            Some(r) if r.passed => {}
            Some(r) => regressions.push(format!("{id}: {}", r.detail.as_deref().unwrap_or(""))),
            None => regressions.push(format!("{id}: case missing from the corpus")),
        }
    }
    assert!(
        regressions.is_empty(),
        "{} listed corpus cases regressed:\n{}",
        regressions.len(),
        regressions.join("\n")
    );
}

/// Every corpus document libvirt rejects is rejected by rvirt with libvirt's exact message,
/// not only its code.
#[test]
fn rejected_corpus_cases_have_libvirts_messages() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let report = run_root(&dir).expect("corpus readable");
    let differing: Vec<String> = report
        .results
        .iter()
        .filter(|r| r.message_matches == Some(false))
        .map(|r| format!("{}: {}", r.id(), r.detail.as_deref().unwrap_or("")))
        .collect();
    assert!(differing.is_empty(), "{}", differing.join("\n"));
}
