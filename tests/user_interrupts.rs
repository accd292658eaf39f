//! User-level interrupts end to end (docs/hardware/user-interrupts.md): the N extension's
//! CSRs, delegation, trap entry and URET; the UINTC with the `uipi` instructions, within a
//! hart and across harts; the PLIC's U contexts; the user timer; and the send-to-handler
//! latency of a user IPI under the timing model.
//!
//! Each test runs a self-checking bare-metal guest from `tests/guest/uintr/` (built on
//! `tests/guest/common/test.h`, with the U-mode trap handler of `tests/guest/uintr/uintr.h`):
//! M mode plays the kernel and enters U with MRET (or S, then SRET). A guest passes with
//! status 0; status N (1..=249) means its check `TEST N` failed (250: before the first check;
//! 251..=254 are hartlab's own ends; 200 in the two-hart programs is a failure of hart 1).
//! Nothing here exists on QEMU 7.2, so these run on hartlab only.
//!
//! The latency tests measure, inside the guest, the cycles from a `uipi.send` issuing (S) to
//! the first instruction of the receiver's U handler, and check them against the timing
//! model (see [`Path`]): with M = `mmio_cycles`, U = `uipi_cycles`, V =
//! `send_visibility_cycles`, P = `trap_penalty`, E = `entry_cycles_u`, I = `interrupt_cycles`
//! and L the sender-table read's cycles beyond an L1 hit,
//!
//! ```text
//! same hart:  L + max(M + U, D + V) + P + E + I + 2     (33 cycles on the default machine)
//! other hart: L + D + V + P + E + I + 2                  (22 cycles)
//! ```
//!
//! where D = the L1 D hit latency + M / 2 is the SEND's way to the UINTC. The receiver on
//! another hart does not wait for the sender's instruction to complete: the SEND leaves when
//! the table read returns, so only D, not M and U, is on its path.

mod support;

use std::path::PathBuf;

use support::{build_asm_guest, describe_status, repo_root, run_hartlab_toml, HartlabRun};

/// Build `tests/guest/uintr/<name>.S` with extra preprocessor definitions.
fn guest(name: &str, suffix: &str, defines: &[&str]) -> PathBuf {
    build_asm_guest("uintr", name, suffix, defines)
}

/// Run `elf` on the machine described by `toml` (defaults for everything it leaves out).
fn run(elf: &std::path::Path, toml: &str) -> HartlabRun {
    run_hartlab_toml(elf, toml, 50_000_000)
}

/// Build and run guest `name` on `toml`; it must pass. Returns the run for further checks.
fn pass(name: &str, suffix: &str, defines: &[&str], toml: &str) -> HartlabRun {
    let elf = guest(name, suffix, defines);
    let r = run(&elf, toml);
    assert_eq!(
        r.status,
        0,
        "guest {name}{suffix} on machine {toml:?} {}",
        describe_status(&r)
    );
    r
}

#[test]
fn n_extension_csrs_and_masks() {
    pass("n_csrs", "", &[], "");
}

#[test]
fn user_software_interrupt_self_priority_and_vectoring() {
    let r = pass("usi", "", &[], "");
    let traps = &r.report.stats.harts[0].traps;
    // 1 (probe) + 2 (gating) + 3 (priority) + 1 (after the S interrupt) + 3 vectored
    // interrupts + 1 vectored exception.
    assert_eq!(traps.to_u, 11, "{traps:?}");
    let count = |k: &str| traps.interrupts.get(k).copied().unwrap_or(0);
    assert_eq!(
        (
            count("user_software"),
            count("user_timer"),
            count("user_external"),
            count("supervisor_software")
        ),
        (6, 2, 2, 1),
        "{traps:?}"
    );
}

#[test]
fn uret_from_u_s_and_m() {
    pass("uret", "", &[], "");
}

#[test]
fn user_interrupts_stay_pending_in_s_and_m() {
    pass("pending", "", &[], "");
}

#[test]
fn exceptions_delegated_to_u() {
    let r = pass("exceptions", "", &[], "");
    let traps = &r.report.stats.harts[0].traps;
    assert_eq!(traps.to_u, 8, "{traps:?}");
}

