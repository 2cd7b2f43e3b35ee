//! Label selectors: parsing `?labelSelector=` strings and matching labels against them.
//!
//! The grammar, the error messages and the matching rules follow apimachinery's
//! `labels.Parse` exactly, because users write selectors for kubectl and expect the same
//! answers (and the same complaints) from any Kubernetes API server:
//!
//! ```text
//! <selector>    ::= <requirement> | <requirement> "," <selector>
//! <requirement> ::= [!] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
//! ```
//!
//! `x=a`, `x==a`, `x!=a`, `x in (a,b)`, `x notin (a,b)`, `x` (exists), `!x` (does not
//! exist), `x>1`, `x<1` (integer comparison). Keys must be qualified names and values
//! label values; requirements are kept sorted by key.
//!
//! ```
//! use std::collections::BTreeMap;
//! use myriad_api::labels::Selector;
//!
//! let selector = Selector::parse("app=web,tier notin (cache)")?;
//! let labels = BTreeMap::from([("app".to_string(), "web".to_string())]);
//! assert!(selector.matches(&labels));
//! assert_eq!(selector.exact_requirements(), vec![("app", "web")]);
//! # Ok::<(), myriad_api::labels::ParseError>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use crate::field_error::{FieldError, FieldErrors, FieldPath};
use crate::validation::{is_qualified_name, is_valid_label_value};

/// Anything that has labels to match: a label map, or a JSON object of labels.
pub trait LabelSource {
    /// The value of label `key`, if the label is set.
    fn label(&self, key: &str) -> Option<&str>;
}

impl LabelSource for BTreeMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl<S: std::hash::BuildHasher> LabelSource for HashMap<String, String, S> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

/// A JSON labels map (an object's `metadata.labels`). Non-string values cannot be
/// labels (validation rejects them before storage) and read as absent.
impl LabelSource for serde_json::Map<String, Value> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }
}

/// A JSON labels map; anything but an object has no labels.
impl LabelSource for Value {
    fn label(&self, key: &str) -> Option<&str> {
        self.as_object().and_then(|m| m.label(key))
    }
}

impl<T: LabelSource + ?Sized> LabelSource for &T {
    fn label(&self, key: &str) -> Option<&str> {
        (**self).label(key)
    }
}

/// How a requirement relates a label to its values (upstream's `selection.Operator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `=`: the label is set to the value.
    Equals,
    /// `==`: the same as `=`, kept apart so the selector prints back as written.
    DoubleEquals,
    /// `!=`: the label is unset or set to something else.
    NotEquals,
    /// `in (a,b)`: the label is set to one of the values.
    In,
    /// `notin (a,b)`: the label is unset or set to none of the values.
    NotIn,
    /// `key`: the label is set.
    Exists,
    /// `!key`: the label is unset.
    DoesNotExist,
    /// `>`: the label is set to an integer greater than the value.
    GreaterThan,
    /// `<`: the label is set to an integer less than the value.
    LessThan,
}

/// The binary operators in the order upstream lists them in "expected:" messages.
const BINARY_OPERATORS: &str = "in, notin, =, ==, !=, gt, lt";

impl Operator {
    /// Upstream's operator string (`=`, `in`, `exists`, `!`, `gt`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equals => "=",
            Self::DoubleEquals => "==",
            Self::NotEquals => "!=",
            Self::In => "in",
            Self::NotIn => "notin",
            Self::Exists => "exists",
            Self::DoesNotExist => "!",
            Self::GreaterThan => "gt",
            Self::LessThan => "lt",
        }
    }
}

/// One condition on one label. Build it with [`Requirement::new`] so keys and values are
/// validated, as every parsed requirement is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

impl Requirement {
    /// A validated requirement, with upstream's `NewRequirement` rules: the key is a
    /// qualified name; `in`/`notin` need values; `=`, `==`, `!=` exactly one; exists and
    /// does-not-exist none; `>`/`<` exactly one integer; every value is a label value.
    /// Errors use upstream's field paths (`key`, `values`, `values[0][key]`).
    pub fn new(key: &str, operator: Operator, values: Vec<String>) -> Result<Self, FieldErrors> {
        Self::new_at(key, operator, values, &FieldPath::default())
    }

