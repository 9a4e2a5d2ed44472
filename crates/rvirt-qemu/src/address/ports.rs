//! Port addresses: virtio-serial ports for virtio consoles and channels
//! (`qemuDomainAssignVirtioSerialAddresses`) and USB ports for USB devices
//! (`qemuDomainAssignUSBAddresses`).

use rvirt_core::Result;
use rvirt_xml::domain::{DomainDef, Element};

use super::{
    append_controller, controller_index, internal_error, parse_num, positions, set_address,
    unsupported, xml_error,
};

/// Ports of a virtio-serial controller that names none.
const DEFAULT_VIRTIO_SERIAL_PORTS: usize = 31;
/// Ports of a USB hub.
const HUB_PORTS: usize = 8;
/// How deep USB hubs may nest.
const USB_MAX_DEPTH: usize = 16;

/// A virtio-serial controller's ports in use.
struct SerialController {
    index: u32,
    used: Vec<bool>,
}

/// `(controller, port)` of a device's virtio-serial address; port 0 means "any".
fn virtio_serial_address(dev: &Element) -> Option<(u32, u32)> {
    let a = dev
        .child("address")
        .filter(|a| a.attr("type") == Some("virtio-serial"))?;
    let n = |k: &str| a.attr(k).and_then(parse_num).unwrap_or(0);
    Some((n("controller"), n("port")))
}

fn virtio_serial_element(controller: u32, port: u32) -> Element {
    Element::new("address")
        .with_attr("type", "virtio-serial")
        .with_attr("controller", &controller.to_string())
        .with_attr("bus", "0")
        .with_attr("port", &port.to_string())
}

fn add_serial_controller(set: &mut Vec<SerialController>, c: &Element) {
    let ports = c
        .attr("ports")
        .and_then(parse_num)
        .map_or(DEFAULT_VIRTIO_SERIAL_PORTS, |p| p as usize);
    let index = controller_index(c);
    let at = set
        .iter()
        .position(|s| s.index > index)
        .unwrap_or(set.len());
    set.insert(
        at,
        SerialController {
            index,
            used: vec![false; ports],
        },
    );
}

fn reserve_serial_port(set: &mut [SerialController], controller: u32, port: u32) -> Result<()> {
    let Some(c) = set.iter_mut().find(|c| c.index == controller) else {
        return Err(xml_error(format!(
            "virtio serial controller {controller} is missing"
        )));
    };
    let Some(slot) = c.used.get_mut(port as usize) else {
        return Err(xml_error(format!(
            "virtio serial controller {controller} does not have port {port}"
        )));
    };
    if *slot {
        return Err(xml_error(format!(
            "virtio serial port {port} on controller {controller} is already occupied"
        )));
    }
    *slot = true;
    Ok(())
}

/// Gives virtio consoles and channels a port; a console may take port 0, which is
/// reserved for it, but its own address stays unset, as in libvirt.
pub(super) fn assign_virtio_serial(def: &mut DomainDef) -> Result<()> {
    let mut set: Vec<SerialController> = Vec::new();
    for c in def
        .devices_of("controller")
        .filter(|c| c.attr("type") == Some("virtio-serial"))
    {
        add_serial_controller(&mut set, c);
    }
    for dev in &def.devices {
        if let Some((controller, port)) = virtio_serial_address(dev) {
            if port != 0 {
                reserve_serial_port(&mut set, controller, port)?;
            }
        }
    }
    let virtio_target = |d: &Element| d.child_attr("target", "type") == Some("virtio");
    let consoles: Vec<usize> = positions(def, "console")
        .into_iter()
        .filter(|&i| virtio_target(&def.devices[i]))
        .collect();
    let channels: Vec<usize> = positions(def, "channel")
        .into_iter()
        .filter(|&i| virtio_target(&def.devices[i]))
        .collect();
    for (i, is_console) in consoles
        .into_iter()
        .map(|i| (i, true))
        .chain(channels.into_iter().map(|i| (i, false)))
    {
        let existing = virtio_serial_address(&def.devices[i]);
        if let Some((_, port)) = existing {
            if port != 0 {
                continue;
            }
        }
        let (controller, port) = match existing {
            // The controller is chosen, the port is not.
            Some((controller, _)) => {
                let Some(c) = set.iter().find(|c| c.index == controller) else {
                    return Err(internal_error(format!(
                        "virtio-serial controller {controller} not available"
                    )));
                };
                let port = c.used.iter().skip(1).position(|u| !u).map(|p| p + 1);
                let Some(port) = port else {
                    return Err(xml_error(format!(
                        "Unable to find a free port on virtio-serial controller {controller}"
                    )));
                };
                (controller, port as u32)
            }
            None => next_serial_port(def, &mut set, is_console)?,
        };
        // A console's port is QEMU's choice at start: libvirt reserves none for it (with two
        // virtio consoles, the first channel still gets port 1).
        if !is_console {
            reserve_serial_port(&mut set, controller, port)?;
            set_address(&mut def.devices[i], virtio_serial_element(controller, port));
        }
    }
    Ok(())
}