#[test]
fn uipi_on_one_hart() {
    let r = pass("uipi", "", &[], "");
    let h = &r.report.stats.harts[0];
    // Counted by hand from the program: 14 sends reach the UINTC, 18 uipi operations fail
    // (11 sends, 7 receiver operations), 10 reads return something.
    assert_eq!(
        (h.uintr.sends, h.uintr.failures, h.uintr.reads),
        (14, 18, 10),
        "{:?}",
        h.uintr
    );
    assert_eq!(h.traps.to_u, 3, "{:?}", h.traps);
    // The UINTC's own counters: the 14 sends plus 4 plain SEND stores by M; 5 HIGH writes
    // (3 stores, 2 uipi.write); 17 HIGH reads that returned something (7 loads, 10 uipi.read);
    // at most 3 vectors pending at once (slot 3).
    let uintc = r
        .report
        .stats
        .devices
        .iter()
        .find(|d| d.name == "uintc")
        .expect("a uintc device");
    for (k, v) in [
        ("sends", 18),
        ("high_writes", 5),
        ("reads_cleared", 17),
        ("pending_high_water_max", 3),
        ("slot3.pending_high_water", 3),
        ("slot4.pending_high_water", 1),
    ] {
        assert_eq!(uintc.counters.get(k), Some(&v), "{k}: {:?}", uintc.counters);
    }
}

#[test]
fn uipi_between_two_harts() {
    let r = pass("uipi_2hart", "", &[], "[machine]\nharts = 2\n");
    let h = &r.report.stats.harts;
    // Hart 0: 4 sends to hart 1 and 1 to itself; hart 1: 1 send to hart 0. Hart 0 takes 2
    // user interrupts, hart 1 takes 3.
    assert_eq!((h[0].uintr.sends, h[1].uintr.sends), (5, 1));
    assert_eq!((h[0].traps.to_u, h[1].traps.to_u), (2, 3));
    assert_eq!((h[0].uintr.failures, h[1].uintr.failures), (0, 0));
    assert!(h[1].wfi_cycles > 1000, "hart 1 slept: {}", h[1].wfi_cycles);
}

#[test]
fn plic_user_context_claim_and_complete_from_u() {
    let r = pass("plic_user", "", &[], "[plic]\nuser_contexts = true\n");
    let h = &r.report.stats.harts[0];
    assert_eq!(h.traps.to_u, 2, "{:?}", h.traps);
    assert_eq!(
        h.traps.interrupts.get("user_external"),
        Some(&2),
        "{:?}",
        h.traps.interrupts
    );
}

#[test]
fn plic_context_numbering_with_and_without_user_contexts() {
    // Default (QEMU virt): context 2 is hart 1's M context.
    pass("plic_contexts", "", &[], "[machine]\nharts = 2\n");
    // User contexts: context 2 is hart 0's U context, 3..5 hart 1's M, S, U.
    pass(
        "plic_contexts",
        "-user",
        &["-DUSER_CONTEXTS"],
        "[machine]\nharts = 2\n[plic]\nuser_contexts = true\n",
    );
}

#[test]
fn user_timer() {
    let r = pass("utimer", "", &[], "");
    let h = &r.report.stats.harts[0];
    let uti = h.traps.interrupts.get("user_timer").copied().unwrap_or(0);
    // Three in U, one in S (and a user software interrupt in U).
    assert_eq!((h.traps.to_u, uti), (4, 4), "{:?}", h.traps);
    assert!(h.wfi_cycles > 0, "the WFI slept: {}", h.wfi_cycles);
}

// ---- latency ----------------------------------------------------------------------------

/// The timing parameters on a user IPI's path (defaults of the 1 GHz default machine).
#[derive(Clone, Copy, Debug)]
struct Path {
    /// `[uintr] send_visibility_cycles` (V).
    visibility: u64,
    /// `[traps] entry_cycles_u` (E).
    entry_u: u64,
    /// `[traps] interrupt_cycles` (I).
    interrupt: u64,
    /// `[interconnect] mmio_cycles` (M).
    mmio: u64,
    /// `[uintr] uipi_cycles` (U).
    uipi: u64,
    /// `[core] trap_penalty` (P).
    trap_penalty: u64,
    /// `[traps] xret_cycles_u` (X).
    xret_u: u64,
}

impl Default for Path {
    fn default() -> Self {
        Path {
            visibility: 1,
            entry_u: 2,
            interrupt: 2,
            mmio: 20,
            uipi: 4,
            trap_penalty: 3,
            xret_u: 0,
        }
    }
}

