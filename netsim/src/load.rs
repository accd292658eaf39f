//! Load generation, independent of any network stack: when each connection's requests
//! start ([`Schedule`]), what a request carries ([`Requests`]), and how a connection's byte
//! stream of responses turns into completed requests ([`Responses`]).

use std::collections::VecDeque;

use abi::net::{RequestHeader, REQUEST_HEADER_BYTES};
use sim_core::time::SimTime;

use crate::config::{Arrival, ClientConfig, LoadKind, Phase};
use crate::rng::{Rng, Service};

/// Picoseconds per microsecond.
pub const PS_PER_US: u64 = 1_000_000;

/// When one connection's requests start: a sequence of times (open loop, ping) or "as soon
/// as the window allows" (closed loop, echo), cut by the request count and the duration.
#[derive(Debug, Clone)]
pub struct Schedule {
    kind: LoadKind,
    arrival: Arrival,
    phase: Phase,
    start: SimTime,
    end: Option<SimTime>,
    limit: Option<u64>,
    interval_ps: f64,
    /// Requests started so far.
    pub started: u64,
    /// The next arrival (open loop and ping).
    next: Option<SimTime>,
    /// Arrival times of a trace, for this connection.
    trace: VecDeque<SimTime>,
    rng: Rng,
}

impl Schedule {
    /// The schedule of connection `index` under `config`; `trace` holds this connection's
    /// arrival times (microseconds from the start) when the arrivals come from a file.
    pub fn new(config: &ClientConfig, index: usize, trace: Vec<f64>, seed: u64) -> Self {
        let start = config.start_us.saturating_mul(PS_PER_US);
        let mut s = Self {
            kind: config.kind,
            arrival: config.arrival,
            phase: config.phase,
            start,
            end: (config.duration_us > 0)
                .then(|| start.saturating_add(config.duration_us.saturating_mul(PS_PER_US))),
            limit: (config.requests > 0).then_some(config.requests),
            interval_ps: config.interval_us * PS_PER_US as f64,
            started: 0,
            next: None,
            trace: trace
                .into_iter()
                .map(|us| start.saturating_add(libm::round(us * PS_PER_US as f64) as u64))
                .collect(),
            rng: Rng::new(seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        };
        s.next = s.first_arrival(index);
        s
    }

    fn timed(&self) -> bool {
        matches!(self.kind, LoadKind::Open | LoadKind::Ping)
    }

    fn first_arrival(&mut self, index: usize) -> Option<SimTime> {
        if !self.timed() {
            return Some(self.start);
        }
        match (self.kind, self.arrival) {
            (LoadKind::Open, Arrival::Trace) => self.trace.pop_front(),
            (LoadKind::Open, Arrival::Poisson) => Some(self.start + self.gap()),
            // Periodic streams of several connections are spread over one period, so they
            // do not all send at once: by a fixed stagger, or at random.
            _ => Some(
                self.start
                    + match self.phase {
                        Phase::Staggered => self.interval_ps as u64 * index as u64 / 1024,
                        Phase::Random => (self.rng.unit() * self.interval_ps) as u64,
                    },
            ),
        }
    }

    fn gap(&mut self) -> SimTime {
        let g = match self.arrival {
            Arrival::Poisson if self.kind == LoadKind::Open => {
                self.rng.exponential(self.interval_ps)
            }
            _ => self.interval_ps,
        };
        libm::round(g).max(1.0) as SimTime
    }

    /// Whether the schedule may still start requests (count and duration not used up).
    pub fn open(&self, now: SimTime) -> bool {
        self.limit.is_none_or(|l| self.started < l)
            && self.end.is_none_or(|e| now < e)
            && self.next.is_some()
    }

    /// When the next request is due (the start for closed loops), if any is left.
    pub fn next_due(&self) -> Option<SimTime> {
        let next = self.next?;
        (self.limit.is_none_or(|l| self.started < l) && self.end.is_none_or(|e| next < e))
            .then_some(next)
    }

    /// Take a request due at `now`, if one is.
    pub fn take(&mut self, now: SimTime) -> Option<SimTime> {
        let due = self.next_due().filter(|&d| d <= now)?;
        self.started += 1;
        if self.timed() {
            self.next = match self.arrival {
                Arrival::Trace if self.kind == LoadKind::Open => self.trace.pop_front(),
                _ => Some(due.saturating_add(self.gap())),
            };
        }
        Some(due)
    }
}

/// The requests of one client host: numbered, with their service times drawn in order.
#[derive(Debug, Clone)]
pub struct Requests {
    service: Service,
    rng: Rng,
    next_id: u64,
    request_bytes: u32,
    response_bytes: u32,
}

impl Requests {
    /// Requests per `config`, drawn from `seed`.
    pub fn new(config: &ClientConfig, seed: u64) -> Self {
        Self {
            service: config.service(),
            rng: Rng::new(seed),
            next_id: 0,
            request_bytes: config.request_bytes,
            response_bytes: match config.response_bytes {
                0 => config.request_bytes,
                n => n,
            },
        }
    }

