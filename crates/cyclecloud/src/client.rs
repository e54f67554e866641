//! The high-level API: [`Client`], [`Cluster`], [`NodeSelection`] and [`Wait`].

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::endpoints::NodeAction;
use crate::error::WaitError;
use crate::models::{
    ClusterStatus, Node, NodeCreationResult, NodeManagementRequest, NodeManagementResult,
};
use crate::{Config, Error, Session};

/// A connection to one CycleCloud server: the entry point of this crate.
///
/// Build it from a [`Config`], from the CycleCloud CLI's `~/.cycle/config.ini`, or from
/// `CYCLECLOUD_*` environment variables; then reach clusters by name. Building a client
/// sends nothing. A client is cheap to clone (clones share one connection pool) and is
/// `Send + Sync`.
///
/// ```
/// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
/// # let url = server.http_url();
/// use cyclecloud::{Client, Config};
///
/// let client = Client::new(Config::new(url, "admin", "password")?)?;
/// let demo = client.cluster("demo")?;
/// println!("{:?}", demo.status(false)?.state);
/// # Ok::<(), cyclecloud::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    session: Session,
}

impl Client {
    /// A client for the server described by `config`.
    ///
    /// ```
    /// let config = cyclecloud::Config::new("https://cc.example.com", "alice", "s3cret")?;
    /// let client = cyclecloud::Client::new(config)?;
    /// assert_eq!(client.config().username(), "alice");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] if the config does not validate or its CA bundle cannot be read.
    pub fn new(config: Config) -> Result<Client, Error> {
        Ok(Client {
            session: Session::new(config)?,
        })
    }

    /// A client from the CycleCloud CLI's configuration file: `$CYCLECLOUD_CONFIG` or
    /// `~/.cycle/config.ini`, section `[cycleserver]` (see
    /// [`Config::from_config_file`] for the rules). What the Python `Client()` does.
    ///
    /// ```no_run
    /// let client = cyclecloud::Client::from_cli_config()?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ConfigFile`] (missing file, section or key; invalid value; with the file,
    /// line, section and key) or [`Error::Config`].
    pub fn from_cli_config() -> Result<Client, Error> {
        Client::new(Config::from_cli_config()?)
    }

    /// A client from a CycleCloud CLI configuration file at `path`, section `[cycleserver]`.
    /// For a named configuration use [`Config::from_config_file`] and [`Client::new`].
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("config.ini");
    /// std::fs::write(&path, format!(
    ///     "[cycleserver]\nurl = {}\nusername = admin\npassword = password\n", server.http_url()))?;
    /// let client = cyclecloud::Client::from_config_file(&path)?;
    /// assert!(client.clusters()?.contains_key("demo"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`Client::from_cli_config`].
    pub fn from_config_file(path: impl AsRef<Path>) -> Result<Client, Error> {
        Client::new(Config::from_config_file(path, None)?)
    }

    /// A client from the `CYCLECLOUD_URL`, `CYCLECLOUD_USERNAME`, `CYCLECLOUD_PASSWORD` (and
    /// optional `CYCLECLOUD_TIMEOUT`, `CYCLECLOUD_VERIFY_CERTIFICATES`,
    /// `CYCLECLOUD_CA_BUNDLE`) environment variables; see [`Config::from_env`].
    ///
    /// ```no_run
    /// let client = cyclecloud::Client::from_env()?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or invalid variable.
    pub fn from_env() -> Result<Client, Error> {
        Client::new(Config::from_env()?)
    }

    /// The configuration this client was built from.
    ///
    /// ```
    /// let client = cyclecloud::Client::new(cyclecloud::Config::new("https://cc.example.com", "alice", "s3cret")?)?;
    /// assert_eq!(client.config().url(), "https://cc.example.com");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn config(&self) -> &Config {
        self.session.config()
    }

    /// The [`Session`] underneath, for the Direct API (one method per REST endpoint).
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// let operations = client.session().list_operations(None)?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Every cluster of the server, keyed by name (`GET /cloud/api/clusters`, the listing
    /// the CycleCloud CLI uses).
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// for (name, cluster) in client.clusters()? {
    ///     println!("{name}: {} node(s)", cluster.nodes()?.len());
    /// }
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Status`] (e.g. 401 for wrong credentials), [`Error::Transport`],
    /// [`Error::Tls`], [`Error::Timeout`] or [`Error::Decode`].
    pub fn clusters(&self) -> Result<BTreeMap<String, Cluster>, Error> {
        Ok(self
            .session
            .list_clusters()?
            .into_iter()
            .filter(|record| !record.name.is_empty())
            .map(|record| {
                let cluster = self.cluster_unchecked(&record.name);
                (record.name, cluster)
            })
            .collect())
    }

    /// The cluster `name`, after checking that it exists (one `GET /clusters/{name}/status`).
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// let demo = client.cluster("demo")?;
    /// assert_eq!(demo.name(), "demo");
    ///
    /// let err = client.cluster("no-such-cluster").unwrap_err();
    /// assert!(err.is_not_found());
    /// println!("{}", err.error_body().unwrap().message.unwrap()); // the server's words
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Status`] 404 (with the server's message) if there is no such cluster;
    /// [`Error::InvalidArgument`] for an empty name; the transport errors of every call.
    pub fn cluster(&self, name: &str) -> Result<Cluster, Error> {
        self.session.get_cluster_status(name, false)?;
        Ok(self.cluster_unchecked(name))
    }

    /// The cluster `name` without asking the server whether it exists; the first call on
    /// the [`Cluster`] fails with a 404 [`Error::Status`] if it does not.
    ///
    /// ```
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
    /// let demo = client.cluster_unchecked("demo"); // no request
    /// assert_eq!(demo.name(), "demo");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn cluster_unchecked(&self, name: &str) -> Cluster {
        Cluster {
            session: self.session.clone(),
            name: name.to_owned(),
        }
    }
}

