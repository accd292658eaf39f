//! Strict priority: the highest-priority ready task runs (0 highest); tasks of one priority
//! take turns, a quantum each. A task whose quantum ends is preempted only by a ready task
//! of its priority or higher, so a lower priority never runs while a higher one is ready
//! (a higher-priority task that becomes ready waits at most until the running task's
//! quantum ends).

use super::{Policy, Why};
use crate::uthread::task::{Queue, TaskId, Tasks, PRIORITIES};

pub struct Priority {
    ready: [Queue; PRIORITIES as usize],
    /// Bit p: `ready[p]` is not empty.
    nonempty: u32,
}

impl Default for Priority {
    fn default() -> Self {
        Priority {
            ready: [Queue::new(); PRIORITIES as usize],
            nonempty: 0,
        }
    }
}

impl Policy for Priority {
    fn enqueue(&mut self, tasks: &mut Tasks, task: TaskId, _why: Why) {
        let p = tasks.get(task).priority as usize;
        self.ready[p].push_back(tasks, task);
        self.nonempty |= 1 << p;
    }

    fn dequeue(&mut self, tasks: &mut Tasks) -> Option<TaskId> {
        if self.nonempty == 0 {
            return None;
        }
        let p = self.nonempty.trailing_zeros() as usize;
        let task = self.ready[p].pop_front(tasks);
        if self.ready[p].is_empty() {
            self.nonempty &= !(1 << p);
        }
        task
    }

    fn quantum_end(&mut self, tasks: &mut Tasks, running: TaskId) -> bool {
        let p = tasks.get(running).priority as u32;
        self.nonempty & ((2 << p) - 1) != 0
    }
}
