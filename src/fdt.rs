//! The flattened device tree describing the virt board, built with `vm-fdt` in the layout
//! QEMU's `virt` machine uses, so firmware and kernels written for QEMU find the same nodes.
//! One function writes each node; addresses and window sizes come from the board's map and
//! the devices (`abi::board`, `abi::uintc`, `abi::task_controller`, each device's `SIZE`).

use abi::board::test_finisher;
use anyhow::{Context, Result};
use devices::{task_controller, virt, Clint, Plic, SimControl, TestFinisher, Uart};
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
    /// The PLIC has a U-mode context per hart (3 contexts per hart instead of 2).
    pub plic_user_contexts: bool,
    /// Receiver slots of the UINTC.
    pub uintc_slots: usize,
    /// The task controller's geometry.
    pub task_controller: TaskControllerNode,
    /// The populated virtio-mmio slots (0..8): each gets a `virtio_mmio@...` node.
    pub virtio_slots: Vec<usize>,
}

/// What the device tree says about the task controller.
#[derive(Debug, Clone, Copy)]
pub struct TaskControllerNode {
    /// Queue sets.
    pub sets: usize,
    /// Priority levels per set.
    pub priorities: usize,
    /// Entries per set.
    pub capacity: usize,
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

/// The interrupt controllers' phandles: each hart's local controller, and the PLIC's.
#[derive(Clone, Copy)]
struct Phandles {
    harts: usize,
}

impl Phandles {
    /// Hart `hart`'s local interrupt controller.
    fn intc(self, hart: usize) -> u32 {
        1 + hart as u32
    }

    /// Hart `hart`'s `cpu` node.
    fn cpu(self, hart: usize) -> u32 {
        0x1000 + hart as u32
    }

    /// The PLIC.
    fn plic(self) -> u32 {
        self.harts as u32 + 1
    }

    /// The test finisher (the syscon of poweroff and reboot).
    fn test(self) -> u32 {
        self.plic() + 1
    }