/// One cluster of a [`Client`]: its status and nodes, scaling, node actions and waiting.
///
/// A `Cluster` holds its name and a handle on the client's connection pool; it is cheap to
/// clone and `Send + Sync`. Every method makes one request (except [`Wait::run`], which
/// polls).
///
/// ```
/// # let server = cyclecloud_emulator::EmbeddedServer::start(cyclecloud_emulator::Options {
/// #     phase_delay: std::time::Duration::ZERO, ..Default::default() }).unwrap();
/// # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
/// use std::time::Duration;
/// use cyclecloud::NodeSelection;
///
/// let demo = client.cluster("demo")?;
/// let result = demo.scale_by_nodes("htc", 2)?;                 // grow htc to 2 nodes
/// let nodes = demo.wait(&result).until("Ready").timeout(Duration::from_secs(60)).run()?;
/// let names = nodes.iter().filter_map(|n| n["Name"].as_str());
/// let done = demo.terminate_nodes(&NodeSelection::new().names(names))?;
/// demo.wait(&done).until("Terminated").timeout(Duration::from_secs(60)).run()?;
/// # Ok::<(), cyclecloud::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Cluster {
    session: Session,
    name: String,
}

impl Cluster {
    /// The cluster name.
    ///
    /// ```
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
    /// assert_eq!(client.cluster_unchecked("demo").name(), "demo");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The [`Session`] underneath, for the Direct API.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// let demo = client.cluster("demo")?;
    /// let usage = demo.session().get_cluster_usage(demo.name(), &Default::default())?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The cluster status: limits, node arrays and their buckets; with `with_nodes` also the
    /// records of the active nodes (`status.nodes`).
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// let status = client.cluster("demo")?.status(false)?;
    /// for array in &status.nodearrays {
    ///     let available: i64 = array.buckets.iter().map(|b| b.available_count).sum();
    ///     println!("{}: {available} more node(s) possible", array.name);
    /// }
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Status`] 404 if the cluster does not exist; the transport errors of every
    /// call; [`Error::Decode`].
    pub fn status(&self, with_nodes: bool) -> Result<ClusterStatus, Error> {
        self.session.get_cluster_status(&self.name, with_nodes)
    }

    /// Every node record of the cluster (`GET /clusters/{name}/nodes`): free-form maps of
    /// CycleCloud attributes such as `Name`, `NodeId`, `Status`, `Hostname`, `PrivateIp`.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// for node in client.cluster("demo")?.nodes()? {
    ///     println!("{} {}", node["Name"], node["Status"]);
    /// }
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Cluster::status`].
    pub fn nodes(&self) -> Result<Vec<Node>, Error> {
        Ok(self.session.get_nodes(&self.name, None, None)?.nodes)
    }

    /// The node records touched by one operation (the `operation_id` of a scale, create or
    /// node action result).
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// let demo = client.cluster("demo")?;
    /// let result = demo.scale_by_nodes("htc", 1)?;
    /// assert_eq!(demo.operation_nodes(&result.operation_id)?.len(), 1);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Cluster::status`]; 404 also for an unknown operation.
    pub fn operation_nodes(&self, operation_id: &str) -> Result<Vec<Node>, Error> {
        Ok(self
            .session
            .get_nodes(&self.name, Some(operation_id), None)?
            .nodes)
    }

    /// Grow `nodearray` until it has `total_cores` cores in total. Nodes already in the array
    /// count toward the total; if it already has that many cores (or more), nothing
    /// happens. `sets[0].added` of the result is the number of nodes added, and its
    /// `operation_id` can be waited on.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// let result = client.cluster("demo")?.scale_by_cores("htc", 8)?;
    /// let added: i64 = result.sets.iter().map(|s| s.added).sum();
    /// assert!(added > 0);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Status`] 404 for an unknown cluster or node array, 409 if the server refuses;
    /// the transport errors of every call.
    pub fn scale_by_cores(
        &self,
        nodearray: &str,
        total_cores: u32,
    ) -> Result<NodeCreationResult, Error> {
        self.session
            .scale(&self.name, nodearray, Some(i64::from(total_cores)), None)
    }

    /// Grow `nodearray` until it has `total_nodes` nodes in total. Nodes already in the array
    /// count toward the total; if it already has that many (or more), nothing happens.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// let demo = client.cluster("demo")?;
    /// demo.scale_by_nodes("htc", 3)?;
    /// let again = demo.scale_by_nodes("htc", 2)?; // already more than 2: no effect
    /// assert_eq!(again.sets.iter().map(|s| s.added).sum::<i64>(), 0);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Cluster::scale_by_cores`].
    pub fn scale_by_nodes(
        &self,
        nodearray: &str,
        total_nodes: u32,
    ) -> Result<NodeCreationResult, Error> {
        self.session
            .scale(&self.name, nodearray, None, Some(i64::from(total_nodes)))
    }

    /// Apply `action` to the selected nodes. The result lists every matched node with
    /// `status` `OK` or `Error` (e.g. a `KeepAlive` node refusing termination), and the
    /// `operation_id` to wait on.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// use cyclecloud::{endpoints::NodeAction, NodeSelection};
    /// let demo = client.cluster("demo")?;
    /// let result = demo.manage_nodes(NodeAction::Restart, &NodeSelection::new().names(["scheduler"]))?;
    /// assert_eq!(result.nodes[0].name, "scheduler");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the selection selects nothing (nothing is sent);
    /// [`Error::Status`] 404 for an unknown cluster, 400 for a malformed filter, 409 for a
    /// reused request id; the transport errors of every call.
    pub fn manage_nodes(
        &self,
        action: NodeAction,
        selection: &NodeSelection,
    ) -> Result<NodeManagementResult, Error> {
        selection.validate()?;
        self.session
            .manage_nodes(&self.name, action, &selection.to_request())
    }

    /// Start the selected nodes (stopped, deallocated or terminated ones).
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let demo = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?.cluster("demo")?;
    /// demo.start_nodes(&cyclecloud::NodeSelection::new().names(["scheduler"]))?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Cluster::manage_nodes`].
    pub fn start_nodes(&self, selection: &NodeSelection) -> Result<NodeManagementResult, Error> {
        self.manage_nodes(NodeAction::Start, selection)
    }

    /// Terminate the selected nodes (array nodes are removed once terminated; fixed and
    /// standalone nodes stay, `Off`).
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let demo = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?.cluster("demo")?;
    /// demo.terminate_nodes(&cyclecloud::NodeSelection::new().filter(r#"Template === "htc""#))?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Cluster::manage_nodes`].
    pub fn terminate_nodes(
        &self,
        selection: &NodeSelection,
    ) -> Result<NodeManagementResult, Error> {
        self.manage_nodes(NodeAction::Terminate, selection)
    }

    /// Shut down the selected nodes (like terminate, keeping the OS disk).
    ///
    /// ```no_run
    /// # let demo = cyclecloud::Client::new(cyclecloud::Config::new("http://h", "u", "p")?)?.cluster_unchecked("demo");
    /// demo.shutdown_nodes(&cyclecloud::NodeSelection::new().hostnames(["ip-0A000004"]))?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Cluster::manage_nodes`].
    pub fn shutdown_nodes(&self, selection: &NodeSelection) -> Result<NodeManagementResult, Error> {
        self.manage_nodes(NodeAction::Shutdown, selection)
    }

    /// Deallocate the selected nodes (stop the VMs, keep their disks).
    ///
    /// ```no_run
    /// # let demo = cyclecloud::Client::new(cyclecloud::Config::new("http://h", "u", "p")?)?.cluster_unchecked("demo");
    /// demo.deallocate_nodes(&cyclecloud::NodeSelection::new().ip_addresses(["10.0.0.4"]))?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Cluster::manage_nodes`].
    pub fn deallocate_nodes(
        &self,
        selection: &NodeSelection,
    ) -> Result<NodeManagementResult, Error> {
        self.manage_nodes(NodeAction::Deallocate, selection)
    }

    /// Remove the selected nodes from the cluster.
    ///
    /// ```no_run
    /// # let demo = cyclecloud::Client::new(cyclecloud::Config::new("http://h", "u", "p")?)?.cluster_unchecked("demo");
    /// demo.remove_nodes(&cyclecloud::NodeSelection::new().ids(["8e2c1a57"]))?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Cluster::manage_nodes`].
    pub fn remove_nodes(&self, selection: &NodeSelection) -> Result<NodeManagementResult, Error> {
        self.manage_nodes(NodeAction::Remove, selection)
    }

    /// Restart (reboot) the selected nodes.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let demo = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?.cluster("demo")?;
    /// let result = demo.restart_nodes(&cyclecloud::NodeSelection::new().names(["scheduler"]))?;
    /// assert_eq!(result.nodes[0].status.as_deref(), Some("OK"));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Cluster::manage_nodes`].
    pub fn restart_nodes(&self, selection: &NodeSelection) -> Result<NodeManagementResult, Error> {
        self.manage_nodes(NodeAction::Restart, selection)
    }

    /// Reimage the selected nodes (reinstall from their image).
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let demo = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?.cluster("demo")?;
    /// demo.reimage_nodes(&cyclecloud::NodeSelection::new().filter(r#"Name === "scheduler""#))?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Cluster::manage_nodes`].
    pub fn reimage_nodes(&self, selection: &NodeSelection) -> Result<NodeManagementResult, Error> {
        self.manage_nodes(NodeAction::Reimage, selection)
    }

    /// Wait for the nodes of an operation, or for named nodes, to reach a status: set the
    /// status with [`Wait::until`] (default `Ready`) and the limit with [`Wait::timeout`]
    /// (default 30 minutes), then call [`Wait::run`].
    ///
    /// `target` is a [`NodeCreationResult`] or [`NodeManagementResult`] (its operation), or
    /// a [`WaitTarget`].
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(cyclecloud_emulator::Options {
    /// #     phase_delay: std::time::Duration::from_millis(100), ..Default::default() }).unwrap();
    /// # let demo = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?.cluster("demo")?;
    /// use std::time::Duration;
    /// let result = demo.scale_by_nodes("htc", 2)?;
    /// let ready = demo
    ///     .wait(&result)
    ///     .until("Ready")
    ///     .timeout(Duration::from_secs(60))
    ///     .poll_interval(Duration::from_millis(100))
    ///     .run()?;
    /// assert!(ready.iter().all(|n| n["Status"] == "Ready"));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn wait(&self, target: impl Into<WaitTarget>) -> Wait<'_> {
        Wait {
            cluster: self,
            target: target.into(),
            until: "Ready".to_owned(),
            timeout: Some(DEFAULT_WAIT_TIMEOUT),
            poll_interval: DEFAULT_POLL_INTERVAL,
            progress: None,
        }
    }
}