/// The first free port on any controller, adding a controller when all are full.
fn next_serial_port(
    def: &mut DomainDef,
    set: &mut Vec<SerialController>,
    allow_zero: bool,
) -> Result<(u32, u32)> {
    if set.is_empty() {
        return Err(internal_error(
            "no virtio-serial controllers are available".into(),
        ));
    }
    let first = usize::from(!allow_zero);
    for c in set.iter() {
        if let Some(p) = c.used.iter().skip(first).position(|u| !u) {
            return Ok((c.index, (p + first) as u32));
        }
    }
    let taken: Vec<u32> = def
        .devices_of("controller")
        .filter(|c| c.attr("type") == Some("virtio-serial"))
        .map(controller_index)
        .collect();
    let index = (0..).find(|i| !taken.contains(i)).unwrap_or(0);
    let at = append_controller(
        def,
        Element::new("controller")
            .with_attr("type", "virtio-serial")
            .with_attr("index", &index.to_string()),
    );
    add_serial_controller(set, &def.devices[at]);
    Ok((index, first as u32))
}

/// One USB hub or controller root: its ports and the hubs plugged into them.
#[derive(Debug, Clone)]
struct UsbHub {
    used: Vec<bool>,
    hubs: Vec<Option<UsbHub>>,
}

impl UsbHub {
    fn new(ports: usize) -> Self {
        UsbHub {
            used: vec![false; ports],
            hubs: vec![None; ports],
        }
    }

    /// A free port path below this hub, depth first through its hubs.
    fn free_port(&self, level: usize) -> Option<Vec<u32>> {
        if let Some(p) = self.used.iter().position(|u| !u) {
            return Some(vec![p as u32 + 1]);
        }
        if level >= USB_MAX_DEPTH - 1 {
            return None;
        }
        self.hubs.iter().enumerate().find_map(|(i, hub)| {
            let mut path = hub.as_ref()?.free_port(level + 1)?;
            path.insert(0, i as u32 + 1);
            Some(path)
        })
    }
}

/// Ports a USB controller model provides (companion UHCIs count with their EHCI).
fn usb_controller_ports(c: &Element) -> usize {
    let explicit = c.attr("ports").and_then(parse_num).map(|p| p as usize);
    match c.attr("model").unwrap_or("") {
        "" | "piix3-uhci" | "piix4-uhci" | "vt82c686b-uhci" => 2,
        "ehci" | "ich9-ehci1" => 6,
        "pci-ohci" => 3,
        "nec-xhci" | "qemu-xhci" => explicit.unwrap_or(4),
        "qusb1" | "qusb2" => explicit.unwrap_or(8),
        _ => 0,
    }
}

