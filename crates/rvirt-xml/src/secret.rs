//! Secret XML (`<secret>`): parse and format as libvirt's `secret_conf.c` does.
//!
//! ```text
//! <secret ephemeral='no' private='yes'>
//!   <uuid>...</uuid>
//!   <description>...</description>
//!   <usage type='ceph'>
//!     <name>client.admin secret</name>
//!   </usage>
//! </secret>
//! ```

use roxmltree::Node;
use rvirt_core::{Error, ErrorDomain, Result, Uuid};

use crate::netcommon::{parse_uuid, yes_no};
use crate::parse::{parse_document, NodeExt};
use crate::writer::XmlWriter;

const ERR: ErrorDomain = ErrorDomain::Secret;

/// What a secret is used for (`<usage type=>`) and the identifying value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretUsage {
    /// No `<usage>`.
    None,
    /// `<volume>` path of an encrypted volume.
    Volume(String),
    /// `<name>` of a Ceph client.
    Ceph(String),
    /// `<target>` of an iSCSI target.
    Iscsi(String),
    /// `<name>` of a TLS credential.
    Tls(String),
    /// `<name>` of a vTPM state secret.
    Vtpm(String),
}

impl SecretUsage {
    /// `virSecretUsageType` number (as `virSecretGetUsageType` returns it).
    pub fn type_number(&self) -> i32 {
        match self {
            SecretUsage::None => 0,
            SecretUsage::Volume(_) => 1,
            SecretUsage::Ceph(_) => 2,
            SecretUsage::Iscsi(_) => 3,
            SecretUsage::Tls(_) => 4,
            SecretUsage::Vtpm(_) => 5,
        }
    }

    /// The type name used in XML.
    pub fn type_name(&self) -> &'static str {
        match self {
            SecretUsage::None => "none",
            SecretUsage::Volume(_) => "volume",
            SecretUsage::Ceph(_) => "ceph",
            SecretUsage::Iscsi(_) => "iscsi",
            SecretUsage::Tls(_) => "tls",
            SecretUsage::Vtpm(_) => "vtpm",
        }
    }

    /// The usage identifier (`virSecretGetUsageID`).
    pub fn id(&self) -> Option<&str> {
        match self {
            SecretUsage::None => None,
            SecretUsage::Volume(s)
            | SecretUsage::Ceph(s)
            | SecretUsage::Iscsi(s)
            | SecretUsage::Tls(s)
            | SecretUsage::Vtpm(s) => Some(s),
        }
    }
}

/// A secret definition (the value itself is not part of the XML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretDef {
    pub ephemeral: bool,
    pub private: bool,
    pub uuid: Uuid,
    pub description: Option<String>,
    pub usage: SecretUsage,
}

fn xml_err(detail: impl Into<String>) -> Error {
    Error::xml(ERR, detail)
}

fn parse_flag(root: Node<'_, '_>, attr: &str) -> Result<bool> {
    match root.attr(attr) {
        None => Ok(false),
        Some("yes") => Ok(true),
        Some("no") => Ok(false),
        Some(_) => Err(xml_err(format!("invalid value of '{attr}'"))),
    }
}

impl SecretDef {
    pub fn parse(xml: &str) -> Result<Self> {
        let doc = parse_document(xml, "definition_of_secret", ERR)?;
        let root = doc.root_element();
        if root.tag_name().name() != "secret" {
            return Err(xml_err(format!(
                "unexpected root element <{}>, expecting <secret>",
                root.tag_name().name()
            )));
        }
        Self::from_node(root)
    }

