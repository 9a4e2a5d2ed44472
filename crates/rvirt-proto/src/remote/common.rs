//! Types shared by many procedures: object handles, `remote_error` and typed parameters,
//! with conversions to and from rvirt-core's types.

use std::fmt;

use rvirt_core::{
    DomainRef, DomainSnapshotRef, Error, ErrorCode, ErrorDomain, ErrorLevel, InterfaceRef,
    NetworkRef, NodeDeviceRef, NwFilterRef, SecretRef, StoragePoolRef, StorageVolRef, TypedParam,
    TypedValue, Uuid,
};
use serde::de::{SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::xdr::{FixedOpaque, XdrError};

/// `remote_uuid`: 16 raw bytes.
pub type RemoteUuid = FixedOpaque<16>;

impl From<Uuid> for RemoteUuid {
    fn from(uuid: Uuid) -> Self {
        FixedOpaque(*uuid.as_bytes())
    }
}

impl From<RemoteUuid> for Uuid {
    fn from(uuid: RemoteUuid) -> Self {
        Uuid::from_bytes(uuid.0)
    }
}

/// `remote_nonnull_domain`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NonnullDomain {
    pub name: String,
    pub uuid: RemoteUuid,
    pub id: i32,
}

/// `remote_nonnull_network`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NonnullNetwork {
    pub name: String,
    pub uuid: RemoteUuid,
}

/// `remote_nonnull_network_port`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NonnullNetworkPort {
    pub net: NonnullNetwork,
    pub uuid: RemoteUuid,
}

/// `remote_nonnull_nwfilter`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NonnullNwfilter {
    pub name: String,
    pub uuid: RemoteUuid,
}

/// `remote_nonnull_nwfilter_binding`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NonnullNwfilterBinding {
    pub portdev: String,
    pub filtername: String,
}

/// `remote_nonnull_interface`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NonnullInterface {
    pub name: String,
    pub mac: String,
}

/// `remote_nonnull_storage_pool`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NonnullStoragePool {
    pub name: String,
    pub uuid: RemoteUuid,
}

/// `remote_nonnull_storage_vol`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NonnullStorageVol {
    pub pool: String,
    pub name: String,
    pub key: String,
}

/// `remote_nonnull_node_device`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NonnullNodeDevice {
    pub name: String,
}

/// `remote_nonnull_secret`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NonnullSecret {
    pub uuid: RemoteUuid,
    pub usage_type: i32,
    pub usage_id: String,
}

/// `remote_nonnull_domain_snapshot`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NonnullDomainSnapshot {
    pub name: String,
    pub dom: NonnullDomain,
}

/// `remote_nonnull_domain_checkpoint`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NonnullDomainCheckpoint {
    pub name: String,
    pub dom: NonnullDomain,
}

/// Conversions between wire handles and rvirt-core handles (both directions, by value and
/// by reference).
macro_rules! handle_conversions {
    ($wire:ident <=> $core:ident { $($field:ident $(: $conv:ident)?),* }) => {
        impl From<&$core> for $wire {
            fn from(h: &$core) -> Self {
                $wire { $($field: handle_conversions!(@to h.$field $(, $conv)?)),* }
            }
        }
        impl From<$core> for $wire {
            fn from(h: $core) -> Self {
                (&h).into()
            }
        }
        impl From<$wire> for $core {
            fn from(w: $wire) -> Self {
                $core { $($field: handle_conversions!(@from w.$field $(, $conv)?)),* }
            }
        }
    };
    (@to $e:expr, uuid) => { RemoteUuid::from($e) };
    (@to $e:expr, copy) => { $e };
    (@to $e:expr) => { $e.clone() };
    (@from $e:expr, uuid) => { Uuid::from($e) };
    (@from $e:expr $(, $conv:ident)?) => { $e };
}

handle_conversions!(NonnullDomain <=> DomainRef { name, uuid: uuid, id: copy });
handle_conversions!(NonnullNetwork <=> NetworkRef { name, uuid: uuid });
handle_conversions!(NonnullStoragePool <=> StoragePoolRef { name, uuid: uuid });
handle_conversions!(NonnullStorageVol <=> StorageVolRef { pool, name, key });
handle_conversions!(NonnullNodeDevice <=> NodeDeviceRef { name });
handle_conversions!(NonnullInterface <=> InterfaceRef { name, mac });
handle_conversions!(NonnullSecret <=> SecretRef { uuid: uuid, usage_type: copy, usage_id });
handle_conversions!(NonnullNwfilter <=> NwFilterRef { name, uuid: uuid });

