//! The VM size catalogue: the facts about Azure machine types that bucket arithmetic needs.
//!
//! The built-in facts live in `data/vm-sizes.txt` (one size per line) and are parsed once.
//! Cluster definitions may add custom machine types on top of them.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// What the emulator knows about one machine type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineType {
    /// Azure size name, e.g. `Standard_F4s_v2`.
    pub name: String,
    /// Quota family, e.g. `standardFSv2Family`.
    pub family: String,
    /// vCPUs usable by the guest (`vcpuCount`).
    pub vcpu_count: i64,
    /// vCPUs charged to quota (`vcpuQuotaCount`); larger than `vcpu_count` for constrained-core sizes.
    pub vcpu_quota_count: i64,
    /// Physical cores (`pcpuCount`).
    pub pcpu_count: i64,
    /// Memory in GiB.
    pub memory_gb: f64,
    /// GPU count.
    pub gpu_count: i64,
    /// RDMA / InfiniBand capable.
    pub infiniband: bool,
    /// Retail price in USD per hour, when known (only custom types carry one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hourly_price: Option<f64>,
}

const BUILTIN: &str = include_str!("../data/vm-sizes.txt");

fn builtin() -> &'static HashMap<String, MachineType> {
    static TABLE: OnceLock<HashMap<String, MachineType>> = OnceLock::new();
    TABLE.get_or_init(|| {
        BUILTIN
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(parse_line)
            .map(|m| (m.name.to_ascii_lowercase(), m))
            .collect()
    })
}

fn parse_line(line: &str) -> Option<MachineType> {
    let f: Vec<&str> = line.split('|').map(str::trim).collect();
    if f.len() != 8 {
        return None;
    }
    let quota: i64 = f[2].parse().ok()?;
    let usable: i64 = f[3].parse().ok()?;
    let per_core: i64 = f[4].parse::<i64>().ok()?.max(1);
    Some(MachineType {
        name: f[0].to_string(),
        family: f[1].to_string(),
        vcpu_count: usable,
        vcpu_quota_count: quota,
        pcpu_count: (usable / per_core).max(1),
        memory_gb: f[5].parse().ok()?,
        gpu_count: f[6].parse().ok()?,
        infiniband: f[7].split(',').any(|x| x == "ib"),
        hourly_price: None,
    })
}

/// Looks a machine type up among the built-in sizes (case-insensitive, like Azure).
pub fn lookup_builtin(name: &str) -> Option<&'static MachineType> {
    builtin().get(&name.to_ascii_lowercase())
}

/// Number of built-in sizes.
pub fn builtin_count() -> usize {
    builtin().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_the_data_file_parses() {
        let lines = BUILTIN
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(builtin_count(), lines);
        assert!(lines > 200);
    }

    #[test]
    fn constrained_core_sizes_charge_more_quota_than_they_expose() {
        let m = lookup_builtin("standard_ds11-1_v2").expect("known size");
        assert_eq!((m.vcpu_count, m.vcpu_quota_count), (1, 2));
    }

    #[test]
    fn infiniband_and_gpu_facts_are_read() {
        let hb = lookup_builtin("Standard_HB120rs_v2").expect("known size");
        assert!(hb.infiniband);
        assert_eq!(hb.vcpu_count, 120);
        let nc = lookup_builtin("Standard_NC24rs_v3").expect("known size");
        assert_eq!(nc.gpu_count, 4);
        let f = lookup_builtin("Standard_F4s_v2").expect("known size");
        assert_eq!((f.vcpu_count, f.pcpu_count, f.memory_gb), (4, 2, 8.0));
        assert!(!f.infiniband);
    }
}
