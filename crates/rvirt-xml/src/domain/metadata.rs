//! `<metadata>`: kept verbatim, printed the way libvirt prints it (libxml2's own dump: double
//! quotes, children indented by two). As libvirt does, elements without a namespace are
//! dropped and only the first element of each namespace is kept.

use roxmltree::Node;

/// The metadata children laid out from depth 0, or `None` when nothing is kept.
pub fn format_metadata(md: Node<'_, '_>) -> Option<String> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = String::new();
    for child in md.children().filter(|c| c.is_element()) {
        let Some(ns) = child.tag_name().namespace() else {
            continue;
        };
        if seen.contains(&ns) {
            continue;
        }
        seen.push(ns);
        dump(child, 0, true, &mut out);
        out.push('\n');
    }
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}

fn qualified_name(node: Node<'_, '_>) -> String {
    let local = node.tag_name().name();
    match node.tag_name().namespace() {
        Some(ns) => match node.lookup_prefix(ns) {
            Some(prefix) if !prefix.is_empty() => format!("{prefix}:{local}"),
            _ => local.to_string(),
        },
        None => local.to_string(),
    }
}

fn dump(node: Node<'_, '_>, depth: usize, top: bool, out: &mut String) {
    let name = qualified_name(node);
    out.push('<');
    out.push_str(&name);
    // Namespaces declared on this element; the top element also carries its own.
    let mut declared: Vec<(Option<&str>, &str)> = Vec::new();
    let parent_ns: Vec<(Option<&str>, &str)> = match node.parent_element() {
        Some(p) if !top => p.namespaces().map(|n| (n.name(), n.uri())).collect(),
        _ => Vec::new(),
    };
    for ns in node.namespaces() {
        if ns.name() == Some("xml") {
            continue;
        }
        let pair = (ns.name(), ns.uri());
        if parent_ns.contains(&pair) {
            continue;
        }
        if top {
            // Only the namespaces the subtree uses travel with the copy.
            if !uses_namespace(node, ns.uri()) {
                continue;
            }
        }
        declared.push(pair);
    }
    for (prefix, uri) in declared {
        match prefix {
            Some(p) => out.push_str(&format!(" xmlns:{p}=\"")),
            None => out.push_str(" xmlns=\""),
        }
        escape_attr(uri, out);
        out.push('"');
    }
    for a in node.attributes() {
        out.push(' ');
        if let Some(ns) = a.namespace() {
            if let Some(prefix) = node.lookup_prefix(ns) {
                out.push_str(prefix);
                out.push(':');
            }
        }
        out.push_str(a.name());
        out.push_str("=\"");
        escape_attr(a.value(), out);
        out.push('"');
    }
    let children: Vec<Node<'_, '_>> = node
        .children()
        .filter(|c| c.is_element() || (c.is_text() && !c.text().unwrap_or("").trim().is_empty()))
        .collect();
    if children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    let has_text = children.iter().any(|c| c.is_text());
    if has_text {
        for c in &children {
            if c.is_text() {
                escape_text(c.text().unwrap_or(""), out);
            } else {
                dump(*c, 0, false, &mut *out);
            }
        }
    } else {
        for c in &children {
            out.push('\n');
            out.push_str(&"  ".repeat(depth + 1));
            dump(*c, depth + 1, false, out);
        }
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    }
    out.push_str("</");
    out.push_str(&name);
    out.push('>');
}

fn uses_namespace(node: Node<'_, '_>, uri: &str) -> bool {
    node.descendants().any(|d| {
        d.is_element()
            && (d.tag_name().namespace() == Some(uri)
                || d.attributes().any(|a| a.namespace() == Some(uri)))
    })
}

fn escape_attr(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}
