//! Node devices of the test driver (`testNodeDevice*`), including its mock vHBA creation:
//! a new `scsi_host12` copied from `scsi_host11` with the requested WWNs.

use rvirt_core::events::nodedev_lifecycle as lc;
use rvirt_core::*;
use rvirt_xml::nodedev::NodeDeviceDef;

use crate::state::{NodeDev, State};
use crate::xmlutil;
use crate::TestDriver;

/// The capability filter bits `virConnectListAllNodeDevices` accepts here (no ACTIVE/INACTIVE).
const CAP_FILTERS: u32 = (1 << 22) - 1;
const VHBA_TEMPLATE: &str = "scsi_host11";
const VHBA_NAME: &str = "scsi_host12";

fn by_name(state: &State, name: &str) -> Result<usize> {
    state.device_index_by_name(name).ok_or_else(|| {
        Error::new(
            ErrorDomain::Test,
            ErrorCode::NoNodeDevice,
            format!("no node device with matching name '{name}'"),
        )
    })
}

fn handle(dev: &NodeDev) -> NodeDeviceRef {
    NodeDeviceRef {
        name: dev.def.name.clone(),
    }
}

fn matches(dev: &NodeDev, flags: ListNodeDevicesFlags) -> bool {
    let wanted = flags.bits() & CAP_FILTERS;
    if wanted == 0 {
        return true;
    }
    let (_, caps) = xmlutil::device_caps(&dev.def.format());
    caps.iter().any(|cap| {
        NODE_DEVICE_CAP_NAMES
            .iter()
            .any(|(name, flag)| name == cap && flag.bits() & wanted != 0)
    })
}

/// Replaces the text of the first `<tag>` element in `xml`.
fn replace_element_text(xml: &str, tag: &str, value: &str) -> String {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    match (xml.find(&open), xml.find(&close)) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{open}{value}{}", &xml[..start], &xml[end..])
        }
        _ => xml.to_string(),
    }
}

/// `testNodeDeviceMockCreateVport`: a new `scsi_host12` made from `scsi_host11` with the
/// given WWNs (what creating a vHBA would make appear).
pub(crate) fn create_vport(
    st: &mut State,
    wwnn: &str,
    wwpn: &str,
    events: &mut Vec<Event>,
) -> Result<NodeDeviceRef> {
    let template = by_name(st, VHBA_TEMPLATE)?;
    let mut text = st.devices[template].def.format();
    text = replace_element_text(&text, "name", VHBA_NAME);
    text = replace_element_text(&text, "wwnn", wwnn);
    text = replace_element_text(&text, "wwpn", wwpn);
    let def = NodeDeviceDef::parse(&text)?;
    let dev = NodeDev { def };
    let created = handle(&dev);
    match st.device_index_by_name(VHBA_NAME) {
        Some(i) => st.devices[i] = dev,
        None => st.devices.push(dev),
    }
    events.push(Event::NodeDeviceLifecycle {
        device: created.clone(),
        event: lc::CREATED,
        detail: 0,
    });
    Ok(created)
}

/// `testDestroyVport`: removes the `scsi_host12` a vHBA pool made.
pub(crate) fn destroy_vport(st: &mut State, events: &mut Vec<Event>) -> Result<()> {
    let index = st.device_index_by_name(VHBA_NAME).ok_or_else(|| {
        Error::new(
            ErrorDomain::Test,
            ErrorCode::NoNodeDevice,
            format!("no node device with matching name '{VHBA_NAME}'"),
        )
    })?;
    events.push(Event::NodeDeviceLifecycle {
        device: NodeDeviceRef {
            name: VHBA_NAME.to_string(),
        },
        event: lc::DELETED,
        detail: 0,
    });
    st.devices.remove(index);
    Ok(())
}

impl NodeDeviceDriver for TestDriver {
    fn connect_list_all_node_devices(
        &self,
        flags: ListNodeDevicesFlags,
    ) -> Result<Vec<NodeDeviceRef>> {
        let extra = flags.bits() & !CAP_FILTERS;
        if extra != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::Test,
                extra,
                "testConnectListAllNodeDevices",
            ));
        }
        self.read(|st| {
            let mut list: Vec<NodeDeviceRef> = st
                .devices
                .iter()
                .filter(|d| matches(d, flags))
                .map(handle)
                .collect();
            list.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(list)
        })
    }
    fn node_device_lookup_by_name(&self, name: &str) -> Result<NodeDeviceRef> {
        self.read(|st| Ok(handle(&st.devices[by_name(st, name)?])))
    }
    fn node_device_get_xml_desc(&self, dev: &NodeDeviceRef, flags: u32) -> Result<String> {
        if flags != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::Test,
                flags,
                "testNodeDeviceGetXMLDesc",
            ));
        }
        self.read(|st| Ok(st.devices[by_name(st, &dev.name)?].def.format()))
    }
    fn node_device_get_parent(&self, dev: &NodeDeviceRef) -> Result<Option<String>> {
        self.read(|st| Ok(st.devices[by_name(st, &dev.name)?].def.parent.clone()))
    }
    fn node_device_list_caps(&self, dev: &NodeDeviceRef) -> Result<Vec<String>> {
        self.read(|st| {
            let (top, _) = xmlutil::device_caps(&st.devices[by_name(st, &dev.name)?].def.format());
            Ok(top)
        })
    }
    fn node_device_create_xml(&self, xml: &str, flags: u32) -> Result<NodeDeviceRef> {
        if flags != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::Test,
                flags,
                "testNodeDeviceCreateXML",
            ));
        }
        let requested = NodeDeviceDef::parse(xml)?;
        let Some((wwnn, wwpn)) = xmlutil::device_wwns(xml) else {
            return Err(Error::invalid_arg(
                ErrorDomain::Nodedev,
                "Device is not a fibre channel HBA",
            ));
        };
        self.write(|st, events| {
            let parent = requested.parent.clone().unwrap_or_default();
            let parent_index = st.device_index_by_name(&parent).ok_or_else(|| {
                Error::invalid_arg(
                    ErrorDomain::Nodedev,
                    format!("could not find parent device for '{}'", requested.name),
                )
            })?;
            let (_, parent_caps) = xmlutil::device_caps(&st.devices[parent_index].def.format());
            if !parent_caps.iter().any(|c| c == "vports") {
                return Err(Error::internal(
                    ErrorDomain::Nodedev,
                    format!("Parent device {parent} is not capable of vport operations"),
                ));
            }
            create_vport(st, &wwnn, &wwpn, events)
        })
    }
    fn node_device_destroy(&self, dev: &NodeDeviceRef) -> Result<()> {
        self.write(|st, events| {
            let index = by_name(st, &dev.name)?;
            let def = &st.devices[index].def;
            // libvirt's test driver reports success without doing anything when the device
            // is no vHBA or its parent is gone.
            if xmlutil::device_wwns(&def.format()).is_none() {
                return Ok(());
            }
            let parent = def.parent.clone().unwrap_or_default();
            if st.device_index_by_name(&parent).is_none() {
                return Ok(());
            }
            events.push(Event::NodeDeviceLifecycle {
                device: dev.clone(),
                event: lc::DELETED,
                detail: 0,
            });
            st.devices.remove(index);
            Ok(())
        })
    }
}
