//! Typed calls: one [`Session`] method per endpoint.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::endpoints::{self, NodeAction, STATUS_ACCEPTED, STATUS_OK, UsageParams};
use crate::models::{
    ClusterStatus, ClusterUsage, NodeCreationRequest, NodeCreationResult, NodeList,
    NodeManagementRequest, NodeManagementResult, OperationStatus,
};
use crate::{Error, Session};

/// One record of [`Session::list_clusters`].
///
/// Only the name is guaranteed; every other attribute the server sends (`Nodes`,
/// `NodeArrays`, …) is kept in `extra`.
///
/// ```
/// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
/// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
/// let records = session.list_clusters()?;
/// assert_eq!(records[0].name, "demo");
/// println!("{:?} -> {:?}", records[0].state, records[0].target_state);
/// # Ok::<(), cyclecloud::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterRecord {
    /// The cluster name (`ClusterName`).
    #[serde(rename = "ClusterName")]
    pub name: String,
    /// The cluster state (`State`), e.g. `"Started"`.
    #[serde(rename = "State", default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The target state (`TargetState`).
    #[serde(
        rename = "TargetState",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub target_state: Option<String>,
    /// Every other attribute of the record.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// # Typed calls
///
/// Each method builds its request with the function of the same name in
/// [`endpoints`], sends it, checks the documented status (200 for reads, 202 for
/// mutations) and decodes the body.
///
/// Every method fails with [`Error::InvalidArgument`] for bad arguments (nothing is sent),
/// [`Error::Transport`], [`Error::Tls`] or [`Error::Timeout`] when no response arrives,
/// [`Error::Status`] for any other status (401 wrong credentials, 404 unknown cluster, 409
/// invalid input or duplicate request id, 5xx), and [`Error::Decode`] for an unexpected
/// body.
impl Session {
    /// The status of a cluster: node arrays, their buckets and limits; with `nodes = true`
    /// also the records of all active nodes (the body can be tens of MB for big clusters).
    ///
    /// ```no_run
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
    /// let status = session.get_cluster_status("demo", false)?;
    /// for array in &status.nodearrays {
    ///     println!("{}: {} buckets", array.name, array.buckets.len());
    /// }
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// See the list above; a 404 means the cluster does not exist.
    pub fn get_cluster_status(&self, cluster: &str, nodes: bool) -> Result<ClusterStatus, Error> {
        self.request_json(
            &endpoints::get_cluster_status(cluster, nodes)?,
            &[STATUS_OK],
        )
    }

    /// Node records of a cluster: all of them, or those touched by one operation (by
    /// operation id or by the request id given when it was submitted).
    ///
    /// ```no_run
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
    /// match session.get_nodes("demo", None, Some("my-request")) {
    ///     Ok(list) => println!("{} nodes", list.nodes.len()),
    ///     Err(e) if e.is_not_found() => println!("no such request"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// See the list above; a 404 means an unknown cluster, operation or request id (the body
    /// then says "No operation found for request id …").
    pub fn get_nodes(
        &self,
        cluster: &str,
        operation: Option<&str>,
        request_id: Option<&str>,
    ) -> Result<NodeList, Error> {
        self.request_json(
            &endpoints::get_nodes(cluster, operation, request_id)?,
            &[STATUS_OK],
        )
    }

    /// Create nodes in one or more node arrays.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// use cyclecloud::models::NodeCreationRequest;
    /// let request: NodeCreationRequest = serde_json::from_value(serde_json::json!({
    ///     "requestId": "create-1",
    ///     "sets": [{"nodearray": "htc", "count": 2, "definition": {"machineType": "Standard_F4s_v2"}}]
    /// }))?;
    /// let result = session.create_nodes("demo", &request)?;
    /// assert_eq!(result.sets[0].added, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// See the list above; 409 for invalid input or a `requestId` already used.
    pub fn create_nodes(
        &self,
        cluster: &str,
        request: &NodeCreationRequest,
    ) -> Result<NodeCreationResult, Error> {
        self.request_json(
            &endpoints::create_nodes(cluster, request)?,
            &[STATUS_ACCEPTED],
        )
    }

    /// Apply `action` to the selected nodes. The per-action methods below are shortcuts.
    ///
    /// ```no_run
    /// use cyclecloud::{endpoints::NodeAction, models::NodeManagementRequest};
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
    /// let selection = NodeManagementRequest { names: Some(vec!["htc-1".into()]), ..Default::default() };
    /// let result = session.manage_nodes("demo", NodeAction::Terminate, &selection)?;
    /// println!("operation {}", result.operation_id);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// See the list above; 409 for a `requestId` already used.
    pub fn manage_nodes(
        &self,
        cluster: &str,
        action: NodeAction,
        request: &NodeManagementRequest,
    ) -> Result<NodeManagementResult, Error> {
        self.request_json(
            &endpoints::manage_nodes(cluster, action, request)?,
            &[STATUS_ACCEPTED],
        )
    }

