//! libvirt's test driver, in memory.
//!
//! `test:///default` is one state per process, shared by every connection opened to it while
//! any of them is open (as libvirt's is); `test:///ABS/PATH.xml` loads a fresh state from a
//! `<node>` file for each connection. Every operation follows libvirt 9.0's test driver: the
//! same state machine, the same error codes and messages, and the same events (raised on an
//! [`EventBus`] that `connect_event_register` subscribes to).
//!
//! A failing operation leaves the state exactly as it was: changes are made on a copy that
//! replaces the state only when the whole operation succeeded. Objects sit behind `Arc`s, so
//! the copy is cheap and only the object being changed is duplicated.
//!
//! Modules: `loader` (node files and the built-in default), `domain` (connection, node and
//! domain calls), `snapshot`, `metadata`, `network` with `netupdate`, `storage`, `iface`,
//! `nodedev`, `caps` (capabilities, sysinfo), `cpumodels`, `state` (the objects) and
//! `xmlutil` (XML chores around rvirt-xml's models).
//!
//! Not done yet (they answer `VIR_ERR_NO_SUPPORT`): `virConnectBaselineCPU`,
//! `virDomainSendKey`. Snapshots are metadata only, as in libvirt; screenshots are the picture
//! libvirt installs (`/usr/share/libvirt/test-screenshot.png`) when it is there.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use rvirt_core::*;

mod caps;
mod cpumodels;
mod domain;
mod domainlist;
mod domstats;
mod iface;
mod loader;
mod metadata;
mod netupdate;
mod network;
mod nodedev;
mod snapshot;
mod state;
mod storage;
mod xmlutil;

use state::State;

/// The test driver: one state behind a lock, and the bus its events go out on.
pub struct TestDriver {
    state: Mutex<State>,
    events: EventBus,
    uri: String,
}

impl std::fmt::Debug for TestDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDriver")
            .field("uri", &self.uri)
            .finish_non_exhaustive()
    }
}

/// The shared `test:///default`: alive as long as some connection holds it, like libvirt's
/// reference-counted default connection.
static DEFAULT_DRIVER: Mutex<Weak<TestDriver>> = Mutex::new(Weak::new());

impl TestDriver {
    /// Opens `test:///default` (shared per process) or `test:///ABS/PATH.xml` (fresh state).
    pub fn open(uri: &ConnectUri) -> Result<Arc<TestDriver>> {
        let path = uri.path.as_str();
        if path.is_empty() || path == "/" {
            return Err(Error::invalid_arg(
                ErrorDomain::Test,
                "testOpen: supply a path or use test:///default",
            ));
        }
        if path == "/default" {
            let mut shared = DEFAULT_DRIVER.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(driver) = shared.upgrade() {
                return Ok(driver);
            }
            let driver = Self::open_private_default()?;
            *shared = Arc::downgrade(&driver);
            return Ok(driver);
        }
        Self::open_file(path, None)
    }

    /// Opens a node file whose `<auth>` section lists users, with the credentials a client's
    /// authentication callback would supply (libvirt asks for a password only when the user
    /// has one, and always when the user is unknown).
    pub fn open_authenticated(
        uri: &ConnectUri,
        username: &str,
        password: Option<&str>,
    ) -> Result<Arc<TestDriver>> {
        if uri.path == "/default" {
            return Self::open(uri);
        }
        Self::open_file(&uri.path, Some((username, password)))
    }

    fn open_file(path: &str, credentials: Option<(&str, Option<&str>)>) -> Result<Arc<TestDriver>> {
        let state = loader::file_state(path)?;
        if !state.auth_users.is_empty() {
            let Some((username, password)) = credentials else {
                return Err(Error::invalid_arg(
                    ErrorDomain::Auth,
                    "Missing authentication credentials",
                ));
            };
            let known = state.auth_users.iter().find(|(u, _)| u == username);
            let accepted = match known {
                Some((_, Some(expected))) => password == Some(expected.as_str()),
                Some((_, None)) => true,
                None => false,
            };
            if !accepted {
                return Err(Error::new(
                    ErrorDomain::Test,
                    ErrorCode::AuthFailed,
                    "authentication failed, see test XML for the correct username/password",
                ));
            }
        }
        Ok(Arc::new(TestDriver {
            state: Mutex::new(state.settled()),
            events: EventBus::new(),
            uri: format!("test://{path}"),
        }))
    }

    /// A fresh `test:///default` state that no other connection shares (for tests that
    /// must not see each other's changes).
    pub fn open_private_default() -> Result<Arc<TestDriver>> {
        Ok(Arc::new(TestDriver {
            state: Mutex::new(loader::default_state()?.settled()),
            events: EventBus::new(),
            uri: "test:///default".to_string(),
        }))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs a read-only query on the state.
    fn read<T>(&self, query: impl FnOnce(&State) -> Result<T>) -> Result<T> {
        let guard = self.lock();
        query(&guard)
    }

    /// Runs a change on a copy of the state; the copy replaces the state, and the events the
    /// change raised go out, only if it succeeded.
    fn write<T>(&self, change: impl FnOnce(&mut State, &mut Vec<Event>) -> Result<T>) -> Result<T> {
        let mut events = Vec::new();
        let result = {
            let mut guard = self.lock();
            let mut draft = guard.clone();
            let result = change(&mut draft, &mut events);
            if result.is_ok() {
                draft.settle();
                *guard = draft;
            }
            result
        };
        if result.is_ok() {
            for event in events {
                self.events.emit(event);
            }
        }
        result
    }
}

impl SecretDriver for TestDriver {}
impl NwFilterDriver for TestDriver {}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn default_node_document_parses() {
        assert!(loader::default_document_is_well_formed());
    }

    #[test]
    fn open_requires_a_path() {
        let uri = ConnectUri::parse("test:///").unwrap();
        let err = TestDriver::open(&uri).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArg);
        assert_eq!(
            err.message,
            "invalid argument: testOpen: supply a path or use test:///default"
        );
    }

    #[test]
    fn node_file_users_require_credentials() {
        let dir = std::env::temp_dir().join(format!("rvirt-test-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("node.xml");
        std::fs::write(
            &path,
            "<node><auth><user password='pw'>alice</user><user>bob</user></auth></node>",
        )
        .unwrap();
        let uri = ConnectUri::parse(&format!("test://{}", path.display())).unwrap();
        let err = TestDriver::open(&uri).unwrap_err();
        assert_eq!(
            (err.code, err.domain),
            (ErrorCode::InvalidArg, ErrorDomain::Auth)
        );
        assert_eq!(
            err.message,
            "invalid argument: Missing authentication credentials"
        );
        assert!(TestDriver::open_authenticated(&uri, "alice", Some("pw")).is_ok());
        assert!(TestDriver::open_authenticated(&uri, "bob", None).is_ok());
        let bad = TestDriver::open_authenticated(&uri, "alice", Some("no")).unwrap_err();
        assert_eq!(bad.code, ErrorCode::AuthFailed);
        assert!(TestDriver::open_authenticated(&uri, "carol", Some("pw")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn missing_file_is_an_error() {
        let uri = ConnectUri::parse("test:///nonexistent/node.xml").unwrap();
        assert!(TestDriver::open(&uri).is_err());
    }
}
