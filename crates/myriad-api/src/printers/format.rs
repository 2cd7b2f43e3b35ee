//! The helpers every printer shares, each formatting a value the way upstream's printers
//! (`pkg/printers/internalversion/printers.go`) and apimachinery do: reading fields of a
//! JSON object without allocating (a missing field reads as Go's zero value), timestamps
//! and kubectl's ages (`duration.HumanDuration`, `<unknown>` for an unset time), label
//! maps (`labels.FormatLabels`) and selectors (`metav1.FormatLabelSelector`), the
//! container name and image lists of `-o wide`, and quantities in their canonical form
//! (`resource.Quantity.String()`: `1536Mi`, `1500m`, `2k`).

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::crd::printer_columns::human_duration;
use crate::labels::Selector;
use crate::quantity::Quantity;

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// The value at `path` (object keys only), if every step exists.
pub(super) fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut current = value;
    for key in path {
        current = current.as_object()?.get(*key)?;
    }
    Some(current)
}

/// The value at `path` unless it is missing or `null`: what a Go pointer field being
/// non-nil means.
pub(super) fn set<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    at(value, path).filter(|v| !v.is_null())
}

/// The string at `path`; `""` when missing or not a string.
pub(super) fn text<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    at(value, path).and_then(Value::as_str).unwrap_or("")
}

/// The integer at `path`; 0 when missing.
pub(super) fn int(value: &Value, path: &[&str]) -> i64 {
    at(value, path).and_then(as_int).unwrap_or(0)
}

/// A JSON number as an integer (floats truncated, as a Go integer field decodes them).
pub(super) fn as_int(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_f64().map(|f| f as i64))
}

/// The boolean at `path`; false when missing.
pub(super) fn flag(value: &Value, path: &[&str]) -> bool {
    at(value, path).and_then(Value::as_bool).unwrap_or(false)
}

/// The array at `path`; empty when missing.
pub(super) fn items<'a>(value: &'a Value, path: &[&str]) -> &'a [Value] {
    at(value, path).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// How many entries the array or map at `path` has (Go's `len`).
pub(super) fn count(value: &Value, path: &[&str]) -> i64 {
    let n = match at(value, path) {
        Some(Value::Array(items)) => items.len(),
        Some(Value::Object(map)) => map.len(),
        _ => 0,
    };
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The object's name as a cell.
pub(super) fn name(object: &Value) -> Value {
    Value::from(text(object, &["metadata", "name"]))
}

/// `s`, or `<none>` when it is empty.
pub(super) fn or_none(s: &str) -> &str {
    if s.is_empty() { "<none>" } else { s }
}

/// The time ages are measured from, in nanoseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Now(i128);

impl Now {
    pub(super) fn new(now: SystemTime) -> Self {
        Now(match now.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(e) => -(e.duration().as_nanos() as i128),
        })
    }

    /// Upstream's `translateTimestampSince`: the time elapsed since a timestamp
    /// (`5m`, `3d4h`), `<unknown>` for an unset one.
    pub(super) fn since(self, timestamp: Option<&Value>) -> String {
        match parse_time(timestamp) {
            Some(t) => human_duration(self.0 - t),
            None => "<unknown>".to_owned(),
        }
    }

    /// The object's AGE cell.
    pub(super) fn age(self, object: &Value) -> Value {
        Value::String(self.since(at(object, &["metadata", "creationTimestamp"])))
    }

    /// `HumanDuration(now - t)` for a time already parsed.
    pub(super) fn elapsed(self, since: i128) -> String {
        human_duration(self.0 - since)
    }
}

/// `HumanDuration` of a duration in nanoseconds.
pub(super) fn duration(nanos: i128) -> String {
    human_duration(nanos)
}

