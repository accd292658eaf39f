//! RISC-V PLIC (platform-level interrupt controller) with the register layout of QEMU `virt`
//! and SiFive parts: it routes the platform interrupt sources in
//! the machine's interrupt lines to harts' external-interrupt `mip` bits.
//!
//! Gateways are level-triggered: a source whose level is high becomes pending unless it is
//! claimed (in service); after completion a still-high level makes it pending again. Each
//! context's output is "some pending, enabled source has priority above the threshold". Which
//! hart and `mip` bit a context drives is data ([`PlicConfig::context_targets`]), so layouts
//! with more contexts per hart need no code change.

use crate::device_tree::{DeviceTreeNode, NodeResult, NodeWriter};
use crate::{virt, wiring};
use sim_core::bus::{AccessCtx, BusFault, Device, HartLine, InterruptController, Lines, Mmio};
use std::collections::BTreeMap;

const PRIORITY: u64 = 0x0;
const PENDING: u64 = 0x1000;
const ENABLE: u64 = 0x2000;
const ENABLE_STRIDE: u64 = 0x80;
const CONTEXT: u64 = 0x20_0000;
const CONTEXT_STRIDE: u64 = 0x1000;
/// Priorities and thresholds implement 3 bits (0..=7), as on QEMU `virt`.
const PRIORITY_MASK: u32 = 7;
/// Source slots the register layout has room for (source 0 included).
const MAX_SOURCES: usize = 1024;
/// Contexts the register layout has room for.
const MAX_CONTEXTS: usize = ((CONTEXT - ENABLE) / ENABLE_STRIDE) as usize;

/// Shape and wiring of a PLIC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlicConfig {
    /// Source slots including the unused source 0 (so sources `1..sources`); at most 1024.
    pub sources: usize,
    /// Number of contexts; at most 15872.
    pub contexts: usize,
    /// For context `i`, the hart and the line its output drives: the lines the PLIC is
    /// handed. Contexts without an entry exist (registers, claim) but drive no line; outputs
    /// of contexts sharing a target are ORed.
    pub context_targets: Vec<(usize, HartLine)>,
}

impl PlicConfig {
    /// `harts` harts with one context per entry of `lines` each, hart-major: context
    /// `h * lines.len() + i` drives `lines[i]` of hart `h`.
    pub fn per_hart(sources: usize, harts: usize, lines: &[HartLine]) -> Self {
        let context_targets: Vec<_> = (0..harts)
            .flat_map(|hart| lines.iter().map(move |&line| (hart, line)))
            .collect();
        Self {
            sources,
            contexts: context_targets.len(),
            context_targets,
        }
    }

    /// QEMU `virt`: 95 sources; context `2h` is hart `h`'s M mode (MEIP), `2h + 1` its S mode
    /// (SEIP).
    pub fn virt(harts: usize) -> Self {
        Self::per_hart(virt::PLIC_SOURCES, harts, &wiring::PLIC_CONTEXTS)
    }

    /// QEMU `virt` with a U-mode context per hart (the N-extension designs): context `3h` is
    /// hart `h`'s M mode (MEIP), `3h + 1` its S mode (SEIP), `3h + 2` its U mode (UEIP). Each
    /// context's threshold/claim block is its own 4 KiB page, so a kernel can map a hart's U
    /// block into one process.
    pub fn virt_user(harts: usize) -> Self {
        Self::per_hart(virt::PLIC_SOURCES, harts, &wiring::PLIC_USER_CONTEXTS)
    }
}

#[derive(serde::Serialize, serde::Deserialize, Debug)]
struct Context {
    enable: Vec<u32>,
    threshold: u32,
}

/// A PLIC.
#[derive(serde::Serialize, serde::Deserialize, Debug)]
pub struct Plic {
    sources: usize,
    priority: Vec<u32>,
    /// Bit sets over sources.
    pending: Vec<u32>,
    claimed: Vec<u32>,
    contexts: Vec<Context>,
    /// Each context's target, as configured (the device tree lists them in this order).
    targets: Vec<(usize, HartLine)>,
    /// Each driven line `(hart, line)` with the contexts whose outputs it ORs.
    lines: Vec<((usize, HartLine), Vec<usize>)>,
}

