//! Graphics and video: listen and port defaults, the implicit video device, video RAM.

use rvirt_core::{Error, ErrorDomain, Result};

use super::{num, set_or_clear};
use crate::domain::tree::Element;
use crate::domain::DomainDef;

/// `live`: a running guest's document, whose auto-assigned VNC port is kept.
pub(super) fn graphics_defaults(g: &mut Element, live: bool) -> Result<()> {
    let ty = g.attr("type").unwrap_or("").to_string();
    // Each graphics type reads its own attributes.
    let keep: &[&str] = match ty.as_str() {
        "vnc" => &[
            "port",
            "autoport",
            "websocket",
            "listen",
            "keymap",
            "sharePolicy",
            "passwd",
            "passwdValidTo",
            "connected",
            "powerControl",
            "socket",
        ],
        "sdl" => &["display", "xauth", "fullscreen"],
        "rdp" => &["port", "autoport", "replaceUser", "multiUser", "listen"],
        "desktop" => &["display", "fullscreen"],
        "spice" => &[
            "port",
            "tlsPort",
            "autoport",
            "listen",
            "keymap",
            "defaultMode",
            "passwd",
            "passwdValidTo",
            "connected",
        ],
        "dbus" => &["address", "p2p"],
        _ => &[],
    };
    g.attrs
        .retain(|(k, _)| k == "type" || keep.contains(&k.as_str()));
    // Password expiry and the connected policy belong to a password.
    if !g.has_attr("passwd") {
        g.remove_attr("passwdValidTo");
        g.remove_attr("connected");
    }
    if ty != "vnc" && ty != "spice" && ty != "rdp" {
        return Ok(());
    }
    // Listen: the `listen` attribute is the first <listen type='address'>; with neither,
    // libvirt listens on the default address.
    let attr_listen = g.attr("listen").map(str::to_string);
    if g.children.iter().all(|c| c.name != "listen") {
        let mut l = Element::new("listen").with_attr("type", "address");
        if let Some(a) = &attr_listen {
            l.set_attr("address", a);
        }
        if ty == "vnc" && g.has_attr("socket") {
            l = Element::new("listen").with_attr("type", "socket");
            if let Some(s) = g.attr("socket") {
                l.set_attr("socket", s);
            }
        }
        g.children.insert(0, l);
    } else {
        // Back-compat attributes must agree with the first <listen>, or fill it in.
        let socket_attr = g.attr("socket").map(str::to_string);
        let Some(first) = g.children.iter_mut().find(|c| c.name == "listen") else {
            return Ok(());
        };
        if let Some(a) = &attr_listen {
            if first.attr("type") == Some("address") {
                match first.attr("address") {
                    Some(found) if found != a => {
                        return Err(Error::config_unsupported(
                            ErrorDomain::Domain,
                            format!(
                                "graphics 'listen' attribute '{a}' must match 'address' attribute of first listen element (found '{found}')"
                            ),
                        ))
                    }
                    Some(_) => {}
                    None => first.set_attr("address", a),
                }
            }
        }
        if let (Some(sock), "vnc") = (&socket_attr, ty.as_str()) {
            match (first.attr("type"), first.attr("socket")) {
                (Some("socket"), Some(found)) if found != sock => {
                    return Err(Error::config_unsupported(
                        ErrorDomain::Domain,
                        format!(
                            "graphics 'socket' attribute '{sock}' must match 'socket' attribute of first listen element (found '{found}')"
                        ),
                    ))
                }
                (Some("socket"), Some(_)) => {}
                _ => *first = Element::new("listen")
                    .with_attr("type", "socket")
                    .with_attr("socket", sock),
            }
        }
    }
    for l in g.children.iter_mut().filter(|c| c.name == "listen") {
        if l.attr("type") == Some("network") {
            l.remove_attr("address");
        }
    }
    let first_type = g
        .children
        .iter()
        .find(|c| c.name == "listen")
        .and_then(|l| l.attr("type"))
        .unwrap_or("address")
        .to_string();
    let first_addr = g
        .children
        .iter()
        .find(|c| c.name == "listen")
        .and_then(|l| l.attr("address"))
        .map(str::to_string);
    g.remove_attr("listen");
    g.remove_attr("socket");
    let port_attr: Option<i64> = g.attr("port").and_then(|p| p.parse().ok());
    let port = port_attr.unwrap_or(0);
    let tls_port: i64 = g.attr("tlsPort").and_then(|p| p.parse().ok()).unwrap_or(0);
    let autoport_attr = g.attr("autoport").map(|a| a == "yes");
    let mut autoport = autoport_attr.unwrap_or(false);
    match ty.as_str() {
        "vnc" => {
            // A missing port or the legacy -1 means "pick one"; autoport= overrides.
            autoport = autoport_attr.unwrap_or(port_attr.is_none() || port == -1);
            if autoport_attr.is_none() && (port_attr.is_none() || port == -1) {
                autoport = true;
            }
            g.remove_attr("port");
            g.remove_attr("autoport");
            if first_type == "socket" {
                let socket = g
                    .children
                    .iter()
                    .find(|c| c.name == "listen")
                    .and_then(|l| l.attr("socket"))
                    .map(str::to_string);
                if let Some(sock) = socket {
                    g.set_attr("socket", &sock);
                }
            }
            if first_type == "address" || first_type == "network" {
                if autoport && !(live && port > 0) {
                    g.set_attr("port", "-1");
                } else if port > 0 {
                    g.set_attr("port", &port.to_string());
                }
                g.set_attr("autoport", if autoport { "yes" } else { "no" });
                if let Some(a) = &first_addr {
                    g.set_attr("listen", a);
                }
            }
        }
        "rdp" => {
            if port == -1 || port_attr.is_none() {
                autoport = true;
            }
            g.remove_attr("port");
            g.remove_attr("autoport");
            let port = if autoport || port < 0 { 0 } else { port };
            g.set_attr("port", &port.to_string());
            if autoport {
                g.set_attr("autoport", "yes");
            }
            // Booleans libvirt prints only when set, after the ports and before `listen`.
            for flag in ["replaceUser", "multiUser"] {
                let set = g.attr(flag) == Some("yes");
                g.remove_attr(flag);
                if set {
                    g.set_attr(flag, "yes");
                }
            }
            if let Some(a) = &first_addr {
                g.set_attr("listen", a);
            }
        }
        "spice" => {
            if port == -1 && tls_port == -1 {
                autoport = true;
            }
            g.remove_attr("port");
            g.remove_attr("tlsPort");
            g.remove_attr("autoport");
            let (port, tls_port) = if autoport { (0, 0) } else { (port, tls_port) };
            let mut listen_type = first_type.clone();
            if listen_type == "address" && port == 0 && tls_port == 0 && !autoport {
                listen_type = "none".into();
                if let Some(l) = g.child_mut("listen") {
                    *l = Element::new("listen").with_attr("type", "none");
                }
            }
            if listen_type == "address" || listen_type == "network" {
                if port != 0 {
                    g.set_attr("port", &port.to_string());
                }
                if tls_port != 0 {
                    g.set_attr("tlsPort", &tls_port.to_string());
                }
                g.set_attr("autoport", if autoport { "yes" } else { "no" });
                if let Some(a) = &first_addr {
                    g.set_attr("listen", a);
                }
            }
        }
        _ => {}
    }
    spice_channels(g);
    // Passwords are printed only with VIR_DOMAIN_XML_SECURE; the definition keeps them.
    Ok(())
}

