//! A client for the Azure CycleCloud 8 REST API: clusters, their nodes and node arrays,
//! scaling, node actions and operations, for autoscalers, operators and tools written in
//! Rust.
//!
//! Blocking, no async runtime, no background threads: HTTP/1.1 with keep-alive over
//! [ureq](https://docs.rs/ureq), TLS with rustls (ring). It is also the Rust core of the
//! `cyclecloud` Python package, and offers the same concepts: a [`Client`] built from
//! explicit settings or from the CycleCloud CLI's `~/.cycle/config.ini`, clusters by name,
//! and a [`Cluster`] with its status, nodes, scaling by cores or by nodes, node actions and
//! waiting. Underneath is the Direct API: [`Session`], one method per REST endpoint.
//!
//! # Quick start
//!
//! The examples in these docs run against the CycleCloud emulator of this project
//! (`cyclecloud-emulator`), started by hidden lines; against a real server only the URL and
//! the credentials change.
//!
//! ```
//! # let server = cyclecloud_emulator::EmbeddedServer::start(cyclecloud_emulator::Options {
//! #     phase_delay: std::time::Duration::from_millis(50), ..Default::default() }).unwrap();
//! # let url = server.http_url();
//! use std::time::Duration;
//! use cyclecloud::{Client, Config, NodeSelection};
//!
//! let client = Client::new(Config::new(url, "admin", "password")?)?;
//! for name in client.clusters()?.keys() {
//!     println!("cluster {name}");
//! }
//!
//! let demo = client.cluster("demo")?;
//! for array in demo.status(false)?.nodearrays {
//!     println!("{}: up to {} nodes", array.name, array.max_count);
//! }
//!
//! // Grow the `htc` node array to 4 nodes, and wait until they are Ready.
//! let result = demo.scale_by_nodes("htc", 4)?;
//! let nodes = demo.wait(&result).until("Ready").timeout(Duration::from_secs(300)).run()?;
//! for node in &nodes {
//!     println!("{} {} {}", node["Name"], node["PrivateIp"], node["Status"]);
//! }
//!
//! // Terminate two of them by name, and wait until they are gone.
//! let done = demo.terminate_nodes(&NodeSelection::new().names(["htc-1", "htc-2"]))?;
//! demo.wait(&done).until("Terminated").timeout(Duration::from_secs(300)).run()?;
//! # Ok::<(), cyclecloud::Error>(())
//! ```
//!
//! # Connecting
//!
//! A [`Config`] holds the URL, the user name, the password (a [`Password`], which never
//! shows in `Debug` or `Display` output), a timeout (60 s by default), whether certificates
//! are verified (yes by default) and an optional CA bundle. Build one explicitly, read the
//! CycleCloud CLI's configuration file, or read `CYCLECLOUD_*` environment variables:
//!
//! ```no_run
//! use std::time::Duration;
//! use cyclecloud::{Client, Config};
//!
//! let explicit = Client::new(
//!     Config::builder()
//!         .url("https://cyclecloud.example.com")
//!         .username("alice")
//!         .password(std::env::var("CC_PASSWORD").unwrap_or_default())
//!         .timeout(Duration::from_secs(30))
//!         .ca_bundle("/etc/pki/cyclecloud-ca.pem")
//!         .build()?,
//! )?;
//! let from_cli = Client::from_cli_config()?;    // $CYCLECLOUD_CONFIG or ~/.cycle/config.ini
//! let named = Client::new(Config::from_config_file("/etc/cc.ini", Some("prod"))?)?;
//! let from_env = Client::from_env()?;           // CYCLECLOUD_URL, _USERNAME, _PASSWORD, ...
//! # Ok::<(), cyclecloud::Error>(())
//! ```
//!
//! The configuration file is read exactly as Python's `configparser` reads it (values are
//! literal: a password may contain `%`, `#` and `;`); [`config_file`] has the rules. A
//! [`Client`] is cheap to clone and can be shared between threads; clones share one
//! connection pool.
//!
//! # Clusters and nodes
//!
//! [`Client::clusters`] lists the clusters by name and [`Client::cluster`] returns one,
//! after checking that it exists. A [`Cluster`] reads [`status`](Cluster::status) and
//! [`nodes`](Cluster::nodes) (node records are free-form JSON maps with CycleCloud's
//! PascalCase attributes: `Name`, `Status`, `PrivateIp`, …), grows node arrays with
//! [`scale_by_cores`](Cluster::scale_by_cores) and [`scale_by_nodes`](Cluster::scale_by_nodes)
//! (which never shrink an array), and starts, terminates, shuts down, deallocates, removes,
//! restarts or reimages the nodes of a [`NodeSelection`]: by names, node ids, hostnames, IP
//! addresses or a filter expression.
//!
//! Mutations return at once with an operation id; [`Cluster::wait`] polls until the nodes
//! of an operation, or named nodes, reach a status, and fails with [`Error::NodesFailed`] as
//! soon as one fails or with [`Error::WaitTimeout`] when the time is up.
//!
//! # Error handling
//!
//! Every call returns one [`Error`] type. Its variants say what happened: a bad
//! configuration ([`Error::Config`], [`Error::ConfigFile`]), no usable answer
//! ([`Error::Transport`], [`Error::Tls`], [`Error::Timeout`]), an HTTP status the call does
//! not expect, with the server's body ([`Error::Status`]), or a body that is not the
//! expected JSON ([`Error::Decode`]). Lower-level causes are kept as
//! [`source`](std::error::Error::source).
//!
//! ```
//! # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
//! # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
//! use cyclecloud::Error;
//!
//! match client.cluster("no-such-cluster") {
//!     Ok(cluster) => println!("found {}", cluster.name()),
//!     Err(e) if e.is_not_found() => {
//!         // CycleCloud explains itself: "Cluster no-such-cluster does not exist".
//!         println!("not found: {}", e.server_message().unwrap_or_default());
//!     }
//!     Err(e @ (Error::Transport { .. } | Error::Tls { .. } | Error::Timeout { .. })) => {
//!         println!("cannot reach the server: {e}");
//!     }
//!     Err(e) => return Err(e),
//! }
//! # Ok::<(), cyclecloud::Error>(())
//! ```
//!
//! Neither `Display` nor `Debug` of any value of this crate shows the password.
//!
//! # The Direct API
//!
//! [`Client::session`] gives the [`Session`] underneath: one method per REST endpoint
//! ([`Session::get_cluster_status`], [`Session::create_nodes`], [`Session::scale`],
//! [`Session::get_cluster_usage`], [`Session::list_operations`], …), each returning the
//! [`models`] generated from the REST specification. Below that, [`endpoints`] has one pure
//! builder per endpoint returning a [`Request`] (no I/O), and [`Session::request`] sends any
//! request and returns the [`RawResponse`] whatever its status.
//!
//! ```
//! # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
//! # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
//! use cyclecloud::models::{NodeCreationRequest, NodeCreationRequestSet, NodeCreationRequestSetDefinition};
//!
//! let request = NodeCreationRequest {
//!     request_id: Some("create-42".into()),
//!     sets: vec![NodeCreationRequestSet {
//!         nodearray: "htc".into(),
//!         count: 2,
//!         definition: Some(NodeCreationRequestSetDefinition {
//!             machine_type: Some("Standard_F4s_v2".into()),
//!             ..Default::default()
//!         }),
//!         ..Default::default()
//!     }],
//!     ..Default::default()
//! };
//! let created = client.session().create_nodes("demo", &request)?;
//! assert_eq!(created.sets[0].added, 2);
//! # Ok::<(), cyclecloud::Error>(())
//! ```
//!
//! # Testing your own code
//!
//! The `cyclecloud-emulator` crate of this project serves the same API in-process; add it as
//! a dev-dependency and point a [`Client`] at it. Its phase delay sets how long nodes take to
//! become Ready, and its control plane (`/__emulator/…`, see `docs/emulator.md`) injects
//! faults: delays, error statuses, dropped connections, capacity failures, spot evictions.
//!
//! ```
//! use std::time::Duration;
//! use cyclecloud::{Client, Config};
//! use cyclecloud_emulator::{EmbeddedServer, Options};
//!
//! let server = EmbeddedServer::start(Options { phase_delay: Duration::ZERO, ..Default::default() })?;
//! let client = Client::new(Config::new(server.http_url(), server.username(), server.password())?)?;
//! let demo = client.cluster("demo")?;
//! demo.scale_by_nodes("hpc", 2)?;
//! assert_eq!(demo.nodes()?.iter().filter(|n| n["Template"] == "hpc").count(), 2);
//! server.stop();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Logging
//!
//! Requests and responses are logged at `DEBUG` through the [`log`](https://docs.rs/log)
//! facade under the target `cyclecloud.http` (never credentials).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api;
mod client;
mod config;
pub mod config_file;
pub mod endpoints;
mod error;
pub mod models;
mod request;
mod resolve;
mod session;

pub use api::ClusterRecord;
pub use client::{
    Client, Cluster, MIN_POLL_INTERVAL, NodeSelection, Wait, WaitProgress, WaitTarget,
};
pub use config::{
    Config, ConfigBuilder, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_TIMEOUT, ENV_VARS, Password,
};
pub use error::{BoxError, Error, WaitError};
pub use request::{Method, RawResponse, Request, encode_path_segment};
pub use session::{CLIENT_VERSION_HEADER, LOG_TARGET, Session};
