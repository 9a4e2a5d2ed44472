//! Character devices: what each backend keeps of its source, port numbering, and the
//! console that mirrors the first serial port.

use crate::domain::tree::Element;
use crate::domain::DomainDef;

/// `virDomainChrDefPostParse`: serial, parallel and console ports default to one past the
/// highest in use; consoles default to a serial target.
pub(super) fn assign_chr_ports(def: &mut DomainDef) {
    for kind in ["serial", "parallel", "console", "channel"] {
        let positions: Vec<usize> = def
            .devices
            .iter()
            .enumerate()
            .filter(|(_, d)| d.name == kind)
            .map(|(i, _)| i)
            .collect();
        if kind == "console" {
            // The parser numbers consoles by their position, whatever port they name.
            for (i, &pos) in positions.iter().enumerate() {
                def.devices[pos]
                    .child_or_insert("target")
                    .set_attr("port", &i.to_string());
            }
        }
        for &pos in &positions {
            chr_source_defaults(&mut def.devices[pos]);
            if kind == "channel" {
                continue;
            }
            if kind == "console" {
                let t = def.devices[pos].child_or_insert("target");
                if !t.has_attr("type") {
                    t.set_attr("type", "serial");
                }
            }
            let has_port = def.devices[pos]
                .child("target")
                .and_then(|t| t.attr("port"))
                .is_some();
            if has_port {
                continue;
            }
            let max = positions
                .iter()
                .filter_map(|&p| {
                    def.devices[p]
                        .child("target")
                        .and_then(|t| t.attr("port"))
                        .and_then(|v| v.parse::<i64>().ok())
                })
                .max()
                .unwrap_or(-1);
            def.devices[pos]
                .child_or_insert("target")
                .set_attr("port", &max.saturating_add(1).to_string());
        }
    }
}

/// What libvirt keeps of a character device's `<source>` for each backend type.
pub(super) fn chr_source_defaults(chr: &mut Element) {
    let ty = chr.attr("type").unwrap_or("pty").to_string();
    if !chr.has_attr("type") {
        chr.set_attr("type", "pty");
    }
    let keep: &[&str] = match ty.as_str() {
        "pty" | "dev" | "file" | "pipe" => &["path", "append"],
        "tcp" => &["mode", "host", "service", "tls"],
        "udp" => &["mode", "host", "service"],
        "unix" => &["mode", "path"],
        "spiceport" => &["channel"],
        "nmdm" => &["master", "slave"],
        _ => &[],
    };
    let mut first_source = true;
    for src in chr.children.iter_mut().filter(|c| c.name == "source") {
        src.attrs.retain(|(k, _)| keep.contains(&k.as_str()));
        if ty == "tcp" && first_source && !src.has_attr("mode") {
            src.set_attr("mode", "connect");
        }
        if ty == "unix" {
            if src.attr("mode") != Some("bind") {
                src.set_attr("mode", "connect");
            }
            if !src.has_attr("path") {
                src.attrs.clear();
            }
        }
        if ty == "pty" {
            // The pty path is runtime state.
            src.remove_attr("path");
        }
        first_source = false;
    }
    chr.children
        .retain(|c| !(c.name == "source" && c.attrs.is_empty() && c.children.is_empty()));
    if ty == "tcp" {
        if chr.child("protocol").is_none() {
            chr.children
                .push(Element::new("protocol").with_attr("type", "raw"));
        }
    } else {
        chr.remove_children("protocol");
    }
}

/// `virDomainDefAddConsoleCompat`: for HVM guests the first console mirrors the first
/// serial port, and a console without a serial port creates one.
pub(super) fn console_compat(def: &mut DomainDef) {
    if def.os.os_type != "hvm" {
        return;
    }
    let first_console = def.devices.iter().position(|d| d.name == "console");
    let first_serial = def.devices.iter().position(|d| d.name == "serial");
    match (first_console, first_serial) {
        (Some(ci), serial) => {
            let target_type = def.devices[ci]
                .child_attr("target", "type")
                .unwrap_or("serial")
                .to_string();
            if target_type != "serial" {
                // A console of another kind: the serial port still gets its console, first.
                if let Some(si) = serial {
                    let mut console = Element::new("console");
                    mirror_serial(&mut console, &def.devices[si]);
                    def.devices.insert(ci, console);
                }
                return;
            }
            match serial {
                None => {
                    // The console becomes a serial port, and the console refers to it.
                    let console = def.devices[ci].clone();
                    let mut serial = console.clone();
                    serial.name = "serial".into();
                    serial.remove_children("alias");
                    serial.remove_children("address");
                    let port = console
                        .child_attr("target", "port")
                        .unwrap_or("0")
                        .to_string();
                    serial.remove_children("target");
                    serial
                        .children
                        .push(Element::new("target").with_attr("port", &port));
                    def.devices.push(serial);
                }
                Some(si) => mirror_serial_at(&mut def.devices, ci, si),
            }
            if let Some(si) = def.devices.iter().position(|d| d.name == "serial") {
                if let Some(ci) = def.devices.iter().position(|d| d.name == "console") {
                    mirror_serial_at(&mut def.devices, ci, si);
                }
            }
        }
        (None, Some(si)) => {
            let serial = &def.devices[si];
            let serial_target = serial.child_attr("target", "type");
            if serial_target.is_some_and(|t| t != "isa-serial") {
                return;
            }
            let mut console = Element::new("console");
            mirror_serial(&mut console, serial);
            // Insert the console right after the serial ports (formatting groups anyway).
            def.devices.push(console);
        }
        (None, None) => {}
    }
}

/// [`mirror_serial`] between two devices of the list, without copying the serial port.
fn mirror_serial_at(devices: &mut [Element], console_at: usize, serial_at: usize) {
    let (console, serial) = match console_at.cmp(&serial_at) {
        std::cmp::Ordering::Less => {
            let (head, tail) = devices.split_at_mut(serial_at);
            (&mut head[console_at], &tail[0])
        }
        std::cmp::Ordering::Greater => {
            let (head, tail) = devices.split_at_mut(console_at);
            (&mut tail[0], &head[serial_at])
        }
        // One device cannot be both the console and the serial port.
        std::cmp::Ordering::Equal => return,
    };
    mirror_serial(console, serial);
}

/// Makes `console` show the serial port's backend, with a serial target.
pub(super) fn mirror_serial(console: &mut Element, serial: &Element) {
    console.attrs = serial.attrs.clone();
    let port = serial
        .child_attr("target", "port")
        .unwrap_or("0")
        .to_string();
    // The console keeps its own device identity (alias, address).
    let alias = console.child("alias").cloned();
    let address = console.child("address").cloned();
    console.children = serial
        .children
        .iter()
        .filter(|c| matches!(c.name.as_str(), "source" | "protocol" | "log"))
        .cloned()
        .collect();
    console.children.push(
        Element::new("target")
            .with_attr("type", "serial")
            .with_attr("port", &port),
    );
    console.children.extend(alias);
    console.children.extend(address);
}
