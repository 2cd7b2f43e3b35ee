//! Go's formatting conventions, reproduced where Kubernetes puts them on the wire.
//!
//! Kubernetes error messages are built with Go's `fmt` (`%q` for names and bad values,
//! `%v` for numbers) and `encoding/json` (for structured bad values). Clients and tests
//! compare these strings, so Myriad renders them byte for byte the same way instead of
//! using Rust's `{:?}`, which escapes differently.

use std::fmt::Write as _;

/// Go's `strconv.Quote` / `%q`: a double-quoted string with Go escapes.
///
/// Printable characters are kept as they are; `"` and `\` are backslashed; the usual
/// control characters use their short escapes (`\n`, `\t`, …); other non-printable
/// characters use `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_print(c) => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint`: letters, marks, numbers, punctuation,
/// symbols and the ASCII space. Rust's standard library has no general-category table,
/// so this excludes control and whitespace characters, the format characters (Cf),
/// private-use characters and the Unicode noncharacters; unassigned code points are
/// treated as printable (Go escapes them).
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    let format_or_private = matches!(
        u,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x890..=0x891
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xE000..=0xF8FF
            | 0xFDD0..=0xFDEF
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
            | 0xF0000..=0xFFFFD
            | 0x100000..=0x10FFFD
    );
    let noncharacter = (u & 0xFFFE) == 0xFFFE;
    !(format_or_private || noncharacter)
}

/// Go's `%v` for a `float64`: `strconv.FormatFloat(f, 'g', -1, 64)` — the shortest
/// representation that round-trips, in exponent form when the decimal exponent is below
/// -4 or at least 6 (`1e+06`, `1.5e-07`, `123456`, `0.0001`).
pub(crate) fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    // Rust's `{:e}` is also shortest-round-trip: "-1.2345e2", "1e6", "0e0".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let _ = write!(out, "{:02}", exp.unsigned_abs());
        return out;
    }
    // Fixed notation: the decimal point sits `exp + 1` digits into `digits`.
    let point = exp + 1;
    let nd = digits.len() as i32;
    if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
        out.push_str(&digits);
    } else if point >= nd {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (point - nd) as usize));
    } else {
        let (int, frac) = digits.split_at(point as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// JSON as Go's `encoding/json` writes it: compact, with `<`, `>`, `&`, U+2028 and
/// U+2029 escaped (Go's default HTML-safe escaping). Those characters can only occur
/// inside JSON strings, so replacing them in serde_json's output is exact.
pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Option<String> {
    let text = serde_json::to_string(value).ok()?;
    if !text.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return Some(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_go_strconv_quote() {
        // Expected values are what Go's strconv.Quote returns for each input.
        let cases = [
            ("", r#""""#),
            ("abc", r#""abc""#),
            ("Bad_Name", r#""Bad_Name""#),
            ("a\"b", r#""a\"b""#),
            ("a\\b", r#""a\\b""#),
            ("a\nb\tc\rd", r#""a\nb\tc\rd""#),
            ("\u{7}\u{8}\u{c}\u{b}", r#""\a\b\f\v""#),
            ("\u{0}\u{1b}\u{7f}", r#""\x00\x1b\x7f""#),
            ("Tama-nui-te-rā", r#""Tama-nui-te-rā""#),
            ("함=수", r#""함=수""#),
            ("\u{a0}", r#""\u00a0""#),
            ("\u{200b}", r#""\u200b""#),
            ("\u{feff}", r#""\ufeff""#),
            ("\u{2028}", r#""\u2028""#),
            ("\u{e0001}", r#""\U000e0001""#),
            ("😀", r#""😀""#),
        ];
        for (input, want) in cases {
            assert_eq!(quote(input), want, "{input:?}");
        }
    }

    #[test]
    fn floats_match_go_percent_v() {
        let cases = [
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-42.0, "-42"),
            (1.5, "1.5"),
            (123456.0, "123456"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e21, "1e+21"),
            (1e100, "1e+100"),
            (0.1, "0.1"),
            (100.25, "100.25"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ];
        for (input, want) in cases {
            assert_eq!(format_float(input), want, "{input}");
        }
    }

    #[test]
    fn json_escapes_html_like_go() {
        assert_eq!(json(&"<a&b>").as_deref(), Some(r#""\u003ca\u0026b\u003e""#));
        assert_eq!(json(&vec!["one", "two"]).as_deref(), Some(r#"["one","two"]"#));
        assert_eq!(json(&"\u{2028}").as_deref(), Some(r#""\u2028""#));
    }
}
