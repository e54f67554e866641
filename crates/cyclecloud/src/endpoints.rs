//! Pure request builders, one per REST endpoint.
//!
//! Each function checks its arguments, then returns the [`Request`] to send; nothing here
//! does I/O. The matching [`Session`](crate::Session) methods (same names) send the request,
//! check the documented status and decode the typed body. Path segments are
//! percent-encoded; `None` query parameters are left out.
//!
//! ```
//! use cyclecloud::{endpoints, Method};
//! let req = endpoints::scale("demo", "htc", None, Some(4))?;
//! assert_eq!(req.method, Method::Post);
//! assert_eq!(req.path, "/clusters/demo/scale/htc");
//! assert_eq!(req.query, vec![("totalNodeCount".to_owned(), "4".to_owned())]);
//! # Ok::<(), cyclecloud::Error>(())
//! ```

use std::fmt;

use crate::Error;
use crate::models::{NodeCreationRequest, NodeManagementRequest};
use crate::request::{Method, Request, encode_path_segment};

/// Status returned by the read endpoints.
///
/// ```
/// use cyclecloud::endpoints::{self, STATUS_OK};
/// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
/// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
/// let response = session.request_expect(&endpoints::get_cluster_status("demo", false)?, &[STATUS_OK])?;
/// assert_eq!(response.status, 200);
/// # Ok::<(), cyclecloud::Error>(())
/// ```
pub const STATUS_OK: u16 = 200;
/// Status returned by the mutating endpoints (create, node actions, scale, GHR post).
///
/// ```
/// use cyclecloud::endpoints::{self, STATUS_ACCEPTED};
/// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
/// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
/// let response = session.request_expect(&endpoints::scale("demo", "htc", None, Some(1))?, &[STATUS_ACCEPTED])?;
/// assert!(response.header("Location").unwrap().starts_with("/operations/"));
/// # Ok::<(), cyclecloud::Error>(())
/// ```
pub const STATUS_ACCEPTED: u16 = 202;

/// `GET /clusters/{cluster}/status?nodes=…`: the cluster's arrays, buckets and limits; with
/// `nodes = true` also every active node record and each bucket's `activeNodes`.
///
/// ```
/// let req = cyclecloud::endpoints::get_cluster_status("demo", true)?;
/// assert_eq!(req.url("https://cc"), "https://cc/clusters/demo/status?nodes=true");
/// # Ok::<(), cyclecloud::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] if `cluster` is empty, `.` or `..`.
pub fn get_cluster_status(cluster: &str, nodes: bool) -> Result<Request, Error> {
    let cluster = segment("cluster", cluster)?;
    Ok(
        Request::new(Method::Get, format!("/clusters/{cluster}/status"))
            .with_query("nodes", bool_str(nodes)),
    )
}

/// `GET /clusters/{cluster}/nodes[?operation=…][&request_id=…]`: all node records, or only
/// those touched by one operation (looked up by operation id or by the caller's request id).
///
/// ```
/// let req = cyclecloud::endpoints::get_nodes("demo", None, Some("req-1"))?;
/// assert_eq!(req.url("https://cc"), "https://cc/clusters/demo/nodes?request_id=req-1");
/// # Ok::<(), cyclecloud::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] if `cluster` is empty, `.` or `..`.
pub fn get_nodes(
    cluster: &str,
    operation: Option<&str>,
    request_id: Option<&str>,
) -> Result<Request, Error> {
    let cluster = segment("cluster", cluster)?;
    let mut req = Request::new(Method::Get, format!("/clusters/{cluster}/nodes"));
    if let Some(operation) = operation {
        req = req.with_query("operation", operation);
    }
    if let Some(request_id) = request_id {
        req = req.with_query("request_id", request_id);
    }
    Ok(req)
}

/// `POST /clusters/{cluster}/nodes/create` with the request as JSON body.
///
/// ```
/// let request = cyclecloud::models::NodeCreationRequest::default();
/// let req = cyclecloud::endpoints::create_nodes("demo", &request)?;
/// assert_eq!(req.path, "/clusters/demo/nodes/create");
/// assert_eq!(req.header("Content-Type"), Some("application/json"));
/// # Ok::<(), cyclecloud::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] if `cluster` is empty, `.` or `..`.
pub fn create_nodes(cluster: &str, request: &NodeCreationRequest) -> Result<Request, Error> {
    let cluster = segment("cluster", cluster)?;
    Request::new(Method::Post, format!("/clusters/{cluster}/nodes/create")).with_json(request)
}

