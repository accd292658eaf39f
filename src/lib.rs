//! hartlab: a cycle-approximate RISC-V full-system simulator and research testbed.
//!
//! This crate composes `sim-core` (harts, time, machine) and `devices` into the
//! QEMU-virt-compatible board, and provides the command line's building blocks: machine
//! configuration, the device tree, running an ELF and reporting statistics, and the
//! simulator the experiment runner (`experiments`) drives.

pub mod board;
pub mod checkpoint;
pub mod config;
pub mod fdt;
pub mod gdb;
pub mod lab;
pub mod resolved;
pub mod run;
pub mod stats;
pub mod trace;
