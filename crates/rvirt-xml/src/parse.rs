//! Reading XML documents the way libvirt's `virXMLParse` does, on top of `roxmltree`, with
//! bounds on size and nesting so that no input can exhaust memory or the stack.

use roxmltree::{Document, Node, ParsingOptions};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

use crate::wellformed::{self, Diagnostic};

/// Largest document accepted (libvirt's RPC limits strings to 4 MiB per XML, we allow more
/// for local files but keep a bound).
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;
/// Largest number of nodes in one document.
pub const MAX_NODES: u32 = 1_000_000;
/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 256;

/// Parses `xml`, naming it `context` in errors (`domain_definition`, `network_definition`, ...)
/// and reporting them from `err_domain`, as libvirt does: malformed input is
/// `VIR_ERR_XML_DETAIL` with the line and a caret under the offending column.
pub fn parse_document<'a>(
    xml: &'a str,
    context: &str,
    err_domain: ErrorDomain,
) -> Result<Document<'a>> {
    if xml.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::xml(
            ErrorDomain::Xml,
            format!("document exceeds {MAX_DOCUMENT_BYTES} bytes"),
        ));
    }
    // Internal entities expand as libxml2 expands them, once their total is known to stay
    // within the size limit.
    if let Err(found) = crate::entities::check(xml, MAX_DOCUMENT_BYTES) {
        let diagnostic = Diagnostic {
            message: "Detected an entity reference loop".into(),
            offset: found.offset,
        };
        return Err(Error::raw(
            err_domain,
            ErrorCode::XmlDetail,
            wellformed::render(xml, context, &diagnostic),
        ));
    }
    let opts = ParsingOptions {
        allow_dtd: true,
        nodes_limit: MAX_NODES,
    };
    let doc = Document::parse_with_options(xml, opts).map_err(|e| {
        // libxml2's words and position when the mistake is one it is known to report;
        // roxmltree's otherwise, laid out the same way.
        let diagnostic = wellformed::diagnose(xml).unwrap_or_else(|| Diagnostic {
            message: describe(&e),
            offset: byte_offset(xml, e.pos()),
        });
        Error::raw(
            err_domain,
            ErrorCode::XmlDetail,
            wellformed::render(xml, context, &diagnostic),
        )
    })?;
    check_depth(doc.root_element(), err_domain)?;
    Ok(doc)
}

/// The byte offset of a roxmltree position (1-based row, 1-based column in characters).
fn byte_offset(xml: &str, pos: roxmltree::TextPos) -> usize {
    let mut line_start = 0;
    for _ in 1..pos.row {
        match xml[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return xml.len(),
        }
    }
    xml[line_start..]
        .char_indices()
        .nth(pos.col.saturating_sub(1) as usize)
        .map_or(xml.len(), |(i, _)| line_start + i)
}

fn describe(e: &roxmltree::Error) -> String {
    // roxmltree appends " at R:C" to its messages; the position is reported separately.
    let text = e.to_string();
    match text.rfind(" at ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn check_depth(root: Node<'_, '_>, err_domain: ErrorDomain) -> Result<()> {
    // Iterative walk: recursion here would be the very stack risk we guard against.
    let mut stack = vec![(root, 1usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(Error::xml(
                err_domain,
                format!("document nesting exceeds {MAX_DEPTH} levels"),
            ));
        }
        for child in node.children().filter(|c| c.is_element()) {
            stack.push((child, depth + 1));
        }
    }
    Ok(())
}

/// Checks the root element's name, with libvirt's error when it differs.
pub fn expect_root<'a, 'input>(doc: &'a Document<'input>, name: &str) -> Result<Node<'a, 'input>> {
    let root = doc.root_element();
    if root.tag_name().name() != name {
        return Err(Error::xml(
            ErrorDomain::Xml,
            format!(
                "expecting root element of '{name}', not '{}'",
                root.tag_name().name()
            ),
        ));
    }
    Ok(root)
}

/// Convenience accessors on elements, mirroring the XPath lookups libvirt's parsers make.
pub trait NodeExt<'a, 'input> {
    /// Attribute value, if present.
    fn attr(&self, name: &str) -> Option<&'a str>;
    /// First child element with this name.
    fn child(&self, name: &str) -> Option<Node<'a, 'input>>;
    /// All child elements with this name, in document order.
    fn children_named<'n>(&self, name: &'n str) -> Box<dyn Iterator<Item = Node<'a, 'input>> + 'n>
    where
        'a: 'n,
        'input: 'n;
    /// Child elements, in document order.
    fn elements(&self) -> Box<dyn Iterator<Item = Node<'a, 'input>> + 'a>;
    /// Text of the first child element with this name (`None` when absent; empty when the
    /// element is empty).
    fn child_text(&self, name: &str) -> Option<&'a str>;
    /// All text directly inside this element, concatenated.
    fn text_content(&self) -> String;
}

