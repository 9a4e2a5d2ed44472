//! A writer that reproduces libvirt's XML layout: two-space indentation, attributes quoted with
//! `'`, empty elements as `<x/>`, and libvirt's escaping (`virBufferEscapeString`).

use std::fmt::Write as _;

/// Builds an XML document line by line in libvirt's style.
#[derive(Debug, Default, Clone)]
pub struct XmlWriter {
    buf: String,
    depth: usize,
}

/// Escapes text or an attribute value the way libvirt does: the five XML specials become
/// entities, control characters other than tab, newline and carriage return are dropped.
pub fn escape_into(out: &mut String, text: &str) {
    // Most values need no escaping: copy them whole.
    let plain = text.bytes().all(|b| {
        !matches!(b, b'<' | b'>' | b'&' | b'"' | b'\'')
            && (b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r'))
    });
    if plain {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
}

/// [`escape_into`] returning a new string.
pub fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    escape_into(&mut s, text);
    s
}

/// Attributes of one element, in output order; `None` values are skipped so optional
/// attributes can be listed inline.
pub type Attrs<'a> = &'a [(&'a str, Option<&'a str>)];

impl XmlWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty writer with room for `capacity` bytes of output.
    pub fn with_capacity(capacity: usize) -> Self {
        XmlWriter {
            buf: String::with_capacity(capacity),
            depth: 0,
        }
    }

    /// Starts at the given indentation level (for fragments nested in another document).
    pub fn with_depth(depth: usize) -> Self {
        XmlWriter {
            buf: String::new(),
            depth,
        }
    }

    pub fn depth(&self) -> usize {
        self.depth
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.buf.push_str("  ");
        }
    }

    fn start_tag(&mut self, name: &str, attrs: Attrs<'_>) {
        self.indent();
        self.buf.push('<');
        self.buf.push_str(name);
        for (key, value) in attrs {
            if let Some(v) = value {
                self.buf.push(' ');
                self.buf.push_str(key);
                self.buf.push_str("='");
                escape_into(&mut self.buf, v);
                self.buf.push('\'');
            }
        }
    }

    /// Attributes as `(name, value, escape)`: some libvirt formatters print certain values with
    /// a plain printf, unescaped; `escape: false` reproduces that.
    fn start_tag_mixed(&mut self, name: &str, attrs: &[(&str, Option<&str>, bool)]) {
        self.indent();
        self.buf.push('<');
        self.buf.push_str(name);
        for (key, value, escape) in attrs {
            if let Some(v) = value {
                self.buf.push(' ');
                self.buf.push_str(key);
                self.buf.push_str("='");
                if *escape {
                    escape_into(&mut self.buf, v);
                } else {
                    self.buf.push_str(v);
                }
                self.buf.push('\'');
            }
        }
    }

    /// [`XmlWriter::open`] with per-attribute escaping (see `start_tag_mixed`).
    pub fn open_mixed(&mut self, name: &str, attrs: &[(&str, Option<&str>, bool)]) {
        self.start_tag_mixed(name, attrs);
        self.buf.push_str(">\n");
        self.depth += 1;
    }

    /// [`XmlWriter::empty`] with per-attribute escaping (see `start_tag_mixed`).
    pub fn empty_mixed(&mut self, name: &str, attrs: &[(&str, Option<&str>, bool)]) {
        self.start_tag_mixed(name, attrs);
        self.buf.push_str("/>\n");
    }

    /// `<name attrs>` and a newline; children follow one level deeper.
    pub fn open(&mut self, name: &str, attrs: Attrs<'_>) {
        self.start_tag(name, attrs);
        self.buf.push_str(">\n");
        self.depth += 1;
    }

    /// `</name>` one level up.
    pub fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }

    /// `<name attrs/>`.
    pub fn empty(&mut self, name: &str, attrs: Attrs<'_>) {
        self.start_tag(name, attrs);
        self.buf.push_str("/>\n");
    }

    /// `<name attrs>text</name>` with the text escaped.
    pub fn text(&mut self, name: &str, attrs: Attrs<'_>, text: &str) {
        self.start_tag(name, attrs);
        self.buf.push('>');
        escape_into(&mut self.buf, text);
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }

    /// Like [`XmlWriter::text`] for any displayable value (numbers mostly).
    pub fn value(&mut self, name: &str, attrs: Attrs<'_>, value: impl std::fmt::Display) {
        self.start_tag(name, attrs);
        let _ = write!(self.buf, ">{value}</{name}>");
        self.buf.push('\n');
    }

    /// `text` only when present.
    pub fn opt_text(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.text(name, &[], t);
        }
    }

    /// Appends pre-formatted lines, re-indented to the current depth (for verbatim subtrees
    /// such as `<metadata>` children, already laid out relative to depth 0).
    pub fn raw_lines(&mut self, lines: &str) {
        for line in lines.lines() {
            self.indent();
            self.buf.push_str(line);
            self.buf.push('\n');
        }
    }

    /// Appends text exactly as given.
    pub fn raw(&mut self, text: &str) {
        self.buf.push_str(text);
    }

    pub fn as_str(&self) -> &str {
        &self.buf
    }

    pub fn finish(self) -> String {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_libvirt() {
        let mut w = XmlWriter::new();
        w.open("network", &[]);
        w.text("name", &[], "a<b>'c'");
        w.empty(
            "bridge",
            &[
                ("name", Some("virbr0")),
                ("stp", None),
                ("delay", Some("0")),
            ],
        );
        w.value("mtu", &[], 1500);
        w.close("network");
        assert_eq!(
            w.finish(),
            "<network>\n  <name>a&lt;b&gt;&apos;c&apos;</name>\n  <bridge name='virbr0' delay='0'/>\n  <mtu>1500</mtu>\n</network>\n"
        );
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(escape("a\u{1}b\tc"), "ab\tc");
    }
}
