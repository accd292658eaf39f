//! Per-hart state sized by the device tree: arrays and bit sets indexed by hart id.
//!
//! The kernel has no fixed hart limit: how many harts there are is known only once
//! `machine::init` has read the device tree, so per-hart state lives on the kernel heap,
//! allocated once by the boot hart (after `mm::init` has grown the heap) for the hart ids
//! `0..Machine::hart_id_limit()`. Until then it is empty, and using it panics.
//!
//! - [`PerHart<T>`]: one `T` per hart (scheduler state, counters, flags);
//! - [`HartSet`]: a set of harts as a bit mask of any width (idle harts, harts online,
//!   harts running a user-interrupt receiver), 64 harts per word.

use crate::machine;
use alloc::boxed::Box;
use core::marker::PhantomData;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};

/// A slice allocated once and never freed, read without locks: per-hart state is on every
/// hot path of the kernel (each system call bumps a counter), so a read is two loads and
/// the bounds check.
struct Slots<T> {
    /// The first element; dangling (with `len` 0) until [`Slots::init`].
    ptr: AtomicPtr<T>,
    len: AtomicUsize,
    /// Shared like a `Box<[T]>` (so `Sync` only for `T: Sync`).
    _owns: PhantomData<Box<[T]>>,
}

impl<T> Slots<T> {
    const fn new() -> Slots<T> {
        Slots {
            ptr: AtomicPtr::new(NonNull::dangling().as_ptr()),
            len: AtomicUsize::new(0),
            _owns: PhantomData,
        }
    }

    /// Keeps `slots` for ever. Called once, by the boot hart before it starts the other
    /// harts: their start (SBI `hart_start`, through the firmware's locks) orders these
    /// stores before all of their loads.
    fn init(&self, slots: Box<[T]>) {
        assert_eq!(
            self.len.load(Ordering::Relaxed),
            0,
            "per-hart state made twice"
        );
        let len = slots.len();
        self.ptr
            .store(Box::leak(slots).as_mut_ptr(), Ordering::Relaxed);
        self.len.store(len, Ordering::Relaxed);
    }

    /// The slice; empty before [`Slots::init`], so any use then fails the bounds check.
    #[inline]
    fn get(&self) -> &[T] {
        let (ptr, len) = (
            self.ptr.load(Ordering::Relaxed),
            self.len.load(Ordering::Relaxed),
        );
        // SAFETY: `ptr` and `len` describe a leaked, initialised allocation, or are dangling
        // and 0 (see `init` for the ordering of the stores before other harts' loads).
        unsafe { core::slice::from_raw_parts(ptr, len) }
    }
}

/// One `T` per hart id, allocated by [`PerHart::init`].
pub struct PerHart<T> {
    slots: Slots<T>,
}

impl<T> PerHart<T> {
    /// Nothing yet: [`PerHart::init`] allocates.
    pub const fn new() -> PerHart<T> {
        PerHart {
            slots: Slots::new(),
        }
    }

    /// Allocates the entry of every hart id of the device tree, `make(hart)`. Called once,
    /// on the boot hart, before it starts the other harts.
    pub fn init(&self, make: impl FnMut(usize) -> T) {
        let limit = machine::get().hart_id_limit();
        self.slots.init((0..limit).map(make).collect());
    }

    /// Every hart's entry, indexed by hart id.
    #[inline]
    pub fn all(&self) -> &[T] {
        self.slots.get()
    }

    /// `hart`'s entry.
    #[inline]
    pub fn get(&self, hart: usize) -> &T {
        &self.all()[hart]
    }

    /// The calling hart's entry.
    #[inline]
    pub fn this(&self) -> &T {
        self.get(crate::hart_id())
    }
}

/// A set of harts (one bit per hart id), atomic: harts add and remove themselves and each
/// other concurrently. Allocated by [`HartSet::init`].
pub struct HartSet {
    words: Slots<AtomicU64>,
}

/// Bits per word of a [`HartSet`].
const BITS: usize = 64;

impl HartSet {
    /// Nothing yet: [`HartSet::init`] allocates.
    pub const fn new() -> HartSet {
        HartSet {
            words: Slots::new(),
        }
    }

    /// Allocates the set, empty, for the hart ids of the device tree. Called once, on the
    /// boot hart, before it starts the other harts.
    pub fn init(&self) {
        let words = machine::get().hart_id_limit().div_ceil(BITS);
        self.words
            .init((0..words).map(|_| AtomicU64::new(0)).collect());
    }

    #[inline]
    fn words(&self) -> &[AtomicU64] {
        self.words.get()
    }

    /// The word holding `hart`'s bit, and the bit.
    #[inline]
    fn word(&self, hart: usize) -> (&AtomicU64, u64) {
        (&self.words()[hart / BITS], 1 << (hart % BITS))
    }

    /// Adds `hart`; returns whether it was absent.
    #[inline]
    pub fn insert(&self, hart: usize) -> bool {
        let (word, bit) = self.word(hart);
        word.fetch_or(bit, Ordering::SeqCst) & bit == 0
    }

    /// Removes `hart`; returns whether it was there (so of several harts removing the same
    /// hart, exactly one sees `true`).
    #[inline]
    pub fn remove(&self, hart: usize) -> bool {
        let (word, bit) = self.word(hart);
        word.fetch_and(!bit, Ordering::SeqCst) & bit != 0
    }

    /// Whether `hart` is in the set.
    #[inline]
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
