//! The RISC-V instruction set as data, shared by the hart (which decodes and executes it) and
//! the timing model (which prices it): the decoded form of every encoding, the table of what
//! each operation is (timing class, control flow, operand register files), and the privilege
//! levels. A leaf: it depends on nothing else in the simulator, so `hart` and `timing` both
//! depend on it and not on each other's ISA knowledge.

pub mod decode;
mod privilege;
pub mod table;

pub use privilege::Priv;
