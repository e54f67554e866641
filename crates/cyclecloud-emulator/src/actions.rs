//! The mutating calls: create, scale and the node management actions.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::filter::Filter;
use crate::limits::{Usage, bucket_types, placement};
use crate::node::{Node, SERVER_OWNED, Status, Target};
use crate::state::Emulator;

/// Body of `POST /clusters/{cluster}/nodes/create`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRequest {
    /// Idempotency token.
    pub request_id: Option<String>,
    /// The sets to create.
    pub sets: Option<Vec<CreateSet>>,
}

/// One set of a create request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSet {
    /// Array name.
    pub nodearray: Option<String>,
    /// Nodes wanted.
    pub count: Option<i64>,
    /// Selects the bucket.
    pub definition: Option<SetDefinition>,
    /// Name pattern with `%d`, or a literal name.
    pub name_format: Option<String>,
    /// First index tried with `nameFormat`.
    pub name_offset: Option<i64>,
    /// Placement group to join or create.
    pub placement_group_id: Option<String>,
    /// Extra node attributes.
    pub node_attributes: Option<Map<String, Value>>,
}

/// The `definition` of a create set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetDefinition {
    /// Machine type of the bucket.
    pub machine_type: Option<String>,
}

/// Result of one create set.
#[derive(Debug, Clone, PartialEq)]
pub struct SetResult {
    /// Nodes added.
    pub added: i64,
    /// Why fewer than asked were added.
    pub message: Option<String>,
}

/// Body of the node management calls.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagementRequest {
    /// Node names.
    pub names: Option<Vec<String>>,
    /// NodeIds.
    pub ids: Option<Vec<String>>,
    /// Short hostnames.
    pub hostnames: Option<Vec<String>>,
    /// Private IPs (the JSON key really is snake_case).
    #[serde(rename = "ip_addresses")]
    pub ip_addresses: Option<Vec<String>>,
    /// Filter expression.
    pub filter: Option<String>,
    /// Idempotency token.
    pub request_id: Option<String>,
}

/// A node management action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Start stopped nodes.
    Start,
    /// Terminate.
    Terminate,
    /// Terminate or deallocate by `ShutdownPolicy`.
    Shutdown,
    /// Deallocate.
    Deallocate,
    /// Terminate and delete the record.
    Remove,
    /// Reboot.
    Restart,
    /// Reset the OS disk.
    Reimage,
}

impl Action {
    /// Parses the path segment.
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "start" => Action::Start,
            "terminate" => Action::Terminate,
            "shutdown" => Action::Shutdown,
            "deallocate" => Action::Deallocate,
            "remove" => Action::Remove,
            "restart" => Action::Restart,
            "reimage" => Action::Reimage,
            _ => return None,
        })
    }

    /// The verb, as recorded in operations.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Terminate => "terminate",
            Action::Shutdown => "shutdown",
            Action::Deallocate => "deallocate",
            Action::Remove => "remove",
            Action::Restart => "restart",
            Action::Reimage => "reimage",
        }
    }
}

/// One entry of a `NodeManagementResult`.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeOutcome {
    /// Node name.
    pub name: String,
    /// NodeId.
    pub id: String,
    /// `None` for OK, the reason otherwise.
    pub error: Option<String>,
}

impl NodeOutcome {
    /// The JSON entry.
    pub fn to_json(&self) -> Value {
        match &self.error {
            None => json!({"name": self.name, "id": self.id, "status": "OK"}),
            Some(e) => json!({"name": self.name, "id": self.id, "status": "Error", "error": e}),
        }
    }
}

/// Expands a `nameFormat` for one index: `%d` is replaced; no `%d` names the node literally.
fn format_name(fmt: &str, index: i64) -> String {
    fmt.replacen("%d", &index.to_string(), 1)
}

fn validate_name_format(fmt: &str) -> Result<(), String> {
    if fmt.trim().is_empty() {
        return Err("nameFormat must not be empty".into());
    }
    let mut placeholders = 0;
    let mut rest = fmt;
    while let Some(i) = rest.find('%') {
        match rest[i + 1..].strip_prefix('d') {
            Some(after) => {
                placeholders += 1;
                rest = after;
            }
            None => {
                return Err(format!(
                    "nameFormat {fmt:?} may only contain the placeholder %d"
                ));
            }
        }
    }
    if placeholders > 1 {
        return Err(format!("nameFormat {fmt:?} contains %d more than once"));
    }
    Ok(())
}

