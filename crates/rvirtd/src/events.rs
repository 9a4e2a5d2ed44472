//! Turning driver events into the MESSAGE packets clients expect, and registering the
//! callbacks that queue them. Callbacks run on whatever thread raised the event, so they only
//! encode and queue; they never wait.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Weak};

use rvirt_core::{Event, EventCallback};
use rvirt_proto::calls::{self, RemoteEvent};
use rvirt_proto::remote::*;
use rvirt_proto::xdr::XdrResult;

use crate::client::{CallbackKind, Client};

fn packet<E: RemoteEvent>(msg: &E::Msg) -> XdrResult<Vec<u8>> {
    calls::event_packet::<E>(msg)
}

/// The message for `event` delivered to a callback with id `id` registered through `kind`;
/// `None` when that kind of registration has no message for this event.
pub fn event_message(event: &Event, id: i32, kind: CallbackKind) -> Option<XdrResult<Vec<u8>>> {
    use calls::*;
    Some(match (kind, event) {
        (
            CallbackKind::Modern,
            Event::DomainLifecycle {
                domain,
                event,
                detail,
            },
        ) => packet::<DomainEventCallbackLifecycle>(&DomainEventCallbackLifecycleMsg {
            callback_id: id,
            msg: DomainEventLifecycleMsg {
                dom: domain.into(),
                event: *event,
                detail: *detail,
            },
        }),
        (
            CallbackKind::LegacyAny | CallbackKind::LegacyLifecycle,
            Event::DomainLifecycle {
                domain,
                event,
                detail,
            },
        ) => packet::<DomainEventLifecycle>(&DomainEventLifecycleMsg {
            dom: domain.into(),
            event: *event,
            detail: *detail,
        }),
        (CallbackKind::Modern, Event::DomainReboot { domain }) => {
            packet::<DomainEventCallbackReboot>(&DomainEventCallbackRebootMsg {
                callback_id: id,
                msg: DomainEventRebootMsg { dom: domain.into() },
            })
        }
        (CallbackKind::LegacyAny, Event::DomainReboot { domain }) => {
            packet::<DomainEventReboot>(&DomainEventRebootMsg { dom: domain.into() })
        }
        (CallbackKind::Modern, Event::DomainBalloonChange { domain, actual }) => {
            packet::<DomainEventCallbackBalloonChange>(&DomainEventCallbackBalloonChangeMsg {
                callback_id: id,
                msg: DomainEventBalloonChangeMsg {
                    dom: domain.into(),
                    actual: *actual,
                },
            })
        }
        (CallbackKind::LegacyAny, Event::DomainBalloonChange { domain, actual }) => {
            packet::<DomainEventBalloonChange>(&DomainEventBalloonChangeMsg {
                dom: domain.into(),
                actual: *actual,
            })
        }
        (CallbackKind::Modern, Event::DomainDeviceRemoved { domain, alias }) => {
            packet::<DomainEventCallbackDeviceRemoved>(&DomainEventCallbackDeviceRemovedMsg {
                callback_id: id,
                msg: DomainEventDeviceRemovedMsg {
                    dom: domain.into(),
                    dev_alias: alias.clone(),
                },
            })
        }
        (CallbackKind::LegacyAny, Event::DomainDeviceRemoved { domain, alias }) => {
            packet::<DomainEventDeviceRemoved>(&DomainEventDeviceRemovedMsg {
                dom: domain.into(),
                dev_alias: alias.clone(),
            })
        }
        (CallbackKind::Modern, Event::DomainDeviceAdded { domain, alias }) => {
            packet::<DomainEventCallbackDeviceAdded>(&DomainEventCallbackDeviceAddedMsg {
                callback_id: id,
                dom: domain.into(),
                dev_alias: alias.clone(),
            })
        }
        (
            CallbackKind::Modern,
            Event::DomainMetadataChange {
                domain,
                kind,
                nsuri,
            },
        ) => packet::<DomainEventCallbackMetadataChange>(&DomainEventCallbackMetadataChangeMsg {
            callback_id: id,
            dom: domain.into(),
            type_: *kind,
            nsuri: nsuri.clone(),
        }),
        (
            CallbackKind::Modern,
            Event::NetworkLifecycle {
                network,
                event,
                detail,
            },
        ) => packet::<NetworkEventLifecycle>(&NetworkEventLifecycleMsg {
            callback_id: id,
            net: network.into(),
            event: *event,
            detail: *detail,
        }),
        (
            CallbackKind::Modern,
            Event::StoragePoolLifecycle {
                pool,
                event,
                detail,
            },
        ) => packet::<StoragePoolEventLifecycle>(&StoragePoolEventLifecycleMsg {
            callback_id: id,
            pool: pool.into(),
            event: *event,
            detail: *detail,
        }),
        (CallbackKind::Modern, Event::StoragePoolRefresh { pool }) => {
            packet::<StoragePoolEventRefresh>(&StoragePoolEventRefreshMsg {
                callback_id: id,
                pool: pool.into(),
            })
        }
        (
            CallbackKind::Modern,
            Event::NodeDeviceLifecycle {
                device,
                event,
                detail,
            },
        ) => packet::<NodeDeviceEventLifecycle>(&NodeDeviceEventLifecycleMsg {
            callback_id: id,
            dev: device.into(),
            event: *event,
            detail: *detail,
        }),
        (CallbackKind::Modern, Event::NodeDeviceUpdate { device }) => {
            packet::<NodeDeviceEventUpdate>(&NodeDeviceEventUpdateMsg {
                callback_id: id,
                dev: device.into(),
            })
        }
        (
            CallbackKind::Modern,
            Event::SecretLifecycle {
                secret,
                event,
                detail,
            },
        ) => packet::<SecretEventLifecycle>(&SecretEventLifecycleMsg {
            callback_id: id,
            secret: secret.into(),
            event: *event,
            detail: *detail,
        }),
        (CallbackKind::Modern, Event::SecretValueChanged { secret }) => {
            packet::<SecretEventValueChanged>(&SecretEventValueChangedMsg {
                callback_id: id,
                secret: secret.into(),
            })
        }
        _ => return None,
    })
}

/// A driver callback that queues `event_message`s to `client`, plus the cell that receives
/// the id the driver assigns (known only after registering).
pub fn client_callback(
    client: &Arc<Client>,
    kind: CallbackKind,
) -> (EventCallback, Arc<AtomicI32>) {
    let id_cell = Arc::new(AtomicI32::new(-1));
    let weak: Weak<Client> = Arc::downgrade(client);
    let cell = id_cell.clone();
    let callback: EventCallback = Arc::new(move |event: &Event| {
        let Some(client) = weak.upgrade() else {
            return;
        };
        let id = cell.load(Ordering::SeqCst);
        if id < 0 {
            return;
        }
        match event_message(event, id, kind) {
            Some(Ok(bytes)) => client.send(bytes),
            Some(Err(e)) => tracing::warn!("cannot encode event for client {}: {e}", client.id),
            None => {}
        }
    });
    (callback, id_cell)
}
