//! `-device` (and backend) arguments of the devices that follow disks, network cards and
//! serial ports on libvirt's command line, in its order: virtio channels and consoles,
//! input devices, the audio backend, displays, video cards, sound cards, the watchdog, the
//! memory balloon and random number generators.

use rvirt_core::Result;
use rvirt_xml::domain::{DomainDef, Element};

use super::{cfg_err, chardev_spec, Props};
use crate::address::parse_num;
use crate::devices::{self, required_pci_address, with_pci};

pub(super) fn device(a: &mut Vec<String>, props: Props) {
    a.push("-device".into());
    a.push(props.build());
}

pub(super) fn num(text: Option<&str>) -> Option<u64> {
    text.and_then(parse_num).map(u64::from)
}

/// The QEMU bus of a device's virtio-serial address: `virtio-serialN.B` and port `nr`.
fn virtio_serial_port(dev: &Element) -> Option<(String, u64)> {
    let a = dev
        .child("address")
        .filter(|a| a.attr("type") == Some("virtio-serial"))?;
    let controller = num(a.attr("controller")).unwrap_or(0);
    let bus = num(a.attr("bus")).unwrap_or(0);
    let port = num(a.attr("port")).unwrap_or(0);
    Some((format!("virtio-serial{controller}.{bus}"), port))
}

/// `<channel>`s: a chardev each and, for virtio targets, a `virtserialport` at the port
/// the definition gives.
pub(super) fn channels(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    for (i, ch) in def.devices_of("channel").enumerate() {
        let target = ch.child_attr("target", "type").unwrap_or("virtio");
        if target != "virtio" {
            return Err(cfg_err(format!(
                "unsupported channel target type '{target}'"
            )));
        }
        let chardev = format!("charchannel{i}");
        a.push("-chardev".into());
        a.push(chardev_spec(ch, &chardev)?);
        let (bus, nr) = virtio_serial_port(ch)
            .ok_or_else(|| cfg_err(format!("channel {i} has no virtio-serial address")))?;
        device(
            a,
            Props::new()
                .s("driver", "virtserialport")
                .s("bus", &bus)
                .n("nr", nr)
                .s("chardev", &chardev)
                .s("id", &format!("channel{i}"))
                .opt_s("name", ch.child_attr("target", "name")),
        );
    }
    Ok(())
}

/// `<console>`s: the first one on a serial port is that port (already on the command
/// line); virtio consoles are `virtconsole`s, numbered by their place among consoles.
pub(super) fn consoles(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    for (i, console) in def.devices_of("console").enumerate() {
        match console.child_attr("target", "type").unwrap_or("serial") {
            "serial" => continue,
            "virtio" => {
                let chardev = format!("charconsole{i}");
                a.push("-chardev".into());
                a.push(chardev_spec(console, &chardev)?);
                device(
                    a,
                    Props::new()
                        .s("driver", "virtconsole")
                        .s("chardev", &chardev)
                        .s("id", &format!("console{i}")),
                );
            }
            other => {
                return Err(cfg_err(format!(
                    "unsupported console target type '{other}'"
                )))
            }
        }
    }
    Ok(())
}

/// The QEMU bus of a device's USB address (`usb.0`, `usb1.0`) and its port path.
pub(super) fn usb_port(def: &DomainDef, dev: &Element) -> Result<(String, String)> {
    let a = dev
        .child("address")
        .filter(|a| a.attr("type") == Some("usb"))
        .ok_or_else(|| cfg_err(format!("USB device <{}> has no USB address", dev.name)))?;
    let bus = num(a.attr("bus")).unwrap_or(0);
    let controller = def
        .devices_of("controller")
        .find(|c| c.attr("type") == Some("usb") && num(c.attr("index")).unwrap_or(0) == bus)
        .map(|c| devices::controller_alias(c, false))
        .unwrap_or_else(|| "usb".into());
    let port = a.attr("port").unwrap_or("1").to_string();
    Ok((format!("{controller}.0"), port))
}

