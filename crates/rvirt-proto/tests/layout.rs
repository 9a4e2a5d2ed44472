//! Exact byte layouts, worked out by hand from RFC 4506 and libvirt's protocol definitions.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use rvirt_core::{ErrorCode, ErrorDomain, TypedParam, TypedValue, Uuid};
use rvirt_proto::calls::{self, ConnectOpen, DomainLookupByName, RemoteCall};
use rvirt_proto::packet::{self, Header, MessageStatus, MessageType, Packet};
use rvirt_proto::remote::*;
use rvirt_proto::xdr::{from_bytes, to_bytes};

/// Big-endian bytes of a u32.
fn be(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn connect_open_call_packet() {
    let args = ConnectOpenArgs {
        name: Some("test:///default".into()),
        flags: 0,
    };
    let bytes = calls::call_packet::<ConnectOpen>(1, &args).unwrap();
    let expected = cat(&[
        &be(56),         // length word: 4 + 24 header + 28 payload
        &be(0x20008086), // prog REMOTE_PROGRAM
        &be(1),          // vers
        &be(1),          // proc REMOTE_PROC_CONNECT_OPEN
        &be(0),          // type VIR_NET_CALL
        &be(1),          // serial
        &be(0),          // status VIR_NET_OK
        &be(1),          // remote_string: present
        &be(15),         // string length
        b"test:///default",
        &[0],   // padding to a multiple of 4
        &be(0), // flags
    ]);
    assert_eq!(bytes, expected);

    let packet = Packet::parse(&bytes).unwrap();
    assert_eq!(packet.header, Header::call(0x20008086, 1, 1, 1));
    assert_eq!(packet.decode::<ConnectOpenArgs>().unwrap(), args);
}

#[test]
fn null_connect_open_name_is_a_false_discriminant() {
    let bytes = to_bytes(&ConnectOpenArgs {
        name: None,
        flags: 3,
    })
    .unwrap();
    assert_eq!(bytes, cat(&[&be(0), &be(3)]));
}

#[test]
fn lookup_by_name_reply_layout() {
    let uuid = Uuid::parse_str("6695eb01-f6a4-8304-79aa-97f2502e193f").unwrap();
    let ret = DomainRet {
        dom: NonnullDomain {
            name: "test".into(),
            uuid: uuid.into(),
            id: 1,
        },
    };
    let call = Header::call(0x20008086, 1, 23, 9);
    let bytes = calls::reply_packet::<DomainLookupByName>(&call, &ret).unwrap();
    let expected = cat(&[
        &be(4 + 24 + 8 + 16 + 4),
        &be(0x20008086),
        &be(1),
        &be(23),
        &be(1), // VIR_NET_REPLY
        &be(9),
        &be(0),
        &be(4),
        b"test", // no padding: already a multiple of 4
        uuid.as_bytes(),
        &be(1),
    ]);
    assert_eq!(bytes, expected);
    let p = Packet::parse(&bytes).unwrap();
    let back = calls::decode_reply::<DomainLookupByName>(&p).unwrap();
    let domref: rvirt_core::DomainRef = back.dom.into();
    assert_eq!(domref.uuid, uuid);
    assert_eq!(domref.name, "test");
}

#[test]
fn error_reply_layout_and_conversion() {
    let err = rvirt_core::Error::new(ErrorDomain::Test, ErrorCode::NoDomain, "x");
    let remote = RemoteError::from(&err);
    let bytes = to_bytes(&remote).unwrap();
    let message = "Domain not found: x"; // 19 bytes, 1 byte of padding
    let expected = cat(&[
        &be(42), // code
        &be(12), // domain VIR_FROM_TEST
        &be(1),
        &be(19),
        message.as_bytes(),
        &[0],
        &be(2), // level VIR_ERR_ERROR
        &be(0), // dom: null
        &be(1),
        &be(20), // str1: the format, 20 bytes, no padding
        b"Domain not found: %s",
        &be(1), // str2 present
        &be(1),
        b"x",
        &[0, 0, 0],
        &be(0),                 // str3 null
        &(-1i32).to_be_bytes(), // int1
        &(-1i32).to_be_bytes(), // int2
        &be(0),                 // net: null
    ]);
    assert_eq!(bytes, expected);
    let back: RemoteError = from_bytes(&bytes).unwrap();
    let core: rvirt_core::Error = back.into();
    assert_eq!(core, err);

    let call = Header::call(0x20008086, 1, 23, 5);
    let pkt = packet::build_error_reply(&call, &remote).unwrap();
    let p = Packet::parse(&pkt).unwrap();
    assert_eq!(p.header.kind, MessageType::Reply);
    assert_eq!(p.header.status, MessageStatus::Error);
    let e = calls::decode_reply::<DomainLookupByName>(&p).unwrap_err();
    assert_eq!(e.code, ErrorCode::NoDomain);
}

#[test]
fn typed_param_union_arms() {
    let params = vec![
        TypedParam::new("a", TypedValue::Int(-1)),
        TypedParam::new("b", TypedValue::ULLong(1 << 40)),
        TypedParam::new("c", TypedValue::Boolean(true)),
        TypedParam::new("d", TypedValue::Double(0.5)),
        TypedParam::new("e", TypedValue::String("xy".into())),
    ];
    let wire = params_to_wire(&params);
    let bytes = to_bytes(&wire).unwrap();
    let expected = cat(&[
        &be(5),
        &be(1),
        b"a\0\0\0",
        &be(1), // VIR_TYPED_PARAM_INT
        &(-1i32).to_be_bytes(),
        &be(1),
        b"b\0\0\0",
        &be(4), // VIR_TYPED_PARAM_ULLONG
        &(1u64 << 40).to_be_bytes(),
        &be(1),
        b"c\0\0\0",
        &be(6), // VIR_TYPED_PARAM_BOOLEAN, carried as an int
        &be(1),
        &be(1),
        b"d\0\0\0",
        &be(5), // VIR_TYPED_PARAM_DOUBLE
        &0.5f64.to_be_bytes(),
        &be(1),
        b"e\0\0\0",
        &be(7), // VIR_TYPED_PARAM_STRING
        &be(2),
        b"xy\0\0",
    ]);
    assert_eq!(bytes, expected);
    let back: Vec<RemoteTypedParam> = from_bytes(&bytes).unwrap();
    assert_eq!(params_from_wire(back), params);

    // An unknown union arm is an error.
    let bad = cat(&[&be(1), b"a\0\0\0", &be(8), &be(0)]);
    assert!(from_bytes::<RemoteTypedParam>(&bad[4..]).is_err());
}

#[test]
fn small_c_types_take_four_bytes() {
    let info = DomainGetInfoRet {
        state: 1,
        max_mem: 2,
        memory: 3,
        nr_virt_cpu: 4,
        cpu_time: 5,
    };
    let bytes = to_bytes(&info).unwrap();
    assert_eq!(bytes.len(), 4 + 8 + 8 + 4 + 8);
    assert_eq!(&bytes[..4], &be(1));
    assert_eq!(&bytes[20..24], &be(4));

    let node = NodeGetInfoRet::from(&rvirt_core::NodeInfo {
        model: "i686".into(),
        memory: 3_145_728,
        cpus: 16,
        mhz: 1400,
        nodes: 2,
        sockets: 2,
        cores: 2,
        threads: 2,
    });
    let bytes = to_bytes(&node).unwrap();
    // char model[32]: 32 ints.
    assert_eq!(bytes.len(), 32 * 4 + 8 + 6 * 4);
    assert_eq!(&bytes[..8], &cat(&[&be(b'i' as u32), &be(b'6' as u32)])[..]);
    assert_eq!(&bytes[16..20], &be(0));
    let back: NodeGetInfoRet = from_bytes(&bytes).unwrap();
    assert_eq!(back.to_node_info().model, "i686");
}

#[test]
fn security_label_is_a_char_array_with_nul() {
    let ret = DomainGetSecurityLabelRet {
        label: rvirt_proto::xdr::string_to_chars("ab"),
        enforcing: 1,
    };
    let bytes = to_bytes(&ret).unwrap();
    assert_eq!(bytes, cat(&[&be(3), &be(97), &be(98), &be(0), &be(1)]));
}

#[test]
fn event_and_keepalive_packets() {
    let msg = DomainEventCallbackLifecycleMsg {
        callback_id: 7,
        msg: DomainEventLifecycleMsg {
            dom: NonnullDomain {
                name: "vm".into(),
                uuid: Uuid::nil().into(),
                id: 3,
            },
            event: 2,
            detail: 0,
        },
    };
    let bytes = calls::event_packet::<calls::DomainEventCallbackLifecycle>(&msg).unwrap();
    let p = Packet::parse(&bytes).unwrap();
    assert_eq!(p.header.kind, MessageType::Message);
    assert_eq!(p.header.proc_, 318);
    assert_eq!(p.header.serial, 0);
    assert_eq!(p.decode::<DomainEventCallbackLifecycleMsg>().unwrap(), msg);

    let ping = Header {
        prog: 0x6b656570,
        vers: 1,
        proc_: 1,
        kind: MessageType::Message,
        serial: 0,
        status: MessageStatus::Ok,
    };
    let bytes = packet::build_raw(&ping, &[]).unwrap();
    assert_eq!(
        bytes,
        cat(&[&be(28), b"keep", &be(1), &be(1), &be(2), &be(0), &be(0)])
    );
}

#[test]
fn stream_hole_layout() {
    let hole = packet::StreamHole {
        length: 4096,
        flags: 0,
    };
    assert_eq!(
        to_bytes(&hole).unwrap(),
        cat(&[&4096i64.to_be_bytes(), &be(0)])
    );
    let h = Header {
        prog: 0x20008086,
        vers: 1,
        proc_: 209,
        kind: MessageType::StreamHole,
        serial: 4,
        status: MessageStatus::Continue,
    };
    let p = Packet::parse(&packet::build(&h, &hole).unwrap()).unwrap();
    assert_eq!(p.header.kind, MessageType::StreamHole);
    assert_eq!(p.decode::<packet::StreamHole>().unwrap(), hole);
}

#[test]
fn handles_convert_both_ways() {
    let vol = rvirt_core::StorageVolRef {
        pool: "p".into(),
        name: "v".into(),
        key: "/k".into(),
    };
    let wire = NonnullStorageVol::from(&vol);
    assert_eq!(rvirt_core::StorageVolRef::from(wire.clone()), vol);
    assert_eq!(
        to_bytes(&wire).unwrap(),
        cat(&[&be(1), b"p\0\0\0", &be(1), b"v\0\0\0", &be(2), b"/k\0\0"])
    );
    let secret = rvirt_core::SecretRef {
        uuid: Uuid::from_bytes([1; 16]),
        usage_type: 2,
        usage_id: "u".into(),
    };
    let wire = NonnullSecret::from(&secret);
    assert_eq!(
        to_bytes(&wire).unwrap(),
        cat(&[&[1u8; 16], &be(2), &be(1), b"u\0\0\0"])
    );
    assert_eq!(rvirt_core::SecretRef::from(wire), secret);
    let iface = rvirt_core::InterfaceRef {
        name: "eth0".into(),
        mac: "52:54:00:00:00:01".into(),
    };
    assert_eq!(
        rvirt_core::InterfaceRef::from(NonnullInterface::from(&iface)),
        iface
    );
}

#[test]
fn typed_call_numbers_match_the_table() {
    for &n in calls::TYPED_CALLS.iter().chain(calls::TYPED_EVENTS) {
        assert!(rvirt_proto::procedures::lookup(n).is_some(), "{n}");
    }
    assert_eq!(<DomainLookupByName as RemoteCall>::PROC, 23);
    for &n in calls::TYPED_EVENTS {
        assert!(
            rvirt_proto::procedures::lookup(n).unwrap().is_event(),
            "{n}"
        );
    }
}

#[test]
fn codec_errors_become_rpc_errors() {
    let e: rvirt_core::Error = from_bytes::<u32>(&[0, 0]).unwrap_err().into();
    assert_eq!((e.code, e.domain), (ErrorCode::Rpc, ErrorDomain::Rpc));
    assert!(e.message.contains("truncated"), "{}", e.message);
}

#[test]
fn stream_packets_reuse_the_call_header() {
    let call = Header::call(0x20008086, 1, 209, 11);
    let data = packet::build_stream_data(&call, b"abc").unwrap();
    // Raw data, no length word of its own and no padding.
    assert_eq!(
        data,
        cat(&[
            &be(31),
            &be(0x20008086),
            &be(1),
            &be(209),
            &be(3),
            &be(11),
            &be(2),
            b"abc"
        ])
    );
    let fin = Packet::parse(&packet::build_stream_finish(&call).unwrap()).unwrap();
    assert_eq!(
        (fin.header.kind, fin.header.status),
        (MessageType::Stream, MessageStatus::Ok)
    );
    assert!(fin.payload.is_empty());
    let err = RemoteError::from(&rvirt_core::Error::bare(
        ErrorDomain::Streams,
        ErrorCode::Rpc,
    ));
    let p = Packet::parse(&packet::build_stream_error(&call, &err).unwrap()).unwrap();
    assert_eq!(p.error().unwrap().unwrap(), err);
}
