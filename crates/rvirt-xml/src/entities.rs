//! Internal entity declarations (`<!DOCTYPE x [ <!ENTITY name "value"> ]>`), which libvirt's
//! parser expands. roxmltree expands them too, but bounds only the nesting of references,
//! not what they add up to: a body of many references to one large entity would grow
//! without bound. This check adds up every expansion first and refuses the document when
//! the total passes the document size limit, as libxml2 refuses amplification it calls an
//! entity reference loop.

use std::collections::HashMap;

/// What the check found wrong, with the byte offset to report it at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amplification {
    pub offset: usize,
}

/// The internal subset's entities by name: their replacement text.
fn declarations(subset: &str) -> HashMap<&str, &str> {
    let mut out = HashMap::new();
    let mut rest = subset;
    while let Some(at) = rest.find("<!ENTITY") {
        rest = &rest[at + "<!ENTITY".len()..];
        let decl = rest.trim_start();
        // Parameter entities (`%`) only serve the DTD itself.
        if decl.starts_with('%') {
            continue;
        }
        let name_len = decl.find(|c: char| c.is_whitespace()).unwrap_or(decl.len());
        let (name, tail) = decl.split_at(name_len);
        let tail = tail.trim_start();
        let Some(quote) = tail.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            // SYSTEM / PUBLIC: external entities are not loaded (roxmltree refuses their
            // references).
            continue;
        };
        if let Some(end) = tail[1..].find(quote) {
            out.insert(name, &tail[1..1 + end]);
        }
    }
    out
}

/// The internal subset of the document's DOCTYPE and where the body after it starts.
fn internal_subset(xml: &str) -> Option<(&str, usize)> {
    let doctype = xml.find("<!DOCTYPE")?;
    let open = doctype + xml[doctype..].find('[')?;
    let close = open + xml[open..].find("]>")?;
    Some((&xml[open + 1..close], close + 2))
}

/// The `&name;` references in `text`, with their offsets (character references excluded).
fn references(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.match_indices('&').filter_map(move |(at, _)| {
        let tail = &text[at + 1..];
        let end = tail.find(';')?;
        let name = &tail[..end];
        let plain = !name.is_empty()
            && !name.starts_with('#')
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'));
        plain.then_some((at, name))
    })
}

/// Expanded size of entity `name`, memoised; capped at `limit + 1` so the sum stops early.
fn expanded_size<'a>(
    name: &'a str,
    decls: &HashMap<&'a str, &'a str>,
    memo: &mut HashMap<&'a str, usize>,
    depth: usize,
    limit: usize,
) -> usize {
    if let Some(size) = memo.get(name) {
        return *size;
    }
    let Some(value) = decls.get(name) else {
        // Predefined (`&lt;`) or undeclared: one character, or roxmltree's own error.
        return 1;
    };
    // Deeper than roxmltree follows is its loop error; count it as too large here.
    if depth > 10 {
        return limit + 1;
    }
    let mut size = value.len();
    for (_, inner) in references(value) {
        size = size.saturating_add(expanded_size(inner, decls, memo, depth + 1, limit));
        if size > limit {
            size = limit + 1;
            break;
        }
    }
    memo.insert(name, size);
    size
}

/// Checks that expanding every entity reference in `xml` stays within `limit` bytes.
pub fn check(xml: &str, limit: usize) -> Result<(), Amplification> {
    let Some((subset, body_start)) = internal_subset(xml) else {
        return Ok(());
    };
    let decls = declarations(subset);
    if decls.is_empty() {
        return Ok(());
    }
    let mut memo = HashMap::new();
    let mut total = xml.len();
    for (at, name) in references(&xml[body_start..]) {
        total = total.saturating_add(expanded_size(name, &decls, &mut memo, 1, limit));
        if total > limit {
            return Err(Amplification {
                offset: body_start + at,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_expansions_pass() {
        let xml = "<!DOCTYPE d [ <!ENTITY n \"name\"> ]>\n<d>&n;&n;&amp;&#65;</d>";
        assert_eq!(check(xml, 1000), Ok(()));
        assert_eq!(check("<d>&amp;</d>", 10), Ok(()));
    }

    #[test]
    fn nested_amplification_is_refused() {
        let mut xml = String::from("<!DOCTYPE d [\n<!ENTITY a \"aaaaaaaaaa\">\n");
        let mut prev = "a".to_string();
        for name in ["b", "c", "d", "e", "f"] {
            xml.push_str(&format!(
                "<!ENTITY {name} \"{}\">\n",
                format!("&{prev};").repeat(10)
            ));
            prev = name.to_string();
        }
        xml.push_str("]>\n<d>&f;</d>");
        let err = check(&xml, 100_000).unwrap_err();
        assert_eq!(&xml[err.offset..err.offset + 3], "&f;");
    }

    #[test]
    fn many_references_to_a_large_entity_are_refused() {
        let big = "x".repeat(1000);
        let xml = format!(
            "<!DOCTYPE d [<!ENTITY b '{big}'>]><d>{}</d>",
            "&b;".repeat(100)
        );
        assert!(check(&xml, 50_000).is_err());
        assert!(check(&xml, 200_000).is_ok());
    }
}
