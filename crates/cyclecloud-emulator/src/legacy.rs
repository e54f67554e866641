//! The older, undocumented endpoints that CycleCloud's own CLI and published scripts call:
//! the `/cloud/clusters` listing, `/cloud/api/nodes`, and the cluster-wide actions
//! (start, terminate, remove a cluster; terminate nodes by an instance filter), and the
//! import of a cluster from a CycleCloud cluster template (see [`crate::template`]).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::actions::{Action, ManagementRequest};
use crate::api::{self, ok, query_map};
use crate::error::ApiError;
use crate::filter::Filter;
use crate::node::{Status, Target};
use crate::server::Shared;
use crate::state::Emulator;
use crate::template::{self, ImportRequest};

type AppState = Arc<Shared>;
type ApiResult = Result<Response, ApiError>;

/// The legacy routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        // The older CLI's name for the cluster listing.
        .route("/cloud/clusters", get(api::list_clusters))
        .route("/cloud/clusters/{name}", get(api::show_cluster))
        .route("/cloud/api/nodes", get(list_nodes))
        .route("/cloud/api/nodes/{name}", get(show_node))
        .route("/cloud/nodes", get(list_nodes))
        .route("/cloud/actions/startcluster/{name}", post(start_cluster))
        .route(
            "/cloud/actions/terminatecluster/{name}",
            post(terminate_cluster),
        )
        .route("/cloud/actions/removecluster/{name}", post(remove_cluster))
        .route("/cloud/api/import_cluster/{name}", post(import_cluster))
        .route(
            "/cloud/actions/terminate_node/{cluster}",
            post(terminate_node),
        )
}

/// Node records of one cluster (`?cluster=`) or of all, narrowed by an optional `filter`.
fn node_records(
    e: &Emulator,
    cluster: Option<&str>,
    filter: Option<&str>,
    name: Option<&str>,
) -> Result<Vec<Value>, ApiError> {
    let filter = match filter.filter(|f| !f.trim().is_empty()) {
        Some(f) => Some(Filter::parse(f).map_err(|err| ApiError::bad_request(err.to_string()))?),
        None => None,
    };
    if let Some(c) = cluster {
        e.cluster(c)?;
    }
    let mut out = Vec::new();
    for c in e
        .clusters
        .values()
        .filter(|c| cluster.is_none_or(|n| n == c.def.name))
    {
        for n in c
            .nodes
            .values()
            .filter(|n| name.is_none_or(|x| x == n.name))
        {
            let record = e.record(&c.def, n);
            if filter.as_ref().is_none_or(|f| f.matches(&record)) {
                out.push(record);
            }
        }
    }
    Ok(out)
}

async fn list_nodes(State(s): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    let q = query_map(q.as_deref());
    // An empty `cluster=` means every cluster, as when it is left out.
    let cluster = q
        .get("cluster")
        .map(String::as_str)
        .filter(|c| !c.is_empty());
    let filter = q.get("filter").map(String::as_str);
    Ok(ok(s.read(|e| {
        node_records(e, cluster, filter, None).map(Value::Array)
    })?))
}

async fn show_node(
    State(s): State<AppState>,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = query_map(q.as_deref());
    let cluster = q.get("cluster").map(String::as_str);
    let nodes = s.read(|e| node_records(e, cluster, None, Some(&name)))?;
    if nodes.is_empty() {
        return Err(ApiError::not_found(format!("Node {name} does not exist")));
    }
    Ok(ok(Value::Array(nodes)))
}

