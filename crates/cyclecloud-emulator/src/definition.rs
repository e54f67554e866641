//! Cluster definitions: the TOML file format that describes clusters, node arrays, standalone
//! nodes, quotas and custom machine types (documented in `docs/emulator.md`).
//!
//! Parsing is strict: an unknown key, an unknown machine type or a duplicate name is an error
//! that names the place, so a typo never silently changes the emulated limits.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::catalog::{self, MachineType};

/// The definition served when no file is given: the `demo` cluster.
pub const DEMO: &str = include_str!("../clusters/demo.toml");

/// Default region of clusters and arrays that name none.
pub const DEFAULT_REGION: &str = "southcentralus";

/// A problem with a cluster definition.
#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    /// The text is not valid TOML or does not match the format.
    #[error("invalid cluster definition: {0}")]
    Syntax(String),
    /// The definition is well-formed but inconsistent.
    #[error("invalid cluster definition: {0}")]
    Invalid(String),
}

/// A whole definition file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Machine types beyond the built-in catalogue.
    #[serde(default, rename = "machine_type")]
    pub machine_types: Vec<CustomMachineType>,
    /// Quotas per region.
    #[serde(default)]
    pub quotas: BTreeMap<String, RegionQuota>,
    /// The clusters.
    #[serde(default, rename = "cluster")]
    pub clusters: Vec<ClusterDef>,
}

/// A machine type that is not in the built-in catalogue (or overrides one).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomMachineType {
    /// Size name.
    pub name: String,
    /// Quota family.
    pub family: String,
    /// Usable vCPUs.
    pub vcpu_count: i64,
    /// vCPUs charged to quota. Defaults to `vcpu_count`.
    pub vcpu_quota_count: Option<i64>,
    /// Physical cores. Defaults to `vcpu_count`.
    pub pcpu_count: Option<i64>,
    /// Memory in GiB.
    pub memory_gb: f64,
    /// GPUs. Defaults to 0.
    #[serde(default)]
    pub gpu_count: i64,
    /// InfiniBand capable. Defaults to false.
    #[serde(default)]
    pub infiniband: bool,
    /// USD per hour, used by the usage endpoint's `cost`.
    pub hourly_price: Option<f64>,
}

/// Quotas of one region, shared by every cluster in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionQuota {
    /// Regional vCPU quota for regular VMs. Defaults to 100000.
    #[serde(default = "big_quota")]
    pub regional_cores: i64,
    /// Regular vCPUs in use outside the emulated clusters. Defaults to 0.
    #[serde(default)]
    pub regional_consumed: i64,
    /// Regional vCPU quota for spot VMs. Defaults to 100000.
    #[serde(default = "big_quota")]
    pub spot_cores: i64,
    /// Spot vCPUs in use outside the emulated clusters. Defaults to 0.
    #[serde(default)]
    pub spot_consumed: i64,
    /// Per-family quotas; a family not listed gets the regional quota.
    #[serde(default)]
    pub families: BTreeMap<String, FamilyQuota>,
}

impl Default for RegionQuota {
    fn default() -> Self {
        RegionQuota {
            regional_cores: big_quota(),
            regional_consumed: 0,
            spot_cores: big_quota(),
            spot_consumed: 0,
            families: BTreeMap::new(),
        }
    }
}

/// Quota of one VM family in one region.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyQuota {
    /// vCPU quota of the family.
    pub cores: i64,
    /// vCPUs of the family in use outside the emulated clusters. Defaults to 0.
    #[serde(default)]
    pub consumed: i64,
}

/// The largest count, core count or quota a definition may give: large enough for any real
/// subscription, small enough that no product or sum of them can overflow.
pub const MAX_LIMIT: i64 = 1_000_000_000;

/// The most vCPUs, physical cores or GPUs a custom machine type may have.
pub const MAX_VCPUS: i64 = 100_000;

fn in_range(what: &str, key: &str, value: i64, min: i64, max: i64) -> Result<(), DefinitionError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(DefinitionError::Invalid(format!(
            "{what}: {key} = {value} is out of range (it must be between {min} and {max})"
        )))
    }
}

fn big_quota() -> i64 {
    100_000
}
fn default_cluster_max_count() -> i64 {
    100_000
}
fn default_max_core_count() -> i64 {
    1_000_000
}
fn default_scaleset_size() -> i64 {
    40
}
fn default_true() -> bool {
    true
}
fn default_priority() -> i64 {
    1
}
fn default_shutdown_policy() -> String {
    "Terminate".to_string()
}