/// A selection of nodes for [`Cluster::manage_nodes`] and the actions built on it: nodes
/// matching any of the given names, ids, hostnames, IP addresses or the filter expression.
///
/// ```
/// use cyclecloud::NodeSelection;
/// let selection = NodeSelection::new()
///     .names(["htc-1", "htc-2"])
///     .filter(r#"State === "Started" && Template === "hpc""#)
///     .request_id("terminate-42");
/// let request = selection.to_request();
/// assert_eq!(request.names.as_deref(), Some(&["htc-1".to_owned(), "htc-2".to_owned()][..]));
/// assert_eq!(request.request_id.as_deref(), Some("terminate-42"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct NodeSelection {
    names: Vec<String>,
    ids: Vec<String>,
    hostnames: Vec<String>,
    ip_addresses: Vec<String>,
    filter: Option<String>,
    request_id: Option<String>,
}

impl NodeSelection {
    /// An empty selection; add at least one selector before using it.
    ///
    /// ```
    /// let selection = cyclecloud::NodeSelection::new();
    /// assert!(selection.is_empty());
    /// assert!(selection.validate().is_err());
    /// ```
    pub fn new() -> Self {
        NodeSelection::default()
    }

    /// Also select the nodes with these names (`Name`).
    ///
    /// ```
    /// let s = cyclecloud::NodeSelection::new().names(["htc-1"]).names(vec!["htc-2".to_string()]);
    /// assert_eq!(s.to_request().names.unwrap(), ["htc-1", "htc-2"]);
    /// ```
    pub fn names<I: IntoIterator<Item = S>, S: Into<String>>(mut self, names: I) -> Self {
        self.names.extend(names.into_iter().map(Into::into));
        self
    }

