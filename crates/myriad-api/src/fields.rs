//! Field selectors: parsing `?fieldSelector=` strings and matching objects' fields.
//!
//! Follows apimachinery's `fields.ParseSelector`: comma-separated terms
//! `field=value`, `field==value` or `field!=value`; in values, `\,`, `\=` and `\\`
//! stand for a literal comma, equals sign and backslash, and any other backslash or an
//! unescaped `,`/`=` is an error. Terms are kept sorted by their text, so equal
//! selectors print equally. Which fields a resource supports is the resource's
//! business; this module only parses and matches.
//!
//! ```
//! use myriad_api::fields::Selector;
//!
//! let selector = Selector::parse("spec.nodeName=node-1,status.phase!=Failed")?;
//! let pod = |field: &str| match field {
//!     "spec.nodeName" => Some("node-1".to_string()),
//!     "status.phase" => Some("Running".to_string()),
//!     _ => None,
//! };
//! assert!(selector.matches(pod));
//! assert_eq!(selector.exact_requirements(), vec![("spec.nodeName", "node-1")]);
//! # Ok::<(), myriad_api::fields::ParseError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

/// `=` (also written `==`) or `!=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    Equals,
    NotEquals,
}

/// One term: the field's value must (or must not) equal `value`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    pub field: String,
    pub operator: Operator,
    pub value: String,
}

impl Requirement {
    /// Whether the field's value satisfies the term; a missing field reads as `""`, as
    /// upstream's `fields.Set` does.
    fn matches(&self, actual: Option<&str>) -> bool {
        let equal = actual.unwrap_or("") == self.value;
        match self.operator {
            Operator::Equals => equal,
            Operator::NotEquals => !equal,
        }
    }
}

/// Prints `field=value` / `field!=value` with the value escaped.
impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.operator {
            Operator::Equals => "=",
            Operator::NotEquals => "!=",
        };
        write!(f, "{}{op}{}", self.field, escape_value(&self.value))
    }
}

/// Why a field selector string was rejected. `Display` is upstream's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// A term has no `=`, `==` or `!=`.
    #[error("invalid selector: '{selector}'; can't understand '{term}'")]
    UnknownTerm { selector: String, term: String },
    /// A backslash not followed by `\`, `,` or `=` (or at the end of a value).
    #[error("invalid field selector: invalid escape sequence: {0}")]
    InvalidEscapeSequence(String),
    /// An unescaped `,` or `=` in a value. Upstream prints the character's code point
    /// (`61` for `=`), and so does this.
    #[error("invalid field selector: unescaped character in value: {}", code_point(.0))]
    UnescapedCharacter(char),
}

fn code_point(c: &char) -> u32 {
    u32::from(*c)
}

/// A conjunction of field terms. The empty selector matches everything;
/// [`Selector::nothing`] matches nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    requirements: Vec<Requirement>,
    nothing: bool,
}

impl Selector {
    /// Parses a field selector (`metadata.name=x,spec.nodeName!=`), with upstream's
    /// escaping rules and messages. A term whose field and value are both empty (`=`)
    /// is dropped, as upstream's parse-time transform drops it.
    pub fn parse(selector: &str) -> Result<Self, ParseError> {
        let mut terms = split_terms(selector);
        terms.sort_unstable();
        let mut requirements = Vec::with_capacity(terms.len());
        for term in terms {
            if term.is_empty() {
                continue;
            }
            let Some((field, operator, raw_value)) = split_term(term) else {
                return Err(ParseError::UnknownTerm {
                    selector: selector.to_string(),
                    term: term.to_string(),
                });
            };
            let value = unescape_value(raw_value)?;
            if field.is_empty() && value.is_empty() {
                continue;
            }
            requirements.push(Requirement {
                field: field.to_string(),
                operator,
                value,
            });
        }
        Ok(Self {
            requirements,
            nothing: false,
        })
    }

