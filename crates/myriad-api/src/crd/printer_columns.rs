//! A CRD's `additionalPrinterColumns` rendered as table cells (upstream's
//! `apiextensions-apiserver/pkg/registry/customresource/tableconvertor` with client-go's
//! `util/jsonpath`).
//!
//! Column paths are the simple JSONPath kubectl users write: fields (`.spec.replicas`,
//! `.metadata.labels['app.kubernetes.io/name']`, `.a\.b`), indexes and slices
//! (`[0]`, `[-1]`, `[1:3]`, `[*]`), and filters (`[?(@.type=="Ready")]`, with `==`,
//! `!=`, `<`, `<=`, `>`, `>=` or bare existence). Missing fields give an empty cell.
//!
//! A cell is the first value the path finds, converted by column type: `integer`
//! truncates numbers, `number` widens integers, `string` prints any value (objects as
//! JSON, `null` as `<no value>`), and `date` is rendered as the server does it — the
//! time elapsed since the timestamp (`5m`, `3d4h`), which is why `now` is an input.

use std::time::SystemTime;

use serde_json::{Number, Value};

use super::rfc3339;
use crate::go_format;

/// A path that could not be parsed; upstream then serves the default table.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unrecognized column definition {}", go_format_quote(.path))]
pub struct JsonPathError {
    pub path: String,
    /// What is wrong with it.
    pub reason: String,
}

fn go_format_quote(s: &str) -> String {
    go_format::quote(s)
}

#[derive(Clone, Debug, PartialEq)]
enum Segment {
    Field(String),
    Wildcard,
    /// `[start:end]`; an index `[i]` is `start = i, end = i + 1`.
    Slice {
        start: Option<i64>,
        end: Option<i64>,
        single: bool,
    },
    Filter(Filter),
}

#[derive(Clone, Debug, PartialEq)]
struct Filter {
    /// Fields below `@`.
    left: Vec<String>,
    /// `None` for an existence test.
    compare: Option<(Op, Literal)>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug, PartialEq)]
enum Literal {
    String(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// A parsed column path.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonPath {
    segments: Vec<Segment>,
}

impl JsonPath {
    /// Parses a column's `jsonPath` (with or without surrounding `{}` and leading `$`).
    pub fn parse(path: &str) -> Result<Self, JsonPathError> {
        let fail = |reason: &str| JsonPathError {
            path: path.to_string(),
            reason: reason.to_string(),
        };
        let mut text = path.trim();
        if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            text = inner.trim();
        }
        text = text.strip_prefix('$').unwrap_or(text);
        let mut parser = Parser {
            chars: text.chars().collect(),
            pos: 0,
        };
        let segments = parser.segments().map_err(|reason| fail(&reason))?;
        Ok(Self { segments })
    }

    /// Every value the path selects in `object`, in document order.
    pub fn find<'a>(&self, object: &'a Value) -> Vec<&'a Value> {
        let mut current = vec![object];
        for segment in &self.segments {
            let mut next = Vec::new();
            for value in current {
                apply(segment, value, &mut next);
            }
            current = next;
        }
        current
    }
}

fn apply<'a>(segment: &Segment, value: &'a Value, out: &mut Vec<&'a Value>) {
    match segment {
        Segment::Field(name) => {
            if let Some(child) = value.as_object().and_then(|m| m.get(name)) {
                out.push(child);
            }
        }
        Segment::Wildcard => match value {
            Value::Object(map) => out.extend(map.values()),
            Value::Array(items) => out.extend(items.iter()),
            _ => {}
        },
        Segment::Slice { start, end, single } => {
            if let Value::Array(items) = value {
                out.extend(slice(items, *start, *end, *single));
            }
        }
        Segment::Filter(filter) => {
            if let Value::Array(items) = value {
                out.extend(items.iter().filter(|item| filter.matches(item)));
            }
        }
    }
}

/// client-go's slice semantics: negative positions count from the end; out-of-range
/// positions select nothing (client-go reports an error, which empties the cell).
fn slice(items: &[Value], start: Option<i64>, end: Option<i64>, single: bool) -> &[Value] {
    let len = items.len() as i64;
    let mut from = start.unwrap_or(0);
    if from < 0 {
        from += len;
    }
    let to = match end {
        _ if single => from + 1,
        Some(e) if e < 0 => e + len,
        Some(e) => e,
        None => len,
    };
    if from == to {
        return &[];
    }
    if from < 0 || from >= len || to < 0 || to > len || from > to {
        return &[];
    }
    &items[from as usize..to as usize]
}

impl Filter {
    fn matches(&self, item: &Value) -> bool {
        let mut left = Some(item);
        for field in &self.left {
            left = left.and_then(|v| v.as_object()).and_then(|m| m.get(field));
        }
        let Some(left) = left else {
            return false;
        };
        let Some((op, right)) = &self.compare else {
            return true;
        };
        compare(left, *op, right).unwrap_or(false)
    }
}

