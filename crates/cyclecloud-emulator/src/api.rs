//! Handlers of the emulated CycleCloud REST API. Each one extracts its inputs, calls one
//! method of the state, and serializes the answer; the semantics live in `state`, `limits`
//! and `actions`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::actions::{Action, CreateRequest, ManagementRequest};
use crate::error::ApiError;
use crate::server::Shared;
use crate::usage::UsageQuery;

type AppState = Arc<Shared>;
type ApiResult = Result<Response, ApiError>;

/// The routes of the REST API.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clusters/{cluster}/status", get(cluster_status))
        .route("/clusters/{cluster}/nodes", get(list_nodes))
        .route("/clusters/{cluster}/nodes/create", post(create_nodes))
        .route("/clusters/{cluster}/nodes/{action}", post(manage_nodes))
        .route("/clusters/{cluster}/scale/{nodearray}", post(scale))
        .route("/clusters/{cluster}/usage", get(usage))
        .route(
            "/clusters/{cluster}/nodes/{node}/ghr",
            post(post_ghr).get(get_ghr),
        )
        .route("/operations", get(list_operations))
        .route("/operations/", get(list_operations))
        .route("/operations/{id}", get(get_operation))
        .route("/cloud/actions/retry/{cluster}", post(retry))
        .route("/cloud/api/clusters", get(list_clusters))
        .route("/cloud/api/clusters/{name}", get(show_cluster))
}

/// Parses a query string into a map, keeping the last value of a repeated key.
pub fn query_map(raw: Option<&str>) -> HashMap<String, String> {
    raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// Parses a JSON body whatever the Content-Type; a malformed one is a 400 naming the problem.
pub fn json_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "The request body is empty; a JSON object is required",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Malformed JSON body: {e}")))
}

fn parse_bool(name: &str, value: Option<&String>) -> Result<bool, ApiError> {
    match value.map(|v| v.to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if v == "true" => Ok(true),
        Some(v) if v == "false" || v.is_empty() => Ok(false),
        Some(v) => Err(ApiError::bad_request(format!(
            "Query parameter {name} must be true or false, not {v:?}"
        ))),
    }
}

fn parse_int(name: &str, value: Option<&String>) -> Result<Option<i64>, ApiError> {
    value
        .map(|v| {
            v.trim().parse::<i64>().map_err(|_| {
                ApiError::bad_request(format!(
                    "Query parameter {name} must be an integer, not {v:?}"
                ))
            })
        })
        .transpose()
}

fn accepted(operation_id: &str, body: Value) -> Response {
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/operations/{operation_id}"))],
        axum::Json(body),
    )
        .into_response()
}

fn raw_json(body: impl IntoResponse) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// A 200 answer with a JSON body.
pub(crate) fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

async fn cluster_status(
    State(s): State<AppState>,
    Path(cluster): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = query_map(q.as_deref());
    let nodes = parse_bool("nodes", q.get("nodes"))?;
    // Rendering a large status holds the lock; that is the price of a consistent snapshot.
    // An unchanged state is served from the body rendered last time.
    let body = s.cluster_status(&cluster, nodes)?;
    Ok(raw_json(body))
}

async fn list_nodes(
    State(s): State<AppState>,
    Path(cluster): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = query_map(q.as_deref());
    let op = q.get("operation").or_else(|| q.get("operation_id"));
    let rid = q.get("request_id");
    if op.is_some() && rid.is_some() {
        return Err(ApiError::bad_request(
            "Invalid specification: give operation or request_id, not both",
        ));
    }
    let body = s.read(|e| {
        let c = e.cluster(&cluster)?;
        let selected = match (op, rid) {
            (Some(id), _) => Some(e.operation(id)?),
            (_, Some(r)) => Some(e.operation_by_request(r)?),
            _ => None,
        };
        let mut body = b"{\"nodes\":".to_vec();
        match selected {
            None => body.extend_from_slice(&e.records_json(&c.def, c.nodes.values())),
            Some(o) => {
                let ids: std::collections::HashSet<&str> =
                    o.node_ids.iter().map(String::as_str).collect();
                let touched = c
                    .nodes
                    .values()
                    .filter(|n| ids.contains(n.node_id.as_str()));
                body.extend_from_slice(&e.records_json(&c.def, touched));
                body.extend_from_slice(b",\"operation\":");
                body.extend_from_slice(o.status_json().to_string().as_bytes());
            }
        }
        body.push(b'}');
        Ok(body)
    })?;
    Ok(raw_json(body))
}

