//! The emulator's whole state: clusters and their nodes, operations, request ids, the clock,
//! quotas, injected capacity failures and the usage ledger. No HTTP types here.
//!
//! Lifecycle progress is lazy: every node in a transitional phase carries the emulated time at
//! which the phase ends, and [`Emulator::tick`] applies every transition that is due. Handlers
//! call it before they read or write, so the observable behaviour is that of a server whose
//! nodes move on their own, and a frozen clock really freezes them.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::catalog::{self, MachineType};
use crate::clock::{Clock, Seconds, iso8601};
use crate::definition::{ClusterDef, Definition, RegionQuota};
use crate::error::ApiError;
use crate::node::{Node, Status, Target, TemplateView, dotted, hostname_for_ip, standalone_dns};

/// How long each lifecycle phase lasts, in seconds. Zero makes a phase instant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhaseDelays {
    /// Acquiring → Preparing (or Failed on a capacity failure).
    pub acquiring: Seconds,
    /// Preparing → Ready.
    pub preparing: Seconds,
    /// Terminating → Off (or removed).
    pub terminating: Seconds,
    /// Stopping → Deallocated.
    pub stopping: Seconds,
}

impl PhaseDelays {
    /// The same delay for every phase.
    pub fn uniform(seconds: Seconds) -> Self {
        let s = seconds.max(0.0);
        PhaseDelays {
            acquiring: s,
            preparing: s,
            terminating: s,
            stopping: s,
        }
    }
}

impl Default for PhaseDelays {
    fn default() -> Self {
        PhaseDelays::uniform(3.0)
    }
}

/// A recorded create, scale or management call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Operation {
    /// Operation id (UUID).
    pub id: String,
    /// Lower-case verb: `create`, `terminate`, …
    pub action: String,
    /// When it was submitted.
    pub start_time: Seconds,
    /// The caller's request id, if any.
    pub request_id: Option<String>,
    /// Cluster it acted on.
    pub cluster: String,
    /// NodeIds of the nodes it touched.
    pub node_ids: Vec<String>,
}

impl Operation {
    /// The `OperationStatus` JSON.
    pub fn status_json(&self) -> Value {
        json!({"action": self.action, "startTime": iso8601(self.start_time)})
    }
}

/// An injected capacity failure: acquisitions of this machine type fail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapacityFault {
    /// Machine type whose acquisitions fail (case-insensitive).
    pub machine_type: String,
    /// Only in this region, if given.
    #[serde(default)]
    pub region: Option<String>,
    /// How many acquisitions fail; unlimited when absent.
    #[serde(default)]
    pub times: Option<u32>,
}

/// One stretch of billed VM time, for the usage endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Segment {
    /// Cluster.
    pub cluster: String,
    /// Node name.
    pub node: String,
    /// Array, for array nodes.
    pub array: Option<String>,
    /// Machine type.
    pub machine_type: String,
    /// Region.
    pub region: String,
    /// vCPUs.
    pub cores: i64,
    /// Spot VM.
    pub spot: bool,
    /// Start of billing.
    pub start: Seconds,
    /// End of billing; open while the VM runs.
    pub end: Option<Seconds>,
}

/// One cluster and its nodes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cluster {
    /// The definition.
    pub def: ClusterDef,
    /// Nodes in creation order.
    pub nodes: BTreeMap<u64, Node>,
    /// Name → sequence number.
    #[serde(skip)]
    pub by_name: HashMap<String, u64>,
    /// Next sequence number.
    pub next_seq: u64,
}

impl Cluster {
    fn new(def: ClusterDef) -> Self {
        Cluster {
            def,
            nodes: BTreeMap::new(),
            by_name: HashMap::new(),
            next_seq: 1,
        }
    }

