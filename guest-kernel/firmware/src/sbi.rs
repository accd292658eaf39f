//! The SBI implementation: `rustsbi` dispatches each call to the extension named by its
//! field (base and machine information come with the `machine` feature).

use crate::{clint, hsm, reset, uart};
use rustsbi::RustSBI;

/// Every SBI extension the firmware provides.
#[derive(RustSBI)]
pub struct Sbi {
    console: uart::SbiConsole,
    timer: clint::SbiTimer,
    ipi: clint::SbiIpi,
    hsm: hsm::SbiHsm,
    reset: reset::SbiReset,
}

/// The one SBI instance; its extensions are stateless front ends to the devices.
pub static SBI: Sbi = Sbi {
    console: uart::SbiConsole,
    timer: clint::SbiTimer,
    ipi: clint::SbiIpi,
    hsm: hsm::SbiHsm,
    reset: reset::SbiReset,
};