    /// `interrupts-extended` naming, for every hart, its local lines `lines` (mip bit numbers).
    fn every_hart(self, lines: &[u32]) -> Vec<u32> {
        (0..self.harts)
            .flat_map(|h| lines.iter().flat_map(move |&l| [self.intc(h), l]))
            .collect()
    }
}

/// What writing one node gives.
type NodeResult = Result<(), vm_fdt::Error>;

fn build_inner(p: &FdtParams) -> Result<Vec<u8>, vm_fdt::Error> {
    let mut f = FdtWriter::new()?;
    let ph = Phandles { harts: p.harts };

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
    cpus(&mut f, p, ph)?;

    let soc = f.begin_node("soc")?;
    f.property_u32("#address-cells", 2)?;
    f.property_u32("#size-cells", 2)?;
    f.property_string("compatible", "simple-bus")?;
    f.property_null("ranges")?;
    sim_control(&mut f)?;
    clint(&mut f, ph)?;
    plic(&mut f, p, ph)?;
    uintc(&mut f, p, ph)?;
    task_controller_node(&mut f, &p.task_controller, ph)?;
    serial(&mut f, ph)?;
    for &slot in &p.virtio_slots {
        virtio_mmio(&mut f, slot, ph)?;
    }
    test_finisher(&mut f, ph)?;
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
fn cpus(f: &mut FdtWriter, p: &FdtParams, ph: Phandles) -> NodeResult {
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
        f.property_u32("phandle", ph.cpu(hart))?;
        let intc = f.begin_node("interrupt-controller")?;
        f.property_u32("#interrupt-cells", 1)?;
        f.property_null("interrupt-controller")?;
        f.property_string("compatible", "riscv,cpu-intc")?;
        f.property_u32("phandle", ph.intc(hart))?;
        f.end_node(intc)?;
        f.end_node(cpu)?;
    }
    let map = f.begin_node("cpu-map")?;
    let cluster = f.begin_node("cluster0")?;
    for hart in 0..p.harts {
        let core = f.begin_node(&format!("core{hart}"))?;
        f.property_u32("cpu", ph.cpu(hart))?;
        f.end_node(core)?;
    }
    f.end_node(cluster)?;
    f.end_node(map)?;
    f.end_node(cpus)
}

/// hartlab's simulator-control device.
fn sim_control(f: &mut FdtWriter) -> NodeResult {
    let control = f.begin_node(&format!("sim-control@{:x}", virt::SIM_CONTROL_BASE))?;
    f.property_string("compatible", "hartlab,sim-control")?;
    f.property_array_u64("reg", &reg(virt::SIM_CONTROL_BASE, SimControl::SIZE))?;
    f.end_node(control)
}

/// The CLINT: MSIP (3) and MTIP (7) of every hart.
fn clint(f: &mut FdtWriter, ph: Phandles) -> NodeResult {
    let clint = f.begin_node(&format!("clint@{:x}", virt::CLINT_BASE))?;
    f.property_string_list(
        "compatible",
        vec!["sifive,clint0".into(), "riscv,clint0".into()],
    )?;
    f.property_array_u64("reg", &reg(virt::CLINT_BASE, Clint::SIZE))?;
    f.property_array_u32("interrupts-extended", &ph.every_hart(&[3, 7]))?;
    f.end_node(clint)
}

/// The PLIC: MEIP (11), SEIP (9) and, with U-mode contexts, UEIP (8) of every hart.
fn plic(f: &mut FdtWriter, p: &FdtParams, ph: Phandles) -> NodeResult {
    let plic = f.begin_node(&format!("plic@{:x}", virt::PLIC_BASE))?;
    f.property_u32("#address-cells", 0)?;
    f.property_u32("#interrupt-cells", 1)?;
    f.property_null("interrupt-controller")?;
    f.property_string_list(
        "compatible",
        vec!["sifive,plic-1.0.0".into(), "riscv,plic0".into()],
    )?;
    f.property_array_u64("reg", &reg(virt::PLIC_BASE, Plic::SIZE))?;
    f.property_u32("riscv,ndev", (virt::PLIC_SOURCES - 1) as u32)?;
    let lines: &[u32] = if p.plic_user_contexts {
        &[11, 9, 8]
    } else {
        &[11, 9]
    };
    f.property_array_u32("interrupts-extended", &ph.every_hart(lines))?;
    f.property_u32("phandle", ph.plic())?;
    f.end_node(plic)
}

/// The UINTC: USIP (0) of every hart.
fn uintc(f: &mut FdtWriter, p: &FdtParams, ph: Phandles) -> NodeResult {
    let uintc = f.begin_node(&format!("uintc@{:x}", virt::UINTC_BASE))?;
    f.property_string("compatible", "riscv,uintc0")?;
    let size = abi::uintc::window_size(p.uintc_slots as u64);
    f.property_array_u64("reg", &reg(virt::UINTC_BASE, size))?;
    f.property_array_u32("interrupts-extended", &ph.every_hart(&[0]))?;
    f.end_node(uintc)
}

/// The task controller: SSIP (1) and USIP (0) of every hart, and its geometry.
fn task_controller_node(f: &mut FdtWriter, tc: &TaskControllerNode, ph: Phandles) -> NodeResult {
    let node = f.begin_node(&format!("task-controller@{:x}", virt::TASK_CONTROLLER_BASE))?;
    f.property_string("compatible", "hartlab,task-controller")?;
    let size = abi::task_controller::window_size(tc.sets as u64);
    f.property_array_u64("reg", &reg(virt::TASK_CONTROLLER_BASE, size))?;
    f.property_array_u32("interrupts-extended", &ph.every_hart(&[1, 0]))?;
    f.property_u32("hartlab,sets", tc.sets as u32)?;
    f.property_u32("hartlab,priorities", tc.priorities as u32)?;
    f.property_u32("hartlab,capacity", tc.capacity as u32)?;
    f.property_u32("hartlab,channels", task_controller::CHANNELS as u32)?;
    f.property_u32("hartlab,sources", (virt::PLIC_SOURCES - 1) as u32)?;
    f.end_node(node)
}

/// UART0, on PLIC source [`virt::UART0_IRQ`].
fn serial(f: &mut FdtWriter, ph: Phandles) -> NodeResult {
    let serial = f.begin_node(&format!("serial@{:x}", virt::UART0_BASE))?;
    f.property_string("compatible", "ns16550a")?;
    f.property_array_u64("reg", &reg(virt::UART0_BASE, Uart::SIZE))?;
    f.property_u32("clock-frequency", 3_686_400)?;
    f.property_u32("interrupt-parent", ph.plic())?;
    f.property_u32("interrupts", virt::UART0_IRQ as u32)?;
    f.end_node(serial)
}

/// A populated virtio-mmio slot, as QEMU virt lays them out.
fn virtio_mmio(f: &mut FdtWriter, slot: usize, ph: Phandles) -> NodeResult {
    let base = virt::VIRTIO_BASE + slot as u64 * virt::VIRTIO_SIZE;
    let node = f.begin_node(&format!("virtio_mmio@{base:x}"))?;
    f.property_string("compatible", "virtio,mmio")?;
    f.property_array_u64("reg", &reg(base, virt::VIRTIO_SIZE))?;
    f.property_u32("interrupt-parent", ph.plic())?;
    f.property_u32("interrupts", (virt::VIRTIO_IRQ + slot) as u32)?;
    f.end_node(node)
}

/// The test finisher, with the poweroff and reboot nodes that use it as their syscon.
fn test_finisher(f: &mut FdtWriter, ph: Phandles) -> NodeResult {
    let test = f.begin_node(&format!("test@{:x}", virt::TEST_BASE))?;
    f.property_string_list(
        "compatible",
        vec![
            "sifive,test1".into(),
            "sifive,test0".into(),
            "syscon".into(),
        ],
    )?;
    f.property_array_u64("reg", &reg(virt::TEST_BASE, TestFinisher::SIZE))?;
    f.property_u32("phandle", ph.test())?;
    f.end_node(test)?;
    for (name, compatible, value) in [
        ("poweroff", "syscon-poweroff", test_finisher::PASS),
        ("reboot", "syscon-reboot", test_finisher::RESET),
    ] {
        let node = f.begin_node(name)?;
        f.property_string("compatible", compatible)?;
        f.property_u32("regmap", ph.test())?;
        f.property_u32("offset", 0)?;
        f.property_u32("value", value)?;
        f.end_node(node)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_tree_describes_the_board() {
        let blob = build(&FdtParams {
            harts: 4,
            ram_base: 0x8000_0000,
            ram_size: 256 << 20,
            timebase_frequency: 10_000_000,
            hart_frequencies: vec![1_000_000_000, 1_000_000_000, 500_000_000, 100_000_000],
            bootargs: Some("test quiet"),
            plic_user_contexts: false,
            uintc_slots: 512,
            task_controller: TaskControllerNode {
                sets: 16,
                priorities: 8,
                capacity: 64,
            },
            virtio_slots: vec![0],
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
        let blob = build(&FdtParams {
            harts: 2,
            ram_base: 0x8000_0000,
            ram_size: 128 << 20,
            timebase_frequency: 10_000_000,
            hart_frequencies: vec![1_000_000_000, 500_000_000],
            bootargs: Some("console quiet"),
            plic_user_contexts: true,
            uintc_slots: 64,
            task_controller: TaskControllerNode {
                sets: 4,
                priorities: 8,
                capacity: 32,
            },
            virtio_slots: vec![0],
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
