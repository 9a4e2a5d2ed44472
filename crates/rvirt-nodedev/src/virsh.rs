//! Output of `virsh nodedev-list` as virsh prints it (tools/virsh-nodedev.c), so the CLI and
//! the comparison tests share one implementation.

/// virsh's order for node devices: names compared ignoring ASCII case.
fn by_name_ignoring_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// `virsh nodedev-list`: names sorted, one per line, then virsh's closing blank line.
pub fn format_list(names: &[String]) -> String {
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort_by(|a, b| by_name_ignoring_case(a, b));
    let mut out = String::new();
    for n in sorted {
        out.push_str(n);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// `virsh nodedev-list --tree` from `(name, parent)` pairs: devices sorted by name, each
/// root (`computer`, or a device whose parent is unknown) printed with its subtree in
/// virsh's ASCII layout, then virsh's closing blank line.
pub fn format_tree(devices: &[(String, Option<String>)]) -> String {
    let mut devs: Vec<(String, Option<String>)> = devices.to_vec();
    devs.sort_by(|a, b| by_name_ignoring_case(&a.0, &b.0));
    // virsh does not ask for the parent of "computer".
    for d in devs.iter_mut() {
        if d.0 == "computer" {
            d.1 = None;
        }
    }
    let mut out = String::new();
    for i in 0..devs.len() {
        if devs[i].1.is_none() {
            let mut indent = String::new();
            print_node(&devs, i, i, true, &mut indent, &mut out);
        }
    }
    out.push('\n');
    out
}

fn print_node(
    devs: &[(String, Option<String>)],
    id: usize,
    last: usize,
    root: bool,
    indent: &mut String,
    out: &mut String,
) {
    let name = &devs[id].0;
    out.push_str(indent);
    if !root {
        out.push_str("+- ");
    }
    out.push_str(name);
    out.push('\n');
    if !root {
        indent.push(if id == last { ' ' } else { '|' });
        indent.push(' ');
    }
    let children: Vec<usize> = (0..devs.len())
        .filter(|i| devs[*i].1.as_deref() == Some(name.as_str()))
        .collect();
    let next_last = children.last().copied();
    if next_last.is_some() {
        out.push_str(indent);
        out.push_str("  |\n");
    }
    indent.push_str("  ");
    for c in &children {
        print_node(
            devs,
            *c,
            next_last.unwrap_or(usize::MAX),
            false,
            indent,
            out,
        );
    }
    if indent.ends_with("  ") {
        indent.truncate(indent.len() - 2);
    }
    if next_last.is_none() && id == last {
        out.push_str(indent);
        out.push('\n');
    }
    if !root {
        indent.truncate(indent.len().saturating_sub(2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_order_ignores_case() {
        let names = vec![
            "block_sdb".to_string(),
            "block_sda_X".to_string(),
            "block_sda_a".to_string(),
        ];
        assert_eq!(
            format_list(&names),
            "block_sda_a\nblock_sda_X\nblock_sdb\n\n"
        );
    }

    #[test]
    fn tree_layout() {
        let devs = vec![
            ("computer".to_string(), None),
            ("pci_a".to_string(), Some("computer".to_string())),
            ("block_x".to_string(), Some("pci_a".to_string())),
            ("pci_b".to_string(), Some("computer".to_string())),
        ];
        assert_eq!(
            format_tree(&devs),
            "computer\n  |\n  +- pci_a\n  |   |\n  |   +- block_x\n  |     \n  +- pci_b\n    \n\n"
        );
    }
}
