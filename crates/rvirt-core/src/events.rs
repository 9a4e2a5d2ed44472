//! Events drivers raise (domain, network, storage pool, node device, secret lifecycle ...) and
//! a small bus that hands them to registered callbacks. Numbers are libvirt's.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use crate::handles::{DomainRef, NetworkRef, NodeDeviceRef, SecretRef, StoragePoolRef};

/// `VIR_DOMAIN_EVENT_ID_*` values used here.
pub mod domain_event_id {
    pub const LIFECYCLE: i32 = 0;
    pub const REBOOT: i32 = 1;
    pub const RTC_CHANGE: i32 = 2;
    pub const WATCHDOG: i32 = 3;
    pub const IO_ERROR: i32 = 4;
    pub const GRAPHICS: i32 = 5;
    pub const IO_ERROR_REASON: i32 = 6;
    pub const CONTROL_ERROR: i32 = 7;
    pub const BLOCK_JOB: i32 = 8;
    pub const DISK_CHANGE: i32 = 9;
    pub const TRAY_CHANGE: i32 = 10;
    pub const PMWAKEUP: i32 = 11;
    pub const PMSUSPEND: i32 = 12;
    pub const BALLOON_CHANGE: i32 = 13;
    pub const PMSUSPEND_DISK: i32 = 14;
    pub const DEVICE_REMOVED: i32 = 15;
    pub const BLOCK_JOB_2: i32 = 16;
    pub const TUNABLE: i32 = 17;
    pub const AGENT_LIFECYCLE: i32 = 18;
    pub const DEVICE_ADDED: i32 = 19;
    pub const MIGRATION_ITERATION: i32 = 20;
    pub const JOB_COMPLETED: i32 = 21;
    pub const DEVICE_REMOVAL_FAILED: i32 = 22;
    pub const METADATA_CHANGE: i32 = 23;
    pub const BLOCK_THRESHOLD: i32 = 24;
    pub const MEMORY_FAILURE: i32 = 25;
    pub const MEMORY_DEVICE_SIZE_CHANGE: i32 = 26;
}

/// `virDomainEventType` and its detail enums.
pub mod domain_lifecycle {
    pub const DEFINED: i32 = 0;
    pub const UNDEFINED: i32 = 1;
    pub const STARTED: i32 = 2;
    pub const SUSPENDED: i32 = 3;
    pub const RESUMED: i32 = 4;
    pub const STOPPED: i32 = 5;
    pub const SHUTDOWN: i32 = 6;
    pub const PMSUSPENDED: i32 = 7;
    pub const CRASHED: i32 = 8;

    pub mod defined {
        pub const ADDED: i32 = 0;
        pub const UPDATED: i32 = 1;
        pub const RENAMED: i32 = 2;
        pub const FROM_SNAPSHOT: i32 = 3;
    }
    pub mod undefined {
        pub const REMOVED: i32 = 0;
        pub const RENAMED: i32 = 1;
    }
    pub mod started {
        pub const BOOTED: i32 = 0;
        pub const MIGRATED: i32 = 1;
        pub const RESTORED: i32 = 2;
        pub const FROM_SNAPSHOT: i32 = 3;
        pub const WAKEUP: i32 = 4;
    }
    pub mod suspended {
        pub const PAUSED: i32 = 0;
        pub const MIGRATED: i32 = 1;
        pub const IOERROR: i32 = 2;
        pub const WATCHDOG: i32 = 3;
        pub const RESTORED: i32 = 4;
        pub const FROM_SNAPSHOT: i32 = 5;
        pub const API_ERROR: i32 = 6;
        pub const POSTCOPY: i32 = 7;
        pub const POSTCOPY_FAILED: i32 = 8;
    }
    pub mod resumed {
        pub const UNPAUSED: i32 = 0;
        pub const MIGRATED: i32 = 1;
        pub const FROM_SNAPSHOT: i32 = 2;
        pub const POSTCOPY: i32 = 3;
        pub const POSTCOPY_FAILED: i32 = 4;
    }
    pub mod stopped {
        pub const SHUTDOWN: i32 = 0;
        pub const DESTROYED: i32 = 1;
        pub const CRASHED: i32 = 2;
        pub const MIGRATED: i32 = 3;
        pub const SAVED: i32 = 4;
        pub const FAILED: i32 = 5;
        pub const FROM_SNAPSHOT: i32 = 6;
    }
    pub mod shutdown {
        pub const FINISHED: i32 = 0;
        pub const GUEST: i32 = 1;
        pub const HOST: i32 = 2;
    }
    pub mod crashed {
        pub const PANICKED: i32 = 0;
        pub const CRASHLOADED: i32 = 1;
    }
}