    /// A node by name.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.by_name.get(name).and_then(|s| self.nodes.get(s))
    }

    /// Adds a node, assigning its sequence number.
    pub fn insert(&mut self, mut node: Node) {
        node.seq = self.next_seq;
        self.next_seq += 1;
        self.by_name.insert(node.name.clone(), node.seq);
        self.nodes.insert(node.seq, node);
    }

    fn reindex(&mut self) {
        self.by_name = self
            .nodes
            .values()
            .map(|n| (n.name.clone(), n.seq))
            .collect();
    }
}

/// The whole emulated server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Emulator {
    /// What `reset` returns to.
    pub initial: Definition,
    /// Quotas per region.
    pub quotas: BTreeMap<String, RegionQuota>,
    /// Custom machine types by lower-case name.
    pub custom_types: HashMap<String, MachineType>,
    /// Clusters by name.
    pub clusters: BTreeMap<String, Cluster>,
    /// Operations in submission order.
    pub operations: Vec<Operation>,
    #[serde(skip)]
    op_index: HashMap<String, usize>,
    /// requestId → operation id.
    pub request_ids: HashMap<String, String>,
    /// The clock.
    pub clock: Clock,
    /// Phase durations.
    pub delays: PhaseDelays,
    /// `region/machinetype` (lower case) → time of the last capacity failure.
    pub capacity_failures: HashMap<String, Seconds>,
    /// Injected capacity failures.
    pub capacity_faults: Vec<CapacityFault>,
    /// Guest health reports by `cluster/NodeId` (not name: a reused name is a new node).
    pub health_reports: HashMap<String, Value>,
    /// Billed VM time.
    pub ledger: Vec<Segment>,
    next_ip: u32,
    #[serde(skip)]
    next_due: Option<Seconds>,
}

fn capacity_key(region: &str, machine_type: &str) -> String {
    format!(
        "{}/{}",
        region.to_ascii_lowercase(),
        machine_type.to_ascii_lowercase()
    )
}

const FIRST_IP: u32 = u32::from_be_bytes([10, 1, 0, 4]);

impl Emulator {
    /// A fresh server holding `definition`.
    pub fn new(definition: Definition, delays: PhaseDelays) -> Self {
        Emulator::with_clock(definition, delays, Clock::default())
    }

    fn with_clock(definition: Definition, delays: PhaseDelays, clock: Clock) -> Self {
        let mut e = Emulator {
            initial: definition.clone(),
            quotas: BTreeMap::new(),
            custom_types: HashMap::new(),
            clusters: BTreeMap::new(),
            operations: Vec::new(),
            op_index: HashMap::new(),
            request_ids: HashMap::new(),
            clock,
            delays,
            capacity_failures: HashMap::new(),
            capacity_faults: Vec::new(),
            health_reports: HashMap::new(),
            ledger: Vec::new(),
            next_ip: FIRST_IP,
            next_due: None,
        };
        e.load(definition);
        e
    }

