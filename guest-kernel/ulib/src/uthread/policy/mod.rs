//! Scheduling policies: which ready task runs next, and whether the running one is preempted
//! when its quantum ends. A new policy is one file here implementing [`Policy`] plus a line
//! in [`Kind`].

mod fifo;
mod linux011;
mod priority;
mod round_robin;

use super::task::{TaskId, Tasks};
use alloc::boxed::Box;

pub use fifo::Fifo;
pub use linux011::Linux011;
pub use priority::Priority;
pub use round_robin::RoundRobin;

/// Why a task is handed to [`Policy::enqueue`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Why {
    /// Just spawned.
    New,
    /// Gave the processor up ([`super::yield_now`]).
    Yielded,
    /// Its quantum ended and [`Policy::quantum_end`] preempted it.
    Preempted,
    /// Its sleep or blocking call ended.
    Woken,
}

/// A scheduling policy. Called with the scheduler's state locked against preemption; must
/// not allocate in [`Policy::enqueue`], [`Policy::dequeue`] or [`Policy::quantum_end`]
/// (they run in interrupt handlers).
pub trait Policy {
    /// `task` is ready to run.
    fn enqueue(&mut self, tasks: &mut Tasks, task: TaskId, why: Why);
    /// The task to run next, taken off the ready tasks.
    fn dequeue(&mut self, tasks: &mut Tasks) -> Option<TaskId>;
    /// `running` has run for a quantum without switching: whether to preempt it (it is then
    /// handed back with [`Why::Preempted`]). Otherwise it runs another quantum.
    fn quantum_end(&mut self, tasks: &mut Tasks, running: TaskId) -> bool;
}

/// The policies, by name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Fifo,
    RoundRobin,
    Priority,
    Linux011,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Fifo, Kind::RoundRobin, Kind::Priority, Kind::Linux011];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Fifo => "fifo",
            Kind::RoundRobin => "rr",
            Kind::Priority => "priority",
            Kind::Linux011 => "linux011",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn build(self) -> Box<dyn Policy> {
        match self {
            Kind::Fifo => Box::new(Fifo::default()),
            Kind::RoundRobin => Box::new(RoundRobin::default()),
            Kind::Priority => Box::new(Priority::default()),
            Kind::Linux011 => Box::new(Linux011::default()),
        }
    }
}
