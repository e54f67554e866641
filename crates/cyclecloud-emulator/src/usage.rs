//! The usage report of `GET /clusters/{cluster}/usage`: core-hours (and cost, when the
//! machine type has a price) per interval, computed from the ledger of billed VM time.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::clock::{Seconds, civil, days_from_civil, iso8601, parse_iso8601};
use crate::error::ApiError;
use crate::state::{Emulator, Segment};

/// Query parameters of the usage call.
#[derive(Debug, Clone, Default)]
pub struct UsageQuery {
    /// `monthToDate` (default), `lastMonth`, `weekToDate` or `custom`.
    pub timeframe: Option<String>,
    /// Start, for `custom`.
    pub from: Option<String>,
    /// End, for `custom`.
    pub to: Option<String>,
    /// `total`, `daily` (default) or `hourly`.
    pub granularity: Option<String>,
    /// `details` adds per-size details to every item.
    pub expand: Option<String>,
}

const DAY: Seconds = 86_400.0;
/// The most intervals one report holds (a year of hourly intervals fits).
const MAX_INTERVALS: usize = 10_000;
const HOUR: Seconds = 3_600.0;

fn month_start(y: i64, m: u32) -> Seconds {
    days_from_civil(y, m, 1) as f64 * DAY
}

impl Emulator {
    /// Builds the `ClusterUsage` body.
    pub fn usage_report(&self, cluster: &str, q: &UsageQuery) -> Result<Value, ApiError> {
        self.cluster(cluster)?;
        let now = self.clock.now();
        let (y, m, _) = civil(now);
        let today = (now / DAY).floor() * DAY;
        let (from, to) = match q.timeframe.as_deref().unwrap_or("monthToDate") {
            "monthToDate" => (month_start(y, m), now),
            "lastMonth" => {
                let (py, pm) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
                (month_start(py, pm), month_start(y, m))
            }
            "weekToDate" => {
                // 1970-01-01 was a Thursday; weeks start on Sunday.
                let dow = ((now / DAY).floor() as i64 + 4).rem_euclid(7) as f64;
                (today - dow * DAY, now)
            }
            "custom" => {
                let parse = |name: &str, v: &Option<String>| -> Result<Seconds, ApiError> {
                    let text = v.as_deref().ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "timeframe=custom needs the {name} parameter"
                        ))
                    })?;
                    parse_iso8601(text).ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "{name}={text:?} is not an ISO-8601 date or time"
                        ))
                    })
                };
                (parse("from", &q.from)?, parse("to", &q.to)?)
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "timeframe {other:?} is not one of monthToDate, lastMonth, weekToDate, custom"
                )));
            }
        };
        let step = match q.granularity.as_deref().unwrap_or("daily") {
            "total" => None,
            "daily" => Some(DAY),
            "hourly" => Some(HOUR),
            other => {
                return Err(ApiError::bad_request(format!(
                    "granularity {other:?} is not one of total, daily, hourly"
                )));
            }
        };
        if to < from {
            return Err(ApiError::bad_request(
                "the usage range ends before it starts",
            ));
        }
        let details = q
            .expand
            .as_deref()
            .is_some_and(|e| e.split(',').any(|x| x == "details"));
        let mut intervals = Vec::new();
        match step {
            None => intervals.push((from, to)),
            Some(s) => {
                // `from` rounds down and `to` rounds up to the granularity.
                let first = (from / s).floor() * s;
                let end = (to / s).ceil() * s;
                let count = ((end - first) / s).round();
                if count > MAX_INTERVALS as f64 {
                    return Err(ApiError::bad_request(format!(
                        "the range holds {count} intervals at this granularity; at most {MAX_INTERVALS} are served (choose a coarser granularity or a shorter range)"
                    )));
                }
                let mut t = first;
                while t < end {
                    intervals.push((t, t + s));
                    t += s;
                }
            }
        }
        let segments: Vec<&Segment> = self
            .ledger
            .iter()
            .filter(|s| s.cluster == cluster)
            .collect();
        let usage: Vec<Value> = intervals
            .into_iter()
            .map(|(a, b)| self.interval(&segments, a, b.min(now.max(a)), b, details))
            .collect();
        Ok(json!({ "usage": usage }))
    }

    fn interval(
        &self,
        segs: &[&Segment],
        a: Seconds,
        until: Seconds,
        b: Seconds,
        details: bool,
    ) -> Value {
        // key: (category, name) -> (hours, cost, detail rows)
        let mut groups: BTreeMap<(&str, String), Acc> = BTreeMap::new();
        let mut total = Acc::default();
        for s in segs {
            let end = s.end.unwrap_or(until).min(until);
            let overlap = (end - s.start.max(a)).max(0.0);
            if overlap <= 0.0 {
                continue;
            }
            let hours = overlap / HOUR * s.cores as f64;
            let price = self.machine(&s.machine_type).and_then(|m| m.hourly_price);
            let cost = price.map(|p| p * overlap / HOUR);
            let key = match &s.array {
                Some(arr) => ("nodearray", arr.clone()),
                None => ("node", s.node.clone()),
            };
            groups.entry(key).or_default().add(s, hours, cost);
            total.add(s, hours, cost);
        }
        let breakdown: Vec<Value> = groups
            .into_iter()
            .map(|((cat, name), acc)| acc.to_json(cat, Some(&name), details))
            .collect();
        json!({
            "start": iso8601(a),
            "end": iso8601(b),
            "total": total.to_json("cluster", None, details),
            "breakdown": breakdown,
        })
    }
}

/// (machine type, region, spot) → (cores, core-hours, cost).
type DetailRows = BTreeMap<(String, String, bool), (i64, f64, Option<f64>)>;

#[derive(Default)]
struct Acc {
    hours: f64,
    cost: Option<f64>,
    rows: DetailRows,
}

impl Acc {
    fn add(&mut self, s: &Segment, hours: f64, cost: Option<f64>) {
        self.hours += hours;
        if let Some(c) = cost {
            self.cost = Some(self.cost.unwrap_or(0.0) + c);
        }
        let row = self
            .rows
            .entry((s.machine_type.clone(), s.region.clone(), s.spot))
            .or_insert((s.cores, 0.0, None));
        row.1 += hours;
        if let Some(c) = cost {
            row.2 = Some(row.2.unwrap_or(0.0) + c);
        }
    }

    fn to_json(&self, category: &str, node: Option<&str>, details: bool) -> Value {
        let mut item = serde_json::Map::new();
        item.insert("category".into(), json!(category));
        if let Some(n) = node {
            item.insert("node".into(), json!(n));
        }
        item.insert("hours".into(), json!(round(self.hours)));
        if let Some(c) = self.cost {
            item.insert("cost".into(), json!(round(c)));
        }
        if details {
            let rows: Vec<Value> = self
                .rows
                .iter()
                .map(|((vm, region, spot), (cores, hours, cost))| {
                    let mut d = json!({
                        "vm_size": vm, "region": region, "core_count": cores,
                        "hours": round(*hours), "os": "Linux",
                        "priority": if *spot { "Spot" } else { "Regular" },
                    });
                    if let (Some(c), Some(obj)) = (cost, d.as_object_mut()) {
                        obj.insert("cost".into(), json!(round(*c)));
                    }
                    d
                })
                .collect();
            item.insert("details".into(), json!(rows));
        }
        Value::Object(item)
    }
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
