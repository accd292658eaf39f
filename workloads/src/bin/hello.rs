//! The smallest useful program: says where it runs and what it was given.
//!
//! `hartlab boot --bootargs "run hello a b"` prints
//!
//! ```text
//! hello from pid 2 on hart 0
//! arg 1: a
//! arg 2: b
//! ```

#![no_std]
#![no_main]

use ulib::{println, process, thread};

ulib::main!(main);

fn main(args: &[&str]) -> i32 {
    println!(
        "hello from pid {} on hart {}",
        process::getpid(),
        thread::current_hart()
    );
    for (i, arg) in args.iter().enumerate().skip(1) {
        println!("arg {i}: {arg}");
    }
    0
}