    /// Rebuilds indexes after deserializing a snapshot.
    pub fn after_restore(&mut self) {
        for c in self.clusters.values_mut() {
            c.reindex();
        }
        self.op_index = self
            .operations
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.clone(), i))
            .collect();
        self.next_due = Some(f64::NEG_INFINITY);
    }

    /// Back to the initial definition: every node, operation, fault and report is dropped.
    /// The clock and the phase delays are kept.
    pub fn reset(&mut self) {
        *self = Emulator::with_clock(self.initial.clone(), self.delays, self.clock.clone());
    }

    /// Adds or replaces the clusters, quotas and machine types of `definition`. A replaced
    /// cluster keeps the nodes whose array or standalone definition still exists.
    pub fn load(&mut self, definition: Definition) {
        self.custom_types.extend(definition.custom_types());
        for (region, q) in &definition.quotas {
            self.quotas.insert(region.clone(), q.clone());
        }
        let now = self.clock.now();
        for def in definition.clusters {
            let mut cluster = Cluster::new(def);
            if let Some(old) = self.clusters.remove(&cluster.def.name) {
                for mut n in old.nodes.into_values() {
                    let keep = match &n.array {
                        Some(a) => cluster.def.array(a).is_some(),
                        None => cluster.def.standalone(&n.name).is_some(),
                    };
                    if keep {
                        cluster.insert(n);
                    } else {
                        // A dropped node's VM is gone: it must stop accruing usage.
                        self.stop_billing(&mut n, now);
                    }
                }
            }
            let standalone: Vec<_> = cluster.def.nodes.clone();
            for s in standalone {
                if cluster.node(&s.name).is_some() {
                    continue;
                }
                let machine_type = self
                    .machine(&s.machine_type)
                    .map_or(s.machine_type.clone(), |m| m.name.clone());
                let mut node = Node {
                    keep_alive: s.keep_alive,
                    fixed: true,
                    ..Node::new(s.name.clone(), None, machine_type)
                };
                if s.started {
                    node.target = Some(Target::Started);
                    node.state = Some("Started".into());
                    self.assign_vm(&cluster.def, &mut node, now);
                    node.status = Status::Ready;
                }
                cluster.insert(node);
            }
            self.clusters.insert(cluster.def.name.clone(), cluster);
        }
        self.next_due = Some(f64::NEG_INFINITY);
    }

    /// A machine type by name: custom types first, then the built-in catalogue.
    pub fn machine(&self, name: &str) -> Option<&MachineType> {
        self.custom_types
            .get(&name.to_ascii_lowercase())
            .or_else(|| catalog::lookup_builtin(name))
    }

    /// A cluster, or a 404 naming it.
    pub fn cluster(&self, name: &str) -> Result<&Cluster, ApiError> {
        self.clusters
            .get(name)
            .ok_or_else(|| ApiError::not_found(format!("Cluster {name} does not exist")))
    }

    pub(crate) fn cluster_mut(&mut self, name: &str) -> Result<&mut Cluster, ApiError> {
        self.clusters
            .get_mut(name)
            .ok_or_else(|| ApiError::not_found(format!("Cluster {name} does not exist")))
    }

    /// Quotas of a region (defaults when the definition names none).
    pub fn quota(&self, region: &str) -> RegionQuota {
        self.quotas
            .iter()
            .find(|(r, _)| r.eq_ignore_ascii_case(region))
            .map(|(_, q)| q.clone())
            .unwrap_or_default()
    }

    /// Seconds since the last capacity failure of a machine type in a region, or -1.0.
    pub fn last_capacity_failure(&self, region: &str, machine_type: &str) -> Seconds {
        self.capacity_failures
            .get(&capacity_key(region, machine_type))
            .map_or(-1.0, |t| (self.clock.now() - t).max(0.0))
    }

    /// Renders a node's record as a JSON value (for filters and single lookups).
    pub fn record(&self, cluster: &ClusterDef, node: &Node) -> Value {
        let tpl = TemplateView::of(cluster, node);
        let view = node.view(
            &cluster.name,
            tpl.as_ref(),
            self.machine(&node.machine_type),
        );
        serde_json::to_value(view).unwrap_or(Value::Null)
    }

    /// Serializes node records straight to bytes, resolving each template once.
    pub fn records_json<'a>(
        &self,
        cluster: &ClusterDef,
        nodes: impl Iterator<Item = &'a Node>,
    ) -> Vec<u8> {
        let mut templates: HashMap<&str, Option<TemplateView<'_>>> = HashMap::new();
        let mut out = Vec::with_capacity(1024);
        out.push(b'[');
        for (i, n) in nodes.enumerate() {
            let tpl = templates
                .entry(n.template())
                .or_insert_with(|| TemplateView::of(cluster, n));
            let view = n.view(&cluster.name, tpl.as_ref(), self.machine(&n.machine_type));
            if i > 0 {
                out.push(b',');
            }
            // Serializing a borrowed struct of strings, numbers and JSON values cannot fail.
            let _ = serde_json::to_writer(&mut out, &view);
        }
        out.push(b']');
        out
    }

    // ---- operations -------------------------------------------------------------------

    /// Fails with 409 if `request_id` was used before.
    pub fn check_request_id(&self, request_id: Option<&str>) -> Result<(), ApiError> {
        match request_id {
            Some(r) if self.request_ids.contains_key(r) => Err(ApiError::conflict(format!(
                "Request id {r} has already been used; the request was ignored"
            ))),
            _ => Ok(()),
        }
    }

    /// Records an operation and returns its id.
    pub fn record_operation(
        &mut self,
        cluster: &str,
        action: &str,
        request_id: Option<String>,
        node_ids: Vec<String>,
    ) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        if let Some(r) = &request_id {
            self.request_ids.insert(r.clone(), id.clone());
        }
        self.op_index.insert(id.clone(), self.operations.len());
        self.operations.push(Operation {
            id: id.clone(),
            action: action.to_string(),
            start_time: self.clock.now(),
            request_id,
            cluster: cluster.to_string(),
            node_ids,
        });
        id
    }

    /// An operation by id.
    pub fn operation(&self, id: &str) -> Result<&Operation, ApiError> {
        self.op_index
            .get(id)
            .and_then(|i| self.operations.get(*i))
            .ok_or_else(|| ApiError::not_found(format!("No operation found for id {id}")))
    }

    /// An operation by the caller's request id.
    pub fn operation_by_request(&self, request_id: &str) -> Result<&Operation, ApiError> {
        self.request_ids
            .get(request_id)
            .and_then(|id| self.operation(id).ok())
            .ok_or_else(|| {
                ApiError::not_found(format!("No operation found for request id {request_id}"))
            })
    }

    // ---- lifecycle ---------------------------------------------------------------------

    fn schedule(&mut self, node: &mut Node, status: Status, start: Seconds, delay: Seconds) {
        node.status = status;
        let end = start + delay;
        node.phase_end = Some(end);
        self.next_due = Some(self.next_due.map_or(end, |d| d.min(end)));
    }

    /// Gives a node a VM: instance id, private IP, hostname and an open billing segment.
    fn assign_vm(&mut self, cluster: &ClusterDef, node: &mut Node, at: Seconds) {
        if node.instance_id.is_none() {
            node.instance_id = Some(uuid::Uuid::new_v4().to_string());
        }
        let ip = self.next_ip;
        self.next_ip = self.next_ip.wrapping_add(1);
        node.private_ip = Some(dotted(ip));
        let tpl = TemplateView::of(cluster, node);
        let cfg = node.effective_configuration(tpl.as_ref());
        node.hostname = Some(if standalone_dns(&cfg) {
            hostname_for_ip(ip)
        } else {
            node.name.to_ascii_lowercase()
        });
        node.launch_time = Some(at);
        let (cores, mt) = self
            .machine(&node.machine_type)
            .map_or((0, node.machine_type.clone()), |m| {
                (m.vcpu_count, m.name.clone())
            });
        node.billing = Some(self.ledger.len());
        self.ledger.push(Segment {
            cluster: cluster.name.clone(),
            node: node.name.clone(),
            array: node.array.clone(),
            machine_type: mt,
            region: tpl.as_ref().map_or_else(String::new, |t| t.region.clone()),
            cores,
            spot: tpl.as_ref().is_some_and(|t| t.interruptible),
            start: at,
            end: None,
        });
    }

    pub(crate) fn stop_billing(&mut self, node: &mut Node, at: Seconds) {
        if let Some(i) = node.billing.take()
            && let Some(s) = self.ledger.get_mut(i)
        {
            s.end = Some(at);
        }
    }

    fn release_vm(&mut self, node: &mut Node, at: Seconds) {
        self.stop_billing(node, at);
        node.instance_id = None;
        node.private_ip = None;
        node.hostname = None;
        node.launch_time = None;
    }

    /// Puts a node into `Acquiring` at time `at`.
    pub(crate) fn begin_acquire(&mut self, node: &mut Node, at: Seconds) {
        node.target = Some(Target::Started);
        node.status_message = None;
        let d = self.delays.acquiring;
        self.schedule(node, Status::Acquiring, at, d);
    }

    /// Puts a node into `Terminating` at time `at`; `remove` deletes the record afterwards.
    /// A node that has no VM any more skips the wait.
    pub(crate) fn begin_terminate(&mut self, node: &mut Node, at: Seconds, remove: bool) {
        node.target = Some(Target::Terminated);
        node.remove_when_terminated |= remove;
        node.status_message = None;
        self.stop_billing(node, at);
        let d = if node.status == Status::Off {
            0.0
        } else {
            self.delays.terminating
        };
        self.schedule(node, Status::Terminating, at, d);
    }

    /// Puts a node into `Stopping` at time `at`.
    pub(crate) fn begin_deallocate(&mut self, node: &mut Node, at: Seconds) {
        node.target = Some(Target::Deallocated);
        self.stop_billing(node, at);
        let d = self.delays.stopping;
        self.schedule(node, Status::Stopping, at, d);
    }

    /// Re-runs the preparation phase of a running node (restart, reimage).
    pub(crate) fn begin_reprepare(&mut self, node: &mut Node, at: Seconds) {
        let d = self.delays.preparing;
        self.schedule(node, Status::Preparing, at, d);
    }

    fn take_capacity_fault(&mut self, region: &str, machine_type: &str) -> bool {
        let hit = self.capacity_faults.iter_mut().position(|f| {
            f.machine_type.eq_ignore_ascii_case(machine_type)
                && f.region
                    .as_ref()
                    .is_none_or(|r| r.eq_ignore_ascii_case(region))
                && f.times != Some(0)
        });
        let Some(i) = hit else { return false };
        if let Some(t) = &mut self.capacity_faults[i].times {
            *t -= 1;
            if *t == 0 {
                self.capacity_faults.remove(i);
            }
        }
        true
    }

    /// Applies every lifecycle transition that is due at the current emulated time.
    /// Returns whether anything changed.
    pub fn tick(&mut self) -> bool {
        let now = self.clock.now();
        if self.next_due.is_none_or(|d| d > now) {
            return false;
        }
        let mut changed = false;
        self.next_due = None;
        let names: Vec<String> = self.clusters.keys().cloned().collect();
        for cname in names {
            let Some(mut cluster) = self.clusters.remove(&cname) else {
                continue;
            };
            let due: Vec<u64> = cluster
                .nodes
                .values()
                .filter(|n| n.phase_end.is_some())
                .map(|n| n.seq)
                .collect();
            for seq in due {
                let Some(mut node) = cluster.nodes.remove(&seq) else {
                    continue;
                };
                changed |= node.phase_end.is_some_and(|end| end <= now);
                let keep = self.advance(&cluster.def, &mut node, now);
                if keep {
                    if let Some(end) = node.phase_end {
                        self.next_due = Some(self.next_due.map_or(end, |d| d.min(end)));
                    }
                    cluster.nodes.insert(seq, node);
                } else {
                    cluster.by_name.remove(&node.name);
                }
            }
            self.clusters.insert(cname, cluster);
        }
        changed
    }

    /// Moves one node through every phase that ended by `now`. Returns false when the
    /// record is deleted.
    fn advance(&mut self, cluster: &ClusterDef, node: &mut Node, now: Seconds) -> bool {
        while let Some(end) = node.phase_end {
            if end > now {
                break;
            }
            node.phase_end = None;
            match node.status {
                Status::Acquiring => {
                    let region = TemplateView::of(cluster, node).map(|t| t.region);
                    let region = region.unwrap_or_default();
                    if self.take_capacity_fault(&region, &node.machine_type) {
                        self.capacity_failures
                            .insert(capacity_key(&region, &node.machine_type), end);
                        node.status = Status::Failed;
                        node.status_message = Some(format!(
                            "Allocation failed: Azure has no capacity for {} in {region} right now (AllocationFailed)",
                            node.machine_type
                        ));
                    } else {
                        self.assign_vm(cluster, node, end);
                        let d = self.delays.preparing;
                        self.schedule(node, Status::Preparing, end, d);
                    }
                }
                Status::Preparing => {
                    node.status = Status::Ready;
                    node.state = Some("Started".into());
                }
                Status::Stopping => {
                    node.status = Status::Deallocated;
                    node.state = Some("Deallocated".into());
                }
                Status::Terminating => {
                    self.release_vm(node, end);
                    if node.remove_when_terminated || (node.array.is_some() && !node.fixed) {
                        return false;
                    }
                    node.status = Status::Off;
                    node.state = Some("Terminated".into());
                }
                Status::Off | Status::Ready | Status::Deallocated | Status::Failed => {}
            }
        }
        true
    }

    /// Evicts running spot VMs the way Azure reclaims them: the nodes go to `Terminating`
    /// with a `StatusMessage` saying so, and array nodes are then removed. `names` picks the
    /// nodes; without names, up to `count` running nodes of `nodearray` (newest first). Only
    /// nodes of spot (`interruptible`) arrays can be evicted; others named are left alone.
    /// Returns the names evicted.
    pub fn evict(
        &mut self,
        cluster: &str,
        names: &[String],
        nodearray: Option<&str>,
        count: Option<usize>,
    ) -> Result<Vec<String>, ApiError> {
        let now = self.clock.now();
        let mut c = self
            .clusters
            .remove(cluster)
            .ok_or_else(|| ApiError::not_found(format!("Cluster {cluster} does not exist")))?;
        if let Some(a) = nodearray
            && c.def.array(a).is_none()
        {
            let err = format!("Nodearray {a} does not exist in cluster {cluster}");
            self.clusters.insert(cluster.to_string(), c);
            return Err(ApiError::not_found(err));
        }
        let def = &c.def;
        let running = |n: &Node| {
            n.status.has_vm()
                && n.target == Some(Target::Started)
                && n.array
                    .as_deref()
                    .and_then(|a| def.array(a))
                    .is_some_and(|a| a.interruptible)
        };
        let seqs: Vec<u64> = if names.is_empty() {
            c.nodes
                .values()
                .rev()
                .filter(|n| running(n) && nodearray.is_some_and(|a| n.array.as_deref() == Some(a)))
                .take(count.unwrap_or(usize::MAX))
                .map(|n| n.seq)
                .collect()
        } else {
            c.nodes
                .values()
                .filter(|n| running(n) && names.contains(&n.name))
                .map(|n| n.seq)
                .collect()
        };
        let mut evicted = Vec::new();
        for seq in seqs {
            if let Some(mut n) = c.nodes.remove(&seq) {
                self.begin_terminate(&mut n, now, false);
                n.status_message =
                    Some("Evicted: Azure reclaimed the spot VM (emulated eviction)".to_string());
                evicted.push(n.name.clone());
                c.nodes.insert(seq, n);
            }
        }
        self.clusters.insert(cluster.to_string(), c);
        self.tick();
        Ok(evicted)
    }

    /// Re-acquires the failed nodes of a cluster (`POST /cloud/actions/retry/{cluster}`).
    pub fn retry_failed(&mut self, cluster: &str) -> Result<Vec<String>, ApiError> {
        let now = self.clock.now();
        let mut c = self
            .clusters
            .remove(cluster)
            .ok_or_else(|| ApiError::not_found(format!("Cluster {cluster} does not exist")))?;
        let mut retried = Vec::new();
        let failed: Vec<u64> = c
            .nodes
            .values()
            .filter(|n| n.status == Status::Failed && n.target == Some(Target::Started))
            .map(|n| n.seq)
            .collect();
        for seq in failed {
            if let Some(mut n) = c.nodes.remove(&seq) {
                self.begin_acquire(&mut n, now);
                retried.push(n.name.clone());
                c.nodes.insert(seq, n);
            }
        }
        self.clusters.insert(cluster.to_string(), c);
        Ok(retried)
    }

    // ---- guest health reports ------------------------------------------------------------

    /// Stores a guest health report; 409 if the node already has one.
    pub fn submit_health_report(
        &mut self,
        cluster: &str,
        node: &str,
        category: Option<String>,
        description: Option<String>,
    ) -> Result<(), ApiError> {
        let c = self.cluster(cluster)?;
        let Some(n) = c.node(node) else {
            return Err(ApiError::not_found(format!(
                "Node {node} does not exist in cluster {cluster}"
            )));
        };
        let key = format!("{cluster}/{}", n.node_id);
        let Some(category) = category.filter(|c| !c.trim().is_empty()) else {
            return Err(ApiError::bad_request(
                "The query parameter category is required (e.g. Resource.Hpc.Unhealthy.HpcGenericFailure)",
            ));
        };
        if self.health_reports.contains_key(&key) {
            return Err(ApiError::conflict(format!(
                "A health report was already submitted for node {node}"
            )));
        }
        let report = json!({
            "category": category,
            "description": description,
            "submittedTime": iso8601(self.clock.now()),
        });
        self.health_reports.insert(key, report);
        Ok(())
    }

    /// The health report of a node, or `{}`.
    pub fn health_report(&self, cluster: &str, node: &str) -> Result<Value, ApiError> {
        let c = self.cluster(cluster)?;
        let Some(n) = c.node(node) else {
            return Err(ApiError::not_found(format!(
                "Node {node} does not exist in cluster {cluster}"
            )));
        };
        Ok(self
            .health_reports
            .get(&format!("{cluster}/{}", n.node_id))
            .cloned()
            .unwrap_or_else(|| json!({})))
    }

    // ---- cluster listing ---------------------------------------------------------------

    /// The records of `GET /cloud/api/clusters`.
    pub fn cluster_records(&self, only: Option<&str>) -> Vec<Value> {
        self.clusters
            .values()
            .filter(|c| only.is_none_or(|o| o == c.def.name))
            .map(|c| {
                let nodes: Vec<Value> = c
                    .nodes
                    .values()
                    .filter(|n| n.array.is_none())
                    .map(|n| {
                        json!({
                            "Name": n.name, "NodeId": n.node_id, "Template": n.name,
                            "State": n.state, "Status": n.status.as_str(),
                            "TargetState": n.target.map(Target::as_str),
                        })
                    })
                    .collect();
                let arrays: Vec<Value> = c
                    .def
                    .nodearrays
                    .iter()
                    .map(|a| {
                        let (count, cores) = c
                            .nodes
                            .values()
                            .filter(|n| n.is_active() && n.array.as_deref() == Some(&a.name))
                            .fold((0i64, 0i64), |(k, v), n| {
                                (k + 1, v + self.machine(&n.machine_type).map_or(0, |m| m.vcpu_count))
                            });
                        json!({
                            "Name": a.name, "Template": a.name, "Count": count, "CoreCount": cores,
                            "State": if c.def.state.is_empty() { Value::Null } else { json!(c.def.state) },
                            "TargetState": if c.def.state.is_empty() { Value::Null } else { json!(c.def.state) },
                        })
                    })
                    .collect();
                let state = if c.def.state.is_empty() { Value::Null } else { json!(c.def.state) };
                json!({
                    "ClusterName": c.def.name,
                    "State": state,
                    "TargetState": state,
                    "IsTemplate": false,
                    "Nodes": nodes,
                    "NodeArrays": arrays,
                })
            })
            .collect()
    }
}
