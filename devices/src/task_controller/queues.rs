//! The ready queues of one queue set: `capacity` preallocated nodes linked into one FIFO per
//! (local queue, priority), with a per-queue bitmap of non-empty priorities, so enqueue and
//! dequeue are O(1) and nothing allocates while the guest runs.

use sim_core::time::SimTime;

/// No node / empty list.
const NIL: u16 = u16::MAX;
/// `woken` of a task software enqueued.
pub(super) const NOT_WOKEN: SimTime = SimTime::MAX;
/// The ready queues of one set: `capacity` nodes linked into one FIFO per (local queue,
/// priority), all preallocated.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone)]
pub(super) struct Queues {
    next: Vec<u16>,
    task: Vec<u64>,
    woken: Vec<SimTime>,
    free: u16,
    head: Vec<u16>,
    tail: Vec<u16>,
    /// Per local queue: bit p set when priority p is non-empty.
    mask: Vec<u32>,
    pub(super) count: Vec<u16>,
    pub(super) len: usize,
    prios: usize,
}

impl Queues {
    pub(super) fn new(lqs: usize, prios: usize, capacity: usize) -> Self {
        let mut q = Self {
            next: vec![NIL; capacity],
            task: vec![0; capacity],
            woken: vec![NOT_WOKEN; capacity],
            free: NIL,
            head: vec![NIL; lqs * prios],
            tail: vec![NIL; lqs * prios],
            mask: vec![0; lqs],
            count: vec![0; lqs],
            len: 0,
            prios,
        };
        q.clear();
        q
    }

    /// Empty every queue.
    pub(super) fn clear(&mut self) {
        let n = self.next.len();
        for i in 0..n {
            self.next[i] = if i + 1 < n { (i + 1) as u16 } else { NIL };
        }
        self.free = if n > 0 { 0 } else { NIL };
        self.head.fill(NIL);
        self.tail.fill(NIL);
        self.mask.fill(0);
        self.count.fill(0);
        self.len = 0;
    }

    /// Append `task` to local queue `lq` at priority `prio`; false when no node is free.
    pub(super) fn push(&mut self, lq: usize, prio: usize, task: u64, woken: SimTime) -> bool {
        let node = self.free;
        if node == NIL || lq >= self.mask.len() || prio >= self.prios {
            return false;
        }
        let n = node as usize;
        self.free = self.next[n];
        self.next[n] = NIL;
        self.task[n] = task;
        self.woken[n] = woken;
        let fifo = lq * self.prios + prio;
        match self.tail[fifo] {
            NIL => self.head[fifo] = node,
            t => self.next[t as usize] = node,
        }
        self.tail[fifo] = node;
        self.mask[lq] |= 1 << prio;
        self.count[lq] += 1;
        self.len += 1;
        true
    }

    /// The highest priority (lowest number) waiting in `lq`.
    pub(super) fn best(&self, lq: usize) -> Option<u32> {
        let m = *self.mask.get(lq)?;
        (m != 0).then(|| m.trailing_zeros())
    }

    /// Take the head of `lq`'s highest non-empty priority.
    pub(super) fn pop(&mut self, lq: usize) -> Option<(u64, SimTime)> {
        let prio = self.best(lq)? as usize;
        let fifo = lq * self.prios + prio;
        let node = self.head[fifo];
        let n = node as usize;
        self.head[fifo] = self.next[n];
        if self.head[fifo] == NIL {
            self.tail[fifo] = NIL;
            self.mask[lq] &= !(1 << prio);
        }
        self.next[n] = self.free;
        self.free = node;
        self.count[lq] -= 1;
        self.len -= 1;
        Some((self.task[n], self.woken[n]))
    }

    /// The local queue other than `thief` holding the highest-priority task (lowest index on
    /// ties).
    pub(super) fn victim(&self, thief: usize) -> Option<usize> {
        (0..self.mask.len())
            .filter(|&lq| lq != thief)
            .filter_map(|lq| self.best(lq).map(|p| (p, lq)))
            .min()
            .map(|(_, lq)| lq)
    }

    /// Move every task into local queue 0, appending queue 1's after queue 0's, and so on,
    /// per priority (a switch to the shared queue of c-FCFS).
    pub(super) fn merge_into_first(&mut self) {
        for lq in 1..self.mask.len() {
            for prio in 0..self.prios {
                let from = lq * self.prios + prio;
                let (h, t) = (self.head[from], self.tail[from]);
                if h == NIL {
                    continue;
                }
                match self.tail[prio] {
                    NIL => self.head[prio] = h,
                    last => self.next[last as usize] = h,
                }
                self.tail[prio] = t;
                self.head[from] = NIL;
                self.tail[from] = NIL;
            }
            self.mask[0] |= self.mask[lq];
            self.count[0] += self.count[lq];
            self.mask[lq] = 0;
            self.count[lq] = 0;
        }
    }
}
