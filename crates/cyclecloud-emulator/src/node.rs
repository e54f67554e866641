//! Node records: what the emulator stores per node and how it renders the CycleCloud record.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::catalog::MachineType;
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
    /// A node that has never run: `Off`, no target state, no VM, a fresh NodeId.
    pub fn new(name: String, array: Option<String>, machine_type: String) -> Node {
        Node {
            seq: 0,
            name,
            node_id: uuid::Uuid::new_v4().to_string(),
            array,
            machine_type,
            status: Status::Off,
            target: None,
            state: None,
            status_message: None,
            phase_end: None,
            remove_when_terminated: false,
            instance_id: None,
            private_ip: None,
            hostname: None,
            keep_alive: false,
            fixed: false,
            placement_group: None,
            request_id: None,
            launch_time: None,
            configuration: Map::new(),
            attributes: Map::new(),
            billing: None,
        }
    }

    /// The template name (`Template`).
    pub fn template(&self) -> &str {
        self.array.as_deref().unwrap_or(&self.name)
    }

    /// Whether the node counts as active: an array node heading for `Started`.
    pub fn is_active(&self) -> bool {
        self.array.is_some() && self.target == Some(Target::Started)
    }

    /// The node's `ShutdownPolicy`: a valid `nodeAttributes` value wins over the template's.
    pub fn shutdown_policy<'a>(&'a self, tpl: Option<&TemplateView<'a>>) -> Option<&'a str> {
        self.attributes
            .get("ShutdownPolicy")
            .and_then(Value::as_str)
            .filter(|p| ["Terminate", "Deallocate"].contains(p))
            .or(tpl.map(|t| t.shutdown_policy))
    }

    /// The effective configuration (template merged with the node's overrides).
    pub fn effective_configuration(&self, tpl: Option<&TemplateView<'_>>) -> Map<String, Value> {
        let mut cfg = tpl.map(|t| t.configuration.clone()).unwrap_or_default();
        deep_merge(&mut cfg, &self.configuration);
        cfg
    }

    /// A serializable view of the CycleCloud node record (PascalCase attributes, null where
    /// unknown). Borrowing avoids building a JSON tree per node when large lists are rendered.
    pub fn view<'a>(
        &'a self,
        cluster: &'a str,
        tpl: Option<&'a TemplateView<'a>>,
        machine: Option<&MachineType>,
    ) -> NodeRecord<'a> {
        let configuration = match tpl {
            Some(t) if self.configuration.is_empty() => Cow::Borrowed(t.configuration),
            _ => Cow::Owned(self.effective_configuration(tpl)),
        };
        NodeRecord {
            name: &self.name,
            node_id: &self.node_id,
            cluster_name: cluster,
            template: self.template(),
            machine_type: &self.machine_type,
            status: self.status.as_str(),
            target_state: self.target.map(Target::as_str),
            state: self.state.as_deref(),
            status_message: self.status_message.as_deref(),
            hostname: self.hostname.as_deref(),
            private_ip: self.private_ip.as_deref(),
            instance_id: self.instance_id.as_deref(),
            instance: InstanceRef {
                instance_id: self.instance_id.as_deref(),
                private_ip: self.private_ip.as_deref(),
                hostname: self.hostname.as_deref(),
            },
            region: tpl.map(|t| t.region.as_str()),
            subnet_id: tpl.map(|t| t.subnet_id.as_str()),
            shutdown_policy: self.shutdown_policy(tpl),
            azure: tpl.and_then(|t| t.max_scaleset_size).map(|s| AzureRef {
                max_scaleset_size: s,
            }),
            keep_alive: self.keep_alive,
            fixed: self.fixed,
            interruptible: tpl.is_some_and(|t| t.interruptible),
            placement_group_id: self.placement_group.as_deref(),
            core_count: machine.map_or(0, |m| m.vcpu_count),
            memory: machine.map_or(0.0, |m| m.memory_gb),
            infiniband: machine.is_some_and(|m| m.infiniband),
            request_id: self.request_id.as_deref(),
            launch_time: self.launch_time.map(|t| t.floor() as i64),
            extra: Extra {
                template: tpl.map(|t| t.attributes),
                node: &self.attributes,
            },
            configuration,
        }
    }
}

/// The node record as serialized; see [`Node::view`].
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NodeRecord<'a> {
    name: &'a str,
    node_id: &'a str,
    cluster_name: &'a str,
    template: &'a str,
    machine_type: &'a str,
    status: &'static str,
    target_state: Option<&'static str>,
    state: Option<&'a str>,
    status_message: Option<&'a str>,
    hostname: Option<&'a str>,
    private_ip: Option<&'a str>,
    instance_id: Option<&'a str>,
    instance: InstanceRef<'a>,
    region: Option<&'a str>,
    subnet_id: Option<&'a str>,
    shutdown_policy: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    azure: Option<AzureRef>,
    keep_alive: bool,
    fixed: bool,
    interruptible: bool,
    placement_group_id: Option<&'a str>,
    core_count: i64,
    memory: f64,
    infiniband: bool,
    request_id: Option<&'a str>,
    launch_time: Option<i64>,
    #[serde(flatten)]
    extra: Extra<'a>,
    configuration: Cow<'a, Map<String, Value>>,
}

/// Keys of [`NodeRecord`]; template and node attributes never override them.
const RECORD_KEYS: &[&str] = &[
    "Name",
    "NodeId",
    "ClusterName",
    "Template",
    "MachineType",
    "Status",
    "TargetState",
    "State",
    "StatusMessage",
    "Hostname",
    "PrivateIp",
    "InstanceId",
    "Instance",
    "Region",
    "SubnetId",
    "ShutdownPolicy",
    "Azure",
    "KeepAlive",
    "Fixed",
    "Interruptible",
    "PlacementGroupId",
    "CoreCount",
    "Memory",
    "Infiniband",
    "RequestId",
    "LaunchTime",
    "Configuration",
];

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceRef<'a> {
    instance_id: Option<&'a str>,
    private_ip: Option<&'a str>,
    hostname: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct AzureRef {
    #[serde(rename = "MaxScalesetSize")]
    max_scaleset_size: i64,
}

/// Template attributes, then the node's own ones (which win), minus the fixed keys.
#[derive(Debug)]
struct Extra<'a> {
    template: Option<&'a Map<String, Value>>,
    node: &'a Map<String, Value>,
}

impl Serialize for Extra<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        for (k, v) in self.template.into_iter().flatten() {
            if !RECORD_KEYS.contains(&k.as_str()) && !self.node.contains_key(k) {
                map.serialize_entry(k, v)?;
            }
        }
        for (k, v) in self.node {
            if !RECORD_KEYS.contains(&k.as_str()) {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
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
        use serde_json::json;
        let mut a = json!({"slurm": {"role": "x", "p": 1}, "k": 1});
        let b = json!({"slurm": {"role": "y"}, "k": {"n": 2}});
        if let (Value::Object(a), Value::Object(b)) = (&mut a, &b) {
            deep_merge(a, b);
        }
        assert_eq!(a, json!({"slurm": {"role": "y", "p": 1}, "k": {"n": 2}}));
    }
}
