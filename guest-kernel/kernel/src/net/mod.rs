//! Networking: the card (`nic`), a TCP/IP stack over it (`smoltcp`, made for this; the kernel
//! writes only the glue) and the sockets processes use (`socket`).
//!
//! The stack is one lock-protected [`Stack`]: the interface (10.0.2.15/24 with the host end,
//! 10.0.2.2, as gateway: `abi::net`), its sockets, and the threads and kernel coroutines
//! waiting on each socket. Whoever runs the stack ([`poll`]) afterwards wakes the waiters
//! whose socket became ready. How the kernel learns that frames arrived is chosen at boot
//! (`net=` on the command line, [`Notify`]), as the comparison of ATS-INTC and seed 001 asks:
//!
//! - `poll`: harts with nothing to run poll the card instead of sleeping, and every timer
//!   tick polls it (a polling kernel task at the lowest priority);
//! - `irq` (the default): the card's used-buffer interrupt, through the PLIC to the boot
//!   hart's S-mode context, runs the stack in the interrupt handler;
//! - `taskctl` (ATS-INTC, TAIC): the card's interrupt source is bound to a handler task in
//!   the kernel's task-controller set, so a frame makes the task ready in the device's queue
//!   without interrupting any hart; the boot hart dequeues it at its scheduling points (its
//!   scheduler loop and every return to user mode) and runs the stack. While the boot hart
//!   idles the set is online there, so the wake-up raises its SSIP and ends its `wfi`.
//!
//! Either way the stack is also run when a socket operation needs it (to send at once) and
//! when its own timers (retransmission, delayed ACK) are due, on the boot hart's timer.

mod nic;
pub mod socket;

use crate::task::wait_queue::WaitQueue;
use crate::timer;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::task::Waker;
use nic::Nic;
use smoltcp::iface::{Config, Interface, PollResult, SocketHandle, SocketSet};
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr, Ipv4Address};
use spin::{Mutex, MutexGuard, Once};

/// How the kernel learns of arriving frames (`net=` on the command line).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Notify {
    /// Idle harts and timer ticks poll the card.
    Poll,
    /// The card's interrupt.
    Interrupt,
    /// A handler task the card's interrupt source wakes in the task controller.
    TaskController,
}

/// The names of the notification modes on the command line.
pub const NOTIFY_NAMES: [(&str, Notify); 3] = [
    ("poll", Notify::Poll),
    ("irq", Notify::Interrupt),
    ("taskctl", Notify::TaskController),
];

/// The network's handler task in the kernel's task-controller set: an id with the preempt
/// flag (bit 0) and priority 0 (bits 5:1).
const HANDLER_TASK: u64 = 0x40 | 1;

/// Threads and kernel coroutines waiting for one direction of a socket.
#[derive(Default)]
struct Waiters {
    threads: WaitQueue,
    wakers: Vec<Waker>,
}

impl Waiters {
    fn is_empty(&self) -> bool {
        self.threads.is_empty() && self.wakers.is_empty()
    }

    fn wake(&mut self) {
        self.threads.wake_all();
        self.wakers.drain(..).for_each(Waker::wake);
    }
}

/// The TCP/IP stack and its card.
pub struct Stack {
    iface: Interface,
    sockets: SocketSet<'static>,
    nic: Nic,
    /// The open sockets, by key (`socket::Socket`).
    entries: BTreeMap<u64, socket::Entry>,
    /// Connections closed by their owner, kept until the stack has finished closing them.
    closing: Vec<SocketHandle>,
    /// The next socket key.
    next_key: u64,
    /// The next local port for outgoing connections and unbound UDP sockets.
    next_port: u16,
}

static STACK: Once<Mutex<Stack>> = Once::new();
/// Whether idle harts poll the card.
static POLLING: AtomicBool = AtomicBool::new(false);
/// When the stack's own timers next need it (`time` ticks; `u64::MAX`: never).
static NEXT_POLL: AtomicU64 = AtomicU64::new(u64::MAX);
/// The hart whose timer serves the stack's timers and which takes the card's interrupt.
static SERVICE_HART: AtomicU64 = AtomicU64::new(0);
/// The card's interrupt source is bound to [`HANDLER_TASK`] (`net=taskctl`).
static HANDLER_BOUND: AtomicBool = AtomicBool::new(false);

fn now() -> Instant {
    Instant::from_micros((timer::to_ns(timer::now()) / 1000) as i64)
}