/// Lifecycle event numbers shared by networks (`virNetworkEventLifecycleType`), storage pools
/// (`virStoragePoolEventLifecycleType`, which adds CREATED/DELETED), node devices and secrets.
pub mod object_lifecycle {
    pub const DEFINED: i32 = 0;
    pub const UNDEFINED: i32 = 1;
    pub const STARTED: i32 = 2;
    pub const STOPPED: i32 = 3;
    /// Storage pools only.
    pub const CREATED: i32 = 4;
    /// Storage pools only.
    pub const DELETED: i32 = 5;
}

/// `virNodeDeviceEventLifecycleType`.
pub mod nodedev_lifecycle {
    pub const CREATED: i32 = 0;
    pub const DELETED: i32 = 1;
    pub const DEFINED: i32 = 2;
    pub const UNDEFINED: i32 = 3;
}

/// Which family an event callback listens to, with libvirt's per-family event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventFamily {
    Domain(i32),
    Network(i32),
    StoragePool(i32),
    NodeDevice(i32),
    Secret(i32),
}

/// An event as a driver raises it.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    DomainLifecycle {
        domain: DomainRef,
        event: i32,
        detail: i32,
    },
    DomainReboot {
        domain: DomainRef,
    },
    DomainBalloonChange {
        domain: DomainRef,
        actual: u64,
    },
    DomainDeviceRemoved {
        domain: DomainRef,
        alias: String,
    },
    DomainDeviceAdded {
        domain: DomainRef,
        alias: String,
    },
    DomainMetadataChange {
        domain: DomainRef,
        kind: i32,
        nsuri: Option<String>,
    },
    NetworkLifecycle {
        network: NetworkRef,
        event: i32,
        detail: i32,
    },
    StoragePoolLifecycle {
        pool: StoragePoolRef,
        event: i32,
        detail: i32,
    },
    StoragePoolRefresh {
        pool: StoragePoolRef,
    },
    NodeDeviceLifecycle {
        device: NodeDeviceRef,
        event: i32,
        detail: i32,
    },
    NodeDeviceUpdate {
        device: NodeDeviceRef,
    },
    SecretLifecycle {
        secret: SecretRef,
        event: i32,
        detail: i32,
    },
    SecretValueChanged {
        secret: SecretRef,
    },
}

impl Event {
    /// The family and id a callback must have registered for to receive this event.
    pub fn family(&self) -> EventFamily {
        use domain_event_id as d;
        match self {
            Event::DomainLifecycle { .. } => EventFamily::Domain(d::LIFECYCLE),
            Event::DomainReboot { .. } => EventFamily::Domain(d::REBOOT),
            Event::DomainBalloonChange { .. } => EventFamily::Domain(d::BALLOON_CHANGE),
            Event::DomainDeviceRemoved { .. } => EventFamily::Domain(d::DEVICE_REMOVED),
            Event::DomainDeviceAdded { .. } => EventFamily::Domain(d::DEVICE_ADDED),
            Event::DomainMetadataChange { .. } => EventFamily::Domain(d::METADATA_CHANGE),
            Event::NetworkLifecycle { .. } => EventFamily::Network(0),
            Event::StoragePoolLifecycle { .. } => EventFamily::StoragePool(0),
            Event::StoragePoolRefresh { .. } => EventFamily::StoragePool(1),
            Event::NodeDeviceLifecycle { .. } => EventFamily::NodeDevice(0),
            Event::NodeDeviceUpdate { .. } => EventFamily::NodeDevice(1),
            Event::SecretLifecycle { .. } => EventFamily::Secret(0),
            Event::SecretValueChanged { .. } => EventFamily::Secret(1),
        }
    }