/// What [`manage_nodes`] does to the selected nodes.
///
/// ```
/// use cyclecloud::endpoints::NodeAction;
/// assert_eq!(NodeAction::Deallocate.to_string(), "deallocate");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NodeAction {
    /// Stop and deallocate the VMs, keeping their disks (`/nodes/deallocate`).
    Deallocate,
    /// Remove terminated nodes from the cluster (`/nodes/remove`).
    Remove,
    /// Reboot the VMs (`/nodes/restart`).
    Restart,
    /// Reinstall the VMs from their image (`/nodes/reimage`).
    Reimage,
    /// Stop the VMs and release them, like terminate, but keep the OS disk (`/nodes/shutdown`).
    Shutdown,
    /// Start stopped, deallocated or terminated nodes (`/nodes/start`).
    Start,
    /// Delete the VMs; the node records stay until removed (`/nodes/terminate`).
    Terminate,
}

impl NodeAction {
    /// Every action, in alphabetical order.
    ///
    /// ```
    /// assert_eq!(cyclecloud::endpoints::NodeAction::ALL.len(), 7);
    /// ```
    pub const ALL: [NodeAction; 7] = [
        NodeAction::Deallocate,
        NodeAction::Reimage,
        NodeAction::Remove,
        NodeAction::Restart,
        NodeAction::Shutdown,
        NodeAction::Start,
        NodeAction::Terminate,
    ];

    /// The last path segment, e.g. `"terminate"`.
    ///
    /// ```
    /// assert_eq!(cyclecloud::endpoints::NodeAction::Terminate.as_str(), "terminate");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            NodeAction::Deallocate => "deallocate",
            NodeAction::Remove => "remove",
            NodeAction::Restart => "restart",
            NodeAction::Reimage => "reimage",
            NodeAction::Shutdown => "shutdown",
            NodeAction::Start => "start",
            NodeAction::Terminate => "terminate",
        }
    }
}

impl fmt::Display for NodeAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `POST /clusters/{cluster}/nodes/{action}` with the node selection as JSON body.
///
/// ```
/// use cyclecloud::{endpoints::{self, NodeAction}, models::NodeManagementRequest};
/// let selection = NodeManagementRequest { names: Some(vec!["htc-1".into()]), ..Default::default() };
/// let req = endpoints::manage_nodes("demo", NodeAction::Terminate, &selection)?;
/// assert_eq!(req.path, "/clusters/demo/nodes/terminate");
/// assert_eq!(req.body.as_deref(), Some(&br#"{"names":["htc-1"]}"#[..]));
/// # Ok::<(), cyclecloud::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] if `cluster` is empty, `.` or `..`.
pub fn manage_nodes(
    cluster: &str,
    action: NodeAction,
    request: &NodeManagementRequest,
) -> Result<Request, Error> {
    let cluster = segment("cluster", cluster)?;
    Request::new(
        Method::Post,
        format!("/clusters/{cluster}/nodes/{}", action.as_str()),
    )
    .with_json(request)
}

/// `POST /clusters/{cluster}/scale/{nodearray}?totalCoreCount=…|totalNodeCount=…`: grow the
/// array to a total (never shrinks it).
///
/// ```
/// let req = cyclecloud::endpoints::scale("demo", "hpc", Some(240), None)?;
/// assert_eq!(req.url("https://cc"), "https://cc/clusters/demo/scale/hpc?totalCoreCount=240");
/// assert!(cyclecloud::endpoints::scale("demo", "hpc", Some(240), Some(2)).is_err());
/// # Ok::<(), cyclecloud::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] if `cluster` or `nodearray` is empty, `.` or `..`, if not
/// exactly one of the totals is given, or if the total is negative.
pub fn scale(
    cluster: &str,
    nodearray: &str,
    total_core_count: Option<i64>,
    total_node_count: Option<i64>,
) -> Result<Request, Error> {
    let cluster = segment("cluster", cluster)?;
    let nodearray = segment("nodearray", nodearray)?;
    let (key, argument, total) = match (total_core_count, total_node_count) {
        (Some(cores), None) => ("totalCoreCount", "total_core_count", cores),
        (None, Some(nodes)) => ("totalNodeCount", "total_node_count", nodes),
        _ => {
            return Err(Error::invalid_argument(
                "total_core_count",
                "exactly one of total_core_count and total_node_count is required",
            ));
        }
    };
    if total < 0 {
        return Err(Error::invalid_argument(
            argument,
            format!("must not be negative, got {total}"),
        ));
    }
    Ok(Request::new(
        Method::Post,
        format!("/clusters/{cluster}/scale/{nodearray}"),
    )
    .with_query(key, total.to_string()))
}

