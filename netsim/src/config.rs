//! The client host's configuration: `[net.client]` of the machine (or experiment) TOML,
//! typed, with defaults, and validated with errors that name the key.

use serde::{Deserialize, Serialize};

use crate::rng::Service;

/// What the client host does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadKind {
    /// Nothing but answer ARP (and ICMP echo): the guest drives the traffic, or live mode.
    #[default]
    None,
    /// Closed loop: each connection keeps `outstanding` requests in flight.
    Closed,
    /// Open loop: requests start at their arrival times whatever the responses.
    Open,
    /// TCP echo (port `abi::net::ECHO_PORT` unless `port` says otherwise): `request_bytes`
    /// of data, the same bytes back, one at a time per connection.
    Echo,
    /// ICMP echo requests of `request_bytes` of data every `interval_us`.
    Ping,
}

/// How an open loop's requests arrive, per connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrival {
    /// Every `interval_us` (COPS's client).
    #[default]
    Periodic,
    /// Exponential gaps of mean `interval_us`.
    Poisson,
    /// The times in the file `trace` (microseconds from `start_us`, one per line; dealt to
    /// the connections in turn).
    Trace,
}

/// How an open loop's requests travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// A byte stream per connection.
    #[default]
    Tcp,
    /// One datagram per request and per response, from client port 49152 + connection.
    Udp,
}

/// Where in the first period a periodic connection sends its first request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Connection `i` at `i/1024` of a period: a fixed stagger, the same for every seed.
    #[default]
    Staggered,
    /// Uniformly random in the period, per connection and seed (clients whose connections
    /// were started one after another, as COPS's threads were).
    Random,
}

/// The distribution of requested service times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    /// Always `service_ns`.
    #[default]
    Fixed,
    /// Exponential of mean `service_ns`.
    Exponential,
    /// `service_ns` with probability `bimodal_p`, else `bimodal_long_ns`.
    Bimodal,
    /// Lognormal of mean `service_ns` and shape `lognormal_sigma`.
    Lognormal,
}

