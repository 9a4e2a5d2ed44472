//! Handles naming objects on a connection. They carry exactly what libvirt's wire protocol
//! carries for an object (`remote_nonnull_domain` and friends), so a handle obtained in-process
//! and one received over the wire are the same value.

use uuid::Uuid;

/// A domain: name, UUID and id (-1 when not running).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DomainRef {
    pub name: String,
    pub uuid: Uuid,
    pub id: i32,
}

/// A virtual network.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NetworkRef {
    pub name: String,
    pub uuid: Uuid,
}

/// A storage pool.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoragePoolRef {
    pub name: String,
    pub uuid: Uuid,
}

/// A storage volume: its pool's name, its own name and its key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StorageVolRef {
    pub pool: String,
    pub name: String,
    pub key: String,
}

/// A node (host) device.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeDeviceRef {
    pub name: String,
}

/// A host interface: name and MAC address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InterfaceRef {
    pub name: String,
    pub mac: String,
}

/// A secret: UUID and its usage.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretRef {
    pub uuid: Uuid,
    pub usage_type: i32,
    pub usage_id: String,
}

/// A network filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NwFilterRef {
    pub name: String,
    pub uuid: Uuid,
}

/// A domain snapshot: the domain and the snapshot's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DomainSnapshotRef {
    pub domain: DomainRef,
    pub name: String,
}

/// Formats a UUID the way libvirt prints it (lower-case, hyphenated).
pub fn uuid_string(uuid: &Uuid) -> String {
    uuid.hyphenated().to_string()
}

/// Parses a UUID as libvirt's `virUUIDParse` accepts it: 32 hex digits, with or without
/// hyphens between any pairs, surrounding whitespace ignored.
pub fn parse_uuid(text: &str) -> Option<Uuid> {
    let t = text.trim();
    let mut bytes = [0u8; 16];
    let mut nibbles = 0usize;
    for c in t.chars() {
        if c == '-' {
            if !nibbles.is_multiple_of(2) {
                return None;
            }
            continue;
        }
        let v = c.to_digit(16)? as u8;
        if nibbles >= 32 {
            return None;
        }
        bytes[nibbles / 2] |= if nibbles.is_multiple_of(2) { v << 4 } else { v };
        nibbles += 1;
    }
    (nibbles == 32).then(|| Uuid::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_forms() {
        let a = parse_uuid("6695eb01-f6a4-8304-79aa-97f2502e193f").unwrap();
        let b = parse_uuid("6695eb01f6a4830479aa97f2502e193f").unwrap();
        assert_eq!(a, b);
        assert_eq!(uuid_string(&a), "6695eb01-f6a4-8304-79aa-97f2502e193f");
        assert!(parse_uuid("6695eb01").is_none());
        assert!(parse_uuid("zz95eb01f6a4830479aa97f2502e193f").is_none());
    }
}
