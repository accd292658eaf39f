//! hartlab's simulation core: harts (decode, execute, CSRs, privilege, traps, MMU), simulated
//! time, the bus contract devices implement, ELF loading and the machine that interleaves harts
//! and devices deterministically.

pub mod bus;
pub mod checkpoint;
pub mod dma;
pub mod elf;
pub mod hart;
pub mod irq;
pub mod isa;
pub mod machine;
pub mod memory;
pub mod system_bus;
pub mod time;
pub mod timing;
pub mod trace;