    /// The UUID (or name, for node devices) of the object the event is about, for filtering.
    fn object_key(&self) -> ObjectKey {
        match self {
            Event::DomainLifecycle { domain, .. }
            | Event::DomainReboot { domain }
            | Event::DomainBalloonChange { domain, .. }
            | Event::DomainDeviceRemoved { domain, .. }
            | Event::DomainDeviceAdded { domain, .. }
            | Event::DomainMetadataChange { domain, .. } => ObjectKey::Uuid(domain.uuid),
            Event::NetworkLifecycle { network, .. } => ObjectKey::Uuid(network.uuid),
            Event::StoragePoolLifecycle { pool, .. } | Event::StoragePoolRefresh { pool } => {
                ObjectKey::Uuid(pool.uuid)
            }
            Event::NodeDeviceLifecycle { device, .. } | Event::NodeDeviceUpdate { device } => {
                ObjectKey::Name(device.name.clone())
            }
            Event::SecretLifecycle { secret, .. } | Event::SecretValueChanged { secret } => {
                ObjectKey::Uuid(secret.uuid)
            }
        }
    }
}

/// Identifies one object for event filtering.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ObjectKey {
    Uuid(uuid::Uuid),
    Name(String),
}

/// A callback receiving events.
pub type EventCallback = Arc<dyn Fn(&Event) + Send + Sync>;

struct Subscription {
    id: i32,
    family: EventFamily,
    object: Option<ObjectKey>,
    callback: EventCallback,
}

/// Delivers events to the callbacks registered for them. Callbacks run on the thread that
/// raised the event and must not block (the daemon queues them to clients).
#[derive(Default)]
pub struct EventBus {
    subs: Mutex<Vec<Subscription>>,
    next_id: AtomicI32,
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus").finish_non_exhaustive()
    }
}

impl EventBus {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a callback for one family, optionally for one object only; returns the id.
    pub fn register(
        &self,
        family: EventFamily,
        object: Option<ObjectKey>,
        callback: EventCallback,
    ) -> i32 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut subs = self.subs.lock().unwrap_or_else(|p| p.into_inner());
        subs.push(Subscription {
            id,
            family,
            object,
            callback,
        });
        id
    }

    /// Removes a callback; `false` when the id is unknown.
    pub fn deregister(&self, id: i32) -> bool {
        let mut subs = self.subs.lock().unwrap_or_else(|p| p.into_inner());
        let before = subs.len();
        subs.retain(|s| s.id != id);
        subs.len() != before
    }

    /// Sends an event to every matching callback.
    pub fn emit(&self, event: Event) {
        let family = event.family();
        let key = event.object_key();
        let targets: Vec<EventCallback> = {
            let subs = self.subs.lock().unwrap_or_else(|p| p.into_inner());
            subs.iter()
                .filter(|s| s.family == family && s.object.as_ref().is_none_or(|o| *o == key))
                .map(|s| s.callback.clone())
                .collect()
        };
        for cb in targets {
            cb(&event);
        }
    }

    /// Whether anybody listens (lets drivers skip building events nobody wants).
    pub fn is_empty(&self) -> bool {
        self.subs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn filtered_delivery() {
        let bus = EventBus::new();
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let dom = DomainRef {
            name: "a".into(),
            uuid: uuid::Uuid::nil(),
            id: 1,
        };
        let id = bus.register(
            EventFamily::Domain(domain_event_id::LIFECYCLE),
            None,
            Arc::new(move |_| {
                h.fetch_add(1, Ordering::SeqCst);
            }),
        );
        bus.emit(Event::DomainLifecycle {
            domain: dom.clone(),
            event: domain_lifecycle::STARTED,
            detail: 0,
        });
        bus.emit(Event::DomainReboot {
            domain: dom.clone(),
        });
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        assert!(bus.deregister(id));
        assert!(!bus.deregister(id));
        bus.emit(Event::DomainLifecycle {
            domain: dom,
            event: 0,
            detail: 0,
        });
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }
}