/// `[net.client]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClientConfig {
    /// The load: "none" (default), "closed", "open", "echo" or "ping".
    pub kind: LoadKind,
    /// The guest's TCP port (default `abi::net::REQUEST_PORT`, 8000; echo uses
    /// `abi::net::ECHO_PORT` unless this is set to something else than 8000).
    pub port: u16,
    /// Connections (or, for ping, independent echo streams). Default 1.
    pub connections: usize,
    /// UDP: the guest ports the requests are steered over, `port` .. `port + ports - 1`,
    /// each request to one drawn uniformly at random (seeded): a server with a queue per
    /// port sees Poisson splitting, d-FCFS's random steering. Default 1 (always `port`).
    pub ports: u16,
    /// Priority of each connection, carried in every request header; cycled when shorter
    /// than `connections`. Default [0].
    pub priorities: Vec<u32>,
    /// When the load starts, in simulated microseconds. Default 0 (set it after the guest's
    /// server is up).
    pub start_us: u64,
    /// Requests per connection; 0: unlimited (then `duration_us` ends the load). Default 100.
    pub requests: u64,
    /// How long requests are started, in microseconds from `start_us`; 0: unlimited.
    /// Default 0.
    pub duration_us: u64,
    /// Closed loop: requests in flight per connection. Default 1.
    pub outstanding: u32,
    /// Open loop: "periodic" (default), "poisson" or "trace".
    pub arrival: Arrival,
    /// Open loop: "tcp" (default) or "udp" (one datagram per request and per response).
    pub transport: Transport,
    /// Requests per connection whose latency is not sampled (the warm-up from an empty
    /// system); they are sent and counted as any other. Default 0.
    pub warmup_requests: u64,
    /// Periodic arrivals (open loop and ping): "staggered" (default) or "random".
    pub phase: Phase,
    /// Open loop and ping: the (mean) gap between requests of one connection, in
    /// microseconds (fractions allowed). Default 100.
    pub interval_us: f64,
    /// Open loop with `arrival = "trace"`: the file of arrival times.
    pub trace: String,
    /// Bytes of each request, its 32-byte header included (echo and ping: the payload).
    /// Default 64.
    pub request_bytes: u32,
    /// Bytes of each response the client waits for, header included; 0: as many as the
    /// request (a server that answers with a result the size of its input). Default 64.
    pub response_bytes: u32,
    /// The service-time distribution: "fixed" (default), "exponential", "bimodal",
    /// "lognormal".
    pub service: ServiceKind,
    /// Service time (the mean, or the short mode of "bimodal") in nanoseconds. Default 0.
    pub service_ns: u64,
    /// "bimodal": probability of `service_ns`. Default 0.9.
    pub bimodal_p: f64,
    /// "bimodal": the long service time in nanoseconds. Default 10 x `service_ns`.
    pub bimodal_long_ns: u64,
    /// "lognormal": the standard deviation of the logarithm. Default 1.
    pub lognormal_sigma: f64,
    /// Seed of the client's random choices, mixed with `machine.seed`. Default 0.
    pub seed: u64,
    /// Sample key of the latencies of priority-0 requests; priority p uses
    /// `sample_key + p`. Each sample's value is the latency in nanoseconds and its `hart`
    /// field the connection number. Default 400.
    pub sample_key: u16,
    /// End the run (as a pass) once the load is done. Default true.
    pub stop_when_done: bool,
    /// With `stop_when_done`: end the run this many microseconds after `start_us` even if
    /// responses are still due (COPS's client measured for a fixed time); requests without
    /// a response by then count as `unanswered`. 0 (default): only when the load is done.
    pub end_us: u64,
    /// After a refused or reset connection, reconnect after this many microseconds.
    /// Default 1000.
    pub retry_us: u64,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            kind: LoadKind::None,
            port: abi::net::REQUEST_PORT,
            connections: 1,
            ports: 1,
            priorities: vec![0],
            start_us: 0,
            requests: 100,
            duration_us: 0,
            outstanding: 1,
            arrival: Arrival::Periodic,
            transport: Transport::Tcp,
            warmup_requests: 0,
            phase: Phase::Staggered,
            interval_us: 100.0,
            trace: String::new(),
            request_bytes: 64,
            response_bytes: 64,
            service: ServiceKind::Fixed,
            service_ns: 0,
            bimodal_p: 0.9,
            bimodal_long_ns: 0,
            lognormal_sigma: 1.0,
            seed: 0,
            sample_key: 400,
            stop_when_done: true,
            end_us: 0,
            retry_us: 1000,
        }
    }
}

/// Most connections.
pub const MAX_CONNECTIONS: usize = 1024;
/// Sample keys (the simulator-control device's).
pub const SAMPLE_KEYS: u32 = 480;
/// Largest request or response.
pub const MAX_MESSAGE: u32 = 1 << 24;
/// Largest request or response datagram: one Ethernet frame's UDP payload.
pub const MAX_DATAGRAM: u32 = 1472;

/// A `[net.client]` value out of range or inconsistent with another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfigError {
    /// The key, without the `net.client.` prefix.
    pub key: String,
    /// The value as written.
    pub value: String,
    /// Why it is refused.
    pub reason: String,
}

impl std::fmt::Display for ClientConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "net.client.{} = {}: {}",
            self.key, self.value, self.reason
        )
    }
}

impl std::error::Error for ClientConfigError {}

