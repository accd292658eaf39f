//! `[workload]` and `[kernel]`: what each point runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::*;
use crate::locate::{parse_key, SchemaError, Seg};

/// How the workload is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    /// Boot the guest kernel with `run <program> <args>`.
    Kernel,
    /// Run a bare-metal ELF.
    Elf,
}

/// `[workload]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Kernel program or bare-metal ELF.
    pub kind: WorkloadKind,
    /// Program name (kernel) or ELF path as written (elf).
    pub program: String,
    /// The ELF file, for `kind = "elf"`.
    pub elf: Option<PathBuf>,
    /// Parameters passed to the program as `key=value`.
    pub params: BTreeMap<String, toml::Value>,
}

/// `[kernel]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelSection {
    /// Extra kernel boot arguments, after the workload's.
    #[serde(default)]
    pub bootargs: String,
    /// A kernel image to boot instead of the bundled one (path relative to the experiment).
    pub image: Option<String>,
}

pub(super) fn parse_workload(
    src: &Source,
    doc: &toml::Table,
    dir: &Path,
) -> Result<Workload, SchemaError> {
    let Some(v) = doc.get("workload") else {
        return Err(SchemaError::file(
            src.file,
            "missing [workload] table (kind = \"kernel\" or \"elf\", program = ...)",
        ));
    };
    let Some(t) = v.as_table() else {
        return Err(src.error(&parse_key("workload"), "must be a table"));
    };
    let kind =
        match t.get("kind").and_then(|v| v.as_str()) {
            Some("kernel") => WorkloadKind::Kernel,
            Some("elf") => WorkloadKind::Elf,
            _ => return Err(src.error(
                &parse_key("workload.kind"),
                "must be \"kernel\" (a program of the guest kernel) or \"elf\" (a bare-metal ELF)",
            )),
        };
    let program = match t.get("program") {
        Some(toml::Value::String(p)) if !p.is_empty() => p.clone(),
        _ => {
            return Err(src.error(
                &parse_key("workload.program"),
                "must name the program (kernel) or the ELF file (elf)",
            ))
        }
    };
    if kind == WorkloadKind::Kernel && program.chars().any(char::is_whitespace) {
        return Err(src.error(&parse_key("workload.program"), "must not contain spaces"));
    }
    let elf = match kind {
        WorkloadKind::Elf => Some(find_file(dir, &program).ok_or_else(|| {
            src.error(
                &parse_key("workload.program"),
                format!("no file {program:?}"),
            )
        })?),
        WorkloadKind::Kernel => None,
    };
    let mut params = BTreeMap::new();
    for (k, v) in t {
        if k == "kind" || k == "program" {
            continue;
        }
        let path = [Seg::Key("workload".into()), Seg::Key(k.clone())];
        check_param_name(src, &path, k)?;
        if arg_text(v).is_none() {
            return Err(src.error(
                &path,
                "a workload parameter must be a number, a boolean or a string without spaces",
            ));
        }
        params.insert(k.clone(), v.clone());
    }
    Ok(Workload {
        kind,
        program,
        elf,
        params,
    })
}

/// `[kernel]` of `doc`, and the image file it names, if any (relative to `dir`).
pub(super) fn parse_kernel(
    src: &Source,
    doc: &toml::Table,
    dir: &Path,
) -> Result<(KernelSection, Option<PathBuf>), SchemaError> {
    let kernel: KernelSection = section(src, doc, "kernel")?.unwrap_or_default();
    let image = match &kernel.image {
        None => None,
        Some(p) => Some(
            find_file(dir, p)
                .ok_or_else(|| src.error(&parse_key("kernel.image"), format!("no file {p:?}")))?,
        ),
    };
    Ok((kernel, image))
}
