//! A small element tree for the parts of the domain document that are modelled by schema
//! (which attributes and children libvirt knows, and in which order it prints them) rather
//! than by a dedicated struct. Parsing keeps only what the schema knows, as libvirt ignores
//! unknown elements and attributes; formatting orders everything the way libvirt does.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::ops::Deref;

use roxmltree::Node;

use super::schema::{child_spec, spec_node, Spec, SpecNode};
use crate::writer::XmlWriter;

/// An element or attribute name. Parsing keeps only names the schema knows, so nearly every
/// name borrows the schema's static string: building and dropping a tree then allocates
/// nothing for names, which was a large share of the parse cost.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Name(Cow<'static, str>);

impl Name {
    /// A name not known at compile time (allocates).
    pub fn owned(name: impl Into<String>) -> Self {
        Name(Cow::Owned(name.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&'static str> for Name {
    fn from(name: &'static str) -> Self {
        Name(Cow::Borrowed(name))
    }
}

impl From<String> for Name {
    fn from(name: String) -> Self {
        Name(Cow::Owned(name))
    }
}

impl From<Name> for String {
    fn from(name: Name) -> Self {
        name.0.into_owned()
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        **self == *other.0
    }
}

/// One element: name, attributes (any order; formatting applies libvirt's), children, text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: Name,
    pub attrs: Vec<(Name, String)>,
    pub children: Vec<Element>,
    /// Text content for leaf elements that carry a value (`<emulator>`, `<backend>`...).
    pub text: Option<String>,
}

impl Element {
    pub fn new(name: impl Into<Name>) -> Self {
        Element {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Builder: an attribute.
    pub fn with_attr(mut self, key: impl Into<Name>, value: &str) -> Self {
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
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn has_attr(&self, key: &str) -> bool {
        self.attr(key).is_some()
    }

    pub fn set_attr(&mut self, key: impl Into<Name>, value: &str) {
        let key = key.into();
        match self.attrs.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => {
                slot.1.clear();
                slot.1.push_str(value);
            }
            None => self.attrs.push((key, value.to_string())),
        }
    }

    pub fn remove_attr(&mut self, key: &str) -> Option<String> {
        let pos = self.attrs.iter().position(|(k, _)| *k == key)?;
        Some(self.attrs.remove(pos).1)
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn child_mut(&mut self, name: &str) -> Option<&mut Element> {
        self.children.iter_mut().find(|c| c.name == name)
    }

    /// The child with this name, created empty when missing.
    pub fn child_or_insert(&mut self, name: impl Into<Name>) -> &mut Element {
        let name = name.into();
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
    let mut path_buf = String::with_capacity(path.len() + 64);
    path_buf.push_str(path);
    from_node_at(node, &mut path_buf)
}

/// [`from_node`] with the path in a buffer that is extended in place and restored.
pub(crate) fn from_node_at(node: Node<'_, '_>, path: &mut String) -> Option<Element> {
    let (spec, at) = spec_node(path);
    let name = Name::owned(node.tag_name().name());
    Some(from_node_named(node, path, (spec?, at), name))
}

/// `path` holds the element's own path on entry and on return; children's paths are built
/// in it in place, so walking a tree allocates no path strings. `name` is the element's
/// name, resolved to the schema's own string when the parent's schema lists it.
fn from_node_named(
    node: Node<'_, '_>,
    path: &mut String,
    (spec, at): (&Spec, SpecNode),
    name: Name,
) -> Element {
    let mut el = Element::new(name);
    // Upper bounds (what the schema drops is counted too), sparing regrowth. Elements with
    // children are the ones post-parse defaults add attributes to (a controller's index, a
    // device's address type), so they get room for a couple more.
    let is_device = path
        .strip_prefix("domain/devices/")
        .is_some_and(|rest| !rest.contains('/'));
    let spare = if is_device || !spec.children.is_empty() {
        2
    } else {
        0
    };
    el.attrs.reserve_exact(node.attributes().len() + spare);
    if !spec.children.is_empty() {
        el.children
            .reserve_exact(node.children().filter(|c| c.is_element()).count());
    }
    for a in node.attributes() {
        if a.namespace().is_some() {
            continue;
        }
        if let Some(key) = spec.attrs.iter().find(|k| **k == a.name()) {
            el.attrs.push((Name::from(*key), a.value().to_string()));
        }
    }
    let parent_len = path.len();
    for element in node.children().filter(|c| c.is_element()) {
        if element.tag_name().namespace().is_some() {
            continue;
        }
        let name = element.tag_name().name();
        let Some(name) = spec.children.iter().find(|n| **n == name).copied() else {
            continue;
        };
        // libvirt reads the first of an element it expects once.
        if el.children.iter().any(|c| c.name == name) && !REPEATABLE.contains(&name) {
            continue;
        }
        path.push('/');
        path.push_str(name);
        if let (Some(child), child_at) = child_spec(at, name, path) {
            el.children.push(from_node_named(
                element,
                path,
                (child, child_at),
                Name::from(name),
            ));
        }
        path.truncate(parent_len);
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
    let mut path_buf = String::with_capacity(path.len() + 64);
    path_buf.push_str(path);
    write_at(w, el, &mut path_buf);
}

/// [`write`] with the path in a buffer that children extend in place (see `from_node_named`).
pub(crate) fn write_at(w: &mut XmlWriter, el: &Element, path: &mut String) {
    write_with_lead(w, el, None, path);
}

/// Attributes most elements fit in, gathered on the stack rather than in a fresh vector.
const INLINE_ATTRS: usize = 16;

/// [`write_at`], with `lead` printed as if it were `el`'s first child: formatting adds
/// children kept outside the tree (the OS `<type>`) without copying the element.
pub(crate) fn write_with_lead(
    w: &mut XmlWriter,
    el: &Element,
    lead: Option<&Element>,
    path: &mut String,
) {
    if let (Some(spec), at) = spec_node(path) {
        write_known(w, el, lead, path, (spec, at));
    }
}

/// [`write_with_lead`] for an element whose schema is resolved.
fn write_known<'a>(
    w: &mut XmlWriter,
    el: &'a Element,
    lead: Option<&Element>,
    path: &mut String,
    (spec, at): (&Spec, SpecNode),
) {
    let mut inline: [(&str, Option<&str>); INLINE_ATTRS] = [("", None); INLINE_ATTRS];
    let mut spilled: Vec<(&str, Option<&str>)> = Vec::new();
    let mut count = 0;
    let mut push = |entry: (&'a str, Option<&'a str>)| {
        if count < INLINE_ATTRS {
            inline[count] = entry;
        } else {
            if spilled.is_empty() {
                spilled.extend_from_slice(&inline);
            }
            spilled.push(entry);
        }
        count += 1;
    };
    if follows_order(el.attrs.iter().map(|(k, _)| k.as_str()), spec.attrs) {
        // The usual case after parsing: attributes already stand in print order.
        for (k, v) in &el.attrs {
            push((k.as_str(), Some(v.as_str())));
        }
    } else {
        for key in spec.attrs {
            if let Some((k, v)) = el.attrs.iter().find(|(k, _)| k == key) {
                push((k.as_str(), Some(v.as_str())));
            }
        }
    }
    let attr_refs: &[(&str, Option<&str>)] = if count <= INLINE_ATTRS {
        &inline[..count]
    } else {
        &spilled
    };
    let has_children = lead.is_some() || !el.children.is_empty();
    if let Some(text) = &el.text {
        if !has_children {
            w.text(&el.name, attr_refs, text);
            return;
        }
    }
    if !has_children && !spec.always_open {
        w.empty(&el.name, attr_refs);
        return;
    }
    w.open(&el.name, attr_refs);
    let parent_len = path.len();
    let mut write_child = |w: &mut XmlWriter, child: &Element| {
        path.push('/');
        path.push_str(&child.name);
        if let (Some(child_spec), child_at) = child_spec(at, &child.name, path) {
            write_known(w, child, None, path, (child_spec, child_at));
        }
        path.truncate(parent_len);
    };
    if lead.is_none() && in_schema_order(el, spec) {
        // The usual case after parsing: children already stand in print order.
        for child in &el.children {
            write_child(w, child);
        }
    } else {
        for name in spec.children {
            if let Some(first) = lead.filter(|l| l.name == *name) {
                write_child(w, first);
            }
            for child in el.children.iter().filter(|c| c.name == *name) {
                write_child(w, child);
            }
        }
    }
    w.close(&el.name);
}

/// Whether every child is one the schema lists and they already come in its order, so that
/// [`ordered_children`] would return them as they are.
fn in_schema_order(el: &Element, spec: &Spec) -> bool {
    follows_order(el.children.iter().map(|c| c.name.as_str()), spec.children)
}

/// Whether every name is in `order` and they come in its order (repeats allowed): one pass
/// over both, cheaper than ranking each name.
pub(crate) fn follows_order<'a>(names: impl Iterator<Item = &'a str>, order: &[&str]) -> bool {
    let mut remaining = order.iter();
    let mut current: Option<&str> = None;
    for name in names {
        if current == Some(name) {
            continue;
        }
        // Advance through the order to this name; running out means it is unknown or out
        // of order.
        current = remaining.by_ref().find(|n| **n == name).copied();
        if current.is_none() {
            return false;
        }
    }
    true
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
    let mut path_buf = String::with_capacity(path.len() + 64);
    path_buf.push_str(path);
    canonicalize_at(el, &mut path_buf);
}

pub(crate) fn canonicalize_at(el: &mut Element, path: &mut String) {
    if el.attrs.len() <= 1 && el.children.is_empty() {
        // Nothing to order: most elements are leaves like this, spare the schema lookup.
        return;
    }
    if let (Some(spec), at) = spec_node(path) {
        canonicalize_known(el, path, (spec, at));
    }
}

/// [`canonicalize_at`] for an element whose schema is resolved.
fn canonicalize_known(el: &mut Element, path: &mut String, (spec, at): (&Spec, SpecNode)) {
    let attr_rank = |k: &str| {
        spec.attrs
            .iter()
            .position(|a| *a == k)
            .unwrap_or(usize::MAX)
    };
    // Sorting what already follows the schema would change nothing.
    if !follows_order(el.attrs.iter().map(|(k, _)| k.as_str()), spec.attrs) {
        el.attrs.sort_by_cached_key(|(k, _)| attr_rank(k));
    }
    let child_rank = |name: &str| {
        spec.children
            .iter()
            .position(|n| *n == name)
            .unwrap_or(usize::MAX)
    };
    if !follows_order(el.children.iter().map(|c| c.name.as_str()), spec.children) {
        // Stable: same-named children keep document order.
        el.children.sort_by_cached_key(|c| child_rank(&c.name));
    }
    let parent_len = path.len();
    for c in el.children.iter_mut() {
        if c.attrs.len() <= 1 && c.children.is_empty() {
            continue;
        }
        path.push('/');
        path.push_str(&c.name);
        if let (Some(child), child_at) = child_spec(at, &c.name, path) {
            canonicalize_known(c, path, (child, child_at));
        }
        path.truncate(parent_len);
    }
}
