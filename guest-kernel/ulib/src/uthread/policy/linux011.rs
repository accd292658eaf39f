//! Linux 0.11's scheduler (`sched.c`, as User_Schedule's `get_next_task_011`): every task has
//! a counter of quanta left; the running task's counter drops by one at the end of each
//! quantum and it is preempted at zero; the ready task with the largest counter runs next.
//! When every ready task's counter is zero, *every* task's counter becomes
//! `counter / 2 + priority`, so that tasks which slept come back with up to twice their
//! share. Here the "priority" (0.11's time slice) of a task of priority p (0 highest) is
//! `PRIORITIES - p` quanta.
//!
//! Linux 0.11 scans all tasks at each decision, fine for its 64; for a million the ready
//! tasks sit in one queue per counter value (at most `2 * PRIORITIES`), and a blocked task's
//! counter catches up with the recalculations it missed when it wakes (each task keeps the
//! epoch of its last update), so no decision scans the table.

use super::{Policy, Why};
use crate::uthread::task::{Queue, TaskId, Tasks, PRIORITIES};

/// Counter values run 0..=MAX_COUNTER.
const MAX_COUNTER: usize = 2 * PRIORITIES as usize;

pub struct Linux011 {
    /// Ready tasks by counter value.
    ready: [Queue; MAX_COUNTER + 1],
    /// Bit c: `ready[c]` is not empty.
    nonempty: u32,
    /// Recalculations so far (mod 2^16).
    epoch: u16,
}

impl Default for Linux011 {
    fn default() -> Self {
        Linux011 {
            ready: [Queue::new(); MAX_COUNTER + 1],
            nonempty: 0,
            epoch: 0,
        }
    }
}

/// A task's 0.11 "priority": its share in quanta.
fn share(tasks: &Tasks, task: TaskId) -> u32 {
    (PRIORITIES - tasks.get(task).priority) as u32
}

/// The policy word: counter in the low 16 bits, epoch of its last update in the high 16.
fn counter(tasks: &Tasks, task: TaskId) -> u32 {
    tasks.get(task).policy_word & 0xffff
}

fn set(tasks: &mut Tasks, task: TaskId, counter: u32, epoch: u16) {
    tasks.get_mut(task).policy_word = counter.min(MAX_COUNTER as u32) | (epoch as u32) << 16;
}

impl Linux011 {
    fn push(&mut self, tasks: &mut Tasks, task: TaskId) {
        let c = counter(tasks, task) as usize;
        self.ready[c].push_back(tasks, task);
        self.nonempty |= 1 << c;
    }

    /// Applies the recalculations `task` missed while it was not ready.
    fn catch_up(&self, tasks: &mut Tasks, task: TaskId) {
        let missed = self
            .epoch
            .wrapping_sub((tasks.get(task).policy_word >> 16) as u16);
        let mut c = counter(tasks, task);
        // Two missed rounds already bring any counter to its limit 2p - 1 or 2p.
        for _ in 0..missed.min(2 * MAX_COUNTER as u16) {
            c = c / 2 + share(tasks, task);
        }
        set(tasks, task, c, self.epoch);
    }
}

impl Policy for Linux011 {
    fn enqueue(&mut self, tasks: &mut Tasks, task: TaskId, why: Why) {
        if why == Why::New {
            let c = share(tasks, task);
            set(tasks, task, c, self.epoch);
        } else {
            self.catch_up(tasks, task);
        }
        self.push(tasks, task);
    }

    fn dequeue(&mut self, tasks: &mut Tasks) -> Option<TaskId> {
        if self.nonempty == 0 {
            return None;
        }
        if self.nonempty == 1 {
            // Every ready task has used its counter up: recalculate (ready tasks have 0, so
            // they get exactly their share; the others catch up when they wake).
            self.epoch = self.epoch.wrapping_add(1);
            let mut exhausted = core::mem::take(&mut self.ready[0]);
            self.nonempty = 0;
            while let Some(task) = exhausted.pop_front(tasks) {
                let c = share(tasks, task);
                set(tasks, task, c, self.epoch);
                self.push(tasks, task);
            }
        }
        let c = 31 - self.nonempty.leading_zeros() as usize;
        let task = self.ready[c].pop_front(tasks);
        if self.ready[c].is_empty() {
            self.nonempty &= !(1 << c);
        }
        task
    }

    fn quantum_end(&mut self, tasks: &mut Tasks, running: TaskId) -> bool {
        self.catch_up(tasks, running);
        let c = counter(tasks, running).saturating_sub(1);
        set(tasks, running, c, self.epoch);
        c == 0 && self.nonempty != 0
    }
}
