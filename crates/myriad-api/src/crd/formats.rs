//! The `format`s a CRD schema may use and the string checks behind them (upstream
//! `apiextensions-apiserver/pkg/apiserver/validation/formats.go` and kube-openapi's
//! `strfmt`).
//!
//! Upstream drops a format it does not support for the schema's type before validating
//! (`int32` stays on integers, `float` on numbers, `date-time` on strings, anything
//! else becomes no format). Of the string formats, the ones checked here are those
//! CRDs use in practice; the rest (`uri`, `email`, `isbn*`, `creditcard`, `ssn`,
//! `rgbcolor`, `duration`) are accepted unchecked.

use std::net::Ipv6Addr;
use std::sync::OnceLock;

use super::rfc3339;
use crate::validation::{is_dns1123_label, is_dns1123_subdomain};

/// String formats upstream supports, with `-` removed as go-openapi normalizes names.
const STRING_FORMATS: &[&str] = &[
    "bsonobjectid",
    "uri",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "cidr",
    "mac",
    "uuid",
    "uuid3",
    "uuid4",
    "uuid5",
    "isbn",
    "isbn10",
    "isbn13",
    "creditcard",
    "ssn",
    "hexcolor",
    "rgbcolor",
    "byte",
    "password",
    "date",
    "duration",
    "datetime",
    "k8sshortname",
    "k8slongname",
];

/// The format that stays after upstream's `StripUnsupportedFormatsPostProcessor`, for a
/// schema whose single type is `type_name` (empty for none or for int-or-string).
pub(crate) fn effective_format<'a>(type_name: &str, format: &'a str) -> &'a str {
    let keep = match type_name {
        "" | "string" => STRING_FORMATS.contains(&normalize(format).as_str()),
        "integer" => matches!(format, "int32" | "int64"),
        "number" => matches!(format, "float" | "double"),
        _ => false,
    };
    if keep { format } else { "" }
}

fn normalize(format: &str) -> String {
    format.replace('-', "")
}

/// Whether kube-openapi's format validator runs for this format on a string value.
pub(crate) fn is_string_format(format: &str) -> bool {
    !format.is_empty() && STRING_FORMATS.contains(&normalize(format).as_str())
}

/// Whether `value` is a valid `format` string; formats not checked here pass.
pub(crate) fn string_matches(format: &str, value: &str) -> bool {
    match normalize(format).as_str() {
        "date" => rfc3339::parse_date(value).is_some(),
        "datetime" => is_date_time(value),
        "byte" => is_base64(value),
        "uuid" => is_uuid(value, None),
        "uuid3" => is_uuid(value, Some('3')),
        "uuid4" => is_uuid(value, Some('4')),
        "uuid5" => is_uuid(value, Some('5')),
        "ipv4" => is_ipv4_sloppy(value) || (value.contains('.') && value.parse::<Ipv6Addr>().is_ok()),
        "ipv6" => value.contains(':') && parse_ip(value),
        "cidr" => is_cidr(value),
        "mac" => is_mac(value),
        "hostname" => is_hostname(value),
        "hexcolor" => is_hexcolor(value),
        "bsonobjectid" => value.len() == 24 && value.bytes().all(|b| b.is_ascii_hexdigit()),
        "k8sshortname" => is_dns1123_label(value).is_empty(),
        "k8slongname" => is_dns1123_subdomain(value).is_empty(),
        _ => true,
    }
}

/// kube-openapi's `IsDateTime`: a `date`, a `t`/`T`, then `hh:mm:ss[.frac](z|±hh:mm)`.
fn is_date_time(value: &str) -> bool {
    if value.len() < 4 {
        return false;
    }
    let lower = value.to_lowercase();
    let mut parts = lower.split('t');
    let (Some(date), Some(time)) = (parts.next(), parts.next()) else {
        return false;
    };
    if rfc3339::parse_date(date).is_none() {
        return false;
    }
    static TIME: OnceLock<Option<regex::Regex>> = OnceLock::new();
    let Some(re) = TIME.get_or_init(|| {
        regex::Regex::new(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$").ok()
    }) else {
        return false;
    };
    re.captures(time).is_some_and(|m| {
        let field = |i: usize| m.get(i).map_or("", |g| g.as_str());
        field(1) <= "23" && field(2) <= "59" && field(3) <= "59"
    })
}

/// govalidator's `IsBase64`: padded standard alphabet, at least one quantum.
fn is_base64(value: &str) -> bool {
    let b = value.as_bytes();
    let alphabet = |c: &u8| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/';
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return false;
    }
    let (body, last) = b.split_at(b.len() - 4);
    body.iter().all(alphabet)
        && match last {
            [a, b, b'=', b'='] => alphabet(a) && alphabet(b),
            [a, b, c, b'='] => alphabet(a) && alphabet(b) && alphabet(c),
            quantum => quantum.iter().all(alphabet),
        }
}