    fn new_at(key: &str, operator: Operator, values: Vec<String>, path: &FieldPath) -> Result<Self, FieldErrors> {
        let mut errs = Vec::new();
        if let Some(err) = key_error(key, path.child("key")) {
            errs.push(err);
        }
        let values_path = path.child("values");
        match operator {
            Operator::In | Operator::NotIn if values.is_empty() => errs.push(FieldError::invalid(
                &values_path,
                values.as_slice(),
                "for 'in', 'notin' operators, values set can't be empty",
            )),
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals if values.len() != 1 => {
                errs.push(FieldError::invalid(
                    &values_path,
                    values.as_slice(),
                    "exact-match compatibility requires one single value",
                ))
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => errs.push(FieldError::invalid(
                &values_path,
                values.as_slice(),
                "values set must be empty for exists and does not exist",
            )),
            Operator::GreaterThan | Operator::LessThan => {
                if values.len() != 1 {
                    errs.push(FieldError::invalid(
                        &values_path,
                        values.as_slice(),
                        "for 'Gt', 'Lt' operators, exactly one value is required",
                    ));
                }
                for (i, value) in values.iter().enumerate() {
                    if parse_go_int(value).is_none() {
                        errs.push(FieldError::invalid(
                            values_path.index(i),
                            value,
                            "for 'Gt', 'Lt' operators, the value must be an integer",
                        ));
                    }
                }
            }
            _ => {}
        }
        for (i, value) in values.iter().enumerate() {
            let msgs = is_valid_label_value(value);
            if !msgs.is_empty() {
                errs.push(FieldError::invalid(
                    values_path.index(i).key(key),
                    value,
                    msgs.join("; "),
                ));
            }
        }
        if !errs.is_empty() {
            return Err(FieldErrors(dedup_messages(errs)));
        }
        Ok(Self {
            key: key.to_string(),
            operator,
            values,
        })
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The values as given (parsed requirements hold them sorted and de-duplicated).
    pub fn values(&self) -> &[String] {
        &self.values
    }

    fn has_value(&self, value: &str) -> bool {
        self.values.iter().any(|v| v == value)
    }

    /// Whether `labels` satisfy this requirement. `!=` and `notin` match when the label
    /// is absent; `>` and `<` never match a label that is not an integer.
    pub fn matches(&self, labels: &impl LabelSource) -> bool {
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                labels.label(&self.key).is_some_and(|v| self.has_value(v))
            }
            Operator::NotIn | Operator::NotEquals => labels.label(&self.key).is_none_or(|v| !self.has_value(v)),
            Operator::Exists => labels.label(&self.key).is_some(),
            Operator::DoesNotExist => labels.label(&self.key).is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(actual) = labels.label(&self.key).and_then(parse_go_int) else {
                    return false;
                };
                let [wanted] = self.values.as_slice() else {
                    return false;
                };
                let Some(wanted) = parse_go_int(wanted) else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    actual > wanted
                } else {
                    actual < wanted
                }
            }
        }
    }

    /// The single value an object's label must have for this requirement to hold, if
    /// there is one (`=`, `==`, or `in` with one value).
    fn exact_value(&self) -> Option<&str> {
        match (self.operator, self.values.as_slice()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [value]) => Some(value),
            _ => None,
        }
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)`: optional sign, decimal digits, no spaces.
fn parse_go_int(s: &str) -> Option<i64> {
    s.parse::<i64>().ok()
}

/// `ErrorList.ToAggregate()` drops errors whose message repeats.
fn dedup_messages(errs: Vec<FieldError>) -> Vec<FieldError> {
    let mut out: Vec<FieldError> = Vec::with_capacity(errs.len());
    for err in errs {
        let msg = err.to_string();
        if !out.iter().any(|e| e.to_string() == msg) {
            out.push(err);
        }
    }
    out
}

/// A key that is not a qualified name, as one error with the reasons joined by `; `.
fn key_error(key: &str, path: impl Into<String>) -> Option<FieldError> {
    let msgs = is_qualified_name(key);
    if msgs.is_empty() {
        None
    } else {
        Some(FieldError::invalid(path, key, msgs.join("; ")))
    }
}

/// Prints like upstream: `x=a`, `x in (a,b)`, `!x`, `x>1`; set values sorted.
impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let op = match self.operator {
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
        };
        f.write_str(op)?;
        let set = matches!(self.operator, Operator::In | Operator::NotIn);
        if set {
            f.write_str("(")?;
        }
        let mut values: Vec<&str> = self.values.iter().map(String::as_str).collect();
        values.sort_unstable();
        f.write_str(&values.join(","))?;
        if set {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Why a label selector string was rejected. `Display` is upstream's message.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// The selector's grammar was broken between requirements.
    #[error("{0}")]
    Syntax(String),
    /// One requirement could not be parsed or is invalid.
    #[error("unable to parse requirement: {0}")]
    Requirement(RequirementError),
}

/// Why one requirement of a selector was rejected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RequirementError {
    /// The requirement's grammar was broken (`found 'x', expected: …`).
    #[error("{0}")]
    Syntax(String),
    /// The key or a value is not valid.
    #[error("{0}")]
    Invalid(FieldErrors),
}

/// A conjunction of requirements over labels. The empty selector matches everything;
/// [`Selector::nothing`] matches nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    requirements: Vec<Requirement>,
    nothing: bool,
}

impl Selector {
    /// Parses a selector string (`app=web,tier in (a,b),!canary`) with upstream's grammar
    /// and messages. The empty string (or only whitespace) matches everything.
    pub fn parse(selector: &str) -> Result<Self, ParseError> {
        let mut requirements = Parser::new(selector).parse()?;
        // Upstream sorts with an unstable sort; requirements on the same key keep their
        // written order here, which only affects how the selector prints.
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Self {
            requirements,
            nothing: false,
        })
    }

    /// The selector that matches every object (and is empty).
    pub fn everything() -> Self {
        Self::default()
    }

    /// The selector that matches no object, e.g. for a Service without a selector.
    pub fn nothing() -> Self {
        Self {
            requirements: Vec::new(),
            nothing: true,
        }
    }

    /// `key=value` for every entry, unvalidated (upstream's `SelectorFromSet`); for
    /// label sets that are already valid, such as an object's own labels.
    pub fn from_set(set: &BTreeMap<String, String>) -> Self {
        let requirements = set
            .iter()
            .map(|(k, v)| Requirement {
                key: k.clone(),
                operator: Operator::Equals,
                values: vec![v.clone()],
            })
            .collect();
        Self {
            requirements,
            nothing: false,
        }
    }

    /// Like [`Selector::from_set`] but validating every key and value
    /// (`ValidatedSelectorFromSet`); the first invalid entry, in key order, is reported.
    pub fn validated_from_set(set: &BTreeMap<String, String>) -> Result<Self, FieldErrors> {
        let requirements = set
            .iter()
            .map(|(k, v)| Requirement::new(k, Operator::Equals, vec![v.clone()]))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            requirements,
            nothing: false,
        })
    }

    /// A `metav1.LabelSelector` object (`matchLabels`, `matchExpressions` with `In`,
    /// `NotIn`, `Exists`, `DoesNotExist`) as a selector, as upstream's
    /// `LabelSelectorAsSelector`: absent or null matches nothing, `{}` everything.
    pub fn from_label_selector(selector: &Value) -> Result<Self, FieldErrors> {
        let Some(object) = selector.as_object() else {
            return Ok(Self::nothing());
        };
        let mut result = Self::everything();
        if let Some(labels) = object.get("matchLabels").and_then(Value::as_object) {
            for (key, value) in labels {
                let value = value.as_str().unwrap_or_default().to_string();
                result = result.and(Requirement::new(key, Operator::Equals, vec![value])?);
            }
        }
        let expressions = object.get("matchExpressions").and_then(Value::as_array);
        for (i, expression) in expressions.into_iter().flatten().enumerate() {
            let path = FieldPath::new("matchExpressions").index(i);
            let operator = match expression.get("operator").and_then(Value::as_str).unwrap_or_default() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    let error = FieldError::not_supported(
                        path.child("operator").as_str(),
                        other,
                        &["DoesNotExist", "Exists", "In", "NotIn"],
                    );
                    return Err(FieldErrors(vec![error]));
                }
            };
            let key = expression.get("key").and_then(Value::as_str).unwrap_or_default();
            let values = expression
                .get("values")
                .and_then(Value::as_array)
                .map(|values| values.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default();
            result = result.and(Requirement::new_at(key, operator, values, &path)?);
        }
        Ok(result)
    }

    /// Adds a requirement (upstream's `Add`), keeping requirements sorted by key.
    pub fn and(mut self, requirement: Requirement) -> Self {
        if self.nothing {
            return self;
        }
        let at = self.requirements.partition_point(|r| r.key <= requirement.key);
        self.requirements.insert(at, requirement);
        self
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &impl LabelSource) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// Matches a whole object by its `metadata.labels` (absent labels are no labels).
    pub fn matches_object(&self, object: &Value) -> bool {
        let labels = object.get("metadata").and_then(|m| m.get("labels"));
        match labels {
            Some(labels) => self.matches(labels),
            None => self.matches(&serde_json::Map::new()),
        }
    }

    /// True when the selector does not restrict anything (matches every object).
    pub fn is_empty(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }

    /// True for [`Selector::nothing`].
    pub fn matches_nothing(&self) -> bool {
        self.nothing
    }

    /// The requirements, sorted by key.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Upstream's `RequiresExactMatch`: looks at the *first* requirement on `key` and
    /// returns its value if it pins the label to one value (`=`, `==`, `in (v)`).
    pub fn requires_exact_match(&self, key: &str) -> Option<&str> {
        self.requirements.iter().find(|r| r.key == key)?.exact_value()
    }

    /// Every `(key, value)` the selector pins a label to (`=`, `==`, `in` with one
    /// value). An object can only match if it carries all of them, so a label index can
    /// narrow the candidates (or the watchers to notify) with any one of these pairs.
    pub fn exact_requirements(&self) -> Vec<(&str, &str)> {
        self.requirements
            .iter()
            .filter_map(|r| r.exact_value().map(|v| (r.key.as_str(), v)))
            .collect()
    }
}

/// Prints like upstream's `String()`: requirements joined by `,` (and `""` for
/// [`Selector::nothing`], as upstream).
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

/// Lexer tokens; the names follow upstream's so the parser reads the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Error,
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

/// Tokens that have a fixed spelling (all but identifiers, end and error).
fn literal_token(s: &[u8]) -> Option<Token> {
    Some(match s {
        b")" => Token::ClosedPar,
        b"," => Token::Comma,
        b"!" => Token::DoesNotExist,
        b"==" => Token::DoubleEquals,
        b"=" => Token::Equals,
        b">" => Token::GreaterThan,
        b"in" => Token::In,
        b"<" => Token::LessThan,
        b"!=" => Token::NotEquals,
        b"notin" => Token::NotIn,
        b"(" => Token::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(ch: u8) -> bool {
    matches!(ch, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special_symbol(ch: u8) -> bool {
    matches!(ch, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// Byte-level lexer. Like upstream it reads a NUL byte as end of input at that point;
/// all delimiters are ASCII, so identifier slices always fall on character boundaries.
struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn new(s: &'a str) -> Self {
        Self {
            s: s.as_bytes(),
            pos: 0,
        }
    }

    /// The next byte, or 0 at the end (upstream's sentinel).
    fn read(&mut self) -> u8 {
        match self.s.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => 0,
        }
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    fn scan_id_or_keyword(&mut self) -> (Token, String) {
        let mut buffer = Vec::new();
        loop {
            match self.read() {
                0 => break,
                ch if is_special_symbol(ch) || is_whitespace(ch) => {
                    self.unread();
                    break;
                }
                ch => buffer.push(ch),
            }
        }
        match literal_token(&buffer) {
            Some(tok) => (tok, Self::text(&buffer)),
            None => (Token::Identifier, Self::text(&buffer)),
        }
    }

    /// The longest operator spelled by the special symbols ahead (`!=` over `!`).
    fn scan_special_symbol(&mut self) -> (Token, String) {
        let mut last: Option<(Token, usize)> = None;
        let mut buffer = Vec::new();
        loop {
            match self.read() {
                0 => break,
                ch if is_special_symbol(ch) => {
                    buffer.push(ch);
                    if let Some(tok) = literal_token(&buffer) {
                        last = Some((tok, buffer.len()));
                    } else if last.is_some() {
                        self.unread();
                        break;
                    }
                }
                _ => {
                    self.unread();
                    break;
                }
            }
        }
        match last {
            Some((tok, len)) => (tok, Self::text(&buffer[..len])),
            None => (
                Token::Error,
                format!("error expected: keyword found '{}'", Self::text(&buffer)),
            ),
        }
    }

    fn lex(&mut self) -> (Token, String) {
        let mut ch = self.read();
        while is_whitespace(ch) {
            ch = self.read();
        }
        match ch {
            0 => (Token::EndOfString, String::new()),
            ch if is_special_symbol(ch) => {
                self.unread();
                self.scan_special_symbol()
            }
            _ => {
                self.unread();
                self.scan_id_or_keyword()
            }
        }
    }
}

/// Whether `in`/`notin` are operators (after a key) or plain identifiers (values).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    KeyAndOperator,
    Values,
}

struct Parser {
    items: Vec<(Token, String)>,
    position: usize,
}

type ReqResult<T> = Result<T, RequirementError>;

fn syntax(msg: String) -> RequirementError {
    RequirementError::Syntax(msg)
}

impl Parser {
    fn new(selector: &str) -> Self {
        let mut lexer = Lexer::new(selector);
        let mut items = Vec::new();
        loop {
            let item = lexer.lex();
            let end = item.0 == Token::EndOfString;
            items.push(item);
            if end {
                break;
            }
        }
        Self { items, position: 0 }
    }

    fn token_at(&self, position: usize, context: Context) -> (Token, String) {
        let (tok, lit) = self
            .items
            .get(position)
            .cloned()
            .unwrap_or((Token::EndOfString, String::new()));
        match tok {
            Token::In | Token::NotIn if context == Context::Values => (Token::Identifier, lit),
            _ => (tok, lit),
        }
    }

    fn lookahead(&self, context: Context) -> (Token, String) {
        self.token_at(self.position, context)
    }

    fn consume(&mut self, context: Context) -> (Token, String) {
        let item = self.token_at(self.position, context);
        self.position += 1;
        item
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, ParseError> {
        let mut requirements = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(Context::Values);
            match tok {
                Token::Identifier | Token::DoesNotExist => {
                    let requirement = self.parse_requirement().map_err(ParseError::Requirement)?;
                    requirements.push(requirement);
                    let (t, l) = self.consume(Context::Values);
                    match t {
                        Token::EndOfString => return Ok(requirements),
                        Token::Comma => {
                            let (t2, l2) = self.lookahead(Context::Values);
                            if t2 != Token::Identifier && t2 != Token::DoesNotExist {
                                return Err(ParseError::Syntax(format!(
                                    "found '{l2}', expected: identifier after ','"
                                )));
                            }
                        }
                        _ => {
                            return Err(ParseError::Syntax(format!(
                                "found '{l}', expected: ',' or 'end of string'"
                            )));
                        }
                    }
                }
                Token::EndOfString => return Ok(requirements),
                _ => {
                    return Err(ParseError::Syntax(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    )));
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> ReqResult<Requirement> {
        let (key, inferred) = self.parse_key_and_infer_operator()?;
        let path = FieldPath::default();
        if let Some(op @ (Operator::Exists | Operator::DoesNotExist)) = inferred {
            return Requirement::new_at(&key, op, Vec::new(), &path).map_err(RequirementError::Invalid);
        }
        let operator = self.parse_operator()?;
        let values = match operator {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        Requirement::new_at(&key, operator, values.into_iter().collect(), &path).map_err(RequirementError::Invalid)
    }

    /// Reads `[!] KEY` and infers exists / does-not-exist when no operator follows.
    fn parse_key_and_infer_operator(&mut self) -> ReqResult<(String, Option<Operator>)> {
        let mut operator = None;
        let (mut tok, mut literal) = self.consume(Context::Values);
        if tok == Token::DoesNotExist {
            operator = Some(Operator::DoesNotExist);
            (tok, literal) = self.consume(Context::Values);
        }
        if tok != Token::Identifier {
            return Err(syntax(format!("found '{literal}', expected: identifier")));
        }
        // Upstream validates the key here against a nil field path, which prints as
        // "<nil>"; kubectl users see that text, so it is kept.
        if let Some(err) = key_error(&literal, "<nil>") {
            return Err(RequirementError::Invalid(FieldErrors(vec![err])));
        }
        let (next, _) = self.lookahead(Context::Values);
        if (next == Token::EndOfString || next == Token::Comma) && operator != Some(Operator::DoesNotExist) {
            operator = Some(Operator::Exists);
        }
        Ok((literal, operator))
    }

    fn parse_operator(&mut self) -> ReqResult<Operator> {
        let (tok, lit) = self.consume(Context::KeyAndOperator);
        Ok(match tok {
            Token::In => Operator::In,
            Token::Equals => Operator::Equals,
            Token::DoubleEquals => Operator::DoubleEquals,
            Token::GreaterThan => Operator::GreaterThan,
            Token::LessThan => Operator::LessThan,
            Token::NotIn => Operator::NotIn,
            Token::NotEquals => Operator::NotEquals,
            _ => return Err(syntax(format!("found '{lit}', expected: {BINARY_OPERATORS}"))),
        })
    }

    /// `( VALUES )`; `()` is the set holding the empty string.
    fn parse_values(&mut self) -> ReqResult<BTreeSet<String>> {
        let (tok, lit) = self.consume(Context::Values);
        if tok != Token::OpenPar {
            return Err(syntax(format!("found '{lit}' expected: '('")));
        }
        let (tok, lit) = self.lookahead(Context::Values);
        match tok {
            Token::Identifier | Token::Comma => {
                let set = self.parse_identifiers_list()?;
                let (tok, _) = self.consume(Context::Values);
                if tok != Token::ClosedPar {
                    return Err(syntax(format!("found '{lit}', expected: ')'")));
                }
                Ok(set)
            }
            Token::ClosedPar => {
                self.consume(Context::Values);
                Ok(BTreeSet::from([String::new()]))
            }
            _ => Err(syntax(format!("found '{lit}', expected: ',', ')' or identifier"))),
        }
    }

    /// A comma-separated list whose empty entries mean the empty string
    /// (`(a,,b)`, `(,a)`, `(a,)`).
    fn parse_identifiers_list(&mut self) -> ReqResult<BTreeSet<String>> {
        let mut set = BTreeSet::new();
        loop {
            let (tok, lit) = self.consume(Context::Values);
            match tok {
                Token::Identifier => {
                    set.insert(lit);
                    let (tok2, lit2) = self.lookahead(Context::Values);
                    match tok2 {
                        Token::Comma => continue,
                        Token::ClosedPar => return Ok(set),
                        _ => return Err(syntax(format!("found '{lit2}', expected: ',' or ')'"))),
                    }
                }
                Token::Comma => {
                    if set.is_empty() {
                        set.insert(String::new()); // "(,"
                    }
                    let (tok2, _) = self.lookahead(Context::Values);
                    if tok2 == Token::ClosedPar {
                        set.insert(String::new()); // ",)"
                        return Ok(set);
                    }
                    if tok2 == Token::Comma {
                        set.insert(String::new()); // ",,"
                    }
                }
                _ => return Err(syntax(format!("found '{lit}', expected: ',', or identifier"))),
            }
        }
    }

    /// The single value after `=`, `==`, `!=`, `>` or `<`; nothing means `""`.
    fn parse_exact_value(&mut self) -> ReqResult<BTreeSet<String>> {
        let (tok, _) = self.lookahead(Context::Values);
        if tok == Token::EndOfString || tok == Token::Comma {
            return Ok(BTreeSet::from([String::new()]));
        }
        let (tok, lit) = self.consume(Context::Values);
        if tok == Token::Identifier {
            return Ok(BTreeSet::from([lit]));
        }
        Err(syntax(format!("found '{lit}', expected: identifier")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field_error::FieldValue;

    /// `(selector, labels, matches)` rows, as upstream's match tables.
    type MatchCase<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
    /// `(key, operator, values, expected (field, rendered value) of the one error)`.
    type ConstructorCase<'a> = (&'a str, Operator, Vec<&'a str>, Option<(&'a str, &'a str)>);

    fn set(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn req(key: &str, op: Operator, values: &[&str]) -> Requirement {
        let mut values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        values.sort();
        values.dedup();
        Requirement::new(key, op, values).expect("valid requirement")
    }

    fn sel(reqs: Vec<Requirement>) -> Selector {
        Selector {
            requirements: reqs,
            nothing: false,
        }
    }

    /// Upstream `TestSelectorParse`.
    #[test]
    fn parse_and_restring() {
        let good = [
            "x=a,y=b,z=c",
            "",
            "x!=a,y=b",
            "x=",
            "x= ",
            "x=,z= ",
            "x= ,z= ",
            "!x",
            "x>1",
            "x>1,z<5",
        ];
        for input in good {
            let parsed = Selector::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(parsed.to_string(), input.replace(' ', ""), "{input}");
        }
        for input in ["x=a||y=b", "x==a==b", "!x=a", "x<a"] {
            assert!(Selector::parse(input).is_err(), "{input} should fail");
        }
    }

    /// Upstream `TestDeterministicParse`.
    #[test]
    fn deterministic() {
        let a = Selector::parse("x=a,a=x").expect("parses");
        let b = Selector::parse("a=x,x=a").expect("parses");
        assert_eq!(a.to_string(), b.to_string());
        assert_eq!(a, b);
    }

    /// Upstream `TestSelectorMatches`.
    #[test]
    fn matches_table() {
        let cases: &[MatchCase] = &[
            ("", &[("x", "y")], true),
            ("x=y", &[("x", "y")], true),
            ("x=y,z=w", &[("x", "y"), ("z", "w")], true),
            ("x!=y,z!=w", &[("x", "z"), ("z", "a")], true),
            ("notin=in", &[("notin", "in")], true),
            ("x", &[("x", "z")], true),
            ("!x", &[("y", "z")], true),
            ("x>1", &[("x", "2")], true),
            ("x<1", &[("x", "0")], true),
            ("x=z", &[], false),
            ("x=y", &[("x", "z")], false),
            ("x=y,z=w", &[("x", "w"), ("z", "w")], false),
            ("x!=y,z!=w", &[("x", "z"), ("z", "w")], false),
            ("x", &[("y", "z")], false),
            ("!x", &[("x", "z")], false),
            ("x>1", &[("x", "0")], false),
            ("x<1", &[("x", "2")], false),
            ("foo=bar", &[("foo", "bar"), ("baz", "blah")], true),
            ("baz=blah", &[("foo", "bar"), ("baz", "blah")], true),
            ("foo=bar,baz=blah", &[("foo", "bar"), ("baz", "blah")], true),
            ("foo=blah", &[("foo", "bar"), ("baz", "blah")], false),
            ("baz=bar", &[("foo", "bar"), ("baz", "blah")], false),
            ("foo=bar,foobar=bar,baz=blah", &[("foo", "bar"), ("baz", "blah")], false),
        ];
        for (selector, labels, want) in cases {
            let parsed = Selector::parse(selector).expect("parses");
            assert_eq!(parsed.matches(&set(labels)), *want, "{selector} vs {labels:?}");
        }
    }

    #[test]
    fn everything_nothing_and_sets() {
        assert!(Selector::everything().matches(&set(&[("x", "y")])));
        assert!(Selector::everything().is_empty());
        assert!(!Selector::nothing().matches(&set(&[])));
        assert!(!Selector::nothing().is_empty());
        assert!(Selector::nothing().matches_nothing());
        assert!(!Selector::parse("").expect("parses").matches_nothing());
        let labels = set(&[("foo", "bar"), ("baz", "blah")]);
        for s in [
            set(&[]),
            set(&[("foo", "bar")]),
            set(&[("baz", "blah")]),
            labels.clone(),
        ] {
            assert!(Selector::from_set(&s).matches(&labels), "{s:?}");
        }
        assert!(Selector::from_set(&set(&[])).is_empty());
        assert_eq!(
            Selector::from_set(&set(&[("app", "foo"), ("a", "b")])).to_string(),
            "a=b,app=foo"
        );
    }

    /// Upstream `TestLexer` and `TestLexerSequence`.
    #[test]
    fn lexer() {
        let single = [
            ("", Token::EndOfString),
            (",", Token::Comma),
            ("notin", Token::NotIn),
            ("in", Token::In),
            ("=", Token::Equals),
            ("==", Token::DoubleEquals),
            (">", Token::GreaterThan),
            ("<", Token::LessThan),
            ("!", Token::DoesNotExist),
            ("!=", Token::NotEquals),
            ("(", Token::OpenPar),
            (")", Token::ClosedPar),
            ("~", Token::Identifier),
            ("||", Token::Identifier),
        ];
        for (input, want) in single {
            let (tok, lit) = Lexer::new(input).lex();
            assert_eq!((tok, lit.as_str()), (want, input));
        }
        use Token::*;
        let sequences: &[(&str, &[Token])] = &[
            ("key in ( value )", &[Identifier, In, OpenPar, Identifier, ClosedPar]),
            (
                "key notin ( value )",
                &[Identifier, NotIn, OpenPar, Identifier, ClosedPar],
            ),
            (
                "key in ( value1, value2 )",
                &[Identifier, In, OpenPar, Identifier, Comma, Identifier, ClosedPar],
            ),
            ("key", &[Identifier]),
            ("!key", &[DoesNotExist, Identifier]),
            ("()", &[OpenPar, ClosedPar]),
            ("x in (),y", &[Identifier, In, OpenPar, ClosedPar, Comma, Identifier]),
            (
                "== != (), = notin",
                &[DoubleEquals, NotEquals, OpenPar, ClosedPar, Comma, Equals, NotIn],
            ),
            ("key>2", &[Identifier, GreaterThan, Identifier]),
            ("key<1", &[Identifier, LessThan, Identifier]),
        ];
        for (input, want) in sequences {
            let mut lexer = Lexer::new(input);
            let mut got = Vec::new();
            loop {
                let (tok, _) = lexer.lex();
                if tok == EndOfString {
                    break;
                }
                got.push(tok);
            }
            assert_eq!(&got, want, "{input}");
        }
    }

    /// Upstream `TestParseOperator`.
    #[test]
    fn parse_operator() {
        for ok in ["in", "=", "==", ">", "<", "notin", "!="] {
            assert!(Parser::new(ok).parse_operator().is_ok(), "{ok}");
        }
        for (input, found) in [("!", "!"), ("exists", "exists"), ("(", "(")] {
            assert_eq!(
                Parser::new(input).parse_operator(),
                Err(syntax(format!(
                    "found '{found}', expected: in, notin, =, ==, !=, gt, lt"
                )))
            );
        }
    }

    /// Upstream `TestRequirementConstructor` (the unsupported-operator case cannot be
    /// expressed: `Operator` is a closed enum).
    #[test]
    fn requirement_constructor() {
        let cases: Vec<ConstructorCase> = vec![
            ("x1", Operator::In, vec![], Some(("values", "[]"))),
            ("x2", Operator::NotIn, vec![], Some(("values", "[]"))),
            ("x3", Operator::In, vec!["foo"], None),
            ("x4", Operator::NotIn, vec!["foo"], None),
            (
                "x5",
                Operator::Equals,
                vec!["bar", "foo"],
                Some(("values", r#"["bar","foo"]"#)),
            ),
            ("x6", Operator::Exists, vec![], None),
            ("x7", Operator::DoesNotExist, vec![], None),
            ("x8", Operator::Exists, vec!["foo"], Some(("values", r#"["foo"]"#))),
            ("x9", Operator::In, vec!["bar"], None),
            ("x11", Operator::GreaterThan, vec!["1"], None),
            ("x12", Operator::LessThan, vec!["6"], None),
            ("x13", Operator::GreaterThan, vec![], Some(("values", "[]"))),
            (
                "x14",
                Operator::GreaterThan,
                vec!["bar"],
                Some(("values[0]", r#""bar""#)),
            ),
            ("x15", Operator::LessThan, vec!["bar"], Some(("values[0]", r#""bar""#))),
        ];
        let long = "a".repeat(254);
        let mut cases = cases;
        cases.push((long.as_str(), Operator::Exists, vec![], Some(("key", ""))));
        cases.push((
            "x16",
            Operator::Equals,
            vec![long.as_str()],
            Some(("values[0][x16]", "")),
        ));
        cases.push((
            "x17",
            Operator::Equals,
            vec!["a b"],
            Some(("values[0][x17]", r#""a b""#)),
        ));
        for (key, op, values, want) in cases {
            let got = Requirement::new(key, op, values.iter().map(|v| v.to_string()).collect());
            match (got, want) {
                (Ok(_), None) => {}
                (Err(errs), Some((field, value))) => {
                    assert_eq!(errs.0.len(), 1, "{key}: {errs}");
                    assert_eq!(errs.0[0].field, field, "{key}");
                    if !value.is_empty() {
                        assert_eq!(errs.0[0].value.to_string(), value, "{key}");
                    }
                }
                (got, want) => panic!("{key}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn requirement_constructor_messages() {
        let err = Requirement::new("x", Operator::In, vec![]).expect_err("empty in");
        assert_eq!(
            err.to_string(),
            "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"
        );
        let err = Requirement::new("x", Operator::GreaterThan, vec!["a".into(), "b".into()]).expect_err("two values");
        assert_eq!(
            err.to_string(),
            r#"[values: Invalid value: ["a","b"]: for 'Gt', 'Lt' operators, exactly one value is required, values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer, values[1]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer]"#
        );
    }

    /// Upstream `TestToString`.
    #[test]
    fn to_string() {
        let cases = [
            (
                sel(vec![
                    req("x", Operator::In, &["abc", "def"]),
                    req("y", Operator::NotIn, &["jkl"]),
                    req("z", Operator::Exists, &[]),
                ]),
                "x in (abc,def),y notin (jkl),z",
            ),
            (
                sel(vec![
                    req("x", Operator::NotIn, &["abc", "def"]),
                    req("y", Operator::NotEquals, &["jkl"]),
                    req("z", Operator::DoesNotExist, &[]),
                ]),
                "x notin (abc,def),y!=jkl,!z",
            ),
            (
                sel(vec![
                    req("x", Operator::NotIn, &["abc"]),
                    req("y", Operator::In, &["jkl", "mno"]),
                    req("z", Operator::NotIn, &[""]),
                ]),
                "x notin (abc),y in (jkl,mno),z notin ()",
            ),
            (
                sel(vec![
                    req("x", Operator::Equals, &["abc"]),
                    req("y", Operator::DoubleEquals, &["jkl"]),
                    req("z", Operator::NotEquals, &["a"]),
                    req("z", Operator::Exists, &[]),
                ]),
                "x=abc,y==jkl,z!=a,z",
            ),
            (
                sel(vec![
                    req("x", Operator::GreaterThan, &["2"]),
                    req("y", Operator::LessThan, &["8"]),
                    req("z", Operator::Exists, &[]),
                ]),
                "x>2,y<8,z",
            ),
        ];
        for (selector, want) in cases {
            assert_eq!(selector.to_string(), want);
        }
    }

    /// Upstream `TestRequirementSelectorMatching`.
    #[test]
    fn requirement_matching() {
        let cases = [
            (
                set(&[("x", "foo"), ("y", "baz")]),
                sel(vec![
                    req("x", Operator::In, &["foo"]),
                    req("y", Operator::NotIn, &["alpha"]),
                ]),
                true,
            ),
            (
                set(&[("x", "foo"), ("y", "baz")]),
                sel(vec![
                    req("x", Operator::In, &["foo"]),
                    req("y", Operator::In, &["alpha"]),
                ]),
                false,
            ),
            (
                set(&[("y", "")]),
                sel(vec![req("x", Operator::NotIn, &[""]), req("y", Operator::Exists, &[])]),
                true,
            ),
            (
                set(&[("y", "")]),
                sel(vec![
                    req("x", Operator::DoesNotExist, &[]),
                    req("y", Operator::Exists, &[]),
                ]),
                true,
            ),
            (
                set(&[("y", "")]),
                sel(vec![
                    req("x", Operator::NotIn, &[""]),
                    req("y", Operator::DoesNotExist, &[]),
                ]),
                false,
            ),
            (set(&[("y", "baz")]), sel(vec![req("x", Operator::In, &[""])]), false),
            (
                set(&[("z", "2")]),
                sel(vec![req("z", Operator::GreaterThan, &["1"])]),
                true,
            ),
            (
                set(&[("z", "v2")]),
                sel(vec![req("z", Operator::GreaterThan, &["1"])]),
                false,
            ),
        ];
        for (labels, selector, want) in cases {
            assert_eq!(selector.matches(&labels), want, "{selector} vs {labels:?}");
        }
    }

    /// Upstream `TestSetSelectorParser`.
    #[test]
    fn set_selector_parser() {
        use Operator::*;
        let good: Vec<(&str, Vec<Requirement>)> = vec![
            ("", vec![]),
            ("\rx", vec![req("x", Exists, &[])]),
            (
                "this-is-a-dns.domain.com/key-with-dash",
                vec![req("this-is-a-dns.domain.com/key-with-dash", Exists, &[])],
            ),
            (
                "this-is-another-dns.domain.com/key-with-dash in (so,what)",
                vec![req("this-is-another-dns.domain.com/key-with-dash", In, &["so", "what"])],
            ),
            (
                "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
                vec![req("0.1.2.domain/99", NotIn, &["10.10.100.1", "tick.tack.clock"])],
            ),
            ("foo  in\t (abc)", vec![req("foo", In, &["abc"])]),
            ("x notin\n (abc)", vec![req("x", NotIn, &["abc"])]),
            ("x  notin\t\t\t(abc,def)", vec![req("x", NotIn, &["abc", "def"])]),
            ("x in (abc,def)", vec![req("x", In, &["abc", "def"])]),
            ("x in (abc,)", vec![req("x", In, &["abc", ""])]),
            ("x in (abc,abc)", vec![req("x", In, &["abc"])]),
            ("x in ()", vec![req("x", In, &[""])]),
            ("x in (a,,)", vec![req("x", In, &["a", ""])]),
            ("x in (a,,,)", vec![req("x", In, &["a", ""])]),
            ("x in (a,,,,,,)", vec![req("x", In, &["a", ""])]),
            ("x in (a,,a,,a,,a,,)", vec![req("x", In, &["a", ""])]),
            (
                "x notin (abc,,def),bar,z in (),w",
                vec![
                    req("bar", Exists, &[]),
                    req("w", Exists, &[]),
                    req("x", NotIn, &["abc", "", "def"]),
                    req("z", In, &[""]),
                ],
            ),
            ("x=a", vec![req("x", Equals, &["a"])]),
            ("x>1", vec![req("x", GreaterThan, &["1"])]),
            ("x<7", vec![req("x", LessThan, &["7"])]),
            ("x=a,y!=b", vec![req("x", Equals, &["a"]), req("y", NotEquals, &["b"])]),
            (
                "x=a,y!=b,z in (h,i,j)",
                vec![
                    req("x", Equals, &["a"]),
                    req("y", NotEquals, &["b"]),
                    req("z", In, &["h", "i", "j"]),
                ],
            ),
            ("x notin ( )", vec![req("x", NotIn, &[""])]),
            ("x notin (, a)", vec![req("x", NotIn, &["", "a"])]),
            ("a ", vec![req("a", Exists, &[])]),
            (
                "a in (x,y,notin, z,in)",
                vec![req("a", In, &["in", "notin", "x", "y", "z"])],
            ),
        ];
        for (input, want) in good {
            assert_eq!(Selector::parse(input), Ok(sel(want)), "{input:?}");
        }
        // Parses, but not to the unsorted order written in the test.
        assert_eq!(
            Selector::parse("x,y in (a)"),
            Ok(sel(vec![req("x", Exists, &[]), req("y", In, &["a"])]))
        );
        for bad in [
            "x=a||y=b",
            "x,,y",
            ",x,y",
            "x nott in (y)",
            "a in (xyz),",
            "a in (xyz)b notin ()",
            "a in (xyz abc)",
            "a notin(",
            "a (",
            "(",
        ] {
            assert!(Selector::parse(bad).is_err(), "{bad:?} should fail");
        }
    }

    /// The exact messages users see for malformed selectors.
    #[test]
    fn parse_error_messages() {
        let cases = [
            ("x,,y", "found ',', expected: identifier after ','"),
            (",x", "found ',', expected: !, identifier, or 'end of string'"),
            ("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"),
            ("!x=a", "found '=', expected: ',' or 'end of string'"),
            (
                "x nott in (y)",
                "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "a in (xyz abc)",
                "unable to parse requirement: found 'abc', expected: ',' or ')'",
            ),
            (
                "a notin(",
                "unable to parse requirement: found '', expected: ',', ')' or identifier",
            ),
            (
                "a (",
                "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt",
            ),
            ("a in x", "unable to parse requirement: found 'x' expected: '('"),
            (
                "a in (x,",
                "unable to parse requirement: found '', expected: ',', or identifier",
            ),
            ("x==a==b", "found '==', expected: ',' or 'end of string'"),
            ("!", "unable to parse requirement: found '', expected: identifier"),
            (
                "x<a",
                r#"unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer"#,
            ),
            (
                "x=a@b",
                r#"unable to parse requirement: values[0][x]: Invalid value: "a@b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"#,
            ),
            (
                "a/b/c=d",
                r#"unable to parse requirement: <nil>: Invalid value: "a/b/c": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"#,
            ),
            (
                "example.com/",
                r#"unable to parse requirement: <nil>: Invalid value: "example.com/": name part must be non-empty; name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"#,
            ),
        ];
        for (input, want) in cases {
            let err = Selector::parse(input).expect_err(input);
            assert_eq!(err.to_string(), want, "{input:?}");
        }
    }

    #[test]
    fn gt_lt_with_invalid_label_value_reports_both() {
        let err = Selector::parse("x>-1").expect_err("'-1' is not a label value");
        let msg = err.to_string();
        assert!(
            msg.starts_with(r#"unable to parse requirement: values[0][x]: Invalid value: "-1": a valid label"#),
            "{msg}"
        );
        let err = Selector::parse("x>a.").expect_err("two problems");
        let msg = err.to_string();
        assert!(msg.starts_with(r#"unable to parse requirement: [values[0]: Invalid value: "a.": for 'Gt', 'Lt' operators, the value must be an integer, values[0][x]: Invalid value: "a.": "#), "{msg}");
    }

    #[test]
    fn nul_byte_ends_a_token_like_upstream() {
        // Upstream reads NUL as end-of-input inside a token, then keeps lexing.
        assert_eq!(
            Selector::parse("a\0b").expect_err("two identifiers").to_string(),
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"
        );
        assert_eq!(Selector::parse("\0x=y"), Ok(Selector::everything()));
    }

    /// Upstream `TestRequiresExactMatch`, plus the index-facing `exact_requirements`.
    #[test]
    fn exact_matches() {
        use Operator::*;
        let cases = [
            (sel(vec![req("key", In, &["value"])]), "key", Some("value")),
            (sel(vec![req("key", In, &["value", "value2"])]), "key", None),
            (
                sel(vec![req("key", In, &["value", "value1"]), req("key2", In, &["value2"])]),
                "key2",
                Some("value2"),
            ),
            (sel(vec![req("key", Equals, &["value"])]), "key", Some("value")),
            (sel(vec![req("key", DoubleEquals, &["value"])]), "key", Some("value")),
            (sel(vec![req("key", NotEquals, &["value"])]), "key", None),
            (
                sel(vec![req("key", In, &["value"]), req("key2", In, &["value2"])]),
                "key",
                Some("value"),
            ),
        ];
        for (selector, key, want) in cases {
            assert_eq!(selector.requires_exact_match(key), want, "{selector}");
        }
        let s = Selector::parse("app=web,tier in (fe),env in (a,b),x!=y,!z,k==v").expect("parses");
        assert_eq!(s.exact_requirements(), vec![("app", "web"), ("k", "v"), ("tier", "fe")]);
        assert!(!s.is_empty());
        assert!(Selector::parse(" ").expect("parses").is_empty());
    }

    #[test]
    fn add_keeps_key_order() {
        let s = Selector::everything().and(req("key", Operator::In, &["value"]));
        assert_eq!(s, sel(vec![req("key", Operator::In, &["value"])]));
        let s = s
            .and(req("a", Operator::Equals, &["b"]))
            .and(req("key2", Operator::Equals, &["value2"]));
        assert_eq!(s.to_string(), "a=b,key in (value),key2=value2");
    }

    /// Upstream `TestValidatedSelectorFromSet`.
    #[test]
    fn validated_from_set() {
        let s = Selector::validated_from_set(&set(&[("key", "val")])).expect("valid");
        assert_eq!(s, sel(vec![req("key", Operator::Equals, &["val"])]));
        let long = "axahm2EJ8Phiephe2eixohbee9eGeiyees1thuozi1xoh0GiuH3diewi8iem7Nui";
        let errs = Selector::validated_from_set(&set(&[("Key", long)])).expect_err("too long");
        assert_eq!(errs.0.len(), 1);
        assert_eq!(errs.0[0].field, "values[0][Key]");
        assert_eq!(errs.0[0].value, FieldValue::String(long.to_string()));
    }

    #[test]
    fn json_label_sources() {
        let s = Selector::parse("app=web,!canary").expect("parses");
        let obj = serde_json::json!({"metadata": {"name": "p", "labels": {"app": "web"}}});
        assert!(s.matches_object(&obj));
        assert!(s.matches(&obj["metadata"]["labels"]));
        let canary = serde_json::json!({"metadata": {"labels": {"app": "web", "canary": "true"}}});
        assert!(!s.matches_object(&canary));
        let unlabeled = serde_json::json!({"metadata": {"name": "p"}});
        assert!(!s.matches_object(&unlabeled));
        assert!(Selector::parse("!app").expect("parses").matches_object(&unlabeled));
        let mut hash = HashMap::new();
        hash.insert("app".to_string(), "web".to_string());
        assert!(s.matches(&hash));
    }

    #[test]
    fn from_str_and_operator_names() {
        let s: Selector = "x in (b,a)".parse().expect("parses");
        assert_eq!(s.requirements()[0].values(), ["a", "b"]);
        assert_eq!(s.requirements()[0].operator().as_str(), "in");
        assert_eq!(Operator::DoesNotExist.as_str(), "!");
    }

    #[test]
    fn label_selector_objects() {
        let labels: BTreeMap<String, String> = [("app", "web"), ("tier", "front")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let selector = |v: Value| Selector::from_label_selector(&v).unwrap();
        assert!(selector(serde_json::json!({})).matches(&labels));
        assert!(!selector(Value::Null).matches(&labels));
        assert!(selector(serde_json::json!({"matchLabels": {"app": "web"}})).matches(&labels));
        let expression = serde_json::json!({"matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["front", "back"]},
            {"key": "canary", "operator": "DoesNotExist"}]});
        assert!(selector(expression).matches(&labels));
        let not_in = serde_json::json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]});
        assert!(!selector(not_in).matches(&labels));
        let bad = serde_json::json!({"matchExpressions": [{"key": "app", "operator": "Near"}]});
        assert!(Selector::from_label_selector(&bad).is_err());
    }
}
