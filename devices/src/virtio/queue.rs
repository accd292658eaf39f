//! Split virtqueues (virtio 1.x §2.7) seen from the device: taking descriptor chains from the
//! available ring, returning them through the used ring, and the notification-suppression
//! rules in both directions. Every ring access goes through the device's [`Dma`] handle, so a
//! guest's bad address is an error ([`QueueError`]), never a panic.

use sim_core::dma::{Dma, DmaFault};

/// Descriptor flag: the chain continues at `next`.
pub const DESC_F_NEXT: u16 = 1;
/// Descriptor flag: the buffer is device-writable.
pub const DESC_F_WRITE: u16 = 2;
/// Descriptor flag: the buffer holds an indirect table (not offered, so an error here).
pub const DESC_F_INDIRECT: u16 = 4;
/// Available-ring flag: the driver needs no used-buffer notification.
pub const AVAIL_F_NO_INTERRUPT: u16 = 1;
/// Used-ring flag: the device needs no available-buffer notification.
pub const USED_F_NO_NOTIFY: u16 = 1;

/// Why a queue operation failed: the driver broke the ring's rules. The device then needs a
/// reset (virtio's DEVICE_NEEDS_RESET).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueError {
    /// A ring or buffer address leaves RAM.
    Dma(DmaFault),
    /// A descriptor index beyond the table, a chain longer than the table (a loop), or an
    /// indirect descriptor (not negotiated).
    BadChain,
    /// The available index ran more than the queue size ahead of the device.
    BadIndex,
}

impl From<DmaFault> for QueueError {
    fn from(f: DmaFault) -> Self {
        QueueError::Dma(f)
    }
}

/// One buffer of a descriptor chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buffer {
    /// Guest-physical address.
    pub addr: u64,
    /// Length in bytes.
    pub len: u32,
    /// Device-writable (else device-readable).
    pub write: bool,
}

/// A descriptor chain taken from the available ring.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chain {
    /// Index of its head descriptor (the id returned in the used ring).
    pub head: u16,
    /// Its buffers in order.
    pub buffers: Vec<Buffer>,
}

impl Chain {
    /// Total bytes of the device-readable buffers.
    pub fn readable_len(&self) -> u64 {
        self.buffers
            .iter()
            .filter(|b| !b.write)
            .map(|b| b.len as u64)
            .sum()
    }

    /// Total bytes of the device-writable buffers.
    pub fn writable_len(&self) -> u64 {
        self.buffers
            .iter()
            .filter(|b| b.write)
            .map(|b| b.len as u64)
            .sum()
    }

    /// Gather the device-readable bytes (at most `max`).
    pub fn read_all(&self, dma: &mut Dma, max: usize) -> Result<Vec<u8>, DmaFault> {
        let mut out = Vec::new();
        for b in self.buffers.iter().filter(|b| !b.write) {
            let take = (b.len as usize).min(max - out.len());
            let start = out.len();
            out.resize(start + take, 0);
            dma.read(b.addr, &mut out[start..])?;
            if out.len() == max {
                break;
            }
        }
        Ok(out)
    }

    /// Scatter `data` into the device-writable buffers; returns the bytes written (all of
    /// `data` if they fit, else as many as fit).
    pub fn write_all(&self, dma: &mut Dma, data: &[u8]) -> Result<usize, DmaFault> {
        let mut done = 0;
        for b in self.buffers.iter().filter(|b| b.write) {
            if done == data.len() {
                break;
            }
            let take = (b.len as usize).min(data.len() - done);
            dma.write(b.addr, &data[done..done + take])?;
            done += take;
        }
        Ok(done)
    }
}

/// A split virtqueue's configuration (the transport's queue registers) and the device's
/// position in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Queue {
    /// Entries (QueueNum).
    pub size: u16,
    /// QueueReady.
    pub ready: bool,
    /// Descriptor table address.
    pub desc: u64,
    /// Driver area (available ring) address.
    pub driver: u64,
    /// Device area (used ring) address.
    pub device: u64,
    /// The next available-ring entry the device will take.
    pub last_avail: u16,
    /// The device's used index (entries returned so far, modulo 2^16).
    pub used_idx: u16,
    /// The used index at the last used-buffer notification decision (for EVENT_IDX).
    pub signalled_used: u16,
}