/// Go template comparison: same basic kind only (an integer never equals a float).
fn compare(left: &Value, op: Op, right: &Literal) -> Option<bool> {
    use std::cmp::Ordering;
    let ordering = match (left, right) {
        (Value::String(a), Literal::String(b)) => a.as_str().cmp(b.as_str()),
        (Value::Bool(a), Literal::Bool(b)) => {
            return match op {
                Op::Eq => Some(a == b),
                Op::Ne => Some(a != b),
                _ => None,
            };
        }
        (Value::Number(n), Literal::Int(b)) => n.as_i64()?.cmp(b),
        (Value::Number(n), Literal::Float(b)) => {
            if n.is_i64() || n.is_u64() {
                return None;
            }
            n.as_f64()?.partial_cmp(b)?
        }
        _ => return None,
    };
    Some(match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::Ne => ordering != Ordering::Equal,
        Op::Lt => ordering == Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
        Op::Gt => ordering == Ordering::Greater,
        Op::Ge => ordering != Ordering::Less,
    })
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn segments(&mut self) -> Result<Vec<Segment>, String> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            match c {
                '.' => {
                    self.pos += 1;
                    match self.peek() {
                        Some('*') => {
                            self.pos += 1;
                            out.push(Segment::Wildcard);
                        }
                        Some('.') => return Err("recursive descent is not supported".to_string()),
                        Some('[') | None => {}
                        Some(_) => out.push(Segment::Field(self.name()?)),
                    }
                }
                '[' => out.push(self.bracket()?),
                c => return Err(format!("unexpected {c:?}")),
            }
        }
        Ok(out)
    }

    /// A field name after `.`: up to the next unescaped `.` or `[`; `\.` is a dot.
    fn name(&mut self) -> Result<String, String> {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            match c {
                '\\' if self.chars.get(self.pos + 1) == Some(&'.') => {
                    name.push('.');
                    self.pos += 2;
                }
                '.' | '[' => break,
                c if c.is_whitespace() => return Err("unexpected space".to_string()),
                c => {
                    name.push(c);
                    self.pos += 1;
                }
            }
        }
        Ok(name)
    }

    fn bracket(&mut self) -> Result<Segment, String> {
        self.pos += 1; // '['
        let segment = match self.peek() {
            Some('\'') | Some('"') => Segment::Field(self.quoted()?),
            Some('*') => {
                self.pos += 1;
                Segment::Wildcard
            }
            Some('?') => {
                self.pos += 1;
                Segment::Filter(self.filter()?)
            }
            _ => self.index()?,
        };
        if !self.eat(']') {
            return Err("missing ]".to_string());
        }
        Ok(segment)
    }

    fn quoted(&mut self) -> Result<String, String> {
        let quote = self.peek().unwrap_or('\'');
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return Err("unterminated quote".to_string()),
                Some('\\') => {
                    self.pos += 1;
                    if let Some(c) = self.peek() {
                        text.push(c);
                        self.pos += 1;
                    }
                }
                Some(c) if c == quote => {
                    self.pos += 1;
                    return Ok(text);
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn integer(&mut self) -> Result<Option<i64>, String> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse().map(Some).map_err(|_| format!("invalid index {text:?}"))
    }

    fn index(&mut self) -> Result<Segment, String> {
        let start = self.integer()?;
        if !self.eat(':') {
            let index = start.ok_or("invalid array index")?;
            return Ok(Segment::Slice {
                start: Some(index),
                end: None,
                single: true,
            });
        }
        let end = self.integer()?;
        if self.eat(':') {
            // A step is accepted and ignored unless it is 1, as most paths do not use it.
            let step = self.integer()?;
            if step.is_some_and(|s| s != 1) {
                return Err("array steps are not supported".to_string());
            }
        }
        Ok(Segment::Slice {
            start,
            end,
            single: false,
        })
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// `(@.a.b OP literal)` or `(@.a.b)`.
    fn filter(&mut self) -> Result<Filter, String> {
        if !self.eat('(') {
            return Err("filter must start with (".to_string());
        }
        self.skip_spaces();
        if !self.eat('@') {
            return Err("filter must test @".to_string());
        }
        let mut left = Vec::new();
        while self.eat('.') {
            left.push(self.filter_name());
        }
        self.skip_spaces();
        let compare = if self.eat(')') {
            None
        } else {
            let op = self.operator()?;
            self.skip_spaces();
            let literal = self.literal()?;
            self.skip_spaces();
            if !self.eat(')') {
                return Err("missing ) in filter".to_string());
            }
            Some((op, literal))
        };
        Ok(Filter { left, compare })
    }

    fn filter_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if c == '.' || c == ')' || c.is_whitespace() || "=!<>".contains(c) {
                break;
            }
            name.push(c);
            self.pos += 1;
        }
        name
    }

    fn operator(&mut self) -> Result<Op, String> {
        let two: String = self.chars.iter().skip(self.pos).take(2).collect();
        let (op, len) = match two.as_str() {
            "==" => (Op::Eq, 2),
            "!=" => (Op::Ne, 2),
            "<=" => (Op::Le, 2),
            ">=" => (Op::Ge, 2),
            _ if two.starts_with('<') => (Op::Lt, 1),
            _ if two.starts_with('>') => (Op::Gt, 1),
            _ => return Err("unrecognized filter operator".to_string()),
        };
        self.pos += len;
        Ok(op)
    }

    fn literal(&mut self) -> Result<Literal, String> {
        match self.peek() {
            Some('\'') | Some('"') => Ok(Literal::String(self.quoted()?)),
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(|c| !c.is_whitespace() && c != ')') {
                    self.pos += 1;
                }
                let text: String = self.chars[start..self.pos].iter().collect();
                match text.as_str() {
                    "true" => Ok(Literal::Bool(true)),
                    "false" => Ok(Literal::Bool(false)),
                    t if t.contains('.') => t
                        .parse()
                        .map(Literal::Float)
                        .map_err(|_| format!("invalid number {t:?}")),
                    t => t
                        .parse()
                        .map(Literal::Int)
                        .map_err(|_| format!("invalid literal {t:?}")),
                }
            }
        }
    }
}