/// The first video is the primary one; RAM sizes get their defaults.
pub(super) fn video_defaults(def: &mut DomainDef) {
    let virt_type = def.virt_type.clone();
    let os_type = def.os.os_type.clone();
    let mut first = true;
    for video in def.devices.iter_mut().filter(|d| d.name == "video") {
        let model = video.child_or_insert("model");
        if !model.has_attr("type") {
            model.set_attr("type", default_video_type(&virt_type, &os_type));
        }
        let ty = model.attr("type").unwrap_or("").to_string();
        if ty == "none" {
            model.attrs.retain(|(k, _)| k == "type");
            model.children.clear();
            first = false;
            continue;
        }
        let default_ram = default_video_ram(&virt_type, &ty);
        let ram = num(model, "ram").unwrap_or(0);
        let ram = if ram == 0 && ty == "qxl" {
            default_ram
        } else {
            ram
        };
        let vram = num(model, "vram").unwrap_or(0);
        let vram = if vram == 0 { default_ram } else { vram };
        set_or_clear(model, "ram", round_pow2(ram));
        set_or_clear(model, "vram", round_pow2(vram));
        if !model.has_attr("heads") {
            model.set_attr("heads", "1");
        }
        if first {
            model.set_attr("primary", "yes");
        } else {
            model.remove_attr("primary");
        }
        first = false;
    }
}

