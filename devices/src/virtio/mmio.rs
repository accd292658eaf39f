//! The virtio-mmio transport (virtio 1.x §4.2, version 2, non-legacy): the register window a
//! driver uses to identify the device, negotiate features, set up virtqueues, notify the
//! device and acknowledge interrupts. It keeps the transport's state; what a register write
//! means for the device behind it comes back as an [`Action`].
//!
//! Like QEMU's virtio-mmio, reads of unknown registers return 0 and writes to them are
//! ignored (a guest cannot make the simulator fault or panic through this window); only
//! sizes other than 4 bytes outside the configuration space fault, as the specification
//! allows no others there.

use super::queue::Queue;

/// "virt" little endian.
pub const MAGIC: u32 = 0x7472_6976;
/// The non-legacy transport.
pub const VERSION: u32 = 2;
/// Vendor id: QEMU's ("QEMU"), so drivers that match on it treat both alike.
pub const VENDOR: u32 = 0x554D_4551;
/// Bytes of one virtio-mmio slot.
pub const SLOT_SIZE: u64 = 0x1000;

/// Register offsets.
pub mod reg {
    pub const MAGIC: u64 = 0x000;
    pub const VERSION: u64 = 0x004;
    pub const DEVICE_ID: u64 = 0x008;
    pub const VENDOR_ID: u64 = 0x00c;
    pub const DEVICE_FEATURES: u64 = 0x010;
    pub const DEVICE_FEATURES_SEL: u64 = 0x014;
    pub const DRIVER_FEATURES: u64 = 0x020;
    pub const DRIVER_FEATURES_SEL: u64 = 0x024;
    pub const QUEUE_SEL: u64 = 0x030;
    pub const QUEUE_NUM_MAX: u64 = 0x034;
    pub const QUEUE_NUM: u64 = 0x038;
    pub const QUEUE_READY: u64 = 0x044;
    pub const QUEUE_NOTIFY: u64 = 0x050;
    pub const INTERRUPT_STATUS: u64 = 0x060;
    pub const INTERRUPT_ACK: u64 = 0x064;
    pub const STATUS: u64 = 0x070;
    pub const QUEUE_DESC_LOW: u64 = 0x080;
    pub const QUEUE_DESC_HIGH: u64 = 0x084;
    pub const QUEUE_DRIVER_LOW: u64 = 0x090;
    pub const QUEUE_DRIVER_HIGH: u64 = 0x094;
    pub const QUEUE_DEVICE_LOW: u64 = 0x0a0;
    pub const QUEUE_DEVICE_HIGH: u64 = 0x0a4;
    pub const CONFIG_GENERATION: u64 = 0x0fc;
    pub const CONFIG: u64 = 0x100;
}

/// Device status bits (§2.1).
pub mod status {
    pub const ACKNOWLEDGE: u32 = 1;
    pub const DRIVER: u32 = 2;
    pub const DRIVER_OK: u32 = 4;
    pub const FEATURES_OK: u32 = 8;
    pub const DEVICE_NEEDS_RESET: u32 = 0x40;
    pub const FAILED: u32 = 0x80;
}

/// Interrupt status bits.
pub mod isr {
    /// The device used a buffer.
    pub const USED_BUFFER: u32 = 1;
    /// The configuration (or DEVICE_NEEDS_RESET) changed.
    pub const CONFIG_CHANGE: u32 = 2;
}

/// Feature bit: the virtio 1.x interface (required).
pub const F_VERSION_1: u64 = 1 << 32;
/// Feature bit: `used_event` and `avail_event` notification suppression.
pub const F_EVENT_IDX: u64 = 1 << 29;

/// What a register write asks of the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing beyond the transport's own state.
    None,
    /// The driver notified queue `n` (only when the device is live: DRIVER_OK).
    Notify(u16),
    /// The driver reset the device (STATUS = 0).
    Reset,
    /// The driver acknowledged interrupts: the line follows the interrupt status.
    InterruptAck,
    /// The driver set DRIVER_OK.
    DriverOk,
}

