//! Memory-mapped devices of the QEMU-virt-compatible machine.
//!
//! Each device is a small model behind `sim-core`'s capability traits
//! ([`Device`](sim_core::bus::Device), [`Mmio`](sim_core::bus::Mmio) and, where it has them,
//! [`Timed`](sim_core::bus::Timed), [`InterruptController`](sim_core::bus::InterruptController)
//! and [`Statistics`](sim_core::bus::Statistics)): it sees offsets relative to its base,
//! drives only the interrupt lines it was handed when built (the board's [`wiring`]),
//! describes its own device-tree node ([`device_tree`]) and never panics on guest-controlled
//! values.

/// Implements [`Device::save_state`](sim_core::bus::Device::save_state) and
/// `restore_state` for a device whose serde state is the whole struct, keeping the listed
/// host-side fields (tracers, consoles) of the device restored into.
macro_rules! checkpointed {
    ($($host:ident),*) => {
        fn save_state(&self) -> Result<Vec<u8>, sim_core::checkpoint::StateError> {
            Ok(sim_core::checkpoint::encode(self))
        }

        fn restore_state(
            &mut self,
            state: &[u8],
        ) -> Result<(), sim_core::checkpoint::StateError> {
            #[allow(unused_mut)]
            let mut saved: Self = sim_core::checkpoint::decode(state)?;
            $(std::mem::swap(&mut saved.$host, &mut self.$host);)*
            *self = saved;
            Ok(())
        }
    };
}

/// Implements the [`Device`](sim_core::bus::Device) accessors of the capabilities a device
/// has (`timed`, `statistics`, `interrupt_controller`), each answering with the device.
macro_rules! capabilities {
    ($($capability:ident),*) => { $(capabilities!(@ $capability);)* };
    (@ timed) => {
        fn timed(&self) -> Option<&dyn sim_core::bus::Timed> {
            Some(self)
        }

        fn timed_mut(&mut self) -> Option<&mut dyn sim_core::bus::Timed> {
            Some(self)
        }
    };
    (@ statistics) => {
        fn statistics(&self) -> Option<&dyn sim_core::bus::Statistics> {
            Some(self)
        }

        fn statistics_mut(&mut self) -> Option<&mut dyn sim_core::bus::Statistics> {
            Some(self)
        }
    };
    (@ interrupt_controller) => {
        fn interrupt_controller(
            &mut self,
        ) -> Option<&mut dyn sim_core::bus::InterruptController> {
            Some(self)
        }
    };
}

pub mod clint;
pub mod device_tree;
pub mod link;
pub mod plic;
pub mod sim_control;
pub mod task_controller;
pub mod test_finisher;
pub mod uart;
pub mod uintc;
pub mod virtio;

pub use clint::{Clint, ClintLines};
pub use plic::{Plic, PlicConfig};
pub use sim_control::{SimControl, SimControlConfig};
pub use task_controller::{PreemptLines, TaskController, TaskControllerConfig};
pub use test_finisher::TestFinisher;
pub use uart::Uart;
pub use uintc::Uintc;

/// Bit masks of the `mip` bits that devices drive.
pub mod mip {
    /// User software interrupt (N extension; the UINTC's output).
    pub const USIP: u64 = 1 << 0;
    /// Supervisor software interrupt.
    pub const SSIP: u64 = 1 << 1;
    /// Machine software interrupt.
    pub const MSIP: u64 = 1 << 3;
    /// User timer interrupt (N extension).
    pub const UTIP: u64 = 1 << 4;
    /// Supervisor timer interrupt.
    pub const STIP: u64 = 1 << 5;
    /// Machine timer interrupt.
    pub const MTIP: u64 = 1 << 7;
    /// User external interrupt (N extension).
    pub const UEIP: u64 = 1 << 8;
    /// Supervisor external interrupt.
    pub const SEIP: u64 = 1 << 9;
    /// Machine external interrupt.
    pub const MEIP: u64 = 1 << 11;
}

/// Driver numbers of the devices that share hart interrupt bits (see
/// [`HartLine::shared`](sim_core::bus::HartLine::shared)).
pub mod irq_driver {
    /// The UINTC (USIP).
    pub const UINTC: usize = 0;
    /// The task controller (SSIP, USIP).
    pub const TASK_CONTROLLER: usize = 1;
}

