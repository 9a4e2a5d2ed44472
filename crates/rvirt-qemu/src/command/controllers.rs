//! `-device` arguments of controllers, in libvirt's order: PCI buses first (so every bus
//! exists before devices name it), then USB, SCSI, IDE, SATA and virtio-serial, each in
//! document order. Built-in controllers (the PCI root, PIIX IDE, the q35 AHCI, the floppy
//! controller) have no argument.

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, Element};

use super::{cfg_err, Props};
use crate::address::parse_num;
use crate::devices::{self, with_pci};
use crate::probe::EmulatorCaps;

const ORDER: [&str; 6] = ["pci", "usb", "scsi", "ide", "sata", "virtio-serial"];

pub(super) fn push_all(def: &DomainDef, caps: &EmulatorCaps, a: &mut Vec<String>) -> Result<()> {
    let pcie_root = devices::root_is_pcie(def);
    for kind in ORDER {
        for c in def
            .devices_of("controller")
            .filter(|c| c.attr("type") == Some(kind))
        {
            if let Some(props) = controller(def, c, pcie_root, caps)? {
                a.push("-device".into());
                a.push(props.build());
            }
        }
    }
    Ok(())
}

fn index_of(c: &Element) -> u32 {
    c.attr("index").and_then(parse_num).unwrap_or(0)
}

fn controller(
    def: &DomainDef,
    c: &Element,
    pcie_root: bool,
    caps: &EmulatorCaps,
) -> Result<Option<Props>> {
    let index = index_of(c);
    let model = c.attr("model").unwrap_or("");
    let pci = || devices::required_pci_address(pcie_root, c);
    let id = devices::controller_alias(c, pcie_root);
    let props = match c.attr("type").unwrap_or("") {
        "pci" => return pci_controller(c, pcie_root),
        "usb" => return usb_controller(def, c, pcie_root),
        // The PIIX3 IDE functions are part of the chipset.
        "ide" if index == 0 => return Ok(None),
        "ide" => return Err(cfg_err("Only a single IDE controller is supported")),
        "sata" if pcie_root && index == 0 => return Ok(None),
        "sata" => with_pci(Props::new().s("driver", "ahci").s("id", &id), &pci()?),
        "scsi" => {
            let driver = match model {
                "lsilogic" | "" => "lsi",
                "virtio-scsi" => "virtio-scsi-pci",
                "lsisas1068" => "mptsas1068",
                "lsisas1078" => "megasas",
                other => {
                    return Err(Error::new(
                        ErrorDomain::Qemu,
                        ErrorCode::ConfigUnsupported,
                        format!("Unsupported controller model: {other}"),
                    ))
                }
            };
            // `lsi` is QEMU's alias of the lsi53c895a type.
            let qom_type = if driver == "lsi" {
                "lsi53c895a"
            } else {
                driver
            };
            if !caps.has_device(qom_type) && !caps.device_types.is_empty() {
                return Err(cfg_err(format!(
                    "This QEMU doesn't support the {driver} SCSI controller"
                )));
            }
            with_pci(Props::new().s("driver", driver).s("id", &id), &pci()?)
        }
        "virtio-serial" => {
            let p = Props::new()
                .s("driver", "virtio-serial-pci")
                .s("id", &id)
                .opt_n(
                    "max_ports",
                    c.attr("ports").and_then(parse_num).map(u64::from),
                )
                .opt_n(
                    "vectors",
                    c.attr("vectors").and_then(parse_num).map(u64::from),
                );
            with_pci(p, &pci()?)
        }
        _ => return Ok(None),
    };
    Ok(Some(props))
}

