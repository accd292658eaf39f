//! The network card: a virtio-net device (on hartlab or QEMU) driven through the
//! `virtio-drivers` crate, and offered to the TCP/IP stack as a `smoltcp` device.
//!
//! Frames are not copied between the card and the stack: a received frame is handed to the
//! stack in the buffer the card wrote it to, which goes back on the receive queue once the
//! stack is done; a frame to send is built in a buffer that stays on the transmit queue until
//! the card has used it (transmission does not wait for the card).

use crate::machine::VirtioSlot;
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::alloc::Layout;
use core::cell::RefCell;
use core::ptr::NonNull;
use smoltcp::phy::{self, DeviceCapabilities, Medium};
use smoltcp::time::Instant;
use virtio_drivers::device::net::VirtIONetRaw;
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::{DeviceType, Transport};
use virtio_drivers::{BufferDirection, Hal, PhysAddr, PAGE_SIZE};

/// Descriptors per virtqueue (receive buffers posted, frames in flight).
pub const QUEUE_SIZE: usize = 64;
/// Bytes of a receive buffer: the 12-byte virtio-net header and a full Ethernet frame.
const RX_BUFFER: usize = 2048;
/// The largest frame the stack may build (Ethernet header included, FCS not).
const MTU: usize = 1514;

/// How `virtio-drivers` reaches memory: the kernel maps RAM and devices at their physical
/// addresses, so a buffer's address is its physical address and nothing needs bouncing.
pub struct KernelHal;

// SAFETY: DMA memory is zeroed, page aligned, physically contiguous (identity mapped) and
// stays allocated until `dma_dealloc`; addresses are translated by identity.
unsafe impl Hal for KernelHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        let Ok(layout) = Layout::from_size_align(pages * PAGE_SIZE, PAGE_SIZE) else {
            return (0, NonNull::dangling());
        };
        // SAFETY: the layout has a non-zero size (virtio-drivers asks for at least a page).
        let ptr = unsafe { alloc::alloc::alloc_zeroed(layout) };
        match NonNull::new(ptr) {
            Some(p) => (p.as_ptr() as PhysAddr, p),
            None => (0, NonNull::dangling()),
        }
    }

    unsafe fn dma_dealloc(_paddr: PhysAddr, vaddr: NonNull<u8>, pages: usize) -> i32 {
        let Ok(layout) = Layout::from_size_align(pages * PAGE_SIZE, PAGE_SIZE) else {
            return -1;
        };
        // SAFETY: allocated by `dma_alloc` with this layout.
        unsafe { alloc::alloc::dealloc(vaddr.as_ptr(), layout) };
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, _size: usize) -> NonNull<u8> {
        NonNull::new(paddr as *mut u8).expect("a device at physical address 0")
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> PhysAddr {
        buffer.as_ptr() as *mut u8 as PhysAddr
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _direction: BufferDirection) {}
}

type Raw = VirtIONetRaw<KernelHal, MmioTransport<'static>, QUEUE_SIZE>;

/// The card and the buffers it holds.
struct Queues {
    raw: Raw,
    /// Receive buffers by descriptor token (None: with the stack).
    rx: Vec<Option<Box<[u8]>>>,
    /// Frames being sent, by descriptor token.
    tx: Vec<Option<Vec<u8>>>,
    /// Receive buffers the stack has finished with, to post again.
    spare: Vec<Box<[u8]>>,
}

impl Queues {
    /// Posts every spare receive buffer.
    fn repost(&mut self) {
        while let Some(mut buf) = self.spare.pop() {
            // SAFETY: the buffer is kept in `rx` (not touched) until the card has used it.
            match unsafe { self.raw.receive_begin(&mut buf) } {
                Ok(token) => {
                    if let Some(slot) = self.rx.get_mut(token as usize) {
                        *slot = Some(buf);
                    }
                }
                Err(_) => {
                    self.spare.push(buf);
                    return;
                }
            }
        }
    }

    /// Frees the buffers of frames the card has sent.
    fn reclaim(&mut self) {
        while let Some(token) = self.raw.poll_transmit() {
            let Some(buf) = self.tx.get_mut(token as usize).and_then(Option::take) else {
                return;
            };
            // SAFETY: the same buffer `transmit_begin` was given for this token.
            let _ = unsafe { self.raw.transmit_complete(token, &buf) };
        }
    }
}

/// The card, as the stack sees it.
pub struct Nic {
    queues: RefCell<Queues>,
    /// The PLIC source of its interrupt.
    pub irq: usize,
}

