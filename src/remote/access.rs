//! [`Access`]: how a command reaches a store: by owning it, or through the
//! process that does.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::Receiver;

use super::client::Client;
use super::place;
use crate::core::pin::PinCheck;
use crate::core::survey::Survey;
use crate::store::bundle::{self, BundleError, Imported, Verified};
use crate::store::{LoadOutcome, ReadStore, Store, StoreError, StoreEvent};

pub enum Access {
    /// This process owns the store.
    Local(Arc<Store>),
    /// Another process owns it and answers on its socket.
    Remote(Client),
}

impl Access {
    /// Asks the store's owner if one answers on the socket; otherwise
    /// opens (and owns) the store for `command`.
    pub fn open(dir: &Path, command: &str) -> Result<Access, StoreError> {
        if let Some(client) = Client::connect(dir)? {
            tracing::debug!(owner = client.owner(), "going through the store's owner");
            return Ok(Access::Remote(client));
        }
        let store = Store::open(dir, command)?;
        // This process holds the lock now, so a socket file is stale.
        place::remove_stale(dir);
        Ok(Access::Local(Arc::new(store)))
    }

    /// Reading, the same either way.
    pub fn read(&self) -> &dyn ReadStore {
        match self {
            Access::Local(store) => store.as_ref(),
            Access::Remote(client) => client,
        }
    }

    pub fn dir(&self) -> &Path {
        match self {
            Access::Local(store) => store.dir(),
            Access::Remote(client) => client.dir(),
        }
    }

    /// Stores a validated survey as a version.
    pub fn load(
        &self,
        survey: &Survey,
        source: &str,
        now_ms: i64,
    ) -> Result<LoadOutcome, StoreError> {
        match self {
            Access::Local(store) => store.load(survey, source, now_ms),
            Access::Remote(client) => client.load(source, now_ms),
        }
    }

    pub fn activate(&self, id: &str) -> Result<(), StoreError> {
        match self {
            Access::Local(store) => store.activate(id),
            Access::Remote(client) => client.activate(id),
        }
    }

    /// Checks an admin PIN attempt where the store is: the owner verifies
    /// it and keeps the count of wrong ones (the hash never leaves it).
    pub fn check_pin(&self, attempt: &str, now_ms: i64) -> Result<PinCheck, StoreError> {
        match self {
            Access::Local(store) => store.check_pin(attempt, now_ms),
            Access::Remote(client) => client.check_pin(attempt),
        }
    }

    /// Sets the admin PIN's hash. Owning the store, this replaces any PIN
    /// (whoever can open the store's files can reset it); through a
    /// running kiosk only where none is set, demo mode (false: a PIN is
    /// set there, nothing changed).
    pub fn set_pin(&self, hash: &str) -> Result<bool, StoreError> {
        match self {
            Access::Local(store) => store.set_pin_hash(hash).map(|()| true),
            Access::Remote(client) => client.set_first_pin(hash),
        }
    }

    /// Changes the admin PIN to `hash`, or clears it (`None`), if `old`
    /// is right (see [`Store::change_pin`]); `old` counts as an attempt.
    pub fn change_pin(
        &self,
        old: &str,
        hash: Option<&str>,
        now_ms: i64,
    ) -> Result<PinCheck, StoreError> {
        match self {
            Access::Local(store) => store.change_pin(old, hash, now_ms),
            Access::Remote(client) => client.change_pin(old, hash),
        }
    }

    pub fn set_terminal_name(&self, name: &str) -> Result<(), StoreError> {
        match self {
            Access::Local(store) => store.set_terminal_name(name),
            Access::Remote(client) => client.set_terminal_name(name),
        }
    }

    /// Imports a bundle already checked by [`bundle::read_verified`] (the
    /// owner checks its own reading again).
    pub fn import(
        &self,
        path: &Path,
        verified: Verified,
        now_ms: i64,
    ) -> Result<Imported, BundleError> {
        match self {
            Access::Local(store) => bundle::import_verified(store, path, verified, now_ms),
            Access::Remote(client) => client.import(path, now_ms),
        }
    }

    /// Store events from now on.
    pub fn watch(&self) -> Result<Receiver<StoreEvent>, StoreError> {
        match self {
            Access::Local(store) => Ok(store.watch()),
            Access::Remote(client) => client.watch(),
        }
    }
}