/// A `metav1.Time` / `MicroTime` field as nanoseconds since the epoch; `None` when it
/// is unset (missing, `null`, Go's zero time) or not a time.
pub(super) fn parse_time(value: Option<&Value>) -> Option<i128> {
    const GO_ZERO_SECONDS: i128 = -62_135_596_800;
    let nanos = parse_rfc3339(value?.as_str()?)?;
    (nanos != GO_ZERO_SECONDS * NANOS_PER_SECOND).then_some(nanos)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01 (`civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// An RFC 3339 timestamp with optional fractional seconds (what `metav1.Time` and
/// `metav1.MicroTime` decode) as nanoseconds since the epoch.
fn parse_rfc3339(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<i64> {
        b[from..to].iter().try_fold(0i64, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut zone = s.get(19..)?;
    let mut fraction: i128 = 0;
    if let Some(rest) = zone.strip_prefix('.') {
        let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if end == 0 {
            return None;
        }
        let mut scale = NANOS_PER_SECOND;
        for digit in rest[..end].bytes() {
            scale /= 10;
            fraction += i128::from(digit - b'0') * scale;
        }
        zone = &rest[end..];
    }
    let offset = match zone {
        "Z" => 0,
        _ => {
            let z = zone.as_bytes();
            let sign = match z.first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            if z.len() != 6 || z[3] != b':' {
                return None;
            }
            let hh = i64::from(z[1].checked_sub(b'0')?) * 10 + i64::from(z[2].checked_sub(b'0')?);
            let mm = i64::from(z[4].checked_sub(b'0')?) * 10 + i64::from(z[5].checked_sub(b'0')?);
            if !z[1..3].iter().chain(&z[4..6]).all(u8::is_ascii_digit) || hh > 23 || mm > 59 {
                return None;
            }
            sign * (hh * 3600 + mm * 60)
        }
    };
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(i128::from(seconds) * NANOS_PER_SECOND + fraction)
}

/// Go's `t.UTC().Format(time.RFC3339)` of the creation timestamp, as the default table
/// convertor prints its "Created At" column (`0001-01-01T00:00:00Z` when unset).
pub(super) fn created_at(object: &Value) -> Value {
    let Some(nanos) = parse_time(at(object, &["metadata", "creationTimestamp"])) else {
        return Value::from("0001-01-01T00:00:00Z");
    };
    let seconds = i64::try_from(nanos.div_euclid(NANOS_PER_SECOND)).unwrap_or(0);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    Value::String(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    ))
}

/// `labels.FormatLabels`: `k=v` pairs sorted by key and joined by `,`; `<none>` for an
/// empty or missing map.
pub(super) fn format_labels(map: Option<&Value>) -> String {
    let Some(map) = map.and_then(Value::as_object).filter(|m| !m.is_empty()) else {
        return "<none>".to_owned();
    };
    let mut pairs: Vec<(&str, &str)> = map
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
        .collect();
    pairs.sort_unstable();
    let mut out = String::new();
    for (i, (key, value)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// `metav1.FormatLabelSelector`: the selector as a string, `<none>` when it selects
/// everything or nothing, `<error>` when it is invalid.
pub(super) fn format_label_selector(selector: Option<&Value>) -> String {
    match Selector::from_label_selector(selector.unwrap_or(&Value::Null)) {
        Ok(selector) => {
            let s = selector.to_string();
            if s.is_empty() { "<none>".to_owned() } else { s }
        }
        Err(_) => "<error>".to_owned(),
    }
}

/// `LabelSelectorAsSelector(s).String()` as the Deployment printer uses it: `""` for a
/// selector that selects everything or nothing, `<invalid>` for an invalid one.
pub(super) fn label_selector_string(selector: Option<&Value>) -> String {
    match Selector::from_label_selector(selector.unwrap_or(&Value::Null)) {
        Ok(selector) => selector.to_string(),
        Err(_) => "<invalid>".to_owned(),
    }
}

/// Upstream's `layoutContainerCells`: the containers' names and images, each joined
/// by `,` (the CONTAINERS and IMAGES cells of `-o wide`).
pub(super) fn container_cells(containers: &[Value]) -> [Value; 2] {
    let mut names = String::new();
    let mut images = String::new();
    for (i, container) in containers.iter().enumerate() {
        if i > 0 {
            names.push(',');
            images.push(',');
        }
        names.push_str(text(container, &["name"]));
        images.push_str(text(container, &["image"]));
    }
    [Value::String(names), Value::String(images)]
}

/// The sorted, de-duplicated addresses of a load balancer status (`ip`, else
/// `hostname`, of each ingress point) joined by `,`: upstream's
/// `loadBalancerStatusStringer` with `wide` set, as the server always prints.
pub(super) fn load_balancer_addresses(status: Option<&Value>) -> String {
    let mut addresses = BTreeSet::new();
    for point in status.map_or(&[][..], |s| items(s, &["ingress"])) {
        let ip = text(point, &["ip"]);
        let hostname = text(point, &["hostname"]);
        if !ip.is_empty() {
            addresses.insert(ip);
        } else if !hostname.is_empty() {
            addresses.insert(hostname);
        }
    }
    addresses.into_iter().collect::<Vec<_>>().join(",")
}

/// An `intstr.IntOrString` as its `String()`: the number, or the string as written.
pub(super) fn int_or_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => as_int(other).map_or_else(|| other.to_string(), |i| i.to_string()),
    }
}

/// A quantity field's `String()`: `None` when the field is unset (callers print Go's
/// zero quantity `0`, a nil pointer's `<nil>`, or a placeholder, as upstream does).
pub(super) fn quantity(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(canonical_quantity(s)),
        Value::Number(n) => Some(canonical_quantity(&n.to_string())),
        _ => None,
    }
}

/// `resource.Quantity.String()`: the canonical form of a quantity. Binary-suffixed
/// quantities stay binary when they are whole and at least 1024 (`1.5Gi` → `1536Mi`),
/// exponent ones keep the exponent (`1e3`), and the rest use the largest decimal SI
/// suffix with a whole mantissa (`1000` → `1k`, `0.1` → `100m`). Text that is not a
/// quantity is returned unchanged.
pub(super) fn canonical_quantity(text: &str) -> String {
    const UNIT: i128 = NANOS_PER_SECOND;
    let trimmed = text.trim();
    let Ok(parsed) = Quantity::parse(trimmed) else {
        return text.to_owned();
    };
    let nanos = parsed.nanos();
    if nanos == 0 {
        return "0".to_owned();
    }
    let suffix = trimmed.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | '+' | '-'));
    let binary = suffix.ends_with('i');
    let exponent_form = suffix.len() > 1 && suffix.starts_with(['e', 'E']);
    if binary && !(-1024 * UNIT < nanos && nanos < 1024 * UNIT) && nanos % UNIT == 0 {
        let (amount, times) = remove_factors(nanos / UNIT, 1024);
        if let Some(suffix) = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].get(times) {
            return format!("{amount}{suffix}");
        }
    }
    let (mut amount, times) = remove_factors(nanos, 10);
    let mut exponent = i64::try_from(times).unwrap_or(0) - 9;
    match exponent % 3 {
        1 | -2 => {
            amount *= 10;
            exponent -= 1;
        }
        2 | -1 => {
            amount *= 100;
            exponent -= 2;
        }
        _ => {}
    }
    let si = match exponent {
        -9 => Some("n"),
        -6 => Some("u"),
        -3 => Some("m"),
        0 => Some(""),
        3 => Some("k"),
        6 => Some("M"),
        9 => Some("G"),
        12 => Some("T"),
        15 => Some("P"),
        18 => Some("E"),
        _ => None,
    };
    match si {
        Some(_) if exponent_form && exponent != 0 => format!("{amount}e{exponent}"),
        Some(suffix) => format!("{amount}{suffix}"),
        None => format!("{amount}e{exponent}"),
    }
}

/// Go's `removeInt64Factors`: divides out `base` as often as it divides evenly.
fn remove_factors(value: i128, base: i128) -> (i128, usize) {
    let mut rest = value.abs();
    let mut times = 0;
    while rest >= base && rest % base == 0 {
        rest /= base;
        times += 1;
    }
    (if value < 0 { -rest } else { rest }, times)
}

/// Go's `net.JoinHostPort`: IPv6 hosts in brackets.
pub(super) fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Upstream's `listWithMoreString`: the first entries joined by `,`, then
/// ` + N more...` when some were left out; `<unset>` when there are none.
pub(super) fn list_with_more(list: &[String], more: bool, count: usize, max: usize) -> String {
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count.saturating_sub(max))
    } else if joined.is_empty() {
        "<unset>".to_owned()
    } else {
        joined
    }
}

/// Whether the first condition of `kind` in `conditions` has status `True` (upstream's
/// `hasJobCondition` and `isPodInitializedConditionTrue`).
pub(super) fn first_condition_true(conditions: &[Value], kind: &str) -> bool {
    conditions
        .iter()
        .find(|c| text(c, &["type"]) == kind)
        .is_some_and(|c| text(c, &["status"]) == "True")
}

/// `printBoolPtr`: `True`, `False`, or `<unset>` for a missing field.
pub(super) fn bool_ptr(value: Option<&Value>) -> &'static str {
    match value.and_then(Value::as_bool) {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_quantities_like_go() {
        for (input, want) in [
            ("1Gi", "1Gi"),
            ("1.5Gi", "1536Mi"),
            ("0.5Gi", "512Mi"),
            ("1024", "1024"),
            ("1000", "1k"),
            ("1000Ki", "1000Ki"),
            ("100Mi", "100Mi"),
            ("512", "512"),
            ("1Ki", "1Ki"),
            ("0.5Ki", "512"),
            ("1.5", "1500m"),
            ("0.1", "100m"),
            ("100m", "100m"),
            ("1500m", "1500m"),
            ("2000m", "2"),
            ("1e3", "1e3"),
            ("1E3", "1e3"),
            ("1e4", "10e3"),
            ("5E-3", "5e-3"),
            ("1E", "1E"),
            ("12M", "12M"),
            ("10G", "10G"),
            ("7n", "7n"),
            ("0", "0"),
            ("0Gi", "0"),
            ("-1Gi", "-1Gi"),
            ("-1500m", "-1500m"),
            ("10", "10"),
            ("bogus", "bogus"),
        ] {
            assert_eq!(canonical_quantity(input), want, "{input}");
        }
        assert_eq!(quantity(Some(&json!(5))), Some("5".to_owned()));
        assert_eq!(quantity(Some(&Value::Null)), None);
    }

    #[test]
    fn timestamps_and_created_at() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:01Z"), Some(1_000_000_000));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:01.5Z"), Some(1_500_000_000));
        assert_eq!(parse_rfc3339("1970-01-01T02:00:00+02:00"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00"), None);
        assert_eq!(parse_rfc3339("1970-02-30T00:00:00Z"), None);
        assert_eq!(parse_time(Some(&json!("0001-01-01T00:00:00Z"))), None);
        assert_eq!(parse_time(Some(&Value::Null)), None);
        let object = json!({"metadata": {"creationTimestamp": "2024-03-05T10:11:12+01:00"}});
        assert_eq!(created_at(&object), json!("2024-03-05T09:11:12Z"));
        assert_eq!(created_at(&json!({})), json!("0001-01-01T00:00:00Z"));
        let now = Now::new(UNIX_EPOCH + std::time::Duration::from_secs(3600));
        assert_eq!(now.since(Some(&json!("1970-01-01T00:00:00Z"))), "60m");
        assert_eq!(now.since(None), "<unknown>");
    }

    #[test]
    fn labels_and_selectors() {
        assert_eq!(format_labels(Some(&json!({"b": "2", "a": "1"}))), "a=1,b=2");
        assert_eq!(format_labels(Some(&json!({}))), "<none>");
        assert_eq!(format_labels(None), "<none>");
        let selector = json!({"matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}, {"key": "canary", "operator": "DoesNotExist"}]});
        assert_eq!(format_label_selector(Some(&selector)), "app=web,!canary,tier in (a,b)");
        assert_eq!(format_label_selector(Some(&json!({}))), "<none>");
        assert_eq!(format_label_selector(None), "<none>");
        let bad = json!({"matchExpressions": [{"key": "a", "operator": "Bogus"}]});
        assert_eq!(format_label_selector(Some(&bad)), "<error>");
        assert_eq!(label_selector_string(Some(&bad)), "<invalid>");
        assert_eq!(label_selector_string(None), "");
    }

    #[test]
    fn small_formats() {
        assert_eq!(join_host_port("fd00::1", 80), "[fd00::1]:80");
        assert_eq!(list_with_more(&[], false, 0, 3), "<unset>");
        assert_eq!(int_or_string(&json!("50%")), "50%");
        assert_eq!(int_or_string(&json!(2)), "2");
        let lb = json!({"ingress": [{"ip": "5.6.7.8"}, {"hostname": "lb.example.com"}, {"ip": "1.2.3.4"}, {"ip": "1.2.3.4"}]});
        assert_eq!(load_balancer_addresses(Some(&lb)), "1.2.3.4,5.6.7.8,lb.example.com");
    }
}