async fn create_nodes(
    State(s): State<AppState>,
    Path(cluster): Path<String>,
    body: Bytes,
) -> ApiResult {
    let req: CreateRequest = json_body(&body)?;
    let (op, sets) = s.write(|e| e.create_nodes(&cluster, &req, "create"))?;
    let sets: Vec<Value> = sets
        .into_iter()
        .map(|r| match r.message {
            Some(m) => json!({"added": r.added, "message": m}),
            None => json!({"added": r.added}),
        })
        .collect();
    Ok(accepted(&op, json!({"operationId": op, "sets": sets})))
}

async fn manage_nodes(
    State(s): State<AppState>,
    Path((cluster, action)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let Some(action) = Action::parse(&action) else {
        return Err(ApiError::not_found(format!(
            "Unknown node action {action:?}; expected create, start, terminate, shutdown, deallocate, remove, restart or reimage"
        )));
    };
    let req: ManagementRequest = json_body(&body)?;
    let (op, nodes) = s.write(|e| e.manage(&cluster, action, &req))?;
    let nodes: Vec<Value> = nodes.iter().map(|n| n.to_json()).collect();
    Ok(accepted(&op, json!({"operationId": op, "nodes": nodes})))
}

async fn scale(
    State(s): State<AppState>,
    Path((cluster, array)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = query_map(q.as_deref());
    let nodes = parse_int("totalNodeCount", q.get("totalNodeCount"))?;
    let cores = parse_int("totalCoreCount", q.get("totalCoreCount"))?;
    let (op, set) = s.write(|e| e.scale(&cluster, &array, nodes, cores))?;
    let set = match set.message {
        Some(m) => json!({"added": set.added, "message": m}),
        None => json!({"added": set.added}),
    };
    Ok(accepted(&op, json!({"operationId": op, "sets": [set]})))
}

async fn usage(
    State(s): State<AppState>,
    Path(cluster): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let mut q = query_map(q.as_deref());
    let query = UsageQuery {
        timeframe: q.remove("timeframe"),
        from: q.remove("from"),
        to: q.remove("to"),
        granularity: q.remove("granularity"),
        expand: q.remove("expand"),
    };
    Ok(ok(s.read(|e| e.usage_report(&cluster, &query))?))
}

async fn post_ghr(
    State(s): State<AppState>,
    Path((cluster, node)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let mut q = query_map(q.as_deref());
    let (category, description) = (q.remove("category"), q.remove("description"));
    s.write(|e| e.submit_health_report(&cluster, &node, category, description))?;
    Ok(StatusCode::ACCEPTED.into_response())
}

async fn get_ghr(
    State(s): State<AppState>,
    Path((cluster, node)): Path<(String, String)>,
) -> ApiResult {
    Ok(ok(s.read(|e| e.health_report(&cluster, &node))?))
}

async fn list_operations(State(s): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    let q = query_map(q.as_deref());
    let body = s.read(|e| {
        Ok(match q.get("request_id") {
            Some(r) => match e.operation_by_request(r) {
                Ok(o) => json!([o.status_json()]),
                Err(_) => json!([]),
            },
            None => Value::Array(e.operations.iter().map(|o| o.status_json()).collect()),
        })
    })?;
    Ok(ok(body))
}

async fn get_operation(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    Ok(ok(s.read(|e| e.operation(&id).map(|o| o.status_json()))?))
}

async fn retry(State(s): State<AppState>, Path(cluster): Path<String>) -> ApiResult {
    let retried = s.write(|e| e.retry_failed(&cluster))?;
    Ok(ok(json!({ "retried": retried })))
}

pub(crate) async fn list_clusters(State(s): State<AppState>) -> ApiResult {
    Ok(ok(s.read(|e| Ok(Value::Array(e.cluster_records(None))))?))
}

pub(crate) async fn show_cluster(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult {
    Ok(ok(s.read(|e| {
        Ok(Value::Array(e.cluster_records(Some(&name))))
    })?))
}
