//! Terminal user interfaces. Uses `core` for every rule and the store only
//! through the `Store` API, never sled.

pub mod admin;
pub mod events;
pub mod figures;
pub mod kiosk;
pub mod live;
pub mod strings;
pub mod term;
pub mod theme;
pub mod wrap;
