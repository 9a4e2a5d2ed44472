//! Finding the object a command names, in the order virsh tries (id, UUID, name for domains;
//! UUID then name for networks and pools; name, key, path for volumes), with virsh's
//! messages when nothing matches.

use rvirt::{
    parse_uuid, DomainRef, Error, InterfaceRef, NetworkRef, NodeDeviceRef, StoragePoolRef,
    StorageVolRef,
};

use crate::ctl::{Ctl, Failure, OptAccess};
use crate::vsh::parser::ParsedCmd;

/// Ways a name may be interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct By {
    pub id: bool,
    pub uuid: bool,
    pub name: bool,
}

impl By {
    pub const ALL: By = By {
        id: true,
        uuid: true,
        name: true,
    };
}

/// Length of a hyphenated UUID string: virsh only tries a UUID lookup for text that long.
const UUID_STRING_LEN: usize = 36;

/// The domain named by option `opt` (default `domain`), and the text used to name it.
pub fn domain(ctl: &Ctl, cmd: &ParsedCmd, by: By) -> Result<(DomainRef, String), Failure> {
    domain_opt(ctl, cmd, "domain", by)
}

pub fn domain_opt(
    ctl: &Ctl,
    cmd: &ParsedCmd,
    opt: &str,
    by: By,
) -> Result<(DomainRef, String), Failure> {
    let text = cmd.required(opt)?.to_string();
    let hv = &ctl.conn()?.hypervisor;
    let mut found = None;
    if by.id {
        if let Ok(id) = text.parse::<i32>() {
            if id >= 0 {
                found = hv.domain_lookup_by_id(id).ok();
            }
        }
    }
    if found.is_none() && by.uuid && text.len() == UUID_STRING_LEN {
        if let Some(uuid) = parse_uuid(&text) {
            found = hv.domain_lookup_by_uuid(&uuid).ok();
        }
    }
    if found.is_none() && by.name {
        found = hv.domain_lookup_by_name(&text).ok();
    }
    // virsh drops the library's error here and reports only its own line.
    found
        .map(|d| (d, text.clone()))
        .ok_or_else(|| Failure::msg(format!("failed to get domain '{text}'")))
}

/// The network named by option `network`.
pub fn network(ctl: &Ctl, cmd: &ParsedCmd, by: By) -> Result<(NetworkRef, String), Failure> {
    let text = cmd.required("network")?.to_string();
    let drv = &ctl.conn()?.network;
    let mut last: Option<Error> = None;
    if by.uuid && text.len() == UUID_STRING_LEN {
        if let Some(uuid) = parse_uuid(&text) {
            match drv.network_lookup_by_uuid(&uuid) {
                Ok(n) => return Ok((n, text)),
                Err(e) => last = Some(e),
            }
        }
    }
    if by.name {
        match drv.network_lookup_by_name(&text) {
            Ok(n) => return Ok((n, text)),
            Err(e) => last = Some(e),
        }
    }
    Err(not_found(format!("failed to get network '{text}'"), last))
}

/// The pool named by `text`.
pub fn pool_by_text(ctl: &Ctl, text: &str, by: By) -> Result<StoragePoolRef, Failure> {
    let drv = &ctl.conn()?.storage;
    let mut last: Option<Error> = None;
    if by.uuid && text.len() == UUID_STRING_LEN {
        if let Some(uuid) = parse_uuid(text) {
            match drv.storage_pool_lookup_by_uuid(&uuid) {
                Ok(p) => return Ok(p),
                Err(e) => last = Some(e),
            }
        }
    }
    if by.name {
        match drv.storage_pool_lookup_by_name(text) {
            Ok(p) => return Ok(p),
            Err(e) => last = Some(e),
        }
    }
    Err(not_found(format!("failed to get pool '{text}'"), last))
}

