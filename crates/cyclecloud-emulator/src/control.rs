//! The control plane under `/__emulator/`: reset, load a cluster definition, dump the state,
//! drive the clock, set phase delays, and inject faults. Never part of the emulated API.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::{delete, get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{json_body, ok, query_map};
use crate::definition::Definition;
use crate::error::ApiError;
use crate::server::{HttpFault, Shared};
use crate::state::{CapacityFault, PhaseDelays};

type AppState = Arc<Shared>;
type ApiResult = Result<Response, ApiError>;

/// The largest single clock advance: ten years keeps every timestamp printable.
const MAX_ADVANCE: f64 = 10.0 * 366.0 * 86_400.0;

/// The longest phase delay: a day is already far beyond any real phase.
pub(crate) const MAX_PHASE_DELAY: f64 = 86_400.0;

/// Prefix of every control-plane path.
pub const PREFIX: &str = "/__emulator";

/// The control-plane routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__emulator/reset", post(reset))
        .route("/__emulator/load", post(load))
        .route("/__emulator/state", get(dump))
        .route("/__emulator/clock", get(clock))
        .route("/__emulator/clock/advance", post(advance))
        .route("/__emulator/clock/freeze", post(freeze))
        .route("/__emulator/clock/unfreeze", post(unfreeze))
        .route("/__emulator/phase-delays", get(get_delays).post(set_delays))
        .route("/__emulator/faults", get(list_faults).post(add_fault))
        .route("/__emulator/faults", delete(clear_faults))
        .route("/__emulator/faults/capacity", post(add_capacity_fault))
        .route("/__emulator/evict", post(evict))
        .route(
            "/__emulator/requests",
            get(list_requests).delete(clear_requests),
        )
}

async fn reset(State(s): State<AppState>) -> ApiResult {
    s.clear_http_faults();
    s.clear_requests();
    s.write(|e| {
        e.reset();
        Ok(())
    })?;
    Ok(ok(json!({"reset": true})))
}

async fn load(State(s): State<AppState>, body: Bytes) -> ApiResult {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("The cluster definition must be UTF-8 TOML text"))?;
    let def = Definition::parse(text).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let names: Vec<String> = def.clusters.iter().map(|c| c.name.clone()).collect();
    s.write(|e| {
        e.load(def);
        Ok(())
    })?;
    Ok(ok(json!({"loaded": names})))
}

async fn dump(State(s): State<AppState>) -> ApiResult {
    let v =
        s.read(|e| serde_json::to_value(e).map_err(|err| ApiError::internal(err.to_string())))?;
    Ok(ok(v))
}

fn clock_json(e: &crate::state::Emulator) -> Value {
    let now = e.clock.now();
    json!({"now": crate::clock::iso8601(now), "epochSeconds": now, "frozen": e.clock.is_frozen()})
}

async fn clock(State(s): State<AppState>) -> ApiResult {
    Ok(ok(s.read(|e| Ok(clock_json(e)))?))
}

async fn advance(State(s): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    let q = query_map(q.as_deref());
    let secs = q
        .get("seconds")
        .ok_or_else(|| ApiError::bad_request("clock/advance needs ?seconds=N"))?;
    let secs: f64 = secs
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite() && (0.0..=MAX_ADVANCE).contains(x))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "seconds={secs:?} is not a number of seconds between 0 and {MAX_ADVANCE} (ten years)"
            ))
        })?;
    Ok(ok(s.write(|e| {
        e.clock.advance(secs);
        e.tick();
        Ok(clock_json(e))
    })?))
}

async fn freeze(State(s): State<AppState>) -> ApiResult {
    Ok(ok(s.write(|e| {
        e.clock.freeze();
        Ok(clock_json(e))
    })?))
}

async fn unfreeze(State(s): State<AppState>) -> ApiResult {
    Ok(ok(s.write(|e| {
        e.clock.unfreeze();
        Ok(clock_json(e))
    })?))
}

/// Partial update of the phase delays; `all` sets every phase.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DelayUpdate {
    all: Option<f64>,
    acquiring: Option<f64>,
    preparing: Option<f64>,
    terminating: Option<f64>,
    stopping: Option<f64>,
}

async fn get_delays(State(s): State<AppState>) -> ApiResult {
    Ok(ok(s.read(|e| Ok(json!(e.delays)))?))
}

async fn set_delays(State(s): State<AppState>, body: Bytes) -> ApiResult {
    let u: DelayUpdate = json_body(&body)?;
    let values = [u.all, u.acquiring, u.preparing, u.terminating, u.stopping];
    if values
        .iter()
        .flatten()
        .any(|v| !(0.0..=MAX_PHASE_DELAY).contains(v))
    {
        return Err(ApiError::bad_request(format!(
            "phase delays must be numbers of seconds between 0 and {MAX_PHASE_DELAY} (one day)"
        )));
    }
    Ok(ok(s.write(|e| {
        let mut d = u.all.map_or(e.delays, PhaseDelays::uniform);
        d.acquiring = u.acquiring.unwrap_or(d.acquiring);
        d.preparing = u.preparing.unwrap_or(d.preparing);
        d.terminating = u.terminating.unwrap_or(d.terminating);
        d.stopping = u.stopping.unwrap_or(d.stopping);
        e.delays = d;
        Ok(json!(d))
    })?))
}

async fn list_faults(State(s): State<AppState>) -> ApiResult {
    let http = s.http_faults();
    let capacity = s.read(|e| Ok(json!(e.capacity_faults)))?;
    Ok(ok(json!({"http": http, "capacity": capacity})))
}

async fn add_fault(State(s): State<AppState>, body: Bytes) -> ApiResult {
    let f: HttpFault = json_body(&body)?;
    f.validate().map_err(ApiError::bad_request)?;
    s.add_http_fault(f.clone());
    Ok(ok(json!(f)))
}

async fn add_capacity_fault(State(s): State<AppState>, body: Bytes) -> ApiResult {
    let f: CapacityFault = json_body(&body)?;
    if f.machine_type.trim().is_empty() {
        return Err(ApiError::bad_request("machineType is required"));
    }
    if f.times == Some(0) {
        return Err(ApiError::bad_request(
            "times must be at least 1 (leave it out for a failure that lasts until cleared)",
        ));
    }
    s.write(|e| {
        e.capacity_faults.push(f.clone());
        Ok(())
    })?;
    Ok(ok(json!(f)))
}

async fn clear_faults(State(s): State<AppState>) -> ApiResult {
    s.clear_http_faults();
    s.write(|e| {
        e.capacity_faults.clear();
        Ok(())
    })?;
    Ok(ok(json!({"cleared": true})))
}

async fn list_requests(State(s): State<AppState>) -> ApiResult {
    Ok(ok(json!({ "requests": s.requests() })))
}

async fn clear_requests(State(s): State<AppState>) -> ApiResult {
    s.clear_requests();
    Ok(ok(json!({"cleared": true})))
}

/// Body of `POST /__emulator/evict`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Eviction {
    cluster: String,
    #[serde(default)]
    names: Vec<String>,
    nodearray: Option<String>,
    count: Option<usize>,
}

async fn evict(State(s): State<AppState>, body: Bytes) -> ApiResult {
    let ev: Eviction = json_body(&body)?;
    if ev.names.is_empty() == ev.nodearray.is_none() {
        return Err(ApiError::bad_request(
            "evict needs either names, or a nodearray (and optionally a count)",
        ));
    }
    let evicted =
        s.write(|e| e.evict(&ev.cluster, &ev.names, ev.nodearray.as_deref(), ev.count))?;
    Ok(ok(json!({ "evicted": evicted })))
}
