//! The flattened device tree describing the virt board, built with `vm-fdt` in the layout
//! QEMU's `virt` machine uses, so firmware and kernels written for QEMU find the same nodes.
//! This module writes the board's part (root, `/chosen`, memory, the harts and their local
//! interrupt controllers, the `soc` bus) and the phandles; each device on the bus writes its
//! own node ([`DeviceTreeNode`]) from its own window size and interrupt lines.

use anyhow::{Context, Result};
use devices::device_tree::{DeviceTreeNode, NodeWriter, Phandles};
use devices::virt;
use vm_fdt::FdtWriter;

/// What the device tree describes.
pub struct FdtParams<'a> {
    /// Number of harts.
    pub harts: usize,
    /// RAM base and size.
    pub ram_base: u64,
    /// RAM size in bytes.
    pub ram_size: u64,
    /// Timebase frequency (Hz).
    pub timebase_frequency: u64,
    /// Each hart's clock frequency (Hz).
    pub hart_frequencies: Vec<u64>,
    /// `/chosen/bootargs`, if any.
    pub bootargs: Option<&'a str>,
    /// The devices on the `soc` bus, in the order of their nodes.
    pub devices: Vec<SocDevice<'a>>,
}

/// Whether other nodes refer to a device's node (it then gets a phandle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Referenced {
    /// Nothing refers to it.
    No,
    /// It is the interrupt parent of the devices that drive platform sources.
    AsInterruptParent,
    /// Some other node refers to it (the test finisher, the syscon of poweroff and reboot).
    Yes,
}

/// A device on the `soc` bus, at the address the board maps it.
pub struct SocDevice<'a> {
    /// Base address.
    pub base: u64,
    /// The device.
    pub device: &'a dyn DeviceTreeNode,
    /// Whether other nodes refer to it.
    pub referenced: Referenced,
}

impl<'a> SocDevice<'a> {
    /// `device` at `base`, referred to by no other node.
    pub fn new(base: u64, device: &'a dyn DeviceTreeNode) -> Self {
        Self {
            base,
            device,
            referenced: Referenced::No,
        }
    }

    /// The same, referred to as `referenced` says.
    pub fn referenced(self, referenced: Referenced) -> Self {
        Self { referenced, ..self }
    }
}

/// ISA string of every hart.
pub const ISA: &str = "rv64imafdc_zicsr_zifencei_zicntr_sstc";
const ISA_EXTENSIONS: &[&str] = &[
    "i", "m", "a", "f", "d", "c", "zicsr", "zifencei", "zicntr", "sstc",
];

fn reg(base: u64, size: u64) -> [u64; 2] {
    [base, size]
}

/// Build the device tree blob.
pub fn build(p: &FdtParams) -> Result<Vec<u8>> {
    build_inner(p).context("building the device tree")
}

/// Hart `hart`'s local interrupt controller.
fn intc_phandle(hart: usize) -> u32 {
    1 + hart as u32
}

/// Hart `hart`'s `cpu` node.
fn cpu_phandle(hart: usize) -> u32 {
    0x1000 + hart as u32
}

/// The phandle of each device referred to by others, numbered after the harts' interrupt
/// controllers in node order; and the interrupt parent's (0, referring to nothing, if the
/// board has none).
fn device_phandles(p: &FdtParams) -> (Vec<Option<u32>>, u32) {
    let mut next = p.harts as u32 + 1;
    let mut parent = 0;
    let own = p
        .devices
        .iter()
        .map(|d| {
            if d.referenced == Referenced::No {
                return None;
            }
            let phandle = next;
            next += 1;
            if d.referenced == Referenced::AsInterruptParent {
                parent = phandle;
            }
            Some(phandle)
        })
        .collect();
    (own, parent)
}

/// What writing one node gives.
type NodeResult = Result<(), vm_fdt::Error>;

fn build_inner(p: &FdtParams) -> Result<Vec<u8>, vm_fdt::Error> {
    let mut f = FdtWriter::new()?;
    let (own, interrupt_parent) = device_phandles(p);
    let phandles = Phandles {
        hart_intc: (0..p.harts).map(intc_phandle).collect(),
        interrupt_parent,
    };

    let root = f.begin_node("")?;
    f.property_u32("#address-cells", 2)?;
    f.property_u32("#size-cells", 2)?;
    f.property_string_list(
        "compatible",
        vec!["hartlab,virt".into(), "riscv-virtio".into()],
    )?;
    f.property_string("model", "hartlab virt (QEMU virt compatible)")?;
    chosen(&mut f, p)?;
    memory(&mut f, p)?;
    cpus(&mut f, p)?;

    let soc = f.begin_node("soc")?;
    f.property_u32("#address-cells", 2)?;
    f.property_u32("#size-cells", 2)?;
    f.property_string("compatible", "simple-bus")?;
    f.property_null("ranges")?;
    for (d, own) in p.devices.iter().zip(own) {
        let window = d.device.window_size();
        d.device
            .write_node(&mut NodeWriter::new(&mut f, d.base, window, &phandles, own))?;
    }
    f.end_node(soc)?;
    f.end_node(root)?;
    f.finish()
}