/// Finds the card, brings the interface up and arranges notification as `notify` says.
/// Prints one line; a machine without a card has no network (socket calls then fail).
pub fn init(notify: Notify, hart: usize) {
    let machine = crate::machine::get();
    let Some(mut nic) = Nic::probe(&machine.virtio_mmio) else {
        crate::println!("net: no virtio-net card");
        return;
    };
    let mac = nic.mac();
    let config = Config::new(HardwareAddress::Ethernet(EthernetAddress(mac)));
    let mut iface = Interface::new(config, &mut nic, now());
    iface.update_ip_addrs(|addrs| {
        let cidr = IpCidr::new(
            Ipv4Address::from(abi::net::GUEST_IP).into(),
            abi::net::PREFIX_LEN,
        );
        let _ = addrs.push(cidr);
    });
    let _ = iface
        .routes_mut()
        .add_default_ipv4_route(Ipv4Address::from(abi::net::HOST_IP));
    SERVICE_HART.store(hart as u64, Ordering::Relaxed);
    let interrupts = match notify {
        Notify::Poll => false,
        Notify::Interrupt => crate::plic::enable(nic.irq, hart),
        Notify::TaskController => bind_handler(nic.irq),
    };
    nic.set_interrupts(interrupts);
    // A level raised before the handler was bound would never make the edge that wakes it.
    nic.ack_interrupt();
    announce(&mut nic, mac);
    HANDLER_BOUND.store(
        notify == Notify::TaskController && interrupts,
        Ordering::Relaxed,
    );
    POLLING.store(notify == Notify::Poll, Ordering::Relaxed);
    crate::println!(
        "net: virtio-net {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}, {}.{}.{}.{}/{}, {}",
        mac[0],
        mac[1],
        mac[2],
        mac[3],
        mac[4],
        mac[5],
        abi::net::GUEST_IP[0],
        abi::net::GUEST_IP[1],
        abi::net::GUEST_IP[2],
        abi::net::GUEST_IP[3],
        abi::net::PREFIX_LEN,
        match (notify, interrupts) {
            (Notify::Poll, _) => "polled",
            (Notify::Interrupt, true) => "interrupts",
            (Notify::TaskController, true) => "task-controller handler",
            (Notify::Interrupt, false) => "no interrupt line: polled",
            (Notify::TaskController, false) => "no task controller: polled",
        }
    );
    if notify != Notify::Poll && !interrupts {
        POLLING.store(true, Ordering::Relaxed);
    }
    STACK.call_once(|| {
        Mutex::new(Stack {
            iface,
            sockets: SocketSet::new(Vec::new()),
            nic,
            entries: BTreeMap::new(),
            closing: Vec::new(),
            next_key: 1,
            next_port: socket::EPHEMERAL_PORTS.start,
        })
    });
}

/// The stack, locked.
fn lock() -> Option<MutexGuard<'static, Stack>> {
    STACK.get().map(Mutex::lock)
}

impl Stack {
    /// Runs the interface: takes arrived frames, sends what the sockets have, and wakes the
    /// waiters of sockets that became ready.
    fn run(&mut self) {
        let now = now();
        let changed = self.iface.poll(now, &mut self.nic, &mut self.sockets);
        if changed == PollResult::SocketStateChanged {
            self.wake_ready();
            self.finish_closing();
        }
        let next = self
            .iface
            .poll_at(now, &self.sockets)
            .map_or(u64::MAX, |at| {
                timer::from_ns(at.total_micros().max(0) as u64 * 1000)
            });
        NEXT_POLL.store(next, Ordering::Relaxed);
    }

    /// Wakes everyone waiting on a socket that can now make progress.
    fn wake_ready(&mut self) {
        for entry in self.entries.values_mut() {
            if !entry.readers.is_empty() && entry.readable(&self.sockets) {
                entry.readers.wake();
            }
            if !entry.writers.is_empty() && entry.writable(&self.sockets) {
                entry.writers.wake();
            }
        }
    }

    /// Forgets the closed connections whose closing handshake is over.
    fn finish_closing(&mut self) {
        let sockets = &mut self.sockets;
        self.closing.retain(|&handle| {
            let state = sockets.get::<smoltcp::socket::tcp::Socket>(handle).state();
            let done = matches!(
                state,
                smoltcp::socket::tcp::State::Closed | smoltcp::socket::tcp::State::TimeWait
            );
            if done {
                sockets.remove(handle);
            }
            !done
        });
    }
}

/// Runs the stack if nobody else is (used by the pollers, which must not wait).
pub fn poll() {
    if let Some(stack) = STACK.get() {
        if let Some(mut stack) = stack.try_lock() {
            stack.run();
        }
    }
}

/// Whether idle harts should poll the card rather than sleep.
#[inline]
pub fn polling() -> bool {
    POLLING.load(Ordering::Relaxed)
}

