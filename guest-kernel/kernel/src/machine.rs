//! What the kernel knows about the machine, read from the device tree the firmware passes
//! in `a1`.

use fdt::Fdt;

/// Largest hart id the kernel supports, plus one.
pub const MAX_HARTS: usize = 16;

/// The machine as the device tree describes it.
pub struct Machine {
    /// Bit `i` set: hart `i` exists.
    harts: u64,
    /// Total bytes of RAM over all memory regions.
    pub memory_bytes: usize,
    /// Frequency of the `time` CSR, in Hz.
    pub timebase_hz: usize,
    /// `/chosen/bootargs` (truncated to the buffer), if any.
    bootargs: [u8; BOOTARGS_MAX],
    bootargs_len: usize,
    /// The hartlab-only devices found: sim-control, UINTC, task controller.
    pub hartlab_devices: [bool; HARTLAB_DEVICES.len()],
}

/// Longest kernel command line kept.
const BOOTARGS_MAX: usize = 256;

/// Device-tree `compatible` strings of the devices only hartlab has, and their names.
pub const HARTLAB_DEVICES: [(&str, &str); 3] = [
    ("hartlab,sim-control", "sim-control"),
    ("riscv,uintc0", "uintc"),
    ("hartlab,task-controller", "task-controller"),
];

impl Machine {
    /// Reads the device tree at `dtb`.
    ///
    /// # Safety
    /// `dtb` must be the address of a device tree that stays in place.
    pub unsafe fn from_device_tree(dtb: usize) -> Machine {
        // SAFETY: the caller vouches for the address; the crate checks the header.
        let fdt = unsafe { Fdt::from_ptr(dtb as *const u8) }.expect("no valid device tree in a1");
        let mut machine = Machine {
            harts: 0,
            memory_bytes: 0,
            timebase_hz: 0,
            bootargs: [0; BOOTARGS_MAX],
            bootargs_len: 0,
            hartlab_devices: [false; HARTLAB_DEVICES.len()],
        };
        if let Some(args) = fdt.chosen().bootargs() {
            let n = args.len().min(BOOTARGS_MAX);
            machine.bootargs[..n].copy_from_slice(&args.as_bytes()[..n]);
            machine.bootargs_len = n;
        }
        for (found, (compatible, _)) in machine.hartlab_devices.iter_mut().zip(HARTLAB_DEVICES) {
            *found = fdt.find_compatible(&[compatible]).is_some();
        }
        for cpu in fdt.cpus() {
            let id = cpu.ids().first();
            if id < MAX_HARTS {
                machine.harts |= 1 << id;
            } else {
                crate::println!("hart {id} is beyond the kernel's {MAX_HARTS}: not used");
            }
            machine.timebase_hz = cpu.timebase_frequency();
        }
        machine.memory_bytes = fdt
            .memory()
            .regions()
            .filter_map(|region| region.size)
            .sum();
        machine
    }

    /// The ids of the harts, in increasing order.
    pub fn harts(&self) -> impl Iterator<Item = usize> + '_ {
        (0..MAX_HARTS).filter(|&id| self.harts & (1 << id) != 0)
    }

    /// The kernel command line from `/chosen/bootargs` (empty if none).
    pub fn bootargs(&self) -> &str {
        core::str::from_utf8(&self.bootargs[..self.bootargs_len]).unwrap_or("")
    }

    /// How many harts there are.
    pub fn hart_count(&self) -> usize {
        self.harts.count_ones() as usize
    }
}
