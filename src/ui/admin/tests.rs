//! Tests of the admin view.

use std::sync::Arc;

use super::run::carry_out;
use super::state::{Action, Admin};
use crate::remote::Access;
use crate::store::Store;

#[test]
fn an_over_long_terminal_name_is_refused_on_screen_and_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let access = Access::Local(Arc::new(Store::open(dir.path(), "test").unwrap()));
    let mut admin = Admin::new(false, "t".into(), "owns the store".into());
    carry_out(Action::SetTerminalName("k".repeat(65)), &access, &mut admin);
    assert!(admin.message_is_error, "{:?}", admin.message);
    assert!(
        admin.message[0].contains("65 characters"),
        "{:?}",
        admin.message
    );
    assert_eq!(access.read().terminal_name().unwrap(), None);
    carry_out(
        Action::SetTerminalName("kirjasto-1".into()),
        &access,
        &mut admin,
    );
    assert!(!admin.message_is_error, "{:?}", admin.message);
    assert_eq!(admin.terminal, "kirjasto-1");
}
