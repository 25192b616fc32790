//! The weekly publication schedule of `[publish] schedule` ("lundi 08:00",
//! "monday 08:00"), read in the event's time zone (daylight saving time
//! included). Pure: the caller gives the clock.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// A weekly instant: a weekday and a local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub weekday: Weekday,
    pub time: NaiveTime,
}

fn weekday(word: &str) -> Option<Weekday> {
    let w = crate::fiche::text::fold(word);
    Some(match w.as_str() {
        "lundi" | "monday" | "mon" | "lun" => Weekday::Mon,
        "mardi" | "tuesday" | "tue" | "mar" => Weekday::Tue,
        "mercredi" | "wednesday" | "wed" | "mer" => Weekday::Wed,
        "jeudi" | "thursday" | "thu" | "jeu" => Weekday::Thu,
        "vendredi" | "friday" | "fri" | "ven" => Weekday::Fri,
        "samedi" | "saturday" | "sat" | "sam" => Weekday::Sat,
        "dimanche" | "sunday" | "sun" | "dim" => Weekday::Sun,
        _ => return None,
    })
}

impl Schedule {
    /// "lundi 08:00" (or "monday 8h00"): a weekday and a time.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let mut words = text.split_whitespace();
        let (Some(day), Some(time), None) = (words.next(), words.next(), words.next()) else {
            return Err(format!(
                "« {text} » : attendu un jour et une heure, par exemple « lundi 08:00 »"
            ));
        };
        let weekday =
            weekday(day).ok_or_else(|| format!("« {day} » n'est pas un jour de la semaine"))?;
        let time = NaiveTime::parse_from_str(&time.replace('h', ":"), "%H:%M")
            .map_err(|_| format!("« {time} » n'est pas une heure HH:MM"))?;
        Ok(Schedule { weekday, time })
    }

    /// The latest scheduled instant at or before `now`.
    pub fn last_at_or_before(&self, now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        let local = now.with_timezone(&tz).date_naive();
        let back =
            (7 + local.weekday().num_days_from_monday() - self.weekday.num_days_from_monday()) % 7;
        let mut day = local - Duration::days(i64::from(back));
        loop {
            // A local time skipped by a DST change is taken one hour later.
            let at = tz
                .from_local_datetime(&day.and_time(self.time))
                .earliest()
                .or_else(|| {
                    tz.from_local_datetime(&(day.and_time(self.time) + Duration::hours(1)))
                        .earliest()
                })
                .map(|t| t.with_timezone(&Utc));
            match at {
                Some(t) if t <= now => return t,
                _ => day -= Duration::days(7),
            }
        }
    }

    /// Whether a publication is due: a scheduled instant passed since the
    /// last publication (or there was none).
    pub fn is_due(
        &self,
        last_publication: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> bool {
        let slot = self.last_at_or_before(now, tz);
        last_publication.is_none_or(|last| last < slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn parses_french_and_english() {
        let s = Schedule::parse("lundi 08:00").unwrap();
        assert_eq!(s.weekday, Weekday::Mon);
        assert_eq!(Schedule::parse("Monday 8h00").unwrap(), s);
        assert!(Schedule::parse("lundi").is_err());
        assert!(Schedule::parse("jourdi 08:00").is_err());
    }

    #[test]
    fn monday_eight_in_paris_summer_and_winter() {
        let s = Schedule::parse("lundi 08:00").unwrap();
        let tz: Tz = "Europe/Paris".parse().unwrap();
        // Wednesday 6 June 2018: the last Monday 08:00 Paris (UTC+2) is 4 June 06:00 UTC.
        assert_eq!(
            s.last_at_or_before(utc("2018-06-06T12:00:00Z"), tz),
            utc("2018-06-04T06:00:00Z")
        );
        // In winter (UTC+1).
        assert_eq!(
            s.last_at_or_before(utc("2018-01-10T12:00:00Z"), tz),
            utc("2018-01-08T07:00:00Z")
        );
        // Monday 07:59 Paris: still last week's.
        assert_eq!(
            s.last_at_or_before(utc("2018-06-04T05:59:00Z"), tz),
            utc("2018-05-28T06:00:00Z")
        );
    }

    #[test]
    fn due_once_per_week() {
        let s = Schedule::parse("lundi 08:00").unwrap();
        let tz: Tz = "Europe/Paris".parse().unwrap();
        let now = utc("2018-06-04T06:30:00Z");
        assert!(s.is_due(None, now, tz));
        assert!(s.is_due(Some(utc("2018-06-01T10:00:00Z")), now, tz));
        assert!(!s.is_due(Some(utc("2018-06-04T06:10:00Z")), now, tz));
    }
}
