//! The payload with the strict-priority FIFO policy (the default).
#![no_std]
#![no_main]

coroutine::payload!(coroutine::policy::StrictPriority);
