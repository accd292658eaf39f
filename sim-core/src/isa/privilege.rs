//! The privilege levels a hart runs at (the privileged spec's U, S and M modes).

/// Privilege levels.
#[derive(
    serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord,
)]
#[repr(u8)]
pub enum Priv {
    /// User mode.
    U = 0,
    /// Supervisor mode.
    S = 1,
    /// Machine mode.
    M = 3,
}

impl Priv {
    /// Decode a 2-bit privilege field (the reserved value 2 reads as U).
    pub fn from_bits(bits: u64) -> Self {
        match bits & 3 {
            3 => Priv::M,
            1 => Priv::S,
            _ => Priv::U,
        }
    }
}