impl Queue {
    /// The driver's available index.
    pub fn avail_idx(&self, dma: &mut Dma) -> Result<u16, DmaFault> {
        dma.read_u16(self.driver + 2)
    }

    /// Whether the driver has made chains available that the device has not taken.
    pub fn has_avail(&self, dma: &mut Dma) -> Result<bool, QueueError> {
        let idx = self.avail_idx(dma)?;
        let pending = idx.wrapping_sub(self.last_avail);
        if pending > self.size {
            return Err(QueueError::BadIndex);
        }
        Ok(pending > 0)
    }

    /// Take the next available chain, if any.
    pub fn pop(&mut self, dma: &mut Dma) -> Result<Option<Chain>, QueueError> {
        if !self.has_avail(dma)? {
            return Ok(None);
        }
        let slot = self.last_avail % self.size;
        let head = dma.read_u16(self.driver + 4 + 2 * slot as u64)?;
        let chain = self.chain(dma, head)?;
        self.last_avail = self.last_avail.wrapping_add(1);
        Ok(Some(chain))
    }

    /// Walk the chain starting at descriptor `head`.
    fn chain(&self, dma: &mut Dma, head: u16) -> Result<Chain, QueueError> {
        let mut chain = Chain {
            head,
            buffers: Vec::new(),
        };
        let mut i = head;
        loop {
            if i >= self.size || chain.buffers.len() >= self.size as usize {
                return Err(QueueError::BadChain);
            }
            let at = self.desc + 16 * i as u64;
            let mut d = [0u8; 16];
            dma.read(at, &mut d)?;
            let addr = u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]);
            let len = u32::from_le_bytes([d[8], d[9], d[10], d[11]]);
            let flags = u16::from_le_bytes([d[12], d[13]]);
            let next = u16::from_le_bytes([d[14], d[15]]);
            if flags & DESC_F_INDIRECT != 0 {
                return Err(QueueError::BadChain);
            }
            chain.buffers.push(Buffer {
                addr,
                len,
                write: flags & DESC_F_WRITE != 0,
            });
            if flags & DESC_F_NEXT == 0 {
                return Ok(chain);
            }
            i = next;
        }
    }

    /// Return chain `head` with `len` bytes written into it.
    pub fn push_used(&mut self, dma: &mut Dma, head: u16, len: u32) -> Result<(), DmaFault> {
        let slot = self.used_idx % self.size;
        let at = self.device + 4 + 8 * slot as u64;
        dma.write_u32(at, head as u32)?;
        dma.write_u32(at + 4, len)?;
        self.used_idx = self.used_idx.wrapping_add(1);
        // The entry is written before the index that publishes it.
        dma.write_u16(self.device + 2, self.used_idx)
    }

    /// Whether the driver wants a used-buffer notification for the entries returned since
    /// the last decision (§2.7.7.2: the avail ring's NO_INTERRUPT flag, or with EVENT_IDX its
    /// `used_event` field).
    pub fn needs_interrupt(&mut self, dma: &mut Dma, event_idx: bool) -> Result<bool, DmaFault> {
        let old = self.signalled_used;
        let new = self.used_idx;
        self.signalled_used = new;
        if old == new {
            return Ok(false);
        }
        if event_idx {
            let used_event = dma.read_u16(self.driver + 4 + 2 * self.size as u64)?;
            Ok(new.wrapping_sub(used_event).wrapping_sub(1) < new.wrapping_sub(old))
        } else {
            Ok(dma.read_u16(self.driver)? & AVAIL_F_NO_INTERRUPT == 0)
        }
    }

    /// Tell the driver whether to notify on new chains (§2.7.10): with EVENT_IDX, `avail_event`
    /// asks for a notification once the chain after the last taken one is made available
    /// (kept up to date at every call, as QEMU does, whatever `wanted`); otherwise set or
    /// clear the used ring's NO_NOTIFY flag.
    pub fn set_notify(
        &mut self,
        dma: &mut Dma,
        event_idx: bool,
        wanted: bool,
    ) -> Result<(), DmaFault> {
        if event_idx {
            dma.write_u16(self.device + 4 + 8 * self.size as u64, self.last_avail)
        } else {
            let flags = if wanted { 0 } else { USED_F_NO_NOTIFY };
            dma.write_u16(self.device, flags)
        }
    }
}