/// `<input>`s: PS/2 devices are built in; USB ones sit at their USB port, virtio ones at
/// their PCI address. Ids count every input device.
pub(super) fn inputs(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    let pcie_root = devices::root_is_pcie(def);
    for (i, input) in def.devices_of("input").enumerate() {
        let kind = input.attr("type").unwrap_or("mouse");
        let id = format!("input{i}");
        match input.attr("bus").unwrap_or("ps2") {
            "ps2" => {}
            "usb" => {
                let driver = match kind {
                    "tablet" => "usb-tablet",
                    "keyboard" => "usb-kbd",
                    "mouse" => "usb-mouse",
                    other => return Err(cfg_err(format!("unsupported USB input '{other}'"))),
                };
                let (bus, port) = usb_port(def, input)?;
                device(
                    a,
                    Props::new()
                        .s("driver", driver)
                        .s("id", &id)
                        .s("bus", &bus)
                        .s("port", &port),
                );
            }
            "virtio" => {
                let driver = match kind {
                    "tablet" => "virtio-tablet-pci",
                    "keyboard" => "virtio-keyboard-pci",
                    "mouse" => "virtio-mouse-pci",
                    other => return Err(cfg_err(format!("unsupported virtio input '{other}'"))),
                };
                let addr = required_pci_address(pcie_root, input)?;
                device(
                    a,
                    with_pci(Props::new().s("driver", driver).s("id", &id), &addr),
                );
            }
            other => return Err(cfg_err(format!("unsupported input bus '{other}'"))),
        }
    }
    Ok(())
}

/// The id of the audio backend devices use: the first `<audio>`.
fn default_audiodev(def: &DomainDef) -> Option<String> {
    def.devices_of("audio")
        .next()
        .map(|au| format!("audio{}", au.attr("id").unwrap_or("1")))
}

/// `<audio>` backends (`-audiodev`). Only the silent backend is supported so far.
pub(super) fn audio(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    for au in def.devices_of("audio") {
        let kind = au.attr("type").unwrap_or("none");
        if kind != "none" {
            return Err(cfg_err(format!("unsupported audio backend '{kind}'")));
        }
        a.push("-audiodev".into());
        a.push(
            Props::new()
                .s("id", &format!("audio{}", au.attr("id").unwrap_or("1")))
                .s("driver", "none")
                .build(),
        );
    }
    Ok(())
}

/// The address a VNC server listens on: the first address listen, else loopback (libvirt's
/// default `vnc_listen`).
pub(crate) fn vnc_listen_address(g: &Element) -> Option<String> {
    let listen = g.children_named("listen").next();
    match listen.and_then(|l| l.attr("type")) {
        Some("none") | Some("socket") => None,
        _ => Some(
            listen
                .and_then(|l| l.attr("address"))
                .or_else(|| g.attr("listen"))
                .unwrap_or("127.0.0.1")
                .to_string(),
        ),
    }
}

/// `<graphics>`: VNC on its TCP port (chosen at start for autoport), a unix socket or
/// nothing.
pub(super) fn graphics(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    if def.devices_of("graphics").count() > 1 {
        return Err(cfg_err(
            "only 1 graphics device of each type (sdl, vnc, spice, headless, dbus) is supported",
        ));
    }
    for g in def.devices_of("graphics") {
        let kind = g.attr("type").unwrap_or("");
        if kind != "vnc" {
            return Err(cfg_err(format!("unsupported graphics type '{kind}'")));
        }
        if g.attr("passwd").is_some() {
            return Err(cfg_err("VNC passwords are not supported"));
        }
        let listen = g.children_named("listen").next();
        let mut opt = match listen.and_then(|l| l.attr("type")) {
            Some("none") => "none".to_string(),
            Some("socket") => {
                let path = listen
                    .and_then(|l| l.attr("socket"))
                    .ok_or_else(|| cfg_err("VNC socket listen without a path"))?;
                format!("unix:{}", super::qemu_opt_escape(path))
            }
            _ => {
                let port: i64 = g.attr("port").and_then(|p| p.parse().ok()).unwrap_or(-1);
                if port < 5900 {
                    return Err(cfg_err(format!(
                        "vnc port must be in range [5900,65535], not {port}"
                    )));
                }
                let address = vnc_listen_address(g).unwrap_or_else(|| "127.0.0.1".into());
                let host = if address.contains(':') {
                    format!("[{address}]")
                } else {
                    address
                };
                format!("{host}:{}", port - 5900)
            }
        };
        match g.attr("websocket").and_then(|w| w.parse::<i64>().ok()) {
            Some(ws) if ws > 0 => opt.push_str(&format!(",websocket={ws}")),
            Some(-1) => return Err(cfg_err("automatic websocket ports are not supported")),
            _ => {}
        }
        if let Some(share) = g.attr("sharePolicy") {
            opt.push_str(&format!(",share={share}"));
        }
        if let Some(audiodev) = default_audiodev(def) {
            opt.push_str(&format!(",audiodev={audiodev}"));
        }
        a.push("-vnc".into());
        a.push(opt);
        if let Some(keymap) = g.attr("keymap") {
            a.push("-k".into());
            a.push(keymap.to_string());
        }
    }
    Ok(())
}