/// A timer interrupt at `now` on this hart: run the stack if its timers are due here, or if
/// the card is polled.
#[inline]
pub fn on_tick(now: u64, hart: usize) {
    if polling()
        || (hart as u64 == SERVICE_HART.load(Ordering::Relaxed)
            && now >= NEXT_POLL.load(Ordering::Relaxed))
    {
        poll();
    }
}

/// The time at which this hart's timer must fire for the stack (`u64::MAX`: none).
#[inline]
pub fn deadline(hart: usize) -> u64 {
    if hart as u64 == SERVICE_HART.load(Ordering::Relaxed) {
        NEXT_POLL.load(Ordering::Relaxed)
    } else {
        u64::MAX
    }
}

/// The card's interrupt (PLIC source `source`): acknowledge it and run the stack. Returns
/// false if the source is not the card's.
pub fn on_interrupt(source: usize) -> bool {
    let Some(stack) = STACK.get() else {
        return false;
    };
    let mut stack = stack.lock();
    if stack.nic.irq != source {
        return false;
    }
    stack.nic.ack_interrupt();
    stack.run();
    true
}

/// Grants the card's interrupt source to the kernel's task-controller set and binds the
/// handler task to it (from this hart, whose local queue the task goes to). False if the
/// machine has no task controller.
fn bind_handler(source: usize) -> bool {
    let Ok(set) = crate::taskctl::kernel_set() else {
        return false;
    };
    crate::taskctl::grant_irq(set, source).is_ok() && set.bind_irq(source, HANDLER_TASK) == 0
}

/// A scheduling point of this hart (its scheduler loop, a return to user mode, an IPI): with
/// `net=taskctl`, on the service hart, take the handler task if the card woke it, run the
/// stack and bind the task again. One load when the mode is off.
#[inline]
pub fn at_scheduling_point(hart: usize) {
    if HANDLER_BOUND.load(Ordering::Relaxed) && hart as u64 == SERVICE_HART.load(Ordering::Relaxed)
    {
        take_handler_task();
    }
}

#[inline(never)]
fn take_handler_task() {
    let Ok(set) = crate::taskctl::kernel_set() else {
        return;
    };
    let queue = crate::hart_id();
    if set.dequeue(queue) != HANDLER_TASK {
        return;
    }
    let Some(stack) = STACK.get() else { return };
    let mut stack = stack.lock();
    stack.nic.ack_interrupt();
    stack.run();
    // Single shot: bind again (an edge in between is latched and fires now).
    set.bind_irq(stack.nic.irq, HANDLER_TASK);
}

/// Whether this hart, about to idle, must put the kernel's set online so the handler task's
/// wake-up ends its `wfi` (and take it offline after, `online` false).
#[inline]
pub fn idle_online(hart: usize, online: bool) {
    if HANDLER_BOUND.load(Ordering::Relaxed) && hart as u64 == SERVICE_HART.load(Ordering::Relaxed)
    {
        if let Ok(set) = crate::taskctl::kernel_set() {
            crate::taskctl::set_kernel_online(hart, online.then_some(set));
        }
    }
}

/// Asks the wire for the gateway's address once the card is up (an ARP request for
/// 10.0.2.2), as an operating system does on link up: the host end learns the guest's address
/// from it, so its first packets to the guest need not wait for an ARP exchange of its own
/// (smoltcp, on the host end, asks at most once a second).
fn announce(nic: &mut Nic, mac: [u8; 6]) {
    use smoltcp::phy::{Device, TxToken};
    use smoltcp::wire::{
        ArpOperation, ArpPacket, ArpRepr, EthernetFrame, EthernetProtocol, EthernetRepr,
    };
    let arp = ArpRepr::EthernetIpv4 {
        operation: ArpOperation::Request,
        source_hardware_addr: EthernetAddress(mac),
        source_protocol_addr: Ipv4Address::from(abi::net::GUEST_IP),
        target_hardware_addr: EthernetAddress([0; 6]),
        target_protocol_addr: Ipv4Address::from(abi::net::HOST_IP),
    };
    let ethernet = EthernetRepr {
        src_addr: EthernetAddress(mac),
        dst_addr: EthernetAddress::BROADCAST,
        ethertype: EthernetProtocol::Arp,
    };
    let Some(token) = nic.transmit(now()) else {
        return;
    };
    token.consume(ethernet.buffer_len() + arp.buffer_len(), |buf| {
        let mut frame = EthernetFrame::new_unchecked(buf);
        ethernet.emit(&mut frame);
        arp.emit(&mut ArpPacket::new_unchecked(frame.payload_mut()));
    });
}
