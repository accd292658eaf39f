//! The NS16550A UART, the console of the firmware and (through SBI) of the kernel.
//!
//! Output is polled: wait until the transmit holding register is empty, then write the byte.
//! One lock serialises all harts, so each SBI console call prints its bytes unbroken.

use crate::platform::UART_BASE;
use core::fmt::{self, Write};
use rustsbi::{Physical, SbiRet};
use spin::Mutex;

/// Register offsets and bits (byte-wide registers).
const RBR_THR: usize = 0; // receive buffer (read) / transmit holding (write)
const LSR: usize = 5; // line status
const LSR_DATA_READY: u8 = 1 << 0;
const LSR_THR_EMPTY: u8 = 1 << 5;

/// The UART at `base`.
pub struct Uart16550 {
    base: usize,
}

impl Uart16550 {
    fn reg(&self, offset: usize) -> *mut u8 {
        (self.base + offset) as *mut u8
    }

    /// Sends one byte, waiting for room.
    pub fn put(&mut self, byte: u8) {
        // SAFETY: the UART's registers are device memory at a fixed address on this machine.
        unsafe {
            while self.reg(LSR).read_volatile() & LSR_THR_EMPTY == 0 {}
            self.reg(RBR_THR).write_volatile(byte);
        }
    }

    /// Returns a received byte, if one is waiting.
    pub fn get(&mut self) -> Option<u8> {
        // SAFETY: as in `put`.
        unsafe {
            if self.reg(LSR).read_volatile() & LSR_DATA_READY != 0 {
                Some(self.reg(RBR_THR).read_volatile())
            } else {
                None
            }
        }
    }
}

impl Write for Uart16550 {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        s.bytes().for_each(|b| self.put(b));
        Ok(())
    }
}

/// The console UART, shared by all harts.
pub static UART: Mutex<Uart16550> = Mutex::new(Uart16550 { base: UART_BASE });

/// Prints formatted text from the firmware itself.
pub fn print(args: fmt::Arguments) {
    UART.lock().write_fmt(args).unwrap();
}

/// `println!` for the firmware.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => { $crate::uart::print(format_args!("{}\n", format_args!($($arg)*))) };
}

/// The SBI Debug Console extension (DBCN) on the UART.
///
/// Buffers are physical addresses; the firmware runs with translation off, so it reads and
/// writes them directly. Addresses above 4 GiB (`phys_addr_hi != 0`) and buffers inside the
/// firmware are refused.
pub struct SbiConsole;

/// Whether S mode may name `len` bytes at `lo`/`hi` as a console buffer.
fn valid_buffer(lo: usize, hi: usize, len: usize) -> bool {
    use crate::platform::{FIRMWARE_SIZE, RAM_BASE};
    let firmware = RAM_BASE..RAM_BASE + FIRMWARE_SIZE;
    match lo.checked_add(len) {
        Some(end) => hi == 0 && (end <= firmware.start || lo >= firmware.end),
        None => false,
    }
}

impl rustsbi::Console for SbiConsole {
    fn write(&self, bytes: Physical<&[u8]>) -> SbiRet {
        let (lo, len) = (bytes.phys_addr_lo(), bytes.num_bytes());
        if !valid_buffer(lo, bytes.phys_addr_hi(), len) {
            return SbiRet::invalid_param();
        }
        // SAFETY: checked above to be outside the firmware; S mode owns the rest of memory.
        let data = unsafe { core::slice::from_raw_parts(lo as *const u8, len) };
        let mut uart = UART.lock();
        data.iter().for_each(|&b| uart.put(b));
        SbiRet::success(len)
    }

    fn read(&self, bytes: Physical<&mut [u8]>) -> SbiRet {
        let (lo, len) = (bytes.phys_addr_lo(), bytes.num_bytes());
        if !valid_buffer(lo, bytes.phys_addr_hi(), len) {
            return SbiRet::invalid_param();
        }
        let mut uart = UART.lock();
        let mut count = 0;
        while count < len {
            match uart.get() {
                // SAFETY: as in `write`; `count < len`.
                Some(b) => unsafe { (lo as *mut u8).add(count).write_volatile(b) },
                None => break,
            }
            count += 1;
        }
        SbiRet::success(count)
    }

    fn write_byte(&self, byte: u8) -> SbiRet {
        UART.lock().put(byte);
        SbiRet::success(0)
    }
}
