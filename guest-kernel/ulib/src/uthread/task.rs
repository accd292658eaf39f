//! The task table: one small record per task, addressed by index, with an intrusive link so
//! that policies queue tasks without allocating.

use alloc::vec::Vec;

/// A task's index in the table (reused after the task ends).
pub type TaskId = u32;

/// No task (end of a queue).
pub const NONE: TaskId = u32::MAX;

/// Task priorities: 0 is the highest, [`PRIORITIES`] - 1 the lowest.
pub const PRIORITIES: u8 = 8;

/// Where a task is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum State {
    /// In a policy's queue, never run.
    New,
    /// In a policy's queue, suspended.
    Ready,
    /// Running.
    Running,
    /// Waiting for a sleep to end or a blocking call to return.
    Blocked,
    /// Ended; the record is free.
    Free,
}

/// One task: 48 bytes.
pub struct Task {
    /// Suspended: the saved stack pointer.
    pub sp: usize,
    /// Base of its stack (0: has none, never ran).
    pub stack: usize,
    /// What it runs, and with what.
    pub entry: fn(usize),
    pub arg: usize,
    /// The next task in the queue it is in ([`NONE`]), or the next free record.
    pub next: TaskId,
    /// The policy's own word (time used, counter, ...).
    pub policy_word: u32,
    pub state: State,
    pub priority: u8,
}

/// All tasks.
pub struct Tasks {
    tasks: Vec<Task>,
    /// Free records, linked through `next`.
    free: TaskId,
    live: usize,
}

impl Tasks {
    /// A table with room for `capacity` tasks before it grows.
    pub fn with_capacity(capacity: usize) -> Tasks {
        Tasks {
            tasks: Vec::with_capacity(capacity),
            free: NONE,
            live: 0,
        }
    }

    /// Tasks not yet ended.
    pub fn live(&self) -> usize {
        self.live
    }

    /// Bytes the table holds.
    pub fn bytes(&self) -> usize {
        self.tasks.capacity() * size_of::<Task>()
    }

    /// Adds a new task; returns its id.
    pub fn add(&mut self, entry: fn(usize), arg: usize, priority: u8) -> TaskId {
        let task = Task {
            sp: 0,
            stack: 0,
            entry,
            arg,
            next: NONE,
            policy_word: 0,
            state: State::New,
            priority: priority.min(PRIORITIES - 1),
        };
        self.live += 1;
        if self.free != NONE {
            let id = self.free;
            self.free = self.tasks[id as usize].next;
            self.tasks[id as usize] = task;
            return id;
        }
        let id = self.tasks.len() as TaskId;
        self.tasks.push(task);
        id
    }

    /// Frees an ended task's record.
    pub fn remove(&mut self, id: TaskId) {
        let task = &mut self.tasks[id as usize];
        task.state = State::Free;
        task.next = self.free;
        self.free = id;
        self.live -= 1;
    }

    pub fn get(&self, id: TaskId) -> &Task {
        &self.tasks[id as usize]
    }

    pub fn get_mut(&mut self, id: TaskId) -> &mut Task {
        &mut self.tasks[id as usize]
    }
}

/// A FIFO of tasks linked through their `next` fields; a task is in at most one queue.
#[derive(Clone, Copy)]
pub struct Queue {
    head: TaskId,
    tail: TaskId,
}

impl Default for Queue {
    fn default() -> Self {
        Queue::new()
    }
}

impl Queue {
    pub const fn new() -> Queue {
        Queue {
            head: NONE,
            tail: NONE,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.head == NONE
    }

    pub fn push_back(&mut self, tasks: &mut Tasks, id: TaskId) {
        tasks.get_mut(id).next = NONE;
        if self.tail == NONE {
            self.head = id;
        } else {
            tasks.get_mut(self.tail).next = id;
        }
        self.tail = id;
    }

    pub fn pop_front(&mut self, tasks: &mut Tasks) -> Option<TaskId> {
        if self.head == NONE {
            return None;
        }
        let id = self.head;
        self.head = tasks.get(id).next;
        if self.head == NONE {
            self.tail = NONE;
        }
        Some(id)
    }

    /// Moves every task of `other` to the end of this queue.
    pub fn append(&mut self, tasks: &mut Tasks, other: &mut Queue) {
        if other.is_empty() {
            return;
        }
        if self.tail == NONE {
            self.head = other.head;
        } else {
            tasks.get_mut(self.tail).next = other.head;
        }
        self.tail = other.tail;
        *other = Queue::new();
    }
}
