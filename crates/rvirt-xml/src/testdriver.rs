//! Facts about libvirt's test driver that both the in-memory driver (`rvirt-test`) and the
//! corpus checker need: the built-in `test:///default` node document, and the duplicate
//! checks every define goes through (`virDomainObjListAdd`, `virNetworkObjAssignDef`,
//! `virStoragePoolObjListAdd`).

use rvirt_core::{uuid_string, Error, ErrorCode, ErrorDomain, Result, Uuid};

/// The objects `test:///default` starts with (the same facts as libvirt's built-in node):
/// one running domain, one network, one interface, one pool and four node devices.
pub const DEFAULT_NODE_XML: &str = r#"<node>
<domain type='test'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory>8388608</memory>
  <currentMemory>2097152</currentMemory>
  <vcpu>2</vcpu>
  <os>
    <type>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default' bridge='virbr0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x1' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x2' function='0x0'/>
    </memballoon>
  </devices>
</domain>
<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
<interface type="ethernet" name="eth1">
  <start mode="onboot"/>
  <mac address="aa:bb:cc:dd:ee:ff"/>
  <mtu size="1492"/>
  <protocol family="ipv4">
    <ip address="192.168.0.5" prefix="24"/>
    <route gateway="192.168.0.1"/>
  </protocol>
</interface>
<pool type='dir'>
  <name>default-pool</name>
  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
  <target>
    <path>/default-pool</path>
  </target>
</pool>
<device>
  <name>computer</name>
  <capability type='system'>
    <hardware>
      <vendor>Libvirt</vendor>
      <version>Test driver</version>
      <serial>123456</serial>
      <uuid>11111111-2222-3333-4444-555555555555</uuid>
    </hardware>
    <firmware>
      <vendor>Libvirt</vendor>
      <version>Test Driver</version>
      <release_date>01/22/2007</release_date>
    </firmware>
  </capability>
</device>
<device>
  <name>scsi_host1</name>
  <parent>computer</parent>
  <capability type='scsi_host'>
    <host>1</host>
    <unique_id>0</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000012341234</wwnn>
      <wwpn>1000000012341234</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
    <capability type='vport_ops'>
      <max_vports>127</max_vports>
      <vports>1</vports>
    </capability>
  </capability>
</device>
<device>
  <name>scsi_host2</name>
  <parent>computer</parent>
  <capability type='scsi_host'>
    <host>2</host>
    <unique_id>1</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000056785678</wwnn>
      <wwpn>1000000056785678</wwpn>
      <fabric_wwn>2000000087658765</fabric_wwn>
    </capability>
    <capability type='vport_ops'>
      <max_vports>127</max_vports>
      <vports>0</vports>
    </capability>
  </capability>
</device>
<device>
  <name>scsi_host11</name>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <host>11</host>
    <unique_id>10</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000034563456</wwnn>
      <wwpn>1000000034563456</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
  </capability>
</device>
</node>
"#;

/// The id the test driver gives the first domain it starts when loading a node document
/// (every `<domain>` of the node is started, ids counting from 1).
pub const FIRST_DOMAIN_ID: i32 = 1;

/// The duplicate checks libvirt makes before adding or redefining a domain, network or
/// storage pool. `object` is the word libvirt's messages use (`domain`, `network`, `pool`),
/// `existing` lists the objects already held as `(name, uuid)`.
///
/// Returns the index (in `existing`) of the object this definition replaces (same UUID and
/// name), `None` when it is a new object, or libvirt's `VIR_ERR_OPERATION_FAILED` when the
/// UUID belongs to an object of another name or the name to an object of another UUID.
pub fn check_define_clash<'a>(
    object: &str,
    err_domain: ErrorDomain,
    existing: impl IntoIterator<Item = (&'a str, &'a Uuid)>,
    name: &str,
    uuid: &Uuid,
) -> Result<Option<usize>> {
    let mut same_name = None;
    for (index, (held_name, held_uuid)) in existing.into_iter().enumerate() {
        if held_uuid == uuid {
            if held_name != name {
                return Err(Error::new(
                    err_domain,
                    ErrorCode::OperationFailed,
                    format!(
                        "{object} '{held_name}' is already defined with uuid {}",
                        uuid_string(held_uuid)
                    ),
                ));
            }
            return Ok(Some(index));
        }
        if same_name.is_none() && held_name == name {
            same_name = Some(*held_uuid);
        }
    }
    match same_name {
        // libvirt looks the UUID up first, so a name clash only counts when no object holds it.
        Some(held_uuid) => Err(Error::new(
            err_domain,
            ErrorCode::OperationFailed,
            format!(
                "{object} '{name}' already exists with uuid {}",
                uuid_string(&held_uuid)
            ),
        )),
        None => Ok(None),
    }
}

/// One domain of a node document: its `<domain>` element's text and the live id the test
/// driver gives it when it starts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeDomain<'a> {
    pub xml: &'a str,
    pub id: i32,
}

/// The `<domain>` elements of a node document, in order, with the ids the test driver gives
/// them (it starts every one of them).
pub fn node_domains(node_xml: &str) -> Result<Vec<NodeDomain<'_>>> {
    let doc = crate::parse::parse_document(node_xml, "test driver", ErrorDomain::Test)?;
    let mut next_id = FIRST_DOMAIN_ID;
    let mut out = Vec::new();
    for child in doc.root_element().children() {
        if child.is_element() && child.tag_name().name() == "domain" {
            out.push(NodeDomain {
                xml: &node_xml[child.range()],
                id: next_id,
            });
            next_id += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uuid(byte: u8) -> Uuid {
        Uuid::from_bytes([byte; 16])
    }

    #[test]
    fn default_node_is_well_formed_and_holds_the_running_test_domain() {
        let domains = node_domains(DEFAULT_NODE_XML).unwrap();
        assert_eq!(domains.len(), 1);
        assert_eq!(domains[0].id, 1);
        assert!(domains[0].xml.contains("<name>test</name>"));
    }

    #[test]
    fn clash_rules() {
        let held = [("a", uuid(1)), ("b", uuid(2))];
        let list = || held.iter().map(|(n, u)| (*n, u));
        assert_eq!(
            check_define_clash("domain", ErrorDomain::Domain, list(), "c", &uuid(3)).unwrap(),
            None
        );
        assert_eq!(
            check_define_clash("domain", ErrorDomain::Domain, list(), "b", &uuid(2)).unwrap(),
            Some(1)
        );
        let err =
            check_define_clash("domain", ErrorDomain::Domain, list(), "a", &uuid(3)).unwrap_err();
        assert_eq!(err.code, ErrorCode::OperationFailed);
        assert_eq!(
            err.message,
            "operation failed: domain 'a' already exists with uuid 01010101-0101-0101-0101-010101010101"
        );
        let err =
            check_define_clash("network", ErrorDomain::Network, list(), "c", &uuid(2)).unwrap_err();
        assert_eq!(
            err.message,
            "operation failed: network 'b' is already defined with uuid 02020202-0202-0202-0202-020202020202"
        );
    }
}
