//! Bucket arithmetic: how many nodes of each (node array, machine type) may still be added,
//! given the cluster, array, placement-group and quota limits, and the `ClusterStatus` body.
//!
//! The formulas follow the documented relations of the real server (see the worked example
//! in the crate tests): `quotaCount = ⌊quotaCoreCount / vcpuQuota⌋`, `maxCount` is the lowest
//! of the array, cluster and quota limits, and `availableCount` also subtracts what is in use.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::catalog::MachineType;
use crate::definition::{ClusterDef, NodeArrayDef};
use crate::node::Node;
use crate::state::{Cluster, Emulator};

/// Counts of active nodes and their cores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Nodes.
    pub count: i64,
    /// vCPUs.
    pub cores: i64,
}

impl Tally {
    fn add(&mut self, cores: i64) {
        self.count += 1;
        self.cores += cores;
    }
}

/// What is in use right now, across every cluster (quotas are regional, not per cluster).
#[derive(Debug, Default, Clone)]
pub struct Usage {
    cluster: HashMap<String, Tally>,
    array: HashMap<(String, String), Tally>,
    bucket: HashMap<(String, String, String), Tally>,
    group: HashMap<(String, String, String, String), Tally>,
    regional: HashMap<String, i64>,
    family: HashMap<(String, String), i64>,
    spot: HashMap<String, i64>,
}

/// Facts about where a node lives, for tallying.
pub struct Placement<'a> {
    /// Cluster name.
    pub cluster: &'a str,
    /// Array, for array nodes.
    pub array: Option<&'a str>,
    /// Region (lower case).
    pub region: String,
    /// Spot VM.
    pub spot: bool,
    /// Placement group.
    pub group: Option<&'a str>,
}

impl Usage {
    /// Tallies every node heading for `Started` in every cluster.
    pub fn of(emu: &Emulator) -> Usage {
        let mut u = Usage::default();
        for c in emu.clusters.values() {
            for n in c.nodes.values() {
                if n.target != Some(crate::node::Target::Started) {
                    continue;
                }
                let Some(m) = emu.machine(&n.machine_type) else {
                    continue;
                };
                let Some(p) = placement(&c.def, n) else {
                    continue;
                };
                u.add(&p, m);
            }
        }
        u
    }

    /// Counts one more started node.
    pub fn add(&mut self, p: &Placement<'_>, m: &MachineType) {
        let mt = m.name.to_ascii_lowercase();
        if let Some(a) = p.array {
            self.cluster
                .entry(p.cluster.to_string())
                .or_default()
                .add(m.vcpu_count);
            self.array
                .entry((p.cluster.to_string(), a.to_string()))
                .or_default()
                .add(m.vcpu_count);
            self.bucket
                .entry((p.cluster.to_string(), a.to_string(), mt.clone()))
                .or_default()
                .add(m.vcpu_count);
            if let Some(g) = p.group {
                self.group
                    .entry((p.cluster.to_string(), a.to_string(), mt, g.to_string()))
                    .or_default()
                    .add(m.vcpu_count);
            }
        }
        if p.spot {
            *self.spot.entry(p.region.clone()).or_default() += m.vcpu_quota_count;
        } else {
            *self.regional.entry(p.region.clone()).or_default() += m.vcpu_quota_count;
            *self
                .family
                .entry((p.region.clone(), m.family.to_ascii_lowercase()))
                .or_default() += m.vcpu_quota_count;
        }
    }

    /// Active nodes of a placement group in a bucket.
    pub fn group(&self, cluster: &str, array: &str, mt: &str, group: &str) -> Tally {
        self.group
            .get(&(
                cluster.to_string(),
                array.to_string(),
                mt.to_ascii_lowercase(),
                group.to_string(),
            ))
            .copied()
            .unwrap_or_default()
    }
}

/// Where a node is counted.
pub fn placement<'a>(def: &'a ClusterDef, n: &'a Node) -> Option<Placement<'a>> {
    match &n.array {
        Some(a) => {
            let arr = def.array(a)?;
            Some(Placement {
                cluster: &def.name,
                array: Some(a),
                region: def.region_of(arr.region.as_ref()).to_ascii_lowercase(),
                spot: arr.interruptible,
                group: n.placement_group.as_deref(),
            })
        }
        None => {
            let s = def.standalone(&n.name)?;
            Some(Placement {
                cluster: &def.name,
                array: None,
                region: def.region_of(s.region.as_ref()).to_ascii_lowercase(),
                spot: false,
                group: None,
            })
        }
    }
}

