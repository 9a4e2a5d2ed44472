//! Host interface XML (`<interface>` of the interface driver, not the domain device).
//!
//! CONTRACT (used by drivers and the CLI; extend, do not rename): `InterfaceDef::parse`,
//! `InterfaceDef::format`, fields `name`, `iface_type`, `mac`.

use rvirt_core::Result;

/// A host interface definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterfaceDef {
    /// `type=`: ethernet, bridge, bond, vlan.
    pub iface_type: String,
    pub name: String,
    pub mac: Option<String>,
}

impl InterfaceDef {
    pub fn parse(xml: &str) -> Result<Self> {
        let _ = xml;
        Err(rvirt_core::Error::no_support(
            rvirt_core::ErrorDomain::Interface,
            "interface XML parser not implemented yet",
        ))
    }

    /// `inactive`: `VIR_INTERFACE_XML_INACTIVE`.
    pub fn format(&self, inactive: bool) -> String {
        let _ = inactive;
        String::new()
    }
}
