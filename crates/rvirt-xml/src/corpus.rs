//! Golden-corpus checker: runs rvirt's parsers and formatters over folders laid out like
//! `shared/corpus` (`<kind>/<case>.in.xml` with `.out.xml`, `.inactive.xml` or `.err`) and
//! reports, per case, whether rvirt printed what libvirt printed (or rejected the input with the
//! same error code).
//!
//! Values libvirt generates at random (a UUID when the input has no `<uuid>`, a MAC when an
//! `<interface>` has no `<mac address>`) are compared by format only.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::domain::{DomainDef, FormatOptions, ParseOptions};
use crate::interface::InterfaceDef;
use crate::network::NetworkDef;
use crate::secret::SecretDef;
use crate::storage::{PoolDef, VolumeDef, TEST_POOL_CAPACITY};
use crate::testdriver;

/// Kinds this checker knows, in report order.
pub const KINDS: &[&str] = &["domain", "network", "pool", "volume", "interface", "secret"];

/// Path of the test driver's default pool, where corpus volumes were created.
pub const TEST_DEFAULT_POOL_PATH: &str = "/default-pool";

/// Outcome of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    pub kind: String,
    pub case: String,
    pub passed: bool,
    /// Why it failed: the first differing line, or the error.
    pub detail: Option<String>,
    /// For a rejected case rvirt also rejects: whether the message equals libvirt's
    /// (`None` for accepted cases).
    pub message_matches: Option<bool>,
}

impl CaseResult {
    /// `kind/case`, the form used in `corpus-passing.txt`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.kind, self.case)
    }
}

/// Results of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub results: Vec<CaseResult>,
    /// Folders skipped because no checker exists for them (with a note).
    pub skipped: Vec<String>,
}

impl Report {
    /// `(passed, total)` per kind.
    pub fn per_kind(&self) -> BTreeMap<String, (usize, usize)> {
        let mut m: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for r in &self.results {
            let e = m.entry(r.kind.clone()).or_default();
            e.1 += 1;
            if r.passed {
                e.0 += 1;
            }
        }
        m
    }

    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed).count()
    }

    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }

    /// The printable report: per-kind rates, totals, then failures.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for note in &self.skipped {
            out.push_str(note);
            out.push('\n');
        }
        for (kind, (p, t)) in self.per_kind() {
            out.push_str(&format!("{kind}: {p}/{t}\n"));
        }
        out.push_str(&format!(
            "{} passed, {} failed\n",
            self.passed(),
            self.failed()
        ));
        let rejected: Vec<&CaseResult> = self
            .results
            .iter()
            .filter(|r| r.message_matches.is_some())
            .collect();
        if !rejected.is_empty() {
            let same = rejected
                .iter()
                .filter(|r| r.message_matches == Some(true))
                .count();
            out.push_str(&format!(
                "error messages equal to libvirt's: {same}/{}\n",
                rejected.len()
            ));
        }
        for r in &self.results {
            if !r.passed {
                out.push_str(&format!(
                    "FAIL {}: {}\n",
                    r.id(),
                    r.detail.as_deref().unwrap_or("")
                ));
            } else if r.message_matches == Some(false) {
                out.push_str(&format!(
                    "MESSAGE {}: {}\n",
                    r.id(),
                    r.detail.as_deref().unwrap_or("")
                ));
            }
        }
        out
    }
}

/// Checks every known kind under `root` (a folder containing `domain/`, `network/`, ...).
pub fn run_root(root: &Path) -> io::Result<Report> {
    let mut report = Report::default();
    let mut entries: Vec<PathBuf> = fs::read_dir(root)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    for dir in entries {
        let kind = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if KINDS.contains(&kind.as_str()) {
            report.results.extend(run_kind(&dir, &kind)?);
        } else {
            report.skipped.push(format!(
                "note: skipping {} (no checker for kind '{kind}')",
                dir.display()
            ));
        }
    }
    Ok(report)
}

/// Checks `path`: a corpus root (holding kind folders), or one kind folder itself
/// (`.../network`), recognised by its name.
pub fn run_path(path: &Path) -> io::Result<Report> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if KINDS.contains(&name.as_str()) {
        let has_cases = fs::read_dir(path)?
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().ends_with(".in.xml"));
        if has_cases {
            return Ok(Report {
                results: run_kind(path, &name)?,
                skipped: Vec::new(),
            });
        }
    }
    run_root(path)
}

/// Checks every case of one kind in `dir`.
pub fn run_kind(dir: &Path, kind: &str) -> io::Result<Vec<CaseResult>> {
    let mut cases: Vec<String> = fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_suffix(".in.xml")
                .map(str::to_string)
        })
        .collect();
    cases.sort();
    let context = DefineContext::test_default().map_err(|e| io::Error::other(e.message))?;
    let mut results = Vec::with_capacity(cases.len());
    for case in cases {
        results.push(check_case(dir, kind, &case, &context)?);
    }
    Ok(results)
}

/// What rvirt produced for an input.
enum Produced {
    /// Active and inactive XML (the inactive one only for domains).
    Xml(String, Option<String>),
    /// Rejected with this libvirt error code.
    Error(i32, String),
}

