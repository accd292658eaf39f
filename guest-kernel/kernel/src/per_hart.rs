//! Per-hart state sized by the device tree: arrays and bit sets indexed by hart id.
//!
//! The kernel has no fixed hart limit: how many harts there are is known only once
//! `machine::init` has read the device tree, so per-hart state lives on the kernel heap,
//! allocated once by the boot hart (after `mm::init` has grown the heap) for the hart ids
//! `0..Machine::hart_id_limit()`. Until then it does not exist, and using it panics.
//!
//! - [`PerHart<T>`]: one `T` per hart (scheduler state, counters, flags);
//! - [`HartSet`]: a set of harts as a bit mask of any width (idle harts, harts online,
//!   harts running a user-interrupt receiver), 64 harts per word.

use crate::machine;
use alloc::boxed::Box;
use core::sync::atomic::{AtomicU64, Ordering};
use spin::Once;

/// One `T` per hart id, allocated by [`PerHart::init`].
pub struct PerHart<T> {
    slots: Once<Box<[T]>>,
}

impl<T> PerHart<T> {
    /// Nothing yet: [`PerHart::init`] allocates.
    pub const fn new() -> PerHart<T> {
        PerHart { slots: Once::new() }
    }

    /// Allocates the entry of every hart id of the device tree, `make(hart)`. Called once,
    /// on the boot hart, before any hart uses it.
    pub fn init(&self, make: impl FnMut(usize) -> T) {
        let limit = machine::get().hart_id_limit();
        self.slots.call_once(|| (0..limit).map(make).collect());
    }

    /// Every hart's entry, indexed by hart id.
    pub fn all(&self) -> &[T] {
        self.slots.get().expect("per-hart state used before it was allocated")
    }

    /// `hart`'s entry.
    pub fn get(&self, hart: usize) -> &T {
        &self.all()[hart]
    }

    /// The calling hart's entry.
    pub fn this(&self) -> &T {
        self.get(crate::hart_id())
    }
}

/// A set of harts (one bit per hart id), atomic: harts add and remove themselves and each
/// other concurrently. Allocated by [`HartSet::init`].
pub struct HartSet {
    words: Once<Box<[AtomicU64]>>,
}

/// Bits per word of a [`HartSet`].
const BITS: usize = 64;

impl HartSet {
    /// Nothing yet: [`HartSet::init`] allocates.
    pub const fn new() -> HartSet {
        HartSet { words: Once::new() }
    }

    /// Allocates the set, empty, for the hart ids of the device tree. Called once, on the
    /// boot hart, before any hart uses it.
    pub fn init(&self) {
        let words = machine::get().hart_id_limit().div_ceil(BITS);
        self.words
            .call_once(|| (0..words).map(|_| AtomicU64::new(0)).collect());
    }

    fn words(&self) -> &[AtomicU64] {
        self.words.get().expect("hart set used before it was allocated")
    }

    /// The word holding `hart`'s bit, and the bit.
    fn word(&self, hart: usize) -> (&AtomicU64, u64) {
        (&self.words()[hart / BITS], 1 << (hart % BITS))
    }

    /// Adds `hart`; returns whether it was absent.
    pub fn insert(&self, hart: usize) -> bool {
        let (word, bit) = self.word(hart);
        word.fetch_or(bit, Ordering::SeqCst) & bit == 0
    }

    /// Removes `hart`; returns whether it was there (so of several harts removing the same
    /// hart, exactly one sees `true`).
    pub fn remove(&self, hart: usize) -> bool {
        let (word, bit) = self.word(hart);
        word.fetch_and(!bit, Ordering::SeqCst) & bit != 0
    }

    /// Whether `hart` is in the set.
    pub fn contains(&self, hart: usize) -> bool {
        let (word, bit) = self.word(hart);
        word.load(Ordering::SeqCst) & bit != 0
    }

    /// The lowest hart id in the set, if any.
    pub fn first(&self) -> Option<usize> {
        self.words().iter().enumerate().find_map(|(i, word)| {
            let bits = word.load(Ordering::SeqCst);
            (bits != 0).then(|| i * BITS + bits.trailing_zeros() as usize)
        })
    }
}
