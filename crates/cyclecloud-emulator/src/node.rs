//! Node records: what the emulator stores per node and how it renders the CycleCloud record.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::clock::Seconds;
use crate::definition::ClusterDef;

/// Coarse node status (`Status` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// No VM.
    Off,
    /// A VM has been requested.
    Acquiring,
    /// The VM exists and is being configured (billing has started).
    Preparing,
    /// Up and usable.
    Ready,
    /// Deallocation in progress.
    Stopping,
    /// The VM is deallocated; the node keeps its identity.
    Deallocated,
    /// Termination in progress.
    Terminating,
    /// An orchestration phase failed.
    Failed,
}

impl Status {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Off => "Off",
            Status::Acquiring => "Acquiring",
            Status::Preparing => "Preparing",
            Status::Ready => "Ready",
            Status::Stopping => "Stopping",
            Status::Deallocated => "Deallocated",
            Status::Terminating => "Terminating",
            Status::Failed => "Failed",
        }
    }

    /// Whether a VM is billed in this status.
    pub fn has_vm(self) -> bool {
        matches!(self, Status::Preparing | Status::Ready)
    }
}

/// What the node is heading for (`TargetState` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    /// Running.
    Started,
    /// Terminated (and removed, for non-fixed array nodes).
    Terminated,
    /// Deallocated.
    Deallocated,
}

impl Target {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Started => "Started",
            Target::Terminated => "Terminated",
            Target::Deallocated => "Deallocated",
        }
    }
}

/// One node of a cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Node {
    /// Insertion order within the cluster.
    pub seq: u64,
    /// `Name`.
    pub name: String,
    /// `NodeId`, unique and immutable for the record's life.
    pub node_id: String,
    /// The array name for array nodes, `None` for standalone nodes.
    pub array: Option<String>,
    /// `MachineType`.
    pub machine_type: String,
    /// `Status`.
    pub status: Status,
    /// `TargetState`; `None` for nodes created with `StartAutomatically: false`.
    pub target: Option<Target>,
    /// `State`; `None` until first started.
    pub state: Option<String>,
    /// `StatusMessage`.
    pub status_message: Option<String>,
    /// When the current transitional phase ends (emulated time).
    pub phase_end: Option<Seconds>,
    /// Delete the record once termination completes (`remove`).
    pub remove_when_terminated: bool,
    /// `InstanceId`.
    pub instance_id: Option<String>,
    /// `PrivateIp`.
    pub private_ip: Option<String>,
    /// `Hostname`.
    pub hostname: Option<String>,
    /// `KeepAlive`.
    pub keep_alive: bool,
    /// `Fixed`.
    pub fixed: bool,
    /// `PlacementGroupId`.
    pub placement_group: Option<String>,
    /// `RequestId` of the create call.
    pub request_id: Option<String>,
    /// `LaunchTime` of the current VM.
    pub launch_time: Option<Seconds>,
    /// Per-node configuration overrides, merged over the template's.
    pub configuration: Map<String, Value>,
    /// Per-node extra attributes (from `nodeAttributes`).
    pub attributes: Map<String, Value>,
    /// Index of the open usage segment while the VM is billed.
    pub billing: Option<usize>,
}

/// Attributes that the server owns: `nodeAttributes` cannot set them.
pub const SERVER_OWNED: &[&str] = &[
    "Name",
    "NodeId",
    "ClusterName",
    "Template",
    "MachineType",
    "Status",
    "TargetState",
    "State",
    "StatusMessage",
    "InstanceId",
    "PrivateIp",
    "Hostname",
    "Instance",
    "IsArray",
];

/// Merges `over` into `base` recursively (objects merge, everything else replaces).
pub fn deep_merge(base: &mut Map<String, Value>, over: &Map<String, Value>) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(Value::Object(b)), Value::Object(o)) => deep_merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The facts of a node's template (its array or standalone definition) used in its record.
pub struct TemplateView<'a> {
    /// Region.
    pub region: String,
    /// Subnet.
    pub subnet_id: String,
    /// Spot.
    pub interruptible: bool,
    /// Shutdown policy.
    pub shutdown_policy: &'a str,
    /// Template configuration.
    pub configuration: &'a Map<String, Value>,
    /// Template attributes.
    pub attributes: &'a Map<String, Value>,
    /// `Azure.MaxScalesetSize` for arrays.
    pub max_scaleset_size: Option<i64>,
}

impl<'a> TemplateView<'a> {
    /// The template of `node` in `cluster`, if it still exists.
    pub fn of(cluster: &'a ClusterDef, node: &Node) -> Option<TemplateView<'a>> {
        match &node.array {
            Some(a) => cluster.array(a).map(|a| TemplateView {
                region: cluster.region_of(a.region.as_ref()),
                subnet_id: cluster.subnet_of(a.subnet_id.as_ref()),
                interruptible: a.interruptible,
                shutdown_policy: &a.shutdown_policy,
                configuration: &a.configuration,
                attributes: &a.attributes,
                max_scaleset_size: Some(a.max_scaleset_size),
            }),
            None => cluster.standalone(&node.name).map(|n| TemplateView {
                region: cluster.region_of(n.region.as_ref()),
                subnet_id: cluster.subnet_of(n.subnet_id.as_ref()),
                interruptible: false,
                shutdown_policy: &n.shutdown_policy,
                configuration: &n.configuration,
                attributes: &n.attributes,
                max_scaleset_size: None,
            }),
        }
    }
}

impl Node {
    /// The template name (`Template`).
    pub fn template(&self) -> &str {
        self.array.as_deref().unwrap_or(&self.name)
    }

