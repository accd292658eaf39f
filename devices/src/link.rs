//! The Ethernet link between the machine's NIC and the host on the other end of the wire,
//! and the contract that host implements ([`NetPeer`]).
//!
//! Each direction is a serial wire: a frame of `n` bytes (as the stack hands it over, without
//! FCS) occupies it for `(max(n, 60) + 4 + 20) * 8 / bandwidth`: padding to Ethernet's
//! 64-byte minimum with its 4-byte FCS, plus 20 bytes of preamble, start delimiter and
//! inter-frame gap. Frames queue behind each other in order; the last bit reaches the far end
//! `latency` after it left. All times are integers in picoseconds (rounded up), so the
//! arrival time of any frame is exact and the same on every host.

use std::collections::VecDeque;

use sim_core::time::SimTime;

use crate::sim_control::Sample;

/// Ethernet's minimum frame without FCS.
pub const MIN_FRAME: u64 = 60;
/// Bytes a frame costs on the wire beyond its own: FCS (4), preamble and start delimiter
/// (8), inter-frame gap (12).
pub const WIRE_OVERHEAD: u64 = 4 + 20;

/// Picoseconds per second.
const PS_PER_S: u128 = 1_000_000_000_000;

/// One direction of the link.
#[derive(Debug, Clone)]
pub struct Wire {
    bandwidth_bps: u64,
    latency: SimTime,
    /// When the wire is free for the next frame's first bit.
    free_at: SimTime,
    /// Frames in flight with their arrival times (non-decreasing).
    in_flight: VecDeque<(SimTime, Vec<u8>)>,
    /// Frames and bytes carried.
    pub frames: u64,
    /// Bytes carried (as handed over, without overhead).
    pub bytes: u64,
}

impl Wire {
    /// A wire of `bandwidth_bps` bits per second (at least 1) and `latency` propagation delay.
    pub fn new(bandwidth_bps: u64, latency: SimTime) -> Self {
        Self {
            bandwidth_bps: bandwidth_bps.max(1),
            latency,
            free_at: 0,
            in_flight: VecDeque::new(),
            frames: 0,
            bytes: 0,
        }
    }

    /// How long a frame of `len` bytes occupies the wire.
    pub fn serialization(&self, len: usize) -> SimTime {
        let bits = (len as u64).max(MIN_FRAME).saturating_add(WIRE_OVERHEAD) as u128 * 8;
        let ps = (bits * PS_PER_S).div_ceil(self.bandwidth_bps as u128);
        ps.min(SimTime::MAX as u128) as SimTime
    }

    /// Put `frame` on the wire, ready to go at `ready`; returns when its last bit arrives.
    pub fn send(&mut self, ready: SimTime, frame: Vec<u8>) -> SimTime {
        let start = ready.max(self.free_at);
        let end = start.saturating_add(self.serialization(frame.len()));
        self.free_at = end;
        let arrival = end.saturating_add(self.latency);
        self.frames += 1;
        self.bytes += frame.len() as u64;
        self.in_flight.push_back((arrival, frame));
        arrival
    }

    /// When the next frame in flight arrives.
    pub fn next_arrival(&self) -> Option<SimTime> {
        self.in_flight.front().map(|(t, _)| *t)
    }

    /// Take the next frame if it has arrived by `now`, with its arrival time.
    pub fn receive(&mut self, now: SimTime) -> Option<(SimTime, Vec<u8>)> {
        if self.next_arrival()? <= now {
            self.in_flight.pop_front()
        } else {
            None
        }
    }

    /// Drop everything in flight (a device reset does not stop the far end, but frames
    /// towards a reset device are lost).
    pub fn clear(&mut self) {
        self.in_flight.clear();
    }
}

/// The host on the other end of the wire (hartlab's simulated client host). It is driven
/// only by the NIC's events, in simulated time.
pub trait NetPeer: Send {
    /// A frame from the guest has fully arrived at `now`.
    fn receive(&mut self, now: SimTime, frame: &[u8]);

    /// Run up to `now` (timers, load generators, frames received) and append the frames it
    /// transmits at `now` to `out`.
    fn poll(&mut self, now: SimTime, out: &mut Vec<Vec<u8>>);

    /// When the peer next needs [`NetPeer::poll`], if it has anything scheduled.
    fn poll_at(&self) -> Option<SimTime>;

    /// Whether the peer's work is done (its load generators finished): with
    /// `stop_when_done` the NIC then ends the run.
    fn done(&self) -> bool {
        false
    }

    /// The peer's measurements (latencies) as experiment samples; taken once after a run.
    fn take_samples(&mut self) -> Vec<Sample> {
        Vec::new()
    }

    /// The peer's counters (requests sent and completed, bytes, drops ...).
    fn counters(&self) -> Vec<(String, u64)> {
        Vec::new()
    }

    /// Whether host input (a forwarded host connection) may still arrive at an unknown time.
    fn awaits_host_input(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_arrives_after_its_serialization_and_latency() {
        // 1 Gbit/s: 8 ns per byte on the wire; 1 us latency.
        let mut w = Wire::new(1_000_000_000, 1_000_000);
        // 1000 bytes + 24 overhead = 1024 bytes = 8192 ns.
        assert_eq!(w.serialization(1000), 8_192_000);
        // A 42-byte ARP frame is padded to 60: 84 bytes = 672 ns.
        assert_eq!(w.serialization(42), 672_000);
        assert_eq!(w.send(5_000, vec![0; 1000]), 5_000 + 8_192_000 + 1_000_000);
        // The second queues behind the first.
        assert_eq!(
            w.send(6_000, vec![0; 42]),
            5_000 + 8_192_000 + 672_000 + 1_000_000
        );
        assert_eq!(w.next_arrival(), Some(9_197_000));
        assert!(w.receive(9_196_999).is_none());
        assert_eq!(
            w.receive(9_197_000).map(|(t, f)| (t, f.len())),
            Some((9_197_000, 1000))
        );
        assert_eq!(w.receive(u64::MAX).map(|f| f.1.len()), Some(42));
        // An idle wire starts at once; odd rates round up.
        let w = Wire::new(3, 0);
        assert_eq!(
            w.serialization(0),
            (84 * 8 * 1_000_000_000_000u64).div_ceil(3)
        );
    }
}