/// `<video>`s in document order (libvirt keeps the primary first): the primary one is
/// the VGA-compatible model of its family.
pub(super) fn videos(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    let pcie_root = devices::root_is_pcie(def);
    for (i, video) in def.devices_of("video").enumerate() {
        let model = video.child("model");
        let kind = model.and_then(|m| m.attr("type")).unwrap_or("vga");
        let attr = |k: &str| num(model.and_then(|m| m.attr(k)));
        let primary = i == 0;
        let driver = match (kind, primary) {
            ("none", _) => continue,
            ("vga", true) => "VGA",
            ("cirrus", true) => "cirrus-vga",
            ("vmvga", true) => "vmware-svga",
            ("qxl", true) => "qxl-vga",
            ("qxl", false) => "qxl",
            ("virtio", true) => "virtio-vga",
            ("virtio", false) => "virtio-gpu-pci",
            ("bochs", true) => "bochs-display",
            (other, _) => {
                return Err(cfg_err(format!(
                    "video type {other} is not supported with QEMU"
                )))
            }
        };
        let mut p = Props::new()
            .s("driver", driver)
            .s("id", &format!("video{i}"));
        match kind {
            "vga" | "vmvga" => p = p.opt_n("vgamem_mb", attr("vram").map(|k| k / 1024)),
            "qxl" => {
                p = p
                    .opt_n("max_outputs", attr("heads"))
                    .opt_n("ram_size", attr("ram").map(|k| k * 1024))
                    .opt_n("vram_size", attr("vram").map(|k| k * 1024))
                    .n("vram64_size_mb", attr("vram64").unwrap_or(0) / 1024)
                    .opt_n("vgamem_mb", attr("vgamem").map(|k| k / 1024));
            }
            "virtio" => p = p.opt_n("max_outputs", attr("heads")),
            "bochs" => p = p.opt_n("vgamem", attr("vram").map(|k| k * 1024)),
            _ => {}
        }
        device(a, with_pci(p, &required_pci_address(pcie_root, video)?));
    }
    Ok(())
}

/// `<sound>` cards; HDA controllers get their codecs (a duplex one by default).
pub(super) fn sounds(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    let pcie_root = devices::root_is_pcie(def);
    for (i, sound) in def.devices_of("sound").enumerate() {
        let id = format!("sound{i}");
        let audiodev = match sound.child_attr("audio", "id") {
            Some(n) => Some(format!("audio{n}")),
            None => default_audiodev(def),
        };
        let model = sound.attr("model").unwrap_or("");
        let (driver, hda) = match model {
            "ich6" | "ich7" => ("intel-hda", true),
            "ich9" => ("ich9-intel-hda", true),
            "ac97" => ("AC97", false),
            "es1370" => ("ES1370", false),
            other => {
                return Err(cfg_err(format!(
                    "sound card model '{other}' is not supported by qemu"
                )))
            }
        };
        let p = Props::new().s("driver", driver).s("id", &id);
        let p = if hda {
            p
        } else {
            p.opt_s("audiodev", audiodev.as_deref())
        };
        device(a, with_pci(p, &required_pci_address(pcie_root, sound)?));
        if !hda {
            continue;
        }
        let codecs: Vec<&str> = sound
            .children_named("codec")
            .map(|c| c.attr("type").unwrap_or("duplex"))
            .collect();
        let codecs = if codecs.is_empty() {
            vec!["duplex"]
        } else {
            codecs
        };
        for (cad, codec) in codecs.iter().enumerate() {
            let codec_driver = match *codec {
                "duplex" => "hda-duplex",
                "micro" => "hda-micro",
                "output" => "hda-output",
                other => return Err(cfg_err(format!("unsupported sound codec '{other}'"))),
            };
            device(
                a,
                Props::new()
                    .s("driver", codec_driver)
                    .s("id", &format!("{id}-codec{cad}"))
                    .s("bus", &format!("{id}.0"))
                    .n("cad", cad as u64)
                    .opt_s("audiodev", audiodev.as_deref()),
            );
        }
    }
    Ok(())
}