/// How the virt board wires each device's outputs: the lines a device is handed when built.
pub mod wiring {
    use super::{irq_driver, mip, virt, ClintLines, PreemptLines};
    use sim_core::bus::{HartLine, SourceLine};

    /// A `mip` bit driven by one device alone.
    const fn own(mask: u64) -> HartLine {
        HartLine::exclusive(mask.trailing_zeros())
    }

    /// The CLINT: MSIP and MTIP.
    pub const CLINT: ClintLines = ClintLines {
        msip: own(mip::MSIP),
        mtip: own(mip::MTIP),
    };
    /// The PLIC's contexts of each hart: M mode (MEIP), S mode (SEIP).
    pub const PLIC_CONTEXTS: [HartLine; 2] = [own(mip::MEIP), own(mip::SEIP)];
    /// The PLIC's contexts of each hart with a U-mode context: MEIP, SEIP, UEIP.
    pub const PLIC_USER_CONTEXTS: [HartLine; 3] = [own(mip::MEIP), own(mip::SEIP), own(mip::UEIP)];
    /// The UINTC's output, USIP, shared with the task controller.
    pub const UINTC: HartLine = HartLine::shared(mip::USIP.trailing_zeros(), irq_driver::UINTC);
    /// The task controller's preempt lines, SSIP and USIP, shared with the UINTC.
    pub const TASK_CONTROLLER: PreemptLines = PreemptLines {
        kernel: HartLine::shared(mip::SSIP.trailing_zeros(), irq_driver::TASK_CONTROLLER),
        user: HartLine::shared(mip::USIP.trailing_zeros(), irq_driver::TASK_CONTROLLER),
    };
    /// UART0's platform source.
    pub const UART0: SourceLine = SourceLine::new(virt::UART0_IRQ);

    /// The platform source of virtio-mmio slot `slot`.
    pub const fn virtio(slot: usize) -> SourceLine {
        SourceLine::new(virt::VIRTIO_IRQ + slot)
    }
}

/// The memory map and interrupt wiring of the board (QEMU's `virt` and hartlab's devices),
/// written once in the guest ABI crate.
pub use abi::board as virt;

#[cfg(test)]
pub(crate) mod testutil {
    use sim_core::bus::{AccessCtx, AdvanceCtx, BusFault, Device, IrqLines, Lines, MachineControl};
    use sim_core::time::{SimTime, Timebase};

    /// The machine-side state a device sees, for driving devices in tests.
    pub struct Env {
        pub now: SimTime,
        /// The accessing hart's cycle count the device sees.
        pub cycle: u64,
        pub timebase: Timebase,
        pub irq: IrqLines,
        pub control: MachineControl,
    }

    impl Env {
        /// 10 MHz timebase (100 ns per tick), like QEMU virt.
        pub fn new(harts: usize, sources: usize) -> Self {
            Self {
                now: 0,
                cycle: 0,
                timebase: Timebase::new(10_000_000),
                irq: IrqLines::new(harts, sources),
                control: MachineControl::default(),
            }
        }

        pub fn read(&mut self, dev: &mut dyn Device, hart: usize, off: u64, size: u32) -> u64 {
            self.try_read(dev, hart, off, size).expect("read faulted")
        }

        pub fn write(&mut self, dev: &mut dyn Device, hart: usize, off: u64, size: u32, v: u64) {
            self.try_write(dev, hart, off, size, v)
                .expect("write faulted")
        }

        pub fn try_read(
            &mut self,
            dev: &mut dyn Device,
            hart: usize,
            off: u64,
            size: u32,
        ) -> Result<u64, BusFault> {
            let mut ctx = AccessCtx {
                hart,
                now: self.now,
                cycle: self.cycle,
                timebase: &mut self.timebase,
                irq: Lines::new(&mut self.irq),
                control: &mut self.control,
            };
            dev.read(off, size, &mut ctx)
        }

        pub fn try_write(
            &mut self,
            dev: &mut dyn Device,
            hart: usize,
            off: u64,
            size: u32,
            v: u64,
        ) -> Result<(), BusFault> {
            let mut ctx = AccessCtx {
                hart,
                now: self.now,
                cycle: self.cycle,
                timebase: &mut self.timebase,
                irq: Lines::new(&mut self.irq),
                control: &mut self.control,
            };
            dev.write(off, size, v, &mut ctx)
        }

