//! Host side of guest interfaces: tap devices for `ethernet` and `bridge` interfaces,
//! created before QEMU starts (QEMU attaches to them by name) and removed when it stops.

use std::process::Command;

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::DomainDef;

fn ip(args: &[&str]) -> Result<()> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| Error::system(ErrorDomain::Qemu, &e, "cannot run 'ip'"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::new(
            ErrorDomain::Qemu,
            ErrorCode::SystemError,
            format!(
                "ip {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ))
    }
}

fn link_exists(name: &str) -> bool {
    std::path::Path::new(&format!("/sys/class/net/{name}")).exists()
}

/// A free `vnetN` name.
fn free_tap_name(taken: &[String]) -> String {
    (0..)
        .map(|n| format!("vnet{n}"))
        .find(|n| !link_exists(n) && !taken.contains(n))
        .unwrap_or_else(|| "vnet".to_string())
}

/// Creates the taps `def`'s interfaces need. Returns one name per interface (`None` for
/// types without a tap) and the taps created here (to remove at stop). On failure, taps
/// created so far are removed.
pub fn prepare_taps(def: &DomainDef) -> Result<(Vec<Option<String>>, Vec<String>)> {
    let mut out: Vec<Option<String>> = Vec::new();
    let mut created: Vec<String> = Vec::new();
    for iface in def.devices_of("interface") {
        let kind = iface.attr("type").unwrap_or("");
        if kind == "network" {
            remove_taps(&created.iter().cloned().map(Some).collect::<Vec<_>>());
            return Err(Error::new(
                ErrorDomain::Qemu,
                ErrorCode::ConfigUnsupported,
                "interfaces of type 'network' are not supported by this driver yet; use type 'bridge'",
            ));
        }
        if !matches!(kind, "ethernet" | "bridge") {
            out.push(None);
            continue;
        }
        let wanted = iface
            .child_attr("target", "dev")
            .filter(|d| !d.is_empty() && !d.starts_with("vnet"))
            .map(str::to_string);
        let name = wanted.unwrap_or_else(|| free_tap_name(&created));
        // An existing, administrator-made tap for `ethernet` is used as it is.
        let made_here = if link_exists(&name) {
            false
        } else {
            if let Err(e) = ip(&["tuntap", "add", "dev", &name, "mode", "tap"]) {
                remove_taps(&created.iter().cloned().map(Some).collect::<Vec<_>>());
                return Err(e);
            }
            true
        };
        let attach = if kind == "bridge" {
            let bridge = iface.child_attr("source", "bridge").unwrap_or("");
            ip(&["link", "set", "dev", &name, "master", bridge])
        } else {
            Ok(())
        };
        if made_here {
            created.push(name.clone());
        }
        if let Err(e) = attach.and_then(|_| ip(&["link", "set", "dev", &name, "up"])) {
            remove_taps(&created.iter().cloned().map(Some).collect::<Vec<_>>());
            return Err(e);
        }
        out.push(Some(name));
    }
    Ok((out, created))
}

/// Removes taps this driver created.
pub fn remove_taps(taps: &[Option<String>]) {
    for name in taps.iter().flatten() {
        if link_exists(name) {
            let _ = ip(&["tuntap", "del", "dev", name, "mode", "tap"]);
        }
    }
}