    /// [`NodeAction::Deallocate`] the selected nodes.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// use cyclecloud::models::NodeManagementRequest;
    /// let htc = session.scale("demo", "htc", None, Some(1))?;
    /// let nodes = session.get_nodes("demo", Some(&htc.operation_id), None)?.nodes;
    /// let ids = nodes.iter().filter_map(|n| n["NodeId"].as_str().map(String::from)).collect();
    /// let selection = NodeManagementRequest { ids: Some(ids), ..Default::default() };
    /// let result = session.deallocate_nodes("demo", &selection)?;
    /// assert_eq!(result.nodes[0].status.as_deref(), Some("OK"));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Session::manage_nodes`].
    pub fn deallocate_nodes(
        &self,
        cluster: &str,
        request: &NodeManagementRequest,
    ) -> Result<NodeManagementResult, Error> {
        self.manage_nodes(cluster, NodeAction::Deallocate, request)
    }

    /// [`NodeAction::Remove`] the selected nodes.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// use cyclecloud::models::NodeManagementRequest;
    /// session.scale("demo", "gpu", None, Some(1))?;
    /// let selection = NodeManagementRequest { names: Some(vec!["gpu-1".into()]), ..Default::default() };
    /// session.remove_nodes("demo", &selection)?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Session::manage_nodes`].
    pub fn remove_nodes(
        &self,
        cluster: &str,
        request: &NodeManagementRequest,
    ) -> Result<NodeManagementResult, Error> {
        self.manage_nodes(cluster, NodeAction::Remove, request)
    }

    /// [`NodeAction::Restart`] the selected nodes.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// use cyclecloud::models::NodeManagementRequest;
    /// let selection = NodeManagementRequest { names: Some(vec!["scheduler".into()]), ..Default::default() };
    /// let result = session.restart_nodes("demo", &selection)?;
    /// assert_eq!(result.nodes[0].name, "scheduler");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Session::manage_nodes`].
    pub fn restart_nodes(
        &self,
        cluster: &str,
        request: &NodeManagementRequest,
    ) -> Result<NodeManagementResult, Error> {
        self.manage_nodes(cluster, NodeAction::Restart, request)
    }

    /// [`NodeAction::Reimage`] the selected nodes.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// use cyclecloud::models::NodeManagementRequest;
    /// let selection = NodeManagementRequest {
    ///     filter: Some(r#"Name === "scheduler""#.into()),
    ///     ..Default::default()
    /// };
    /// session.reimage_nodes("demo", &selection)?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Session::manage_nodes`].
    pub fn reimage_nodes(
        &self,
        cluster: &str,
        request: &NodeManagementRequest,
    ) -> Result<NodeManagementResult, Error> {
        self.manage_nodes(cluster, NodeAction::Reimage, request)
    }

    /// [`NodeAction::Shutdown`] the selected nodes.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// use cyclecloud::models::NodeManagementRequest;
    /// session.scale("demo", "htc", None, Some(1))?;
    /// let selection = NodeManagementRequest { names: Some(vec!["htc-1".into()]), ..Default::default() };
    /// session.shutdown_nodes("demo", &selection)?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Session::manage_nodes`].
    pub fn shutdown_nodes(
        &self,
        cluster: &str,
        request: &NodeManagementRequest,
    ) -> Result<NodeManagementResult, Error> {
        self.manage_nodes(cluster, NodeAction::Shutdown, request)
    }

    /// [`NodeAction::Start`] the selected nodes.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// use cyclecloud::models::NodeManagementRequest;
    /// let selection = NodeManagementRequest { names: Some(vec!["scheduler".into()]), ..Default::default() };
    /// session.start_nodes("demo", &selection)?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Session::manage_nodes`].
    pub fn start_nodes(
        &self,
        cluster: &str,
        request: &NodeManagementRequest,
    ) -> Result<NodeManagementResult, Error> {
        self.manage_nodes(cluster, NodeAction::Start, request)
    }

    /// [`NodeAction::Terminate`] the selected nodes.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// use cyclecloud::models::NodeManagementRequest;
    /// // The scheduler is KeepAlive: the call succeeds, the node reports why it was not touched.
    /// let selection = NodeManagementRequest { names: Some(vec!["scheduler".into()]), ..Default::default() };
    /// let result = session.terminate_nodes("demo", &selection)?;
    /// assert_eq!(result.nodes[0].status.as_deref(), Some("Error"));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Session::manage_nodes`].
    pub fn terminate_nodes(
        &self,
        cluster: &str,
        request: &NodeManagementRequest,
    ) -> Result<NodeManagementResult, Error> {
        self.manage_nodes(cluster, NodeAction::Terminate, request)
    }