    /// The selector that matches every object (and is empty).
    pub fn everything() -> Self {
        Self::default()
    }

    /// The selector that matches no object.
    pub fn nothing() -> Self {
        Self {
            requirements: Vec::new(),
            nothing: true,
        }
    }

    /// A selector with one `field=value` term (upstream's `OneTermEqualSelector`).
    pub fn one_term_equal(field: &str, value: &str) -> Self {
        Self {
            requirements: vec![Requirement {
                field: field.to_string(),
                operator: Operator::Equals,
                value: value.to_string(),
            }],
            nothing: false,
        }
    }

    /// Whether an object matches; `get` returns the object's value for a field path
    /// (`None` when unset, which compares as `""`).
    pub fn matches<F: Fn(&str) -> Option<String>>(&self, get: F) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(get(&r.field).as_deref()))
    }

    /// True when the selector does not restrict anything.
    pub fn is_empty(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }

    /// True for [`Selector::nothing`].
    pub fn matches_nothing(&self) -> bool {
        self.nothing
    }

    /// The terms, in their sorted order.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// The value the first `=` term on `field` requires, if any (upstream's
    /// `RequiresExactMatch`), e.g. `spec.nodeName` for a kubelet's pod watch.
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.requirements
            .iter()
            .find(|r| r.field == field && r.operator == Operator::Equals)
            .map(|r| r.value.as_str())
    }

    /// Every `(field, value)` pair the selector requires equality on. An object can
    /// only match if it has all of them, so a field index can narrow candidates (or
    /// watchers to notify) with any one pair.
    pub fn exact_requirements(&self) -> Vec<(&str, &str)> {
        self.requirements
            .iter()
            .filter(|r| r.operator == Operator::Equals)
            .map(|r| (r.field.as_str(), r.value.as_str()))
            .collect()
    }

    /// Rewrites every term with `f(field, value)` (upstream's `Transform`), e.g. to map
    /// a legacy field name or to reject unsupported fields with an error; a term mapped
    /// to an empty field and value is dropped.
    pub fn transform<E>(&self, mut f: impl FnMut(&str, &str) -> Result<(String, String), E>) -> Result<Self, E> {
        if self.nothing {
            return Ok(self.clone());
        }
        let mut requirements = Vec::with_capacity(self.requirements.len());
        for r in &self.requirements {
            let (field, value) = f(&r.field, &r.value)?;
            if field.is_empty() && value.is_empty() {
                continue;
            }
            requirements.push(Requirement {
                field,
                operator: r.operator,
                value,
            });
        }
        Ok(Self {
            requirements,
            nothing: false,
        })
    }
}

