//! The remote driver: rvirt-core's driver traits implemented by calling a daemon that speaks
//! libvirt's RPC protocol (libvirtd, or rvirtd) over its unix socket.
//!
//! ```no_run
//! use rvirt_core::{ConnectUri, HypervisorDriver};
//! let uri = ConnectUri::parse("test+unix:///default?socket=/run/libvirt/libvirt-sock").unwrap();
//! let driver = rvirt_remote::RemoteDriver::open(&uri, false).unwrap();
//! println!("{}", driver.connect_get_hostname().unwrap());
//! ```

mod client;
mod events;
mod hypervisor;
mod others;
mod stream;
mod transport;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use rvirt_core::{ConnectUri, Error, ErrorCode, ErrorDomain, Result};
use rvirt_proto::calls::{AuthList, AuthPolkit, ConnectClose, ConnectOpen, ConnectSupportsFeature};
use rvirt_proto::program::AuthType;
use rvirt_proto::remote::{ConnectOpenArgs, ConnectSupportsFeatureArgs};

use client::Client;
use events::FamilyKind;
pub use stream::RemoteStream;

/// `VIR_CONNECT_RO`.
const CONNECT_RO: u32 = 1;
/// `VIR_DRV_FEATURE_PROGRAM_KEEPALIVE`.
const FEATURE_PROGRAM_KEEPALIVE: i32 = 10;
/// `VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK`.
const FEATURE_REMOTE_EVENT_CALLBACK: i32 = 14;

/// A connection to a daemon, serving every driver family.
pub struct RemoteDriver {
    client: Arc<Client>,
    /// The URI as the caller gave it (what `virConnectGetURI` answers on the client side).
    uri: String,
    readonly: bool,
    /// Whether the daemon filters events per callback (`*_CALLBACK_REGISTER_ANY`).
    event_callbacks: bool,
    /// Local callback id -> family and the daemon's callback id.
    registrations: Mutex<HashMap<i32, (FamilyKind, i32)>>,
    next_callback: AtomicI32,
    closed: AtomicBool,
}

impl std::fmt::Debug for RemoteDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteDriver")
            .field("uri", &self.uri)
            .field("readonly", &self.readonly)
            .finish_non_exhaustive()
    }
}

impl RemoteDriver {
    /// Connects to the daemon `uri` names and opens the daemon-side URI on it, with the same
    /// handshake as libvirt's client: AUTH_LIST, keepalive feature check, CONNECT_OPEN.
    pub fn open(uri: &ConnectUri, readonly: bool) -> Result<Arc<RemoteDriver>> {
        let socket = transport::connect(uri, readonly)?;
        let client = Client::start(socket)?;
        let opened = Self::handshake(&client, uri, readonly);
        let event_callbacks = match opened {
            Ok(ev) => ev,
            Err(e) => {
                client.mark_closed(e.clone());
                return Err(e);
            }
        };
        Ok(Arc::new(RemoteDriver {
            client,
            uri: uri.original.clone(),
            readonly,
            event_callbacks,
            registrations: Mutex::new(HashMap::new()),
            next_callback: AtomicI32::new(0),
            closed: AtomicBool::new(false),
        }))
    }

    fn handshake(client: &Client, uri: &ConnectUri, readonly: bool) -> Result<bool> {
        let auth = client.call::<AuthList>(&())?;
        authenticate(client, &auth.types)?;
        let keepalive = client
            .call::<ConnectSupportsFeature>(&ConnectSupportsFeatureArgs {
                feature: FEATURE_PROGRAM_KEEPALIVE,
            })
            .map(|r| r.supported != 0)
            .unwrap_or(false);
        client.call::<ConnectOpen>(&ConnectOpenArgs {
            name: Some(uri.daemon_side()),
            flags: if readonly { CONNECT_RO } else { 0 },
        })?;
        if keepalive {
            client.enable_keepalive();
        }
        let callbacks = client
            .call::<ConnectSupportsFeature>(&ConnectSupportsFeatureArgs {
                feature: FEATURE_REMOTE_EVENT_CALLBACK,
            })
            .map(|r| r.supported != 0)
            .unwrap_or(false);
        Ok(callbacks)
    }

    /// Whether the connection was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.readonly
    }

    /// The URI the connection was opened with.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// `virConnectSetKeepAlive`: PING after `interval` of silence and give up after `count`
    /// unanswered PINGs (virsh uses 5 s and 5); a zero interval sends none. Returns `false`
    /// when the daemon does not support keepalive (then nothing is sent).
    pub fn set_keepalive(&self, interval: std::time::Duration, count: u32) -> bool {
        self.client.set_keepalive(interval, count);
        self.client.keepalive_supported()
    }

    /// Closes the connection: CONNECT_CLOSE, then the socket. Later calls fail.
    pub fn close(&self) -> Result<()> {
        if self.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let result = self.client.call::<ConnectClose>(&());
        self.client.mark_closed(Error::new(
            ErrorDomain::Rpc,
            ErrorCode::InternalError,
            "client socket is closed",
        ));
        result
    }
}

impl Drop for RemoteDriver {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

/// Picks an authentication the daemon offers; rvirt speaks "none" and polkit (the daemon
/// decides by the peer's credentials), not SASL.
fn authenticate(client: &Client, offered: &[AuthType]) -> Result<()> {
    if offered.is_empty() || offered.contains(&AuthType::None) {
        return Ok(());
    }
    if offered.contains(&AuthType::Polkit) {
        let done = client.call::<AuthPolkit>(&())?;
        if done.complete != 0 {
            return Ok(());
        }
        return Err(Error::new(
            ErrorDomain::Rpc,
            ErrorCode::AuthFailed,
            "polkit authentication did not complete",
        ));
    }
    Err(Error::new(
        ErrorDomain::Rpc,
        ErrorCode::AuthUnavailable,
        "the daemon only offers SASL authentication, which rvirt does not support",
    ))
}