    /// Whether the node counts as active: an array node heading for `Started`.
    pub fn is_active(&self) -> bool {
        self.array.is_some() && self.target == Some(Target::Started)
    }

    /// The effective configuration (template merged with the node's overrides).
    pub fn effective_configuration(&self, tpl: Option<&TemplateView<'_>>) -> Map<String, Value> {
        let mut cfg = tpl.map(|t| t.configuration.clone()).unwrap_or_default();
        deep_merge(&mut cfg, &self.configuration);
        cfg
    }

    /// Renders the CycleCloud node record (PascalCase attributes, null where unknown).
    pub fn record(
        &self,
        cluster: &ClusterDef,
        vcpu_count: i64,
        memory_gb: f64,
        infiniband: bool,
    ) -> Value {
        let tpl = TemplateView::of(cluster, self);
        let mut r = Map::new();
        r.insert("Name".into(), json!(self.name));
        r.insert("NodeId".into(), json!(self.node_id));
        r.insert("ClusterName".into(), json!(cluster.name));
        r.insert("Template".into(), json!(self.template()));
        r.insert("MachineType".into(), json!(self.machine_type));
        r.insert("Status".into(), json!(self.status.as_str()));
        r.insert(
            "TargetState".into(),
            self.target.map_or(Value::Null, |t| json!(t.as_str())),
        );
        r.insert("State".into(), json!(self.state));
        r.insert("StatusMessage".into(), json!(self.status_message));
        r.insert("Hostname".into(), json!(self.hostname));
        r.insert("PrivateIp".into(), json!(self.private_ip));
        r.insert("InstanceId".into(), json!(self.instance_id));
        r.insert(
            "Instance".into(),
            json!({"InstanceId": self.instance_id, "PrivateIp": self.private_ip, "Hostname": self.hostname}),
        );
        if let Some(t) = &tpl {
            r.insert("Region".into(), json!(t.region));
            r.insert("SubnetId".into(), json!(t.subnet_id));
            r.insert("ShutdownPolicy".into(), json!(t.shutdown_policy));
            if let Some(size) = t.max_scaleset_size {
                r.insert("Azure".into(), json!({ "MaxScalesetSize": size }));
            }
        }
        r.insert("KeepAlive".into(), json!(self.keep_alive));
        r.insert("Fixed".into(), json!(self.fixed));
        r.insert(
            "Interruptible".into(),
            json!(tpl.as_ref().is_some_and(|t| t.interruptible)),
        );
        r.insert("PlacementGroupId".into(), json!(self.placement_group));
        r.insert("CoreCount".into(), json!(vcpu_count));
        r.insert("Memory".into(), json!(memory_gb));
        r.insert("Infiniband".into(), json!(infiniband));
        r.insert("RequestId".into(), json!(self.request_id));
        r.insert(
            "LaunchTime".into(),
            self.launch_time
                .map_or(Value::Null, |t| json!(t.floor() as i64)),
        );
        if let Some(t) = &tpl {
            for (k, v) in t.attributes {
                if !r.contains_key(k) {
                    r.insert(k.clone(), v.clone());
                }
            }
        }
        for (k, v) in &self.attributes {
            r.insert(k.clone(), v.clone());
        }
        r.insert(
            "Configuration".into(),
            Value::Object(self.effective_configuration(tpl.as_ref())),
        );
        Value::Object(r)
    }
}

/// `Configuration.cyclecloud.hosts.standalone_dns.enabled`, which defaults to true.
pub fn standalone_dns(cfg: &Map<String, Value>) -> bool {
    cfg.get("cyclecloud")
        .and_then(|v| v.get("hosts"))
        .and_then(|v| v.get("standalone_dns"))
        .and_then(|v| v.get("enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(true)
}

/// The hostname CycleCloud gives a node with standalone DNS: `ip-` and the IPv4 address in hex.
pub fn hostname_for_ip(ip: u32) -> String {
    format!("ip-{ip:08X}")
}

/// Dotted form of an IPv4 address held as a `u32`.
pub fn dotted(ip: u32) -> String {
    std::net::Ipv4Addr::from(ip).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_follow_the_standalone_dns_rule() {
        let ip = u32::from(std::net::Ipv4Addr::new(10, 1, 0, 5));
        assert_eq!(hostname_for_ip(ip), "ip-0A010005");
        assert_eq!(dotted(ip), "10.1.0.5");
    }

    #[test]
    fn deep_merge_merges_objects_and_replaces_scalars() {
        let mut a = json!({"slurm": {"role": "x", "p": 1}, "k": 1});
        let b = json!({"slurm": {"role": "y"}, "k": {"n": 2}});
        if let (Value::Object(a), Value::Object(b)) = (&mut a, &b) {
            deep_merge(a, b);
        }
        assert_eq!(a, json!({"slurm": {"role": "y", "p": 1}, "k": {"n": 2}}));
    }
}
