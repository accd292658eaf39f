//! Task stacks: fixed-size blocks mapped from the kernel in batches, kept on a LIFO free list.
//!
//! A task takes a stack when it first runs and gives it back when it ends, so stacks cost
//! memory only for tasks that have started and not finished, the ones preempted or blocked
//! (embassy_preempt's "stack on preemption", for stackful tasks: a task that runs to its end
//! without being switched out leaves the stack, still warm in the cache, to the next one).
//! The list is threaded through the free stacks' lowest words; nothing here uses the heap,
//! so a preemption may take a stack while the interrupted task holds the heap's lock.
//!
//! The lowest word of a stack in use holds [`CANARY`]; a task that overwrote it ran off its
//! stack (there is no guard page) and [`Stacks::check`] says so.

use crate::syscall;
use abi::Errno;

/// What the lowest word of a stack in use holds.
pub const CANARY: usize = 0x5354_4143_4b5f_4f4b;

/// Stacks mapped from the kernel at a time (at most).
const BATCH: usize = 16;

/// The pool.
pub struct Stacks {
    /// Bytes per stack (a multiple of 16).
    size: usize,
    /// First free stack's base address (0: none).
    free: usize,
    /// Stacks mapped so far.
    mapped: usize,
    /// Stacks in use now, and the most ever.
    in_use: usize,
    high_water: usize,
}

impl Stacks {
    /// An empty pool of `size`-byte stacks (rounded up to 16 bytes).
    pub const fn new(size: usize) -> Stacks {
        Stacks {
            size: size.div_ceil(16) * 16,
            free: 0,
            mapped: 0,
            in_use: 0,
            high_water: 0,
        }
    }

    /// Bytes per stack.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Stacks in use at most so far.
    pub fn high_water(&self) -> usize {
        self.high_water
    }

    /// Stacks mapped from the kernel so far.
    pub fn mapped(&self) -> usize {
        self.mapped
    }

    /// A stack's base address (lowest byte), marked with the canary.
    pub fn take(&mut self) -> Result<usize, Errno> {
        if self.free == 0 {
            self.map_batch()?;
        }
        let base = self.free;
        // SAFETY: a free stack's lowest word holds the next free stack (`give`, `map_batch`).
        unsafe {
            self.free = (base as *const usize).read();
            (base as *mut usize).write(CANARY);
        }
        self.in_use += 1;
        self.high_water = self.high_water.max(self.in_use);
        Ok(base)
    }

    /// Gives back the stack at `base`.
    pub fn give(&mut self, base: usize) {
        // SAFETY: `base` came from `take`; its owner has ended and nothing else uses it.
        unsafe { (base as *mut usize).write(self.free) };
        self.free = base;
        self.in_use -= 1;
    }

    /// The top (one past the highest byte) of the stack at `base`.
    pub fn top(&self, base: usize) -> usize {
        base + self.size
    }

    /// Whether the stack at `base` still has its canary.
    pub fn check(base: usize) -> bool {
        // SAFETY: `base` is a stack in use, mapped for as long as the process lives.
        unsafe { (base as *const usize).read_volatile() == CANARY }
    }

    fn map_batch(&mut self) -> Result<(), Errno> {
        let count = BATCH.min(self.mapped.max(1));
        let start = syscall::map_memory(count * self.size)?;
        for i in (0..count).rev() {
            self.give_fresh(start + i * self.size);
        }
        self.mapped += count;
        Ok(())
    }

    fn give_fresh(&mut self, base: usize) {
        // SAFETY: fresh memory the kernel just mapped for this pool.
        unsafe { (base as *mut usize).write(self.free) };
        self.free = base;
    }
}
