//! The machine description: defaults, the TOML file format, and validation.
//!
//! Every key has a documented default; unknown keys and out-of-range values are rejected with
//! the file, key and reason.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Deserializer};

/// Largest number of harts a machine may have.
pub const MAX_HARTS: usize = 512;

/// The machine description (`--config FILE`, then command-line overrides).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MachineConfig {
    /// `[machine]`: harts, RAM and clocks.
    pub machine: MachineSection,
}

/// The `[machine]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MachineSection {
    /// Number of harts (1..=512). Default 1.
    pub harts: usize,
    /// RAM size in bytes, or a string such as "256MiB". Default 256 MiB.
    #[serde(deserialize_with = "de_size")]
    pub memory: u64,
    /// Hart clock frequency in Hz. Default 1 GHz.
    pub hart_frequency: u64,
    /// Timebase (`mtime`) frequency in Hz. Default 10 MHz, as on QEMU virt.
    pub timebase_frequency: u64,
    /// Longest stretch of simulated time, in nanoseconds, one hart runs before the next one
    /// gets its turn. Smaller is finer interleaving (a contended lock changes hands at most
    /// once per quantum) at a small cost in speed. Default 1 us.
    pub quantum_ns: u64,
}

impl Default for MachineSection {
    fn default() -> Self {
        Self {
            harts: 1,
            memory: 256 << 20,
            hart_frequency: 1_000_000_000,
            timebase_frequency: 10_000_000,
            quantum_ns: 1_000,
        }
    }
}

impl MachineConfig {
    /// Read and validate a TOML machine description.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read machine config {}", path.display()))?;
        Self::from_toml(&text).with_context(|| format!("invalid machine config {}", path.display()))
    }

    /// Parse and validate TOML text.
    pub fn from_toml(text: &str) -> Result<Self> {
        let config: Self =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))?;
        config.validate()?;
        Ok(config)
    }

    /// Check every value's range, naming the key on failure.
    pub fn validate(&self) -> Result<()> {
        let m = &self.machine;
        if m.harts == 0 || m.harts > MAX_HARTS {
            bail!(
                "machine.harts = {}: must be between 1 and {MAX_HARTS}",
                m.harts
            );
        }
        if m.memory < (1 << 20) || m.memory > (64 << 30) || !m.memory.is_multiple_of(4096) {
            bail!(
                "machine.memory = {}: must be a multiple of 4 KiB between 1 MiB and 64 GiB",
                m.memory
            );
        }
        if m.hart_frequency == 0 || m.hart_frequency > 100_000_000_000 {
            bail!(
                "machine.hart_frequency = {}: must be between 1 Hz and 100 GHz",
                m.hart_frequency
            );
        }
        if m.timebase_frequency == 0 || m.timebase_frequency > m.hart_frequency {
            bail!(
                "machine.timebase_frequency = {}: must be between 1 Hz and the hart frequency",
                m.timebase_frequency
            );
        }
        if m.quantum_ns == 0 || m.quantum_ns > 1_000_000_000 {
            bail!(
                "machine.quantum_ns = {}: must be between 1 ns and 1 s",
                m.quantum_ns
            );
        }
        Ok(())
    }
}

/// Parse a size such as `268435456`, `256M`, `256MiB`, `1G`, `1GiB`, `4096K`.
pub fn parse_size(text: &str) -> Result<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().with_context(|| {
        format!("invalid size {text:?}: expected a number with an optional unit")
    })?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => bail!("invalid size {text:?}: unknown unit {unit:?} (use K, M or G)"),
    };
    n.checked_mul(1 << shift)
        .with_context(|| format!("invalid size {text:?}: too large"))
}

fn de_size<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Size {
        Bytes(u64),
        Text(String),
    }
    match Size::deserialize(d)? {
        Size::Bytes(n) => Ok(n),
        Size::Text(s) => parse_size(&s).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("256MiB").unwrap(), 256 << 20);
        assert_eq!(parse_size("1G").unwrap(), 1 << 30);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("12X").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn reads_toml_and_rejects_bad_keys() {
        let c = MachineConfig::from_toml("[machine]\nharts = 4\nmemory = \"128MiB\"\n").unwrap();
        assert_eq!(c.machine.harts, 4);
        assert_eq!(c.machine.memory, 128 << 20);
        let e = MachineConfig::from_toml("[machine]\nhartz = 4\n").unwrap_err();
        assert!(format!("{e:#}").contains("hartz"), "{e:#}");
        let e = MachineConfig::from_toml("[machine]\nharts = 0\n").unwrap_err();
        assert!(format!("{e:#}").contains("machine.harts"), "{e:#}");
        let e = MachineConfig::from_toml("[machine]\nmemory = \"lots\"\n").unwrap_err();
        assert!(format!("{e:#}").contains("lots"), "{e:#}");
    }
}
