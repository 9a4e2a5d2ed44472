//! Foreign XML kept as a tree and printed the way libxml2's `xmlNodeDump` prints it with
//! formatting on, which is how libvirt prints `<metadata>`: double-quoted attributes,
//! whitespace-only text dropped, element-only content one child per line indented by two
//! spaces per level, mixed content inline and verbatim.

use roxmltree::Node;

use crate::writer::XmlWriter;

/// `(prefix, uri)` of a namespace declaration; `None` is the default namespace.
pub type NsDecl = (Option<String>, String);

/// A copied XML node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlNode {
    Element {
        /// Qualified name (`prefix:local`).
        name: String,
        /// Namespace declarations written on this element.
        ns_decls: Vec<NsDecl>,
        /// Qualified attribute names and values.
        attrs: Vec<(String, String)>,
        children: Vec<XmlNode>,
    },
    Text(String),
    Comment(String),
}

fn qualified_name(node: Node<'_, '_>) -> String {
    let local = node.tag_name().name();
    match node.tag_name().namespace() {
        Some(ns) => match node.lookup_prefix(ns) {
            Some(p) if !p.is_empty() => format!("{p}:{local}"),
            _ => local.to_string(),
        },
        None => local.to_string(),
    }
}

fn is_blank_text(node: Node<'_, '_>) -> bool {
    node.is_text()
        && node
            .text()
            .unwrap_or("")
            .chars()
            .all(|c| c.is_ascii_whitespace())
}

/// Whether libxml2, parsing without keeping blanks as libvirt does, drops this text node
/// (its `areBlanks` heuristic): whitespace survives under `xml:space='preserve'`, after
/// non-blank text in the same element (the element is then mixed content), when it is the
/// element's only content, or right after another text node.
fn is_ignorable_blank(node: Node<'_, '_>) -> bool {
    if !is_blank_text(node) {
        return false;
    }
    if space_preserved(node) {
        return false;
    }
    let mut earlier = std::iter::successors(node.prev_sibling(), |n| n.prev_sibling());
    if earlier.any(|s| s.is_text() && !is_blank_text(s)) {
        return false;
    }
    if node.prev_sibling().is_none() && node.next_sibling().is_none() {
        return false;
    }
    !node.prev_sibling().is_some_and(|p| p.is_text())
}

/// The nearest `xml:space` in scope says `preserve`.
fn space_preserved(node: Node<'_, '_>) -> bool {
    const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
    node.ancestors()
        .filter(|a| a.is_element())
        .find_map(|a| a.attribute((XML_NS, "space")))
        == Some("preserve")
}

/// Namespace declarations in scope at a node.
fn scope(node: Option<Node<'_, '_>>) -> Vec<NsDecl> {
    node.map(|n| {
        n.namespaces()
            .map(|ns| (ns.name().map(str::to_string), ns.uri().to_string()))
            .collect()
    })
    .unwrap_or_default()
}

/// Namespaces used by the elements and attributes of a subtree, in order of first use.
fn used_namespaces(node: Node<'_, '_>, out: &mut Vec<NsDecl>) {
    if !node.is_element() {
        return;
    }
    let mut add = |uri: &str| {
        let prefix = node
            .lookup_prefix(uri)
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        let entry = (prefix, uri.to_string());
        if !out.contains(&entry) {
            out.push(entry);
        }
    };
    if let Some(ns) = node.tag_name().namespace() {
        add(ns);
    }
    for a in node.attributes() {
        if let Some(ns) = a.namespace() {
            add(ns);
        }
    }
    for c in node.children() {
        used_namespaces(c, out);
    }
}

impl XmlNode {
    /// Copies a node; an element declares the namespaces its parent does not provide.
    pub fn copy(node: Node<'_, '_>) -> Option<Self> {
        if node.is_text() {
            return Some(XmlNode::Text(node.text().unwrap_or("").to_string()));
        }
        if node.is_comment() {
            return Some(XmlNode::Comment(node.text().unwrap_or("").to_string()));
        }
        if !node.is_element() {
            return None;
        }
        let parent_scope = scope(node.parent_element());
        let ns_decls = scope(Some(node))
            .into_iter()
            .filter(|e| !parent_scope.contains(e))
            .collect();
        Some(Self::copy_with_decls(node, ns_decls))
    }