    /// Also select the nodes with these node ids (`NodeId`).
    ///
    /// ```
    /// let s = cyclecloud::NodeSelection::new().ids(["a1"]).ids(vec!["b2".to_string()]);
    /// assert_eq!(s.to_request().ids.unwrap(), ["a1", "b2"]);
    /// ```
    pub fn ids<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.ids.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Also select the nodes with these short host names (`Hostname`, without domain).
    ///
    /// ```
    /// let s = cyclecloud::NodeSelection::new().hostnames(["ip-0A010005"]);
    /// assert_eq!(s.to_request().hostnames.unwrap(), ["ip-0A010005"]);
    /// ```
    pub fn hostnames<I: IntoIterator<Item = S>, S: Into<String>>(mut self, hostnames: I) -> Self {
        self.hostnames.extend(hostnames.into_iter().map(Into::into));
        self
    }

    /// Also select the nodes with these private IP addresses (`PrivateIp`).
    ///
    /// ```
    /// let s = cyclecloud::NodeSelection::new().ip_addresses(["10.1.0.5", "10.1.0.6"]);
    /// assert_eq!(s.to_request().ip_addresses.unwrap().len(), 2);
    /// ```
    pub fn ip_addresses<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ips: I) -> Self {
        self.ip_addresses.extend(ips.into_iter().map(Into::into));
        self
    }

    /// Also select the nodes matching a filter expression, e.g.
    /// `Template === "htc" && Status === "Ready"` (strings inside it must be quoted).
    /// Replaces an earlier filter.
    ///
    /// ```
    /// let s = cyclecloud::NodeSelection::new().filter(r#"Template === "htc" && Status === "Ready""#);
    /// assert!(s.to_request().filter.unwrap().starts_with("Template"));
    /// ```
    pub fn filter(mut self, expression: impl Into<String>) -> Self {
        self.filter = Some(expression.into());
        self
    }

    /// Send this caller-chosen idempotency token with the request: the server rejects a
    /// second request with the same id (409), so a retried call cannot act twice.
    ///
    /// Defaults to none.
    ///
    /// ```
    /// let s = cyclecloud::NodeSelection::new().names(["htc-1"]).request_id("drain-htc-1");
    /// assert_eq!(s.to_request().request_id.as_deref(), Some("drain-htc-1"));
    /// ```
    pub fn request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Whether nothing is selected (no name, id, hostname, IP address or filter).
    ///
    /// ```
    /// assert!(cyclecloud::NodeSelection::new().is_empty());
    /// assert!(cyclecloud::NodeSelection::new().names(Vec::<String>::new()).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
            && self.ids.is_empty()
            && self.hostnames.is_empty()
            && self.ip_addresses.is_empty()
            && self.filter.as_deref().is_none_or(|f| f.trim().is_empty())
    }

    /// Check that something is selected.
    ///
    /// ```
    /// use cyclecloud::{Error, NodeSelection};
    /// assert!(NodeSelection::new().names(["htc-1"]).validate().is_ok());
    /// let err = NodeSelection::new().validate().unwrap_err();
    /// assert!(matches!(err, Error::InvalidArgument { argument: "selection", .. }));
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] (`selection`) if [`NodeSelection::is_empty`].
    pub fn validate(&self) -> Result<(), Error> {
        if self.is_empty() {
            return Err(Error::invalid_argument(
                "selection",
                "selects no nodes: give names, ids, hostnames, IP addresses or a filter",
            ));
        }
        Ok(())
    }

    /// The REST request body for this selection (empty selectors are left out).
    ///
    /// ```
    /// let request = cyclecloud::NodeSelection::new().ids(["a1"]).to_request();
    /// assert_eq!(serde_json::to_string(&request).unwrap(), r#"{"ids":["a1"]}"#);
    /// ```
    pub fn to_request(&self) -> NodeManagementRequest {
        let list = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
        NodeManagementRequest {
            names: list(&self.names),
            ids: list(&self.ids),
            hostnames: list(&self.hostnames),
            ip_addresses: list(&self.ip_addresses),
            filter: self.filter.clone(),
            request_id: self.request_id.clone(),
            ..Default::default()
        }
    }
}

