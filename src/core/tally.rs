//! Incremental tallies: fold one response at a time, merge two, read results.