impl Emulator {
    /// `POST /clusters/{cluster}/nodes/create`.
    pub fn create_nodes(
        &mut self,
        cluster: &str,
        req: &CreateRequest,
        action: &str,
    ) -> Result<(String, Vec<SetResult>), ApiError> {
        self.tick();
        let def = self.cluster(cluster)?.def.clone();
        self.check_request_id(req.request_id.as_deref())?;
        let sets = req.sets.as_deref().unwrap_or_default();
        if sets.is_empty() {
            return Err(ApiError::conflict("Invalid input: the request has no sets"));
        }
        // Validate every set before touching anything, so a bad set has no side effects.
        let mut chosen = Vec::with_capacity(sets.len());
        for (i, set) in sets.iter().enumerate() {
            let Some(array_name) = set.nodearray.as_deref() else {
                return Err(ApiError::conflict(format!(
                    "Invalid input: set {i} has no nodearray"
                )));
            };
            let Some(arr) = def.array(array_name) else {
                return Err(ApiError::conflict(format!(
                    "Invalid input: nodearray {array_name} does not exist in cluster {cluster}"
                )));
            };
            match set.count {
                Some(c) if c >= 1 => {}
                other => {
                    return Err(ApiError::conflict(format!(
                        "Invalid input: set {i} must have a count of at least 1 (got {})",
                        other.map_or("none".to_string(), |c| c.to_string())
                    )));
                }
            }
            if let Some(f) = &set.name_format {
                validate_name_format(f)
                    .map_err(|m| ApiError::conflict(format!("Invalid input: {m}")))?;
            }
            if set.name_offset.is_some_and(|o| o < 0) {
                return Err(ApiError::conflict(format!(
                    "Invalid input: set {i} has a negative nameOffset"
                )));
            }
            let cluster_ref = self.cluster(cluster)?;
            let types = bucket_types(self, cluster_ref, arr);
            let wanted = set
                .definition
                .as_ref()
                .and_then(|d| d.machine_type.as_deref());
            let pick = match wanted {
                Some(mt) => match types.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(mt)) {
                    Some(t) => Some(t.clone()),
                    None => {
                        return Err(ApiError::conflict(format!(
                            "MachineType {mt} is not recognized for nodearray {array_name}"
                        )));
                    }
                },
                None => types.iter().find(|(_, valid, _)| *valid).cloned(),
            };
            chosen.push((arr.clone(), pick));
        }