async fn start_cluster(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult {
    let started = s.write(|e| e.start_cluster(&name))?;
    Ok(ok(
        json!({"cluster": name, "state": "Started", "started": started}),
    ))
}

async fn terminate_cluster(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult {
    let terminated = s.write(|e| e.terminate_cluster(&name))?;
    Ok(ok(
        json!({"cluster": name, "state": "Terminated", "terminated": terminated}),
    ))
}

async fn remove_cluster(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult {
    s.write(|e| e.remove_cluster(&name))?;
    Ok(ok(json!({"cluster": name, "removed": true})))
}

/// `POST /cloud/api/import_cluster/{name}`: creates (or, with `force`, replaces) the cluster
/// `name` from the template text in the form or JSON field `cluster`.
async fn import_cluster(
    State(s): State<AppState>,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> ApiResult {
    let req =
        ImportRequest::from_body(&body, &query_map(q.as_deref())).map_err(ApiError::bad_request)?;
    Ok(ok(s.write(|e| template::import(e, &name, &req))?))
}

async fn terminate_node(
    State(s): State<AppState>,
    Path(cluster): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = query_map(q.as_deref());
    let Some(filter) = q
        .get("instance-filter")
        .or_else(|| q.get("filter"))
        .cloned()
    else {
        return Err(ApiError::bad_request(
            "terminate_node needs filter= or instance-filter=",
        ));
    };
    let req = ManagementRequest {
        filter: Some(filter),
        ..ManagementRequest::default()
    };
    let (op, nodes) = s.write(|e| {
        // Look before acting, so a query that matches nothing leaves no operation behind.
        if node_records(e, Some(&cluster), req.filter.as_deref(), None)?.is_empty() {
            return Err(ApiError::not_found(
                "No instances were found matching your query",
            ));
        }
        e.manage(&cluster, Action::Terminate, &req)
    })?;
    let nodes: Vec<Value> = nodes.iter().map(|n| n.to_json()).collect();
    Ok(ok(json!({"operationId": op, "nodes": nodes})))
}

impl Emulator {
    /// Starts a cluster: its state becomes `Started` and its standalone nodes that are off
    /// are started. Returns the names of the nodes started.
    pub fn start_cluster(&mut self, name: &str) -> Result<Vec<String>, ApiError> {
        let now = self.clock.now();
        let mut c = self
            .clusters
            .remove(name)
            .ok_or_else(|| ApiError::not_found(format!("Cluster {name} does not exist")))?;
        c.def.state = "Started".into();
        let mut started = Vec::new();
        let seqs: Vec<u64> = c
            .nodes
            .values()
            .filter(|n| n.array.is_none() && n.status == Status::Off)
            .map(|n| n.seq)
            .collect();
        for seq in seqs {
            if let Some(mut n) = c.nodes.remove(&seq) {
                self.begin_acquire(&mut n, now);
                started.push(n.name.clone());
                c.nodes.insert(seq, n);
            }
        }
        self.clusters.insert(name.to_string(), c);
        self.tick();
        Ok(started)
    }

    /// Terminates a whole cluster: every node, `KeepAlive` or not (the user asked for the
    /// cluster to go), and the cluster state becomes `Terminated`.
    pub fn terminate_cluster(&mut self, name: &str) -> Result<Vec<String>, ApiError> {
        let now = self.clock.now();
        let mut c = self
            .clusters
            .remove(name)
            .ok_or_else(|| ApiError::not_found(format!("Cluster {name} does not exist")))?;
        c.def.state = "Terminated".into();
        let mut terminated = Vec::new();
        let seqs: Vec<u64> = c
            .nodes
            .values()
            .filter(|n| {
                let terminated = n.status == Status::Off && n.target != Some(Target::Started);
                !terminated && n.status != Status::Terminating
            })
            .map(|n| n.seq)
            .collect();
        for seq in seqs {
            if let Some(mut n) = c.nodes.remove(&seq) {
                self.begin_terminate(&mut n, now, false);
                terminated.push(n.name.clone());
                c.nodes.insert(seq, n);
            }
        }
        self.clusters.insert(name.to_string(), c);
        self.tick();
        Ok(terminated)
    }

    /// Deletes a cluster and all its nodes (their VMs stop billing now).
    pub fn remove_cluster(&mut self, name: &str) -> Result<(), ApiError> {
        let now = self.clock.now();
        let c = self
            .clusters
            .remove(name)
            .ok_or_else(|| ApiError::not_found(format!("Cluster {name} does not exist")))?;
        for mut n in c.nodes.into_values() {
            self.stop_billing(&mut n, now);
        }
        Ok(())
    }
}
