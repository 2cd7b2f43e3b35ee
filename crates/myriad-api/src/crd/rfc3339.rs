//! Dates and timestamps the way Go's `time.Parse` reads them, for the `date` and
//! `date-time` formats and for `date` printer columns.

/// Days in `month` (1-12) of `year`, with Gregorian leap years.
fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Exactly `n` ASCII digits as a number.
fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

/// `YYYY-MM-DD` (Go's `2006-01-02` layout, which also checks the day exists).
pub(crate) fn parse_date(s: &str) -> Option<(i64, u32, u32)> {
    let year = digits(s.get(0..4)?, 4)?;
    let month = digits(s.get(5..7)?, 2)?;
    let day = digits(s.get(8..)?, 2)?;
    if s.as_bytes().get(4) != Some(&b'-') || s.as_bytes().get(7) != Some(&b'-') {
        return None;
    }
    let year = i64::from(year);
    ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then_some((year, month, day))
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An RFC 3339 timestamp (`2006-01-02T15:04:05Z07:00`, fractional seconds allowed) as
/// seconds since the Unix epoch; Go's `time.Parse(time.RFC3339, s)`.
pub(crate) fn parse_timestamp(s: &str) -> Option<i64> {
    let (date, rest) = (s.get(..10)?, s.get(10..)?);
    let (year, month, day) = parse_date(date)?;
    let rest = rest.strip_prefix('T')?;
    let hour = digits(rest.get(0..2)?, 2)?;
    let minute = digits(rest.get(3..5)?, 2)?;
    let second = digits(rest.get(6..8)?, 2)?;
    if rest.as_bytes().get(2) != Some(&b':') || rest.as_bytes().get(5) != Some(&b':') {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut zone = &rest[8..];
    if let Some(frac) = zone.strip_prefix('.') {
        let end = frac.find(|c: char| !c.is_ascii_digit()).unwrap_or(frac.len());
        if end == 0 {
            return None;
        }
        zone = &frac[end..];
    }
    let offset = match zone {
        "Z" => 0,
        _ => {
            let sign = match zone.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let hh = digits(zone.get(1..3)?, 2)?;
            let mm = digits(zone.get(4..)?, 2)?;
            if zone.as_bytes().get(3) != Some(&b':') || hh > 23 || mm > 59 {
                return None;
            }
            sign * i64::from(hh * 3600 + mm * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_like_go() {
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(parse_date("2023-1-01"), None);
        assert_eq!(parse_date("2023-01-01x"), None);
        assert_eq!(parse_date("1900-02-29"), None);
        assert_eq!(parse_date("2000-02-29"), Some((2000, 2, 29)));
    }

    #[test]
    fn timestamps_to_epoch_seconds() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("2024-01-02T03:04:05Z"), Some(1_704_164_645));
        assert_eq!(parse_timestamp("2024-01-02T03:04:05.123Z"), Some(1_704_164_645));
        assert_eq!(parse_timestamp("2024-01-02T05:04:05+02:00"), Some(1_704_164_645));
        assert_eq!(parse_timestamp("1969-12-31T23:59:59Z"), Some(-1));
        assert_eq!(parse_timestamp("2024-01-02 03:04:05Z"), None);
        assert_eq!(parse_timestamp("2024-01-02T24:00:00Z"), None);
        assert_eq!(parse_timestamp("2024-01-02T03:04:05"), None);
    }
}
