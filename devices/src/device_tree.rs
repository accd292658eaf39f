//! How a device describes itself in the board's flattened device tree.
//!
//! The board writes the tree's skeleton (root, `/chosen`, memory, CPUs, the `soc` bus) and
//! asks each device for its own node through [`DeviceTreeNode`]. A device knows its
//! compatible strings, its window size and the interrupt lines it was handed, so its node
//! cannot disagree with the device the bus maps; the board supplies only what is the board's:
//! the base address, the phandles of the harts' interrupt controllers and of the interrupt
//! parent, and the device's own phandle if something refers to it.

use sim_core::bus::{Device, HartLine, SourceLine};
use vm_fdt::{FdtWriter, FdtWriterNode};

/// What writing a node gives.
pub type NodeResult = Result<(), vm_fdt::Error>;

/// A device that has a node in the device tree.
pub trait DeviceTreeNode: Device {
    /// Write the device's node (and any sibling nodes that only make sense with it) through
    /// `node`.
    fn write_node(&self, node: &mut NodeWriter) -> NodeResult;
}

/// The board's interrupt topology, as phandles the nodes refer to.
#[derive(Debug, Clone)]
pub struct Phandles {
    /// Each hart's local interrupt controller (`riscv,cpu-intc`), by hart.
    pub hart_intc: Vec<u32>,
    /// The controller of the platform interrupt sources (the PLIC).
    pub interrupt_parent: u32,
}

/// Writes one device's node, at the address the board mapped it.
pub struct NodeWriter<'a> {
    fdt: &'a mut FdtWriter,
    base: u64,
    window: u64,
    phandles: &'a Phandles,
    own: Option<u32>,
}

impl<'a> NodeWriter<'a> {
    /// A writer for a device at `base` with a window of `window` bytes; `own` is the
    /// phandle the board gave the device, if other nodes refer to it.
    pub fn new(
        fdt: &'a mut FdtWriter,
        base: u64,
        window: u64,
        phandles: &'a Phandles,
        own: Option<u32>,
    ) -> Self {
        Self {
            fdt,
            base,
            window,
            phandles,
            own,
        }
    }

    /// The device's base address.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// The underlying writer, for properties without a helper here.
    pub fn fdt(&mut self) -> &mut FdtWriter {
        self.fdt
    }

    /// Open the node `name@base`.
    pub fn begin(&mut self, name: &str) -> Result<FdtWriterNode, vm_fdt::Error> {
        self.fdt.begin_node(&format!("{name}@{:x}", self.base))
    }

    /// Close a node opened with [`Self::begin`] (or through [`Self::fdt`]).
    pub fn end(&mut self, node: FdtWriterNode) -> NodeResult {
        self.fdt.end_node(node)
    }

    /// `compatible`: the most specific string first.
    pub fn compatible(&mut self, names: &[&str]) -> NodeResult {
        match names {
            [one] => self.fdt.property_string("compatible", one),
            _ => self
                .fdt
                .property_string_list("compatible", names.iter().map(|s| s.to_string()).collect()),
        }
    }

    /// `reg`: the device's window.
    pub fn reg(&mut self) -> NodeResult {
        self.fdt
            .property_array_u64("reg", &[self.base, self.window])
    }

    /// `interrupts-extended` naming, for every hart in turn, each of `lines`.
    pub fn every_hart(&mut self, lines: &[HartLine]) -> NodeResult {
        let cells: Vec<u32> = self
            .phandles
            .hart_intc
            .iter()
            .flat_map(|&intc| lines.iter().flat_map(move |l| [intc, l.bit()]))
            .collect();
        self.fdt.property_array_u32("interrupts-extended", &cells)
    }

    /// `interrupts-extended` naming each (hart, line) of `targets` in order.
    pub fn hart_lines(&mut self, targets: &[(usize, HartLine)]) -> NodeResult {
        let cells: Vec<u32> = targets
            .iter()
            .filter_map(|&(hart, line)| {
                let intc = *self.phandles.hart_intc.get(hart)?;
                Some([intc, line.bit()])
            })
            .flatten()
            .collect();
        self.fdt.property_array_u32("interrupts-extended", &cells)
    }

    /// `interrupt-parent` and `interrupts`: the device drives platform source `line`.
    pub fn source(&mut self, line: SourceLine) -> NodeResult {
        self.fdt
            .property_u32("interrupt-parent", self.phandles.interrupt_parent)?;
        self.fdt.property_u32("interrupts", line.number() as u32)
    }

    /// `phandle`, if the board gave the device one; returns it.
    pub fn phandle(&mut self) -> Result<Option<u32>, vm_fdt::Error> {
        if let Some(own) = self.own {
            self.fdt.property_u32("phandle", own)?;
        }
        Ok(self.own)
    }
}