/// The numbers of one bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// Machine type facts.
    pub machine: MachineType,
    /// Whether new nodes may be placed here.
    pub valid: bool,
    /// `NotActivated`, `DisabledMachineType`, or empty.
    pub invalid_reason: &'static str,
    /// `maxCount`.
    pub max_count: i64,
    /// `activeCount` / `activeCoreCount`.
    pub active: Tally,
    /// `availableCount`.
    pub available_count: i64,
    /// Which limit `availableCount` hit, in words.
    pub limited_by: String,
    /// `quotaCoreCount`.
    pub quota_core_count: i64,
    /// `consumedCoreCount`.
    pub consumed_core_count: i64,
    /// `familyQuotaCoreCount`.
    pub family_quota_core_count: i64,
    /// `familyConsumedCoreCount`.
    pub family_consumed_core_count: i64,
    /// `regionalQuotaCoreCount`.
    pub regional_quota_core_count: i64,
    /// `regionalConsumedCoreCount`.
    pub regional_consumed_core_count: i64,
    /// `maxPlacementGroupSize`.
    pub max_placement_group_size: i64,
    /// `lastCapacityFailure`.
    pub last_capacity_failure: f64,
}

/// The buckets of an array: its machine types in order (valid unless disabled or not
/// activated), then disabled types, then machine types that only existing nodes still use.
pub fn bucket_types(
    emu: &Emulator,
    cluster: &Cluster,
    arr: &NodeArrayDef,
) -> Vec<(String, bool, &'static str)> {
    let mut out: Vec<(String, bool, &'static str)> = Vec::new();
    let mut push = |name: &str, valid: bool, reason: &'static str| {
        let canon = emu
            .machine(name)
            .map_or(name.to_string(), |m| m.name.clone());
        if !out.iter().any(|(n, _, _)| n.eq_ignore_ascii_case(&canon)) {
            out.push((canon, valid, reason));
        }
    };
    for mt in &arr.machine_types {
        let disabled = arr
            .disabled_machine_types
            .iter()
            .any(|d| d.eq_ignore_ascii_case(mt));
        if disabled {
            push(mt, false, "DisabledMachineType");
        } else if !arr.activated {
            push(mt, false, "NotActivated");
        } else {
            push(mt, true, "");
        }
    }
    for mt in &arr.disabled_machine_types {
        push(mt, false, "DisabledMachineType");
    }
    for n in cluster.nodes.values() {
        if n.array.as_deref() == Some(&arr.name) {
            push(&n.machine_type, false, "DisabledMachineType");
        }
    }
    out
}

fn floor_div(a: i64, b: i64) -> i64 {
    if b <= 0 { 0 } else { a.div_euclid(b) }
}