/// The `<watchdog>` and what QEMU does when it fires (`dump` pauses; libvirt then dumps).
pub(super) fn watchdogs(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    let pcie_root = devices::root_is_pcie(def);
    let dogs: Vec<&Element> = def.devices_of("watchdog").collect();
    if dogs.len() > 1 {
        return Err(cfg_err("only one watchdog device is supported"));
    }
    for (i, dog) in dogs.into_iter().enumerate() {
        let id = format!("watchdog{i}");
        match dog.attr("model").unwrap_or("") {
            "i6300esb" => device(
                a,
                with_pci(
                    Props::new().s("driver", "i6300esb").s("id", &id),
                    &required_pci_address(pcie_root, dog)?,
                ),
            ),
            "ib700" => device(a, Props::new().s("driver", "ib700").s("id", &id)),
            other => {
                return Err(cfg_err(format!(
                    "watchdog model '{other}' is not supported"
                )))
            }
        }
        let action = match dog.attr("action").unwrap_or("reset") {
            "dump" => "pause",
            other => other,
        };
        a.push("-watchdog-action".into());
        a.push(action.to_string());
    }
    Ok(())
}

/// The virtio memory balloon, unless the definition says `none`.
pub(super) fn balloon(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    let Some(b) = def.devices_of("memballoon").next() else {
        return Ok(());
    };
    match b.attr("model").unwrap_or("virtio") {
        "none" => Ok(()),
        "virtio" => {
            let addr = required_pci_address(devices::root_is_pcie(def), b)?;
            let mut p = Props::new()
                .s("driver", "virtio-balloon-pci")
                .s("id", "balloon0");
            if b.attr("autodeflate") == Some("on") {
                p = p.b("deflate-on-oom", true);
            }
            if b.attr("freePageReporting") == Some("on") {
                p = p.b("free-page-reporting", true);
            }
            device(a, with_pci(p, &addr));
            Ok(())
        }
        other => Err(cfg_err(format!(
            "Memory balloon device type '{other}' is not supported by this version of qemu"
        ))),
    }
}

/// `<rng>`s: a backend object and a `virtio-rng-pci` reading from it.
pub(super) fn rngs(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    let pcie_root = devices::root_is_pcie(def);
    for (i, rng) in def.devices_of("rng").enumerate() {
        let model = rng.attr("model").unwrap_or("virtio");
        if model != "virtio" {
            return Err(cfg_err(format!("unsupported rng model '{model}'")));
        }
        let object = format!("objrng{i}");
        let backend = rng.child("backend");
        let obj = match backend.and_then(|b| b.attr("model")).unwrap_or("random") {
            "random" => Props::new().s("qom-type", "rng-random").s("id", &object).s(
                "filename",
                backend
                    .and_then(|b| b.text.as_deref())
                    .filter(|t| !t.is_empty())
                    .unwrap_or("/dev/random"),
            ),
            "builtin" => Props::new().s("qom-type", "rng-builtin").s("id", &object),
            other => return Err(cfg_err(format!("unsupported rng backend '{other}'"))),
        };
        a.push("-object".into());
        a.push(obj.build());
        let rate = rng.child("rate");
        let mut p = Props::new()
            .s("driver", "virtio-rng-pci")
            .s("rng", &object)
            .s("id", &format!("rng{i}"));
        if let Some(bytes) = num(rate.and_then(|r| r.attr("bytes"))).filter(|b| *b > 0) {
            // A rate without a period is per second.
            let period = num(rate.and_then(|r| r.attr("period"))).unwrap_or(1000);
            p = p.n("max-bytes", bytes).n("period", period);
        }
        device(a, with_pci(p, &required_pci_address(pcie_root, rng)?));
    }
    Ok(())
}