/// The table cell of one column for `object`: the first value `path` selects,
/// converted for `column_type` as upstream's table convertor does; `null` when the path
/// selects nothing or the value does not fit the type.
pub fn cell(object: &Value, path: &JsonPath, column_type: &str, now: SystemTime) -> Value {
    let Some(value) = path.find(object).into_iter().next() else {
        return Value::Null;
    };
    if column_type == "string" {
        return Value::String(print(value));
    }
    cell_for_value(column_type, value, now)
}

/// client-go's `PrintResults` of one value: objects and lists as compact JSON, strings
/// raw, numbers and booleans as Go prints them, `null` as `<no value>`.
fn print(value: &Value) -> String {
    match value {
        Value::Null => "<no value>".to_string(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => go_format::format_float(n.as_f64().unwrap_or_default()),
        },
        other => go_format::json(other).unwrap_or_default(),
    }
}

/// Upstream's `cellForJSONValue`.
fn cell_for_value(column_type: &str, value: &Value, now: SystemTime) -> Value {
    let float = |f: f64| Number::from_f64(f).map_or(Value::Null, Value::Number);
    match (column_type, value) {
        ("integer", Value::Number(n)) => match n.as_i64() {
            Some(i) => Value::from(i),
            None => Value::from(n.as_f64().unwrap_or_default() as i64),
        },
        ("number", Value::Number(n)) => float(n.as_f64().unwrap_or_default()),
        ("boolean", Value::Bool(b)) => Value::Bool(*b),
        ("date", Value::String(s)) => Value::String(age(s, now)),
        _ => Value::Null,
    }
}

/// A `date` cell: `<unknown>` for an empty timestamp, `<invalid>` for one that does not
/// parse, else the time since it (upstream's `ConvertToHumanReadableDateType`).
fn age(timestamp: &str, now: SystemTime) -> String {
    if timestamp.is_empty() || timestamp == "null" {
        return "<unknown>".to_string();
    }
    let Some(seconds) = rfc3339::parse_timestamp(timestamp) else {
        return "<invalid>".to_string();
    };
    let now_nanos = match now.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    human_duration(now_nanos - i128::from(seconds) * 1_000_000_000)
}

