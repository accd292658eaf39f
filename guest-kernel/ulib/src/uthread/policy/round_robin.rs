//! Round robin: one queue; a task whose quantum ends goes to its back if another task is
//! ready.

use super::{Policy, Why};
use crate::uthread::task::{Queue, TaskId, Tasks};

#[derive(Default)]
pub struct RoundRobin {
    ready: Queue,
}

impl Policy for RoundRobin {
    fn enqueue(&mut self, tasks: &mut Tasks, task: TaskId, _why: Why) {
        self.ready.push_back(tasks, task);
    }

    fn dequeue(&mut self, tasks: &mut Tasks) -> Option<TaskId> {
        self.ready.pop_front(tasks)
    }

    fn quantum_end(&mut self, _tasks: &mut Tasks, _running: TaskId) -> bool {
        !self.ready.is_empty()
    }
}