        /// Move time to `now` and let the device catch up (if it keeps time).
        pub fn advance(&mut self, dev: &mut dyn Device, now: SimTime) {
            self.now = now;
            if let Some(timed) = dev.timed_mut() {
                timed.advance(&mut AdvanceCtx {
                    now,
                    timebase: &self.timebase,
                    irq: Lines::new(&mut self.irq),
                    dma: None,
                    control: &mut self.control,
                });
            }
        }

        /// Let an interrupt controller see the sources' levels now.
        pub fn sources_changed(&mut self, dev: &mut dyn Device) {
            if let Some(controller) = dev.interrupt_controller() {
                controller.sources_changed(&mut Lines::new(&mut self.irq));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::Env;
    use super::*;
    use proptest::prelude::*;
    use sim_core::bus::Device;

    #[derive(Debug, Clone)]
    enum Op {
        Read {
            dev: usize,
            off: u64,
            size: u32,
        },
        Write {
            dev: usize,
            off: u64,
            size: u32,
            value: u64,
        },
        Advance {
            dt: u64,
        },
        Input {
            bytes: Vec<u8>,
        },
    }

    fn offset() -> impl Strategy<Value = u64> {
        prop_oneof![
            0u64..0x20,
            0u64..0x1_0000,
            0x20_0000u64..0x20_4010,
            0x3ff_fff0u64..0x400_0010,
            any::<u64>(),
        ]
    }

    fn size() -> impl Strategy<Value = u32> {
        prop_oneof![4 => prop::sample::select(vec![1u32, 2, 4, 8]), 1 => any::<u32>()]
    }

    fn value() -> impl Strategy<Value = u64> {
        prop_oneof![
            0u64..0x100,
            Just(0x5555),
            Just(0x3333),
            Just(0x7777),
            Just(u64::MAX),
            any::<u64>()
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0usize..6, offset(), size()).prop_map(|(dev, off, size)| Op::Read { dev, off, size }),
            4 => (0usize..6, offset(), size(), value())
                .prop_map(|(dev, off, size, value)| Op::Write { dev, off, size, value }),
            1 => (0u64..1u64 << 40).prop_map(|dt| Op::Advance { dt }),
            1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(|bytes| Op::Input { bytes }),
        ]
    }

    proptest! {
        /// Random guest accesses never panic any device, and reported events never lie in the
        /// past.
        #[test]
        fn no_device_panics(ops in prop::collection::vec(op(), 1..200), hart in 0usize..4) {
            let mut env = Env::new(2, virt::PLIC_SOURCES);
            let mut uart = Uart::new(wiring::UART0, Box::new(std::io::sink()));
            let mut tc = TaskControllerConfig::new(2, sim_core::time::Clock::new(1_000_000_000));
            tc.sets = 3;
            tc.capacity = 4;
            let mut devs: Vec<Box<dyn Device>> = vec![
                Box::new(Clint::new(2, wiring::CLINT)),
                Box::new(Plic::virt(2)),
                Box::new(TestFinisher::new()),
                Box::new(TaskController::new(&tc)),
                Box::new(SimControl::with_config(SimControlConfig {
                    access_cycles: 0,
                    max_samples: 8,
                    max_events: 8,
                })),
            ];
            for op in ops {
                match op {
                    Op::Read { dev, off, size } => {
                        let d: &mut dyn Device = match devs.get_mut(dev) {
                            Some(d) => d.as_mut(),
                            None => &mut uart,
                        };
                        let _ = env.try_read(d, hart, off, size);
                    }
                    Op::Write { dev, off, size, value } => {
                        let d: &mut dyn Device = match devs.get_mut(dev) {
                            Some(d) => d.as_mut(),
                            None => &mut uart,
                        };
                        let _ = env.try_write(d, hart, off, size, value);
                    }
                    Op::Advance { dt } => {
                        let now = env.now.saturating_add(dt);
                        for d in devs.iter_mut() {
                            env.advance(d.as_mut(), now);
                        }
                        env.advance(&mut uart, now);
                    }
                    Op::Input { bytes } => uart.push_input(&bytes),
                }
                if env.irq.take_sources_dirty() {
                    for d in devs.iter_mut() {
                        env.sources_changed(d.as_mut());
                    }
                }
                for d in devs.iter().map(|d| d.as_ref()).chain([&uart as &dyn Device]) {
                    if let Some(t) = d.timed().and_then(|d| d.next_event(env.now, &env.timebase)) {
                        prop_assert!(t >= env.now);
                    }
                }
            }
        }
    }
}