/// `(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?V[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$`, or
/// the version-less form when `version` is `None`.
fn is_uuid(value: &str, version: Option<char>) -> bool {
    let groups: Vec<&str> = if value.contains('-') {
        value.split('-').collect()
    } else {
        let lens = [8, 4, 4, 4, 12];
        let mut out = Vec::new();
        let mut rest = value;
        for len in lens {
            let Some((head, tail)) = rest.split_at_checked(len) else {
                return false;
            };
            out.push(head);
            rest = tail;
        }
        if !rest.is_empty() {
            return false;
        }
        out
    };
    let lens_ok = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]);
    if !lens_ok || !groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_hexdigit())) {
        return false;
    }
    match version {
        None => true,
        Some(v) => {
            let version_ok = groups[2].starts_with(v);
            let variant_ok = v == '3' || groups[3].to_ascii_lowercase().starts_with(['8', '9', 'a', 'b']);
            version_ok && variant_ok
        }
    }
}

/// An IPv4 address in Go's sloppy form (leading zeros allowed, read as decimal).
fn is_ipv4_sloppy(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

fn parse_ip(value: &str) -> bool {
    is_ipv4_sloppy(value) || value.parse::<Ipv6Addr>().is_ok()
}

fn is_cidr(value: &str) -> bool {
    let Some((addr, bits)) = value.split_once('/') else {
        return false;
    };
    let max = if is_ipv4_sloppy(addr) {
        32
    } else if addr.parse::<Ipv6Addr>().is_ok() {
        128
    } else {
        return false;
    };
    !bits.is_empty()
        && bits.len() <= 3
        && bits.bytes().all(|b| b.is_ascii_digit())
        && bits.parse::<u32>().is_ok_and(|n| n <= max)
}

/// Go's `net.ParseMAC`: 6, 8 or 20 octets as `aa:bb:…`, `aa-bb-…` or `aabb.ccdd.…`.
fn is_mac(value: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    let octets_ok = |n: usize| matches!(n, 6 | 8 | 20);
    for sep in [':', '-'] {
        if value.contains(sep) {
            let parts: Vec<&str> = value.split(sep).collect();
            return octets_ok(parts.len()) && parts.iter().all(|p| hex(p, 2));
        }
    }
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() > 1 && octets_ok(parts.len() * 2) && parts.iter().all(|p| hex(p, 4))
}

/// kube-openapi's `IsHostname`: its pattern, at most 255 bytes, labels at most 63.
fn is_hostname(value: &str) -> bool {
    static HOSTNAME: OnceLock<Option<regex::Regex>> = OnceLock::new();
    let pattern = r"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$";
    let Some(re) = HOSTNAME.get_or_init(|| regex::Regex::new(pattern).ok()) else {
        return false;
    };
    re.is_match(value) && value.len() <= 255 && value.split('.').all(|p| p.len() <= 63)
}

/// govalidator's `IsHexcolor`: `^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`.
fn is_hexcolor(value: &str) -> bool {
    let digits = value.strip_prefix('#').unwrap_or(value);
    matches!(digits.len(), 3 | 6) && digits.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_formats_are_stripped_per_type() {
        assert_eq!(effective_format("string", "date-time"), "date-time");
        assert_eq!(effective_format("", "uuid"), "uuid");
        assert_eq!(effective_format("string", "int32"), "");
        assert_eq!(effective_format("string", "my-format"), "");
        assert_eq!(effective_format("integer", "int32"), "int32");
        assert_eq!(effective_format("integer", "date"), "");
        assert_eq!(effective_format("number", "double"), "double");
        assert_eq!(effective_format("number", "int64"), "");
        assert_eq!(effective_format("boolean", "byte"), "");
        assert!(is_string_format("date-time"));
        assert!(!is_string_format("int32"));
    }

    #[test]
    fn string_checks() {
        let cases = [
            ("date", "2024-02-29", true),
            ("date", "2024-02-30", false),
            ("date-time", "2024-01-02T03:04:05Z", true),
            ("date-time", "2024-01-02t03:04:05.5+01:00", true),
            ("date-time", "2024-01-02T25:04:05Z", false),
            ("date-time", "yesterday", false),
            ("byte", "aGVsbG8=", true),
            ("byte", "aGVsbG8", false),
            ("byte", "", false),
            ("uuid", "123e4567-e89b-12d3-a456-426614174000", true),
            ("uuid", "123e4567e89b12d3a456426614174000", true),
            ("uuid", "123e4567-e89b-12d3-a456", false),
            ("uuid4", "123e4567-e89b-42d3-a456-426614174000", true),
            ("uuid4", "123e4567-e89b-42d3-c456-426614174000", false),
            ("ipv4", "10.0.0.1", true),
            ("ipv4", "010.0.0.1", true),
            ("ipv4", "::1", false),
            ("ipv6", "::1", true),
            ("ipv6", "10.0.0.1", false),
            ("cidr", "10.0.0.0/8", true),
            ("cidr", "10.0.0.0/33", false),
            ("cidr", "fd00::/64", true),
            ("mac", "01:23:45:67:89:ab", true),
            ("mac", "0123.4567.89ab", true),
            ("mac", "01:23:45", false),
            ("hostname", "example.com", true),
            ("hostname", "-bad", false),
            ("hexcolor", "#fff", true),
            ("hexcolor", "#ffff", false),
            ("k8s-short-name", "my-name", true),
            ("k8s-short-name", "My-name", false),
            ("k8s-long-name", "my.name", true),
            ("bsonobjectid", "507f1f77bcf86cd799439011", true),
            ("password", "anything", true),
            ("email", "not checked", true),
        ];
        for (format, value, want) in cases {
            assert_eq!(string_matches(format, value), want, "{format} {value}");
        }
    }
}
