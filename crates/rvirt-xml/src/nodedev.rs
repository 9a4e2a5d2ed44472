//! Node device XML (`<device>`).
//!
//! CONTRACT (used by drivers and the CLI; extend, do not rename): `NodeDeviceDef::parse`,
//! `NodeDeviceDef::format`, fields `name`, `parent`, and `capability_names()`.

use rvirt_core::Result;

/// A node device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeDeviceDef {
    pub name: String,
    pub parent: Option<String>,
}

impl NodeDeviceDef {
    pub fn parse(xml: &str) -> Result<Self> {
        let _ = xml;
        Err(rvirt_core::Error::no_support(
            rvirt_core::ErrorDomain::Nodedev,
            "node device XML parser not implemented yet",
        ))
    }

    pub fn format(&self) -> String {
        String::new()
    }

    /// Capability names as `virNodeDeviceListCaps` returns them, including nested ones
    /// libvirt reports (`fc_host`, `vports` under `scsi_host`, ...).
    pub fn capability_names(&self) -> Vec<String> {
        Vec::new()
    }
}
