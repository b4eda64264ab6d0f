//! The admin view (`kioski admin`): after the admin PIN, list surveys,
//! load, activate, export, import, name the terminal, and open the live
//! tally of any survey. Works through a running kiosk or on its own.

pub mod run;
pub mod state;
pub mod view;

#[cfg(test)]
mod tests;
