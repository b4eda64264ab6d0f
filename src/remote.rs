//! Sharing a store between processes.
//!
//! sled lets one process open a store. While a kiosk (or a live tally
//! view, or the admin view) runs, that process owns the store and serves
//! the others on a Unix socket, `kioski.sock`, in the store directory
//! (mode 0600 inside the 0700 store directory). Other commands open the
//! store through [`Access`]: through the socket when an owner answers,
//! otherwise by owning the store themselves. Either way they read through
//! [`crate::store::ReadStore`], so their output is the same.

mod access;
mod client;
pub mod exports;
pub mod place;
pub mod protocol;
mod server;

pub use access::{Access, View, open_for_kiosk};
pub use client::Client;
pub use exports::{BundleExported, BundleImported, BundleSpec, Export, Exported};
pub use server::{Role, Server, serve, serve_as};
