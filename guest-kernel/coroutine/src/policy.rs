//! Scheduling policies: which non-empty priority level the next coroutine comes from.
//!
//! Within a level every policy is FIFO. A payload is built around one policy (see the
//! `payload!` macro); the kernel picks the payload, and so the policy, at boot or per process.

use crate::PRIORITIES;

/// A policy: picks a level from the bitmap of non-empty levels, keeping what it needs in the
/// executor's per-level `state` (zero in a new executor).
pub trait Policy {
    /// The policy's name as it appears in the payload table (ASCII, zero-padded).
    const NAME: [u8; 16];
    /// The level to take the next coroutine from (`bitmap` is not zero).
    fn pick(bitmap: u32, state: &mut [u32; PRIORITIES]) -> usize;
}

/// Strict priority: always the most urgent non-empty level (COPS's policy).
pub struct StrictPriority;

impl Policy for StrictPriority {
    const NAME: [u8; 16] = *b"strict-priority\0";

    fn pick(bitmap: u32, _state: &mut [u32; PRIORITIES]) -> usize {
        bitmap.trailing_zeros() as usize
    }
}

/// Priority with aging: the most urgent non-empty level, except that a non-empty level
/// passed over [`AGE_LIMIT`] times in a row is served once (the one passed over most), so
/// a stream of urgent work delays less urgent work but never starves it.
pub struct Aging;

/// Picks a waiting level may be passed over before it is served.
pub const AGE_LIMIT: u32 = 8;

impl Policy for Aging {
    const NAME: [u8; 16] = *b"aging\0\0\0\0\0\0\0\0\0\0\0";

    fn pick(bitmap: u32, state: &mut [u32; PRIORITIES]) -> usize {
        let best = bitmap.trailing_zeros() as usize;
        let mut chosen = best;
        let mut oldest = 0;
        for (level, age) in state.iter_mut().enumerate() {
            if bitmap & (1 << level) == 0 {
                *age = 0;
            } else if level > best {
                *age += 1;
                if *age >= AGE_LIMIT && *age > oldest {
                    (chosen, oldest) = (level, *age);
                }
            }
        }
        if let Some(age) = state.get_mut(chosen) {
            *age = 0;
        }
        chosen
    }
}
