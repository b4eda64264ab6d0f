//! Tests of the admin view.
