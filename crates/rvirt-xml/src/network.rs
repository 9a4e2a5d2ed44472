//! Network XML (`<network>`).
//!
//! CONTRACT (used by drivers and the CLI; extend, do not rename): `NetworkDef::parse`,
//! `NetworkDef::format`, fields `name`, `uuid`, `bridge_name`, `forward_mode`.

use rvirt_core::{Result, Uuid};

/// A network definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkDef {
    pub name: String,
    pub uuid: Uuid,
    /// `<bridge name=>`.
    pub bridge_name: Option<String>,
    /// `<forward mode=>` (`None` for an isolated network).
    pub forward_mode: Option<String>,
}

impl NetworkDef {
    pub fn parse(xml: &str) -> Result<Self> {
        let _ = xml;
        Err(rvirt_core::Error::no_support(
            rvirt_core::ErrorDomain::Network,
            "network XML parser not implemented yet",
        ))
    }

    /// `inactive`: `VIR_NETWORK_XML_INACTIVE`.
    pub fn format(&self, inactive: bool) -> String {
        let _ = inactive;
        String::new()
    }
}
