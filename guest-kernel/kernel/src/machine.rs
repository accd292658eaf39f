//! What the kernel knows about the machine, read from the device tree the firmware passes
//! in `a1`.
//!
//! Everything needed later is copied out, so the device tree's memory is not needed after
//! [`Machine::from_device_tree`] (the frame allocator still leaves it alone).

use alloc::vec::Vec;
use core::ops::Range;
use fdt::Fdt;
use spin::Once;

/// The machine, once read.
static MACHINE: Once<Machine> = Once::new();

/// Reads the device tree at `dtb` and keeps what it says for [`get`].
///
/// # Safety
/// `dtb` must be the address of a device tree that stays in place.
pub unsafe fn init(dtb: usize) -> &'static Machine {
    // SAFETY: passed on from the caller.
    MACHINE.call_once(|| unsafe { Machine::from_device_tree(dtb) })
}

/// The machine (after [`init`]).
pub fn get() -> &'static Machine {
    MACHINE.get().expect("machine::init has not run")
}

/// The machine as the device tree describes it.
pub struct Machine {
    /// The ids of the harts, in increasing order.
    harts: Vec<usize>,
    /// Total bytes of RAM over all memory regions.
    pub memory_bytes: usize,
    /// The physical address ranges of RAM.
    pub memory: Vec<Range<usize>>,
    /// Where the device tree blob itself lies.
    pub device_tree: Range<usize>,
    /// The MMIO register ranges of the devices the kernel knows, present in the device tree.
    pub mmio: Vec<Range<usize>>,
    /// Frequency of the `time` CSR, in Hz.
    pub timebase_hz: usize,
    /// `/chosen/bootargs` (truncated to the buffer), if any.
    bootargs: [u8; BOOTARGS_MAX],
    bootargs_len: usize,
    /// The hartlab-only devices found: sim-control, UINTC, task controller.
    pub hartlab_devices: [bool; HARTLAB_DEVICES.len()],
    /// The simulator-control device's registers, if present.
    pub sim_control: Option<Range<usize>>,
    /// The UINTC's registers (32 bytes per receiver slot), if present.
    pub uintc: Option<Range<usize>>,
    /// The task controller's register window (global region and every set's), if present.
    pub task_controller: Option<Range<usize>>,
    /// Whether every hart has Sstc (`stimecmp`), per the device tree's ISA description.
    pub sstc: bool,
    /// The PLIC, if the device tree has one.
    pub plic: Option<PlicInfo>,
    /// The virtio-mmio slots, in address order (a slot's device id says what, if anything,
    /// is behind it).
    pub virtio_mmio: Vec<VirtioSlot>,
}

/// Where the PLIC is and which of its contexts interrupt which hart in S mode.
pub struct PlicInfo {
    /// Its registers.
    pub regs: Range<usize>,
    /// `(hart id, context)` of every S-mode external-interrupt context.
    pub s_contexts: Vec<(usize, usize)>,
}

/// A virtio-mmio transport slot.
pub struct VirtioSlot {
    /// Its registers.
    pub regs: Range<usize>,
    /// Its PLIC source.
    pub irq: usize,
}

/// Longest kernel command line kept.
const BOOTARGS_MAX: usize = 256;

/// Device-tree `compatible` strings of the devices only hartlab has, and their names.
pub const HARTLAB_DEVICES: [(&str, &str); 3] = [
    ("hartlab,sim-control", "sim-control"),
    ("riscv,uintc0", "uintc"),
    ("hartlab,task-controller", "task-controller"),
];

