//! Storage pool (`<pool>`) and volume (`<volume>`) XML.
//!
//! CONTRACT (used by drivers and the CLI; extend, do not rename): `PoolDef::parse`,
//! `PoolDef::format`, `VolumeDef::parse`, `VolumeDef::format`, and the fields below.

use rvirt_core::{Result, Uuid};

/// A storage pool definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolDef {
    /// `type=`: dir, fs, netfs, logical, disk, iscsi, scsi, mpath, rbd, gluster, zfs, ...
    pub pool_type: String,
    pub name: String,
    pub uuid: Uuid,
    /// Bytes.
    pub capacity: u64,
    pub allocation: u64,
    pub available: u64,
    /// `<target><path>`.
    pub target_path: Option<String>,
}

impl PoolDef {
    pub fn parse(xml: &str) -> Result<Self> {
        let _ = xml;
        Err(rvirt_core::Error::no_support(
            rvirt_core::ErrorDomain::Storage,
            "pool XML parser not implemented yet",
        ))
    }

    /// `inactive`: `VIR_STORAGE_XML_INACTIVE`.
    pub fn format(&self, inactive: bool) -> String {
        let _ = inactive;
        String::new()
    }
}

/// A storage volume definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeDef {
    pub name: String,
    /// `<key>`: for file volumes, the path.
    pub key: Option<String>,
    /// `type=`: file, block, dir, network, netdir, ploop.
    pub vol_type: String,
    /// Bytes.
    pub capacity: u64,
    pub allocation: u64,
    /// `<target><path>`.
    pub target_path: Option<String>,
    /// `<target><format type=>`.
    pub format: Option<String>,
}

impl VolumeDef {
    /// Parses a volume for a pool of type `pool_type` (the pool decides defaults such as the
    /// format and which elements are allowed).
    pub fn parse(xml: &str, pool_type: &str) -> Result<Self> {
        let _ = (xml, pool_type);
        Err(rvirt_core::Error::no_support(
            rvirt_core::ErrorDomain::Storage,
            "volume XML parser not implemented yet",
        ))
    }

    /// Formats the volume as a pool of type `pool_type` prints it.
    pub fn format(&self, pool_type: &str) -> String {
        let _ = pool_type;
        String::new()
    }
}
