//! Formatting helpers shared by commands: vsh-style tables, human-readable capacities and
//! scaled integers.

use crate::ctl::Ctl;

/// A table printed the way virsh prints its lists: a header, a dashed line, and rows whose
/// cells are left-aligned with three spaces between columns.
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table's text; `quiet` drops the header and the line under it.
    pub fn render(&self, quiet: bool) -> String {
        let mut widths = vec![0usize; self.header.len()];
        let considered: Vec<&Vec<String>> = if quiet {
            self.rows.iter().collect()
        } else {
            std::iter::once(&self.header)
                .chain(self.rows.iter())
                .collect()
        };
        for row in &considered {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.chars().count());
                }
            }
        }
        let mut out = String::new();
        if !quiet {
            out.push_str(&render_row(&self.header, &widths));
            let dashes: usize = widths.iter().map(|w| w + 3).sum();
            out.push_str(&"-".repeat(dashes));
            out.push('\n');
        }
        for row in &self.rows {
            out.push_str(&render_row(row, &widths));
        }
        out
    }

    /// Prints the table (quiet mode leaves out the header).
    pub fn print(&self, ctl: &Ctl) {
        ctl.print(&self.render(ctl.quiet));
    }
}

fn render_row(cells: &[String], widths: &[usize]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        line.push(' ');
        line.push_str(cell);
        if i + 1 < cells.len() {
            let width = widths.get(i).copied().unwrap_or(0);
            let pad = width.saturating_sub(cell.chars().count()) + 2;
            line.push_str(&" ".repeat(pad));
        }
    }
    line.push('\n');
    line
}

/// A byte count with a binary unit, as `vshPrettyCapacity` prints it (`100.00 GiB`).
pub fn pretty_capacity(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.2} {}", UNITS[unit])
}

/// Parses an integer with an optional unit suffix the way libvirt's `virScaleInteger` reads
/// it: binary for `K`, `KiB`, `M`, ..., decimal for `KB`, `MB`, ...; `default_scale` applies to
/// a bare number.
pub fn parse_scaled(text: &str, default_scale: u64) -> Option<u64> {
    let digits_end = text
        .char_indices()
        .find(|(_, c)| !c.is_ascii_digit())
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    if digits_end == 0 {
        return None;
    }
    let number: u64 = text[..digits_end].parse().ok()?;
    let suffix = &text[digits_end..];
    let scale = if suffix.is_empty() {
        default_scale
    } else {
        scale_of(suffix)?
    };
    number.checked_mul(scale)
}

fn scale_of(suffix: &str) -> Option<u64> {
    let mut chars = suffix.chars();
    let first = chars.next()?.to_ascii_lowercase();
    let rest: String = chars.collect();
    let power = match first {
        'b' if rest.is_empty() => return Some(1),
        'k' => 1,
        'm' => 2,
        'g' => 3,
        't' => 4,
        'p' => 5,
        'e' => 6,
        _ => return None,
    };
    let base: u64 = match rest.as_str() {
        "" | "iB" | "ib" => 1024,
        "B" | "b" => 1000,
        _ => return None,
    };
    base.checked_pow(power)
}

/// `yes`/`no` as virsh prints booleans.
pub fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

/// Reads a file given to a command, with virsh's message when it cannot.
pub fn read_file(path: &str) -> Result<String, crate::ctl::Failure> {
    std::fs::read_to_string(path).map_err(|err| {
        let reason = strerror(&err);
        crate::ctl::Failure::msg(format!("Failed to open file '{path}': {reason}"))
    })
}

/// The C library's wording of an I/O error (without Rust's "(os error N)" suffix).
pub fn strerror(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(pos) => text[..pos].to_string(),
        None => text,
    }
}

/// How virsh reports a modifying operation on a network, pool or interface: `Noun NAME done`
/// on success, `Failed to VERB noun NAME` and the cause on failure.
pub fn report_action(
    ctl: &crate::ctl::Ctl,
    noun: &str,
    name: &str,
    done: &str,
    failed: &str,
    result: rvirt::Result<()>,
) -> crate::ctl::CmdResult {
    match result {
        Ok(()) => {
            ctl.print_extra(&format!("{noun} {name} {done}\n"));
            Ok(())
        }
        Err(e) => Err(crate::ctl::Failure::with(
            format!("Failed to {failed} {} {name}", noun.to_lowercase()),
            &e,
        )),
    }
}

/// How virsh reports `net-autostart` / `pool-autostart`.
pub fn report_autostart(
    ctl: &crate::ctl::Ctl,
    noun: &str,
    name: &str,
    enable: bool,
    result: rvirt::Result<()>,
) -> crate::ctl::CmdResult {
    let verb = if enable { "mark" } else { "unmark" };
    match result {
        Ok(()) => {
            ctl.print_extra(&format!("{noun} {name} {verb}ed as autostarted\n"));
            Ok(())
        }
        Err(e) => Err(crate::ctl::Failure::with(
            format!(
                "failed to {verb} {} {name} as autostarted",
                noun.to_lowercase()
            ),
            &e,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_layout() {
        let mut t = Table::new(&["Id", "Name", "State"]);
        t.row(vec!["1".into(), "test".into(), "running".into()]);
        assert_eq!(
            t.render(false),
            " Id   Name   State\n----------------------\n 1    test   running\n"
        );
        assert_eq!(t.render(true), " 1   test   running\n");
    }

    #[test]
    fn capacities() {
        assert_eq!(pretty_capacity(0), "0.00 B");
        assert_eq!(pretty_capacity(107374182400), "100.00 GiB");
        assert_eq!(pretty_capacity(16777216), "16.00 MiB");
    }

    #[test]
    fn scaled_integers() {
        assert_eq!(parse_scaled("1024", 1024), Some(1024 * 1024));
        assert_eq!(parse_scaled("10M", 1), Some(10 * 1024 * 1024));
        assert_eq!(parse_scaled("1GiB", 1), Some(1 << 30));
        assert_eq!(parse_scaled("1KB", 1), Some(1000));
        assert_eq!(parse_scaled("2b", 1024), Some(2));
        assert_eq!(parse_scaled("abc", 1), None);
        assert_eq!(parse_scaled("-5", 1), None);
        assert_eq!(parse_scaled("5x", 1), None);
    }
}