/// The USB devices in libvirt's order (`virDomainUSBDeviceDefForeach`).
fn usb_devices(def: &DomainDef, with_hubs: bool) -> Vec<usize> {
    let mut out = Vec::new();
    let mut take = |kind: &str, pred: &dyn Fn(&Element) -> bool| {
        for i in positions(def, kind) {
            if pred(&def.devices[i]) {
                out.push(i);
            }
        }
    };
    if with_hubs {
        take("hub", &|h| h.attr("type") == Some("usb"));
    }
    take("hostdev", &|h| {
        h.attr("mode").unwrap_or("subsystem") == "subsystem" && h.attr("type") == Some("usb")
    });
    take("disk", &|d| d.child_attr("target", "bus") == Some("usb"));
    take("controller", &|c| c.attr("type") == Some("ccid"));
    take("input", &|i| i.attr("bus") == Some("usb"));
    take("serial", &|s| {
        s.child_attr("target", "type") == Some("usb-serial")
    });
    take("sound", &|s| s.attr("model") == Some("usb"));
    take("redirdev", &|r| r.attr("bus") == Some("usb"));
    out
}

/// `(bus, port path)` of a device's USB address; an empty path means "any port".
fn usb_address(dev: &Element) -> Option<(u32, Vec<u32>)> {
    let a = dev
        .child("address")
        .filter(|a| a.attr("type") == Some("usb"))?;
    let bus = a.attr("bus").and_then(parse_num).unwrap_or(0);
    let port = a
        .attr("port")
        .map(|p| p.split('.').filter_map(parse_num).collect())
        .unwrap_or_default();
    Some((bus, port))
}

fn usb_element(bus: u32, path: &[u32]) -> Element {
    let port: Vec<String> = path.iter().map(u32::to_string).collect();
    Element::new("address")
        .with_attr("type", "usb")
        .with_attr("bus", &bus.to_string())
        .with_attr("port", &port.join("."))
}

/// The hub holding the last port of `path` on `bus`, and that port's index.
fn find_port<'a>(
    buses: &'a mut [Option<UsbHub>],
    bus: u32,
    path: &[u32],
) -> Result<(&'a mut UsbHub, usize)> {
    let port_text = path
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".");
    let Some(Some(root)) = buses.get_mut(bus as usize) else {
        return Err(xml_error(format!("Missing USB bus {bus}")));
    };
    let mut hub: &mut UsbHub = root;
    let (last, parents) = path.split_last().unwrap_or((&0, &[]));
    for &p in parents {
        let Some(next) = hub.hubs.get_mut((p as usize).wrapping_sub(1)) else {
            return Err(xml_error(format!(
                "port {p} out of range in USB address bus: {bus} port: {port_text}"
            )));
        };
        let Some(next) = next.as_mut() else {
            return Err(xml_error(format!(
                "there is no hub at port {p} in USB address bus: {bus} port: {port_text}"
            )));
        };
        hub = next;
    }
    let index = (*last as usize).wrapping_sub(1);
    if index >= hub.used.len() {
        return Err(xml_error(format!(
            "requested USB port {port_text} not present on USB bus {bus}"
        )));
    }
    Ok((hub, index))
}

fn reserve_usb(buses: &mut [Option<UsbHub>], bus: u32, path: &[u32]) -> Result<()> {
    let (hub, index) = find_port(buses, bus, path)?;
    if hub.used[index] {
        let port = path
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".");
        return Err(xml_error(format!(
            "Duplicate USB address bus {bus} port {port}"
        )));
    }
    hub.used[index] = true;
    Ok(())
}

fn add_usb_hub(buses: &mut [Option<UsbHub>], bus: u32, path: &[u32]) -> Result<()> {
    let (hub, index) = find_port(buses, bus, path)?;
    if hub.hubs[index].is_some() {
        return Err(xml_error(format!("Duplicate USB hub on bus {bus}")));
    }
    hub.used[index] = true;
    hub.hubs[index] = Some(UsbHub::new(HUB_PORTS));
    Ok(())
}

