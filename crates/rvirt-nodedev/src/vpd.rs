//! PCI Vital Product Data (the `vpd` sysfs file), parsed as libvirt's `virPCIVPDParse` does:
//! a string resource (the product name), a read-only VPD-R section that must end with a
//! valid checksum (`RV`), an optional read-write VPD-W section, and the end tag.

use rvirt_xml::writer::XmlWriter;

const ADDR_MASK: usize = 0x7fff;
const LARGE_RESOURCE: u8 = 0x80;
const STRING_RESOURCE: u8 = 0x02;
const READ_ONLY_RESOURCE: u8 = 0x10;
const READ_WRITE_RESOURCE: u8 = 0x11;
const END_TAG: u8 = 0x0f;

/// Parsed VPD (`virPCIVPDResource`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vpd {
    pub name: Option<String>,
    pub read_only: Option<VpdReadOnly>,
    pub read_write: Option<VpdReadWrite>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VpdReadOnly {
    pub change_level: Option<String>,
    pub manufacture_id: Option<String>,
    pub part_number: Option<String>,
    pub serial_number: Option<String>,
    /// `Vx` fields: (index character, value), first-seen order.
    pub vendor: Vec<(char, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VpdReadWrite {
    pub asset_tag: Option<String>,
    pub vendor: Vec<(char, String)>,
    /// `Yx` fields other than `YA`.
    pub system: Vec<(char, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldFormat {
    Text,
    Binary,
    Reserved,
    ReadWrite,
    Unknown,
}

fn upper_or_digit(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

fn is_vendor_keyword(k: &[u8; 2]) -> bool {
    k[0] == b'V' && upper_or_digit(k[1])
}

fn is_system_keyword(k: &[u8; 2]) -> bool {
    k[0] == b'Y' && upper_or_digit(k[1]) && k != b"YA"
}

fn field_format(k: &[u8; 2]) -> FieldFormat {
    if !(upper_or_digit(k[0]) && upper_or_digit(k[1])) {
        return FieldFormat::Unknown;
    }
    if is_vendor_keyword(k) || is_system_keyword(k) {
        return FieldFormat::Text;
    }
    match k {
        b"CP" => FieldFormat::Binary,
        b"EC" | b"MN" | b"PN" | b"SN" | b"YA" => FieldFormat::Text,
        b"RV" => FieldFormat::Reserved,
        b"RW" => FieldFormat::ReadWrite,
        _ => FieldFormat::Unknown,
    }
}

/// Printable ASCII only (the empty string is valid).
fn valid_text(v: &str) -> bool {
    v.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// Bytes up to the first NUL, trimmed of ASCII whitespace (`g_strndup` + `g_strstrip`).
fn text_value(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end])
        .trim_matches(|c: char| c.is_ascii_whitespace())
        .to_string()
}

fn upsert(list: &mut Vec<(char, String)>, idx: char, value: String) {
    match list.iter_mut().find(|(i, _)| *i == idx) {
        Some(entry) => entry.1 = value,
        None => list.push((idx, value)),
    }
}

/// Reads bytes while keeping the running checksum (sum of every byte read so far).
struct Reader<'a> {
    data: &'a [u8],
    csum: u8,
}

impl Reader<'_> {
    fn read(&mut self, pos: usize, len: usize) -> Option<&[u8]> {
        let bytes = self.data.get(pos..pos.checked_add(len)?)?;
        for b in bytes {
            self.csum = self.csum.wrapping_add(*b);
        }
        Some(bytes)
    }
}

fn parse_fields(
    r: &mut Reader<'_>,
    res_pos: usize,
    res_len: usize,
    ro: bool,
    vpd: &mut Vpd,
) -> bool {
    let end = res_pos + res_len;
    let mut pos = res_pos;
    let mut has_checksum = false;
    while pos + 3 <= end {
        let Some(header) = r.read(pos, 3) else {
            return false;
        };
        let keyword = [header[0], header[1]];
        let len = header[2] as usize;
        pos += 3;
        let format = field_format(&keyword);
        if (!ro && format == FieldFormat::Reserved) || (ro && format == FieldFormat::ReadWrite) {
            return false;
        }
        let to_read = if format == FieldFormat::Reserved {
            1
        } else {
            len
        };
        if end < pos + len {
            return false;
        }
        let Some(value) = r.read(pos, to_read).map(<[u8]>::to_vec) else {
            return false;
        };
        pos += len;
        let text = match format {
            FieldFormat::Text => {
                let v = text_value(&value);
                if !valid_text(&v) {
                    continue;
                }
                v
            }
            FieldFormat::Reserved => {
                if r.csum != 0 {
                    return false;
                }
                has_checksum = true;
                break;
            }
            FieldFormat::ReadWrite => break,
            FieldFormat::Unknown | FieldFormat::Binary => {
                // Unknown keywords are skipped; CP (binary) is not reported by libvirt, but
                // it still opens the section.
                if format == FieldFormat::Binary {
                    open_section(vpd, ro);
                }
                continue;
            }
        };
        open_section(vpd, ro);
        let idx = keyword[1] as char;
        if ro {
            let Some(sec) = vpd.read_only.as_mut() else {
                return false;
            };
            match &keyword {
                b"EC" => sec.change_level = Some(text),
                b"MN" => sec.manufacture_id = Some(text),
                b"PN" => sec.part_number = Some(text),
                b"SN" => sec.serial_number = Some(text),
                k if is_vendor_keyword(k) => upsert(&mut sec.vendor, idx, text),
                _ => {}
            }
        } else {
            let Some(sec) = vpd.read_write.as_mut() else {
                return false;
            };
            match &keyword {
                b"YA" => sec.asset_tag = Some(text),
                k if is_vendor_keyword(k) => upsert(&mut sec.vendor, idx, text),
                k if is_system_keyword(k) => upsert(&mut sec.system, idx, text),
                _ => {}
            }
        }
    }
    let end_reached = pos >= end;
    if ro {
        has_checksum && end_reached
    } else {
        end_reached
    }
}

fn open_section(vpd: &mut Vpd, ro: bool) {
    if ro {
        vpd.read_only.get_or_insert_with(Default::default);
    } else {
        vpd.read_write.get_or_insert_with(Default::default);
    }
}

/// Parses VPD bytes; `None` when libvirt would consider them invalid.
pub fn parse(data: &[u8]) -> Option<Vpd> {
    let mut r = Reader { data, csum: 0 };
    let mut vpd = Vpd::default();
    let mut pos = 0usize;
    let mut has_read_only = false;
    let mut end_reached = false;
    while pos <= ADDR_MASK {
        let Some(&[tag0]) = r.read(pos, 1) else {
            break;
        };
        let (tag, len);
        if tag0 & LARGE_RESOURCE != 0 {
            if pos > ADDR_MASK + 1 - 3 {
                break;
            }
            let Some(h) = r.read(pos + 1, 2) else {
                break;
            };
            len = h[0] as usize + ((h[1] as usize) << 8);
            tag = tag0;
            pos += 3;
        } else {
            len = (tag0 & 7) as usize;
            tag = tag0 >> 3;
            pos += 1;
        }
        if tag == END_TAG {
            end_reached = true;
            break;
        }
        if len > ADDR_MASK + 1 - pos {
            break;
        }
        let ok = match tag {
            t if t == LARGE_RESOURCE | STRING_RESOURCE => {
                let bytes = r.read(pos, len)?;
                let name = text_value(bytes);
                if !valid_text(&name) {
                    return None;
                }
                vpd.name = Some(name);
                true
            }
            t if t == LARGE_RESOURCE | READ_ONLY_RESOURCE => {
                has_read_only = true;
                parse_fields(&mut r, pos, len, true, &mut vpd)
            }
            t if t == LARGE_RESOURCE | READ_WRITE_RESOURCE => {
                parse_fields(&mut r, pos, len, false, &mut vpd)
            }
            _ => true,
        };
        if !ok {
            return None;
        }
        pos += len;
    }
    (has_read_only && end_reached).then_some(vpd)
}

/// `<capability type='vpd'>` as `virNodeDeviceCapVPDFormat` prints it (field values are
/// printed without escaping, as libvirt does).
pub fn format(w: &mut XmlWriter, vpd: &Vpd) {
    w.open("capability", &[("type", Some("vpd"))]);
    w.opt_text("name", vpd.name.as_deref());
    let raw = |w: &mut XmlWriter, elem: &str, v: &Option<String>| {
        if let Some(v) = v {
            let pad = "  ".repeat(w.depth());
            w.raw(&format!("{pad}<{elem}>{v}</{elem}>\n"));
        }
    };
    let custom = |w: &mut XmlWriter, elem: &str, list: &[(char, String)]| {
        for (idx, v) in list {
            let pad = "  ".repeat(w.depth());
            w.raw(&format!("{pad}<{elem} index='{idx}'>{v}</{elem}>\n"));
        }
    };
    if let Some(ro) = &vpd.read_only {
        w.open("fields", &[("access", Some("readonly"))]);
        raw(w, "change_level", &ro.change_level);
        raw(w, "manufacture_id", &ro.manufacture_id);
        raw(w, "part_number", &ro.part_number);
        raw(w, "serial_number", &ro.serial_number);
        custom(w, "vendor_field", &ro.vendor);
        w.close("fields");
    }
    if let Some(rw) = &vpd.read_write {
        w.open("fields", &[("access", Some("readwrite"))]);
        raw(w, "asset_tag", &rw.asset_tag);
        custom(w, "vendor_field", &rw.vendor);
        custom(w, "system_field", &rw.system);
        w.close("fields");
    }
    w.close("capability");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds VPD bytes: name, VPD-R fields (RV checksum appended), VPD-W fields, end tag.
    fn build(name: &str, ro: &[(&str, &str)], rw: &[(&str, &str)]) -> Vec<u8> {
        let mut v = vec![0x82, name.len() as u8, 0];
        v.extend_from_slice(name.as_bytes());
        let mut body = Vec::new();
        for (k, val) in ro {
            body.extend_from_slice(k.as_bytes());
            body.push(val.len() as u8);
            body.extend_from_slice(val.as_bytes());
        }
        let rlen = body.len() + 4;
        v.extend_from_slice(&[0x90, rlen as u8, 0]);
        v.extend_from_slice(&body);
        v.extend_from_slice(b"RV\x01");
        let sum = v.iter().fold(0u8, |a, b| a.wrapping_add(*b));
        v.push(0u8.wrapping_sub(sum));
        if !rw.is_empty() {
            let mut body = Vec::new();
            for (k, val) in rw {
                body.extend_from_slice(k.as_bytes());
                body.push(val.len() as u8);
                body.extend_from_slice(val.as_bytes());
            }
            v.extend_from_slice(&[0x91, body.len() as u8, 0]);
            v.extend_from_slice(&body);
        }
        v.push(0x78);
        v
    }

    #[test]
    fn parses_sections_and_checks_the_checksum() {
        let data = build(
            "Example Card ",
            &[
                ("PN", "P1"),
                ("SN", " S2 "),
                ("V1", "a"),
                ("V1", "b"),
                ("ZZ", "skip"),
            ],
            &[("YA", "tag"), ("Y1", "sys"), ("RW", "")],
        );
        let vpd = parse(&data).unwrap();
        assert_eq!(vpd.name.as_deref(), Some("Example Card"));
        let ro = vpd.read_only.unwrap();
        assert_eq!(ro.serial_number.as_deref(), Some("S2"));
        assert_eq!(ro.vendor, vec![('1', "b".to_string())]);
        let rw = vpd.read_write.unwrap();
        assert_eq!(rw.asset_tag.as_deref(), Some("tag"));
        assert_eq!(rw.system, vec![('1', "sys".to_string())]);
        let mut bad = build("X", &[("PN", "P1")], &[]);
        let n = bad.len();
        bad[n - 2] ^= 1;
        assert!(parse(&bad).is_none());
    }
}