    fn copy_with_decls(node: Node<'_, '_>, ns_decls: Vec<NsDecl>) -> Self {
        let attrs = node
            .attributes()
            .map(|a| {
                let prefix = a
                    .namespace()
                    .and_then(|ns| node.lookup_prefix(ns))
                    .filter(|p| !p.is_empty());
                let name = match prefix {
                    Some(p) => format!("{p}:{}", a.name()),
                    None => a.name().to_string(),
                };
                (name, a.value().to_string())
            })
            .collect();
        let children = node
            .children()
            .filter(|c| !is_ignorable_blank(*c))
            .filter_map(XmlNode::copy)
            .collect();
        XmlNode::Element {
            name: qualified_name(node),
            ns_decls,
            attrs,
            children,
        }
    }

    /// Serializes at nesting `level` (used for the indentation of formatted children).
    pub fn dump(&self, level: usize, format: bool, out: &mut String) {
        match self {
            XmlNode::Text(t) => escape_text(out, t),
            XmlNode::Comment(c) => {
                out.push_str("<!--");
                out.push_str(c);
                out.push_str("-->");
            }
            XmlNode::Element {
                name,
                ns_decls,
                attrs,
                children,
            } => {
                out.push('<');
                out.push_str(name);
                for (prefix, uri) in ns_decls {
                    match prefix {
                        Some(p) => {
                            out.push_str(" xmlns:");
                            out.push_str(p);
                        }
                        None => out.push_str(" xmlns"),
                    }
                    out.push_str("=\"");
                    escape_attr(out, uri);
                    out.push('"');
                }
                for (k, v) in attrs {
                    out.push(' ');
                    out.push_str(k);
                    out.push_str("=\"");
                    escape_attr(out, v);
                    out.push('"');
                }
                if children.is_empty() {
                    out.push_str("/>");
                    return;
                }
                out.push('>');
                // libxml2 stops formatting inside an element that has text among its children.
                let format_children =
                    format && !children.iter().any(|c| matches!(c, XmlNode::Text(_)));
                for c in children {
                    if format_children {
                        out.push('\n');
                        out.push_str(&"  ".repeat(level + 1));
                    }
                    c.dump(level + 1, format_children, out);
                }
                if format_children {
                    out.push('\n');
                    out.push_str(&"  ".repeat(level));
                }
                out.push_str("</");
                out.push_str(name);
                out.push('>');
            }
        }
    }

    /// Writes the node on its own line at the writer's current depth.
    pub fn write(&self, w: &mut XmlWriter) {
        let mut out = "  ".repeat(w.depth());
        self.dump(w.depth(), true, &mut out);
        out.push('\n');
        w.raw(&out);
    }
}

/// The `<metadata>` element as libvirt keeps it: only children that are elements with a
/// namespace, and of several with the same namespace only the first
/// (`virXMLNodeSanitizeNamespaces`). `<metadata>` carries its own declarations plus those its
/// kept subtree inherits from outside it, as libxml2's node copy re-declares them.
pub fn metadata(node: Node<'_, '_>) -> XmlNode {
    let mut kept: Vec<Node<'_, '_>> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for c in node.children().filter(|c| c.is_element()) {
        let Some(ns) = c.tag_name().namespace() else {
            continue;
        };
        if seen.contains(&ns) {
            continue;
        }
        seen.push(ns);
        kept.push(c);
    }
    let outside = scope(node.parent_element());
    let mut needed = Vec::new();
    for c in &kept {
        used_namespaces(*c, &mut needed);
    }
    let mut ns_decls: Vec<NsDecl> = scope(Some(node))
        .into_iter()
        .filter(|e| !outside.contains(e))
        .collect();
    for e in needed.into_iter().filter(|e| outside.contains(e)) {
        if !ns_decls.contains(&e) {
            ns_decls.push(e);
        }
    }
    XmlNode::Element {
        name: "metadata".to_string(),
        ns_decls,
        attrs: Vec::new(),
        children: kept.into_iter().filter_map(XmlNode::copy).collect(),
    }
}

fn escape_text(out: &mut String, text: &str) {
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

fn escape_attr(out: &mut String, text: &str) {
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