impl Path {
    fn toml(&self) -> String {
        format!(
            "[machine]\nharts = 2\n\
             [core]\ntrap_penalty = {}\n\
             [traps]\nentry_cycles_u = {}\ninterrupt_cycles = {}\nxret_cycles_u = {}\n\
             [interconnect]\nmmio_cycles = {}\n\
             [uintr]\nuipi_cycles = {}\nsend_visibility_cycles = {}\n",
            self.trap_penalty,
            self.entry_u,
            self.interrupt,
            self.xret_u,
            self.mmio,
            self.uipi,
            self.visibility
        )
    }

    /// The trap into the handler and its first instruction: the interrupt is taken at an
    /// instruction boundary (cycle T), the trap costs P + E + I, and the handler's
    /// `csrr cycle` reads the cycle its own execution starts plus one (a counter read counts
    /// the reading instruction's cycle), as the sender's `csrr cycle` right before its send
    /// does: that read returns the cycle at which the send issues (S). So a latency is
    /// T - S + P + E + I + 1.
    fn handler(&self) -> u64 {
        self.trap_penalty + self.entry_u + self.interrupt + 1
    }

    /// Sender and receiver on one hart; the sender-table read takes L cycles beyond an L1
    /// hit (0 when its line is cached).
    ///
    /// The send issues at S. Executing, it reads its table entry and writes the UINTC's SEND
    /// register; the write reaches the UINTC once the table read has returned, at S + 1 + L,
    /// and the line is visible V later. The send itself costs 1 + L + M + U (issue, the table
    /// read, the uncached store's round trip, the UIPI unit's cycles; the UINTC adds no device
    /// cycles). The hart looks for interrupts only between instructions, in its run loop
    /// (`Hart::run`), which a `uipi` instruction returns to at once (it ends the slice) and
    /// which otherwise runs instructions up to the next device event (here the line becoming
    /// visible): it takes the interrupt at T = S + 1 + L + max(M + U, V) (if V is the larger,
    /// the one-cycle NOPs after the send run until the line is visible).
    ///
    ///   same = L + max(M + U, D + V) + P + E + I + 2
    fn same_hart(&self, table_read: u64) -> u64 {
        1 + table_read
            + (self.mmio + self.uipi).max(self.reach() + self.visibility)
            + self.handler()
    }

    /// D: from the SEND leaving (once the table read returns) to its reaching the UINTC, as
    /// every device access: the L1 D lookup (2 on the default machine) and half the
    /// interconnect round trip.
    fn reach(&self) -> u64 {
        2 + self.mmio / 2
    }

    /// Receiver spinning in U on another hart (`j .`: a boundary every cycle).
    ///
    /// The receiver does not wait for the sender's instruction to complete: the line is
    /// visible at S + 1 + L + D + V and the receiver takes it at exactly that boundary. M
    /// (beyond D) and U only lengthen the sender's own instruction, after the SEND has left;
    /// they are not on the path.
    ///
    ///   cross = L + D + V + P + E + I + 2
    fn cross_hart(&self, table_read: u64) -> u64 {
        1 + table_read + self.reach() + self.visibility + self.handler()
    }

    /// A URET's cost as `latency.S` measures it: from a `csrr cycle` (reading its cycle + 1)
    /// over three NOPs (so that URET, which waits for every earlier result, does not stall)
    /// to the `csrr cycle` at the return address. URET is a serialising system instruction:
    /// 1 + its flush (P) + X.
    ///
    ///   uret = 1 + 3 + (1 + P + X) = P + X + 5
    fn uret(&self) -> u64 {
        5 + self.trap_penalty + self.xret_u
    }
}

/// Cycles beyond an L1 hit of a sender-table read whose line comes from DRAM on the default
/// machine: the L2 lookup (12) and DRAM (100).
const DRAM_TABLE_READ: u64 = 12 + 100;

/// The same for an instruction fetch (beyond an L1 I hit; the same L2 and DRAM).
const DRAM_FETCH: u64 = 12 + 100;

/// The figures `latency.S` prints (`name=0x...`).
fn figures(console: &str) -> std::collections::BTreeMap<String, u64> {
    console
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once('=')?;
            let v = u64::from_str_radix(v.trim().strip_prefix("0x")?, 16).ok()?;
            Some((k.trim().to_string(), v))
        })
        .collect()
}