impl From<NodeSelection> for NodeManagementRequest {
    fn from(selection: NodeSelection) -> Self {
        selection.to_request()
    }
}

/// What a [`Wait`] waits for.
///
/// A [`NodeCreationResult`] becomes [`WaitTarget::Operation`]. A [`NodeManagementResult`]
/// becomes [`WaitTarget::Operation`] too when the server accepted the action for every node
/// it matched, and [`WaitTarget::Refused`] when it refused some (result node `status` `Error`):
/// waiting on that fails at once with [`Error::NodesFailed`] naming them.
///
/// ```
/// use cyclecloud::WaitTarget;
/// let by_operation = WaitTarget::operation("3b53d621");
/// let by_names = WaitTarget::nodes(["htc-1", "htc-2"]);
/// assert_ne!(by_operation, by_names);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitTarget {
    /// The nodes touched by an operation, by operation id.
    Operation(String),
    /// These nodes, by name.
    Nodes(Vec<String>),
    /// A management operation the server refused for some nodes: [`Wait::run`] fails at once
    /// with [`Error::NodesFailed`] listing `refused`.
    Refused {
        /// The operation id of the result (may be empty).
        operation_id: String,
        /// One record per refused node: `Name`, `NodeId`, `Status` (`"Error"`) and
        /// `StatusMessage` (the server's `error`).
        refused: Vec<Node>,
    },
}

impl WaitTarget {
    /// The nodes of the operation `id`.
    ///
    /// ```
    /// assert_eq!(cyclecloud::WaitTarget::operation("op-1"), cyclecloud::WaitTarget::Operation("op-1".into()));
    /// ```
    #[must_use]
    pub fn operation(id: impl Into<String>) -> Self {
        WaitTarget::Operation(id.into())
    }

    /// The nodes with these names (duplicates are ignored).
    ///
    /// ```
    /// let target = cyclecloud::WaitTarget::nodes(["htc-1", "htc-2", "htc-1"]);
    /// assert_eq!(target, cyclecloud::WaitTarget::Nodes(vec!["htc-1".into(), "htc-2".into()]));
    /// ```
    #[must_use]
    pub fn nodes<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> Self {
        let mut list: Vec<String> = Vec::new();
        for name in names {
            let name = name.into();
            if !list.contains(&name) {
                list.push(name);
            }
        }
        WaitTarget::Nodes(list)
    }
}

impl From<&NodeCreationResult> for WaitTarget {
    fn from(result: &NodeCreationResult) -> Self {
        WaitTarget::operation(result.operation_id.clone())
    }
}

impl From<&NodeManagementResult> for WaitTarget {
    /// [`WaitTarget::Refused`] if any result node has `status` `Error` (any case), else
    /// [`WaitTarget::Operation`].
    ///
    /// ```
    /// use cyclecloud::models::{NodeManagementResult, NodeManagementResultNode};
    /// use cyclecloud::WaitTarget;
    /// let mut result = NodeManagementResult { operation_id: "op-1".into(), ..Default::default() };
    /// assert_eq!(WaitTarget::from(&result), WaitTarget::operation("op-1"));
    /// result.nodes.push(NodeManagementResultNode {
    ///     name: "scheduler".into(),
    ///     status: Some("Error".into()),
    ///     error: Some("Node scheduler has KeepAlive set".into()),
    ///     ..Default::default()
    /// });
    /// let WaitTarget::Refused { refused, .. } = WaitTarget::from(&result) else { unreachable!() };
    /// assert_eq!(refused[0]["Name"], "scheduler");
    /// assert_eq!(refused[0]["StatusMessage"], "Node scheduler has KeepAlive set");
    /// ```
    fn from(result: &NodeManagementResult) -> Self {
        let refused: Vec<Node> = result
            .nodes
            .iter()
            .filter(|n| {
                n.status
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case("error"))
            })
            .map(|n| {
                let mut node = Node::new();
                node.insert("Name".into(), Value::String(n.name.clone()));
                if !n.id.is_empty() {
                    node.insert("NodeId".into(), Value::String(n.id.clone()));
                }
                node.insert("Status".into(), Value::String("Error".into()));
                let message = n
                    .error
                    .as_deref()
                    .filter(|e| !e.trim().is_empty())
                    .unwrap_or("the server refused the action");
                node.insert("StatusMessage".into(), Value::String(message.to_owned()));
                node
            })
            .collect();
        if refused.is_empty() {
            WaitTarget::operation(result.operation_id.clone())
        } else {
            WaitTarget::Refused {
                operation_id: result.operation_id.clone(),
                refused,
            }
        }
    }
}

