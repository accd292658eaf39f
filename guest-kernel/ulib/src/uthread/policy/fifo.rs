//! First come, first served (User_Schedule's only policy): one queue in arrival order; the
//! end of a quantum never preempts, so a task runs until it ends, yields or blocks.

use super::{Policy, Why};
use crate::uthread::task::{Queue, TaskId, Tasks};

#[derive(Default)]
pub struct Fifo {
    ready: Queue,
}

impl Policy for Fifo {
    fn enqueue(&mut self, tasks: &mut Tasks, task: TaskId, _why: Why) {
        self.ready.push_back(tasks, task);
    }

    fn dequeue(&mut self, tasks: &mut Tasks) -> Option<TaskId> {
        self.ready.pop_front(tasks)
    }

    fn quantum_end(&mut self, _tasks: &mut Tasks, _running: TaskId) -> bool {
        false
    }
}