    /// The next request of priority `priority`: its header and bytes.
    pub fn next(&mut self, priority: u32) -> (RequestHeader, Vec<u8>) {
        let h = RequestHeader {
            request_bytes: self.request_bytes,
            response_bytes: self.response_bytes,
            priority,
            service_ns: self.service.draw(&mut self.rng),
            id: self.next_id,
        };
        self.next_id += 1;
        let mut bytes = vec![0u8; self.request_bytes as usize];
        bytes[..REQUEST_HEADER_BYTES].copy_from_slice(&h.encode());
        for (i, b) in bytes.iter_mut().enumerate().skip(REQUEST_HEADER_BYTES) {
            *b = i as u8;
        }
        (h, bytes)
    }
}

/// A request in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InFlight {
    /// Request id (echo: a sequence number).
    pub id: u64,
    /// When its first byte was sent.
    pub sent: SimTime,
    /// Bytes of the response expected.
    pub expect: u32,
    /// Whether its latency is sampled (not a warm-up request).
    pub sampled: bool,
}

/// A completed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completed {
    /// The request.
    pub request: InFlight,
    /// When the last byte of its response arrived.
    pub at: SimTime,
    /// Whether the response started with a header naming another request (or none, for
    /// request/response loads).
    pub mismatched: bool,
}

/// The responses of one connection, in order: a byte stream cut at each request's
/// expected response size.
#[derive(Debug, Clone, Default)]
pub struct Responses {
    in_flight: VecDeque<InFlight>,
    got: u32,
    header: Vec<u8>,
    check_header: bool,
}

impl Responses {
    /// Responses that start with a [`RequestHeader`] echoing the request's id (request
    /// loads), or plain bytes (echo).
    pub fn new(check_header: bool) -> Self {
        Self {
            check_header,
            ..Self::default()
        }
    }

    /// A request was sent.
    pub fn push(&mut self, r: InFlight) {
        self.in_flight.push_back(r);
    }

    /// Requests in flight.
    pub fn len(&self) -> usize {
        self.in_flight.len()
    }

    /// Whether none is in flight.
    pub fn is_empty(&self) -> bool {
        self.in_flight.is_empty()
    }

    /// Forget everything in flight (the connection was lost); returns how many.
    pub fn clear(&mut self) -> usize {
        let n = self.in_flight.len();
        self.in_flight.clear();
        self.got = 0;
        self.header.clear();
        n
    }

    /// `bytes` arrived at `now`; completed requests go to `done`. Bytes beyond every
    /// expected response are returned as unexpected.
    pub fn received(&mut self, now: SimTime, mut bytes: &[u8], done: &mut Vec<Completed>) -> u64 {
        while !bytes.is_empty() {
            let Some(front) = self.in_flight.front().copied() else {
                return bytes.len() as u64;
            };
            let take = ((front.expect - self.got) as usize).min(bytes.len());
            if self.check_header && self.header.len() < REQUEST_HEADER_BYTES {
                let h = (REQUEST_HEADER_BYTES - self.header.len()).min(take);
                self.header.extend_from_slice(&bytes[..h]);
            }
            self.got += take as u32;
            bytes = &bytes[take..];
            if self.got == front.expect {
                self.in_flight.pop_front();
                let mismatched = self.check_header
                    && RequestHeader::decode(&self.header).is_none_or(|h| h.id != front.id);
                done.push(Completed {
                    request: front,
                    at: now,
                    mismatched,
                });
                self.got = 0;
                self.header.clear();
            }
        }
        0
    }
}