/// The transport's state.
#[derive(Debug, Clone)]
pub struct Transport {
    device_id: u32,
    device_features: u64,
    queue_max: u16,
    /// Features the driver accepted (valid once FEATURES_OK is set).
    pub driver_features: u64,
    device_features_sel: u32,
    driver_features_sel: u32,
    queue_sel: u32,
    /// The device's queues.
    pub queues: Vec<Queue>,
    /// Device status.
    pub status: u32,
    /// Interrupt status.
    pub isr: u32,
    /// Configuration generation.
    pub config_generation: u32,
}

impl Transport {
    /// A transport for device `device_id` with `queues` queues of at most `queue_max`
    /// entries, offering `features` (VERSION_1 is always added).
    pub fn new(device_id: u32, features: u64, queues: usize, queue_max: u16) -> Self {
        Self {
            device_id,
            device_features: features | F_VERSION_1,
            queue_max,
            driver_features: 0,
            device_features_sel: 0,
            driver_features_sel: 0,
            queue_sel: 0,
            queues: vec![Queue::default(); queues],
            status: 0,
            isr: 0,
            config_generation: 0,
        }
    }

    /// Back to the reset state (registers and queues; the offered features stay).
    pub fn reset(&mut self) {
        let queues = self.queues.len();
        *self = Self {
            queues: vec![Queue::default(); queues],
            config_generation: self.config_generation,
            ..Self::new(self.device_id, self.device_features, 0, self.queue_max)
        };
    }

    /// Whether the driver finished initialisation and the device may use its queues.
    pub fn live(&self) -> bool {
        self.status & status::DRIVER_OK != 0 && self.status & status::DEVICE_NEEDS_RESET == 0
    }

    /// Whether feature bit(s) `f` were negotiated.
    pub fn negotiated(&self, f: u64) -> bool {
        self.status & status::FEATURES_OK != 0 && self.driver_features & f == f
    }

    /// The device failed (a bad ring): set DEVICE_NEEDS_RESET and, once the driver is
    /// running, raise a configuration-change interrupt (§2.1.2).
    pub fn needs_reset(&mut self) {
        if self.status & status::DEVICE_NEEDS_RESET == 0 {
            self.status |= status::DEVICE_NEEDS_RESET;
            if self.status & status::DRIVER_OK != 0 {
                self.isr |= isr::CONFIG_CHANGE;
            }
        }
    }

    fn queue(&mut self) -> Option<&mut Queue> {
        self.queues.get_mut(self.queue_sel as usize)
    }

    /// Read a transport register (offsets below [`reg::CONFIG`], 4 bytes).
    pub fn read(&self, offset: u64) -> u32 {
        let q = self.queues.get(self.queue_sel as usize);
        let word = |v: u64, high: bool| if high { (v >> 32) as u32 } else { v as u32 };
        match offset {
            reg::MAGIC => MAGIC,
            reg::VERSION => VERSION,
            reg::DEVICE_ID => self.device_id,
            reg::VENDOR_ID => VENDOR,
            reg::DEVICE_FEATURES => match self.device_features_sel {
                0 => self.device_features as u32,
                1 => (self.device_features >> 32) as u32,
                _ => 0,
            },
            reg::QUEUE_NUM_MAX => q.map_or(0, |_| self.queue_max as u32),
            reg::QUEUE_NUM => q.map_or(0, |q| q.size as u32),
            reg::QUEUE_READY => q.map_or(0, |q| q.ready as u32),
            reg::INTERRUPT_STATUS => self.isr,
            reg::STATUS => self.status,
            reg::QUEUE_DESC_LOW | reg::QUEUE_DESC_HIGH => {
                q.map_or(0, |q| word(q.desc, offset == reg::QUEUE_DESC_HIGH))
            }
            reg::QUEUE_DRIVER_LOW | reg::QUEUE_DRIVER_HIGH => {
                q.map_or(0, |q| word(q.driver, offset == reg::QUEUE_DRIVER_HIGH))
            }
            reg::QUEUE_DEVICE_LOW | reg::QUEUE_DEVICE_HIGH => {
                q.map_or(0, |q| word(q.device, offset == reg::QUEUE_DEVICE_HIGH))
            }
            reg::CONFIG_GENERATION => self.config_generation,
            _ => 0,
        }
    }

