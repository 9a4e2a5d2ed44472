//! RPC programs served on libvirt's sockets and their fixed numbers.

use serde::{Deserialize, Serialize};

use crate::packet::wire_enum;
use crate::xdr::XdrError;

/// The main API program (`REMOTE_PROGRAM`).
pub const REMOTE_PROGRAM: u32 = 0x2000_8086;
/// `REMOTE_PROTOCOL_VERSION`.
pub const REMOTE_PROTOCOL_VERSION: u32 = 1;

/// QEMU-specific calls and events (`QEMU_PROGRAM`).
pub const QEMU_PROGRAM: u32 = 0x2000_8087;
/// `QEMU_PROTOCOL_VERSION`.
pub const QEMU_PROTOCOL_VERSION: u32 = 1;

/// Keepalive (`KEEPALIVE_PROGRAM`, "keep" in ASCII).
pub const KEEPALIVE_PROGRAM: u32 = 0x6b65_6570;
/// `KEEPALIVE_PROTOCOL_VERSION`.
pub const KEEPALIVE_PROTOCOL_VERSION: u32 = 1;

/// Keepalive procedures; both travel as `MESSAGE` packets with an empty payload.
pub mod keepalive {
    /// `KEEPALIVE_PROC_PING`.
    pub const PING: i32 = 1;
    /// `KEEPALIVE_PROC_PONG`.
    pub const PONG: i32 = 2;
}

/// QEMU program procedures (`qemu_protocol.x`).
pub mod qemu {
    use serde::{Deserialize, Serialize};

    use crate::remote::NonnullDomain;

    /// `QEMU_PROC_DOMAIN_MONITOR_COMMAND`.
    pub const DOMAIN_MONITOR_COMMAND: i32 = 1;
    /// `QEMU_PROC_DOMAIN_ATTACH`.
    pub const DOMAIN_ATTACH: i32 = 2;
    /// `QEMU_PROC_DOMAIN_AGENT_COMMAND`.
    pub const DOMAIN_AGENT_COMMAND: i32 = 3;
    /// `QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER`.
    pub const CONNECT_DOMAIN_MONITOR_EVENT_REGISTER: i32 = 4;
    /// `QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER`.
    pub const CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER: i32 = 5;
    /// `QEMU_PROC_DOMAIN_MONITOR_EVENT`.
    pub const DOMAIN_MONITOR_EVENT: i32 = 6;
    /// `QEMU_PROC_DOMAIN_MONITOR_COMMAND_WITH_FILES`.
    pub const DOMAIN_MONITOR_COMMAND_WITH_FILES: i32 = 7;

    /// Name of a QEMU program procedure.
    pub fn name(proc_: i32) -> Option<&'static str> {
        Some(match proc_ {
            1 => "QEMU_PROC_DOMAIN_MONITOR_COMMAND",
            2 => "QEMU_PROC_DOMAIN_ATTACH",
            3 => "QEMU_PROC_DOMAIN_AGENT_COMMAND",
            4 => "QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER",
            5 => "QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER",
            6 => "QEMU_PROC_DOMAIN_MONITOR_EVENT",
            7 => "QEMU_PROC_DOMAIN_MONITOR_COMMAND_WITH_FILES",
            _ => return None,
        })
    }

    /// `qemu_domain_monitor_command_args`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct DomainMonitorCommandArgs {
        pub dom: NonnullDomain,
        pub cmd: String,
        pub flags: u32,
    }

    /// `qemu_domain_monitor_command_ret`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct DomainMonitorCommandRet {
        pub result: String,
    }

    /// `qemu_domain_agent_command_args`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct DomainAgentCommandArgs {
        pub dom: NonnullDomain,
        pub cmd: String,
        pub timeout: i32,
        pub flags: u32,
    }

    /// `qemu_domain_agent_command_ret`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct DomainAgentCommandRet {
        pub result: Option<String>,
    }

    /// `qemu_connect_domain_monitor_event_register_args`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ConnectDomainMonitorEventRegisterArgs {
        pub dom: Option<NonnullDomain>,
        pub event: Option<String>,
        pub flags: u32,
    }

    /// `qemu_connect_domain_monitor_event_register_ret`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ConnectDomainMonitorEventRegisterRet {
        pub callback_id: i32,
    }

    /// `qemu_connect_domain_monitor_event_deregister_args`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ConnectDomainMonitorEventDeregisterArgs {
        pub callback_id: i32,
    }

    /// `qemu_domain_monitor_event_msg`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct DomainMonitorEventMsg {
        pub callback_id: i32,
        pub dom: NonnullDomain,
        pub event: String,
        pub seconds: i64,
        pub micros: u32,
        pub details: Option<String>,
    }
}

wire_enum! {
    /// `remote_auth_type`.
    AuthType {
        None = 0,
        Sasl = 1,
        Polkit = 2,
    }
}
