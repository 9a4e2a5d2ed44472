//! Hostile and random input: decoding returns errors, never panics, and never allocates
//! what the input merely claims. Round trips for generated values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use proptest::prelude::*;
use rvirt_core::{TypedParam, TypedValue};
use rvirt_proto::packet::{self, Header, PacketDecoder, MESSAGE_MAX};
use rvirt_proto::remote::limits::{DOMAIN_LIST_MAX, DOMAIN_SCHEDULER_PARAMETERS_MAX};
use rvirt_proto::remote::*;
use rvirt_proto::xdr::{from_bytes, to_bytes, Opaque, XdrError, STRING_MAX};

fn be(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}

fn sample_error() -> RemoteError {
    RemoteError {
        code: 42,
        domain: 12,
        message: Some("Domain not found".into()),
        level: 2,
        dom: Some(NonnullDomain {
            name: "d".into(),
            uuid: [3u8; 16].into(),
            id: -1,
        }),
        str1: Some("s1".into()),
        str2: None,
        str3: Some("s3".into()),
        int1: -1,
        int2: 7,
        net: None,
    }
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = to_bytes(&sample_error()).unwrap();
    for cut in 0..bytes.len() {
        assert!(
            from_bytes::<RemoteError>(&bytes[..cut]).is_err(),
            "cut {cut}"
        );
    }
    let ret = ConnectListAllDomainsRet {
        domains: vec![
            NonnullDomain {
                name: "a".into(),
                uuid: [1u8; 16].into(),
                id: 1,
            };
            3
        ],
        ret: 3,
    };
    let bytes = to_bytes(&ret).unwrap();
    for cut in 0..bytes.len() {
        assert!(from_bytes::<ConnectListAllDomainsRet>(&bytes[..cut]).is_err());
    }
}

#[test]
fn huge_counts_fail_before_allocating() {
    // Claims four billion domains in a 12-byte buffer.
    let bytes = [be(u32::MAX), be(0), be(0)].concat();
    let err = from_bytes::<ConnectListAllDomainsRet>(&bytes).unwrap_err();
    assert!(matches!(err, XdrError::Truncated { .. }), "{err:?}");
    // A string claiming 4 GiB.
    let err = from_bytes::<String>(&be(u32::MAX)).unwrap_err();
    assert!(matches!(err, XdrError::TooLong { .. }), "{err:?}");
    // Opaque data claiming more than is there.
    let err = from_bytes::<Opaque>(&[0, 0, 1, 0, 1, 2]).unwrap_err();
    assert!(matches!(err, XdrError::Truncated { .. }), "{err:?}");
}

#[test]
fn array_limits_are_enforced() {
    // One element over REMOTE_DOMAIN_LIST_MAX, with enough bytes to pass the size check.
    let count = DOMAIN_LIST_MAX + 1;
    let mut bytes = be(count as u32).to_vec();
    bytes.resize(4 + count * 24 + 4, 0);
    let err = from_bytes::<ConnectListAllDomainsRet>(&bytes).unwrap_err();
    assert!(
        err.to_string().contains("exceeds the limit of 16384"),
        "{err}"
    );

    // Scheduler parameters are limited to 16.
    let params = vec![
        RemoteTypedParam {
            field: "w".into(),
            value: TypedParamValue::Int(1),
        };
        DOMAIN_SCHEDULER_PARAMETERS_MAX + 1
    ];
    let bytes = to_bytes(&DomainGetSchedulerParametersRet { params }).unwrap();
    assert!(from_bytes::<DomainGetSchedulerParametersRet>(&bytes).is_err());

    // Secret values are limited to 65536 bytes.
    let big = SecretGetValueRet {
        value: vec![0; 65_537],
    };
    let bytes = to_bytes(&big).unwrap();
    assert!(from_bytes::<SecretGetValueRet>(&bytes).is_err());
}

#[test]
fn strings_over_the_limit_are_refused() {
    let mut bytes = be(STRING_MAX as u32 + 1).to_vec();
    bytes.resize(4 + STRING_MAX + 4, b'a');
    let err = from_bytes::<String>(&bytes).unwrap_err();
    assert_eq!(
        err,
        XdrError::TooLong {
            len: STRING_MAX + 1,
            max: STRING_MAX
        }
    );
    let mut ok = be(STRING_MAX as u32).to_vec();
    ok.resize(4 + STRING_MAX, b'a');
    assert_eq!(from_bytes::<String>(&ok).unwrap().len(), STRING_MAX);
}

#[test]
fn packet_lengths_are_checked() {
    let mut d = PacketDecoder::new();
    d.push(&be(3));
    assert!(matches!(
        d.next_packet(),
        Err(XdrError::PacketTooSmall { len: 3, .. })
    ));
    let mut d = PacketDecoder::new();
    d.push(&be((MESSAGE_MAX + 5) as u32));
    assert!(matches!(
        d.next_packet(),
        Err(XdrError::PacketTooLarge { .. })
    ));
    // A length that cannot hold the header.
    let mut d = PacketDecoder::new();
    d.push(&be(20));
    d.push(&[0; 16]);
    assert!(d.next_packet().is_err());
    // A bad message type in an otherwise complete packet.
    let mut bytes = packet::build(&Header::call(1, 1, 1, 1), &()).unwrap();
    bytes[16..20].copy_from_slice(&be(9));
    let mut d = PacketDecoder::new();
    d.push(&bytes);
    assert!(d.next_packet().is_err());
    // Oversized payloads are refused when building, too.
    let huge = Opaque(vec![0; MESSAGE_MAX]);
    assert!(packet::build(&Header::call(1, 1, 1, 1), &huge).is_err());
}