/// Prints like upstream's `String()`: terms joined by `,`, values escaped.
impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl FromStr for Selector {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Escapes a literal value for use in a field selector: `\` → `\\`, `,` → `\,`,
/// `=` → `\=`.
pub fn escape_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | ',' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Undoes [`escape_value`]; rejects unknown escapes and unescaped `,` or `=`.
pub fn unescape_value(s: &str) -> Result<String, ParseError> {
    if !s.contains(['\\', ',', '=']) {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            match c {
                '\\' | ',' | '=' => out.push(c),
                _ => return Err(ParseError::InvalidEscapeSequence(format!("\\{c}"))),
            }
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            ',' | '=' => return Err(ParseError::UnescapedCharacter(c)),
            _ => out.push(c),
        }
    }
    if in_slash {
        return Err(ParseError::InvalidEscapeSequence("\\".to_string()));
    }
    Ok(out)
}

/// Splits on commas that are not escaped; escaped ones stay in the term with their
/// backslash. An empty selector has no terms.
fn split_terms(selector: &str) -> Vec<&str> {
    if selector.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::with_capacity(1);
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in selector.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&selector[start..i]);
            start = i + 1;
        }
    }
    terms.push(&selector[start..]);
    terms
}

/// Splits a term at the first operator (`!=` and `==` tried before `=`); the field
/// part has no escaping. Returns the raw (still escaped) value.
fn split_term(term: &str) -> Option<(&str, Operator, &str)> {
    const OPERATORS: [(&str, Operator); 3] = [
        ("!=", Operator::NotEquals),
        ("==", Operator::Equals),
        ("=", Operator::Equals),
    ];
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for (text, op) in OPERATORS {
            if let Some(value) = rest.strip_prefix(text) {
                return Some((&term[..i], op, value));
            }
        }
    }
    None
}

/// Reads a dotted field path (`spec.nodeName`) from a JSON object, rendering scalars
/// as field selectors compare them: strings as they are, numbers and booleans in their
/// JSON spelling. Missing fields, `null`, arrays and objects give `None`.
pub fn json_field(object: &Value, path: &str) -> Option<String> {
    let mut current = object;
    for part in path.split('.') {
        current = current.get(part)?;
    }
    scalar(current)
}

/// A field's value as field selectors compare it: strings as they are, numbers and
/// booleans in their JSON spelling; `None` for `null`, arrays and objects.
pub fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(selector, fields, matches)` rows, as upstream's match tables.
    type MatchCase<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
    /// `(term, expected split)`.
    type SplitCase<'a> = (&'a str, Option<(&'a str, Operator, &'a str)>);
    use std::collections::BTreeMap;

    fn getter(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |field: &str| map.get(field).cloned()
    }

    /// Upstream `TestSplitTerms`.
    #[test]
    fn split_terms_table() {
        let cases: &[(&str, &[&str])] = &[
            ("a", &["a"]),
            ("a=avalue", &["a=avalue"]),
            ("a=avalue,b=bvalue", &["a=avalue", "b=bvalue"]),
            ("a=avalue,b==bvalue,c!=cvalue", &["a=avalue", "b==bvalue", "c!=cvalue"]),
            ("", &[]),
            ("a=a,", &["a=a", ""]),
            (",a=a", &["", "a=a"]),
            (r"k=\,,k2=v2", &[r"k=\,", "k2=v2"]),
            (r"k=\\,k2=v2", &[r"k=\\", "k2=v2"]),
            (r"k=\\\,,k2=v2", &[r"k=\\\,", "k2=v2"]),
            (r"k=\a\b\", &[r"k=\a\b\"]),
            (r"k=\", &[r"k=\"]),
            ("함=수,목=록", &["함=수", "목=록"]),
        ];
        for (input, want) in cases {
            assert_eq!(split_terms(input), *want, "{input}");
        }
    }

    /// Upstream `TestSplitTerm`.
    #[test]
    fn split_term_table() {
        let cases: &[SplitCase] = &[
            ("a=value", Some(("a", Operator::Equals, "value"))),
            ("b==value", Some(("b", Operator::Equals, "value"))),
            ("c!=value", Some(("c", Operator::NotEquals, "value"))),
            ("", None),
            ("a", None),
            (r"k=\,", Some(("k", Operator::Equals, r"\,"))),
            (r"k=\=", Some(("k", Operator::Equals, r"\="))),
            (r"k=\\\a\b\=\,\", Some(("k", Operator::Equals, r"\\\a\b\=\,\"))),
            ("함=수", Some(("함", Operator::Equals, "수"))),
        ];
        for (input, want) in cases {
            assert_eq!(split_term(input), *want, "{input}");
        }
    }

    /// Upstream `TestEscapeValue`.
    #[test]
    fn escaping() {
        let cases = [
            ("", ""),
            ("a", "a"),
            ("=", r"\="),
            (",", r"\,"),
            (r"\", r"\\"),
            (r"\=\,\", r"\\\=\\\,\\"),
        ];
        for (raw, escaped) in cases {
            assert_eq!(escape_value(raw), escaped);
            assert_eq!(unescape_value(escaped).as_deref(), Ok(raw));
        }
        for invalid in [r"\", r"\\\", r"\a"] {
            assert!(
                matches!(unescape_value(invalid), Err(ParseError::InvalidEscapeSequence(_))),
                "{invalid}"
            );
        }
    }

    /// Upstream `TestSelectorParse`.
    #[test]
    fn parse_and_restring() {
        for input in ["x=a,y=b,z=c", "", "x!=a,y=b", r"x=a||y\=b", r"x=a\=\=b"] {
            let parsed = Selector::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(parsed.to_string(), input);
        }
        for input in ["x=a||y=b", "x==a==b", "x=a,b", "x in (a)", "x in (a,b,c)", "x"] {
            assert!(Selector::parse(input).is_err(), "{input} should fail");
        }
    }

    #[test]
    fn error_messages() {
        let cases = [
            ("x", "invalid selector: 'x'; can't understand 'x'"),
            ("x=a,b", "invalid selector: 'x=a,b'; can't understand 'b'"),
            ("x==a==b", "invalid field selector: unescaped character in value: 61"),
            ("x=a,y=b,c", "invalid selector: 'x=a,y=b,c'; can't understand 'c'"),
            (r"x=\a", r"invalid field selector: invalid escape sequence: \a"),
            (r"x=a\", r"invalid field selector: invalid escape sequence: \"),
        ];
        for (input, want) in cases {
            assert_eq!(Selector::parse(input).expect_err(input).to_string(), want);
        }
    }

    /// Upstream `TestDeterministicParse`.
    #[test]
    fn deterministic() {
        let a = Selector::parse("x=a,a=x").expect("parses");
        let b = Selector::parse("a=x,x=a").expect("parses");
        assert_eq!(a.to_string(), b.to_string());
        assert_eq!(a.to_string(), "a=x,x=a");
    }

    /// Upstream `TestSelectorMatches`.
    #[test]
    fn matches_table() {
        let fieldset: &[(&str, &str)] = &[("foo", "bar"), ("baz", "blah"), ("complex", r"=value\,\")];
        let cases: &[MatchCase] = &[
            ("", &[("x", "y")], true),
            ("x=y", &[("x", "y")], true),
            ("x=y,z=w", &[("x", "y"), ("z", "w")], true),
            ("x!=y,z!=w", &[("x", "z"), ("z", "a")], true),
            ("notin=in", &[("notin", "in")], true),
            ("x=y", &[("x", "z")], false),
            ("x=y,z=w", &[("x", "w"), ("z", "w")], false),
            ("x!=y,z!=w", &[("x", "z"), ("z", "w")], false),
            ("foo=bar", fieldset, true),
            ("baz=blah", fieldset, true),
            ("foo=bar,baz=blah", fieldset, true),
            (r"foo=bar,baz=blah,complex=\=value\\\,\\", fieldset, true),
            ("foo=blah", fieldset, false),
            ("baz=bar", fieldset, false),
            ("foo=bar,foobar=bar,baz=blah", fieldset, false),
        ];
        for (selector, fields, want) in cases {
            let parsed = Selector::parse(selector).expect("parses");
            assert_eq!(parsed.matches(getter(fields)), *want, "{selector}");
        }
    }

    #[test]
    fn missing_fields_read_as_empty() {
        let unset = getter(&[]);
        assert!(Selector::parse("spec.nodeName=").expect("parses").matches(&unset));
        assert!(
            Selector::parse("spec.nodeName!=node-1")
                .expect("parses")
                .matches(&unset)
        );
        assert!(!Selector::parse("spec.nodeName!=").expect("parses").matches(&unset));
    }

    #[test]
    fn everything_nothing_one_term() {
        assert!(Selector::everything().matches(getter(&[("x", "y")])));
        assert!(Selector::everything().is_empty());
        assert!(!Selector::nothing().matches(getter(&[])));
        assert!(!Selector::nothing().is_empty());
        assert!(Selector::nothing().matches_nothing());
        assert!(Selector::one_term_equal("x", "y").matches(getter(&[("x", "y")])));
        assert!(!Selector::one_term_equal("x", "y").matches(getter(&[("x", "z")])));
        // `=` alone parses to a term with empty field and value, which upstream drops.
        let empty_term = Selector::parse("=").expect("parses");
        assert!(empty_term.is_empty());
        assert!(!Selector::parse("=x").expect("parses").is_empty());
    }

    /// Upstream `TestRequiresExactMatch`, plus `exact_requirements`.
    #[test]
    fn exact_matches() {
        let s = Selector::parse("a=b,test!=c,test=b").expect("parses");
        assert_eq!(s.requires_exact_match("test"), Some("b"));
        assert_eq!(s.requires_exact_match("missing"), None);
        assert_eq!(
            Selector::parse("test=").expect("parses").requires_exact_match("test"),
            Some("")
        );
        assert_eq!(
            Selector::parse("test!=b").expect("parses").requires_exact_match("test"),
            None
        );
        assert_eq!(Selector::everything().requires_exact_match("test"), None);
        assert_eq!(s.exact_requirements(), vec![("a", "b"), ("test", "b")]);
        let node = Selector::parse("spec.nodeName==node-1").expect("parses");
        assert_eq!(node.exact_requirements(), vec![("spec.nodeName", "node-1")]);
        assert_eq!(node.to_string(), "spec.nodeName=node-1");
    }

    /// Upstream `TestTransform`.
    #[test]
    fn transform() {
        type Fix = fn(&str, &str) -> Result<(String, String), ()>;
        let identity: Fix = |f, v| Ok((f.into(), v.into()));
        let rename_a: Fix = |f, v| {
            if f == "a" {
                Ok(("e".into(), "f".into()))
            } else {
                Ok((f.into(), v.into()))
            }
        };
        let drop_all: Fix = |_, _| Ok((String::new(), String::new()));
        let drop_c: Fix = |f, v| {
            if f == "c" {
                Ok((String::new(), String::new()))
            } else {
                Ok((f.into(), v.into()))
            }
        };
        let cases = [
            ("", identity, "", true),
            ("a=b,c=d", identity, "a=b,c=d", false),
            ("a=b,c=d", rename_a, "e=f,c=d", false),
            ("a=b", drop_all, "", true),
            ("a=b,c=d,e=f", drop_c, "a=b,e=f", false),
        ];
        for (input, f, want, empty) in cases {
            let out = Selector::parse(input)
                .expect("parses")
                .transform(f)
                .expect("transforms");
            assert_eq!((out.to_string().as_str(), out.is_empty()), (want, empty), "{input}");
        }
        let unsupported = Selector::parse("spec.bogus=x")
            .expect("parses")
            .transform(|f, _| Err::<(String, String), String>(format!("field label not supported: {f}")));
        assert_eq!(unsupported, Err("field label not supported: spec.bogus".to_string()));
    }

    #[test]
    fn json_fields() {
        let pod = serde_json::json!({
            "metadata": {"name": "p", "namespace": "default"},
            "spec": {"nodeName": "node-1", "hostNetwork": true, "priority": 5},
            "status": {"podIPs": [{"ip": "10.0.0.1"}]},
        });
        assert_eq!(json_field(&pod, "metadata.name").as_deref(), Some("p"));
        assert_eq!(json_field(&pod, "spec.nodeName").as_deref(), Some("node-1"));
        assert_eq!(json_field(&pod, "spec.hostNetwork").as_deref(), Some("true"));
        assert_eq!(json_field(&pod, "spec.priority").as_deref(), Some("5"));
        assert_eq!(json_field(&pod, "status.phase"), None);
        assert_eq!(json_field(&pod, "status.podIPs"), None);
        let s = Selector::parse("spec.nodeName=node-1,metadata.namespace=default").expect("parses");
        assert!(s.matches(|f| json_field(&pod, f)));
    }
}
