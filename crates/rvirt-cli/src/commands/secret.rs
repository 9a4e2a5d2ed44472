//! Secrets: defining them, listing them and moving their values in and out (base64 on the
//! command line, raw with `--plain`).

use std::io::{BufRead, Write};

use rvirt::{parse_uuid, uuid_string, ErrorCode, ListSecretsFlags, SecretRef};

use crate::ctl::{CmdResult, Ctl, Failure, OptAccess};
use crate::util::read_file;
use crate::vsh::parser::ParsedCmd;
use crate::vsh::spec::*;

const SECRET: OptDef = data("secret", "the secret's UUID");

pub fn commands() -> Vec<CmdDef> {
    vec![
        CmdDef::new(
            "secret-define",
            "register or update a secret from an XML file",
            "Register a secret, or replace the attributes of an existing one.",
            cmd_define,
        )
        .opts(&[
            data("file", "path of the secret's XML description"),
            flag("validate", "check the XML against the RNG schema"),
        ]),
        CmdDef::new(
            "secret-dumpxml",
            "print a secret's XML description",
            "Print the attributes of a secret as XML on standard output.",
            cmd_dumpxml,
        )
        .opts(&[
            SECRET,
            named_string("xpath", "XPath expression selecting what to print"),
            flag("wrap", "put the XPath results under one root element"),
        ]),
        CmdDef::new(
            "secret-get-value",
            "print a secret's value",
            "Print the value of a secret on standard output, base64 encoded unless --plain.",
            cmd_get_value,
        )
        .opts(&[
            SECRET,
            flag("plain", "print the raw bytes instead of base64"),
        ]),
        CmdDef::new(
            "secret-list",
            "show secrets",
            "Print a table of secrets.",
            cmd_list,
        )
        .opts(&[
            flag("ephemeral", "show only secrets kept in memory"),
            flag("no-ephemeral", "show only secrets kept on disk"),
            flag(
                "private",
                "show only secrets whose value cannot be read back",
            ),
            flag(
                "no-private",
                "show only secrets whose value can be read back",
            ),
        ]),
        CmdDef::new(
            "secret-set-value",
            "give a secret its value",
            "Store a new value in a secret.",
            cmd_set_value,
        )
        .opts(&[
            SECRET,
            named_string("file", "take the value from this file"),
            flag("plain", "the file holds raw bytes, not base64"),
            flag("interactive", "type the value at the terminal"),
            string("base64", "the value, base64 encoded"),
        ]),
        CmdDef::new(
            "secret-undefine",
            "remove a secret",
            "Forget a secret and its value.",
            cmd_undefine,
        )
        .opts(&[SECRET]),
    ]
}

/// The secret named by the `secret` option, found by UUID only as virsh does.
fn secret(ctl: &Ctl, cmd: &ParsedCmd) -> Result<(SecretRef, String), Failure> {
    let text = cmd.required("secret")?.to_string();
    let failed = |detail: String| Failure {
        lines: vec![format!("failed to get secret '{text}'"), detail],
    };
    let uuid = parse_uuid(&text).ok_or_else(|| {
        failed("uuidstr in virSecretLookupByUUIDString must be a valid UUID".to_string())
    })?;
    let found = ctl
        .conn()?
        .secret
        .secret_lookup_by_uuid(&uuid)
        .map_err(|e| failed(e.message))?;
    Ok((found, text))
}

fn cmd_define(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let path = cmd.required("file")?.to_string();
    let flags = u32::from(cmd.has("validate"));
    let xml = read_file(&path)?;
    let failed =
        |e: &rvirt::Error| Failure::with(format!("Failed to set attributes from {path}"), e);
    let conn = ctl.writable("virSecretDefineXML").map_err(|e| failed(&e))?;
    let created = conn
        .secret
        .secret_define_xml(&xml, flags)
        .map_err(|e| failed(&e))?;
    ctl.print_extra(&format!("Secret {} created\n", uuid_string(&created.uuid)));
    Ok(())
}

fn cmd_dumpxml(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (found, _) = secret(ctl, cmd)?;
    let xml = ctl.conn()?.secret.secret_get_xml_desc(&found, 0)?;
    crate::xpath::print_xml(ctl, cmd, &xml)
}

fn cmd_get_value(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (found, _) = secret(ctl, cmd)?;
    let conn = ctl.writable("virSecretGetValue")?;
    let value = conn.secret.secret_get_value(&found, 0)?;
    if cmd.has("plain") {
        let mut out = std::io::stdout().lock();
        out.write_all(&value)
            .and_then(|()| out.flush())
            .map_err(|_| Failure::msg("failed to write secret"))?;
    } else {
        ctl.print(&base64_encode(&value));
    }
    Ok(())
}

fn usage_name(usage_type: i32) -> &'static str {
    match usage_type {
        1 => "volume",
        2 => "ceph",
        3 => "iscsi",
        4 => "tls",
        5 => "vtpm",
        _ => "none",
    }
}

/// What libvirt answers when virsh falls back to counting secrets on a driver without them.
const NO_COUNT_API: &str =
    "this function is not supported by the connection driver: virConnectNumOfSecrets";