#[test]
fn read_packet_from_a_reader() {
    let bytes = packet::build(&Header::call(1, 1, 2, 3), "hi").unwrap();
    let mut reader = &bytes[..];
    let p = packet::read_packet(&mut reader).unwrap();
    assert_eq!(p.header.serial, 3);
    assert_eq!(p.decode::<String>().unwrap(), "hi");
    let mut short = &bytes[..bytes.len() - 1];
    assert!(packet::read_packet(&mut short).is_err());
}

fn typed_value() -> impl Strategy<Value = TypedValue> {
    prop_oneof![
        any::<i32>().prop_map(TypedValue::Int),
        any::<u32>().prop_map(TypedValue::UInt),
        any::<i64>().prop_map(TypedValue::LLong),
        any::<u64>().prop_map(TypedValue::ULLong),
        any::<f64>()
            .prop_filter("NaN never equals itself", |f| !f.is_nan())
            .prop_map(TypedValue::Double),
        any::<bool>().prop_map(TypedValue::Boolean),
        ".{0,20}".prop_map(TypedValue::String),
    ]
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = from_bytes::<RemoteError>(&bytes);
        let _ = from_bytes::<ConnectListAllDomainsRet>(&bytes);
        let _ = from_bytes::<Vec<RemoteTypedParam>>(&bytes);
        let _ = from_bytes::<DomainGetInfoRet>(&bytes);
        let _ = from_bytes::<NodeGetInfoRet>(&bytes);
        let _ = from_bytes::<NetworkGetDhcpLeasesRet>(&bytes);
        let _ = from_bytes::<DomainEventCallbackGraphicsMsg>(&bytes);
        let _ = from_bytes::<ConnectGetAllDomainStatsRet>(&bytes);
        let mut d = PacketDecoder::new();
        d.push(&bytes);
        while let Ok(Some(_)) = d.next_packet() {}
    }

    #[test]
    fn typed_params_round_trip(
        params in proptest::collection::vec(("[a-z.]{0,12}", typed_value()), 0..16)
    ) {
        let params: Vec<TypedParam> =
            params.into_iter().map(|(f, v)| TypedParam::new(f, v)).collect();
        let bytes = to_bytes(&params_to_wire(&params)).unwrap();
        prop_assert_eq!(bytes.len() % 4, 0);
        let back: Vec<RemoteTypedParam> = from_bytes(&bytes).unwrap();
        prop_assert_eq!(params_from_wire(back), params);
    }

    #[test]
    fn errors_round_trip(
        code in 0i32..=110,
        domain in 0i32..=72,
        message in proptest::option::of(".{0,40}"),
        str1 in proptest::option::of(".{0,10}"),
        int1 in any::<i32>(),
    ) {
        let e = RemoteError { code, domain, message, level: 2, str1, int1, ..RemoteError::default() };
        let bytes = to_bytes(&e).unwrap();
        prop_assert_eq!(bytes.len() % 4, 0);
        prop_assert_eq!(from_bytes::<RemoteError>(&bytes).unwrap(), e);
    }

    #[test]
    fn domain_lists_round_trip(
        names in proptest::collection::vec("[a-zA-Z0-9_-]{1,30}", 0..20),
        uuid in any::<[u8; 16]>(),
    ) {
        let ret = ConnectListAllDomainsRet {
            domains: names
                .iter()
                .enumerate()
                .map(|(i, n)| NonnullDomain { name: n.clone(), uuid: uuid.into(), id: i as i32 })
                .collect(),
            ret: names.len() as u32,
        };
        let bytes = to_bytes(&ret).unwrap();
        prop_assert_eq!(from_bytes::<ConnectListAllDomainsRet>(&bytes).unwrap(), ret);
    }

    #[test]
    fn packets_split_anywhere(payload in ".{0,64}", cuts in proptest::collection::vec(0usize..200, 0..6)) {
        let bytes = packet::build(&Header::call(0x20008086, 1, 59, 42), &payload).unwrap();
        let mut d = PacketDecoder::new();
        let mut start = 0;
        let mut cuts = cuts;
        cuts.sort_unstable();
        let mut got = None;
        for c in cuts.into_iter().chain(std::iter::once(bytes.len())) {
            let c = c.min(bytes.len()).max(start);
            d.push(&bytes[start..c]);
            start = c;
            if let Some(p) = d.next_packet().unwrap() {
                got = Some(p);
            }
        }
        let p = got.unwrap();
        prop_assert_eq!(p.header.serial, 42);
        prop_assert_eq!(p.decode::<String>().unwrap(), payload);
    }
}
