//! hartlab's simulated client host: the far end of the virtio-net link. A `smoltcp` stack
//! stepped in simulated time ([`client`]) runs load generators ([`load`]) configured under
//! `[net.client]` ([`config`]) with seeded, host-independent randomness ([`rng`]), and
//! measures each request's latency at the client; live mode ([`hostfwd`]) forwards host TCP
//! connections into the guest.

pub mod client;
pub mod config;
pub mod hostfwd;
pub mod load;
pub mod rng;

pub use client::ClientHost;
pub use config::ClientConfig;
pub use hostfwd::HostFwd;
