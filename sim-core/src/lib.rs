//! hartlab's simulation core: harts (decode, execute, CSRs, privilege, traps, MMU), simulated
//! time, the bus contract devices implement, ELF loading and the machine that interleaves harts
//! and devices deterministically.

pub mod bus;
pub mod time;