    pub fn from_node(root: Node<'_, '_>) -> Result<Self> {
        let uuid = match root.child_text("uuid") {
            None => Uuid::new_v4(),
            Some(t) => {
                parse_uuid(t).ok_or_else(|| Error::internal(ERR, "malformed uuid element"))?
            }
        };
        let usage = match root.child("usage") {
            None => SecretUsage::None,
            Some(u) => parse_usage(u)?,
        };
        Ok(SecretDef {
            ephemeral: parse_flag(root, "ephemeral")?,
            private: parse_flag(root, "private")?,
            uuid,
            // libvirt reads text through XPath string(): empty counts as absent.
            description: root
                .child_text("description")
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            usage,
        })
    }

    pub fn format(&self) -> String {
        let mut w = XmlWriter::new();
        w.open(
            "secret",
            &[
                ("ephemeral", Some(yes_no(self.ephemeral))),
                ("private", Some(yes_no(self.private))),
            ],
        );
        w.text("uuid", &[], &self.uuid.to_string());
        w.opt_text("description", self.description.as_deref());
        if self.usage != SecretUsage::None {
            w.open("usage", &[("type", Some(self.usage.type_name()))]);
            let (elem, value) = match &self.usage {
                SecretUsage::Volume(v) => ("volume", v),
                SecretUsage::Iscsi(v) => ("target", v),
                SecretUsage::Ceph(v) | SecretUsage::Tls(v) | SecretUsage::Vtpm(v) => ("name", v),
                SecretUsage::None => ("", &String::new()),
            };
            w.text(elem, &[], value);
            w.close("usage");
        }
        w.close("secret");
        w.finish()
    }
}

fn parse_usage(u: Node<'_, '_>) -> Result<SecretUsage> {
    let t = u
        .attr("type")
        .ok_or_else(|| xml_err("unknown secret usage type"))?;
    let value = |elem: &str, what: &str| -> Result<String> {
        u.child_text(elem)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                Error::internal(
                    ERR,
                    format!(
                        "{what} usage specified, but {} is missing",
                        missing_noun(elem)
                    ),
                )
            })
    };
    Ok(match t {
        "none" => SecretUsage::None,
        "volume" => SecretUsage::Volume(value("volume", "volume")?),
        "ceph" => SecretUsage::Ceph(value("name", "Ceph")?),
        "iscsi" => SecretUsage::Iscsi(value("target", "iSCSI")?),
        "tls" => SecretUsage::Tls(value("name", "TLS")?),
        "vtpm" => SecretUsage::Vtpm(value("name", "vTPM")?),
        other => {
            return Err(Error::config_unsupported(
                ERR,
                format!("unknown secret usage type {other}"),
            ))
        }
    })
}

fn missing_noun(elem: &str) -> &'static str {
    match elem {
        "volume" => "volume path",
        "target" => "target",
        _ => "name",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_types_round_trip() {
        for (t, elem) in [
            ("volume", "volume"),
            ("ceph", "name"),
            ("iscsi", "target"),
            ("tls", "name"),
            ("vtpm", "name"),
        ] {
            let xml = format!(
                "<secret ephemeral='no' private='yes'>\n  <uuid>c7ab7a26-9a3d-4e36-a0cb-7be3ba0a1b3f</uuid>\n  <description>d</description>\n  <usage type='{t}'>\n    <{elem}>x</{elem}>\n  </usage>\n</secret>\n"
            );
            let def = SecretDef::parse(&xml).unwrap();
            assert_eq!(def.format(), xml);
            assert_eq!(def.usage.id(), Some("x"));
        }
    }

    #[test]
    fn missing_usage_value_is_rejected() {
        let err = SecretDef::parse("<secret><usage type='ceph'/></secret>").unwrap_err();
        assert_eq!(err.code, rvirt_core::ErrorCode::InternalError);
        assert_eq!(
            err.message,
            "internal error: Ceph usage specified, but name is missing"
        );
    }

    #[test]
    fn defaults() {
        let def = SecretDef::parse("<secret/>").unwrap();
        assert!(!def.ephemeral && !def.private);
        assert!(def
            .format()
            .starts_with("<secret ephemeral='no' private='no'>\n  <uuid>"));
    }
}