    /// Write a transport register (offsets below [`reg::CONFIG`], 4 bytes).
    pub fn write(&mut self, offset: u64, value: u32) -> Action {
        let set_half = |v: &mut u64, high: bool| {
            *v = if high {
                (*v & 0xffff_ffff) | (value as u64) << 32
            } else {
                (*v & !0xffff_ffff) | value as u64
            }
        };
        // Queue layout registers change only while the queue is not ready (§4.2.2.2).
        let configurable = self.status & status::FEATURES_OK != 0;
        match offset {
            reg::DEVICE_FEATURES_SEL => self.device_features_sel = value,
            reg::DRIVER_FEATURES_SEL => self.driver_features_sel = value,
            reg::DRIVER_FEATURES if self.status & status::FEATURES_OK == 0 => {
                match self.driver_features_sel {
                    0 => set_half(&mut self.driver_features, false),
                    1 => set_half(&mut self.driver_features, true),
                    _ => {}
                }
            }
            reg::QUEUE_SEL => self.queue_sel = value,
            reg::QUEUE_NUM => {
                let max = self.queue_max as u32;
                if let Some(q) = self.queue().filter(|q| !q.ready) {
                    // An invalid size leaves the queue unusable until set again.
                    q.size = if (1..=max).contains(&value) {
                        value as u16
                    } else {
                        0
                    };
                }
            }
            reg::QUEUE_READY => {
                if let Some(q) = self.queue() {
                    let ready = value & 1 == 1 && configurable && q.size > 0;
                    if ready && !q.ready {
                        q.last_avail = 0;
                        q.used_idx = 0;
                        q.signalled_used = 0;
                    }
                    q.ready = ready;
                }
            }
            reg::QUEUE_DESC_LOW | reg::QUEUE_DESC_HIGH => {
                if let Some(q) = self.queue().filter(|q| !q.ready) {
                    set_half(&mut q.desc, offset == reg::QUEUE_DESC_HIGH);
                }
            }
            reg::QUEUE_DRIVER_LOW | reg::QUEUE_DRIVER_HIGH => {
                if let Some(q) = self.queue().filter(|q| !q.ready) {
                    set_half(&mut q.driver, offset == reg::QUEUE_DRIVER_HIGH);
                }
            }
            reg::QUEUE_DEVICE_LOW | reg::QUEUE_DEVICE_HIGH => {
                if let Some(q) = self.queue().filter(|q| !q.ready) {
                    set_half(&mut q.device, offset == reg::QUEUE_DEVICE_HIGH);
                }
            }
            reg::QUEUE_NOTIFY if self.live() && (value as usize) < self.queues.len() => {
                return Action::Notify(value as u16);
            }
            reg::INTERRUPT_ACK => {
                self.isr &= !value;
                return Action::InterruptAck;
            }
            reg::STATUS => return self.write_status(value),
            _ => {}
        }
        Action::None
    }

    /// The device status state machine (§2.1, §3.1.1).
    fn write_status(&mut self, value: u32) -> Action {
        if value == 0 {
            self.reset();
            return Action::Reset;
        }
        let old = self.status;
        // The driver sets bits, never clears them (but FAILED may come at any time).
        let mut new = old | (value & !status::DEVICE_NEEDS_RESET);
        if new & status::FEATURES_OK != 0 && old & status::FEATURES_OK == 0 {
            // Accept only a subset of what was offered, with VERSION_1: otherwise
            // FEATURES_OK does not stick and the driver sees it cleared.
            let ok = self.driver_features & !self.device_features == 0
                && self.driver_features & F_VERSION_1 != 0;
            if !ok {
                new &= !status::FEATURES_OK;
            }
        }
        self.status = new;
        if new & status::DRIVER_OK != 0 && old & status::DRIVER_OK == 0 {
            Action::DriverOk
        } else {
            Action::None
        }
    }
}