/// One cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterDef {
    /// Cluster name.
    pub name: String,
    /// Cluster-wide node limit. Defaults to 100000.
    #[serde(default = "default_cluster_max_count")]
    pub max_count: i64,
    /// Cluster-wide core limit. Defaults to 1000000.
    #[serde(default = "default_max_core_count")]
    pub max_core_count: i64,
    /// Cluster state: `Started` (default), `Terminated`, or `""` for a cluster never started.
    #[serde(default = "started")]
    pub state: String,
    /// Default region of the arrays and nodes. Defaults to `southcentralus`.
    pub region: Option<String>,
    /// Default subnet of the arrays and nodes.
    pub subnet_id: Option<String>,
    /// Node arrays.
    #[serde(default, rename = "nodearray")]
    pub nodearrays: Vec<NodeArrayDef>,
    /// Standalone nodes (a scheduler, a login node, …).
    #[serde(default, rename = "node")]
    pub nodes: Vec<StandaloneDef>,
}

fn started() -> String {
    "Started".to_string()
}

/// One node array.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeArrayDef {
    /// Array name (also the `Template` of its nodes).
    pub name: String,
    /// Machine types in priority order; one bucket each.
    pub machine_types: Vec<String>,
    /// Node limit of the array. Defaults to 100000.
    #[serde(default = "default_cluster_max_count")]
    pub max_count: i64,
    /// Core limit of the array. Defaults to 1000000.
    #[serde(default = "default_max_core_count")]
    pub max_core_count: i64,
    /// `Azure.MaxScalesetSize`: the largest placement group. Defaults to 40.
    #[serde(default = "default_scaleset_size")]
    pub max_scaleset_size: i64,
    /// Spot VMs. Defaults to false.
    #[serde(default)]
    pub interruptible: bool,
    /// Region; defaults to the cluster's.
    pub region: Option<String>,
    /// Subnet; defaults to the cluster's.
    pub subnet_id: Option<String>,
    /// `Terminate` (default) or `Deallocate`: what `shutdown` does.
    #[serde(default = "default_shutdown_policy")]
    pub shutdown_policy: String,
    /// Nodes of this array get `KeepAlive`. Defaults to false.
    #[serde(default)]
    pub keep_alive: bool,
    /// Report no availability for `throttle_capacity_seconds` after a capacity failure.
    #[serde(default)]
    pub throttle_capacity: bool,
    /// Seconds of throttling after a capacity failure. Defaults to 300.
    pub throttle_capacity_seconds: Option<f64>,
    /// Placement group every node of the array joins, if any.
    pub placement_group_id: Option<String>,
    /// Machine types whose buckets are reported invalid (`DisabledMachineType`).
    #[serde(default)]
    pub disabled_machine_types: Vec<String>,
    /// False: the array was added to a running cluster and is not activated yet (`NotActivated`).
    #[serde(default = "default_true")]
    pub activated: bool,
    /// Array priority. Defaults to 1.
    #[serde(default = "default_priority")]
    pub priority: i64,
    /// The array's `[[[configuration]]]`, merged into every node's `Configuration`.
    #[serde(default)]
    pub configuration: Map<String, Value>,
    /// Any other node attributes (PascalCase), copied into each node record.
    #[serde(default)]
    pub attributes: Map<String, Value>,
}

/// A standalone (non-array) node.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandaloneDef {
    /// Node name (also its `Template`).
    pub name: String,
    /// Machine type.
    pub machine_type: String,
    /// Whether the node is running when the definition is loaded. Defaults to true.
    #[serde(default = "default_true")]
    pub started: bool,
    /// Region; defaults to the cluster's.
    pub region: Option<String>,
    /// Subnet; defaults to the cluster's.
    pub subnet_id: Option<String>,
    /// `Terminate` (default) or `Deallocate`.
    #[serde(default = "default_shutdown_policy")]
    pub shutdown_policy: String,
    /// `KeepAlive`. Defaults to false.
    #[serde(default)]
    pub keep_alive: bool,
    /// The node's configuration.
    #[serde(default)]
    pub configuration: Map<String, Value>,
    /// Any other node attributes.
    #[serde(default)]
    pub attributes: Map<String, Value>,
}

impl ClusterDef {
    /// Region of an array or node that may name its own.
    pub fn region_of(&self, own: Option<&String>) -> String {
        own.or(self.region.as_ref())
            .cloned()
            .unwrap_or_else(|| DEFAULT_REGION.to_string())
    }

    /// Subnet of an array or node that may name its own.
    pub fn subnet_of(&self, own: Option<&String>) -> String {
        own.or(self.subnet_id.as_ref()).cloned().unwrap_or_else(|| {
            format!(
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/{}/providers/Microsoft.Network/virtualNetworks/emulator/subnets/default",
                self.name
            )
        })
    }

    /// Finds an array by name.
    pub fn array(&self, name: &str) -> Option<&NodeArrayDef> {
        self.nodearrays.iter().find(|a| a.name == name)
    }