/// Default of [`Wait::timeout`]: 30 minutes.
const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Default of [`Wait::poll_interval`]: 1 second.
const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// The shortest pause between two polls of a [`Wait`]: a shorter
/// [`Wait::poll_interval`] is raised to this, so that a wait never hammers the server.
///
/// ```
/// assert_eq!(cyclecloud::MIN_POLL_INTERVAL, std::time::Duration::from_millis(50));
/// ```
pub const MIN_POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Statuses that count as terminated: a terminated fixed or standalone node shows `Off`, and
/// a terminated array node is removed altogether.
const TERMINATED: [&str; 4] = ["terminated", "off", "removed", "gone"];

/// A wait for nodes to reach a status; made by [`Cluster::wait`], started by [`Wait::run`].
///
/// It polls `GET /clusters/{name}/nodes` (for an operation: `?operation=ID`, picking up
/// every node the operation touched) until every node has the status, a node fails, or the
/// time is up.
///
/// ```
/// # let client = cyclecloud::Client::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
/// use std::time::Duration;
/// let demo = client.cluster_unchecked("demo");
/// let wait = demo
///     .wait(cyclecloud::WaitTarget::nodes(["htc-1", "htc-2"]))
///     .until("Deallocated")
///     .timeout(Duration::from_secs(600))
///     .poll_interval(Duration::from_secs(5)); // nothing is sent until wait.run()
/// # Ok::<(), cyclecloud::Error>(())
/// ```
#[must_use = "a Wait does nothing until run() is called"]
pub struct Wait<'a> {
    cluster: &'a Cluster,
    target: WaitTarget,
    until: String,
    timeout: Option<Duration>,
    poll_interval: Duration,
    progress: Option<ProgressFn<'a>>,
}

/// The callback of [`Wait::on_progress`].
type ProgressFn<'a> = Box<dyn FnMut(&WaitProgress) + Send + 'a>;

impl std::fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wait")
            .field("cluster", &self.cluster.name)
            .field("target", &self.target)
            .field("until", &self.until)
            .field("timeout", &self.timeout)
            .field("poll_interval", &self.poll_interval)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// What a [`Wait`] saw at one poll, passed to [`Wait::on_progress`].
///
/// ```
/// # let server = cyclecloud_emulator::EmbeddedServer::start(cyclecloud_emulator::Options {
/// #     phase_delay: std::time::Duration::ZERO, ..Default::default() }).unwrap();
/// # let demo = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?.cluster("demo")?;
/// let result = demo.scale_by_nodes("htc", 2)?;
/// let mut last = None;
/// demo.wait(&result).on_progress(|p| last = Some(p.clone())).run()?;
/// let last = last.unwrap();
/// assert!(last.done);
/// assert_eq!((last.reached, last.total), (2, 2));
/// assert_eq!(last.counts.get("Ready"), Some(&2));
/// # Ok::<(), cyclecloud::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitProgress {
    /// The status waited for.
    pub until: String,
    /// How many nodes are waited for (for an operation: how many it has touched so far).
    pub total: usize,
    /// How many have reached the status.
    pub reached: usize,
    /// How many have failed (or vanished, unless waiting for termination).
    pub failed: usize,
    /// How many are still on their way.
    pub pending: usize,
    /// Nodes per current status (`"removed"` for nodes that no longer exist).
    pub counts: BTreeMap<String, usize>,
    /// Time since [`Wait::run`] started.
    pub elapsed: Duration,
    /// Whether this is the last poll because every node reached the status.
    pub done: bool,
}