/// Parse a trace of arrival times: one number of microseconds per line (blank lines and
/// lines starting with `#` skipped), non-decreasing.
pub fn parse_trace(text: &str) -> Result<Vec<f64>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let t: f64 = line
            .parse()
            .map_err(|_| format!("line {}: {line:?} is not a number of microseconds", i + 1))?;
        if !(t.is_finite() && t >= 0.0) || out.last().is_some_and(|&l| t < l) {
            return Err(format!(
                "line {}: {line} must be a time at or after the previous one",
                i + 1
            ));
        }
        out.push(t);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_phases_are_staggered_or_random_per_seed() {
        let config = |phase| ClientConfig {
            kind: LoadKind::Open,
            interval_us: 50_000.0,
            start_us: 100,
            phase,
            ..ClientConfig::default()
        };
        let firsts = |phase, seed| -> Vec<SimTime> {
            (0..8)
                .map(|i| {
                    Schedule::new(&config(phase), i, Vec::new(), seed)
                        .next_due()
                        .unwrap()
                })
                .collect()
        };
        let (start, period) = (100 * PS_PER_US, 50_000 * PS_PER_US);
        let staggered = firsts(Phase::Staggered, 1);
        for (i, &t) in staggered.iter().enumerate() {
            assert_eq!(t, start + period * i as u64 / 1024);
        }
        assert_eq!(staggered, firsts(Phase::Staggered, 2), "no randomness");
        let random = firsts(Phase::Random, 1);
        assert!(random.iter().all(|&t| t > start && t <= start + period));
        assert!(random.windows(2).any(|w| w[0] != w[1]));
        assert_eq!(random, firsts(Phase::Random, 1), "seeded");
        assert_ne!(
            random,
            firsts(Phase::Random, 2),
            "another seed, other phases"
        );
    }

    #[test]
    fn schedules_start_on_time_and_stop_at_their_limits() {
        let config = ClientConfig {
            kind: LoadKind::Open,
            interval_us: 10.0,
            start_us: 5,
            requests: 3,
            ..ClientConfig::default()
        };
        let mut s = Schedule::new(&config, 0, Vec::new(), 1);
        assert_eq!(s.next_due(), Some(5_000_000));
        assert_eq!(s.take(4_999_999), None);
        assert_eq!(s.take(5_000_000), Some(5_000_000));
        assert_eq!(s.take(100_000_000), Some(15_000_000));
        assert_eq!(s.take(100_000_000), Some(25_000_000));
        assert_eq!(s.take(u64::MAX), None);
        assert!(!s.open(0));
        let trace = ClientConfig {
            arrival: Arrival::Trace,
            requests: 0,
            duration_us: 1000,
            ..config
        };
        let mut s = Schedule::new(&trace, 0, vec![0.5, 2.0], 1);
        assert_eq!(s.take(u64::MAX), Some(5_500_000));
        assert_eq!(s.take(u64::MAX), Some(7_000_000));
        assert_eq!(s.take(u64::MAX), None);
        assert_eq!(parse_trace("# t\n1\n\n2.5\n"), Ok(vec![1.0, 2.5]));
        assert!(parse_trace("2\n1\n").is_err());
        assert!(parse_trace("x\n").is_err());
    }

    #[test]
    fn responses_are_cut_at_their_sizes_and_checked() {
        let config = ClientConfig::default();
        let mut reqs = Requests::new(&config, 3);
        let (h0, b0) = reqs.next(2);
        let (h1, _) = reqs.next(2);
        assert_eq!(RequestHeader::decode(&b0), Some(h0));
        assert_eq!(b0.len(), 64);
        let mut r = Responses::new(true);
        for h in [h0, h1] {
            r.push(InFlight {
                id: h.id,
                sent: 1,
                expect: 64,
                sampled: true,
            });
        }
        let mut stream = h0.encode().to_vec();
        stream.resize(64, 0);
        stream.extend_from_slice(&h0.encode());
        stream.resize(128, 0);
        let mut done = Vec::new();
        assert_eq!(r.received(10, &stream[..70], &mut done), 0);
        assert_eq!(done.len(), 1);
        assert!(!done[0].mismatched);
        assert_eq!(r.received(20, &stream[70..], &mut done), 0);
        assert_eq!(done.len(), 2);
        assert!(done[1].mismatched, "the second response named request 0");
        assert_eq!(done[1].at, 20);
        assert_eq!(r.received(30, &[1, 2], &mut done), 2);
    }
}
