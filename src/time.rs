//! Timestamps: RFC 3339 parsing and UTC formatting, without a calendar crate.
//!
//! Records carry `deployed_at` as RFC 3339 (`2023-03-28T09:00:00Z`,
//! `2023-03-28T11:00:00+02:00`) or a bare date (`2023-03-28`, read as
//! midnight UTC). Git carries seconds since the epoch. Both become
//! [`Timestamp`], seconds since 1970-01-01T00:00:00Z.

use std::fmt;

/// Seconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Checks a calendar date and returns its day count.
pub fn date_to_days(y: i64, m: u32, d: u32) -> Option<i64> {
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Timestamp {
    /// Parses RFC 3339 (`T` or a space between date and time, `Z` or an
    /// offset, optional fractional seconds) or a bare `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Timestamp, String> {
        let s = text.trim();
        let bad = || {
            format!("expected an RFC 3339 time such as 2023-03-28T09:00:00Z or a date such as 2023-03-28, found {s:?}")
        };
        if s.len() < 10 || !s.is_char_boundary(10) {
            return Err(bad());
        }
        let (date, rest) = s.split_at(10);
        let mut parts = date.split('-');
        let (y, m, d) = match (parts.next(), parts.next(), parts.next()) {
            (Some(y), Some(m), Some(d)) if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                (num(y).ok_or_else(bad)?, num(m).ok_or_else(bad)?, num(d).ok_or_else(bad)?)
            }
            _ => return Err(bad()),
        };
        let days = date_to_days(i64::from(y), m, d).ok_or_else(|| format!("{s:?} is not a calendar date"))?;
        if rest.is_empty() {
            return Ok(Timestamp(days * 86_400));
        }
        let rest = rest
            .strip_prefix('T')
            .or_else(|| rest.strip_prefix('t'))
            .or_else(|| rest.strip_prefix(' '))
            .ok_or_else(bad)?;
        if rest.len() < 8 || !rest.is_char_boundary(8) {
            return Err(bad());
        }
        let (clock, mut zone) = rest.split_at(8);
        let hms: Vec<&str> = clock.split(':').collect();
        if hms.len() != 3 || hms.iter().any(|p| p.len() != 2) {
            return Err(bad());
        }
        let (h, mi, sec) = (num(hms[0]).ok_or_else(bad)?, num(hms[1]).ok_or_else(bad)?, num(hms[2]).ok_or_else(bad)?);
        if h > 23 || mi > 59 || sec > 60 {
            return Err(format!("{s:?} has an impossible time of day"));
        }
        if let Some(frac) = zone.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(bad());
            }
            zone = &frac[digits..];
        }
        let offset = match zone {
            "Z" | "z" => 0,
            _ => {
                let sign = match zone.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(bad()),
                };
                let z = &zone[1..];
                if z.len() != 5 || z.as_bytes()[2] != b':' {
                    return Err(bad());
                }
                let (oh, om) = (num(&z[..2]).ok_or_else(bad)?, num(&z[3..]).ok_or_else(bad)?);
                if oh > 23 || om > 59 {
                    return Err(bad());
                }
                sign * i64::from(oh * 3600 + om * 60)
            }
        };
        let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + sec.min(59)) - offset;
        Ok(Timestamp(secs))
    }

    /// `2023-03-28 09:00 UTC`: minutes are enough for a person.
    pub fn human(self) -> String {
        let (y, m, d, h, mi, _) = self.parts();
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02} UTC")
    }

    /// Whether `text` is a bare date (`2023-03-18`), which means a whole day.
    pub fn is_bare_date(text: &str) -> bool {
        let b = text.as_bytes();
        b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    }

    /// [`Timestamp::human`] of a date that may be missing, else `missing`
    /// (reports say "no date" in a sentence, "(no date)" in a table cell).
    pub fn human_or(t: Option<Timestamp>, missing: &str) -> String {
        t.map_or_else(|| missing.to_string(), Timestamp::human)
    }

    /// `2023-03-28`.
    pub fn date(self) -> String {
        let (y, m, d, ..) = self.parts();
        format!("{y:04}-{m:02}-{d:02}")
    }

    fn parts(self) -> (i64, u32, u32, i64, i64, i64) {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        (y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
    }
}

impl serde::Serialize for Timestamp {
    /// RFC 3339 in UTC.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC: `2023-03-28T09:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d, h, mi, s) = self.parts();
        write!(f, "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_forms() {
        let t = Timestamp::parse("2023-03-28T09:00:00Z").unwrap();
        assert_eq!(t.to_string(), "2023-03-28T09:00:00Z");
        assert_eq!(Timestamp::parse("2023-03-28T11:00:00+02:00").unwrap(), t);
        assert_eq!(Timestamp::parse("2023-03-28 09:00:00.123Z").unwrap(), t);
        assert_eq!(Timestamp::parse("2023-03-28").unwrap().to_string(), "2023-03-28T00:00:00Z");
        assert_eq!(t.0, 1_679_994_000);
        assert_eq!(t.human(), "2023-03-28 09:00 UTC");
    }

    #[test]
    fn rejects_nonsense_without_panicking() {
        for s in [
            "",
            "2023",
            "2023-02-30",
            "2023-13-01T00:00:00Z",
            "2023-03-28T25:00:00Z",
            "2023-03-28T09:00:00",
            "2023-03-28T09:00:00+2",
            "é023-03-28",
            "2023-03-28Tü9:00:00Z",
        ] {
            assert!(Timestamp::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn round_trips_days() {
        for days in [-800_000, -1, 0, 1, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