impl<'a> Wait<'a> {
    /// The node `Status` to wait for, compared case-insensitively: `Ready`, `Deallocated`,
    /// `Terminated` (also satisfied by `Off` and by nodes that were removed, as terminated
    /// array nodes are), or any other status. Surrounding blanks are ignored; an empty or
    /// blank status makes [`Wait::run`] fail with [`Error::InvalidArgument`] (`until`).
    ///
    /// Defaults to `"Ready"`.
    ///
    /// ```
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
    /// let demo = client.cluster_unchecked("demo");
    /// let wait = demo.wait(cyclecloud::WaitTarget::operation("op-1")).until("Terminated");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn until(mut self, status: impl Into<String>) -> Self {
        self.until = status.into();
        self
    }

    /// How long to wait in total before failing with [`Error::WaitTimeout`].
    ///
    /// Defaults to 30 minutes.
    ///
    /// ```
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
    /// let demo = client.cluster_unchecked("demo");
    /// let wait = demo.wait(cyclecloud::WaitTarget::operation("op-1")).timeout(std::time::Duration::from_secs(120));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Wait without a time limit.
    ///
    /// Defaults to off (the timeout applies).
    ///
    /// ```
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
    /// let demo = client.cluster_unchecked("demo");
    /// let wait = demo.wait(cyclecloud::WaitTarget::operation("op-1")).no_timeout();
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// The pause between two polls; at least [`MIN_POLL_INTERVAL`] (50 ms): a shorter
    /// interval, including zero, is raised to it.
    ///
    /// Defaults to 1 second.
    ///
    /// ```
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
    /// let demo = client.cluster_unchecked("demo");
    /// let wait = demo.wait(cyclecloud::WaitTarget::operation("op-1")).poll_interval(std::time::Duration::from_secs(10));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(MIN_POLL_INTERVAL);
        self
    }

    /// Call `report` after each poll with a [`WaitProgress`] summary, e.g. to draw a
    /// progress line.
    ///
    /// Defaults to none.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(cyclecloud_emulator::Options {
    /// #     phase_delay: std::time::Duration::from_millis(300), ..Default::default() }).unwrap();
    /// # let demo = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?.cluster("demo")?;
    /// use std::time::Duration;
    /// let result = demo.scale_by_nodes("htc", 2)?;
    /// let mut polls = 0;
    /// demo.wait(&result)
    ///     .poll_interval(Duration::from_millis(50))
    ///     .on_progress(|p| {
    ///         polls += 1;
    ///         eprintln!("{}/{} {} {:?}", p.reached, p.total, p.until, p.counts);
    ///     })
    ///     .run()?;
    /// assert!(polls >= 2);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn on_progress(mut self, report: impl FnMut(&WaitProgress) + Send + 'a) -> Self {
        self.progress = Some(Box::new(report));
        self
    }

    /// Poll until done; returns the node records at the end (removed nodes are not
    /// included).
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(cyclecloud_emulator::Options {
    /// #     phase_delay: std::time::Duration::from_secs(3600), ..Default::default() }).unwrap();
    /// # let demo = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?.cluster("demo")?;
    /// use std::time::Duration;
    /// let result = demo.scale_by_nodes("htc", 1)?; // each phase takes an hour here
    /// let err = demo.wait(&result).timeout(Duration::from_millis(300))
    ///     .poll_interval(Duration::from_millis(100)).run().unwrap_err();
    /// assert!(matches!(err, cyclecloud::Error::WaitTimeout(_)));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NodesFailed`] before any request if the target is a [`WaitTarget::Refused`]
    /// (a management result in which the server refused some nodes; each is named with the
    /// server's message), and as soon as a node is `Failed` (or, unless waiting for
    /// termination, no longer exists); [`Error::WaitTimeout`] when the time is up, listing
    /// the pending nodes; [`Error::InvalidArgument`] before any request for an empty or blank
    /// [`until`](Wait::until) status, an empty operation id or node name; the errors of
    /// [`Cluster::nodes`] from any poll.
    pub fn run(self) -> Result<Vec<Node>, Error> {
        let Wait {
            cluster,
            target,
            until,
            timeout,
            poll_interval,
            mut progress,
        } = self;
        let until = until.trim().to_owned();
        if until.is_empty() {
            return Err(Error::invalid_argument(
                "until",
                "the status to wait for is empty; give one such as \"Ready\"",
            ));
        }
        let wanted = until.to_lowercase();
        let gone_ok = TERMINATED.contains(&wanted.as_str());
        let started = Instant::now();
        let (operation, mut expected) = match &target {
            WaitTarget::Refused { refused, .. } => {
                return Err(Error::NodesFailed(Box::new(WaitError {
                    cluster: cluster.name.clone(),
                    until,
                    elapsed: started.elapsed(),
                    nodes: refused.clone(),
                })));
            }
            WaitTarget::Operation(id) if id.is_empty() => {
                return Err(Error::invalid_argument("operation", "is required"));
            }
            WaitTarget::Operation(id) => (Some(id.as_str()), Vec::new()),
            WaitTarget::Nodes(names) => {
                if names.iter().any(String::is_empty) {
                    return Err(Error::invalid_argument("nodes", "a node name is empty"));
                }
                (None, names.clone())
            }
        };
        let deadline = timeout.and_then(|t| started.checked_add(t));
        loop {
            let seen: Vec<Node> = match operation {
                Some(id) => {
                    let seen = cluster.operation_nodes(id)?;
                    for name in seen.iter().filter_map(node_name) {
                        if !expected.iter().any(|e| e == name) {
                            expected.push(name.to_owned());
                        }
                    }
                    seen
                }
                None => cluster
                    .nodes()?
                    .into_iter()
                    .filter(|n| node_name(n).is_some_and(|name| expected.iter().any(|e| e == name)))
                    .collect(),
            };
            let mut by_name: BTreeMap<&str, &Node> = BTreeMap::new();
            for node in &seen {
                if let Some(name) = node_name(node) {
                    by_name.insert(name, node);
                }
            }
            let mut failed: Vec<Node> = Vec::new();
            let mut pending: Vec<Node> = Vec::new();
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for name in &expected {
                let label = by_name.get(name.as_str()).map_or("removed", |n| {
                    n.get("Status").and_then(Value::as_str).unwrap_or_default()
                });
                *counts.entry(label.to_owned()).or_default() += 1;
                match by_name.get(name.as_str()) {
                    None if gone_ok => {}
                    None => {
                        let mut gone = Node::new();
                        gone.insert("Name".into(), Value::String(name.clone()));
                        gone.insert(
                            "StatusMessage".into(),
                            Value::String("the node does not exist".into()),
                        );
                        failed.push(gone);
                    }
                    Some(node) => {
                        let status = node
                            .get("Status")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_lowercase();
                        let reached =
                            status == wanted || (gone_ok && TERMINATED.contains(&status.as_str()));
                        if reached {
                            continue;
                        }
                        if status == "failed" {
                            failed.push((*node).clone());
                        } else {
                            pending.push((*node).clone());
                        }
                    }
                }
            }
            if let Some(report) = progress.as_mut() {
                report(&WaitProgress {
                    until: until.clone(),
                    total: expected.len(),
                    reached: expected.len() - failed.len() - pending.len(),
                    failed: failed.len(),
                    pending: pending.len(),
                    counts,
                    elapsed: started.elapsed(),
                    done: failed.is_empty() && pending.is_empty(),
                });
            }
            let report = |nodes| {
                Box::new(WaitError {
                    cluster: cluster.name.clone(),
                    until: until.clone(),
                    elapsed: started.elapsed(),
                    nodes,
                })
            };
            if !failed.is_empty() {
                return Err(Error::NodesFailed(report(failed)));
            }
            if pending.is_empty() {
                return Ok(expected
                    .iter()
                    .filter_map(|name| by_name.get(name.as_str()).map(|n| (*n).clone()))
                    .collect());
            }
            let now = Instant::now();
            let pause = match deadline {
                Some(deadline) if now >= deadline => {
                    return Err(Error::WaitTimeout(report(pending)));
                }
                Some(deadline) => poll_interval.min(deadline - now),
                None => poll_interval,
            };
            std::thread::sleep(pause);
        }
    }
}

fn node_name(node: &Node) -> Option<&str> {
    node.get("Name").and_then(Value::as_str)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn handles_are_send_sync_clone() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Client>();
        check::<Cluster>();
        check::<NodeSelection>();
        check::<WaitTarget>();
    }

    #[test]
    fn selection_leaves_empty_selectors_out() {
        let request = NodeSelection::new()
            .names(["a"])
            .hostnames(Vec::<String>::new())
            .to_request();
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::json!({"names": ["a"]})
        );
        let all = NodeSelection::new()
            .names(["n"])
            .ids(["i"])
            .hostnames(["h"])
            .ip_addresses(["10.0.0.1"])
            .filter("x === 1")
            .request_id("r");
        assert_eq!(
            serde_json::to_value(NodeManagementRequest::from(all)).unwrap(),
            serde_json::json!({"names": ["n"], "ids": ["i"], "hostnames": ["h"],
                "ip_addresses": ["10.0.0.1"], "filter": "x === 1", "requestId": "r"})
        );
    }

    #[test]
    fn wait_target_from_results_uses_the_operation() {
        let created = NodeCreationResult {
            operation_id: "op-1".into(),
            ..Default::default()
        };
        assert_eq!(WaitTarget::from(&created), WaitTarget::operation("op-1"));
        let mut managed = NodeManagementResult {
            operation_id: "op-2".into(),
            ..Default::default()
        };
        managed.nodes.push(crate::models::NodeManagementResultNode {
            name: "ok-1".into(),
            status: Some("OK".into()),
            ..Default::default()
        });
        assert_eq!(WaitTarget::from(&managed), WaitTarget::operation("op-2"));
        managed.nodes.push(crate::models::NodeManagementResultNode {
            name: "kept".into(),
            id: "id-7".into(),
            status: Some("error".into()),
            error: None,
            ..Default::default()
        });
        let WaitTarget::Refused {
            operation_id,
            refused,
        } = WaitTarget::from(&managed)
        else {
            panic!("refusals are kept")
        };
        assert_eq!(operation_id, "op-2");
        assert_eq!(
            Value::Object(refused[0].clone()),
            serde_json::json!({"Name": "kept", "NodeId": "id-7", "Status": "Error",
                "StatusMessage": "the server refused the action"})
        );
    }

    #[test]
    fn wait_error_summary_names_nodes_and_causes() {
        let node = |name: &str, status: &str, message: &str| {
            let mut n = Node::new();
            n.insert("Name".into(), name.into());
            if !status.is_empty() {
                n.insert("Status".into(), status.into());
            }
            if !message.is_empty() {
                n.insert("StatusMessage".into(), message.into());
            }
            n
        };
        let err = Error::NodesFailed(Box::new(WaitError {
            cluster: "demo".into(),
            until: "Ready".into(),
            elapsed: Duration::from_secs(2),
            nodes: vec![
                node("a", "Failed", "no capacity"),
                node("b", "", "gone"),
                node("c", "Acquiring", ""),
            ],
        }));
        assert_eq!(
            err.to_string(),
            "3 node(s) of cluster demo failed while waiting for Ready: \
             a (Failed: no capacity), b (gone), c (Acquiring)"
        );
        let many = Error::WaitTimeout(Box::new(WaitError {
            cluster: "demo".into(),
            until: "Ready".into(),
            elapsed: Duration::from_millis(1500),
            nodes: (0..25)
                .map(|i| node(&format!("n{i}"), "Preparing", ""))
                .collect(),
        }));
        let text = many.to_string();
        assert!(
            text.starts_with("timed out after 1.5s waiting for 25 node(s)"),
            "{text}"
        );
        assert!(text.ends_with("n19 (Preparing), and 5 more"), "{text}");
    }
}
