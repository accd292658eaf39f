//! Machine checkpoints: the binary encoding of the machine's state and the errors restoring
//! it can give.
//!
//! Every piece of model state derives serde's traits and is encoded with `bincode`; devices
//! encode their own state through [`crate::bus::Device::save_state`] (sim-core knows no
//! specific device). Host-side handles (tracers, output sinks, debugger hooks) are not state:
//! a checkpoint is restored into a machine freshly built from the same configuration, which
//! keeps them. RAM is saved as a sparse image of its non-zero pages. Two host-side memos are
//! dropped, as they hold only pure functions of state that is saved: the harts' decoded
//! instructions (tagged by the instruction bits) and the bus's next-device-event memo. Software
//! TLB entries point into the host's RAM mapping and are moved to the restoring one's. The
//! file format around this state (header, version, compression) belongs to the binary that
//! writes it.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a state could not be saved or restored.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The encoded state could not be decoded (corrupt, or written by another version).
    #[error("the saved state is corrupt: {0}")]
    Corrupt(String),
    /// A part of the machine has state that cannot be saved.
    #[error("{0} cannot be checkpointed")]
    Unsupported(String),
    /// The saved state is of another machine (different harts, devices or memory size).
    #[error("the saved state is of another machine: {0}")]
    Mismatch(String),
}

/// The encoding: fixed-size little-endian integers, no bytes left over.
fn options() -> impl bincode::Options {
    use bincode::Options;
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .reject_trailing_bytes()
}

/// `value` encoded compactly.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    use bincode::Options;
    // Encoding into memory fails only for types serde cannot express, which no state type is.
    options().serialize(value).unwrap_or_default()
}

/// A value decoded from `bytes`, which must hold exactly one (a sequence's length that the
/// bytes cannot hold fails at their end, before any large allocation).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StateError> {
    use bincode::Options;
    options()
        .deserialize(bytes)
        .map_err(|e| StateError::Corrupt(e.to_string()))
}

/// Serde helpers for arrays longer than serde's built-in 32 elements.
pub mod array {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serialize an array as a sequence.
    pub fn serialize<S: Serializer, T: Serialize, const N: usize>(
        a: &[T; N],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(a.iter())
    }

    /// Deserialize an array from a sequence of exactly `N` elements.
    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>, const N: usize>(
        d: D,
    ) -> Result<[T; N], D::Error> {
        let v = Vec::<T>::deserialize(d)?;
        let len = v.len();
        v.try_into()
            .map_err(|_| D::Error::invalid_length(len, &"the array's length"))
    }
}

/// [`array`] for boxed arrays.
pub mod boxed_array {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serialize a boxed array as a sequence.
    pub fn serialize<S: Serializer, T: Serialize, const N: usize>(
        a: &[T; N],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        super::array::serialize(a, s)
    }

    /// Deserialize a boxed array from a sequence of exactly `N` elements.
    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>, const N: usize>(
        d: D,
    ) -> Result<Box<[T; N]>, D::Error> {
        super::array::deserialize(d).map(Box::new)
    }
}

/// The page size of RAM images.
pub const PAGE: usize = 4096;

/// The non-zero 4 KiB pages of `bytes`, as (page index, contents), looking only at the pages
/// `maybe_written` allows (`None`: all).
pub fn sparse_pages(bytes: &[u8], maybe_written: Option<&[bool]>) -> Vec<(u64, Vec<u8>)> {
    bytes
        .chunks(PAGE)
        .enumerate()
        .filter(|&(i, _)| maybe_written.is_none_or(|w| w.get(i).copied().unwrap_or(true)))
        .filter(|(_, page)| !is_zero(page))
        .map(|(i, page)| (i as u64, page.to_vec()))
        .collect()
}

/// Whether every byte of `page` is zero (without an early exit, which vectorises well).
fn is_zero(page: &[u8]) -> bool {
    let words = page.chunks_exact(16);
    let tail = words.remainder().iter().fold(0, |a, &b| a | b);
    let ored = words.fold(0u128, |a, w| {
        a | u128::from_ne_bytes(w.try_into().unwrap_or([0xff; 16]))
    });
    ored == 0 && tail == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Big {
        #[serde(with = "array")]
        a: [u64; 40],
        #[serde(with = "boxed_array")]
        b: Box<[u8; 300]>,
    }

    #[test]
    fn long_arrays_round_trip() {
        let mut big = Big {
            a: [7; 40],
            b: Box::new([3; 300]),
        };
        big.a[39] = 1;
        big.b[0] = 9;
        let bytes = encode(&big);
        assert_eq!(decode::<Big>(&bytes).unwrap(), big);
    }

    #[test]
    fn corrupt_and_truncated_states_are_errors() {
        let bytes = encode(&(1u64, vec![1u32, 2, 3]));
        assert!(decode::<(u64, Vec<u32>)>(&bytes[..bytes.len() - 1]).is_err());
        let mut long = bytes.clone();
        long.push(0);
        assert!(decode::<(u64, Vec<u32>)>(&long).is_err());
        let mut huge = bytes;
        huge[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            decode::<(u64, Vec<u32>)>(&huge),
            Err(StateError::Corrupt(_))
        ));
    }

    #[test]
    fn sparse_pages_skip_zero_pages() {
        let mut ram = vec![0u8; 4 * PAGE];
        ram[PAGE * 2 + 5] = 1;
        let pages = sparse_pages(&ram, None);
        assert_eq!(pages.len(), 1);
        assert_eq!(pages[0].0, 2);
        assert_eq!(pages[0].1[5], 1);
        let skip_page_2 = [true, true, false, true];
        assert!(sparse_pages(&ram, Some(&skip_page_2)).is_empty());
        ram[4 * PAGE - 1] = 2;
        assert_eq!(sparse_pages(&ram, None).len(), 2);
    }
}
