//! Checkpoint files: the whole machine at a point of a run (`--checkpoint-at`), to continue
//! from with `--restore`.
//!
//! A file is the magic bytes, the format version (a little-endian `u32`), then a gzip stream
//! of one bincode record: the hartlab version (with a fingerprint of the model sources, so a
//! checkpoint of another build of the model is refused, not misread), a hash of the machine configuration (with the
//! image and kernel command line), and the state: the machine's (see
//! `sim_core::checkpoint`: harts, RAM as its non-zero pages, devices, timing model,
//! interleaving) and the run's (console output so far, statistics dumps, resets), so the
//! continued run reports exactly what the uninterrupted one would. gzip's CRC catches a
//! corrupt or truncated file; every failure is one [`CheckpointError`] naming the file.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use sim_core::checkpoint::{decode, encode, StateError};

/// The first bytes of every checkpoint file.
const MAGIC: &[u8; 8] = b"HLCKPT\r\n";

/// The layout of the file around the state; a change to it must increase this. (Changes to
/// the state's types change the model-sources fingerprint of [`version`].)
pub const FORMAT_VERSION: u32 = 1;

/// The hartlab version a checkpoint must come from.
pub const HARTLAB_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A run's state at a checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Hash of what determines the machine (see [`machine_hash`]).
    pub machine_hash: u64,
    /// `sim_core::machine::Machine::save_state`.
    pub machine: Vec<u8>,
    /// Everything the console printed up to the checkpoint.
    pub console: Vec<u8>,
    /// Statistics dumps dropped before the checkpoint (a checkpoint is refused once dumps
    /// were kept: their statistics are not state).
    pub dumps_dropped: u64,
    /// Resets the run had gone through.
    pub resets: u32,
}

/// What the file holds besides the format version.
#[derive(Serialize, Deserialize)]
struct Record {
    version: String,
    checkpoint: Checkpoint,
}

/// Why a checkpoint could not be written or used.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The file could not be read or written.
    #[error("checkpoint {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the host said.
        source: std::io::Error,
    },
    /// The file does not start like a checkpoint.
    #[error("{path} is not a hartlab checkpoint")]
    NotACheckpoint {
        /// The file.
        path: PathBuf,
    },
    /// Written by a hartlab whose checkpoint format or version differs.
    #[error("checkpoint {path} was written by hartlab {found}; this is hartlab {expected}: write it again with this version")]
    Version {
        /// The file.
        path: PathBuf,
        /// What wrote it.
        found: String,
        /// This hartlab.
        expected: String,
    },
    /// Written for another machine, image or kernel command line.
    #[error("checkpoint {path} was written for another machine configuration, image or command line than this run's: restore it with the options that wrote it")]
    OtherMachine {
        /// The file.
        path: PathBuf,
    },
    /// Damaged or cut short.
    #[error("checkpoint {path} is corrupt or truncated: {detail}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The guest had dumped statistics before the checkpoint point.
    #[error("checkpoint {path}: the guest dumped statistics before the checkpoint point; checkpoint earlier")]
    AfterDumps {
        /// The file.
        path: PathBuf,
    },
    /// The machine cannot be checkpointed, or its state does not fit this machine.
    #[error("checkpoint {path}: {source}")]
    State {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: StateError,
    },
}

/// The version string checkpoints carry: hartlab's, the format's and a fingerprint of the
/// model sources whose types the state is made of (see `build.rs`).
fn version() -> String {
    format!(
        "{HARTLAB_VERSION} (checkpoint format {FORMAT_VERSION}, model sources {})",
        env!("HARTLAB_STATE_SOURCES")
    )
}

