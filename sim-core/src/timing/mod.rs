//! Cycle-approximate timing models. They track only what timing needs (tags, states, ages)
//! and return latencies in cycles; architectural state (RAM contents, registers) lives
//! elsewhere and is never affected by them.

pub mod branch;
pub mod cache;
pub mod core;