enum Reg {
    Priority(usize),
    Pending(usize),
    Enable(usize, usize),
    Threshold(usize),
    Claim(usize),
}

fn bit(set: &[u32], n: usize) -> bool {
    set.get(n / 32).is_some_and(|w| w & (1 << (n % 32)) != 0)
}

fn set_bit(set: &mut [u32], n: usize, value: bool) {
    if let Some(w) = set.get_mut(n / 32) {
        if value {
            *w |= 1 << (n % 32);
        } else {
            *w &= !(1 << (n % 32));
        }
    }
}

impl Plic {
    /// Size of the register window.
    pub const SIZE: u64 = 0x400_0000;

    /// A PLIC shaped by `config` (sizes clamped to what the register layout can address).
    pub fn new(config: PlicConfig) -> Self {
        let sources = config.sources.clamp(1, MAX_SOURCES);
        let words = sources.div_ceil(32);
        let contexts = config.contexts.min(MAX_CONTEXTS);
        let mut lines: BTreeMap<(usize, HartLine), Vec<usize>> = BTreeMap::new();
        for (ctx, &target) in config.context_targets.iter().take(contexts).enumerate() {
            lines.entry(target).or_default().push(ctx);
        }
        Self {
            sources,
            priority: vec![0; sources],
            pending: vec![0; words],
            claimed: vec![0; words],
            contexts: (0..contexts)
                .map(|_| Context {
                    enable: vec![0; words],
                    threshold: 0,
                })
                .collect(),
            targets: config.context_targets.into_iter().take(contexts).collect(),
            lines: lines.into_iter().collect(),
        }
    }

    /// The PLIC of QEMU `virt` for `harts` harts (see [`PlicConfig::virt`]).
    pub fn virt(harts: usize) -> Self {
        Self::new(PlicConfig::virt(harts))
    }

    fn decode(&self, offset: u64, size: u32) -> Option<Reg> {
        if size != 4 || !offset.is_multiple_of(4) {
            return None;
        }
        let index = |base: u64, stride: u64| ((offset - base) / stride) as usize;
        let words = self.pending.len();
        let reg = match offset {
            PRIORITY..PENDING => Reg::Priority(index(PRIORITY, 4)),
            PENDING..ENABLE => Reg::Pending(index(PENDING, 4)),
            ENABLE..CONTEXT => Reg::Enable(
                index(ENABLE, ENABLE_STRIDE),
                ((offset - ENABLE) % ENABLE_STRIDE / 4) as usize,
            ),
            CONTEXT..Self::SIZE => match (offset - CONTEXT) % CONTEXT_STRIDE {
                0 => Reg::Threshold(index(CONTEXT, CONTEXT_STRIDE)),
                4 => Reg::Claim(index(CONTEXT, CONTEXT_STRIDE)),
                _ => return None,
            },
            _ => return None,
        };
        let contexts = self.contexts.len();
        match reg {
            Reg::Priority(src) if src >= self.sources => None,
            Reg::Pending(word) if word >= words => None,
            Reg::Enable(ctx, word) if ctx >= contexts || word >= words => None,
            Reg::Threshold(ctx) | Reg::Claim(ctx) if ctx >= contexts => None,
            reg => Some(reg),
        }
    }

    /// Bits of enable word `word` that name implemented sources (never source 0).
    fn source_mask(&self, word: usize) -> u32 {
        let first = word * 32;
        let valid = self.sources.saturating_sub(first).min(32);
        let mask = if valid == 32 {
            u32::MAX
        } else {
            (1 << valid) - 1
        };
        if word == 0 {
            mask & !1
        } else {
            mask
        }
    }

    /// The source a claim by `ctx` would return: the highest-priority pending enabled source
    /// above the threshold, lowest id on ties.
    fn best(&self, ctx: usize) -> Option<usize> {
        let context = self.contexts.get(ctx)?;
        let mut best: Option<(u32, usize)> = None;
        for (word, (&pending, &enable)) in self.pending.iter().zip(&context.enable).enumerate() {
            let mut bits = pending & enable;
            while bits != 0 {
                let src = word * 32 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let prio = self.priority.get(src).copied().unwrap_or(0);
                if prio > context.threshold && best.is_none_or(|(p, _)| prio > p) {
                    best = Some((prio, src));
                }
            }
        }
        best.map(|(_, src)| src)
    }

