//! A program written as coroutines with priorities, on the shared scheduler payload:
//! `run coroutines [strict|aging|default] [software|taskctl|default]` (default: the kernel's
//! choices, boot arguments `coroutine=` and `coroutine_queues=`). The same program runs with
//! its ready coroutines in its own memory or in the task controller, and prints the same order.
//!
//! Its async `main` spawns eight workers, two per priority 6, 2, 4 and 0 in that order; each
//! does three steps, yielding between them, and prints every step. Strict priority runs the
//! workers most urgent first and round robin within a priority: `p0a p0b p0a p0b ...`, then
//! priority 2, 4 and 6. Then a sleeper shows `sleep(ns).await`, and two extra virtual cores
//! (`alloc_cpu`) run 64 small coroutines alongside. The output is the order of execution.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use ulib::coroutine::{self, Options, Policy, Queues};
use ulib::sync::Mutex;
use ulib::{println, time};

ulib::main!(main);

fn main(args: &[&str]) -> i32 {
    let policy = args
        .get(1)
        .map_or(Some(Policy::Default), |name| Policy::from_name(name));
    let queues = args
        .get(2)
        .map_or(Some(Queues::Default), |name| Queues::from_name(name));
    let (Some(policy), Some(queues)) = (policy, queues) else {
        println!("usage: coroutines [strict|aging|default] [software|taskctl|default]");
        return 2;
    };
    match coroutine::try_block_on_with(
        Options {
            policy,
            queues,
            ..Options::default()
        },
        async_main(),
    ) {
        Ok(()) => 0,
        Err(error) => {
            println!("coroutines: cannot start the runtime: {error:?}");
            1
        }
    }
}

async fn async_main() {
    println!(
        "coroutines: policy {}, ready queues {}, main is coroutine {:#x}",
        coroutine::policy_name(),
        if coroutine::on_task_controller() {
            "in the task controller"
        } else {
            "in memory"
        },
        coroutine::current()
    );
    let log: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicUsize::new(0));
    for priority in [6, 2, 4, 0] {
        for name in ['a', 'b'] {
            let (log, done) = (log.clone(), done.clone());
            coroutine::spawn(
                async move {
                    for step in 1..=3 {
                        log.lock().push(format!("p{priority}{name}.{step}"));
                        coroutine::yield_now().await;
                    }
                    done.fetch_add(1, Ordering::Release);
                },
                priority,
            );
        }
    }
    // Main runs at priority 4: waiting here lets the workers of priority 0 and 2 finish
    // first, and shares turns with those of priority 4.
    while done.load(Ordering::Acquire) < 8 {
        coroutine::sleep(10_000).await;
    }
    println!("order: {}", log.lock().join(" "));

    let start = time::now_ns();
    coroutine::sleep(200_000).await;
    println!(
        "slept {} us",
        if time::now_ns() - start >= 200_000 {
            "at least 200"
        } else {
            "less than 200"
        }
    );

    let cores = coroutine::alloc_cpu(2).unwrap_or(1);
    let finished = Arc::new(AtomicUsize::new(0));
    for i in 0..64 {
        let finished = finished.clone();
        coroutine::spawn(
            async move {
                coroutine::yield_now().await;
                finished.fetch_add(1, Ordering::Release);
            },
            i % 8,
        );
    }
    // Sleeping, not yielding: a yielding main (priority 4) would keep the coroutines of
    // priorities 5 to 7 waiting for ever under strict priority.
    while finished.load(Ordering::Acquire) < 64 {
        coroutine::sleep(10_000).await;
    }
    let state = coroutine::executor_state();
    println!(
        "{cores} virtual cores ran 64 more coroutines; switches by core 0: {}",
        if state.switches[0].load(Ordering::Relaxed) > 0 {
            "some"
        } else {
            "none"
        }
    );
}