/// apimachinery's `duration.HumanDuration` for a duration in nanoseconds: two to three
/// significant figures (`45s`, `3m20s`, `12m`, `5h3m`, `2d4h`, `40d`, `2y10d`).
pub fn human_duration(nanos: i128) -> String {
    const SECOND: i128 = 1_000_000_000;
    let seconds = nanos / SECOND;
    if seconds < -1 {
        return "<invalid>".to_string();
    } else if seconds < 0 {
        return "0s".to_string();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = nanos / (60 * SECOND);
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = nanos / (3600 * SECOND);
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        }
    } else if hours < 24 * 365 * 2 {
        format!("{}d", hours / 24)
    } else if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        }
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn object() -> Value {
        json!({
            "metadata": {"name": "w", "creationTimestamp": "2024-01-02T03:04:05Z",
                         "labels": {"app.kubernetes.io/name": "web"}},
            "spec": {"replicas": 3, "ratio": 1.5, "paused": false, "selector": {"b": 1, "a": "<x>"}, "empty": null,
                     "tags": ["a", "b", "c"]},
            "status": {"conditions": [{"type": "Progressing", "status": "True", "count": 2},
                                      {"type": "Ready", "status": "False", "count": 5}]},
        })
    }

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_164_645 + 3 * 86_400 + 4 * 3600)
    }

    fn col(path: &str, column_type: &str) -> Value {
        let path = JsonPath::parse(path).expect("parses");
        cell(&object(), &path, column_type, now())
    }

    #[test]
    fn simple_paths_and_types() {
        assert_eq!(col(".spec.replicas", "integer"), json!(3));
        assert_eq!(col(".spec.ratio", "integer"), json!(1));
        assert_eq!(col(".spec.replicas", "number"), json!(3.0));
        assert_eq!(col(".spec.paused", "boolean"), json!(false));
        assert_eq!(col(".spec.replicas", "string"), json!("3"));
        assert_eq!(col(".spec.ratio", "string"), json!("1.5"));
        assert_eq!(col(".spec.selector", "string"), json!(r#"{"a":"\u003cx\u003e","b":1}"#));
        assert_eq!(col(".spec.empty", "string"), json!("<no value>"));
        assert_eq!(col(".spec.empty", "integer"), Value::Null);
        assert_eq!(col(".spec.missing", "string"), Value::Null);
        assert_eq!(col(".metadata.name", "integer"), Value::Null);
        assert_eq!(col(".spec.tags", "string"), json!(r#"["a","b","c"]"#));
    }

    #[test]
    fn indexes_slices_and_escapes() {
        assert_eq!(col(".status.conditions[0].type", "string"), json!("Progressing"));
        assert_eq!(col(".status.conditions[-1].type", "string"), json!("Ready"));
        assert_eq!(col(".status.conditions[5].type", "string"), Value::Null);
        assert_eq!(col(".spec.tags[1:]", "string"), json!("b"));
        assert_eq!(col(".spec.tags[*]", "string"), json!("a"));
        assert_eq!(
            col(".metadata.labels['app.kubernetes.io/name']", "string"),
            json!("web")
        );
        assert_eq!(
            col(r".metadata.labels.app\.kubernetes\.io/name", "string"),
            json!("web")
        );
        assert_eq!(col("{.metadata.name}", "string"), json!("w"));
    }

    #[test]
    fn filters() {
        assert_eq!(
            col(r#".status.conditions[?(@.type=="Ready")].status"#, "string"),
            json!("False")
        );
        assert_eq!(
            col(".status.conditions[?(@.type == 'Ready')].status", "string"),
            json!("False")
        );
        assert_eq!(col(".status.conditions[?(@.count>3)].type", "string"), json!("Ready"));
        assert_eq!(
            col(".status.conditions[?(@.count!=5)].type", "string"),
            json!("Progressing")
        );
        assert_eq!(
            col(".status.conditions[?(@.count)].type", "string"),
            json!("Progressing")
        );
        assert_eq!(col(".status.conditions[?(@.count==5.0)].type", "string"), Value::Null);
        assert_eq!(
            col(r#".status.conditions[?(@.type=="Gone")].status"#, "string"),
            Value::Null
        );
    }

    #[test]
    fn dates_render_as_age() {
        assert_eq!(col(".metadata.creationTimestamp", "date"), json!("3d4h"));
        let path = JsonPath::parse(".t").expect("parses");
        assert_eq!(cell(&json!({"t": ""}), &path, "date", now()), json!("<unknown>"));
        assert_eq!(
            cell(&json!({"t": "yesterday"}), &path, "date", now()),
            json!("<invalid>")
        );
        assert_eq!(cell(&json!({"t": 5}), &path, "date", now()), Value::Null);
    }

    #[test]
    fn human_durations_like_apimachinery() {
        let s = |n: i128| human_duration(n * 1_000_000_000);
        let cases = [
            (-2, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (200, "3m20s"),
            (600, "10m"),
            (179 * 60, "179m"),
            (3 * 3600, "3h"),
            (5 * 3600 + 3 * 60, "5h3m"),
            (47 * 3600, "47h"),
            (48 * 3600, "2d"),
            (52 * 3600, "2d4h"),
            (40 * 86_400, "40d"),
            (2 * 365 * 86_400, "2y"),
            ((2 * 365 + 10) * 86_400, "2y10d"),
            (9 * 365 * 86_400, "9y"),
        ];
        for (seconds, want) in cases {
            assert_eq!(s(seconds), want, "{seconds}");
        }
    }

    #[test]
    fn bad_paths() {
        for path in ["spec", ".a[", ".a[?(@.x ~ 1)]", "..a", ".a[1:2:3]"] {
            let err = JsonPath::parse(path).expect_err(path);
            assert_eq!(
                err.to_string(),
                format!("unrecognized column definition {}", go_format::quote(path))
            );
        }
    }
}
