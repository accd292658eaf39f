//! The virt board: composes sim-core's machine with the QEMU-virt devices, loads an ELF and
//! places the device tree, the way `qemu-system-riscv64 -machine virt -bios none -kernel`
//! does.

use std::io::Write;
use std::sync::mpsc::Receiver;

use anyhow::{bail, Context, Result};
use devices::virtio::{NetConfig, VirtioNet};
use devices::{
    virt, wiring, Clint, Plic, PlicConfig, SimControl, TaskController, TestFinisher, Uart, Uintc,
};
use netsim::{ClientHost, HostFwd};
use sim_core::elf::{load_elf, LoadedElf};
use sim_core::machine::Machine;
use sim_core::memory::Ram;
use sim_core::system_bus::SystemBus;
use sim_core::time::Timebase;
use sim_core::trace::Tracer;

use crate::config::MachineConfig;
use crate::fdt::{self, FdtParams, Referenced, SocDevice};
use crate::resolved::ResolvedMachine;

/// Base of RAM on the virt board.
pub const RAM_BASE: u64 = virt::RAM_BASE;

/// Where the guest's console goes and comes from.
pub struct Console {
    /// Sink for UART (and HTIF console) output.
    pub output: Box<dyn Write + Send>,
    /// Host input for the UART, if any.
    pub input: Option<Receiver<u8>>,
}

/// A console writer that can be cloned: the UART and HTIF share one sink.
#[derive(Clone)]
struct SharedSink(std::sync::Arc<std::sync::Mutex<Box<dyn Write + Send>>>);

impl Write for SharedSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::ErrorKind::Other)?
            .write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0
            .lock()
            .map_err(|_| std::io::ErrorKind::Other)?
            .flush()
    }
}

/// Address QEMU virt gives the device tree: the top of RAM (below 3 GiB), 2 MiB aligned.
fn fdt_address(ram_base: u64, ram_size: u64, fdt_len: u64) -> u64 {
    let top = (ram_base + ram_size).min(3 << 30);
    (top - fdt_len) & !((2 << 20) - 1)
}

/// The virtio-net card `card` configures, with the client host of `config.net` (and live
/// mode's forwarding).
fn net_card(config: &MachineConfig, card: NetConfig) -> Result<VirtioNet> {
    let net = &config.net;
    let client = &net.client;
    let trace = if client.kind == netsim::config::LoadKind::Open
        && client.arrival == netsim::config::Arrival::Trace
    {
        let text = std::fs::read_to_string(&client.trace)
            .with_context(|| format!("net.client.trace = {:?}: cannot read it", client.trace))?;
        netsim::load::parse_trace(&text)
            .map_err(|e| anyhow::anyhow!("net.client.trace = {:?}: {e}", client.trace))?
    } else {
        Vec::new()
    };
    let mut host = ClientHost::new(client, config.machine.seed, &trace);
    for &(host_port, guest_port) in &net.hostfwd {
        let fwd = HostFwd::listen(host_port, guest_port)
            .with_context(|| format!("--hostfwd: cannot listen on host port {host_port}"))?;
        host = host.with_hostfwd(fwd);
    }
    Ok(VirtioNet::new(card, Box::new(host)))
}

/// The devices of the virt board, built from the machine description before they are
/// mapped: they describe themselves in the device tree, then go onto the bus.
pub(crate) struct Devices {
    test_finisher: TestFinisher,
    sim_control: SimControl,
    clint: Clint,
    plic: Plic,
    uintc: Uintc,
    task_controller: TaskController,
    uart: Uart,
    net: Option<VirtioNet>,
}

impl Devices {
    /// The devices `machine` describes, each handed the lines the board wires it to; the UART
    /// writes to `output` and reads `input`.
    pub(crate) fn new(
        machine: &ResolvedMachine,
        output: Box<dyn Write + Send>,
        input: Option<Receiver<u8>>,
    ) -> Result<Self> {
        let harts = machine.machine.harts;
        let plic = if machine.plic.user_contexts {
            PlicConfig::virt_user(harts)
        } else {
            PlicConfig::virt(harts)
        };
        let visibility = machine.uintc_visibility();
        let mut uart = Uart::new(wiring::UART0, output);
        if let Some(rx) = input {
            uart = uart.with_input(rx);
        }
        Ok(Self {
            test_finisher: TestFinisher::new(),
            sim_control: SimControl::with_config(machine.sim_control()),
            clint: Clint::new(harts, wiring::CLINT),
            plic: Plic::new(plic),
            uintc: Uintc::new(machine.uintr.uintc_slots, harts, visibility, wiring::UINTC),
            task_controller: TaskController::new(machine.task_controller()),
            uart,
            net: match machine.net() {
                Some(&card) => Some(net_card(machine, card)?),
                None => None,
            },
        })
    }

