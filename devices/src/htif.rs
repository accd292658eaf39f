//! The Host-Target Interface of riscv-tests style programs: a `tohost` word in the program's
//! RAM (an ELF symbol, optionally with a `fromhost` reply word) that the host watches instead
//! of an MMIO window. A device on the bus's RAM-mailbox seam ([`RamMailbox`]).
//!
//! A non-zero store to `tohost` is a command `device[63:56] cmd[55:48] payload[47:0]`:
//! - device 0, cmd 0, payload odd: exit with code `payload >> 1` (0 passes);
//! - device 0, cmd 0, payload even: a pointer to a syscall block `[which, arg0, arg1, arg2]`;
//!   only `write` (64) is served, its bytes going to the console and the count to the block's
//!   first word; the reply is 1;
//! - device 1, cmd 1: writes the payload's low byte to the console; the reply is
//!   `1 << 56 | 1 << 48`.
//!
//! `tohost` is cleared after every command, and the reply (if any) is stored to `fromhost`.

use std::io::Write;

use sim_core::bus::{ExitRequest, MachineControl, RamMailbox};
use sim_core::memory::Ram;

/// The HTIF mailbox at a program's `tohost` (and `fromhost`) words.
pub struct Htif {
    tohost: u64,
    fromhost: Option<u64>,
    console: Box<dyn Write + Send>,
}

impl Htif {
    /// A mailbox at `tohost` replying to `fromhost`, printing to `console`.
    pub fn new(tohost: u64, fromhost: Option<u64>, console: Box<dyn Write + Send>) -> Self {
        Self {
            tohost,
            fromhost,
            console,
        }
    }
}

impl RamMailbox for Htif {
    fn watched(&self) -> u64 {
        self.tohost
    }

    fn stored(&mut self, ram: &mut Ram, control: &mut MachineControl) {
        let Some(value) = ram.read(self.tohost, 8) else {
            return;
        };
        if value == 0 {
            return;
        }
        let device = value >> 56;
        let cmd = (value >> 48) & 0xff;
        let payload = value & 0xffff_ffff_ffff;
        let mut reply = None;
        match (device, cmd) {
            (0, 0) if payload & 1 == 1 => {
                let code = payload >> 1;
                control.exit = Some(if code == 0 {
                    ExitRequest::Pass
                } else {
                    ExitRequest::Fail(code.min(u32::MAX as u64) as u32)
                });
            }
            (0, 0) => {
                // A pointer to a syscall block: [which, arg0, arg1, arg2, ...]; only write(fd, buf, len).
                let block = payload;
                let word = |i: u64| ram.read(block + 8 * i, 8);
                if let (Some(64), Some(_fd), Some(buf), Some(len)) =
                    (word(0), word(1), word(2), word(3))
                {
                    if let Some(bytes) = ram.slice(buf, len) {
                        let _ = self.console.write_all(bytes);
                        let _ = self.console.flush();
                        ram.write(block, 8, len);
                    }
                }
                reply = Some(1);
            }
            (1, 1) => {
                let _ = self.console.write_all(&[value as u8]);
                let _ = self.console.flush();
                reply = Some((1 << 56) | (1 << 48));
            }
            _ => {}
        }
        ram.write(self.tohost, 8, 0);
        if let (Some(reply), Some(fromhost)) = (reply, self.fromhost) {
            ram.write(fromhost, 8, reply);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A console whose bytes the test reads back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    const BASE: u64 = 0x8000_0000;
    const TOHOST: u64 = BASE + 0x1000;
    const FROMHOST: u64 = BASE + 0x1008;

    fn store(htif: &mut Htif, ram: &mut Ram, control: &mut MachineControl, value: u64) {
        ram.write(TOHOST, 8, value);
        htif.stored(ram, control);
    }

    #[test]
    fn commands_print_reply_and_exit() {
        let console = Shared::default();
        let mut htif = Htif::new(TOHOST, Some(FROMHOST), Box::new(console.clone()));
        let mut ram = Ram::new(BASE, 0x10000).unwrap();
        let mut control = MachineControl::default();
        assert_eq!(htif.watched(), TOHOST);

        store(
            &mut htif,
            &mut ram,
            &mut control,
            (1 << 56) | (1 << 48) | b'h' as u64,
        );
        assert_eq!(ram.read(TOHOST, 8), Some(0));
        assert_eq!(ram.read(FROMHOST, 8), Some((1 << 56) | (1 << 48)));

        // write(1, "ok", 2) through a syscall block.
        let block = BASE + 0x2000;
        ram.write(BASE + 0x3000, 2, u16::from_le_bytes(*b"ok") as u64);
        for (i, w) in [64, 1, BASE + 0x3000, 2].into_iter().enumerate() {
            ram.write(block + 8 * i as u64, 8, w);
        }
        store(&mut htif, &mut ram, &mut control, block);
        assert_eq!(ram.read(block, 8), Some(2));
        assert_eq!(ram.read(FROMHOST, 8), Some(1));
        assert_eq!(&*console.0.lock().unwrap(), b"hok");
        assert_eq!(control.exit, None);

        store(&mut htif, &mut ram, &mut control, (7 << 1) | 1);
        assert_eq!(control.exit, Some(ExitRequest::Fail(7)));
        store(&mut htif, &mut ram, &mut control, 1);
        assert_eq!(control.exit, Some(ExitRequest::Pass));
        // Zero is no command: nothing changes.
        ram.write(FROMHOST, 8, 99);
        store(&mut htif, &mut ram, &mut control, 0);
        assert_eq!(ram.read(FROMHOST, 8), Some(99));
    }
}