impl Emulator {
    /// Computes one bucket's numbers.
    pub fn bucket(
        &self,
        usage: &Usage,
        cluster: &ClusterDef,
        arr: &NodeArrayDef,
        machine: &MachineType,
        valid: bool,
        invalid_reason: &'static str,
    ) -> Bucket {
        let v = machine.vcpu_count.max(1);
        let vq = machine.vcpu_quota_count.max(v);
        let region = cluster.region_of(arr.region.as_ref()).to_ascii_lowercase();
        let q = self.quota(&region);
        let (fam_quota, fam_consumed, reg_quota, reg_consumed) = if arr.interruptible {
            // Spot buckets report family quota 0; the regional fields describe the spot quota.
            let used = usage.spot.get(&region).copied().unwrap_or(0);
            (0, 0, q.spot_cores, q.spot_consumed + used)
        } else {
            let fam = q
                .families
                .iter()
                .find(|(f, _)| f.eq_ignore_ascii_case(&machine.family))
                .map(|(_, f)| f.clone());
            let (fq, fc) = fam.map_or((q.regional_cores, 0), |f| (f.cores, f.consumed));
            let fam_used = usage
                .family
                .get(&(region.clone(), machine.family.to_ascii_lowercase()))
                .copied()
                .unwrap_or(0);
            let reg_used = usage.regional.get(&region).copied().unwrap_or(0);
            (
                fq,
                fc + fam_used,
                q.regional_cores,
                q.regional_consumed + reg_used,
            )
        };
        let (quota_core, consumed) = if arr.interruptible {
            (reg_quota, reg_consumed)
        } else {
            (fam_quota.min(reg_quota), fam_consumed)
        };
        let quota_count = floor_div(quota_core, vq);
        let key = (cluster.name.clone(), arr.name.clone());
        let a_used = usage.array.get(&key).copied().unwrap_or_default();
        let c_used = usage
            .cluster
            .get(&cluster.name)
            .copied()
            .unwrap_or_default();
        let active = usage
            .bucket
            .get(&(
                cluster.name.clone(),
                arr.name.clone(),
                machine.name.to_ascii_lowercase(),
            ))
            .copied()
            .unwrap_or_default();
        let max_count = [
            arr.max_count,
            floor_div(arr.max_core_count, v),
            cluster.max_count,
            floor_div(cluster.max_core_count, v),
            quota_count,
        ]
        .into_iter()
        .min()
        .unwrap_or(0);
        // The specific limits come first so that, on a tie, the message names the one that
        // binds rather than the bucket's maxCount (which is only derived from them).
        let limits: [(i64, &str); 7] = [
            (arr.max_count - a_used.count, "the nodearray's MaxCount"),
            (
                floor_div(arr.max_core_count - a_used.cores, v),
                "the nodearray's MaxCoreCount",
            ),
            (cluster.max_count - c_used.count, "the cluster's MaxCount"),
            (
                floor_div(cluster.max_core_count - c_used.cores, v),
                "the cluster's MaxCoreCount",
            ),
            (
                floor_div(quota_core - consumed, vq),
                if arr.interruptible {
                    "the regional spot quota"
                } else {
                    "the family quota"
                },
            ),
            (
                floor_div(reg_quota - reg_consumed, vq),
                "the regional quota",
            ),
            (max_count - active.count, "the bucket's maxCount"),
        ];
        let (mut available, mut limited_by) = limits
            .iter()
            .min_by_key(|(n, _)| *n)
            .map(|(n, why)| ((*n).max(0), (*why).to_string()))
            .unwrap_or((0, String::new()));
        let last_failure = self.last_capacity_failure(&region, &machine.name);
        if !valid {
            available = 0;
            limited_by = format!("the bucket is not valid ({invalid_reason})");
        } else if arr.throttle_capacity
            && last_failure >= 0.0
            && last_failure < arr.throttle_capacity_seconds.unwrap_or(300.0)
        {
            available = 0;
            limited_by = "a recent capacity failure (ThrottleCapacity)".to_string();
        }
        Bucket {
            machine: machine.clone(),
            valid,
            invalid_reason,
            max_count: max_count.max(0),
            active,
            available_count: available,
            limited_by,
            quota_core_count: quota_core,
            consumed_core_count: consumed,
            family_quota_core_count: fam_quota,
            family_consumed_core_count: fam_consumed,
            regional_quota_core_count: reg_quota,
            regional_consumed_core_count: reg_consumed,
            max_placement_group_size: arr.max_scaleset_size,
            last_capacity_failure: last_failure,
        }
    }

    /// The `nodearray` record of a `ClusterNodearrayStatus`.
    pub fn nodearray_record(&self, cluster: &ClusterDef, arr: &NodeArrayDef) -> Value {
        let mut r = serde_json::Map::new();
        r.insert("Name".into(), json!(arr.name));
        r.insert("ClusterName".into(), json!(cluster.name));
        r.insert("IsArray".into(), json!(true));
        r.insert("MachineType".into(), json!(arr.machine_types));
        r.insert("MaxCount".into(), json!(arr.max_count));
        r.insert("MaxCoreCount".into(), json!(arr.max_core_count));
        r.insert(
            "Region".into(),
            json!(cluster.region_of(arr.region.as_ref())),
        );
        r.insert(
            "SubnetId".into(),
            json!(cluster.subnet_of(arr.subnet_id.as_ref())),
        );
        r.insert("Interruptible".into(), json!(arr.interruptible));
        r.insert("Priority".into(), json!(arr.priority));
        r.insert("ShutdownPolicy".into(), json!(arr.shutdown_policy));
        r.insert("KeepAlive".into(), json!(arr.keep_alive));
        r.insert("ThrottleCapacity".into(), json!(arr.throttle_capacity));
        if let Some(pg) = &arr.placement_group_id {
            r.insert("PlacementGroupId".into(), json!(pg));
        }
        r.insert(
            "Azure".into(),
            json!({"MaxScalesetSize": arr.max_scaleset_size}),
        );
        for (k, v) in &arr.attributes {
            r.entry(k.clone()).or_insert_with(|| v.clone());
        }
        r.insert(
            "Configuration".into(),
            Value::Object(arr.configuration.clone()),
        );
        Value::Object(r)
    }