impl From<&DomainSnapshotRef> for NonnullDomainSnapshot {
    fn from(s: &DomainSnapshotRef) -> Self {
        NonnullDomainSnapshot {
            name: s.name.clone(),
            dom: (&s.domain).into(),
        }
    }
}

impl From<NonnullDomainSnapshot> for DomainSnapshotRef {
    fn from(s: NonnullDomainSnapshot) -> Self {
        DomainSnapshotRef {
            domain: s.dom.into(),
            name: s.name,
        }
    }
}

/// `remote_error` (`virNetMessageError`): the payload of every error reply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RemoteError {
    pub code: i32,
    pub domain: i32,
    pub message: Option<String>,
    pub level: i32,
    pub dom: Option<NonnullDomain>,
    pub str1: Option<String>,
    pub str2: Option<String>,
    pub str3: Option<String>,
    pub int1: i32,
    pub int2: i32,
    pub net: Option<NonnullNetwork>,
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.as_deref().unwrap_or("unknown error"))
    }
}

impl From<&Error> for RemoteError {
    fn from(e: &Error) -> Self {
        RemoteError {
            code: e.code as i32,
            domain: e.domain as i32,
            message: Some(e.message.clone()),
            level: e.level as i32,
            dom: None,
            str1: e.str1.clone(),
            str2: e.str2.clone(),
            str3: e.str3.clone(),
            int1: e.int1,
            int2: e.int2,
            net: None,
        }
    }
}

impl From<Error> for RemoteError {
    fn from(e: Error) -> Self {
        (&e).into()
    }
}

/// Codes or domains newer than rvirt-core knows become `VIR_ERR_INTERNAL_ERROR` /
/// `VIR_FROM_NONE`; the message is kept as sent.
impl From<RemoteError> for Error {
    fn from(r: RemoteError) -> Self {
        Error {
            code: ErrorCode::from_i32(r.code).unwrap_or(ErrorCode::InternalError),
            domain: ErrorDomain::from_i32(r.domain).unwrap_or(ErrorDomain::None),
            level: ErrorLevel::from_i32(r.level),
            message: r.message.unwrap_or_else(|| "unknown error".to_string()),
            str1: r.str1,
            str2: r.str2,
            str3: r.str3,
            int1: r.int1,
            int2: r.int2,
        }
    }
}

/// `VIR_TYPED_PARAM_*` numbers, the discriminant of `remote_typed_param_value`.
pub mod typed_param_type {
    pub const INT: i32 = 1;
    pub const UINT: i32 = 2;
    pub const LLONG: i32 = 3;
    pub const ULLONG: i32 = 4;
    pub const DOUBLE: i32 = 5;
    pub const BOOLEAN: i32 = 6;
    pub const STRING: i32 = 7;
}

/// `remote_typed_param_value`: a union switched on the parameter type (1..=7).
#[derive(Debug, Clone, PartialEq)]
pub enum TypedParamValue {
    Int(i32),
    UInt(u32),
    LLong(i64),
    ULLong(u64),
    Double(f64),
    /// Carried as an int; libvirt treats any non-zero value as true.
    Boolean(i32),
    String(String),
}

impl TypedParamValue {
    /// The union discriminant (`VIR_TYPED_PARAM_*`).
    pub fn type_number(&self) -> i32 {
        use typed_param_type::*;
        match self {
            Self::Int(_) => INT,
            Self::UInt(_) => UINT,
            Self::LLong(_) => LLONG,
            Self::ULLong(_) => ULLONG,
            Self::Double(_) => DOUBLE,
            Self::Boolean(_) => BOOLEAN,
            Self::String(_) => STRING,
        }
    }
}

impl Serialize for TypedParamValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&self.type_number())?;
        match self {
            Self::Int(v) | Self::Boolean(v) => t.serialize_element(v)?,
            Self::UInt(v) => t.serialize_element(v)?,
            Self::LLong(v) => t.serialize_element(v)?,
            Self::ULLong(v) => t.serialize_element(v)?,
            Self::Double(v) => t.serialize_element(v)?,
            Self::String(v) => t.serialize_element(v)?,
        }
        t.end()
    }
}