/// The pool named by option `opt`.
pub fn pool_opt(
    ctl: &Ctl,
    cmd: &ParsedCmd,
    opt: &str,
    by: By,
) -> Result<(StoragePoolRef, String), Failure> {
    let text = cmd.required(opt)?.to_string();
    let pool = pool_by_text(ctl, &text, by)?;
    Ok((pool, text))
}

/// The pool named by option `pool`.
pub fn pool(ctl: &Ctl, cmd: &ParsedCmd, by: By) -> Result<(StoragePoolRef, String), Failure> {
    pool_opt(ctl, cmd, "pool", by)
}

/// The volume named by option `vol_opt`, within the pool of option `pool_opt` when given.
pub fn volume(
    ctl: &Ctl,
    cmd: &ParsedCmd,
    vol_opt: &str,
    pool_opt: &str,
    by: By,
) -> Result<(StorageVolRef, String), Failure> {
    let text = cmd.required(vol_opt)?.to_string();
    let pool_text = cmd.string(pool_opt)?;
    let drv = &ctl.conn()?.storage;
    let pool = match pool_text {
        Some(p) => {
            let pool = pool_by_text(ctl, p, By::ALL)?;
            if !drv.storage_pool_is_active(&pool).unwrap_or(false) {
                return Err(Failure::msg(format!("pool '{p}' is not active")));
            }
            Some(pool)
        }
        None => None,
    };
    let mut last: Option<Error> = None;
    if let (Some(pool), true) = (&pool, by.name) {
        match drv.storage_vol_lookup_by_name(pool, &text) {
            Ok(v) => return Ok((v, text)),
            Err(e) => last = Some(e),
        }
    }
    if by.uuid {
        // Only the last lookup's error is reported, as virsh reports it.
        if let Ok(v) = drv.storage_vol_lookup_by_key(&text) {
            return Ok((v, text));
        }
        match drv.storage_vol_lookup_by_path(&text) {
            Ok(v) => return Ok((v, text)),
            Err(e) => last = Some(e),
        }
    }
    // Commands without a pool option (vol-name, vol-pool) cannot suggest one.
    let message = if pool.is_some() || cmd.def.option(pool_opt).is_none() {
        format!("failed to get vol '{text}'")
    } else {
        format!("failed to get vol '{text}', specifying --{pool_opt} might help")
    };
    Err(not_found(message, last))
}

/// The host interface named by option `interface` (name and/or MAC address).
pub fn interface(
    ctl: &Ctl,
    cmd: &ParsedCmd,
    by_name: bool,
    by_mac: bool,
) -> Result<(InterfaceRef, String), Failure> {
    let text = cmd.required("interface")?.to_string();
    let drv = &ctl.conn()?.interface;
    let mut last: Option<Error> = None;
    if by_name {
        match drv.interface_lookup_by_name(&text) {
            Ok(i) => return Ok((i, text)),
            Err(e) => last = Some(e),
        }
    }
    if by_mac {
        // virsh reports the name lookup's error, never the MAC lookup's.
        if let Ok(i) = drv.interface_lookup_by_mac_string(&text) {
            return Ok((i, text));
        }
    }
    Err(not_found(format!("failed to get interface '{text}'"), last))
}

/// The node device named by option `device`.
pub fn node_device(ctl: &Ctl, cmd: &ParsedCmd) -> Result<(NodeDeviceRef, String), Failure> {
    let text = cmd.required("device")?.to_string();
    let drv = &ctl.conn()?.nodedev;
    let found = match text.split_once(',') {
        Some((wwnn, wwpn)) => drv.node_device_lookup_scsi_host_by_wwn(wwnn, wwpn, 0),
        None => drv.node_device_lookup_by_name(&text),
    };
    match found {
        Ok(d) => Ok((d, text)),
        Err(e) => Err(Failure::with(
            format!("Could not find matching device '{text}'"),
            &e,
        )),
    }
}

fn not_found(message: String, last: Option<Error>) -> Failure {
    match last {
        Some(e) => Failure::with(message, &e),
        None => Failure::msg(message),
    }
}