/// A hash of everything that determines a machine before it runs: the configuration (as
/// JSON), the image and the kernel command line. FNV-1a: the same on every host and build.
pub fn machine_hash(config: &impl Serialize, image: &[u8], bootargs: Option<&str>) -> u64 {
    let config = serde_json::to_vec(config).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let parts: [&[u8]; 3] = [&config, image, bootargs.unwrap_or("\0").as_bytes()];
    for part in parts {
        for &b in (part.len() as u64).to_le_bytes().iter().chain(part) {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

impl Checkpoint {
    /// Write the checkpoint to `path`.
    pub fn write(&self, path: &Path) -> Result<(), CheckpointError> {
        let io = |source| CheckpointError::Io {
            path: path.to_path_buf(),
            source,
        };
        let record = encode(&Record {
            version: version(),
            checkpoint: self.clone(),
        });
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        let mut gz = GzEncoder::new(bytes, flate2::Compression::fast());
        gz.write_all(&record).map_err(io)?;
        let bytes = gz.finish().map_err(io)?;
        std::fs::write(path, bytes).map_err(io)
    }

    /// Read the checkpoint at `path`, which must have been written for a machine of hash
    /// `machine_hash` by this hartlab.
    pub fn read(path: &Path, machine_hash: u64) -> Result<Self, CheckpointError> {
        let bytes = std::fs::read(path).map_err(|source| CheckpointError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let path = path.to_path_buf();
        let Some(rest) = bytes.strip_prefix(MAGIC) else {
            return Err(CheckpointError::NotACheckpoint { path });
        };
        let corrupt = |detail: String| CheckpointError::Corrupt {
            path: path.clone(),
            detail,
        };
        let (format, gz) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| corrupt("it ends inside its header".into()))?;
        let format = u32::from_le_bytes(*format);
        if format != FORMAT_VERSION {
            return Err(CheckpointError::Version {
                path,
                found: format!("? (checkpoint format {format})"),
                expected: version(),
            });
        }
        let mut record = Vec::new();
        GzDecoder::new(gz)
            .read_to_end(&mut record)
            .map_err(|e| corrupt(e.to_string()))?;
        let record: Record = decode(&record).map_err(|e| corrupt(e.to_string()))?;
        if record.version != version() {
            return Err(CheckpointError::Version {
                path,
                found: record.version,
                expected: version(),
            });
        }
        if record.checkpoint.machine_hash != machine_hash {
            return Err(CheckpointError::OtherMachine { path });
        }
        Ok(record.checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        Checkpoint {
            machine_hash: 7,
            machine: vec![1, 2, 3, 0, 0, 0, 9],
            console: b"hello\n".to_vec(),
            dumps_dropped: 0,
            resets: 1,
        }
    }

    #[test]
    fn round_trip_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.ckpt");
        sample().write(&path).unwrap();
        let back = Checkpoint::read(&path, 7).unwrap();
        assert_eq!(back.machine, sample().machine);
        assert_eq!(back.console, sample().console);
        assert!(matches!(
            Checkpoint::read(&path, 8),
            Err(CheckpointError::OtherMachine { .. })
        ));
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
        let err = Checkpoint::read(&path, 7).unwrap_err();
        assert!(matches!(err, CheckpointError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("c.ckpt"), "{err}");
        let mut flipped = bytes.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x40;
        std::fs::write(&path, &flipped).unwrap();
        assert!(matches!(
            Checkpoint::read(&path, 7),
            Err(CheckpointError::Corrupt { .. })
        ));
        let mut other = bytes;
        other[8] = 99;
        std::fs::write(&path, &other).unwrap();
        assert!(matches!(
            Checkpoint::read(&path, 7),
            Err(CheckpointError::Version { .. })
        ));
        std::fs::write(&path, b"not a checkpoint").unwrap();
        assert!(matches!(
            Checkpoint::read(&path, 7),
            Err(CheckpointError::NotACheckpoint { .. })
        ));
    }

    #[test]
    fn the_hash_covers_config_image_and_bootargs() {
        let a = machine_hash(&1u32, b"image", Some("run x"));
        assert_eq!(a, machine_hash(&1u32, b"image", Some("run x")));
        assert_ne!(a, machine_hash(&2u32, b"image", Some("run x")));
        assert_ne!(a, machine_hash(&1u32, b"imagf", Some("run x")));
        assert_ne!(a, machine_hash(&1u32, b"image", Some("run y")));
        assert_ne!(a, machine_hash(&1u32, b"image", None));
    }
}