impl ClientConfig {
    /// Check the values; the error names the key (`net.client.connections = 0: ...`).
    pub fn validate(&self) -> Result<(), ClientConfigError> {
        let k = |key: &str, v: &dyn std::fmt::Display, why: &str| {
            Err(ClientConfigError {
                key: key.to_string(),
                value: v.to_string(),
                reason: why.to_string(),
            })
        };
        if !(1..=MAX_CONNECTIONS).contains(&self.connections) {
            return k(
                "connections",
                &self.connections,
                &format!("must be between 1 and {MAX_CONNECTIONS}"),
            );
        }
        if self.ports == 0 || self.ports > 1 && self.transport != Transport::Udp {
            return k(
                "ports",
                &self.ports,
                "must be at least 1, and above 1 only with transport = \"udp\"",
            );
        }
        if u32::from(self.port) + u32::from(self.ports) > 65_536 {
            return k(
                "ports",
                &self.ports,
                "port + ports - 1 must be a port (< 65536)",
            );
        }
        if self.priorities.is_empty() {
            return k("priorities", &"[]", "needs at least one priority");
        }
        let max_priority = self.priorities.iter().copied().max().unwrap_or(0);
        if max_priority >= abi::PRIORITIES as u32 {
            return k(
                "priorities",
                &max_priority,
                &format!("priorities are 0..{}", abi::PRIORITIES),
            );
        }
        if self.sample_key as u32 + max_priority >= SAMPLE_KEYS {
            return k(
                "sample_key",
                &self.sample_key,
                &format!("sample_key + the largest priority must be below {SAMPLE_KEYS}"),
            );
        }
        let header = abi::net::REQUEST_HEADER_BYTES as u32;
        let request_min = match self.kind {
            LoadKind::Closed | LoadKind::Open => header,
            _ => 1,
        };
        if !(request_min..=MAX_MESSAGE).contains(&self.request_bytes) {
            return k(
                "request_bytes",
                &self.request_bytes,
                &format!("must be between {request_min} and {MAX_MESSAGE}"),
            );
        }
        if matches!(self.kind, LoadKind::Closed | LoadKind::Open)
            && self.response_bytes != 0
            && !(header..=MAX_MESSAGE).contains(&self.response_bytes)
        {
            return k(
                "response_bytes",
                &self.response_bytes,
                &format!("must be 0 (as the request) or between {header} and {MAX_MESSAGE}"),
            );
        }
        if self.transport == Transport::Udp {
            if self.kind != LoadKind::Open {
                return k(
                    "transport",
                    &"\"udp\"",
                    "only an open loop (kind = \"open\") runs over UDP",
                );
            }
            for (key, v) in [
                ("request_bytes", self.request_bytes),
                ("response_bytes", self.response_bytes),
            ] {
                if v > MAX_DATAGRAM {
                    return k(
                        key,
                        &v,
                        &format!("a UDP request or response is at most {MAX_DATAGRAM} bytes"),
                    );
                }
            }
        }
        if self.outstanding == 0 {
            return k("outstanding", &0, "must be at least 1");
        }
        if !(self.interval_us.is_finite() && self.interval_us > 0.0) {
            return k("interval_us", &self.interval_us, "must be positive");
        }
        if !(0.0..=1.0).contains(&self.bimodal_p) {
            return k("bimodal_p", &self.bimodal_p, "must be between 0 and 1");
        }
        if !(self.lognormal_sigma.is_finite() && self.lognormal_sigma >= 0.0) {
            return k(
                "lognormal_sigma",
                &self.lognormal_sigma,
                "must be at least 0",
            );
        }
        if self.kind == LoadKind::Open && self.arrival == Arrival::Trace && self.trace.is_empty() {
            return k(
                "trace",
                &"\"\"",
                "arrival = \"trace\" needs a file of arrival times",
            );
        }
        if self.requests == 0 && self.duration_us == 0 && self.kind != LoadKind::None {
            return k(
                "requests",
                &0,
                "with duration_us = 0 the load would never end: give one of them",
            );
        }
        Ok(())
    }

    /// The service-time distribution.
    pub fn service(&self) -> Service {
        let ns = self.service_ns;
        match self.service {
            ServiceKind::Fixed => Service::Fixed(ns),
            ServiceKind::Exponential => Service::Exponential(ns as f64),
            ServiceKind::Bimodal => Service::Bimodal {
                p: self.bimodal_p,
                a: ns,
                b: if self.bimodal_long_ns == 0 {
                    ns.saturating_mul(10)
                } else {
                    self.bimodal_long_ns
                },
            },
            ServiceKind::Lognormal => Service::Lognormal {
                mean: ns as f64,
                sigma: self.lognormal_sigma,
            },
        }
    }

    /// The guest port the load targets.
    pub fn target_port(&self) -> u16 {
        if self.kind == LoadKind::Echo && self.port == abi::net::REQUEST_PORT {
            abi::net::ECHO_PORT
        } else {
            self.port
        }
    }
}
