//! `--xpath` of the dumpxml commands: a subset of XPath (location paths with `/` and `//`,
//! names, `*`, `@attr`, `@*`, `text()`, `.`, `..`, and `[N]`, `[@a]`, `[@a='v']`,
//! `[name]` predicates) evaluated over the document, and the results printed as virsh prints
//! them through libxml2 (elements re-indented with double-quoted attributes, attributes as
//! ` name="value"`, text as is; `--wrap` puts everything under `<nodes>`).

use roxmltree::{Document, Node};

use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::vsh::parser::ParsedCmd;

/// Prints an XML document, or what `--xpath` (and `--wrap`) select from it.
pub fn print_xml(ctl: &Ctl, cmd: &ParsedCmd, xml: &str) -> CmdResult {
    let Some(expr) = cmd.string("xpath")? else {
        ctl.print(xml);
        return Ok(());
    };
    match evaluate(xml, expr, cmd.has("wrap")) {
        Ok(text) => {
            ctl.print(&text);
            Ok(())
        }
        Err(XPathError::Invalid) => {
            // libxml2 complains on stderr and virsh carries on with an empty result.
            eprintln!("XPath error : Invalid expression");
            Ok(())
        }
        Err(XPathError::NotNodeSet) => Err(Failure::msg(format!(
            "internal error: Incorrect xpath '{expr}'"
        ))),
    }
}

