//! A machine description checked once and resolved into what each part of hartlab takes.
//!
//! [`MachineConfig`] is the description as written: a TOML file, command-line overrides, an
//! experiment's machine tables. [`MachineConfig::resolve`] checks every range and every rule
//! that links two keys, once, and derives the typed parameters: `sim-core`'s
//! [`MachineParams`] (with the timing model), the clocks, and each device's configuration.
//! The board, the device tree and the runner take only a [`ResolvedMachine`], so nothing
//! downstream checks the description again or re-reads its raw keys, and a description
//! cannot change after it was checked (the resolved machine reads it through `Deref` only).

use std::ops::Deref;

use devices::task_controller::TaskControllerConfig;
use devices::virtio::NetConfig;
use devices::SimControlConfig;
use sim_core::machine::MachineParams;
use sim_core::time::{Clock, SimTime};

use crate::config::{ConfigError, MachineConfig};

/// A machine description that passed every check, with the parameters derived from it.
#[derive(Debug, Clone)]
pub struct ResolvedMachine {
    description: MachineConfig,
    hart_clocks: Vec<Clock>,
    params: MachineParams,
    task_controller: TaskControllerConfig,
    sim_control: SimControlConfig,
    uintc_visibility: SimTime,
    net: Option<NetConfig>,
}

impl MachineConfig {
    /// Check the description (every range, every rule linking keys) and derive the machine's
    /// parameters from it; the first violated rule is the error, naming its key.
    pub fn resolve(self) -> Result<ResolvedMachine, ConfigError> {
        self.validate()?;
        let hart_clocks = self.hart_clocks();
        // The SEND-to-USIP delay is given in cycles of the (first) hart's clock.
        let uintc_visibility = hart_clocks[0].time_of(self.uintr.send_visibility_cycles as u64);
        Ok(ResolvedMachine {
            params: self.machine_params(),
            task_controller: self.task_controller_config(),
            sim_control: self.sim_control_config(),
            net: self.net.enabled.then(|| self.net.device_config()),
            hart_clocks,
            uintc_visibility,
            description: self,
        })
    }
}

impl ResolvedMachine {
    /// The description as written (for the resolved TOML an experiment records, the
    /// checkpoint's machine hash, the statistics header).
    pub fn description(&self) -> &MachineConfig {
        &self.description
    }

    /// Each hart's clock.
    pub fn hart_clocks(&self) -> &[Clock] {
        &self.hart_clocks
    }

    /// What `sim-core`'s machine is built from.
    pub fn machine_params(&self) -> &MachineParams {
        &self.params
    }

    /// The task controller's configuration.
    pub fn task_controller(&self) -> &TaskControllerConfig {
        &self.task_controller
    }

    /// The simulator-control device's configuration.
    pub fn sim_control(&self) -> SimControlConfig {
        self.sim_control
    }

    /// From a UINTC SEND to the receiving hart seeing USIP.
    pub fn uintc_visibility(&self) -> SimTime {
        self.uintc_visibility
    }

    /// The network card's parameters, if the machine has one.
    pub fn net(&self) -> Option<&NetConfig> {
        self.net.as_ref()
    }
}

impl Deref for ResolvedMachine {
    type Target = MachineConfig;

    fn deref(&self) -> &MachineConfig {
        &self.description
    }
}

impl Default for ResolvedMachine {
    /// The default machine (`configs/default.toml`).
    fn default() -> Self {
        MachineConfig::default()
            .resolve()
            .expect("the default machine description is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resolved_machine_carries_what_its_description_derives() {
        let mut c = MachineConfig::default();
        c.machine.harts = 3;
        c.machine.hart_frequencies = vec![1_000_000_000, 500_000_000, 250_000_000];
        c.uintr.send_visibility_cycles = 4;
        c.task_controller.sets = 5;
        let r = c.clone().resolve().unwrap();
        assert_eq!(r.description(), &c);
        assert_eq!(r.hart_clocks().len(), 3);
        assert_eq!(r.machine_params().hart_clocks, r.hart_clocks());
        // Four cycles of the first hart's 1 GHz clock.
        assert_eq!(r.uintc_visibility(), 4_000);
        assert_eq!(r.task_controller().sets, 5);
        assert!(r.net().is_none());
    }

    #[test]
    fn resolving_checks_the_description() {
        let mut c = MachineConfig::default();
        c.task_controller.capacity = 0;
        let e = c.resolve().unwrap_err();
        assert_eq!(e.key, "task_controller.capacity");
        assert_eq!(e.value.as_deref(), Some("0"));
    }
}
