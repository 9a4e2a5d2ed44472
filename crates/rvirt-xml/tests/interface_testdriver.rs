//! Host interface XML against libvirt's test driver: the built-in `eth1`, and documents of
//! every interface type defined into `test:///default` (inputs here, outputs from libvirt).

mod common;

use rvirt_xml::interface::InterfaceDef;

/// Inputs in several non-canonical spellings (double quotes, odd order, uppercase MAC).
const INPUTS: &[&str] = &[
    r#"<interface type="ethernet" name="eth2"><start mode="hotplug"/><mac address="AA:bb:cc:dd:ee:01"/><mtu size="1500"/><protocol family="ipv4"><dhcp peerdns="yes"/></protocol><protocol family="ipv6"><autoconf/><dhcp/><ip address="3ffe:ffff:0:5::1" prefix="128"/><route gateway="3ffe:ffff:0:5::2"/></protocol><link speed="1000" state="up"/></interface>"#,
    r#"<interface type="bridge" name="br0"><start mode="onboot"/><mtu size="1500"/><protocol family="ipv4"><ip address="192.168.0.5" prefix="24"/><route gateway="192.168.0.1"/></protocol><bridge stp="off" delay="0.01"><interface type="ethernet" name="eth0"><mac address="ab:bb:cc:dd:ee:ff"/></interface><interface type="ethernet" name="eth1"/></bridge></interface>"#,
    r#"<interface type="bond" name="bond0"><start mode="none"/><protocol family="ipv4"><ip address="192.168.50.7" prefix="24"/><route gateway="192.168.50.1"/></protocol><bond mode="active-backup"><miimon freq="100" updelay="10" carrier="ioctl"/><interface type="ethernet" name="eth0"><mac address="ab:bb:cc:dd:ee:ff"/></interface><interface type="ethernet" name="eth1"/></bond></interface>"#,
    r#"<interface type="bond" name="bond1"><bond mode="balance-rr"><arpmon interval="100" target="192.168.50.1" validate="active"/><interface type="ethernet" name="eth2"/></bond></interface>"#,
    r#"<interface type="vlan" name="eth0.42"><start mode="onboot"/><protocol family="ipv4"><dhcp/></protocol><vlan tag="42"><interface name="eth0"/></vlan></interface>"#,
    r#"<interface type="bridge" name="br1"><bridge><interface type="ethernet" name="eth3"/></bridge></interface>"#,
    r#"<interface type="ethernet" name="eth9"/>"#,
    r#"<interface type="ethernet"><mac address="aa:bb:cc:dd:ee:02"/></interface>"#,
    r#"<interface type="zork" name="x"/>"#,
    r#"<interface name="x"/>"#,
    r#"<interface type="ethernet" name="eth8"><start mode="sometimes"/></interface>"#,
    r#"<interface type="vlan" name="v1"><vlan><interface name="eth0"/></vlan></interface>"#,
];

#[test]
fn live_default_eth1() {
    let script = r#"
import json, libvirt
c = libvirt.open("test:///default")
print(json.dumps(c.interfaceLookupByName("eth1").XMLDesc(0)))
"#;
    let Some(json) = common::libvirt_python(script) else {
        return;
    };
    let xml = json.as_str().unwrap();
    let def = InterfaceDef::parse(xml).unwrap();
    assert_eq!(def.format(false), xml);
    assert_eq!(def.iface_type, "ethernet");
    assert_eq!(def.mac.as_deref(), Some("aa:bb:cc:dd:ee:ff"));
}

#[test]
fn defined_interfaces_match_libvirt() {
    let inputs = serde_json::to_string(INPUTS).unwrap();
    let script = format!(
        r#"
import json, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open("test:///default")
out = []
for x in json.loads({inputs:?}):
    try:
        out.append(["ok", c.interfaceDefineXML(x).XMLDesc(0)])
    except libvirt.libvirtError as e:
        out.append(["err", e.get_error_code(), e.get_error_domain()])
print(json.dumps(out))
"#
    );
    let Some(json) = common::libvirt_python(&script) else {
        return;
    };
    for (input, expected) in INPUTS.iter().zip(json.as_array().unwrap()) {
        let ours = InterfaceDef::parse(input);
        if expected[0] == "ok" {
            let xml = expected[1].as_str().unwrap();
            let got = ours
                .unwrap_or_else(|e| panic!("{input}: {e}"))
                .format(false);
            assert_eq!(got, xml, "{input}: {}", common::diff(xml, &got));
        } else {
            let err = ours.expect_err(input);
            assert_eq!(
                i64::from(err.code as i32),
                expected[1].as_i64().unwrap(),
                "{input}"
            );
            assert_eq!(
                i64::from(err.domain as i32),
                expected[2].as_i64().unwrap(),
                "{input}"
            );
        }
    }
}