// SAFETY: the card's registers and queues are only touched with the stack's lock held.
unsafe impl Send for Nic {}

impl Nic {
    /// The first virtio-net card among `slots`, initialised, with every receive buffer posted.
    pub fn probe(slots: &[VirtioSlot]) -> Option<Nic> {
        for slot in slots {
            let header = NonNull::new(slot.regs.start as *mut VirtIOHeader)?;
            // SAFETY: the slot's registers, identity mapped by the kernel for the device tree's
            // virtio-mmio nodes; nothing else uses them.
            let Ok(transport) = (unsafe { MmioTransport::new(header, slot.regs.len()) }) else {
                continue;
            };
            if transport.device_type() != DeviceType::Network {
                continue;
            }
            let raw = Raw::new(transport).ok()?;
            let mut queues = Queues {
                raw,
                rx: (0..QUEUE_SIZE).map(|_| None).collect(),
                tx: (0..QUEUE_SIZE).map(|_| None).collect(),
                spare: (0..QUEUE_SIZE)
                    .map(|_| vec![0u8; RX_BUFFER].into_boxed_slice())
                    .collect(),
            };
            queues.repost();
            return Some(Nic {
                queues: RefCell::new(queues),
                irq: slot.irq,
            });
        }
        None
    }

    /// The card's MAC address.
    pub fn mac(&self) -> [u8; 6] {
        self.queues.borrow().raw.mac_address()
    }

    /// Whether a received frame waits for the stack.
    pub fn has_received(&self) -> bool {
        self.queues.borrow().raw.poll_receive().is_some()
    }

    /// Acknowledges the card's interrupt.
    pub fn ack_interrupt(&self) {
        self.queues.borrow_mut().raw.ack_interrupt();
    }

    /// Whether the card interrupts when it has used buffers.
    pub fn set_interrupts(&self, on: bool) {
        let mut q = self.queues.borrow_mut();
        if on {
            q.raw.enable_interrupts();
        } else {
            q.raw.disable_interrupts();
        }
    }
}

/// A received frame, in the buffer the card wrote.
pub struct RxToken<'a> {
    buf: Box<[u8]>,
    frame: core::ops::Range<usize>,
    queues: &'a RefCell<Queues>,
}

/// Room to build one frame to send.
pub struct TxToken<'a> {
    queues: &'a RefCell<Queues>,
}

impl phy::RxToken for RxToken<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        let result = f(&self.buf[self.frame.clone()]);
        let mut q = self.queues.borrow_mut();
        q.spare.push(self.buf);
        q.repost();
        result
    }
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut q = self.queues.borrow_mut();
        let mut buf = vec![0u8; len + 64];
        let header = q.raw.fill_buffer_header(&mut buf).unwrap_or(0);
        buf.truncate(header + len);
        let result = f(&mut buf[header..]);
        // SAFETY: the buffer is kept in `tx` (not touched) until the card has used it.
        if let Ok(token) = unsafe { q.raw.transmit_begin(&buf) } {
            if let Some(slot) = q.tx.get_mut(token as usize) {
                *slot = Some(buf);
            }
        }
        result
    }
}

impl phy::Device for Nic {
    type RxToken<'a> = RxToken<'a>;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _now: Instant) -> Option<(RxToken<'_>, TxToken<'_>)> {
        let mut q = self.queues.borrow_mut();
        q.reclaim();
        let token = q.raw.poll_receive()?;
        let mut buf = q.rx.get_mut(token as usize)?.take()?;
        // SAFETY: the same buffer `receive_begin` was given for this token.
        let received = unsafe { q.raw.receive_complete(token, &mut buf) };
        let Ok((header, len)) = received else {
            q.spare.push(buf);
            q.repost();
            return None;
        };
        let frame = header..(header + len).min(buf.len());
        drop(q);
        Some((
            RxToken {
                buf,
                frame,
                queues: &self.queues,
            },
            TxToken {
                queues: &self.queues,
            },
        ))
    }

    fn transmit(&mut self, _now: Instant) -> Option<TxToken<'_>> {
        let mut q = self.queues.borrow_mut();
        q.reclaim();
        if !q.raw.can_send() {
            return None;
        }
        drop(q);
        Some(TxToken {
            queues: &self.queues,
        })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = MTU;
        caps.max_burst_size = Some(QUEUE_SIZE / 2);
        caps
    }
}