    /// Finds a standalone node definition by name.
    pub fn standalone(&self, name: &str) -> Option<&StandaloneDef> {
        self.nodes.iter().find(|n| n.name == name)
    }
}

impl Definition {
    /// Parses and validates a definition.
    pub fn parse(text: &str) -> Result<Definition, DefinitionError> {
        let def: Definition =
            toml::from_str(text).map_err(|e| DefinitionError::Syntax(e.to_string()))?;
        def.validate()?;
        Ok(def)
    }

    /// The built-in demo definition.
    pub fn demo() -> Definition {
        // The demo file ships with the crate and is covered by a test, so failing here is a
        // build defect, not bad input.
        Definition::parse(DEMO).unwrap_or_default()
    }

    /// Custom machine types keyed by lower-case name.
    pub fn custom_types(&self) -> HashMap<String, MachineType> {
        self.machine_types
            .iter()
            .map(|c| {
                (
                    c.name.to_ascii_lowercase(),
                    MachineType {
                        name: c.name.clone(),
                        family: c.family.clone(),
                        vcpu_count: c.vcpu_count,
                        vcpu_quota_count: c.vcpu_quota_count.unwrap_or(c.vcpu_count),
                        pcpu_count: c.pcpu_count.unwrap_or(c.vcpu_count),
                        memory_gb: c.memory_gb,
                        gpu_count: c.gpu_count,
                        infiniband: c.infiniband,
                        hourly_price: c.hourly_price,
                    },
                )
            })
            .collect()
    }

    /// Runs the validation of [`Definition::parse`] on a definition built in code (an
    /// imported cluster template).
    pub(crate) fn check(&self) -> Result<(), DefinitionError> {
        self.validate()
    }