/// A free port for device `i`, on the bus its address names or on any bus.
fn assign_usb_port(def: &mut DomainDef, buses: &mut [Option<UsbHub>], i: usize) -> Result<()> {
    let wanted_bus = usb_address(&def.devices[i]).map(|(b, _)| b);
    let candidates: Vec<u32> = match wanted_bus {
        Some(b) => {
            if !matches!(buses.get(b as usize), Some(Some(_))) {
                return Err(xml_error(format!(
                    "USB bus {b} requested but no controller with that index is present"
                )));
            }
            vec![b]
        }
        None => (0..buses.len() as u32).collect(),
    };
    for bus in candidates {
        let Some(Some(hub)) = buses.get(bus as usize) else {
            continue;
        };
        if let Some(path) = hub.free_port(0) {
            reserve_usb(buses, bus, &path)?;
            set_address(&mut def.devices[i], usb_element(bus, &path));
            return Ok(());
        }
    }
    Err(internal_error("No free USB ports".into()))
}

/// Gives every USB device a port, adding hubs when the controllers have too few.
pub(super) fn assign_usb(def: &mut DomainDef) -> Result<()> {
    let usb_controllers: Vec<usize> = positions(def, "controller")
        .into_iter()
        .filter(|&i| def.devices[i].attr("type") == Some("usb"))
        .collect();
    let count = usb_devices(def, true).len();
    let has_usb = usb_controllers
        .iter()
        .any(|&i| def.devices[i].attr("model") != Some("none"));
    if count > 0 && !has_usb {
        return Err(unsupported(
            "USB is disabled for this domain, but USB devices are present in the domain XML".into(),
        ));
    }
    let hubs = def
        .devices_of("hub")
        .filter(|h| h.attr("type") == Some("usb"))
        .count();
    let available: usize = usb_controllers
        .iter()
        .map(|&i| usb_controller_ports(&def.devices[i]))
        .sum::<usize>()
        + hubs * HUB_PORTS;
    if count > available {
        let needed = (count - available + 1).div_ceil(HUB_PORTS - 1);
        for _ in 0..needed {
            def.devices
                .push(Element::new("hub").with_attr("type", "usb"));
        }
    }
    let mut buses: Vec<Option<UsbHub>> = Vec::new();
    for &i in &usb_controllers {
        let c = &def.devices[i];
        let ports = usb_controller_ports(c);
        if ports == 0 {
            continue;
        }
        let index = controller_index(c) as usize;
        if buses.len() <= index {
            buses.resize(index + 1, None);
        } else if buses[index].is_some() {
            return Err(xml_error(format!(
                "Duplicate USB controllers with index {index}"
            )));
        }
        buses[index] = Some(UsbHub::new(ports));
    }
    let addressed_hubs: Vec<(u32, Vec<u32>)> = def
        .devices_of("hub")
        .filter(|h| h.attr("type") == Some("usb"))
        .filter_map(usb_address)
        .filter(|(_, path)| !path.is_empty())
        .collect();
    for (bus, path) in &addressed_hubs {
        add_usb_hub(&mut buses, *bus, path)?;
    }
    let hub_positions = positions(def, "hub");
    for i in usb_devices(def, true) {
        if hub_positions.contains(&i) {
            continue;
        }
        if let Some((bus, path)) = usb_address(&def.devices[i]) {
            if !path.is_empty() {
                reserve_usb(&mut buses, bus, &path)?;
            }
        }
    }
    for i in positions(def, "hub") {
        let hub = &def.devices[i];
        if hub.attr("type") != Some("usb") {
            continue;
        }
        if usb_address(hub).is_some_and(|(_, path)| !path.is_empty()) {
            continue;
        }
        assign_usb_port(def, &mut buses, i)?;
        if let Some((bus, path)) = usb_address(&def.devices[i]) {
            // The port was just reserved for the hub itself; it now holds the hub.
            let (parent, index) = find_port(&mut buses, bus, &path)?;
            parent.hubs[index] = Some(UsbHub::new(HUB_PORTS));
        }
    }
    for i in usb_devices(def, false) {
        let dev = &def.devices[i];
        let unassigned = match usb_address(dev) {
            Some((_, path)) => path.is_empty(),
            None => dev.child("address").is_none(),
        };
        if unassigned {
            assign_usb_port(def, &mut buses, i)?;
        }
    }
    Ok(())
}