/// The domains `test:///default` holds when a corpus document is defined into it: libvirt's
/// built-in node's domains, running, with their live ids.
#[derive(Debug, Clone)]
pub struct DefineContext {
    pub domains: Vec<DomainDef>,
}

impl DefineContext {
    /// The domains of the built-in default node ([`testdriver::DEFAULT_NODE_XML`]).
    pub fn test_default() -> rvirt_core::Result<Self> {
        let mut domains = Vec::new();
        for node_domain in testdriver::node_domains(testdriver::DEFAULT_NODE_XML)? {
            let mut def = DomainDef::parse(node_domain.xml, ParseOptions::default())?;
            def.id = Some(node_domain.id);
            domains.push(def);
        }
        Ok(DefineContext { domains })
    }

    /// `defineXML` of `input` into this context: the new definition's live and inactive XML.
    /// Redefining a running domain leaves its live definition (and id) in place; the new one
    /// only becomes the persistent (inactive) definition.
    pub fn define_domain(&self, input: &str) -> rvirt_core::Result<(String, String)> {
        let def = DomainDef::parse(input, ParseOptions::default())?;
        let existing = testdriver::check_define_clash(
            "domain",
            rvirt_core::ErrorDomain::Domain,
            self.domains.iter().map(|d| (d.name.as_str(), &d.uuid)),
            &def.name,
            &def.uuid,
        )?;
        let inactive = def.format(FormatOptions {
            inactive: true,
            ..FormatOptions::default()
        });
        let live = match existing.map(|i| &self.domains[i]) {
            Some(running) if running.id.is_some() => running.format(FormatOptions::default()),
            _ => def.format(FormatOptions::default()),
        };
        Ok((live, inactive))
    }
}

fn produce(kind: &str, input: &str, context: &DefineContext) -> Produced {
    let result = match kind {
        "domain" => context
            .define_domain(input)
            .map(|(live, inactive)| (live, Some(inactive))),
        "network" => NetworkDef::parse(input).map(|n| (n.format(false), None)),
        "pool" => PoolDef::parse(input).map(|mut p| {
            p.apply_test_driver_defaults();
            (p.format(false), None)
        }),
        "volume" => VolumeDef::parse(input, "dir").and_then(|mut v| {
            v.apply_test_driver_create(TEST_DEFAULT_POOL_PATH, TEST_POOL_CAPACITY, 0)?;
            Ok((v.format("dir"), None))
        }),
        "interface" => InterfaceDef::parse(input).map(|i| (i.format(false), None)),
        "secret" => SecretDef::parse(input).map(|s| (s.format(), None)),
        _ => return Produced::Error(-1, format!("no checker for kind {kind}")),
    };
    match result {
        Ok((a, b)) => Produced::Xml(a, b),
        Err(e) => Produced::Error(e.code as i32, e.message),
    }
}

/// Extracts `"code": N` from the `.err` JSON without a JSON dependency.
fn error_code(json: &str) -> Option<i32> {
    let at = json.find("\"code\"")?;
    let rest = json[at + 6..].trim_start().strip_prefix(':')?.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '-'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Extracts the `"message"` string from the `.err` JSON (with its escapes decoded).
fn error_message(json: &str) -> Option<String> {
    let at = json.find("\"message\"")?;
    let rest = json[at + 9..].trim_start().strip_prefix(':')?.trim_start();
    let mut chars = rest.strip_prefix('"')?.chars();
    let mut out = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
}

fn check_case(
    dir: &Path,
    kind: &str,
    case: &str,
    context: &DefineContext,
) -> io::Result<CaseResult> {
    let input = fs::read_to_string(dir.join(format!("{case}.in.xml")))?;
    let err_path = dir.join(format!("{case}.err"));
    let out_path = dir.join(format!("{case}.out.xml"));
    let inactive_path = dir.join(format!("{case}.inactive.xml"));
    let produced = produce(kind, &input, context);
    let mut result = CaseResult {
        kind: kind.to_string(),
        case: case.to_string(),
        passed: false,
        detail: None,
        message_matches: None,
    };
    if err_path.exists() {
        let err_json = fs::read_to_string(&err_path)?;
        let expected = error_code(&err_json);
        match produced {
            Produced::Error(code, msg) if Some(code) == expected => {
                result.passed = true;
                let want = error_message(&err_json);
                let same = want.as_deref() == Some(msg.as_str());
                result.message_matches = Some(same);
                if !same {
                    result.detail = Some(format!(
                        "message {msg:?}, libvirt {:?}",
                        want.unwrap_or_default()
                    ));
                }
            }
            Produced::Error(code, msg) => {
                result.detail = Some(format!(
                    "expected error code {expected:?}, got code {code}: {msg}"
                ))
            }
            Produced::Xml(..) => {
                result.detail = Some(format!(
                    "expected error code {expected:?}, but it was accepted"
                ))
            }
        }
        return Ok(result);
    }
    let masks = Masks::for_input(&input);
    let (got, got_inactive) = match produced {
        Produced::Xml(a, b) => (a, b),
        Produced::Error(code, msg) => {
            result.detail = Some(format!("rejected (code {code}): {msg}"));
            return Ok(result);
        }
    };
    if out_path.exists() {
        let expected = fs::read_to_string(&out_path)?;
        if let Some(diff) = first_difference(&expected, &got, &masks) {
            result.detail = Some(format!("{case}.out.xml: {diff}"));
            return Ok(result);
        }
    }
    if inactive_path.exists() {
        let expected = fs::read_to_string(&inactive_path)?;
        let got = got_inactive.unwrap_or_default();
        if let Some(diff) = first_difference(&expected, &got, &masks) {
            result.detail = Some(format!("{case}.inactive.xml: {diff}"));
            return Ok(result);
        }
    }
    result.passed = true;
    Ok(result)
}

/// Which generated values are compared by format only.
#[derive(Debug, Clone, Copy, Default)]
pub struct Masks {
    pub uuid: bool,
    pub mac: bool,
}

impl Masks {
    /// Derives the masks from the input: no `<uuid>` means a generated UUID; an `<interface>`
    /// without `<mac address` means a generated MAC.
    pub fn for_input(input: &str) -> Self {
        let uuid = !input.contains("<uuid");
        let mac = match crate::parse::parse_document(input, "corpus", rvirt_core::ErrorDomain::None)
        {
            Ok(doc) => doc.descendants().any(|n| {
                n.is_element()
                    && n.tag_name().name() == "interface"
                    && n.parent_element()
                        .is_some_and(|p| p.tag_name().name() == "devices")
                    && !n.children().any(|c| {
                        c.is_element()
                            && c.tag_name().name() == "mac"
                            && c.attribute("address").is_some()
                    })
            }),
            Err(_) => false,
        };
        Masks { uuid, mac }
    }
}

fn is_uuid_text(t: &str) -> bool {
    t.len() == 36
        && t.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit() && !c.is_ascii_uppercase()
            }
        })
}

