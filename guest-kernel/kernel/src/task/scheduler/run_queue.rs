//! Ready threads by priority: a FIFO per level (`abi::PRIORITIES`, 0 most urgent), the queue
//! both policies keep (one per hart, or one for all harts).

use crate::task::thread::Thread;
use abi::PRIORITIES;
use alloc::collections::VecDeque;
use alloc::sync::Arc;

/// Threads ready to run, a FIFO per priority.
pub struct RunQueue {
    levels: [VecDeque<Arc<Thread>>; PRIORITIES],
}

impl RunQueue {
    pub const fn new() -> RunQueue {
        RunQueue {
            levels: [const { VecDeque::new() }; PRIORITIES],
        }
    }

    pub fn push(&mut self, thread: Arc<Thread>, priority: usize) {
        self.levels[priority].push_back(thread);
    }

    /// The first thread of the highest priority, and that priority.
    pub fn pop(&mut self) -> Option<(Arc<Thread>, usize)> {
        let mut levels = self.levels.iter_mut().enumerate();
        levels.find_map(|(priority, level)| Some((level.pop_front()?, priority)))
    }

    /// The last thread of the highest priority (the one that would wait longest here), and
    /// that priority.
    pub fn steal(&mut self) -> Option<(Arc<Thread>, usize)> {
        let mut levels = self.levels.iter_mut().enumerate();
        levels.find_map(|(priority, level)| Some((level.pop_back()?, priority)))
    }

    pub fn best_priority(&self) -> Option<usize> {
        self.levels.iter().position(|level| !level.is_empty())
    }
}
