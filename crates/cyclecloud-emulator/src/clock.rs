//! The emulator's clock: wall time that tests can freeze and move forward.
//!
//! Everything time-dependent (lifecycle phases, capacity-failure ages, usage) reads this clock,
//! so advancing it by 60 s has exactly the effect of waiting 60 s.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch, as a float.
pub type Seconds = f64;

/// A clock that follows wall time plus an offset, or stands still.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Clock {
    offset: Seconds,
    frozen_at: Option<Seconds>,
}

fn wall() -> Seconds {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Clock {
    /// The current emulated time.
    pub fn now(&self) -> Seconds {
        self.frozen_at.unwrap_or_else(|| wall() + self.offset)
    }

    /// Moves the clock forward (negative values are ignored: time never runs backwards).
    pub fn advance(&mut self, seconds: Seconds) {
        let s = seconds.max(0.0);
        match &mut self.frozen_at {
            Some(t) => *t += s,
            None => self.offset += s,
        }
    }

    /// Stops the clock at the current time.
    pub fn freeze(&mut self) {
        if self.frozen_at.is_none() {
            self.frozen_at = Some(self.now());
        }
    }

    /// Lets the clock run again from where it stood.
    pub fn unfreeze(&mut self) {
        if let Some(t) = self.frozen_at.take() {
            self.offset = t - wall();
        }
    }

    /// Whether the clock is frozen.
    pub fn is_frozen(&self) -> bool {
        self.frozen_at.is_some()
    }
}

/// Formats epoch seconds as an ISO-8601 UTC timestamp with millisecond precision.
pub fn iso8601(t: Seconds) -> String {
    let millis = (t * 1000.0).floor() as i64;
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS[.fff]][Z]` (UTC) into epoch seconds.
pub fn parse_iso8601(text: &str) -> Option<Seconds> {
    let text = text.trim().trim_end_matches('Z');
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut dp = date.split('-');
    let y: i64 = dp.next()?.parse().ok()?;
    let m: u32 = dp.next()?.parse().ok()?;
    let d: u32 = dp.next()?.parse().ok()?;
    if dp.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = 0.0;
    if let Some(t) = time {
        let mut tp = t.split(':');
        let h: f64 = tp.next()?.parse().ok()?;
        let mi: f64 = tp.next()?.parse().ok()?;
        let s: f64 = tp.next().map(str::parse).transpose().ok()?.unwrap_or(0.0);
        if tp.next().is_some() || !(0.0..24.0).contains(&h) || !(0.0..60.0).contains(&mi) {
            return None;
        }
        secs = h * 3600.0 + mi * 60.0 + s;
    }
    Some(days_from_civil(y, m, d) as f64 * 86_400.0 + secs)
}

// Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Splits epoch seconds into (year, month, day).
pub fn civil(t: Seconds) -> (i64, u32, u32) {
    civil_from_days((t / 86_400.0).floor() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400.5), "2000-02-29T00:00:00.500Z");
        assert_eq!(iso8601(1_798_761_599.0), "2026-12-31T23:59:59.000Z");
    }

    #[test]
    fn parses_what_it_formats() {
        for t in [0.0, 951_782_400.0, 1_798_761_599.0, 1_700_000_123.25] {
            assert_eq!(parse_iso8601(&iso8601(t)), Some(t));
        }
        assert_eq!(parse_iso8601("2026-12-04"), Some(1_796_342_400.0));
        assert_eq!(parse_iso8601("2026-13-04"), None);
        assert_eq!(parse_iso8601("yesterday"), None);
    }

    #[test]
    fn a_frozen_clock_moves_only_when_advanced() {
        let mut c = Clock::default();
        c.freeze();
        let t = c.now();
        c.advance(90.0);
        assert_eq!(c.now(), t + 90.0);
        c.advance(-5.0);
        assert_eq!(c.now(), t + 90.0);
        c.unfreeze();
        assert!(c.now() >= t + 90.0);
    }
}
