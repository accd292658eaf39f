//! The payload with the priority-with-aging policy.
#![no_std]
#![no_main]

coroutine::payload!(coroutine::policy::Aging);