/// QEMU's device for a USB controller model.
fn usb_driver(model: &str) -> Option<&'static str> {
    Some(match model {
        "piix3-uhci" => "piix3-usb-uhci",
        "piix4-uhci" => "piix4-usb-uhci",
        "ehci" => "usb-ehci",
        "ich9-ehci1" => "ich9-usb-ehci1",
        "ich9-uhci1" => "ich9-usb-uhci1",
        "ich9-uhci2" => "ich9-usb-uhci2",
        "ich9-uhci3" => "ich9-usb-uhci3",
        "vt82c686b-uhci" => "vt82c686b-usb-uhci",
        "pci-ohci" => "pci-ohci",
        "nec-xhci" => "nec-usb-xhci",
        "qemu-xhci" => "qemu-xhci",
        _ => return None,
    })
}

fn usb_controller(def: &DomainDef, c: &Element, pcie_root: bool) -> Result<Option<Props>> {
    let model = c.attr("model").unwrap_or("piix3-uhci");
    if model == "none" {
        return Ok(None);
    }
    let driver = usb_driver(model).ok_or_else(|| {
        cfg_err(format!(
            "USB controller model '{model}' is not supported by this QEMU binary"
        ))
    })?;
    let pci = devices::required_pci_address(pcie_root, c)?;
    // A UHCI companion serves the ports of its EHCI master, which carries the bus.
    if let Some(start) = c.child("master").and_then(|m| m.attr("startport")) {
        let index = index_of(c);
        let master = def
            .devices_of("controller")
            .find(|m| {
                m.attr("type") == Some("usb") && index_of(m) == index && m.child("master").is_none()
            })
            .map(|m| devices::controller_alias(m, pcie_root))
            .unwrap_or_else(|| devices::controller_alias(c, pcie_root));
        let p = Props::new()
            .s("driver", driver)
            .s("masterbus", &format!("{master}.0"))
            .n("firstport", parse_num(start).map(u64::from).unwrap_or(0));
        return Ok(Some(with_pci(p, &pci)));
    }
    let id = devices::controller_alias(c, pcie_root);
    Ok(Some(with_pci(
        Props::new().s("driver", driver).s("id", &id),
        &pci,
    )))
}

/// PCI buses other than the root: QEMU's device named by `<model name=>`.
fn pci_controller(c: &Element, pcie_root: bool) -> Result<Option<Props>> {
    let model = c.attr("model").unwrap_or("");
    if matches!(model, "pci-root" | "pcie-root") {
        return Ok(None);
    }
    let index = index_of(c);
    let id = format!("pci.{index}");
    let driver = c.child_attr("model", "name").unwrap_or(match model {
        "pcie-root-port" => "pcie-root-port",
        "pcie-to-pci-bridge" => "pcie-pci-bridge",
        "pci-bridge" => "pci-bridge",
        "dmi-to-pci-bridge" => "i82801b11-bridge",
        "pcie-switch-upstream-port" => "x3130-upstream",
        "pcie-switch-downstream-port" => "xio3130-downstream",
        "pci-expander-bus" => "pxb",
        "pcie-expander-bus" => "pxb-pcie",
        _ => "",
    });
    let target = |k: &str| c.child_attr("target", k).and_then(parse_num).map(u64::from);
    let addr = devices::required_pci_address(pcie_root, c)?;
    let props = match model {
        "pcie-root-port" | "pcie-switch-downstream-port" => Props::new()
            .s("driver", driver)
            .opt_n("port", target("port"))
            .opt_n("chassis", target("chassis"))
            .s("id", &id),
        "pci-bridge" => Props::new()
            .s("driver", driver)
            .opt_n("chassis_nr", target("chassisNr"))
            .s("id", &id),
        "pci-expander-bus" | "pcie-expander-bus" => Props::new()
            .s("driver", driver)
            .opt_n("bus_nr", target("busNr"))
            .s("id", &id),
        "pcie-to-pci-bridge" | "dmi-to-pci-bridge" | "pcie-switch-upstream-port" => {
            Props::new().s("driver", driver).s("id", &id)
        }
        other => {
            return Err(cfg_err(format!(
                "unsupported PCI controller model '{other}'"
            )))
        }
    };
    Ok(Some(with_pci(props, &addr)))
}