/// Period of a [`UsageParams`] query (`timeframe=`).
///
/// ```
/// use cyclecloud::endpoints::{Timeframe, UsageParams};
/// let params = UsageParams::default().timeframe(Timeframe::LastMonth);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Timeframe {
    /// From the start of the current month (UTC) until now: `monthToDate`.
    MonthToDate,
    /// The whole previous month: `lastMonth`.
    LastMonth,
    /// From the start of the current week (Sunday, UTC) until now: `weekToDate`.
    WeekToDate,
    /// Between [`UsageParams::from`] and [`UsageParams::to`]: `custom`.
    Custom,
}

impl Timeframe {
    /// The REST value, e.g. `"monthToDate"`.
    ///
    /// ```
    /// assert_eq!(cyclecloud::endpoints::Timeframe::MonthToDate.as_str(), "monthToDate");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Timeframe::MonthToDate => "monthToDate",
            Timeframe::LastMonth => "lastMonth",
            Timeframe::WeekToDate => "weekToDate",
            Timeframe::Custom => "custom",
        }
    }
}

/// Bucketing of a [`UsageParams`] query (`granularity=`).
///
/// ```
/// use cyclecloud::endpoints::{Granularity, UsageParams};
/// let params = UsageParams::default().granularity(Granularity::Hourly);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Granularity {
    /// One interval for the whole period: `total`.
    Total,
    /// One interval per day: `daily`.
    Daily,
    /// One interval per hour: `hourly`.
    Hourly,
}

impl Granularity {
    /// The REST value, e.g. `"daily"`.
    ///
    /// ```
    /// assert_eq!(cyclecloud::endpoints::Granularity::Daily.as_str(), "daily");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Total => "total",
            Granularity::Daily => "daily",
            Granularity::Hourly => "hourly",
        }
    }
}

/// Query of [`get_cluster_usage`]. `None` leaves a parameter out, so the server's default
/// applies.
///
/// ```
/// use cyclecloud::endpoints::{Granularity, Timeframe, UsageParams};
/// let params = UsageParams::default()
///     .timeframe(Timeframe::Custom)
///     .from("2024-01-01T00:00:00Z")
///     .to("2024-01-02T00:00:00Z")
///     .granularity(Granularity::Hourly);
/// params.validate()?;
/// # Ok::<(), cyclecloud::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UsageParams {
    /// The period. `None`: the server's default, `monthToDate`.
    pub timeframe: Option<Timeframe>,
    /// Start of a [`Timeframe::Custom`] period, ISO-8601 (rounded down by the server).
    /// `None`: not sent; required with `Custom`.
    pub from: Option<String>,
    /// End of a [`Timeframe::Custom`] period, ISO-8601 (rounded up by the server).
    /// `None`: not sent; required with `Custom`.
    pub to: Option<String>,
    /// Interval size. `None`: the server's default, `daily`.
    pub granularity: Option<Granularity>,
    /// Ask for per-VM-size `details` in each item (`expand=details`). `false`: not sent.
    pub details: bool,
}

impl UsageParams {
    /// Set [`UsageParams::timeframe`].
    ///
    /// ```
    /// use cyclecloud::endpoints::{Timeframe, UsageParams};
    /// assert_eq!(UsageParams::default().timeframe(Timeframe::WeekToDate).timeframe, Some(Timeframe::WeekToDate));
    /// ```
    #[must_use]
    pub fn timeframe(mut self, timeframe: Timeframe) -> Self {
        self.timeframe = Some(timeframe);
        self
    }

