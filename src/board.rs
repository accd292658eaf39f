//! The virt board: composes sim-core's machine with the QEMU-virt devices, loads an ELF and
//! places the device tree, the way `qemu-system-riscv64 -machine virt -bios none -kernel`
//! does.

use std::io::Write;
use std::sync::mpsc::Receiver;

use anyhow::{bail, Context, Result};
use devices::virtio::VirtioNet;
use devices::{
    virt, Clint, Plic, PlicConfig, SimControl, TaskController, TestFinisher, Uart, Uintc,
};
use netsim::{ClientHost, HostFwd};
use sim_core::elf::{load_elf, LoadedElf};
use sim_core::machine::Machine;
use sim_core::memory::Ram;
use sim_core::system_bus::SystemBus;
use sim_core::time::Timebase;
use sim_core::trace::Tracer;

use crate::config::MachineConfig;
use crate::fdt::{self, FdtParams};

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

/// The virtio-net card of `config.net` with its client host (and live mode's forwarding).
fn net_card(config: &MachineConfig) -> Result<VirtioNet> {
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
    Ok(VirtioNet::new(net.device_config(), Box::new(host)))
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
    /// Build the machine described by `config`, load `elf_bytes` (named `elf_name` in errors),
    /// put `bootargs` in the device tree's `/chosen` and connect `console`; record the run's
    /// timeline through `tracer` (give `Tracer::off()` for none).
    pub fn build(
        config: &MachineConfig,
        elf_name: &str,
        elf_bytes: &[u8],
        bootargs: Option<&str>,
        console: Console,
        tracer: Tracer,
    ) -> Result<Self> {
        config.validate()?;
        let m = &config.machine;
        let mut ram = Ram::new(RAM_BASE, m.memory)
            .with_context(|| format!("machine.memory = {}", m.memory))?;
        let elf =
            load_elf(elf_bytes, &mut ram).with_context(|| format!("cannot load {elf_name}"))?;
        let dtb = fdt::build(&FdtParams {
            harts: m.harts,
            ram_base: RAM_BASE,
            ram_size: m.memory,
            timebase_frequency: m.timebase_frequency,
            hart_frequencies: config.hart_clocks().iter().map(|c| c.hz()).collect(),
            bootargs,
            plic_user_contexts: config.plic.user_contexts,
            uintc_slots: config.uintr.uintc_slots,
            task_controller: fdt::TaskControllerNode {
                sets: config.task_controller.sets,
                priorities: config.task_controller.priorities,
                capacity: config.task_controller.capacity,
            },
            virtio_slots: if config.net.enabled {
                vec![0]
            } else {
                Vec::new()
            },
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

        let sink = SharedSink(std::sync::Arc::new(std::sync::Mutex::new(console.output)));
        let mut bus = SystemBus::new(
            ram,
            m.harts,
            virt::PLIC_SOURCES,
            Timebase::new(m.timebase_frequency),
        );
        bus.set_tracer(tracer);
        let mut uart = Uart::new(virt::UART0_IRQ, Box::new(sink.clone()));
        if let Some(rx) = console.input {
            uart = uart.with_input(rx);
        }
        bus.map(
            virt::TEST_BASE,
            TestFinisher::SIZE,
            Box::new(TestFinisher::new()),
        )?;
        bus.map(
            virt::SIM_CONTROL_BASE,
            SimControl::SIZE,
            Box::new(SimControl::with_config(config.sim_control_config())),
        )?;
        bus.map(virt::CLINT_BASE, Clint::SIZE, Box::new(Clint::new(m.harts)))?;
        let plic = if config.plic.user_contexts {
            PlicConfig::virt_user(m.harts)
        } else {
            PlicConfig::virt(m.harts)
        };
        bus.map(virt::PLIC_BASE, Plic::SIZE, Box::new(Plic::new(plic)))?;
        // The SEND-to-USIP delay is given in cycles of the (first) hart's clock.
        let visibility =
            config.hart_clocks()[0].time_of(config.uintr.send_visibility_cycles as u64);
        let uintc = Uintc::new(config.uintr.uintc_slots, m.harts, visibility);
        bus.map(virt::UINTC_BASE, uintc.size(), Box::new(uintc))?;
        let task_controller = TaskController::new(&config.task_controller_config());
        bus.map(
            virt::TASK_CONTROLLER_BASE,
            task_controller.size(),
            Box::new(task_controller),
        )?;
        bus.map(virt::UART0_BASE, Uart::SIZE, Box::new(uart))?;
        if config.net.enabled {
            bus.map(
                virt::VIRTIO_BASE,
                VirtioNet::SIZE,
                Box::new(net_card(config)?),
            )?;
        }
        if let Some(tohost) = elf.tohost {
            bus.set_htif(tohost, elf.fromhost, Box::new(sink));
        }
        let machine = Machine::new(config.machine_params(), bus, elf.entry, fdt_address)
            .context("invalid timing model")?;
        Ok(Self {
            machine,
            elf,
            fdt_address,
        })
    }
}
