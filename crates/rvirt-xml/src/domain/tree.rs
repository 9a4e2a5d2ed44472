//! A small element tree for the parts of the domain document that are modelled by schema
//! (which attributes and children libvirt knows, and in which order it prints them) rather
//! than by a dedicated struct. Parsing keeps only what the schema knows, as libvirt ignores
//! unknown elements and attributes; formatting orders everything the way libvirt does.

use roxmltree::Node;

use super::schema::{spec, Spec};
use crate::writer::XmlWriter;

/// One element: name, attributes (any order; formatting applies libvirt's), children, text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// Text content for leaf elements that carry a value (`<emulator>`, `<backend>`...).
    pub text: Option<String>,
}

impl Element {
    pub fn new(name: &str) -> Self {
        Element {
            name: name.to_string(),
            ..Default::default()
        }
    }

    /// Builder: an attribute.
    pub fn with_attr(mut self, key: &str, value: &str) -> Self {
        self.set_attr(key, value);
        self
    }

    /// Builder: text content.
    pub fn with_text(mut self, text: &str) -> Self {
        self.text = Some(text.to_string());
        self
    }

    /// Builder: a child.
    pub fn with_child(mut self, child: Element) -> Self {
        self.children.push(child);
        self
    }

    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn has_attr(&self, key: &str) -> bool {
        self.attr(key).is_some()
    }

    pub fn set_attr(&mut self, key: &str, value: &str) {
        match self.attrs.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.to_string(),
            None => self.attrs.push((key.to_string(), value.to_string())),
        }
    }

    pub fn remove_attr(&mut self, key: &str) -> Option<String> {
        let pos = self.attrs.iter().position(|(k, _)| k == key)?;
        Some(self.attrs.remove(pos).1)
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn child_mut(&mut self, name: &str) -> Option<&mut Element> {
        self.children.iter_mut().find(|c| c.name == name)
    }

    /// The child with this name, created empty when missing.
    pub fn child_or_insert(&mut self, name: &str) -> &mut Element {
        let pos = match self.children.iter().position(|c| c.name == name) {
            Some(p) => p,
            None => {
                self.children.push(Element::new(name));
                self.children.len() - 1
            }
        };
        &mut self.children[pos]
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn remove_children(&mut self, name: &str) {
        self.children.retain(|c| c.name != name);
    }

    /// Attribute of a child (`<source file=...>` of a disk, for example).
    pub fn child_attr(&self, child: &str, key: &str) -> Option<&str> {
        self.child(child).and_then(|c| c.attr(key))
    }

    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty() && self.children.is_empty() && self.text.is_none()
    }
}

/// Children libvirt reads as lists; any other child it reads once (the first one).
const REPEATABLE: &[&str] = &[
    "boot",
    "feature",
    "host",
    "timer",
    "entry",
    "cell",
    "sibling",
    "vcpu",
    "iothread",
    "vcpupin",
    "iothreadpin",
    "vcpusched",
    "iothreadsched",
    "cachetune",
    "cache",
    "monitor",
    "memorytune",
    "node",
    "page",
    "device",
    "initarg",
    "initenv",
    "table",
    "uid",
    "gid",
    "event",
    "seclabel",
    "listen",
    "channel",
    "parameter",
    "tag",
    "ip",
    "route",
    "certificate",
    "codec",
    "source",
    "cookie",
    "memnode",
    "usbdev",
    "latency",
    "bandwidth",
    "cipher",
];

/// Builds an element from the document, keeping what the schema for `path` knows.
/// `path` is the element's path below `<domain>` (`devices/disk/source`).
pub fn from_node(node: Node<'_, '_>, path: &str) -> Option<Element> {
    let spec = spec(path)?;
    Some(from_node_with(node, path, spec))
}

fn from_node_with(node: Node<'_, '_>, path: &str, spec: &Spec) -> Element {
    let mut el = Element::new(node.tag_name().name());
    for a in node.attributes() {
        if a.namespace().is_none() && spec.attrs.contains(&a.name()) {
            el.attrs.push((a.name().to_string(), a.value().to_string()));
        }
    }
    for child in node.children().filter(|c| c.is_element()) {
        if child.tag_name().namespace().is_some() {
            continue;
        }
        let name = child.tag_name().name();
        if !spec.children.contains(&name) {
            continue;
        }
        // libvirt reads the first of an element it expects once.
        if !REPEATABLE.contains(&name) && el.children.iter().any(|c| c.name == name) {
            continue;
        }
        let child_path = format!("{path}/{name}");
        if let Some(c) = from_node(child, &child_path) {
            el.children.push(c);
        }
    }
    if spec.text {
        let text: String = node
            .children()
            .filter(|c| c.is_text())
            .filter_map(|c| c.text())
            .collect();
        el.text = Some(text);
    }
    el
}

/// Writes `el` (found at `path`) in libvirt's order and layout.
pub fn write(w: &mut XmlWriter, el: &Element, path: &str) {
    let Some(spec) = spec(path) else {
        return;
    };
    let attrs = ordered_attrs(el, spec);
    let attr_refs: Vec<(&str, Option<&str>)> = attrs
        .iter()
        .map(|(k, v)| (k.as_str(), Some(v.as_str())))
        .collect();
    if let Some(text) = &el.text {
        if el.children.is_empty() {
            w.text(&el.name, &attr_refs, text);
            return;
        }
    }
    if el.children.is_empty() && !spec.always_open {
        w.empty(&el.name, &attr_refs);
        return;
    }
    w.open(&el.name, &attr_refs);
    for child in ordered_children(el, spec) {
        let child_path = format!("{path}/{}", child.name);
        write(w, child, &child_path);
    }
    w.close(&el.name);
}

fn ordered_attrs<'a>(el: &'a Element, spec: &Spec) -> Vec<&'a (String, String)> {
    let mut out = Vec::with_capacity(el.attrs.len());
    for key in spec.attrs {
        if let Some(pair) = el.attrs.iter().find(|(k, _)| k == key) {
            out.push(pair);
        }
    }
    out
}

/// Children grouped in the schema's order; same-named children keep document order.
pub fn ordered_children<'a>(el: &'a Element, spec: &Spec) -> Vec<&'a Element> {
    let mut out = Vec::with_capacity(el.children.len());
    for name in spec.children {
        out.extend(el.children.iter().filter(|c| c.name == *name));
    }
    out
}

/// Puts attributes and children in libvirt's print order, so that two equal definitions
/// hold equal trees.
pub fn canonicalize(el: &mut Element, path: &str) {
    let Some(spec) = spec(path) else {
        return;
    };
    el.attrs
        .sort_by_key(|(k, _)| spec.attrs.iter().position(|a| a == k).unwrap_or(usize::MAX));
    el.children.sort_by_key(|c| {
        spec.children
            .iter()
            .position(|n| *n == c.name)
            .unwrap_or(usize::MAX)
    });
    for c in el.children.iter_mut() {
        let child_path = format!("{path}/{}", c.name);
        canonicalize(c, &child_path);
    }
}