impl<'a, 'input: 'a> NodeExt<'a, 'input> for Node<'a, 'input> {
    fn attr(&self, name: &str) -> Option<&'a str> {
        self.attribute(name)
    }

    fn child(&self, name: &str) -> Option<Node<'a, 'input>> {
        self.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
    }

    fn children_named<'n>(&self, name: &'n str) -> Box<dyn Iterator<Item = Node<'a, 'input>> + 'n>
    where
        'a: 'n,
        'input: 'n,
    {
        Box::new(
            self.children()
                .filter(move |c| c.is_element() && c.tag_name().name() == name),
        )
    }

    fn elements(&self) -> Box<dyn Iterator<Item = Node<'a, 'input>> + 'a> {
        Box::new(self.children().filter(|c| c.is_element()))
    }

    fn child_text(&self, name: &str) -> Option<&'a str> {
        self.child(name).map(|c| c.text().unwrap_or(""))
    }

    fn text_content(&self) -> String {
        self.children()
            .filter(|c| c.is_text())
            .filter_map(|c| c.text())
            .collect()
    }
}

/// Parses an unsigned number as libvirt's `virStrToLong_ull` does (decimal, or hex with `0x`,
/// or octal with a leading `0`, surrounding whitespace not allowed).
pub fn parse_ull(text: &str) -> Option<u64> {
    let t = text;
    if t.is_empty() || t.starts_with('-') {
        return None;
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else if t.len() > 1 && t.starts_with('0') {
        u64::from_str_radix(&t[1..], 8).ok()
    } else {
        t.parse().ok()
    }
}

/// Decimal-only unsigned parse (libvirt's `virStrToLong_uip` family with base 10).
pub fn parse_uint10(text: &str) -> Option<u64> {
    if text.is_empty() || text.starts_with('-') || text.starts_with('+') {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_is_xml_detail_with_caret() {
        let err = parse_document(
            "<domain type='test'><name>x</name",
            "domain_definition",
            ErrorDomain::Domain,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::XmlDetail);
        assert_eq!(err.domain, ErrorDomain::Domain);
        assert!(err.message.starts_with("(domain_definition):1: "));
        assert!(err.message.ends_with('^'));
    }

    #[test]
    fn empty_document() {
        let err = parse_document("", "network_definition", ErrorDomain::Network).unwrap_err();
        assert_eq!(
            err.message,
            "(network_definition):1: Document is empty\n(null)\n^"
        );
        // Blanks are not empty for libxml2: it looks for the root's '<' after them.
        let err = parse_document("  ", "network_definition", ErrorDomain::Network).unwrap_err();
        assert_eq!(
            err.message,
            "(network_definition):1: Start tag expected, '<' not found\n  \n--^"
        );
    }

    #[test]
    fn wrong_root() {
        let doc = parse_document("<foo/>", "domain_definition", ErrorDomain::Domain).unwrap();
        let err = expect_root(&doc, "domain").unwrap_err();
        assert_eq!(err.code, ErrorCode::XmlError);
        assert_eq!(err.domain, ErrorDomain::Xml);
        assert_eq!(
            err.message,
            "XML error: expecting root element of 'domain', not 'foo'"
        );
    }

    #[test]
    fn deep_nesting_is_rejected_without_recursion() {
        let depth = MAX_DEPTH + 10;
        let xml = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let err = parse_document(&xml, "x", ErrorDomain::Xml).unwrap_err();
        assert_eq!(err.code, ErrorCode::XmlError);
    }

    #[test]
    fn nesting_limit_is_exact_and_counts_only_the_deepest_branch() {
        // Siblings and shallow branches around the deep one must not add to its depth.
        let nested = |depth: usize| {
            format!(
                "<r><s/><t><u/></t>{}{}<v/></r>",
                "<b/><a>".repeat(depth - 1),
                "</a>".repeat(depth - 1)
            )
        };
        assert!(parse_document(&nested(MAX_DEPTH), "x", ErrorDomain::Xml).is_ok());
        let err = parse_document(&nested(MAX_DEPTH + 1), "x", ErrorDomain::Xml).unwrap_err();
        assert_eq!(err.code, ErrorCode::XmlError);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_ull("0x10"), Some(16));
        assert_eq!(parse_ull("010"), Some(8));
        assert_eq!(parse_ull("10"), Some(10));
        assert_eq!(parse_ull("-1"), None);
        assert_eq!(parse_ull(""), None);
    }
}
