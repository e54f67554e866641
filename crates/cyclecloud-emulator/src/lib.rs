//! `cyclecloud-emulator`: a local Azure CycleCloud 8 REST server.
//!
//! It speaks the clusters / nodes / operations API closely enough that real clients (the
//! CycleCloud Python API, autoscalers built on it) cannot tell the difference, and adds a
//! control plane under `/__emulator/` for tests and demos (reset, load a cluster definition,
//! move the clock, inject faults).
//!
//! Embedding it in a program or a test:
//!
//! ```no_run
//! let mut opts = cyclecloud_emulator::Options::default(); // the `demo` cluster, port 0
//! opts.phase_delay = std::time::Duration::ZERO;            // nodes are Ready at once
//! let server = cyclecloud_emulator::EmbeddedServer::start(opts)?;
//! println!("{} as {}", server.http_url(), server.username());
//! server.stop();
//! # Ok::<(), cyclecloud_emulator::StartError>(())
//! ```
//!
//! Module map: [`definition`] (the TOML cluster format), [`catalog`] (VM sizes), [`state`]
//! (clusters, nodes, operations, lifecycle), [`limits`] (bucket arithmetic), [`actions`]
//! (create, scale, management), [`filter`] (the node filter language), [`usage`] (the usage
//! report), [`template`] (importing CycleCloud cluster templates), [`cli`] (the command line),
//! `api`, `legacy` and `control` (HTTP handlers), `journal` (the requests received), `persist`
//! (state file), `tls` (certificates),
//! `server` (listeners, auth, faults, the embeddable handle).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod actions;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod definition;
pub mod error;
pub mod filter;
pub mod limits;
pub mod node;
pub mod state;
pub mod template;
pub mod usage;

mod api;
mod control;
mod journal;
mod legacy;
mod persist;
mod server;
mod tls;

pub use definition::{Definition, DefinitionError};
pub use server::{EmbeddedServer, Options, StartError, app};
pub use state::{Emulator, PhaseDelays};
