//! A client for the Azure CycleCloud 8 REST API: cluster status, nodes, scaling, node
//! actions, usage, operations.
//!
//! Blocking, no async runtime, no background threads: HTTP/1.1 with keep-alive over
//! [ureq](https://docs.rs/ureq), TLS with rustls (ring). It is the Rust core of the
//! `cyclecloud` Python package but does not need Python.
//!
//! # Connecting
//!
//! ```no_run
//! use std::time::Duration;
//! use cyclecloud::{Config, Session};
//!
//! let config = Config::builder()
//!     .url("https://cyclecloud.example.com")
//!     .username("admin")
//!     .password("s3cret")
//!     .timeout(Duration::from_secs(30))
//!     .build()?;
//! let session = Session::new(config)?;
//!
//! let status = session.get_cluster_status("demo", false)?;
//! for array in &status.nodearrays {
//!     for bucket in &array.buckets {
//!         println!("{} {}: {} available", array.name, bucket.bucket_id, bucket.available_count);
//!     }
//! }
//! # Ok::<(), cyclecloud::Error>(())
//! ```
//!
//! A [`Session`] is cheap to clone and can be shared between threads; clones share one
//! connection pool. For a server with a private CA, pass its PEM file with
//! [`ConfigBuilder::ca_bundle`]; [`ConfigBuilder::verify_certificates`]`(false)` accepts any
//! certificate.
//!
//! # Changing the cluster
//!
//! Mutations return `202 Accepted` with an operation id; the nodes they touch can be read
//! back with [`Session::get_nodes`].
//!
//! ```no_run
//! use cyclecloud::models::NodeManagementRequest;
//! # let session = cyclecloud::Session::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
//! let created = session.scale("demo", "htc", None, Some(4))?;
//! let nodes = session.get_nodes("demo", Some(&created.operation_id), None)?;
//! let names = nodes.nodes.iter()
//!     .filter_map(|n| n.get("Name")?.as_str().map(String::from))
//!     .collect();
//! let selection = NodeManagementRequest { names: Some(names), ..Default::default() };
//! session.terminate_nodes("demo", &selection)?;
//! # Ok::<(), cyclecloud::Error>(())
//! ```
//!
//! # Error handling
//!
//! Every call returns [`Error`]. A status the endpoint does not document becomes
//! [`Error::Status`], which keeps the server's body (CycleCloud sends
//! `{"Exception", "Message", "Detail"}`):
//!
//! ```no_run
//! # let session = cyclecloud::Session::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
//! match session.get_cluster_status("no-such-cluster", false) {
//!     Ok(status) => println!("{:?}", status.state),
//!     Err(e) if e.is_not_found() => println!("no such cluster"),
//!     Err(cyclecloud::Error::Status { status, body, .. }) => println!("{status}: {body}"),
//!     Err(e) => return Err(e),
//! }
//! # Ok::<(), cyclecloud::Error>(())
//! ```
//!
//! Neither `Display` nor `Debug` of any value of this crate shows the password.
//!
//! # Lower level
//!
//! [`endpoints`] has one pure builder per endpoint returning a [`Request`] (no I/O), and
//! [`Session::request`] sends any request and returns the [`RawResponse`] whatever its
//! status. Requests and responses are logged at `DEBUG` under the target `cyclecloud.http`.
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
mod session;

pub use api::ClusterRecord;
pub use client::{Client, Cluster, NodeSelection, Wait, WaitTarget};
pub use config::{
    Config, ConfigBuilder, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_TIMEOUT, ENV_VARS, Password,
};
pub use error::{BoxError, Error, WaitError};
pub use request::{Method, RawResponse, Request, encode_path_segment};
pub use session::{CLIENT_VERSION_HEADER, LOG_TARGET, Session};