    /// The `ClusterStatus` body of `GET /clusters/{cluster}/status`.
    pub fn cluster_status(
        &self,
        name: &str,
        with_nodes: bool,
    ) -> Result<Vec<u8>, crate::error::ApiError> {
        let cluster = self.cluster(name)?;
        let usage = Usage::of(self);
        let def = &cluster.def;
        // Names of active nodes per (array, machine type, placement group), in creation order.
        let mut active_names: HashMap<(&str, String), Vec<&str>> = HashMap::new();
        let mut groups: HashMap<(&str, String), Vec<String>> = HashMap::new();
        for n in cluster.nodes.values().filter(|n| n.is_active()) {
            let Some(a) = n.array.as_deref() else {
                continue;
            };
            let key = (a, n.machine_type.to_ascii_lowercase());
            if with_nodes {
                active_names.entry(key.clone()).or_default().push(&n.name);
            }
            if let Some(g) = &n.placement_group {
                let list = groups.entry(key).or_default();
                if !list.contains(g) {
                    list.push(g.clone());
                }
            }
        }
        let mut arrays = Vec::new();
        for arr in &def.nodearrays {
            let mut buckets = Vec::new();
            for (mt, valid, reason) in bucket_types(self, cluster, arr) {
                let Some(machine) = self.machine(&mt) else {
                    continue;
                };
                let b = self.bucket(&usage, def, arr, machine, valid, reason);
                let key = (arr.name.as_str(), mt.to_ascii_lowercase());
                let v = machine.vcpu_count;
                let vq = machine.vcpu_quota_count.max(v).max(1);
                let pgs: Vec<Value> = groups
                    .get(&key)
                    .map(|gs| {
                        gs.iter()
                            .map(|g| {
                                let t = usage.group(&def.name, &arr.name, &mt, g);
                                json!({"name": g, "activeCount": t.count, "activeCoreCount": t.cores})
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let mut bucket = json!({
                    "bucketId": bucket_id(&def.name, &arr.name, &mt),
                    "definition": {"machineType": machine.name},
                    "valid": b.valid,
                    "invalidReason": b.invalid_reason,
                    "maxCount": b.max_count,
                    "maxCoreCount": b.max_count * v,
                    "activeCount": b.active.count,
                    "activeCoreCount": b.active.cores,
                    "availableCount": b.available_count,
                    "availableCoreCount": b.available_count * v,
                    "quotaCount": floor_div(b.quota_core_count, vq),
                    "quotaCoreCount": b.quota_core_count,
                    "consumedCoreCount": b.consumed_core_count,
                    "familyQuotaCount": floor_div(b.family_quota_core_count, vq),
                    "familyQuotaCoreCount": b.family_quota_core_count,
                    "familyConsumedCoreCount": b.family_consumed_core_count,
                    "regionalQuotaCount": floor_div(b.regional_quota_core_count, vq),
                    "regionalQuotaCoreCount": b.regional_quota_core_count,
                    "regionalConsumedCoreCount": b.regional_consumed_core_count,
                    "maxPlacementGroupSize": b.max_placement_group_size,
                    "maxPlacementGroupCoreSize": b.max_placement_group_size * v,
                    "placementGroups": pgs,
                    "lastCapacityFailure": b.last_capacity_failure,
                    "spotPlacementScore": "",
                    "virtualMachine": {
                        "vcpuCount": v,
                        "vcpuQuotaCount": machine.vcpu_quota_count,
                        "pcpuCount": machine.pcpu_count,
                        "gpuCount": machine.gpu_count,
                        "memory": machine.memory_gb,
                        "infiniband": machine.infiniband,
                    },
                });
                if with_nodes && let Some(obj) = bucket.as_object_mut() {
                    let names = active_names.remove(&key).unwrap_or_default();
                    obj.insert("activeNodes".into(), json!(names));
                }
                buckets.push(bucket);
            }
            arrays.push(json!({
                "name": arr.name,
                "maxCount": arr.max_count,
                "maxCoreCount": arr.max_core_count,
                "nodearray": self.nodearray_record(def, arr),
                "buckets": buckets,
            }));
        }
        let mut status = serde_json::Map::new();
        if !def.state.is_empty() {
            status.insert("state".into(), json!(def.state));
            status.insert("targetState".into(), json!(def.state));
        }
        status.insert("maxCount".into(), json!(def.max_count));
        status.insert("maxCoreCount".into(), json!(def.max_core_count));
        status.insert("nodearrays".into(), Value::Array(arrays));
        let mut body = serde_json::to_vec(&Value::Object(status))
            .map_err(|e| crate::error::ApiError::internal(e.to_string()))?;
        if with_nodes {
            // Splice the node records in without building a JSON tree for them.
            let nodes = cluster.nodes.values().filter(|n| {
                n.is_active() && n.array.as_ref().is_some_and(|a| def.array(a).is_some())
            });
            body.pop();
            body.extend_from_slice(b",\"nodes\":");
            body.extend_from_slice(&self.records_json(def, nodes));
            body.push(b'}');
        }
        Ok(body)
    }
}

/// A stable UUID-shaped id for a bucket (FNV-1a over its identity), so ids survive restarts.
pub fn bucket_id(cluster: &str, array: &str, machine_type: &str) -> String {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in format!(
        "{cluster}\u{0}{array}\u{0}{}",
        machine_type.to_ascii_lowercase()
    )
    .bytes()
    {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    let hex = format!("{h:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
