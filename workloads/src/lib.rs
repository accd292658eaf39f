//! What several workload programs share.

#![no_std]

extern crate alloc;

pub mod matrix;
