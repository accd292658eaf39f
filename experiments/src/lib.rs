//! hartlab's experiment runner.
//!
//! An experiment is a TOML file (schema in `experiments/README.md`): a machine, a workload, a
//! sweep of parameters with seeds, figures and the numbers a regression check compares. This
//! crate expands it into points, runs each point as an independent deterministic simulation
//! on a thread pool, stores every finished point at once (`points.jsonl`, so an interrupted
//! sweep resumes), and turns the points into a summary table, SVG/PNG/PDF figures, a report and
//! baseline comparisons.
//!
//! The crate knows no machine: it drives a [`Simulator`], which hartlab's library implements
//! with the same board and configuration code as `hartlab run`. Dependencies point one way
//! (hartlab -> experiments), and the runner's logic is testable with a stand-in simulator.

pub mod check;
pub mod labels;
pub mod locate;
pub mod merge;
pub mod plot;
pub mod queueing;
pub mod report;
pub mod runner;
pub mod schema;
pub mod sim;
pub mod slurm;
pub mod stats;
pub mod store;
pub mod sweep;
pub mod theory;

pub use runner::{run_experiment, RunSettings, RunSummary};
pub use schema::Experiment;
pub use sim::{Event, Job, MachineError, Outcome, Sample, Simulator};