    /// Set [`UsageParams::from`].
    ///
    /// ```
    /// let params = cyclecloud::endpoints::UsageParams::default().from("2024-01-01T00:00:00Z");
    /// assert_eq!(params.from.as_deref(), Some("2024-01-01T00:00:00Z"));
    /// ```
    #[must_use]
    pub fn from(mut self, from: impl Into<String>) -> Self {
        self.from = Some(from.into());
        self
    }

    /// Set [`UsageParams::to`].
    ///
    /// ```
    /// let params = cyclecloud::endpoints::UsageParams::default().to("2024-02-01T00:00:00Z");
    /// assert_eq!(params.to.as_deref(), Some("2024-02-01T00:00:00Z"));
    /// ```
    #[must_use]
    pub fn to(mut self, to: impl Into<String>) -> Self {
        self.to = Some(to.into());
        self
    }

    /// Set [`UsageParams::granularity`].
    ///
    /// ```
    /// use cyclecloud::endpoints::{Granularity, UsageParams};
    /// assert_eq!(UsageParams::default().granularity(Granularity::Total).granularity, Some(Granularity::Total));
    /// ```
    #[must_use]
    pub fn granularity(mut self, granularity: Granularity) -> Self {
        self.granularity = Some(granularity);
        self
    }

    /// Set [`UsageParams::details`].
    ///
    /// ```
    /// let params = cyclecloud::endpoints::UsageParams::default().details(true);
    /// let req = cyclecloud::endpoints::get_cluster_usage("demo", &params)?;
    /// assert_eq!(req.query, [("expand".to_owned(), "details".to_owned())]);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn details(mut self, details: bool) -> Self {
        self.details = details;
        self
    }

    /// Check that `from` and `to` are given exactly when the timeframe is `Custom`.
    ///
    /// ```
    /// use cyclecloud::endpoints::{Timeframe, UsageParams};
    /// assert!(UsageParams::default().timeframe(Timeframe::Custom).validate().is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `from`, `to` or `timeframe`.
    pub fn validate(&self) -> Result<(), Error> {
        let custom = self.timeframe == Some(Timeframe::Custom);
        for (name, value) in [("from", &self.from), ("to", &self.to)] {
            match value {
                None if custom => {
                    return Err(Error::invalid_argument(
                        name,
                        "is required with timeframe custom",
                    ));
                }
                Some(_) if !custom => {
                    return Err(Error::invalid_argument(
                        name,
                        "is only allowed with timeframe custom",
                    ));
                }
                Some(v) if v.is_empty() => {
                    return Err(Error::invalid_argument(name, "must not be empty"));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// `GET /clusters/{cluster}/usage?timeframe=…&from=…&to=…&granularity=…`: core hours and
/// estimated cost.
///
/// ```
/// use cyclecloud::endpoints::{get_cluster_usage, Granularity, UsageParams};
/// let req = get_cluster_usage("demo", &UsageParams::default().granularity(Granularity::Daily))?;
/// assert_eq!(req.url("https://cc"), "https://cc/clusters/demo/usage?granularity=daily");
/// # Ok::<(), cyclecloud::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] if `cluster` is empty, `.` or `..`, or `params` does not
/// validate.
pub fn get_cluster_usage(cluster: &str, params: &UsageParams) -> Result<Request, Error> {
    let cluster = segment("cluster", cluster)?;
    params.validate()?;
    let mut req = Request::new(Method::Get, format!("/clusters/{cluster}/usage"));
    if let Some(timeframe) = params.timeframe {
        req = req.with_query("timeframe", timeframe.as_str());
    }
    if let Some(from) = &params.from {
        req = req.with_query("from", from.as_str());
    }
    if let Some(to) = &params.to {
        req = req.with_query("to", to.as_str());
    }
    if let Some(granularity) = params.granularity {
        req = req.with_query("granularity", granularity.as_str());
    }
    if params.details {
        req = req.with_query("expand", "details");
    }
    Ok(req)
}

/// `POST /clusters/{cluster}/nodes/{node}/ghr?category=…&description=…`: submit a Guest
/// Health Report for a node (202, no body).
///
/// ```
/// let req = cyclecloud::endpoints::post_ghr("demo", "htc-1", Some("Resource.Hpc.Reboot"), None)?;
/// assert_eq!(req.url("https://cc"), "https://cc/clusters/demo/nodes/htc-1/ghr?category=Resource.Hpc.Reboot");
/// # Ok::<(), cyclecloud::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] if `cluster` or `node` is empty, `.` or `..`.
pub fn post_ghr(
    cluster: &str,
    node: &str,
    category: Option<&str>,
    description: Option<&str>,
) -> Result<Request, Error> {
    ghr(Method::Post, cluster, node, category, description)
}

/// `GET /clusters/{cluster}/nodes/{node}/ghr?category=…&description=…`: the workload impact
/// reported for a node.
///
/// ```
/// let req = cyclecloud::endpoints::get_ghr("demo", "htc-1", None, None)?;
/// assert_eq!(req.method, cyclecloud::Method::Get);
/// # Ok::<(), cyclecloud::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] if `cluster` or `node` is empty, `.` or `..`.
pub fn get_ghr(
    cluster: &str,
    node: &str,
    category: Option<&str>,
    description: Option<&str>,
) -> Result<Request, Error> {
    ghr(Method::Get, cluster, node, category, description)
}

fn ghr(
    method: Method,
    cluster: &str,
    node: &str,
    category: Option<&str>,
    description: Option<&str>,
) -> Result<Request, Error> {
    let cluster = segment("cluster", cluster)?;
    let node = segment("node", node)?;
    let mut req = Request::new(method, format!("/clusters/{cluster}/nodes/{node}/ghr"));
    if let Some(category) = category {
        req = req.with_query("category", category);
    }
    if let Some(description) = description {
        req = req.with_query("description", description);
    }
    Ok(req)
}

/// `GET /operations/[?request_id=…]`: all operations, or the zero or one submitted with
/// `request_id`.
///
/// ```
/// let req = cyclecloud::endpoints::list_operations(Some("req-1"));
/// assert_eq!(req.url("https://cc"), "https://cc/operations/?request_id=req-1");
/// ```
#[must_use]
pub fn list_operations(request_id: Option<&str>) -> Request {
    let req = Request::new(Method::Get, "/operations/");
    match request_id {
        Some(request_id) => req.with_query("request_id", request_id),
        None => req,
    }
}

/// `GET /operations/{id}`: one operation.
///
/// ```
/// let req = cyclecloud::endpoints::get_operation("3b53d621")?;
/// assert_eq!(req.path, "/operations/3b53d621");
/// # Ok::<(), cyclecloud::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] if `id` is empty, `.` or `..`.
pub fn get_operation(id: &str) -> Result<Request, Error> {
    let id = segment("id", id)?;
    Ok(Request::new(Method::Get, format!("/operations/{id}")))
}

/// `GET /cloud/api/clusters?summary=true`: one record per cluster (an internal endpoint of
/// the CycleCloud CLI; there is no public cluster listing).
///
/// ```
/// let req = cyclecloud::endpoints::list_clusters();
/// assert_eq!(req.path, "/cloud/api/clusters");
/// ```
#[must_use]
pub fn list_clusters() -> Request {
    Request::new(Method::Get, "/cloud/api/clusters").with_query("summary", "true")
}

/// `POST /cloud/actions/retry/{cluster}`: retry the cluster's failed nodes (a legacy action
/// endpoint used by scalelib; answers 200).
///
/// ```
/// let req = cyclecloud::endpoints::retry("demo")?;
/// assert_eq!(req.path, "/cloud/actions/retry/demo");
/// # Ok::<(), cyclecloud::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] if `cluster` is empty, `.` or `..`.
pub fn retry(cluster: &str) -> Result<Request, Error> {
    let cluster = segment("cluster", cluster)?;
    Ok(Request::new(
        Method::Post,
        format!("/cloud/actions/retry/{cluster}"),
    ))
}

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// Check a path parameter and percent-encode it.
fn segment(argument: &'static str, value: &str) -> Result<String, Error> {
    match value {
        "" => Err(Error::invalid_argument(argument, "is required")),
        "." | ".." => Err(Error::invalid_argument(
            argument,
            format!("{value:?} is not a valid name"),
        )),
        _ => Ok(encode_path_segment(value)),
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use serde_json::{Value, json};

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn body_json(req: &Request) -> Value {
        serde_json::from_slice(req.body.as_deref().expect("a body")).unwrap()
    }

    fn argument_of(result: Result<Request, Error>) -> &'static str {
        match result {
            Err(Error::InvalidArgument { argument, .. }) => argument,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn cluster_status_url() {
        let req = get_cluster_status("demo", true).unwrap();
        assert_eq!(req.method, Method::Get);
        assert_eq!(req.path, "/clusters/demo/status");
        assert_eq!(req.query, q(&[("nodes", "true")]));
        assert!(req.body.is_none());
        let req = get_cluster_status("demo", false).unwrap();
        assert_eq!(req.query, q(&[("nodes", "false")]));
    }

    #[test]
    fn path_segments_are_encoded() {
        let req = get_cluster_status("my cluster/x?y", false).unwrap();
        assert_eq!(req.path, "/clusters/my%20cluster%2Fx%3Fy/status");
        let req = scale("a b", "c/d", None, Some(1)).unwrap();
        assert_eq!(req.path, "/clusters/a%20b/scale/c%2Fd");
        let req = get_ghr("c", "node #1", None, None).unwrap();
        assert_eq!(req.path, "/clusters/c/nodes/node%20%231/ghr");
    }

    #[test]
    fn empty_and_dot_names_are_rejected() {
        assert_eq!(argument_of(get_cluster_status("", false)), "cluster");
        assert_eq!(argument_of(get_cluster_status("..", false)), "cluster");
        assert_eq!(argument_of(get_nodes(".", None, None)), "cluster");
        assert_eq!(argument_of(scale("c", "", Some(1), None)), "nodearray");
        assert_eq!(argument_of(post_ghr("c", "", None, None)), "node");
        assert_eq!(argument_of(get_operation("")), "id");
        assert_eq!(argument_of(retry("")), "cluster");
    }

    #[test]
    fn get_nodes_query() {
        assert!(get_nodes("c", None, None).unwrap().query.is_empty());
        assert_eq!(
            get_nodes("c", Some("op-1"), None).unwrap().query,
            q(&[("operation", "op-1")])
        );
        let req = get_nodes("c", None, Some("req 1")).unwrap();
        assert_eq!(req.path, "/clusters/c/nodes");
        assert_eq!(req.query, q(&[("request_id", "req 1")]));
        assert_eq!(
            req.url("http://h"),
            "http://h/clusters/c/nodes?request_id=req%201"
        );
    }

    #[test]
    fn create_nodes_body_uses_rest_names() {
        let request: NodeCreationRequest = serde_json::from_value(json!({
            "requestId": "r-1",
            "sets": [{"nodearray": "htc", "count": 2, "definition": {"machineType": "Standard_F2s_v2"}}]
        }))
        .unwrap();
        let req = create_nodes("demo", &request).unwrap();
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.path, "/clusters/demo/nodes/create");
        assert!(req.query.is_empty());
        assert_eq!(req.header("Content-Type"), Some("application/json"));
        let body = body_json(&req);
        assert_eq!(body["requestId"], "r-1");
        assert_eq!(body["sets"][0]["nodearray"], "htc");
        assert_eq!(body["sets"][0]["count"], 2);
        assert_eq!(
            body["sets"][0]["definition"]["machineType"],
            "Standard_F2s_v2"
        );
    }

    #[test]
    fn manage_nodes_paths_and_body() {
        let selection = NodeManagementRequest {
            names: Some(vec!["htc-1".into()]),
            ip_addresses: Some(vec!["10.0.0.4".into()]),
            request_id: Some("r".into()),
            ..Default::default()
        };
        for action in NodeAction::ALL {
            let req = manage_nodes("demo", action, &selection).unwrap();
            assert_eq!(req.method, Method::Post);
            assert_eq!(req.path, format!("/clusters/demo/nodes/{action}"));
            assert_eq!(
                body_json(&req),
                json!({"names": ["htc-1"], "ip_addresses": ["10.0.0.4"], "requestId": "r"})
            );
        }
        let paths: Vec<_> = NodeAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(
            paths,
            [
                "deallocate",
                "reimage",
                "remove",
                "restart",
                "shutdown",
                "start",
                "terminate"
            ]
        );
    }

    #[test]
    fn scale_requires_exactly_one_total() {
        let req = scale("demo", "htc", Some(16), None).unwrap();
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.path, "/clusters/demo/scale/htc");
        assert_eq!(req.query, q(&[("totalCoreCount", "16")]));
        assert!(req.body.is_none());
        let req = scale("demo", "htc", None, Some(3)).unwrap();
        assert_eq!(req.query, q(&[("totalNodeCount", "3")]));
        assert_eq!(
            argument_of(scale("demo", "htc", None, None)),
            "total_core_count"
        );
        assert_eq!(
            argument_of(scale("demo", "htc", Some(1), Some(1))),
            "total_core_count"
        );
        assert_eq!(
            argument_of(scale("demo", "htc", None, Some(-1))),
            "total_node_count"
        );
        assert_eq!(
            argument_of(scale("demo", "htc", Some(-4), None)),
            "total_core_count"
        );
        assert!(scale("demo", "htc", None, Some(0)).is_ok());
    }

    #[test]
    fn usage_query() {
        let req = get_cluster_usage("demo", &UsageParams::default()).unwrap();
        assert_eq!(req.path, "/clusters/demo/usage");
        assert!(req.query.is_empty());
        let params = UsageParams::default()
            .timeframe(Timeframe::Custom)
            .from("2024-01-01T00:00:00Z")
            .to("2024-01-02T00:00:00Z")
            .granularity(Granularity::Hourly)
            .details(true);
        let req = get_cluster_usage("demo", &params).unwrap();
        assert_eq!(
            req.query,
            q(&[
                ("timeframe", "custom"),
                ("from", "2024-01-01T00:00:00Z"),
                ("to", "2024-01-02T00:00:00Z"),
                ("granularity", "hourly"),
                ("expand", "details"),
            ])
        );
        let req = get_cluster_usage(
            "demo",
            &UsageParams::default()
                .timeframe(Timeframe::LastMonth)
                .granularity(Granularity::Total),
        )
        .unwrap();
        assert_eq!(
            req.query,
            q(&[("timeframe", "lastMonth"), ("granularity", "total")])
        );
    }

    #[test]
    fn usage_custom_needs_from_and_to() {
        let custom = UsageParams::default().timeframe(Timeframe::Custom);
        assert_eq!(argument_of(get_cluster_usage("c", &custom)), "from");
        assert_eq!(
            argument_of(get_cluster_usage("c", &custom.clone().from("2024-01-01"))),
            "to"
        );
        assert_eq!(
            argument_of(get_cluster_usage(
                "c",
                &UsageParams::default().from("2024-01-01")
            )),
            "from"
        );
        assert_eq!(
            argument_of(get_cluster_usage(
                "c",
                &UsageParams::default()
                    .timeframe(Timeframe::WeekToDate)
                    .to("2024-01-01")
            )),
            "to"
        );
        assert_eq!(
            argument_of(get_cluster_usage("c", &custom.from("").to("x"))),
            "from"
        );
    }

    #[test]
    fn ghr_requests() {
        let req = post_ghr("demo", "htc-1", Some("Resource.Hpc.Reboot"), Some("xid 79")).unwrap();
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.path, "/clusters/demo/nodes/htc-1/ghr");
        assert_eq!(
            req.query,
            q(&[
                ("category", "Resource.Hpc.Reboot"),
                ("description", "xid 79")
            ])
        );
        assert!(req.body.is_none());
        let req = get_ghr("demo", "htc-1", None, None).unwrap();
        assert_eq!(req.method, Method::Get);
        assert!(req.query.is_empty());
    }

    #[test]
    fn operations_requests() {
        let req = list_operations(None);
        assert_eq!(
            (req.method, req.path.as_str()),
            (Method::Get, "/operations/")
        );
        assert!(req.query.is_empty());
        assert_eq!(
            list_operations(Some("r-1")).query,
            q(&[("request_id", "r-1")])
        );
        let req = get_operation("3b53d621-aa").unwrap();
        assert_eq!(req.path, "/operations/3b53d621-aa");
    }

    #[test]
    fn legacy_requests() {
        let req = list_clusters();
        assert_eq!(req.method, Method::Get);
        assert_eq!(
            req.url("http://h"),
            "http://h/cloud/api/clusters?summary=true"
        );
        let req = retry("demo").unwrap();
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.path, "/cloud/actions/retry/demo");
        assert!(req.body.is_none());
    }
}