    /// Grow a node array to a total number of cores or nodes (exactly one of the two). Has no
    /// effect when the array is already that large.
    ///
    /// ```no_run
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
    /// let result = session.scale("demo", "htc", None, Some(4))?;
    /// let added: i64 = result.sets.iter().map(|s| s.added).sum();
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// See the list above; [`Error::InvalidArgument`] unless exactly one total is given.
    pub fn scale(
        &self,
        cluster: &str,
        nodearray: &str,
        total_core_count: Option<i64>,
        total_node_count: Option<i64>,
    ) -> Result<NodeCreationResult, Error> {
        self.request_json(
            &endpoints::scale(cluster, nodearray, total_core_count, total_node_count)?,
            &[STATUS_ACCEPTED],
        )
    }

    /// Core hours and estimated cost of a cluster.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// use cyclecloud::endpoints::{Granularity, Timeframe, UsageParams};
    /// let params = UsageParams::default().timeframe(Timeframe::WeekToDate).granularity(Granularity::Total);
    /// let usage = session.get_cluster_usage("demo", &params)?;
    /// println!("{} interval(s)", usage.usage.len());
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// See the list above; [`Error::InvalidArgument`] if `params` does not validate.
    pub fn get_cluster_usage(
        &self,
        cluster: &str,
        params: &UsageParams,
    ) -> Result<ClusterUsage, Error> {
        self.request_json(
            &endpoints::get_cluster_usage(cluster, params)?,
            &[STATUS_OK],
        )
    }

    /// Submit a Guest Health Report for a node. The server answers 202 with no body.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// session.post_ghr("demo", "scheduler", Some("Resource.Hpc.Reboot"), Some("xid 79"))?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// See the list above; 404 for an unknown node, 409 if a report was already submitted.
    pub fn post_ghr(
        &self,
        cluster: &str,
        node: &str,
        category: Option<&str>,
        description: Option<&str>,
    ) -> Result<(), Error> {
        self.request_expect(
            &endpoints::post_ghr(cluster, node, category, description)?,
            &[STATUS_ACCEPTED],
        )
        .map(drop)
    }

    /// The Guest Health Report state of a node, as free-form JSON.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// let report = session.get_ghr("demo", "scheduler", None, None)?;
    /// println!("{report}");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// See the list above; 404 for an unknown node.
    pub fn get_ghr(
        &self,
        cluster: &str,
        node: &str,
        category: Option<&str>,
        description: Option<&str>,
    ) -> Result<Value, Error> {
        self.request_json(
            &endpoints::get_ghr(cluster, node, category, description)?,
            &[STATUS_OK],
        )
    }

    /// All operations, or the zero or one submitted with `request_id`.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// use cyclecloud::models::NodeManagementRequest;
    /// let selection = NodeManagementRequest {
    ///     names: Some(vec!["scheduler".into()]),
    ///     request_id: Some("restart-7".into()),
    ///     ..Default::default()
    /// };
    /// session.restart_nodes("demo", &selection)?;
    /// let found = session.list_operations(Some("restart-7"))?;
    /// assert_eq!(found.len(), 1);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// See the list above.
    pub fn list_operations(&self, request_id: Option<&str>) -> Result<Vec<OperationStatus>, Error> {
        self.request_json(&endpoints::list_operations(request_id), &[STATUS_OK])
    }

    /// One operation by id.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// let result = session.scale("demo", "htc", None, Some(1))?;
    /// let operation = session.get_operation(&result.operation_id)?;
    /// println!("{} at {}", operation.action, operation.start_time);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// See the list above; 404 for an unknown id.
    pub fn get_operation(&self, id: &str) -> Result<OperationStatus, Error> {
        self.request_json(&endpoints::get_operation(id)?, &[STATUS_OK])
    }

    /// All clusters, one record each (`GET /cloud/api/clusters?summary=true`, the endpoint
    /// the CycleCloud CLI uses).
    ///
    /// ```no_run
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
    /// let names: Vec<String> = session.list_clusters()?.into_iter().map(|c| c.name).collect();
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// See the list above.
    pub fn list_clusters(&self) -> Result<Vec<ClusterRecord>, Error> {
        self.request_json(&endpoints::list_clusters(), &[STATUS_OK])
    }

    /// Retry the failed nodes of a cluster (`POST /cloud/actions/retry/{cluster}`); returns
    /// the server's JSON answer, or `null` if the body is empty.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// session.retry("demo")?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// See the list above.
    pub fn retry(&self, cluster: &str) -> Result<Value, Error> {
        let req = endpoints::retry(cluster)?;
        let response = self.request_expect(&req, &[STATUS_OK])?;
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&response.body)
            .map_err(|e| Error::decode(&req.url(self.config().url()), &response.body, e))
    }
}
