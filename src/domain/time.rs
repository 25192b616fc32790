//! Stored times as people read them: an RFC 3339 time read back from the
//! database, and how long ago it was ("il y a 3 min"). Used by the status
//! line, `fiches status` and the console. Pure.

use chrono::{DateTime, Utc};

/// Parses a stored RFC 3339 time.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// "il y a 3 min" from `now`.
pub fn ago(now: DateTime<Utc>, t: DateTime<Utc>) -> String {
    let s = (now - t).num_seconds();
    if s < 0 {
        "à l'instant".into()
    } else if s < 60 {
        format!("il y a {s} s")
    } else if s < 3600 {
        format!("il y a {} min", s / 60)
    } else if s < 86_400 {
        format!("il y a {} h", s / 3600)
    } else {
        format!("il y a {} j", s / 86_400)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ago_in_french() {
        let now = parse_time("2026-12-06T20:00:00Z").unwrap();
        let at = |s: &str| parse_time(s).unwrap();
        assert_eq!(ago(now, at("2026-12-06T20:00:05Z")), "à l'instant");
        assert_eq!(ago(now, at("2026-12-06T19:59:30Z")), "il y a 30 s");
        assert_eq!(ago(now, at("2026-12-06T19:57:00Z")), "il y a 3 min");
        assert_eq!(ago(now, at("2026-12-06T18:00:00Z")), "il y a 2 h");
        assert_eq!(ago(now, at("2026-12-04T20:00:00Z")), "il y a 2 j");
        assert_eq!(parse_time("2026-12-06T21:00:00+01:00"), Some(now));
        assert_eq!(parse_time("hier"), None);
    }
}