pub(super) fn round_pow2(v: u64) -> u64 {
    if v == 0 {
        0
    } else {
        v.next_power_of_two()
    }
}

pub(super) fn default_video_type(virt_type: &str, os_type: &str) -> &'static str {
    if matches!(os_type, "xen" | "linux") {
        return "xen";
    }
    match virt_type {
        "vbox" => "vbox",
        "vmware" => "vmvga",
        "vz" | "parallels" => "vga",
        _ => "cirrus",
    }
}

/// `virDomainVideoDefaultRAM`, in KiB.
pub(super) fn default_video_ram(virt_type: &str, ty: &str) -> u64 {
    match ty {
        "vga" | "cirrus" | "vmvga" => match virt_type {
            "vbox" => 8 * 1024,
            "vmware" => 4 * 1024,
            _ => 16 * 1024,
        },
        "xen" => 4 * 1024,
        "qxl" => 64 * 1024,
        "vbox" => 8 * 1024,
        "bochs" => 16 * 1024,
        _ => 0,
    }
}

/// `virDomainDefAddImplicitVideo`: graphics without a video device get the default one.
pub(super) fn implicit_video(def: &mut DomainDef) {
    let has_graphics = def.devices.iter().any(|d| d.name == "graphics");
    let has_video = def.devices.iter().any(|d| d.name == "video");
    if !has_graphics || has_video {
        return;
    }
    let arch = def.os.arch.as_deref().unwrap_or("");
    let ty = if matches!(def.os.os_type.as_str(), "xen" | "linux") {
        "xen"
    } else if arch.starts_with("ppc64") {
        "vga"
    } else {
        "cirrus"
    };
    def.devices
        .push(Element::new("video").with_child(Element::new("model").with_attr("type", ty)));
}

/// SPICE channel modes are kept per channel name (the last one given wins), printed in
/// libvirt's channel order, and `any` (the default) is not printed.
fn spice_channels(g: &mut Element) {
    const ORDER: &[&str] = &[
        "main",
        "display",
        "inputs",
        "cursor",
        "playback",
        "record",
        "smartcard",
        "usbredir",
    ];
    if g.attr("type") != Some("spice") {
        g.remove_children("channel");
        return;
    }
    let mut modes: Vec<Option<String>> = vec![None; ORDER.len()];
    for c in g.children_named("channel") {
        let (Some(name), Some(mode)) = (c.attr("name"), c.attr("mode")) else {
            continue;
        };
        if let Some(i) = ORDER.iter().position(|n| *n == name) {
            modes[i] = (mode != "any").then(|| mode.to_string());
        }
    }
    g.remove_children("channel");
    for (name, mode) in ORDER.iter().zip(modes) {
        if let Some(m) = mode {
            g.children.push(
                Element::new("channel")
                    .with_attr("name", name)
                    .with_attr("mode", &m),
            );
        }
    }
}