/// Why an expression cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XPathError {
    /// libxml2 cannot parse it (virsh then prints libxml2's complaint and nothing else).
    Invalid,
    /// It parses but is not a node-set expression rvirt evaluates.
    NotNodeSet,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Axis {
    Child,
    Descendant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Test {
    Name(String),
    AnyElement,
    Attribute(String),
    AnyAttribute,
    Text,
    SelfNode,
    Parent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Predicate {
    Position(usize),
    HasAttr(String),
    AttrEquals(String, String),
    HasChild(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    axis: Axis,
    test: Test,
    predicates: Vec<Predicate>,
}

/// One selected item.
#[derive(Debug, Clone, Copy)]
enum Item<'a, 'i> {
    Node(Node<'a, 'i>),
    Attr(Node<'a, 'i>, &'a str, &'a str),
}

fn parse(expr: &str) -> Result<Vec<Step>, XPathError> {
    let expr = expr.trim();
    if expr.is_empty() {
        return Err(XPathError::Invalid);
    }
    let mut steps = Vec::new();
    let mut rest = expr;
    let mut axis = Axis::Child;
    if let Some(r) = rest.strip_prefix("//") {
        axis = Axis::Descendant;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('/') {
        rest = r;
    } else {
        // Relative paths start at the document root's element, as libxml2's context does.
        axis = Axis::Child;
    }
    loop {
        let (step_text, tail, next_axis) = split_step(rest)?;
        steps.push(parse_step(step_text, axis)?);
        match tail {
            None => break,
            Some(t) => {
                rest = t;
                axis = next_axis;
            }
        }
    }
    Ok(steps)
}

/// Splits off the first step (honouring brackets and quotes).
fn split_step(text: &str) -> Result<(&str, Option<&str>, Axis), XPathError> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => depth = depth.checked_sub(1).ok_or(XPathError::Invalid)?,
            (None, '/') if depth == 0 => {
                let step = &text[..i];
                let after = &text[i + 1..];
                return Ok(match after.strip_prefix('/') {
                    Some(a) => (step, Some(a), Axis::Descendant),
                    None => (step, Some(after), Axis::Child),
                });
            }
            _ => {}
        }
    }
    if depth != 0 || quote.is_some() {
        return Err(XPathError::Invalid);
    }
    Ok((text, None, Axis::Child))
}

fn parse_step(text: &str, axis: Axis) -> Result<Step, XPathError> {
    let (head, preds) = match text.find('[') {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    let test = match head {
        "" => return Err(XPathError::Invalid),
        "*" => Test::AnyElement,
        "@*" => Test::AnyAttribute,
        "text()" => Test::Text,
        "." => Test::SelfNode,
        ".." => Test::Parent,
        h if h.contains('(') => return Err(XPathError::NotNodeSet),
        h => match h.strip_prefix('@') {
            Some(a) if is_name(a) => Test::Attribute(a.to_string()),
            None if is_name(h) => Test::Name(h.to_string()),
            _ => return Err(XPathError::Invalid),
        },
    };
    let mut predicates = Vec::new();
    let mut rest = preds;
    while !rest.is_empty() {
        let inner_end = rest.find(']').ok_or(XPathError::Invalid)?;
        let inner = rest[1..inner_end].trim();
        predicates.push(parse_predicate(inner)?);
        rest = &rest[inner_end + 1..];
        if !rest.is_empty() && !rest.starts_with('[') {
            return Err(XPathError::Invalid);
        }
    }
    Ok(Step {
        axis,
        test,
        predicates,
    })
}

fn parse_predicate(text: &str) -> Result<Predicate, XPathError> {
    if let Ok(n) = text.parse::<usize>() {
        return Ok(Predicate::Position(n));
    }
    if let Some(attr) = text.strip_prefix('@') {
        if let Some((name, value)) = attr.split_once('=') {
            let value = value.trim();
            let unquoted = value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
                .ok_or(XPathError::NotNodeSet)?;
            return Ok(Predicate::AttrEquals(
                name.trim().to_string(),
                unquoted.to_string(),
            ));
        }
        if is_name(attr) {
            return Ok(Predicate::HasAttr(attr.to_string()));
        }
    }
    if is_name(text) {
        return Ok(Predicate::HasChild(text.to_string()));
    }
    Err(XPathError::NotNodeSet)
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
        && !text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
}

/// Evaluates `expr` over `xml` and renders the result as virsh prints it.
pub fn evaluate(xml: &str, expr: &str, wrap: bool) -> Result<String, XPathError> {
    let steps = parse(expr)?;
    let doc = Document::parse(xml).map_err(|_| XPathError::NotNodeSet)?;
    let absolute = expr.trim_start().starts_with('/');
    let start = if absolute {
        doc.root()
    } else {
        doc.root_element()
    };
    let mut current: Vec<Item> = vec![Item::Node(start)];
    for step in &steps {
        let mut next: Vec<Item> = Vec::new();
        for item in &current {
            let Item::Node(node) = item else { continue };
            let candidates: Vec<Node> = match step.axis {
                Axis::Child => vec![*node],
                Axis::Descendant => node.descendants().collect(),
            };
            for base in candidates {
                let mut matched = select(base, &step.test);
                apply_predicates(&mut matched, &step.predicates);
                for m in matched {
                    if !contains(&next, &m) {
                        next.push(m);
                    }
                }
            }
        }
        // A node-set comes out in document order (roxmltree ids follow it).
        next.sort_by_key(document_position);
        current = next;
    }
    Ok(render(&current, wrap))
}

fn document_position(item: &Item) -> (usize, usize) {
    match item {
        Item::Node(node) => (node.id().get_usize(), 0),
        Item::Attr(node, name, _) => {
            let index = node
                .attributes()
                .position(|a| a.name() == *name)
                .unwrap_or(0);
            (node.id().get_usize(), index + 1)
        }
    }
}

fn same(a: &Item, b: &Item) -> bool {
    match (a, b) {
        (Item::Node(x), Item::Node(y)) => x.id() == y.id(),
        (Item::Attr(x, n1, _), Item::Attr(y, n2, _)) => x.id() == y.id() && n1 == n2,
        _ => false,
    }
}

fn contains(items: &[Item], item: &Item) -> bool {
    items.iter().any(|i| same(i, item))
}

fn select<'a, 'i>(base: Node<'a, 'i>, test: &Test) -> Vec<Item<'a, 'i>> {
    match test {
        Test::Name(name) => base
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == name)
            .map(Item::Node)
            .collect(),
        Test::AnyElement => base
            .children()
            .filter(|c| c.is_element())
            .map(Item::Node)
            .collect(),
        Test::Text => base
            .children()
            .filter(|c| c.is_text())
            .map(Item::Node)
            .collect(),
        Test::Attribute(name) => base
            .attributes()
            .filter(|a| a.name() == name)
            .map(|a| Item::Attr(base, a.name(), a.value()))
            .collect(),
        Test::AnyAttribute => base
            .attributes()
            .map(|a| Item::Attr(base, a.name(), a.value()))
            .collect(),
        Test::SelfNode => vec![Item::Node(base)],
        Test::Parent => base.parent().map(Item::Node).into_iter().collect(),
    }
}

fn apply_predicates(items: &mut Vec<Item>, predicates: &[Predicate]) {
    for p in predicates {
        let kept: Vec<Item> = items
            .iter()
            .enumerate()
            .filter(|(i, item)| match (p, item) {
                (Predicate::Position(n), _) => i + 1 == *n,
                (Predicate::HasAttr(a), Item::Node(node)) => node.has_attribute(a.as_str()),
                (Predicate::AttrEquals(a, v), Item::Node(node)) => {
                    node.attribute(a.as_str()) == Some(v.as_str())
                }
                (Predicate::HasChild(c), Item::Node(node)) => node
                    .children()
                    .any(|ch| ch.is_element() && ch.tag_name().name() == c),
                _ => false,
            })
            .map(|(_, item)| *item)
            .collect();
        *items = kept;
    }
}

fn escape_attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
        .replace('\n', "&#10;")
}

fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An element as libxml2 formats it: one child element per line, two more spaces each level.
fn element_text(node: Node, indent: usize, out: &mut String) {
    let name = node.tag_name().name();
    out.push('<');
    out.push_str(name);
    for a in node.attributes() {
        out.push_str(&format!(" {}=\"{}\"", a.name(), escape_attr(a.value())));
    }
    let children: Vec<Node> = node
        .children()
        .filter(|c| c.is_element() || (c.is_text() && !c.text().unwrap_or("").trim().is_empty()))
        .collect();
    if children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    let only_text = children.iter().all(|c| c.is_text());
    if only_text {
        for c in children {
            out.push_str(&escape_text(c.text().unwrap_or("")));
        }
    } else {
        for c in children {
            out.push('\n');
            out.push_str(&" ".repeat(indent + 2));
            if c.is_element() {
                element_text(c, indent + 2, out);
            } else {
                out.push_str(&escape_text(c.text().unwrap_or("")));
            }
        }
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push_str(&format!("</{name}>"));
}

fn render(items: &[Item], wrap: bool) -> String {
    let mut out = String::new();
    if wrap {
        let attrs: Vec<&Item> = items
            .iter()
            .filter(|i| matches!(i, Item::Attr(..)))
            .collect();
        let nodes: Vec<&Item> = items
            .iter()
            .filter(|i| matches!(i, Item::Node(_)))
            .collect();
        out.push_str("<nodes");
        for a in attrs {
            if let Item::Attr(_, n, v) = a {
                out.push_str(&format!(" {n}=\"{}\"", escape_attr(v)));
            }
        }
        if nodes.is_empty() {
            out.push_str("/>\n");
            return out;
        }
        out.push('>');
        for n in nodes {
            if let Item::Node(node) = n {
                out.push_str("\n  ");
                if node.is_element() {
                    element_text(*node, 2, &mut out);
                } else {
                    out.push_str(&escape_text(node.text().unwrap_or("")));
                }
            }
        }
        out.push_str("\n</nodes>\n");
        return out;
    }
    for item in items {
        match item {
            Item::Node(node) if node.is_element() => element_text(*node, 0, &mut out),
            Item::Node(node) => out.push_str(node.text().unwrap_or("")),
            Item::Attr(_, n, v) => out.push_str(&format!(" {n}=\"{}\"", escape_attr(v))),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = "<domain type='test' id='1'>\n  <name>vm</name>\n  <devices>\n    <disk type='file'>\n      <source file='/a.img'/>\n      <target dev='vda'/>\n    </disk>\n    <disk type='block'>\n      <source dev='/dev/b'/>\n    </disk>\n  </devices>\n</domain>\n";

    #[test]
    fn paths_and_predicates() {
        assert_eq!(
            evaluate(XML, "/domain/name", false).unwrap(),
            "<name>vm</name>\n"
        );
        assert_eq!(
            evaluate(XML, "//disk/source/@file", false).unwrap(),
            " file=\"/a.img\"\n"
        );
        assert_eq!(
            evaluate(XML, "//disk[@type='block']/source", false).unwrap(),
            "<source dev=\"/dev/b\"/>\n"
        );
        assert_eq!(
            evaluate(XML, "/domain/devices/disk[1]", false).unwrap(),
            "<disk type=\"file\">\n  <source file=\"/a.img\"/>\n  <target dev=\"vda\"/>\n</disk>\n"
        );
        assert_eq!(evaluate(XML, "/domain/name/text()", false).unwrap(), "vm\n");
        assert_eq!(evaluate(XML, "//nothing", false).unwrap(), "");
    }

    #[test]
    fn wrapping_and_errors() {
        assert_eq!(
            evaluate(XML, "/domain/name", true).unwrap(),
            "<nodes>\n  <name>vm</name>\n</nodes>\n"
        );
        assert_eq!(
            evaluate(XML, "//source/@file", true).unwrap(),
            "<nodes file=\"/a.img\"/>\n"
        );
        assert_eq!(
            evaluate(XML, "count(//disk)", false),
            Err(XPathError::NotNodeSet)
        );
        assert_eq!(evaluate(XML, "bad[", false), Err(XPathError::Invalid));
    }
}
