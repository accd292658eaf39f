//! Intrusive FIFO lists of control blocks: a ready queue links its coroutines through their
//! own `next` field, so queueing never allocates. Callers hold the executor's lock.

use crate::control_block::Coroutine;
use crate::executor::Fifo;
use core::ptr::null_mut;

impl Fifo {
    /// Appends `block`.
    ///
    /// # Safety
    /// `block` is valid and in no list.
    pub(crate) unsafe fn push_back(&mut self, block: *mut Coroutine) {
        // SAFETY: valid, as the caller promises; `tail` is valid while non-null.
        unsafe {
            (*block).next = null_mut();
            if self.tail.is_null() {
                self.head = block;
            } else {
                (*self.tail).next = block;
            }
        }
        self.tail = block;
    }

    /// Takes the first block.
    pub(crate) fn pop_front(&mut self) -> Option<*mut Coroutine> {
        let block = self.head;
        if block.is_null() {
            return None;
        }
        // SAFETY: blocks in the list are valid.
        unsafe {
            self.head = (*block).next;
            (*block).next = null_mut();
        }
        if self.head.is_null() {
            self.tail = null_mut();
        }
        Some(block)
    }

    /// Takes `block` out if it is in the list; returns whether it was.
    pub(crate) fn remove(&mut self, block: *mut Coroutine) -> bool {
        let mut previous: *mut Coroutine = null_mut();
        let mut at = self.head;
        while !at.is_null() {
            // SAFETY: blocks in the list are valid.
            let next = unsafe { (*at).next };
            if at == block {
                if previous.is_null() {
                    self.head = next;
                } else {
                    // SAFETY: as above.
                    unsafe { (*previous).next = next };
                }
                if self.tail == block {
                    self.tail = previous;
                }
                // SAFETY: as above.
                unsafe { (*block).next = null_mut() };
                return true;
            }
            previous = at;
            at = next;
        }
        false
    }

    /// Whether `block` is in the list.
    pub(crate) fn contains(&self, block: *mut Coroutine) -> bool {
        let mut at = self.head;
        while !at.is_null() {
            if at == block {
                return true;
            }
            // SAFETY: blocks in the list are valid.
            at = unsafe { (*at).next };
        }
        false
    }

    /// Whether the list is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_null()
    }
}