/// Run the latency guest on `path`'s machine: its figures and statistics.
fn measure(
    elf: &std::path::Path,
    path: &Path,
) -> (std::collections::BTreeMap<String, u64>, HartlabRun) {
    let r = run(elf, &path.toml());
    assert_eq!(
        r.status,
        0,
        "latency guest on {path:?}: {}",
        describe_status(&r)
    );
    (figures(&r.console), r)
}

#[test]
fn user_ipi_latency_matches_the_timing_model() {
    let elf = guest("latency", "", &[]);
    let base = Path::default();
    let plus10 = |f: fn(&mut Path)| {
        let mut p = base;
        f(&mut p);
        p
    };
    // Each parameter + 10, and what that must change by the formulas above:
    // (same hart, cross hart, URET).
    let variants: [(&str, Path, (u64, u64, u64)); 8] = [
        ("defaults", base, (0, 0, 0)),
        (
            "send_visibility_cycles + 10",
            plus10(|p| p.visibility += 10),
            // D + V = 23 stays below M + U = 24: the sender's own instruction is the longer
            // wait.
            (0, 10, 0),
        ),
        (
            "entry_cycles_u + 10",
            plus10(|p| p.entry_u += 10),
            (10, 10, 0),
        ),
        (
            "interrupt_cycles + 10",
            plus10(|p| p.interrupt += 10),
            (10, 10, 0),
        ),
        // Half the round trip is the SEND's way to the UINTC.
        ("mmio_cycles + 10", plus10(|p| p.mmio += 10), (10, 5, 0)),
        ("uipi_cycles + 10", plus10(|p| p.uipi += 10), (10, 0, 0)),
        (
            "trap_penalty + 10",
            plus10(|p| p.trap_penalty += 10),
            (10, 10, 10),
        ),
        ("xret_cycles_u + 10", plus10(|p| p.xret_u += 10), (0, 0, 10)),
    ];
    let mut measured = Vec::new();
    for (name, path, _) in variants {
        let (f, r) = measure(&elf, &path);
        let get = |k: &str| {
            *f.get(k)
                .unwrap_or_else(|| panic!("{name}: no {k} in {:?}", r.console))
        };
        // Runs 1..3 and 5 are the steady state; run 4 reads a new sender-table line from
        // DRAM (L = DRAM_TABLE_READ); same-hart run 0 also runs with cold caches. Cross-hart
        // run 0 is exact: its table line is the one the same-hart runs used, and the
        // receiver's handler reads `cycle` before its own fetch stalls are charged.
        let same = get("same1");
        let cross = get("cross0");
        let uret = get("uret");
        for k in ["same2", "same3", "same5"] {
            assert_eq!(get(k), same, "{name}: {k} differs from same1: {f:?}");
        }
        for k in ["cross1", "cross2", "cross3", "cross5"] {
            assert_eq!(get(k), cross, "{name}: {k} differs from cross0: {f:?}");
        }
        assert_eq!(
            (same, cross, uret),
            (path.same_hart(0), path.cross_hart(0), path.uret()),
            "{name}: (same-hart, cross-hart) send-to-handler cycles and URET cycles \
             ({path:?}): {f:?}"
        );
        assert_eq!(
            (get("same4"), get("cross4")),
            (
                path.same_hart(DRAM_TABLE_READ),
                path.cross_hart(DRAM_TABLE_READ)
            ),
            "{name}: (same-hart, cross-hart) cycles with the table line in DRAM ({path:?}): \
             {f:?}"
        );
        // The send's own fetch: warm, as above; cold, the sender waits for it too.
        assert_eq!(
            (get("same_fetch_warm"), get("cross_fetch_warm")),
            (path.same_hart(0), path.cross_hart(0)),
            "{name}: {f:?}"
        );
        assert_eq!(
            get("same_fetch_cold"),
            path.same_hart(0) + DRAM_FETCH,
            "{name}: {f:?}"
        );
        // (cross_fetch_cold: see `cross_hart_send_waits_for_its_own_fetch`.)
        //
        // The statistics' view: cycles from the line becoming visible to the trap. On hart 0
        // M + U - D - V for every run (the table read delays the SEND and the sender alike)
        // but the one whose send missed in the instruction cache; every cross-hart run is
        // taken at once.
        let h = &r.report.stats.harts;
        let same_wait = path.mmio + path.uipi - path.reach() - path.visibility;
        let hist = &h[0].uintr.usi_latency;
        assert!(
            hist.values().sum::<u64>() == 8 && hist.get(&same_wait) >= Some(&7),
            "{name}: hart 0 {:?}",
            h[0].uintr
        );
        assert_eq!(
            h[1].uintr.usi_latency,
            [(0, 8)].into(),
            "{name}: hart 1 {:?}",
            h[1].uintr
        );
        assert_eq!((h[0].uintr.sends, h[1].uintr.sends), (16, 0), "{name}");
        assert_eq!((h[0].traps.to_u, h[1].traps.to_u), (8, 8), "{name}");
        measured.push((same, cross, uret));
    }
    let (same0, cross0, uret0) = measured[0];
    assert_eq!(
        (same0, cross0, uret0),
        (33, 22, 8),
        "the default machine's figures"
    );
    for (&(same, cross, uret), &(name, _, delta)) in measured.iter().zip(&variants) {
        assert_eq!(
            (same - same0, cross - cross0, uret - uret0),
            delta,
            "{name}: change of the (same-hart, cross-hart, URET) cycles"
        );
    }
}