struct TypedParamValueVisitor;

impl<'de> Visitor<'de> for TypedParamValueVisitor {
    type Value = TypedParamValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a remote_typed_param_value union")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TypedParamValue, A::Error> {
        use typed_param_type::*;
        let missing = || serde::de::Error::invalid_length(1, &"a union arm");
        let kind: i32 = seq
            .next_element()?
            .ok_or_else(|| serde::de::Error::invalid_length(0, &"a discriminant"))?;
        Ok(match kind {
            INT => TypedParamValue::Int(seq.next_element()?.ok_or_else(missing)?),
            UINT => TypedParamValue::UInt(seq.next_element()?.ok_or_else(missing)?),
            LLONG => TypedParamValue::LLong(seq.next_element()?.ok_or_else(missing)?),
            ULLONG => TypedParamValue::ULLong(seq.next_element()?.ok_or_else(missing)?),
            DOUBLE => TypedParamValue::Double(seq.next_element()?.ok_or_else(missing)?),
            BOOLEAN => TypedParamValue::Boolean(seq.next_element()?.ok_or_else(missing)?),
            STRING => TypedParamValue::String(seq.next_element()?.ok_or_else(missing)?),
            other => {
                return Err(serde::de::Error::custom(XdrError::UnknownDiscriminant {
                    what: "remote_typed_param_value",
                    value: i64::from(other),
                }))
            }
        })
    }
}

impl<'de> Deserialize<'de> for TypedParamValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_tuple(2, TypedParamValueVisitor)
    }
}

/// `remote_typed_param`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteTypedParam {
    pub field: String,
    pub value: TypedParamValue,
}

impl From<&TypedParam> for RemoteTypedParam {
    fn from(p: &TypedParam) -> Self {
        let value = match &p.value {
            TypedValue::Int(v) => TypedParamValue::Int(*v),
            TypedValue::UInt(v) => TypedParamValue::UInt(*v),
            TypedValue::LLong(v) => TypedParamValue::LLong(*v),
            TypedValue::ULLong(v) => TypedParamValue::ULLong(*v),
            TypedValue::Double(v) => TypedParamValue::Double(*v),
            TypedValue::Boolean(v) => TypedParamValue::Boolean(i32::from(*v)),
            TypedValue::String(v) => TypedParamValue::String(v.clone()),
        };
        RemoteTypedParam {
            field: p.field.clone(),
            value,
        }
    }
}

impl From<RemoteTypedParam> for TypedParam {
    fn from(p: RemoteTypedParam) -> Self {
        let value = match p.value {
            TypedParamValue::Int(v) => TypedValue::Int(v),
            TypedParamValue::UInt(v) => TypedValue::UInt(v),
            TypedParamValue::LLong(v) => TypedValue::LLong(v),
            TypedParamValue::ULLong(v) => TypedValue::ULLong(v),
            TypedParamValue::Double(v) => TypedValue::Double(v),
            TypedParamValue::Boolean(v) => TypedValue::Boolean(v != 0),
            TypedParamValue::String(v) => TypedValue::String(v),
        };
        TypedParam {
            field: p.field,
            value,
        }
    }
}

/// Converts a parameter list for the wire.
pub fn params_to_wire(params: &[TypedParam]) -> Vec<RemoteTypedParam> {
    params.iter().map(RemoteTypedParam::from).collect()
}

/// Converts a parameter list received from the wire.
pub fn params_from_wire(params: Vec<RemoteTypedParam>) -> Vec<TypedParam> {
    params.into_iter().map(TypedParam::from).collect()
}

/// `remote_node_get_cpu_stats` / `remote_node_get_memory_stats`: a named counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeStatParam {
    pub field: String,
    pub value: u64,
}

impl From<&rvirt_core::NodeStat> for NodeStatParam {
    fn from(s: &rvirt_core::NodeStat) -> Self {
        NodeStatParam {
            field: s.field.clone(),
            value: s.value,
        }
    }
}

impl From<NodeStatParam> for rvirt_core::NodeStat {
    fn from(s: NodeStatParam) -> Self {
        rvirt_core::NodeStat {
            field: s.field,
            value: s.value,
        }
    }
}
