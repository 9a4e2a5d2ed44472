//! Event messages the daemon sends (`MESSAGE` packets). Modern domain events carry the
//! client's callback id; the legacy forms (without it) exist for old clients.

use super::common::*;
use super::limits::*;
use super::wire;
use crate::xdr::bounded::vec as bv;

wire! {
    /// `remote_domain_event_lifecycle_msg` (legacy, procedure 107).
    DomainEventLifecycleMsg { dom: NonnullDomain, event: i32, detail: i32 }
    /// `remote_domain_event_callback_lifecycle_msg`.
    DomainEventCallbackLifecycleMsg { callback_id: i32, msg: DomainEventLifecycleMsg }
    /// `remote_domain_event_reboot_msg` (control error and the legacy pm events share it).
    DomainEventRebootMsg { dom: NonnullDomain }
    /// `remote_domain_event_callback_reboot_msg` (also control error).
    DomainEventCallbackRebootMsg { callback_id: i32, msg: DomainEventRebootMsg }
    /// `remote_domain_event_rtc_change_msg`.
    DomainEventRtcChangeMsg { dom: NonnullDomain, offset: i64 }
    /// `remote_domain_event_callback_rtc_change_msg`.
    DomainEventCallbackRtcChangeMsg { callback_id: i32, msg: DomainEventRtcChangeMsg }
    /// `remote_domain_event_watchdog_msg`.
    DomainEventWatchdogMsg { dom: NonnullDomain, action: i32 }
    /// `remote_domain_event_callback_watchdog_msg`.
    DomainEventCallbackWatchdogMsg { callback_id: i32, msg: DomainEventWatchdogMsg }
    /// `remote_domain_event_io_error_msg`.
    DomainEventIoErrorMsg { dom: NonnullDomain, src_path: String, dev_alias: String, action: i32 }
    /// `remote_domain_event_callback_io_error_msg`.
    DomainEventCallbackIoErrorMsg { callback_id: i32, msg: DomainEventIoErrorMsg }
    /// `remote_domain_event_io_error_reason_msg`.
    DomainEventIoErrorReasonMsg {
        dom: NonnullDomain,
        src_path: String,
        dev_alias: String,
        action: i32,
        reason: String,
    }
    /// `remote_domain_event_callback_io_error_reason_msg`.
    DomainEventCallbackIoErrorReasonMsg { callback_id: i32, msg: DomainEventIoErrorReasonMsg }
    /// `remote_domain_event_graphics_address`.
    DomainEventGraphicsAddress { family: i32, node: String, service: String }
    /// `remote_domain_event_graphics_identity`.
    DomainEventGraphicsIdentity { type_: String, name: String }
    /// `remote_domain_event_graphics_msg`.
    DomainEventGraphicsMsg {
        dom: NonnullDomain,
        phase: i32,
        local: DomainEventGraphicsAddress,
        remote: DomainEventGraphicsAddress,
        auth_scheme: String,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_EVENT_GRAPHICS_IDENTITY_MAX>")]
        subject: Vec<DomainEventGraphicsIdentity>,
    }
    /// `remote_domain_event_callback_graphics_msg`.
    DomainEventCallbackGraphicsMsg { callback_id: i32, msg: DomainEventGraphicsMsg }
    /// `remote_domain_event_block_job_msg`.
    DomainEventBlockJobMsg { dom: NonnullDomain, path: String, type_: i32, status: i32 }
    /// `remote_domain_event_callback_block_job_msg`.
    DomainEventCallbackBlockJobMsg { callback_id: i32, msg: DomainEventBlockJobMsg }
    /// `remote_domain_event_disk_change_msg`.
    DomainEventDiskChangeMsg {
        dom: NonnullDomain,
        old_src_path: Option<String>,
        new_src_path: Option<String>,
        dev_alias: String,
        reason: i32,
    }
    /// `remote_domain_event_callback_disk_change_msg`.
    DomainEventCallbackDiskChangeMsg { callback_id: i32, msg: DomainEventDiskChangeMsg }
    /// `remote_domain_event_tray_change_msg`.
    DomainEventTrayChangeMsg { dom: NonnullDomain, dev_alias: String, reason: i32 }
    /// `remote_domain_event_callback_tray_change_msg`.
    DomainEventCallbackTrayChangeMsg { callback_id: i32, msg: DomainEventTrayChangeMsg }
    /// `remote_domain_event_callback_pmwakeup_msg` (also pmsuspend and pmsuspend_disk).
    DomainEventCallbackPmMsg { callback_id: i32, reason: i32, msg: DomainEventRebootMsg }
    /// `remote_domain_event_balloon_change_msg`.
    DomainEventBalloonChangeMsg { dom: NonnullDomain, actual: u64 }
    /// `remote_domain_event_callback_balloon_change_msg`.
    DomainEventCallbackBalloonChangeMsg { callback_id: i32, msg: DomainEventBalloonChangeMsg }
    /// `remote_domain_event_device_removed_msg`.
    DomainEventDeviceRemovedMsg { dom: NonnullDomain, dev_alias: String }
    /// `remote_domain_event_callback_device_removed_msg`.
    DomainEventCallbackDeviceRemovedMsg { callback_id: i32, msg: DomainEventDeviceRemovedMsg }
    /// `remote_domain_event_block_job_2_msg`.
    DomainEventBlockJob2Msg {
        callback_id: i32,
        dom: NonnullDomain,
        dst: String,
        type_: i32,
        status: i32,
    }
    /// `remote_domain_event_block_threshold_msg`.
    DomainEventBlockThresholdMsg {
        callback_id: i32,
        dom: NonnullDomain,
        dev: String,
        path: Option<String>,
        threshold: u64,
        excess: u64,
    }
    /// `remote_domain_event_callback_tunable_msg`.
    DomainEventCallbackTunableMsg {
        callback_id: i32,
        dom: NonnullDomain,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_EVENT_TUNABLE_MAX>")]
        params: Vec<RemoteTypedParam>,
    }
    /// `remote_domain_event_callback_device_added_msg` (also device removal failed).
    DomainEventCallbackDeviceAddedMsg { callback_id: i32, dom: NonnullDomain, dev_alias: String }
    /// `remote_domain_event_callback_agent_lifecycle_msg`.
    DomainEventCallbackAgentLifecycleMsg {
        callback_id: i32,
        dom: NonnullDomain,
        state: i32,
        reason: i32,
    }
    /// `remote_domain_event_callback_migration_iteration_msg`.
    DomainEventCallbackMigrationIterationMsg { callback_id: i32, dom: NonnullDomain, iteration: i32 }
    /// `remote_domain_event_callback_job_completed_msg`.
    DomainEventCallbackJobCompletedMsg {
        callback_id: i32,
        dom: NonnullDomain,
        #[serde(deserialize_with = "bv::<_, _, DOMAIN_JOB_STATS_MAX>")]
        params: Vec<RemoteTypedParam>,
    }
    /// `remote_domain_event_callback_metadata_change_msg`.
    DomainEventCallbackMetadataChangeMsg {
        callback_id: i32,
        dom: NonnullDomain,
        type_: i32,
        nsuri: Option<String>,
    }
    /// `remote_domain_event_memory_failure_msg`.
    DomainEventMemoryFailureMsg {
        callback_id: i32,
        dom: NonnullDomain,
        recipient: i32,
        action: i32,
        flags: u32,
    }
    /// `remote_domain_event_memory_device_size_change_msg`.
    DomainEventMemoryDeviceSizeChangeMsg {
        callback_id: i32,
        dom: NonnullDomain,
        alias: String,
        size: u64,
    }

    /// `remote_network_event_lifecycle_msg`.
    NetworkEventLifecycleMsg { callback_id: i32, net: NonnullNetwork, event: i32, detail: i32 }
    /// `remote_network_event_callback_metadata_change_msg`.
    NetworkEventCallbackMetadataChangeMsg {
        callback_id: i32,
        net: NonnullNetwork,
        type_: i32,
        nsuri: Option<String>,
    }
    /// `remote_storage_pool_event_lifecycle_msg`.
    StoragePoolEventLifecycleMsg {
        callback_id: i32,
        pool: NonnullStoragePool,
        event: i32,
        detail: i32,
    }
    /// `remote_storage_pool_event_refresh_msg`.
    StoragePoolEventRefreshMsg { callback_id: i32, pool: NonnullStoragePool }
    /// `remote_node_device_event_lifecycle_msg`.
    NodeDeviceEventLifecycleMsg {
        callback_id: i32,
        dev: NonnullNodeDevice,
        event: i32,
        detail: i32,
    }
    /// `remote_node_device_event_update_msg`.
    NodeDeviceEventUpdateMsg { callback_id: i32, dev: NonnullNodeDevice }
    /// `remote_secret_event_lifecycle_msg`.
    SecretEventLifecycleMsg { callback_id: i32, secret: NonnullSecret, event: i32, detail: i32 }
    /// `remote_secret_event_value_changed_msg`.
    SecretEventValueChangedMsg { callback_id: i32, secret: NonnullSecret }
}