#[test]
fn user_ipi_latency_when_visibility_dominates() {
    // With D + V > M + U, a send to the own slot completes before its line is visible: the
    // hart runs on (one-cycle NOPs) until it is, and the same-hart latency becomes the
    // cross-hart one, L + D + V + P + E + I + 2.
    let elf = guest("latency", "", &[]);
    let path = Path {
        visibility: 40,
        ..Path::default()
    };
    let (f, r) = measure(&elf, &path);
    for k in ["same1", "same2", "same3", "same5"] {
        assert_eq!(f[k], path.same_hart(0), "{k}: {f:?}");
    }
    for k in ["cross0", "cross1", "cross2", "cross3", "cross5"] {
        assert_eq!(f[k], path.cross_hart(0), "{k}: {f:?}");
    }
    assert_eq!((path.same_hart(0), path.cross_hart(0)), (61, 61));
    assert_eq!(f["same4"], path.same_hart(DRAM_TABLE_READ), "{f:?}");
    assert_eq!(f["cross4"], path.cross_hart(DRAM_TABLE_READ), "{f:?}");
    // The warm same-hart interrupts were taken the moment the line became visible.
    let h0 = &r.report.stats.harts[0].uintr;
    assert_eq!(h0.usi_latency.get(&0), Some(&6), "{h0:?}");
}

/// A cross-hart `uipi.send` reaches the UINTC only after its sender-table read: a table line
/// that has to come from DRAM delays the receiver's interrupt as much as it delays the
/// sender's own instruction.
///
/// (Found by this test: `Hart::uipi_send` in sim-core/src/hart/uintr.rs used to write SEND at
/// the hart's time while executing the instruction, cycle S + 1, charging the table read's
/// cache latency only to the sender's cost afterwards, so a receiver on another hart took
/// the interrupt V + P + E + I + 2 cycles after the send issued even when the sender was
/// still waiting ~112 cycles for its table entry from DRAM. Fixed in c584b74 by stamping the
/// SEND at S + 1 + the read's cycles beyond an L1 hit.)
#[test]
fn cross_hart_send_waits_for_its_sender_table_read() {
    let elf = guest("latency", "", &[]);
    let (f, _) = measure(&elf, &Path::default());
    // Same hart: run 4 (table line from DRAM) minus run 5 (from L1) = the read's extra cycles.
    let table_miss = f["same4"] - f["same5"];
    assert_eq!(table_miss, DRAM_TABLE_READ, "{f:?}");
    assert_eq!(
        f["cross4"] - f["cross5"],
        table_miss,
        "a cross-hart send delivered before its sender-table read completed: cross-hart \
         latency with the table line in DRAM {} vs in L1 {} cycles (same hart: {} vs {})",
        f["cross4"],
        f["cross5"],
        f["same4"],
        f["same5"]
    );
}