    /// Run the gateways on the current source levels and drive every context's output.
    fn update(&mut self, irq: &mut Lines) {
        for src in 1..self.sources {
            if irq.source(src) && !bit(&self.claimed, src) {
                set_bit(&mut self.pending, src, true);
            }
        }
        for ((hart, line), contexts) in &self.lines {
            let level = contexts.iter().any(|&ctx| self.best(ctx).is_some());
            irq.set(*line, *hart, level);
        }
    }
}

impl Device for Plic {
    capabilities!(interrupt_controller);

    checkpointed!();

    fn name(&self) -> &str {
        "plic"
    }

    fn window_size(&self) -> u64 {
        Self::SIZE
    }
}

impl DeviceTreeNode for Plic {
    fn write_node(&self, node: &mut NodeWriter) -> NodeResult {
        let plic = node.begin("plic")?;
        let f = node.fdt();
        f.property_u32("#address-cells", 0)?;
        f.property_u32("#interrupt-cells", 1)?;
        f.property_null("interrupt-controller")?;
        node.compatible(&["sifive,plic-1.0.0", "riscv,plic0"])?;
        node.reg()?;
        node.fdt()
            .property_u32("riscv,ndev", (self.sources - 1) as u32)?;
        node.hart_lines(&self.targets)?;
        node.phandle()?;
        node.end(plic)
    }
}

impl Mmio for Plic {
    fn read(&mut self, offset: u64, size: u32, ctx: &mut AccessCtx) -> Result<u64, BusFault> {
        let value = match self.decode(offset, size).ok_or(BusFault)? {
            Reg::Priority(src) => self.priority[src],
            Reg::Pending(word) => self.pending[word],
            Reg::Enable(c, word) => self.contexts[c].enable[word],
            Reg::Threshold(c) => self.contexts[c].threshold,
            Reg::Claim(c) => match self.best(c) {
                Some(src) => {
                    set_bit(&mut self.pending, src, false);
                    set_bit(&mut self.claimed, src, true);
                    self.update(&mut ctx.irq);
                    src as u32
                }
                None => 0,
            },
        };
        Ok(value.into())
    }

    fn write(
        &mut self,
        offset: u64,
        size: u32,
        value: u64,
        ctx: &mut AccessCtx,
    ) -> Result<(), BusFault> {
        let value = value as u32;
        match self.decode(offset, size).ok_or(BusFault)? {
            // Source 0 does not exist: its priority is hardwired to 0.
            Reg::Priority(0) | Reg::Pending(_) => {}
            Reg::Priority(src) => self.priority[src] = value & PRIORITY_MASK,
            Reg::Enable(c, word) => self.contexts[c].enable[word] = value & self.source_mask(word),
            Reg::Threshold(c) => self.contexts[c].threshold = value & PRIORITY_MASK,
            Reg::Claim(c) => {
                // Completion of a source not enabled for this context is ignored.
                let src = value as usize;
                if bit(&self.contexts[c].enable, src) {
                    set_bit(&mut self.claimed, src, false);
                }
            }
        }
        self.update(&mut ctx.irq);
        Ok(())
    }
}

