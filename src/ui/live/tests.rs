//! Tests of the live view's state and screens.
