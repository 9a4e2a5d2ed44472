//! Devices that sit on a USB port (hubs, CCID smartcard readers, redirected USB devices)
//! and the smartcards in those readers. libvirt puts hubs and readers right after the
//! other controllers, smartcards after the network cards and redirected devices after
//! the watchdog; each one plugs in at the USB port post-parse gave it.

use rvirt_core::Result;
use rvirt_xml::domain::{DomainDef, Element};

use super::peripherals::{device, num, usb_port};
use super::{cfg_err, chardev_spec, Props};

/// `<hub type='usb'>`s, ids counting hubs.
pub(super) fn hubs(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    for (i, hub) in def.devices_of("hub").enumerate() {
        let kind = hub.attr("type").unwrap_or("usb");
        if kind != "usb" {
            return Err(cfg_err(format!("hub type {kind} not supported")));
        }
        let (bus, port) = usb_port(def, hub)?;
        device(
            a,
            Props::new()
                .s("driver", "usb-hub")
                .s("id", &format!("hub{i}"))
                .s("bus", &bus)
                .s("port", &port),
        );
    }
    Ok(())
}

/// CCID controllers: a `usb-ccid` reader each, named like the controller.
pub(super) fn ccid_controllers(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    for c in def
        .devices_of("controller")
        .filter(|c| c.attr("type") == Some("ccid"))
    {
        let index = num(c.attr("index")).unwrap_or(0);
        let (bus, port) = usb_port(def, c)?;
        device(
            a,
            Props::new()
                .s("driver", "usb-ccid")
                .s("id", &format!("ccid{index}"))
                .s("bus", &bus)
                .s("port", &port),
        );
    }
    Ok(())
}

/// The reader bus a smartcard's `<address type='ccid'>` names.
fn ccid_bus(card: &Element) -> String {
    let controller = card
        .child("address")
        .filter(|a| a.attr("type") == Some("ccid"))
        .and_then(|a| num(a.attr("controller")))
        .unwrap_or(0);
    format!("ccid{controller}.0")
}

/// libvirt's NSS database for smartcards emulated from certificates.
const DEFAULT_SMARTCARD_DATABASE: &str = "/etc/pki/nssdb";

/// `<smartcard>`s: a card emulated by QEMU (from the host's NSS, or from certificate
/// files) or one passed through a character device to a remote reader.
pub(super) fn smartcards(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    if def.devices_of("smartcard").count() > 1 {
        return Err(cfg_err("this QEMU binary lacks multiple smartcard support"));
    }
    for (i, card) in def.devices_of("smartcard").enumerate() {
        let id = format!("smartcard{i}");
        let bus = ccid_bus(card);
        let props = match card.attr("mode").unwrap_or("") {
            "host" => Props::new()
                .s("driver", "ccid-card-emulated")
                .s("backend", "nss-emulated"),
            "host-certificates" => {
                let certs: Vec<&str> = card
                    .children_named("certificate")
                    .filter_map(|c| c.text.as_deref())
                    .collect();
                let [cert1, cert2, cert3] = certs[..] else {
                    return Err(cfg_err(
                        "host-certificates mode needs exactly three certificates",
                    ));
                };
                let database = card
                    .child("database")
                    .and_then(|d| d.text.as_deref())
                    .filter(|d| !d.is_empty())
                    .unwrap_or(DEFAULT_SMARTCARD_DATABASE);
                Props::new()
                    .s("driver", "ccid-card-emulated")
                    .s("backend", "certificates")
                    .s("cert1", cert1)
                    .s("cert2", cert2)
                    .s("cert3", cert3)
                    .s("db", database)
            }
            "passthrough" => {
                let chardev = format!("charsmartcard{i}");
                a.push("-chardev".into());
                a.push(chardev_spec(card, &chardev)?);
                Props::new()
                    .s("driver", "ccid-card-passthru")
                    .s("chardev", &chardev)
            }
            other => return Err(cfg_err(format!("unexpected smartcard mode '{other}'"))),
        };
        device(a, props.s("id", &id).s("bus", &bus));
    }
    Ok(())
}

/// `<redirdev bus='usb'>`s: a `usb-redir` reading the redirected device from its
/// character device.
pub(super) fn redirdevs(def: &DomainDef, a: &mut Vec<String>) -> Result<()> {
    if def.devices_of("redirfilter").next().is_some() {
        return Err(cfg_err("USB redirection filters are not supported"));
    }
    for (i, redir) in def.devices_of("redirdev").enumerate() {
        let bus_kind = redir.attr("bus").unwrap_or("usb");
        if bus_kind != "usb" {
            return Err(cfg_err(format!(
                "Redirection bus {bus_kind} is not supported by QEMU"
            )));
        }
        let chardev = format!("charredir{i}");
        a.push("-chardev".into());
        a.push(chardev_spec(redir, &chardev)?);
        let (bus, port) = usb_port(def, redir)?;
        let bootindex = redir.child("boot").and_then(|b| num(b.attr("order")));
        device(
            a,
            Props::new()
                .s("driver", "usb-redir")
                .s("chardev", &chardev)
                .s("id", &format!("redir{i}"))
                .opt_n("bootindex", bootindex)
                .s("bus", &bus)
                .s("port", &port),
        );
    }
    Ok(())
}