/// BUG (pinned, fails): a cross-hart `uipi.send` reaches the UINTC before the sending
/// instruction has been fetched.
///
/// `Hart::step` (sim-core/src/hart/mod.rs) executes an instruction with the hart's cycle at
/// its start + 1 and charges its fetch stall (`timing.fetch_extra`, filled by the fetch
/// before `execute`) only afterwards, in `account`. `Hart::uipi_send`
/// (sim-core/src/hart/uintr.rs) stamps the SEND at `self.now()` plus the table read's extra
/// cycles (`timing.mem_extra`), leaving the fetch stall out: when the `uipi.send` itself
/// misses in the instruction cache (112 cycles from DRAM on the default machine), a receiver
/// on another hart takes the interrupt V + P + E + I + 2 = 10 cycles after the previous
/// instruction, ~100 cycles before the send could have been fetched, while the same send to
/// the own hart is delivered only after the sender's instruction completes (33 + 112).
/// Expected: the SEND leaves no earlier than the instruction issues (after its fetch), so a
/// cold fetch delays a cross-hart delivery by as much as a same-hart one. (The same holds for
/// any device access a cold-fetched load or store makes, e.g. an IPI through the CLINT: the
/// device sees it at the start + 1 of the instruction's step, before its fetch stall.)
#[test]
fn cross_hart_send_waits_for_its_own_fetch() {
    let elf = guest("latency", "", &[]);
    let (f, _) = measure(&elf, &Path::default());
    let fetch_miss = f["same_fetch_cold"] - f["same_fetch_warm"];
    assert_eq!(fetch_miss, DRAM_FETCH, "{f:?}");
    assert_eq!(
        f["cross_fetch_cold"] - f["cross_fetch_warm"],
        fetch_miss,
        "a cross-hart send delivered before the uipi.send was fetched: cross-hart latency \
         with the send's fetch from DRAM {} vs from L1 {} cycles (same hart: {} vs {})",
        f["cross_fetch_cold"],
        f["cross_fetch_warm"],
        f["same_fetch_cold"],
        f["same_fetch_warm"]
    );
}

#[test]
fn a_user_ipi_wakes_a_sleeping_hart() {
    let r = pass(
        "uintc_wfi",
        "-500",
        &["-DVIS=500"],
        "[uintr]\nsend_visibility_cycles = 500\n",
    );
    // (The guest checks it woke VIS..VIS + 40 cycles after the send; cold instruction fetches
    // take part of that time before the WFI.)
    assert!(
        r.report.stats.harts[0].wfi_cycles > 100,
        "slept until the line was visible: {}",
        r.report.stats.harts[0].wfi_cycles
    );
}

/// A user IPI to a hart with a lower id than the sender's takes exactly the formula's cycles,
/// whatever the quantum: harts interleave exactly (sim-core/TIMING.md). Under quantum
/// interleaving, the approximation kept for fast-forwarding, the receiver has already run
/// past the send when it happens and sees the line only when its next round starts: up to a
/// quantum late.
#[test]
fn user_ipi_to_a_lower_hart_takes_the_same_cycles() {
    let elf = guest("reverse", "", &[]);
    let formula = Path::default().cross_hart(0);
    let latency = |machine: &str| {
        let toml = format!("[machine]\nharts = 2\n{machine}");
        let r = run(&elf, &toml);
        assert_eq!(
            r.status,
            0,
            "reverse guest on {toml:?}: {}",
            describe_status(&r)
        );
        figures(&r.console)["reverse"]
    };
    for quantum_ns in [1000u64, 100, 10] {
        assert_eq!(
            latency(&format!("quantum_ns = {quantum_ns}\n")),
            formula,
            "quantum {quantum_ns} ns"
        );
    }
    let late = latency("interleave = \"quantum\"\nquantum_ns = 1000\n");
    // 1 GHz: a quantum of 1000 ns is 1000 cycles.
    assert!(
        late > formula && late <= formula + 1000,
        "quantum interleaving: {late} cycles, expected in ({formula}, {}]",
        formula + 1000
    );
}

/// Every guest in `tests/guest/uintr/` is run by a test above.
#[test]
fn every_guest_is_run() {
    const RUN: &[&str] = &[
        "exceptions",
        "latency",
        "n_csrs",
        "pending",
        "plic_contexts",
        "plic_user",
        "reverse",
        "uintc_wfi",
        "uipi",
        "uipi_2hart",
        "uret",
        "usi",
        "utimer",
    ];
    let dir = repo_root().join("tests/guest/uintr");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "S").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    on_disk.sort();
    assert_eq!(
        on_disk, RUN,
        "tests/guest/uintr/*.S and the list here disagree"
    );
    // (only the code before this test: the list above names them all)
    let this = std::fs::read_to_string(repo_root().join("tests/user_interrupts.rs")).unwrap();
    let tests = &this[..this.find("fn every_guest_is_run").unwrap()];
    for name in RUN {
        assert!(
            tests.contains(&format!("\"{name}\",")),
            "no test runs guest {name}"
        );
    }
}