/// `/chosen`: the console and the boot arguments.
fn chosen(f: &mut FdtWriter, p: &FdtParams) -> NodeResult {
    let chosen = f.begin_node("chosen")?;
    f.property_string(
        "stdout-path",
        &format!("/soc/serial@{:x}", virt::UART0_BASE),
    )?;
    if let Some(args) = p.bootargs {
        f.property_string("bootargs", args)?;
    }
    f.end_node(chosen)
}

/// RAM.
fn memory(f: &mut FdtWriter, p: &FdtParams) -> NodeResult {
    let memory = f.begin_node(&format!("memory@{:x}", p.ram_base))?;
    f.property_string("device_type", "memory")?;
    f.property_array_u64("reg", &reg(p.ram_base, p.ram_size))?;
    f.end_node(memory)
}

/// `/cpus`: every hart with its local interrupt controller, and the cpu map.
fn cpus(f: &mut FdtWriter, p: &FdtParams) -> NodeResult {
    let cpus = f.begin_node("cpus")?;
    f.property_u32("#address-cells", 1)?;
    f.property_u32("#size-cells", 0)?;
    f.property_u32("timebase-frequency", p.timebase_frequency as u32)?;
    for hart in 0..p.harts {
        let cpu = f.begin_node(&format!("cpu@{hart}"))?;
        f.property_string("device_type", "cpu")?;
        f.property_u32("reg", hart as u32)?;
        f.property_string("status", "okay")?;
        f.property_string("compatible", "riscv")?;
        f.property_string("riscv,isa", ISA)?;
        f.property_string("riscv,isa-base", "rv64i")?;
        f.property_string_list(
            "riscv,isa-extensions",
            ISA_EXTENSIONS.iter().map(|s| s.to_string()).collect(),
        )?;
        f.property_string("mmu-type", "riscv,sv39")?;
        let frequency = p.hart_frequencies.get(hart).copied().unwrap_or(0);
        f.property_u32("clock-frequency", frequency.min(u32::MAX as u64) as u32)?;
        f.property_u32("phandle", cpu_phandle(hart))?;
        let intc = f.begin_node("interrupt-controller")?;
        f.property_u32("#interrupt-cells", 1)?;
        f.property_null("interrupt-controller")?;
        f.property_string("compatible", "riscv,cpu-intc")?;
        f.property_u32("phandle", intc_phandle(hart))?;
        f.end_node(intc)?;
        f.end_node(cpu)?;
    }
    let map = f.begin_node("cpu-map")?;
    let cluster = f.begin_node("cluster0")?;
    for hart in 0..p.harts {
        let core = f.begin_node(&format!("core{hart}"))?;
        f.property_u32("cpu", cpu_phandle(hart))?;
        f.end_node(core)?;
    }
    f.end_node(cluster)?;
    f.end_node(map)?;
    f.end_node(cpus)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::Devices;
    use crate::config::MachineConfig;

    /// The board's devices for `harts` harts, with `configure` applied to the description.
    fn devices(harts: usize, configure: impl FnOnce(&mut MachineConfig)) -> Devices {
        let mut config = MachineConfig::default();
        config.machine.harts = harts;
        configure(&mut config);
        let machine = config.resolve().unwrap();
        Devices::new(&machine, Box::new(std::io::sink()), None).unwrap()
    }

    #[test]
    fn device_tree_describes_the_board() {
        let devices = devices(4, |c| {
            c.uintr.uintc_slots = 512;
            c.task_controller.sets = 16;
            c.task_controller.priorities = 8;
            c.task_controller.capacity = 64;
            c.net.enabled = true;
        });
        let blob = build(&FdtParams {
            harts: 4,
            ram_base: 0x8000_0000,
            ram_size: 256 << 20,
            timebase_frequency: 10_000_000,
            hart_frequencies: vec![1_000_000_000, 1_000_000_000, 500_000_000, 100_000_000],
            bootargs: Some("test quiet"),
            devices: devices.device_tree_nodes(),
        })
        .unwrap();
        let fdt = fdt::Fdt::new(&blob).unwrap();
        assert_eq!(fdt.cpus().count(), 4);
        let virtio = fdt.find_compatible(&["virtio,mmio"]).unwrap();
        assert_eq!(virtio.name, "virtio_mmio@10001000");
        let r = virtio.reg().unwrap().next().unwrap();
        assert_eq!(
            (r.starting_address as u64, r.size),
            (0x1000_1000, Some(0x1000))
        );
        assert_eq!(
            virtio.property("interrupts").and_then(|p| p.as_usize()),
            Some(1)
        );
        let cpu = fdt.cpus().next().unwrap();
        assert_eq!(
            cpu.property("riscv,isa").and_then(|p| p.as_str()),
            Some(ISA)
        );
        assert_eq!(
            cpu.property("timebase-frequency")
                .and_then(|p| p.as_usize()),
            None
        );
        let mem = fdt.memory().regions().next().unwrap();
        assert_eq!(mem.starting_address as usize, 0x8000_0000);
        assert_eq!(mem.size, Some(256 << 20));
        assert_eq!(fdt.chosen().bootargs(), Some("test quiet"));
        assert_eq!(
            fdt.chosen().stdout().map(|n| n.name),
            Some("serial@10000000")
        );
        for compatible in [
            "sifive,clint0",
            "sifive,plic-1.0.0",
            "ns16550a",
            "sifive,test0",
            "hartlab,sim-control",
            "riscv,uintc0",
            "hartlab,task-controller",
        ] {
            assert!(
                fdt.find_compatible(&[compatible]).is_some(),
                "{compatible} missing"
            );
        }
        let uart = fdt.find_compatible(&["ns16550a"]).unwrap();
        let reg = uart.reg().unwrap().next().unwrap();
        assert_eq!(reg.starting_address as u64, virt::UART0_BASE);
        let clocks: Vec<_> = fdt
            .cpus()
            .map(|c| c.property("clock-frequency").and_then(|p| p.as_usize()))
            .collect();
        assert_eq!(
            clocks,
            [1_000_000_000, 1_000_000_000, 500_000_000, 100_000_000].map(Some)
        );
        let tc = fdt.find_compatible(&["hartlab,task-controller"]).unwrap();
        assert_eq!(tc.name, "task-controller@11000000");
        let reg = tc.reg().unwrap().next().unwrap();
        assert_eq!(reg.starting_address as u64, virt::TASK_CONTROLLER_BASE);
        assert_eq!(reg.size, Some(17 * 0x4000));
        let prop = |name: &str| tc.property(name).and_then(|p| p.as_usize());
        assert_eq!(prop("hartlab,sets"), Some(16));
        assert_eq!(prop("hartlab,priorities"), Some(8));
        assert_eq!(prop("hartlab,capacity"), Some(64));
        assert_eq!(prop("hartlab,channels"), Some(64));
        assert_eq!(prop("hartlab,sources"), Some(95));
        let ext = tc.property("interrupts-extended").unwrap().value;
        assert_eq!(ext.len(), 4 * 4 * 4, "SSIP and USIP of 4 harts");
        let cpus = fdt.find_node("/cpus").unwrap();
        assert_eq!(
            cpus.property("timebase-frequency")
                .and_then(|p| p.as_usize()),
            Some(10_000_000)
        );
    }

    /// The blob of a board with every optional node (user-mode PLIC contexts, a virtio slot),
    /// byte for byte as committed in `tests/data/virt.dtb`: the device tree is part of the
    /// machine's ABI. `HARTLAB_WRITE_DTB=1` rewrites the file after a deliberate change.
    #[test]
    fn device_tree_blob_is_unchanged() {
        let devices = devices(2, |c| {
            c.plic.user_contexts = true;
            c.uintr.uintc_slots = 64;
            c.task_controller.sets = 4;
            c.task_controller.priorities = 8;
            c.task_controller.capacity = 32;
            c.net.enabled = true;
        });
        let blob = build(&FdtParams {
            harts: 2,
            ram_base: 0x8000_0000,
            ram_size: 128 << 20,
            timebase_frequency: 10_000_000,
            hart_frequencies: vec![1_000_000_000, 500_000_000],
            bootargs: Some("console quiet"),
            devices: devices.device_tree_nodes(),
        })
        .unwrap();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/virt.dtb");
        if std::env::var_os("HARTLAB_WRITE_DTB").is_some() {
            std::fs::write(path, &blob).unwrap();
        }
        let committed = std::fs::read(path).expect("tests/data/virt.dtb");
        assert!(blob == committed, "the device tree blob changed");
    }
}