fn is_mac_text(t: &str) -> bool {
    t.len() == 17
        && t.char_indices().all(|(i, c)| {
            if i % 3 == 2 {
                c == ':'
            } else {
                c.is_ascii_hexdigit() && !c.is_ascii_uppercase()
            }
        })
}

/// Replaces generated values on a line by placeholders when they have the right format.
fn normalize_line(line: &str, masks: &Masks) -> String {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    if masks.uuid {
        if let Some(v) = trimmed
            .strip_prefix("<uuid>")
            .and_then(|r| r.strip_suffix("</uuid>"))
        {
            if is_uuid_text(v) {
                return format!("{indent}<uuid>UUID</uuid>");
            }
        }
    }
    if masks.mac {
        if let Some(v) = trimmed
            .strip_prefix("<mac address='")
            .and_then(|r| r.strip_suffix("'/>"))
        {
            if is_mac_text(v) {
                return format!("{indent}<mac address='MAC'/>");
            }
        }
    }
    line.to_string()
}

/// The first line where `got` differs from `expected` (after masking), or `None`.
pub fn first_difference(expected: &str, got: &str, masks: &Masks) -> Option<String> {
    let exp: Vec<&str> = expected.lines().collect();
    let got_lines: Vec<&str> = got.lines().collect();
    let n = exp.len().max(got_lines.len());
    for i in 0..n {
        let e = exp.get(i).map(|l| normalize_line(l, masks));
        let g = got_lines.get(i).map(|l| normalize_line(l, masks));
        if e != g {
            return Some(format!(
                "line {}: expected {:?}, got {:?}",
                i + 1,
                e.as_deref().unwrap_or("<end>"),
                g.as_deref().unwrap_or("<end>")
            ));
        }
    }
    if expected.ends_with('\n') != got.ends_with('\n') {
        return Some("trailing newline differs".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_code_extraction() {
        assert_eq!(
            error_code(r#"{"code": 67, "domain": 18, "message": "x"}"#),
            Some(67)
        );
        assert_eq!(error_code("{}"), None);
        assert_eq!(
            error_message(r#"{"code": 1, "message": "a \"b\"\n\u00e9"}"#).as_deref(),
            Some("a \"b\"\n\u{e9}")
        );
    }

    #[test]
    fn masks_apply_only_to_well_formed_values() {
        let m = Masks {
            uuid: true,
            mac: true,
        };
        assert!(first_difference(
            "  <uuid>6a0d5988-fc93-4f44-8d6c-5e3bf1617a79</uuid>\n",
            "  <uuid>c1af1b1f-df3f-4bf3-b294-620dfe244435</uuid>\n",
            &m
        )
        .is_none());
        assert!(first_difference(
            "  <uuid>6a0d5988-fc93-4f44-8d6c-5e3bf1617a79</uuid>\n",
            "  <uuid>x</uuid>\n",
            &m
        )
        .is_some());
        assert!(first_difference(
            "<mac address='52:54:00:00:00:01'/>\n",
            "<mac address='52:54:00:aa:00:01'/>\n",
            &m
        )
        .is_none());
    }
}