    /// The `soc` bus's nodes, in the order of QEMU virt's device tree.
    pub(crate) fn device_tree_nodes(&self) -> Vec<SocDevice<'_>> {
        let mut nodes = vec![
            SocDevice::new(virt::SIM_CONTROL_BASE, &self.sim_control),
            SocDevice::new(virt::CLINT_BASE, &self.clint),
            SocDevice::new(virt::PLIC_BASE, &self.plic).referenced(Referenced::AsInterruptParent),
            SocDevice::new(virt::UINTC_BASE, &self.uintc),
            SocDevice::new(virt::TASK_CONTROLLER_BASE, &self.task_controller),
            SocDevice::new(virt::UART0_BASE, &self.uart),
        ];
        if let Some(net) = &self.net {
            nodes.push(SocDevice::new(virt::VIRTIO_BASE, net));
        }
        nodes
            .push(SocDevice::new(virt::TEST_BASE, &self.test_finisher).referenced(Referenced::Yes));
        nodes
    }

    /// Map every device at its base, each with the window it reports. The mapping order is
    /// the order of the statistics, of device updates and of a checkpoint's devices.
    fn map(self, bus: &mut SystemBus) -> Result<()> {
        bus.map(virt::TEST_BASE, Box::new(self.test_finisher))?;
        bus.map(virt::SIM_CONTROL_BASE, Box::new(self.sim_control))?;
        bus.map(virt::CLINT_BASE, Box::new(self.clint))?;
        bus.map(virt::PLIC_BASE, Box::new(self.plic))?;
        bus.map(virt::UINTC_BASE, Box::new(self.uintc))?;
        bus.map(virt::TASK_CONTROLLER_BASE, Box::new(self.task_controller))?;
        bus.map(virt::UART0_BASE, Box::new(self.uart))?;
        if let Some(net) = self.net {
            bus.map(virt::VIRTIO_BASE, Box::new(net))?;
        }
        Ok(())
    }
}

/// A built machine ready to run, and what was loaded into it.
pub struct Board {
    /// The machine.
    pub machine: Machine,
    /// What the ELF loader found.
    pub elf: LoadedElf,
    /// Physical address of the device tree.
    pub fdt_address: u64,
}

impl Board {
    /// Build the machine `machine` describes, load `elf_bytes` (named `elf_name` in errors),
    /// put `bootargs` in the device tree's `/chosen` and connect `console`; record the run's
    /// timeline through `tracer` (give `Tracer::off()` for none).
    pub fn build(
        machine: &ResolvedMachine,
        elf_name: &str,
        elf_bytes: &[u8],
        bootargs: Option<&str>,
        console: Console,
        tracer: Tracer,
    ) -> Result<Self> {
        let m = &machine.machine;
        let mut ram = Ram::new(RAM_BASE, m.memory)
            .with_context(|| format!("machine.memory = {}", m.memory))?;
        let elf =
            load_elf(elf_bytes, &mut ram).with_context(|| format!("cannot load {elf_name}"))?;
        let sink = SharedSink(std::sync::Arc::new(std::sync::Mutex::new(console.output)));
        let devices = Devices::new(machine, Box::new(sink.clone()), console.input)?;
        let dtb = fdt::build(&FdtParams {
            harts: m.harts,
            ram_base: RAM_BASE,
            ram_size: m.memory,
            timebase_frequency: m.timebase_frequency,
            hart_frequencies: machine.hart_clocks().iter().map(|c| c.hz()).collect(),
            bootargs,
            devices: devices.device_tree_nodes(),
        })?;
        let fdt_address = fdt_address(RAM_BASE, m.memory, dtb.len() as u64);
        if elf.end > fdt_address {
            bail!(
                "cannot load {elf_name}: its segments end at {:#x}, above the device tree at {fdt_address:#x}; \
                 give the machine more memory",
                elf.end
            );
        }
        ram.write_bytes(fdt_address, &dtb);

        let mut bus = SystemBus::new(
            ram,
            m.harts,
            virt::PLIC_SOURCES,
            Timebase::new(m.timebase_frequency),
        );
        bus.set_tracer(tracer);
        devices.map(&mut bus)?;
        if let Some(tohost) = elf.tohost {
            bus.set_htif(tohost, elf.fromhost, Box::new(sink));
        }
        let built = Machine::new(
            machine.machine_params().clone(),
            bus,
            elf.entry,
            fdt_address,
        )
        .context("invalid timing model")?;
        Ok(Self {
            machine: built,
            elf,
            fdt_address,
        })
    }
}
