//! Domain metadata (`virDomainGetMetadata`/`virDomainSetMetadata`): title, description and
//! namespaced `<metadata>` elements, laid out the way libxml2 dumps them for libvirt.

use roxmltree::{Document, Node};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::DomainDef;

pub(crate) const DESCRIPTION: i32 = 0;
pub(crate) const TITLE: i32 = 1;
pub(crate) const ELEMENT: i32 = 2;

fn not_found() -> Error {
    Error::new(
        ErrorDomain::Domain,
        ErrorCode::NoDomainMetadata,
        "Requested metadata element is not present",
    )
}

fn unknown_type(kind: i32) -> Error {
    Error::invalid_arg(
        ErrorDomain::Domain,
        format!("unknown metadata type '{kind}'"),
    )
}

fn arg_error(message: String) -> Error {
    Error::raw(ErrorDomain::Domain, ErrorCode::InvalidArg, message)
}

/// The public API's argument checks of `virDomainGetMetadata`.
pub(crate) fn check_get_args(kind: i32, uri: Option<&str>) -> Result<()> {
    match kind {
        TITLE | DESCRIPTION if uri.is_some() => Err(arg_error(
            "uri in virDomainGetMetadata must be NULL".to_string(),
        )),
        ELEMENT if uri.is_none() => Err(arg_error(
            "uri in virDomainGetMetadata must not be NULL".to_string(),
        )),
        _ => Ok(()),
    }
}

/// The public API's argument checks of `virDomainSetMetadata`.
pub(crate) fn check_set_args(
    kind: i32,
    metadata: Option<&str>,
    key: Option<&str>,
    uri: Option<&str>,
) -> Result<()> {
    let must_be_null =
        |what: &str| arg_error(format!("{what} in virDomainSetMetadata must be NULL"));
    match kind {
        TITLE | DESCRIPTION => {
            if kind == TITLE && metadata.is_some_and(|m| m.contains('\n')) {
                return Err(arg_error(
                    "metadata title can't contain newlines".to_string(),
                ));
            }
            if uri.is_some() {
                return Err(must_be_null("uri"));
            }
            if key.is_some() {
                return Err(must_be_null("key"));
            }
        }
        ELEMENT => {
            if uri.is_none() {
                return Err(arg_error(
                    "uri in virDomainSetMetadata must not be NULL".to_string(),
                ));
            }
            if metadata.is_some() && key.is_none() {
                return Err(arg_error(
                    "key in virDomainSetMetadata must not be NULL".to_string(),
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// `virDomainDefGetMetadata`.
pub(crate) fn get(def: &DomainDef, kind: i32, uri: Option<&str>) -> Result<String> {
    match kind {
        DESCRIPTION => def.description.clone().ok_or_else(not_found),
        TITLE => def.title.clone().ok_or_else(not_found),
        ELEMENT => {
            let wrapped = format!(
                "<metadata>{}</metadata>",
                def.metadata.as_deref().unwrap_or("")
            );
            let doc = Document::parse(&wrapped).map_err(|_| not_found())?;
            let node = doc
                .root_element()
                .children()
                .find(|c| c.is_element() && c.tag_name().namespace() == uri)
                .ok_or_else(not_found)?;
            let mut out = String::new();
            dump(node, None, 0, true, &mut out);
            Ok(out)
        }
        other => Err(unknown_type(other)),
    }
}

/// `virDomainDefSetMetadata`.
pub(crate) fn set(
    def: &mut DomainDef,
    kind: i32,
    metadata: Option<&str>,
    key: Option<&str>,
    uri: Option<&str>,
) -> Result<()> {
    let value = metadata.filter(|m| !m.is_empty()).map(str::to_string);
    match kind {
        DESCRIPTION => def.description = value,
        TITLE => def.title = value,
        ELEMENT => {
            let uri = uri.unwrap_or_default();
            let new_element = match metadata {
                Some(text) => {
                    let doc = rvirt_xml::parse::parse_document(
                        text,
                        "metadata_xml",
                        ErrorDomain::Domain,
                    )?;
                    let prefix = key.unwrap_or_default();
                    let mut out = String::new();
                    dump(doc.root_element(), Some((prefix, uri)), 0, true, &mut out);
                    Some(out)
                }
                None => None,
            };
            let existing = def.metadata.clone().unwrap_or_default();
            let wrapped = format!("<metadata>{existing}</metadata>");
            let mut kept = String::new();
            if let Ok(doc) = Document::parse(&wrapped) {
                for child in doc.root_element().children().filter(|c| c.is_element()) {
                    if child.tag_name().namespace() == Some(uri) {
                        continue;
                    }
                    kept.push_str(&wrapped[child.range()]);
                    kept.push('\n');
                }
            }
            if let Some(element) = new_element {
                kept.push_str(&element);
                kept.push('\n');
            }
            def.metadata = (!kept.is_empty()).then_some(kept);
        }
        other => return Err(unknown_type(other)),
    }
    Ok(())
}

fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
    out
}

/// Dumps an element like libxml2's formatted `xmlNodeDump`: element-only content is indented
/// by two per level, anything with text is written as is. With `ns`, every element gets the
/// prefix and the top one declares it (what `virDomainDefSetMetadata` does to new metadata);
/// without, names are written bare (what `virDomainDefGetMetadata` returns).
fn dump(
    node: Node<'_, '_>,
    ns: Option<(&str, &str)>,
    depth: usize,
    format: bool,
    out: &mut String,
) {
    let local = node.tag_name().name();
    let name = match ns {
        Some((prefix, _)) if !prefix.is_empty() => format!("{prefix}:{local}"),
        _ => local.to_string(),
    };
    out.push('<');
    out.push_str(&name);
    if let (Some((prefix, uri)), 0) = (ns, depth) {
        out.push_str(&format!(" xmlns:{prefix}=\"{}\"", escape(uri, true)));
    }
    for attr in node.attributes() {
        out.push_str(&format!(
            " {}=\"{}\"",
            attr.name(),
            escape(attr.value(), true)
        ));
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
    let indent = format && !has_text;
    for child in &children {
        if child.is_text() {
            out.push_str(&escape(child.text().unwrap_or(""), false));
            continue;
        }
        if indent {
            out.push('\n');
            out.push_str(&"  ".repeat(depth + 1));
        }
        dump(*child, ns, depth + 1, indent, out);
    }
    if indent {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    }
    out.push_str(&format!("</{name}>"));
}