    fn validate(&self) -> Result<(), DefinitionError> {
        let bad = |m: String| Err(DefinitionError::Invalid(m));
        let custom = self.custom_types();
        for m in &self.machine_types {
            if m.vcpu_count < 1 || m.vcpu_quota_count.is_some_and(|q| q < m.vcpu_count) {
                return bad(format!(
                    "machine type {}: vcpu_count must be at least 1 and vcpu_quota_count at least vcpu_count",
                    m.name
                ));
            }
            let what = format!("machine type {}", m.name);
            in_range(&what, "vcpu_count", m.vcpu_count, 1, MAX_VCPUS)?;
            in_range(
                &what,
                "vcpu_quota_count",
                m.vcpu_quota_count.unwrap_or(1),
                1,
                MAX_VCPUS,
            )?;
            in_range(&what, "pcpu_count", m.pcpu_count.unwrap_or(1), 1, MAX_VCPUS)?;
            in_range(&what, "gpu_count", m.gpu_count, 0, MAX_VCPUS)?;
            let prices = [Some(m.memory_gb), m.hourly_price];
            if prices.iter().flatten().any(|x| !x.is_finite() || *x < 0.0) {
                return bad(format!(
                    "{what}: memory_gb and hourly_price must be non-negative numbers"
                ));
            }
        }
        for (region, q) in &self.quotas {
            let what = format!("quotas.{region}");
            in_range(&what, "regional_cores", q.regional_cores, 0, MAX_LIMIT)?;
            in_range(
                &what,
                "regional_consumed",
                q.regional_consumed,
                0,
                MAX_LIMIT,
            )?;
            in_range(&what, "spot_cores", q.spot_cores, 0, MAX_LIMIT)?;
            in_range(&what, "spot_consumed", q.spot_consumed, 0, MAX_LIMIT)?;
            for (family, f) in &q.families {
                let what = format!("quotas.{region}.families.{family}");
                in_range(&what, "cores", f.cores, 0, MAX_LIMIT)?;
                in_range(&what, "consumed", f.consumed, 0, MAX_LIMIT)?;
            }
        }
        for c in &self.clusters {
            let what = format!("cluster {}", c.name);
            in_range(&what, "max_count", c.max_count, 0, MAX_LIMIT)?;
            in_range(&what, "max_core_count", c.max_core_count, 0, MAX_LIMIT)?;
            for a in &c.nodearrays {
                let what = format!("cluster {}, nodearray {}", c.name, a.name);
                in_range(&what, "max_count", a.max_count, 0, MAX_LIMIT)?;
                in_range(&what, "max_core_count", a.max_core_count, 0, MAX_LIMIT)?;
                in_range(&what, "priority", a.priority, 0, MAX_LIMIT)?;
                let t = a.throttle_capacity_seconds.unwrap_or(0.0);
                if !t.is_finite() || t < 0.0 {
                    return bad(format!(
                        "{what}: throttle_capacity_seconds must be a non-negative number"
                    ));
                }
            }
        }
        let known = |name: &str| {
            custom.contains_key(&name.to_ascii_lowercase())
                || catalog::lookup_builtin(name).is_some()
        };
        let mut cluster_names = HashSet::new();
        for c in &self.clusters {
            if c.name.is_empty() || c.name.contains('/') {
                return bad(format!("cluster name {:?} is not allowed", c.name));
            }
            if !cluster_names.insert(c.name.as_str()) {
                return bad(format!("cluster {} is defined twice", c.name));
            }
            if !["Started", "Terminated", ""].contains(&c.state.as_str()) {
                return bad(format!(
                    "cluster {}: state must be \"Started\", \"Terminated\" or \"\", not {:?}",
                    c.name, c.state
                ));
            }
            let mut templates = HashSet::new();
            for a in &c.nodearrays {
                if !templates.insert(a.name.as_str()) {
                    return bad(format!("cluster {}: {} is defined twice", c.name, a.name));
                }
                if a.machine_types.is_empty() {
                    return bad(format!(
                        "cluster {}, nodearray {}: machine_types is empty",
                        c.name, a.name
                    ));
                }
                for mt in a.machine_types.iter().chain(&a.disabled_machine_types) {
                    if !known(mt) {
                        return bad(format!(
                            "cluster {}, nodearray {}: machine type {mt} is not in the catalogue; add a [[machine_type]] entry for it",
                            c.name, a.name
                        ));
                    }
                }
                if a.max_count < 0
                    || a.max_core_count < 0
                    || !(1..=1_000_000).contains(&a.max_scaleset_size)
                {
                    return bad(format!(
                        "cluster {}, nodearray {}: limits must not be negative and max_scaleset_size must be between 1 and 1000000",
                        c.name, a.name
                    ));
                }
                if !["Terminate", "Deallocate"].contains(&a.shutdown_policy.as_str()) {
                    return bad(format!(
                        "cluster {}, nodearray {}: shutdown_policy must be \"Terminate\" or \"Deallocate\"",
                        c.name, a.name
                    ));
                }
            }
            for n in &c.nodes {
                if !templates.insert(n.name.as_str()) {
                    return bad(format!("cluster {}: {} is defined twice", c.name, n.name));
                }
                if !known(&n.machine_type) {
                    return bad(format!(
                        "cluster {}, node {}: machine type {} is not in the catalogue; add a [[machine_type]] entry for it",
                        c.name, n.name, n.machine_type
                    ));
                }
                if !["Terminate", "Deallocate"].contains(&n.shutdown_policy.as_str()) {
                    return bad(format!(
                        "cluster {}, node {}: shutdown_policy must be \"Terminate\" or \"Deallocate\"",
                        c.name, n.name
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_definition_parses_and_has_the_promised_shape() {
        let d = Definition::parse(DEMO).expect("demo parses");
        let demo = &d.clusters[0];
        assert_eq!(demo.name, "demo");
        let arrays: Vec<_> = demo.nodearrays.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(arrays, ["htc", "hpc", "spot", "gpu"]);
        assert!(demo.array("spot").is_some_and(|a| a.interruptible));
        assert!(demo.standalone("scheduler").is_some());
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_name() {
        let err = Definition::parse("[[cluster]]\nname = \"a\"\nmax_cont = 3\n").unwrap_err();
        assert!(err.to_string().contains("max_cont"), "{err}");
    }

    #[test]
    fn unknown_machine_types_are_rejected() {
        let err = Definition::parse(
            "[[cluster]]\nname = \"a\"\n[[cluster.nodearray]]\nname = \"x\"\nmachine_types = [\"Standard_Nope\"]\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("Standard_Nope"), "{err}");
    }

    #[test]
    fn numbers_out_of_range_are_rejected_with_their_place() {
        let err = Definition::parse(
            "[quotas.westus]\nregional_cores = 9223372036854775807\nregional_consumed = -1\n",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid cluster definition: quotas.westus: regional_cores = 9223372036854775807 is out of range (it must be between 0 and 1000000000)"
        );
        let err = Definition::parse("[[cluster]]\nname = \"a\"\nmax_count = -5\n").unwrap_err();
        assert!(
            err.to_string().contains("cluster a: max_count = -5"),
            "{err}"
        );
    }

    #[test]
    fn custom_machine_types_are_accepted() {
        let d = Definition::parse(
            "[[machine_type]]\nname = \"Standard_HC44rs\"\nfamily = \"standardHCSFamily\"\nvcpu_count = 44\nmemory_gb = 327.83\ninfiniband = true\n\
             [[cluster]]\nname = \"a\"\n[[cluster.nodearray]]\nname = \"x\"\nmachine_types = [\"Standard_HC44rs\"]\n",
        )
        .expect("valid");
        assert_eq!(d.custom_types()["standard_hc44rs"].vcpu_quota_count, 44);
    }
}