        let mut usage = Usage::of(self);
        let now = self.clock.now();
        let mut results = Vec::with_capacity(sets.len());
        let mut touched = Vec::new();
        let mut new_nodes = Vec::new();
        let mut taken: HashSet<String> = HashSet::new();
        for (set, (arr, pick)) in sets.iter().zip(chosen) {
            let count = set.count.unwrap_or(0);
            let Some((mt, valid, reason)) = pick else {
                results.push(SetResult {
                    added: 0,
                    message: Some(format!("Nodearray {} has no valid bucket", arr.name)),
                });
                continue;
            };
            let Some(machine) = self.machine(&mt).cloned() else {
                results.push(SetResult {
                    added: 0,
                    message: Some(format!("Unknown machine type {mt}")),
                });
                continue;
            };
            let bucket = self.bucket(&usage, &def, &arr, &machine, valid, reason);
            let mut available = bucket.available_count;
            let mut limited_by = bucket.limited_by.clone();
            let group = set
                .placement_group_id
                .clone()
                .or_else(|| arr.placement_group_id.clone());
            if let Some(g) = &group {
                let in_group = usage.group(&def.name, &arr.name, &machine.name, g).count;
                let room = (arr.max_scaleset_size - in_group).max(0);
                if room < available {
                    available = room;
                    limited_by = format!(
                        "placement group {g} (at most {} nodes)",
                        arr.max_scaleset_size
                    );
                }
            }
            let mut want = count.min(available);
            let mut message = None;
            let literal = set.name_format.as_deref().filter(|f| !f.contains("%d"));
            if literal.is_some() && want > 1 {
                want = 1;
                message = Some(
                    "A nameFormat without %d names a single node; 1 node was considered"
                        .to_string(),
                );
            }
            // Pick names: the lowest free index from nameOffset (default 1), skipping every
            // name in the cluster, including nodes still terminating.
            let fmt = set
                .name_format
                .clone()
                .unwrap_or_else(|| format!("{}-%d", arr.name));
            let mut index = Some(
                set.name_offset
                    .unwrap_or(1)
                    .max(if set.name_format.is_some() { 0 } else { 1 }),
            );
            let mut names = Vec::new();
            {
                let cl = self.cluster(cluster)?;
                while (names.len() as i64) < want {
                    // Checked: a huge nameOffset must not overflow (a panic mid-request).
                    let Some(i) = index else {
                        message = Some(format!(
                            "No free node names are left after index {}",
                            i64::MAX
                        ));
                        break;
                    };
                    let name = format_name(&fmt, i);
                    index = i.checked_add(1);
                    let free = cl.node(&name).is_none() && !taken.contains(&name);
                    if free {
                        taken.insert(name.clone());
                        names.push(name);
                    } else if literal.is_some() {
                        message = Some(format!("Node {name} already exists"));
                        break;
                    }
                }
            }
            let added = names.len() as i64;
            if added < count && message.is_none() {
                message = Some(format!(
                    "Only {added} of {count} nodes could be added to nodearray {}: limited by {limited_by}",
                    arr.name
                ));
            }
            let attrs = set.node_attributes.clone().unwrap_or_default();
            let start = attrs
                .get("StartAutomatically")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            for name in names {
                let mut node = Node {
                    keep_alive: attrs
                        .get("KeepAlive")
                        .and_then(Value::as_bool)
                        .unwrap_or(arr.keep_alive),
                    fixed: attrs.get("Fixed").and_then(Value::as_bool).unwrap_or(false),
                    placement_group: group.clone(),
                    request_id: req.request_id.clone(),
                    configuration: attrs
                        .get("Configuration")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default(),
                    attributes: attrs
                        .iter()
                        .filter(|(k, _)| {
                            !SERVER_OWNED.contains(&k.as_str())
                                && !["KeepAlive", "Fixed", "Configuration", "PlacementGroupId"]
                                    .contains(&k.as_str())
                        })
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                    ..Node::new(name, Some(arr.name.clone()), machine.name.clone())
                };
                if start {
                    self.begin_acquire(&mut node, now);
                    if let Some(p) = placement(&def, &node) {
                        usage.add(&p, &machine);
                    }
                }
                touched.push(node.node_id.clone());
                new_nodes.push(node);
            }
            // Insert as we go so later sets see these names and counts.
            let cl = self.cluster_mut(cluster)?;
            for n in new_nodes.drain(..) {
                cl.insert(n);
            }
            results.push(SetResult { added, message });
        }
        let op = self.record_operation(cluster, action, req.request_id.clone(), touched);
        // Instant phases (delay 0) complete now.
        self.tick();
        Ok((op, results))
    }

    /// `POST /clusters/{cluster}/scale/{nodearray}`.
    pub fn scale(
        &mut self,
        cluster: &str,
        array: &str,
        total_nodes: Option<i64>,
        total_cores: Option<i64>,
    ) -> Result<(String, SetResult), ApiError> {
        self.tick();
        let c = self.cluster(cluster)?;
        let Some(arr) = c.def.array(array) else {
            return Err(ApiError::not_found(format!(
                "Nodearray {array} does not exist in cluster {cluster}"
            )));
        };
        let active: Vec<&Node> = c
            .nodes
            .values()
            .filter(|n| n.is_active() && n.array.as_deref() == Some(array))
            .collect();
        let count = match (total_nodes, total_cores) {
            (Some(n), None) if n >= 0 => n - active.len() as i64,
            (None, Some(cores)) if cores >= 0 => {
                let used: i64 = active
                    .iter()
                    .map(|n| self.machine(&n.machine_type).map_or(0, |m| m.vcpu_count))
                    .sum();
                let first = bucket_types(self, c, arr)
                    .into_iter()
                    .find(|(_, valid, _)| *valid)
                    .and_then(|(mt, _, _)| self.machine(&mt))
                    .map_or(1, |m| m.vcpu_count.max(1));
                // Saturating: a huge totalCoreCount must not overflow (a panic mid-request).
                (cores - used).saturating_add(first - 1).div_euclid(first)
            }
            (Some(_), Some(_)) => {
                return Err(ApiError::conflict(
                    "Invalid input: give totalNodeCount or totalCoreCount, not both",
                ));
            }
            (None, None) => {
                return Err(ApiError::conflict(
                    "Invalid input: totalNodeCount or totalCoreCount is required",
                ));
            }
            _ => {
                return Err(ApiError::conflict(
                    "Invalid input: totals must not be negative",
                ));
            }
        };
        if count <= 0 {
            let op = self.record_operation(cluster, "create", None, Vec::new());
            return Ok((
                op,
                SetResult {
                    added: 0,
                    message: None,
                },
            ));
        }
        let req = CreateRequest {
            request_id: None,
            sets: Some(vec![CreateSet {
                nodearray: Some(array.to_string()),
                count: Some(count),
                ..CreateSet::default()
            }]),
        };
        let (op, mut sets) = self.create_nodes(cluster, &req, "create")?;
        let set = sets.pop().unwrap_or(SetResult {
            added: 0,
            message: None,
        });
        Ok((op, set))
    }

    /// Selects nodes by the union of names, ids, hostnames, IPs and a filter.
    fn select(&self, cluster: &str, req: &ManagementRequest) -> Result<Vec<u64>, ApiError> {
        let filter = match &req.filter {
            Some(f) => Some(Filter::parse(f).map_err(|e| ApiError::bad_request(e.to_string()))?),
            None => None,
        };
        let c = self.cluster(cluster)?;
        let set =
            |v: &Option<Vec<String>>| -> HashSet<String> { v.iter().flatten().cloned().collect() };
        let (names, ids, hosts, ips) = (
            set(&req.names),
            set(&req.ids),
            set(&req.hostnames),
            set(&req.ip_addresses),
        );
        let mut out = Vec::new();
        for n in c.nodes.values() {
            let short = n
                .hostname
                .as_deref()
                .map(|h| h.split('.').next().unwrap_or(h));
            let hit = names.contains(&n.name)
                || ids.contains(&n.node_id)
                || short.is_some_and(|h| hosts.iter().any(|x| x.eq_ignore_ascii_case(h)))
                || n.private_ip.as_ref().is_some_and(|ip| ips.contains(ip))
                || filter
                    .as_ref()
                    .is_some_and(|f| f.matches(&self.record(&c.def, n)));
            if hit {
                out.push(n.seq);
            }
        }
        Ok(out)
    }

    /// `POST /clusters/{cluster}/nodes/{action}`.
    pub fn manage(
        &mut self,
        cluster: &str,
        action: Action,
        req: &ManagementRequest,
    ) -> Result<(String, Vec<NodeOutcome>), ApiError> {
        self.tick();
        self.cluster(cluster)?;
        self.check_request_id(req.request_id.as_deref())?;
        let selected = self.select(cluster, req)?;
        let now = self.clock.now();
        let mut c = self
            .clusters
            .remove(cluster)
            .ok_or_else(|| ApiError::not_found(cluster))?;
        let mut outcomes = Vec::with_capacity(selected.len());
        let mut touched = Vec::new();
        for seq in selected {
            let Some(mut n) = c.nodes.remove(&seq) else {
                continue;
            };
            let tpl = crate::node::TemplateView::of(&c.def, &n);
            let policy = n
                .shutdown_policy(tpl.as_ref())
                .unwrap_or("Terminate")
                .to_string();
            let error = self.apply(&mut n, action, &policy, now);
            if error.is_none() {
                touched.push(n.node_id.clone());
            }
            outcomes.push(NodeOutcome {
                name: n.name.clone(),
                id: n.node_id.clone(),
                error,
            });
            c.nodes.insert(seq, n);
        }
        self.clusters.insert(cluster.to_string(), c);
        let op = self.record_operation(cluster, action.as_str(), req.request_id.clone(), touched);
        // Instant phases (delay 0) complete now, so callers see the settled state at once.
        self.tick();
        Ok((op, outcomes))
    }

    /// Applies an action to one node; returns the per-node error, if any.
    fn apply(&mut self, n: &mut Node, action: Action, policy: &str, now: f64) -> Option<String> {
        let action = match action {
            Action::Shutdown if policy == "Deallocate" => Action::Deallocate,
            Action::Shutdown => Action::Terminate,
            a => a,
        };
        let stopping = matches!(
            action,
            Action::Terminate | Action::Deallocate | Action::Remove
        );
        if stopping && n.keep_alive {
            return Some(format!(
                "Node {} has KeepAlive set; clear KeepAlive before you {} it",
                n.name,
                action.as_str()
            ));
        }
        match action {
            Action::Start => match n.status {
                Status::Off | Status::Deallocated => {
                    self.begin_acquire(n, now);
                    None
                }
                // Starting a failed node tries to acquire a VM again, as retry does.
                Status::Failed => {
                    self.begin_acquire(n, now);
                    None
                }
                Status::Terminating | Status::Stopping => Some(format!(
                    "Node {} is {}; wait until it has stopped before starting it",
                    n.name,
                    n.status.as_str()
                )),
                _ => None,
            },
            Action::Terminate | Action::Remove => {
                let remove = action == Action::Remove;
                if n.status == Status::Off && n.target != Some(Target::Started) {
                    // No VM: only remove, or a non-Fixed array node (never started), which
                    // terminate deletes like any other array node, has something left to do.
                    if remove || (n.array.is_some() && !n.fixed) {
                        self.begin_terminate(n, now, remove);
                    }
                    return None;
                }
                if n.status == Status::Terminating && !remove {
                    return None;
                }
                self.begin_terminate(n, now, remove);
                None
            }
            Action::Deallocate => match n.status {
                Status::Deallocated | Status::Stopping => None,
                Status::Off | Status::Terminating => Some(format!(
                    "Node {} has no VM to deallocate (it is {})",
                    n.name,
                    n.status.as_str()
                )),
                _ => {
                    self.begin_deallocate(n, now);
                    None
                }
            },
            Action::Restart | Action::Reimage => {
                if n.status == Status::Ready {
                    self.begin_reprepare(n, now);
                    None
                } else {
                    Some(format!(
                        "Node {} must be Ready to {} (it is {})",
                        n.name,
                        action.as_str(),
                        n.status.as_str()
                    ))
                }
            }
            Action::Shutdown => None,
        }
    }
}