impl InterruptController for Plic {
    fn sources_changed(&mut self, irq: &mut Lines) {
        self.update(irq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mip;
    use crate::testutil::Env;

    const M0: u64 = 0x20_0000;
    const S0: u64 = 0x20_1000;
    const M1: u64 = 0x20_2000;

    fn setup() -> (Env, Plic) {
        let (mut env, mut plic) = (Env::new(2, virt::PLIC_SOURCES), Plic::virt(2));
        for src in [1u64, 5, 10, 40] {
            env.write(&mut plic, 0, 4 * src, 4, 1);
        }
        (env, plic)
    }

    fn raise(env: &mut Env, plic: &mut Plic, src: usize, level: bool) {
        env.irq.set_source(src, level);
        env.sources_changed(plic);
    }

    #[test]
    fn level_source_becomes_pending_and_drives_enabled_context() {
        let (mut env, mut plic) = setup();
        raise(&mut env, &mut plic, 10, true);
        assert_eq!(env.read(&mut plic, 0, 0x1000, 4), 1 << 10);
        assert_eq!(env.irq.hart_lines(0), 0, "not enabled yet");
        env.write(&mut plic, 0, 0x2000 + 0x80, 4, 1 << 10);
        assert_eq!(env.irq.hart_lines(0), mip::SEIP);
        env.write(&mut plic, 0, 0x2000, 4, 1 << 10);
        assert_eq!(env.irq.hart_lines(0), mip::SEIP | mip::MEIP);
        assert_eq!(env.irq.hart_lines(1), 0);
    }

    #[test]
    fn claim_picks_highest_priority_then_lowest_id() {
        let (mut env, mut plic) = setup();
        env.write(&mut plic, 0, 0x2000, 4, (1 << 1) | (1 << 5) | (1 << 10));
        env.write(&mut plic, 0, 0x2004, 4, 1 << (40 - 32));
        env.write(&mut plic, 0, 4 * 40, 4, 3);
        for src in [1, 5, 10, 40] {
            raise(&mut env, &mut plic, src, true);
        }
        assert_eq!(env.read(&mut plic, 0, M0 + 4, 4), 40);
        assert_eq!(env.read(&mut plic, 0, M0 + 4, 4), 1);
        assert_eq!(env.read(&mut plic, 0, M0 + 4, 4), 5);
        assert_eq!(env.read(&mut plic, 0, M0 + 4, 4), 10);
        assert_eq!(env.irq.hart_lines(0), 0);
        assert_eq!(env.read(&mut plic, 0, M0 + 4, 4), 0);
        assert_eq!(env.read(&mut plic, 0, 0x1000, 4), 0);
    }

    #[test]
    fn threshold_masks_priorities_at_or_below_it() {
        let (mut env, mut plic) = setup();
        env.write(&mut plic, 0, 0x2000, 4, 1 << 5);
        env.write(&mut plic, 0, 4 * 5, 4, 0xffff_fff3);
        assert_eq!(env.read(&mut plic, 0, 4 * 5, 4), 3, "3-bit priorities");
        env.write(&mut plic, 0, M0, 4, 3);
        raise(&mut env, &mut plic, 5, true);
        assert_eq!(env.irq.hart_lines(0), 0);
        assert_eq!(env.read(&mut plic, 0, M0 + 4, 4), 0);
        env.write(&mut plic, 0, M0, 4, 2);
        assert_eq!(env.irq.hart_lines(0), mip::MEIP);
        env.write(&mut plic, 0, 4 * 5, 4, 0);
        assert_eq!(env.irq.hart_lines(0), 0, "priority 0 never interrupts");
    }

    #[test]
    fn claimed_source_repends_after_complete_only_while_high() {
        let (mut env, mut plic) = setup();
        env.write(&mut plic, 0, 0x2000 + 2 * 0x80, 4, 1 << 10);
        raise(&mut env, &mut plic, 10, true);
        assert_eq!(env.irq.hart_lines(1), mip::MEIP);
        assert_eq!(env.read(&mut plic, 1, M1 + 4, 4), 10);
        // Still high, but in service: no new request until completion.
        raise(&mut env, &mut plic, 10, true);
        assert_eq!(env.irq.hart_lines(1), 0);
        env.write(&mut plic, 1, M1 + 4, 4, 10);
        assert_eq!(env.irq.hart_lines(1), mip::MEIP);
        assert_eq!(env.read(&mut plic, 1, M1 + 4, 4), 10);
        raise(&mut env, &mut plic, 10, false);
        env.write(&mut plic, 1, M1 + 4, 4, 10);
        assert_eq!(env.irq.hart_lines(1), 0);
        assert_eq!(env.read(&mut plic, 1, 0x1000, 4), 0);
    }

    #[test]
    fn pending_survives_a_dropped_level_until_claimed() {
        let (mut env, mut plic) = setup();
        env.write(&mut plic, 0, 0x2000, 4, 1 << 1);
        raise(&mut env, &mut plic, 1, true);
        raise(&mut env, &mut plic, 1, false);
        assert_eq!(env.irq.hart_lines(0), mip::MEIP);
        assert_eq!(env.read(&mut plic, 0, M0 + 4, 4), 1);
    }

    #[test]
    fn completion_of_a_source_not_enabled_for_the_context_is_ignored() {
        let (mut env, mut plic) = setup();
        env.write(&mut plic, 0, 0x2000, 4, 1 << 5);
        raise(&mut env, &mut plic, 5, true);
        assert_eq!(env.read(&mut plic, 0, M0 + 4, 4), 5);
        env.write(&mut plic, 0, S0 + 4, 4, 5);
        assert_eq!(env.irq.hart_lines(0), 0);
        env.write(&mut plic, 0, M0 + 4, 4, 5);
        assert_eq!(env.irq.hart_lines(0), mip::MEIP);
    }

    #[test]
    fn disabling_masks_output_but_keeps_pending() {
        let (mut env, mut plic) = setup();
        env.write(&mut plic, 0, 0x2000 + 0x80, 4, 1 << 5);
        raise(&mut env, &mut plic, 5, true);
        assert_eq!(env.irq.hart_lines(0), mip::SEIP);
        env.write(&mut plic, 0, 0x2000 + 0x80, 4, 0);
        assert_eq!(env.irq.hart_lines(0), 0);
        assert_eq!(env.read(&mut plic, 0, 0x1000, 4), 1 << 5);
        assert_eq!(env.read(&mut plic, 0, S0 + 4, 4), 0);
    }

    #[test]
    fn register_map_bounds() {
        let (mut env, mut plic) = setup();
        env.write(&mut plic, 0, 0x2000, 4, u64::MAX);
        assert_eq!(
            env.read(&mut plic, 0, 0x2000, 4),
            0xffff_fffe,
            "source 0 not enableable"
        );
        env.write(&mut plic, 0, 0x2008, 4, u64::MAX);
        assert_eq!(env.read(&mut plic, 0, 0x2008, 4), 0xffff_ffff);
        env.write(&mut plic, 0, 0, 4, 7);
        assert_eq!(env.read(&mut plic, 0, 0, 4), 0);
        assert_eq!(env.try_read(&mut plic, 0, 4 * 96, 4), Err(BusFault));
        assert_eq!(env.try_read(&mut plic, 0, 0x200c, 4), Err(BusFault));
        assert_eq!(
            env.try_read(&mut plic, 0, 0x2000 + 4 * 0x80, 4),
            Err(BusFault)
        );
        assert_eq!(env.try_read(&mut plic, 0, 0x20_4004, 4), Err(BusFault));
        assert_eq!(env.try_read(&mut plic, 0, 0x20_0008, 4), Err(BusFault));
        assert_eq!(env.try_read(&mut plic, 0, 0x1000, 8), Err(BusFault));
        assert_eq!(env.try_read(&mut plic, 0, 0x1000, 2), Err(BusFault));
    }

    #[test]
    fn contexts_sharing_a_target_are_ored_and_extra_contexts_drive_nothing() {
        let mut env = Env::new(1, 8);
        let mut plic = Plic::new(PlicConfig {
            sources: 8,
            contexts: 3,
            context_targets: vec![(0, wiring::PLIC_CONTEXTS[0]), (0, wiring::PLIC_CONTEXTS[0])],
        });
        env.write(&mut plic, 0, 4 * 3, 4, 1);
        env.write(&mut plic, 0, 0x2000 + 0x80, 4, 1 << 3);
        env.write(&mut plic, 0, 0x2000 + 2 * 0x80, 4, 1 << 3);
        raise(&mut env, &mut plic, 3, true);
        assert_eq!(env.irq.hart_lines(0), mip::MEIP);
        assert_eq!(env.read(&mut plic, 0, 0x20_2004, 4), 3);
        assert_eq!(env.irq.hart_lines(0), 0);
        assert_eq!(env.try_read(&mut plic, 0, 0x2004, 4), Err(BusFault));
    }

    #[test]
    fn per_hart_layout_extends_to_more_contexts() {
        let cfg = PlicConfig::per_hart(32, 2, &wiring::PLIC_USER_CONTEXTS);
        assert_eq!(cfg.contexts, 6);
        assert_eq!(cfg.context_targets[4], (1, wiring::PLIC_USER_CONTEXTS[1]));
        assert_eq!(cfg.context_targets[5].1.mask(), 1 << 8);
    }
}
