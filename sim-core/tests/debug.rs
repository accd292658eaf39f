//! Debugging state on random programs: attaching a commit log (the harts' inspecting loop)
//! changes no architectural or timing result and logs every retired instruction; stopping
//! the machine every few hundred instructions and resuming changes nothing either; and a
//! debugger's address translation and register reads never panic, whatever `satp` holds.

use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use sim_core::hart::debug::{CommitWindow, HartDebug};
use sim_core::machine::{Exit, Limits, Machine, MachineParams};
use sim_core::memory::Ram;
use sim_core::system_bus::SystemBus;
use sim_core::time::{Clock, Timebase};
use sim_core::timing::TimingMode;

const RAM_BASE: u64 = 0x8000_0000;

/// A sink that counts lines.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<u64>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut n) = self.0.lock() {
            *n += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn machine(words: &[u32], regs: &[u64], harts: usize, functional: bool) -> Machine {
    let mut ram = Ram::new(RAM_BASE, 1 << 20).unwrap();
    // mtvec = stvec = x1 (a RAM address), so traps land in the program.
    let prologue = [
        (0x305 << 20) | (1 << 15) | (1 << 12) | 0x73,
        (0x105 << 20) | (1 << 15) | (1 << 12) | 0x73,
    ];
    for (i, w) in prologue.iter().chain(words).enumerate() {
        ram.write(RAM_BASE + 4 * i as u64, 4, *w as u64);
    }
    let bus = SystemBus::new(ram, harts, 16, Timebase::new(10_000_000));
    let mut params = MachineParams::new(harts, Clock::new(1_000_000_000));
    params.quantum = 50_000;
    if functional {
        params.mode = TimingMode::Functional;
    }
    let mut m = Machine::new(params, bus, RAM_BASE, RAM_BASE + 0x8_0000).unwrap();
    for h in &mut m.harts {
        for (i, r) in regs.iter().enumerate() {
            let v = if i % 2 == 0 {
                RAM_BASE + (r % (4 * words.len() as u64 + 8))
            } else {
                *r
            };
            h.set_reg(1 + i, v);
        }
    }
    m
}

/// Everything a run leaves that a debugger must not change.
fn state(m: &Machine, exit: Exit) -> Vec<u64> {
    let mut s = vec![format!("{exit:?}").len() as u64, m.now()];
    for h in &m.harts {
        s.extend([h.pc(), h.instret(), h.now(), h.privilege() as u64]);
        s.extend((0..32).map(|i| h.reg(i)));
        s.extend((0..32).map(|i| h.freg(i)));
        let st = h.stats();
        s.extend([
            st.cycles,
            st.tlb_walks,
            st.tlb_fills,
            st.timing.dtlb.misses,
            st.timing.itlb.walks,
        ]);
    }
    s
}

fn word() -> impl Strategy<Value = u32> {
    let opcodes = prop::sample::select(vec![
        0x03u32, 0x07, 0x13, 0x17, 0x1b, 0x23, 0x27, 0x2f, 0x33, 0x37, 0x3b, 0x43, 0x53, 0x63,
        0x67, 0x6f, 0x73,
    ]);
    (opcodes, any::<u32>()).prop_map(|(op, r)| (r & !0x7f) | op)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn commit_log_and_pauses_change_nothing(
        words in prop::collection::vec(word(), 4..48),
        regs in prop::collection::vec(any::<u64>(), 8),
        harts in 1usize..4,
        functional in any::<bool>(),
    ) {
        let limits = Limits { max_insns: Some(3000), max_time: None };
        let mut plain = machine(&words, &regs, harts, functional);
        let exit = plain.run_with(limits, &mut |_, _, _| {});
        let expected = state(&plain, exit);

        let lines = Lines::default();
        let mut logged = machine(&words, &regs, harts, functional);
        let sink: Arc<Mutex<Box<dyn Write + Send>>> = Arc::new(Mutex::new(Box::new(lines.clone())));
        for h in &mut logged.harts {
            h.attach_debug(HartDebug::new().with_commit_log(sink.clone(), CommitWindow::default()));
        }
        let exit = logged.run_with(limits, &mut |_, _, _| {});
        prop_assert_eq!(&state(&logged, exit), &expected);
        prop_assert_eq!(*lines.0.lock().unwrap(), logged.instret());

        // Pause at every breakpoint on the program's first words and resume at once.
        let mut paused = machine(&words, &regs, harts, functional);
        for h in &mut paused.harts {
            let mut d = HartDebug::new();
            d.breakpoints = (0..8).map(|i| RAM_BASE + 4 * i).collect();
            h.attach_debug(d);
        }
        let flag = AtomicBool::new(false);
        let mut pauses = 0;
        let exit = loop {
            if let Some(exit) = paused.run_until_paused(limits, &mut |_, _, _| {}, Some(&flag)) {
                break exit;
            }
            pauses += 1;
            // Resume: step each stopped hart over its breakpoint as gdb does (breakpoints
            // off for it), then put them back.
            for h in &mut paused.harts {
                if let Some(d) = h.debug_mut() {
                    if d.stop.take().is_some() {
                        d.breakpoints.clear();
                        d.step = true;
                    }
                }
            }
            // One run with the stopped harts stepping, then breakpoints back.
            if let Some(exit) = paused.run_until_paused(limits, &mut |_, _, _| {}, Some(&flag)) {
                break exit;
            }
            for h in &mut paused.harts {
                if let Some(d) = h.debug_mut() {
                    d.stop = None;
                    d.step = false;
                    d.breakpoints = (0..8).map(|i| RAM_BASE + 4 * i).collect();
                }
            }
            prop_assert!(pauses < 100_000);
        };
        // Every hart starts on a breakpoint.
        prop_assert!(pauses >= harts);
        prop_assert_eq!(&state(&paused, exit), &expected);
    }

    #[test]
    fn debugger_accesses_never_panic(
        satp in any::<u64>(),
        addrs in prop::collection::vec(any::<u64>(), 16),
        csrs in prop::collection::vec(0u16..4096, 16),
    ) {
        let mut m = machine(&[0x13], &[0; 8], 1, true);
        let Machine { harts, bus, .. } = &mut m;
        let h = &mut harts[0];
        let _ = h.set_csr(bus, 0x180, satp | 8 << 60);
        for &a in &addrs {
            let pa = h.debugger_address(bus, a);
            let _ = bus.ram.read(pa, 1);
        }
        for &c in &csrs {
            let _ = h.debug_csr(bus, c);
            let _ = h.set_csr(bus, c, satp);
        }
    }
}
