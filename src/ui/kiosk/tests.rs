//! Screen tests: pure update tests and TestBackend snapshots.
