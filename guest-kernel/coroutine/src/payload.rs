//! [`payload!`](crate::payload): the function table of a payload built around one policy.
//!
//! The table is written in assembly so that each entry is `function - table`, a difference
//! the linker resolves to a constant: the image holds no absolute address and needs no
//! relocation wherever it is mapped.

/// Packs 8 bytes of a name, little-endian, from byte `at` (for the table's `policy` field).
pub const fn name_word(name: &[u8; 16], at: usize) -> u64 {
    let mut word = 0u64;
    let mut i = 0;
    while i < 8 {
        word |= (name[at + i] as u64) << (8 * i);
        i += 1;
    }
    word
}

/// Defines a payload's entry functions for policy `$policy`, its table (symbol
/// `COROUTINE_TABLE` in section `.payload_table`, which the payload's linker script puts
/// first) and its panic handler.
#[macro_export]
macro_rules! payload {
    ($policy:ty) => {
        unsafe extern "C" fn payload_init(e: *mut $crate::Executor) {
            unsafe { $crate::run::init(e) }
        }
        unsafe extern "C" fn payload_spawn(
            e: *mut $crate::Executor,
            block: *mut $crate::Coroutine,
            priority: u32,
            kind: u32,
        ) -> usize {
            unsafe { $crate::run::spawn(e, block, priority, kind) }
        }
        unsafe extern "C" fn payload_run_next(e: *mut $crate::Executor, cpu: usize) -> u32 {
            unsafe { $crate::run::run_next::<$policy>(e, cpu) }
        }
        unsafe extern "C" fn payload_wake(e: *mut $crate::Executor, id: usize) -> u32 {
            unsafe { $crate::run::wake(e, id) }
        }
        unsafe extern "C" fn payload_current(e: *mut $crate::Executor, cpu: usize) -> usize {
            unsafe { $crate::run::current(e, cpu) }
        }
        unsafe extern "C" fn payload_set_priority(
            e: *mut $crate::Executor,
            id: usize,
            priority: u32,
        ) -> u32 {
            unsafe { $crate::run::set_priority(e, id, priority) }
        }
        unsafe extern "C" fn payload_best_priority(e: *mut $crate::Executor) -> u32 {
            unsafe { $crate::run::best_priority(e) }
        }
        unsafe extern "C" fn payload_bind(
            e: *mut $crate::Executor,
            id: usize,
            register: usize,
        ) -> u32 {
            unsafe { $crate::run::bind(e, id, register) }
        }
        unsafe extern "C" fn payload_unbind(e: *mut $crate::Executor, id: usize, register: usize) {
            unsafe { $crate::run::unbind(e, id, register) }
        }

        core::arch::global_asm!(
            ".pushsection .payload_table, \"a\"",
            ".balign 8",
            ".globl COROUTINE_TABLE",
            "COROUTINE_TABLE:",
            ".8byte {magic}",
            ".4byte {version}",
            ".4byte {count}",
            ".8byte {name0}",
            ".8byte {name1}",
            ".8byte {size}",
            ".8byte {init} - COROUTINE_TABLE",
            ".8byte {spawn} - COROUTINE_TABLE",
            ".8byte {run_next} - COROUTINE_TABLE",
            ".8byte {wake} - COROUTINE_TABLE",
            ".8byte {current} - COROUTINE_TABLE",
            ".8byte {set_priority} - COROUTINE_TABLE",
            ".8byte {best_priority} - COROUTINE_TABLE",
            ".8byte {bind} - COROUTINE_TABLE",
            ".8byte {unbind} - COROUTINE_TABLE",
            ".popsection",
            magic = const $crate::table::TABLE_MAGIC,
            version = const $crate::table::VERSION,
            count = const $crate::table::entry::COUNT,
            name0 = const $crate::payload::name_word(&<$policy as $crate::policy::Policy>::NAME, 0),
            name1 = const $crate::payload::name_word(&<$policy as $crate::policy::Policy>::NAME, 8),
            size = const core::mem::size_of::<$crate::Executor>(),
            init = sym payload_init,
            spawn = sym payload_spawn,
            run_next = sym payload_run_next,
            wake = sym payload_wake,
            current = sym payload_current,
            set_priority = sym payload_set_priority,
            best_priority = sym payload_best_priority,
            bind = sym payload_bind,
            unbind = sym payload_unbind,
        );

        /// A payload cannot report a panic (it has no output of its own), and its code has
        /// no panicking paths; should one be reached, the thread stops here.
        #[panic_handler]
        fn panic(_: &core::panic::PanicInfo) -> ! {
            loop {
                core::hint::spin_loop();
            }
        }
    };
}