fn cmd_list(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let mut flags = ListSecretsFlags::empty();
    for (option, bit) in [
        ("ephemeral", ListSecretsFlags::EPHEMERAL),
        ("no-ephemeral", ListSecretsFlags::NO_EPHEMERAL),
        ("private", ListSecretsFlags::PRIVATE),
        ("no-private", ListSecretsFlags::NO_PRIVATE),
    ] {
        if cmd.has(option) {
            flags |= bit;
        }
    }
    let mut secrets = match ctl.conn()?.secret.connect_list_all_secrets(flags) {
        Ok(list) => list,
        // virsh then falls back to the old counting API, which such a driver lacks too.
        Err(e) if e.code == ErrorCode::NoSupport && !flags.is_empty() => {
            return Err(Failure::msg("Filtering is not supported by this libvirt"))
        }
        Err(e) if e.code == ErrorCode::NoSupport => {
            return Err(Failure {
                lines: vec![
                    "Failed to count secrets".to_string(),
                    NO_COUNT_API.to_string(),
                ],
            })
        }
        Err(e) => return Err(Failure::with("Failed to list node secrets", &e)),
    };
    secrets.sort_by_key(|s| uuid_string(&s.uuid));
    let mut table = crate::util::Table::new(&["UUID", "Usage"]);
    for s in &secrets {
        let usage = if s.usage_type == 0 {
            "Unused".to_string()
        } else {
            format!("{} {}", usage_name(s.usage_type), s.usage_id)
        };
        table.row(vec![uuid_string(&s.uuid), usage]);
    }
    table.print(ctl);
    Ok(())
}

fn exclusive(cmd: &ParsedCmd, a: &str, b: &str) -> Result<(), Failure> {
    if cmd.has(a) && cmd.has(b) {
        return Err(Failure::msg(format!(
            "Options --{a} and --{b} are mutually exclusive"
        )));
    }
    Ok(())
}

fn cmd_set_value(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    for (a, b) in [
        ("file", "base64"),
        ("plain", "base64"),
        ("interactive", "base64"),
        ("interactive", "plain"),
        ("interactive", "file"),
    ] {
        exclusive(cmd, a, b)?;
    }
    let (found, _) = secret(ctl, cmd)?;
    let mut plain = cmd.has("plain");
    let raw: Vec<u8> = if let Some(encoded) = cmd.string("base64")? {
        // virsh warns, as an error line, and carries on.
        ctl.report(&Failure::msg(
            "Passing secret value as command-line argument is insecure!",
        ));
        encoded.as_bytes().to_vec()
    } else if let Some(path) = cmd.string("file")? {
        std::fs::read(path).map_err(|e| {
            Failure::msg(format!(
                "Failed to open file '{path}': {}",
                crate::util::strerror(&e)
            ))
        })?
    } else if cmd.has("interactive") {
        ctl.print("Enter new value for secret:");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|_| Failure::msg("Failed to read secret"))?;
        plain = true;
        line.trim_end_matches(['\n', '\r']).as_bytes().to_vec()
    } else {
        return Err(Failure::msg("Input secret value is missing"));
    };
    let value = if plain { raw } else { base64_decode(&raw) };
    let failed = |e: &rvirt::Error| Failure::with("Failed to set secret value", e);
    let conn = ctl.writable("virSecretSetValue").map_err(|e| failed(&e))?;
    conn.secret
        .secret_set_value(&found, &value, 0)
        .map_err(|e| failed(&e))?;
    ctl.print_extra("Secret value set\n");
    Ok(())
}

fn cmd_undefine(ctl: &mut Ctl, cmd: &ParsedCmd) -> CmdResult {
    let (found, text) = secret(ctl, cmd)?;
    let failed = |e: &rvirt::Error| Failure::with(format!("Failed to delete secret {text}"), e);
    let conn = ctl.writable("virSecretUndefine").map_err(|e| failed(&e))?;
    conn.secret
        .secret_undefine(&found)
        .map_err(|e| failed(&e))?;
    ctl.print_extra(&format!("Secret {text} deleted\n"));
    Ok(())
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with `=` padding.
fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let bytes = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(bytes[0]) << 16) | (u32::from(bytes[1]) << 8) | u32::from(bytes[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(
                    BASE64_ALPHABET[((n >> (18 - 6 * i)) & 63) as usize],
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes base64 leniently as GLib does: characters outside the alphabet are skipped and
/// decoding stops at padding.
fn base64_decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in text {
        if c == b'=' {
            break;
        }
        let Some(v) = BASE64_ALPHABET.iter().position(|&a| a == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for sample in [
            &b""[..],
            b"h",
            b"he",
            b"hel",
            b"hello",
            b"\x00\xff\x10binary",
        ] {
            assert_eq!(base64_decode(base64_encode(sample).as_bytes()), sample);
        }
        assert_eq!(base64_encode(b"hello"), "aGVsbG8=");
        assert_eq!(base64_decode(b"aGVs\nbG8="), b"hello");
    }
}
