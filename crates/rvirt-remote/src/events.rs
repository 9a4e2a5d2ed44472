//! Event registration over the wire and decoding of the daemon's event messages into
//! `rvirt_core::Event`. Registration uses the callback-id procedures
//! (`*_EVENT_CALLBACK_REGISTER_ANY` / `*_EVENT_REGISTER_ANY`), so the daemon filters by
//! object and tags every message with the callback it belongs to.

use rvirt_core::{Event, EventFamily, Result};
use rvirt_proto::calls::*;
use rvirt_proto::packet::Packet;
use rvirt_proto::procedures::remote_proc as p;
use rvirt_proto::remote::*;

/// The families that have separate callback-id spaces on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FamilyKind {
    Domain,
    Network,
    StoragePool,
    NodeDevice,
    Secret,
}

impl FamilyKind {
    pub(crate) fn of(family: EventFamily) -> (FamilyKind, i32) {
        match family {
            EventFamily::Domain(id) => (FamilyKind::Domain, id),
            EventFamily::Network(id) => (FamilyKind::Network, id),
            EventFamily::StoragePool(id) => (FamilyKind::StoragePool, id),
            EventFamily::NodeDevice(id) => (FamilyKind::NodeDevice, id),
            EventFamily::Secret(id) => (FamilyKind::Secret, id),
        }
    }
}

/// Decodes an event message: the family, the daemon's callback id and the event. `None`
/// for events rvirt-core has no variant for (they are dropped).
pub(crate) fn decode(packet: &Packet) -> Result<Option<(FamilyKind, i32, Event)>> {
    use FamilyKind::*;
    let event = match packet.header.proc_ {
        p::DOMAIN_EVENT_CALLBACK_LIFECYCLE => {
            let m: DomainEventCallbackLifecycleMsg = packet.decode()?;
            (
                Domain,
                m.callback_id,
                Event::DomainLifecycle {
                    domain: m.msg.dom.into(),
                    event: m.msg.event,
                    detail: m.msg.detail,
                },
            )
        }
        p::DOMAIN_EVENT_CALLBACK_REBOOT => {
            let m: DomainEventCallbackRebootMsg = packet.decode()?;
            (
                Domain,
                m.callback_id,
                Event::DomainReboot {
                    domain: m.msg.dom.into(),
                },
            )
        }
        p::DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE => {
            let m: DomainEventCallbackBalloonChangeMsg = packet.decode()?;
            (
                Domain,
                m.callback_id,
                Event::DomainBalloonChange {
                    domain: m.msg.dom.into(),
                    actual: m.msg.actual,
                },
            )
        }
        p::DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED => {
            let m: DomainEventCallbackDeviceRemovedMsg = packet.decode()?;
            (
                Domain,
                m.callback_id,
                Event::DomainDeviceRemoved {
                    domain: m.msg.dom.into(),
                    alias: m.msg.dev_alias,
                },
            )
        }
        p::DOMAIN_EVENT_CALLBACK_DEVICE_ADDED => {
            let m: DomainEventCallbackDeviceAddedMsg = packet.decode()?;
            (
                Domain,
                m.callback_id,
                Event::DomainDeviceAdded {
                    domain: m.dom.into(),
                    alias: m.dev_alias,
                },
            )
        }
        p::DOMAIN_EVENT_CALLBACK_METADATA_CHANGE => {
            let m: DomainEventCallbackMetadataChangeMsg = packet.decode()?;
            (
                Domain,
                m.callback_id,
                Event::DomainMetadataChange {
                    domain: m.dom.into(),
                    kind: m.type_,
                    nsuri: m.nsuri,
                },
            )
        }
        p::NETWORK_EVENT_LIFECYCLE => {
            let m: NetworkEventLifecycleMsg = packet.decode()?;
            (
                Network,
                m.callback_id,
                Event::NetworkLifecycle {
                    network: m.net.into(),
                    event: m.event,
                    detail: m.detail,
                },
            )
        }
        p::STORAGE_POOL_EVENT_LIFECYCLE => {
            let m: StoragePoolEventLifecycleMsg = packet.decode()?;
            (
                StoragePool,
                m.callback_id,
                Event::StoragePoolLifecycle {
                    pool: m.pool.into(),
                    event: m.event,
                    detail: m.detail,
                },
            )
        }
        p::STORAGE_POOL_EVENT_REFRESH => {
            let m: StoragePoolEventRefreshMsg = packet.decode()?;
            (
                StoragePool,
                m.callback_id,
                Event::StoragePoolRefresh {
                    pool: m.pool.into(),
                },
            )
        }
        p::NODE_DEVICE_EVENT_LIFECYCLE => {
            let m: NodeDeviceEventLifecycleMsg = packet.decode()?;
            (
                NodeDevice,
                m.callback_id,
                Event::NodeDeviceLifecycle {
                    device: m.dev.into(),
                    event: m.event,
                    detail: m.detail,
                },
            )
        }
        p::NODE_DEVICE_EVENT_UPDATE => {
            let m: NodeDeviceEventUpdateMsg = packet.decode()?;
            (
                NodeDevice,
                m.callback_id,
                Event::NodeDeviceUpdate {
                    device: m.dev.into(),
                },
            )
        }
        p::SECRET_EVENT_LIFECYCLE => {
            let m: SecretEventLifecycleMsg = packet.decode()?;
            (
                Secret,
                m.callback_id,
                Event::SecretLifecycle {
                    secret: m.secret.into(),
                    event: m.event,
                    detail: m.detail,
                },
            )
        }
        p::SECRET_EVENT_VALUE_CHANGED => {
            let m: SecretEventValueChangedMsg = packet.decode()?;
            (
                Secret,
                m.callback_id,
                Event::SecretValueChanged {
                    secret: m.secret.into(),
                },
            )
        }
        _ => return Ok(None),
    };
    Ok(Some(event))
}

/// Checks at compile time that the message types used above are the ones bound to these
/// procedures in rvirt-proto's table.
#[allow(dead_code)]
fn _bindings_agree() {
    fn same<E: RemoteEvent<Msg = M>, M>() {}
    same::<DomainEventCallbackLifecycle, DomainEventCallbackLifecycleMsg>();
    same::<NetworkEventLifecycle, NetworkEventLifecycleMsg>();
    same::<StoragePoolEventLifecycle, StoragePoolEventLifecycleMsg>();
    same::<NodeDeviceEventLifecycle, NodeDeviceEventLifecycleMsg>();
    same::<SecretEventLifecycle, SecretEventLifecycleMsg>();
}