/// Device-tree `compatible` strings of the common devices whose registers the kernel maps:
/// UART, CLINT, PLIC, virtio-mmio slots.
const COMMON_DEVICES: [&str; 6] = [
    "virtio,mmio",
    "ns16550a",
    "riscv,clint0",
    "sifive,clint0",
    "riscv,plic0",
    "sifive,plic-1.0.0",
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
            harts: Vec::new(),
            memory_bytes: 0,
            memory: Vec::new(),
            device_tree: dtb..dtb + fdt.total_size(),
            mmio: Vec::new(),
            timebase_hz: 0,
            bootargs: [0; BOOTARGS_MAX],
            bootargs_len: 0,
            hartlab_devices: [false; HARTLAB_DEVICES.len()],
            sim_control: None,
            uintc: None,
            task_controller: None,
            sstc: true,
            plic: None,
            virtio_mmio: Vec::new(),
        };
        if let Some(args) = fdt.chosen().bootargs() {
            let n = args.len().min(BOOTARGS_MAX);
            machine.bootargs[..n].copy_from_slice(&args.as_bytes()[..n]);
            machine.bootargs_len = n;
        }
        for (found, (compatible, _)) in machine.hartlab_devices.iter_mut().zip(HARTLAB_DEVICES) {
            *found = fdt.find_compatible(&[compatible]).is_some();
        }
        machine.sim_control = first_reg(&fdt, HARTLAB_DEVICES[0].0, 0x1000);
        machine.uintc = first_reg(&fdt, HARTLAB_DEVICES[1].0, 0);
        machine.task_controller = first_reg(&fdt, HARTLAB_DEVICES[2].0, 0);
        let known = COMMON_DEVICES
            .iter()
            .chain(HARTLAB_DEVICES.iter().map(|(compatible, _)| compatible));
        for node in fdt.all_nodes() {
            let Some(compatible) = node.compatible() else {
                continue;
            };
            if !compatible.all().any(|c| known.clone().any(|k| *k == c)) {
                continue;
            }
            for region in node.reg().into_iter().flatten() {
                let start = region.starting_address as usize;
                machine.mmio.push(start..start + region.size.unwrap_or(0));
            }
        }
        for cpu in fdt.cpus() {
            machine.harts.push(cpu.ids().first());
            machine.timebase_hz = cpu.timebase_frequency();
            machine.sstc &= has_sstc(&cpu);
        }
        machine.harts.sort_unstable();
        machine.harts.dedup();
        assert!(!machine.harts.is_empty(), "the device tree lists no harts");
        for region in fdt.memory().regions() {
            let start = region.starting_address as usize;
            machine.memory.push(start..start + region.size.unwrap_or(0));
        }
        machine.memory_bytes = machine.memory.iter().map(|range| range.len()).sum();
        machine.plic = plic_info(&fdt);
        let virtio = fdt.all_nodes().filter(|n| {
            n.compatible()
                .is_some_and(|c| c.all().any(|c| c == "virtio,mmio"))
        });
        for node in virtio {
            let (Some(reg), Some(irq)) = (
                node.reg().and_then(|mut r| r.next()),
                node.interrupts().and_then(|mut i| i.next()),
            ) else {
                continue;
            };
            let start = reg.starting_address as usize;
            machine.virtio_mmio.push(VirtioSlot {
                regs: start..start + reg.size.unwrap_or(0x1000),
                irq,
            });
        }
        machine
            .virtio_mmio
            .sort_unstable_by_key(|slot| slot.regs.start);
        machine
    }

    /// The ids of the harts, in increasing order.
    pub fn harts(&self) -> impl Iterator<Item = usize> + '_ {
        self.harts.iter().copied()
    }

    /// The kernel command line from `/chosen/bootargs` (empty if none).
    pub fn bootargs(&self) -> &str {
        core::str::from_utf8(&self.bootargs[..self.bootargs_len]).unwrap_or("")
    }

    /// How many harts there are.
    pub fn hart_count(&self) -> usize {
        self.harts.len()
    }

    /// One past the highest hart id: the size of per-hart state indexed by hart id
    /// (`per_hart`). Hart ids need not be contiguous, but on QEMU `virt` and hartlab they are.
    pub fn hart_id_limit(&self) -> usize {
        self.harts.last().map_or(0, |&last| last + 1)
    }
}

/// Whether a `cpu` node lists the Sstc extension, in `riscv,isa-extensions` or in the
/// `riscv,isa` string (as `_sstc`).
fn has_sstc(cpu: &fdt::standard_nodes::Cpu) -> bool {
    let listed = cpu
        .property("riscv,isa-extensions")
        .is_some_and(|p| p.value.split(|&b| b == 0).any(|ext| ext == b"sstc"));
    let in_isa = cpu
        .property("riscv,isa")
        .and_then(|p| p.as_str())
        .is_some_and(|isa| isa.split('_').any(|ext| ext == "sstc"));
    listed || in_isa
}

/// The PLIC's registers and its S-mode contexts, from its `interrupts-extended` (pairs of a
/// hart's interrupt-controller phandle and the `mip` bit the context drives: 9 is SEIP).
fn plic_info(fdt: &Fdt) -> Option<PlicInfo> {
    let node = fdt.find_compatible(&["riscv,plic0", "sifive,plic-1.0.0"])?;
    let reg = node.reg()?.next()?;
    let start = reg.starting_address as usize;
    // The phandle of each hart's interrupt controller.
    let mut intc = Vec::new();
    for cpu in fdt.find_node("/cpus")?.children() {
        let Some(hart) = cpu.reg().and_then(|mut r| r.next()) else {
            continue;
        };
        for child in cpu.children() {
            if let Some(phandle) = child.property("phandle").and_then(|p| p.as_usize()) {
                intc.push((phandle, hart.starting_address as usize));
            }
        }
    }
    let cells = node.property("interrupts-extended")?.value;
    let s_contexts = cells
        .chunks_exact(8)
        .enumerate()
        .filter_map(|(context, pair)| {
            let phandle = u32::from_be_bytes(pair[..4].try_into().ok()?) as usize;
            let line = u32::from_be_bytes(pair[4..].try_into().ok()?);
            let hart = intc.iter().find(|(p, _)| *p == phandle)?.1;
            (line == 9).then_some((hart, context))
        })
        .collect();
    Some(PlicInfo {
        regs: start..start + reg.size.unwrap_or(0x400_0000),
        s_contexts,
    })
}

/// The first register range of the device compatible with `compatible` (`default_size` when
/// the node gives none).
fn first_reg(fdt: &Fdt, compatible: &str, default_size: usize) -> Option<Range<usize>> {
    let reg = fdt.find_compatible(&[compatible])?.reg()?.next()?;
    let start = reg.starting_address as usize;
    Some(start..start + reg.size.unwrap_or(default_size))
}
