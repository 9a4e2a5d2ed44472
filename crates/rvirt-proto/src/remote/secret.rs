//! Secret procedures.

use super::common::*;
use super::limits::*;
use super::wire;
use crate::xdr::bounded::vec as bv;
use crate::xdr::opaque;

wire! {
    /// `remote_connect_list_secrets_args`.
    ConnectListSecretsArgs { maxuuids: i32 }
    /// `remote_connect_list_secrets_ret`.
    ConnectListSecretsRet {
        #[serde(deserialize_with = "bv::<_, _, SECRET_LIST_MAX>")]
        uuids: Vec<String>,
    }
    /// `remote_connect_list_all_secrets_args`.
    ConnectListAllSecretsArgs { need_results: i32, flags: u32 }
    /// `remote_connect_list_all_secrets_ret`.
    ConnectListAllSecretsRet {
        #[serde(deserialize_with = "bv::<_, _, SECRET_LIST_MAX>")]
        secrets: Vec<NonnullSecret>,
        ret: u32,
    }
    /// `remote_secret_lookup_by_uuid_args`.
    SecretLookupByUuidArgs { uuid: RemoteUuid }
    /// `remote_secret_lookup_by_usage_args`.
    SecretLookupByUsageArgs { usage_type: i32, usage_id: String }
    /// A secret handle as the whole return value.
    SecretRet { secret: NonnullSecret }
    /// `remote_secret_define_xml_args`.
    SecretDefineXmlArgs { xml: String, flags: u32 }
    /// A secret and flags (get_xml_desc, get_value).
    SecretFlagsArgs { secret: NonnullSecret, flags: u32 }
    /// `remote_secret_undefine_args`.
    SecretArgs { secret: NonnullSecret }
    /// `remote_secret_set_value_args`.
    SecretSetValueArgs {
        secret: NonnullSecret,
        #[serde(serialize_with = "opaque::serialize")]
        #[serde(deserialize_with = "opaque::bounded::<_, SECRET_VALUE_MAX>")]
        value: Vec<u8>,
        flags: u32,
    }
    /// `remote_secret_get_value_ret`.
    SecretGetValueRet {
        #[serde(serialize_with = "opaque::serialize")]
        #[serde(deserialize_with = "opaque::bounded::<_, SECRET_VALUE_MAX>")]
        value: Vec<u8>,
    }
}
