//! Go's `regexp` (RE2 syntax) on top of the `regex` crate, for schema `pattern`s.
//!
//! The two dialects agree on most syntax but not on meaning everywhere: in Go `\d`, `\w`,
//! `\s` and `\b` are ASCII-only, `{` that does not start a repeat is a literal, `[` and
//! `&&` inside a class are literals, octal escapes exist, and stacked repeats (`a**`)
//! are errors. A pattern is rewritten into the equivalent `regex` syntax, and the
//! errors Go reports at parse time are reported here with Go's wording
//! (`error parsing regexp: missing closing ): ` + "`(abc`"), because a CRD with an
//! invalid pattern is rejected with that text.

use std::fmt::Write as _;

/// A compiled pattern with Go semantics. Matching is unanchored, as Go's `MatchString`.
#[derive(Clone, Debug)]
pub struct GoRegexp {
    re: regex::Regex,
}

impl GoRegexp {
    /// Compiles `pattern`; the error is Go's `regexp.Compile` message.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let translated = Translator::new(pattern).run().map_err(|e| e.message(pattern))?;
        regex::Regex::new(&translated)
            .map(|re| Self { re })
            .map_err(|e| rust_error_message(pattern, &e))
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.re.is_match(text)
    }
}

/// Go's `regexp/syntax` error codes this translator detects.
#[derive(Debug, PartialEq)]
enum GoError {
    MissingParen,
    UnexpectedParen,
    MissingBracket(usize),
    InvalidEscape(usize, usize),
    MissingRepeatArgument(usize, usize),
    InvalidNestedRepeat(usize, usize),
    InvalidRepeatSize(usize, usize),
    InvalidPerlOp(usize, usize),
    InvalidCharRange(usize, usize),
    TrailingBackslash,
}

impl GoError {
    fn message(&self, pattern: &str) -> String {
        let slice = |a: usize, b: usize| pattern.get(a..b).unwrap_or(pattern).to_string();
        let (code, expr) = match *self {
            Self::MissingParen => ("missing closing )", pattern.to_string()),
            Self::UnexpectedParen => ("unexpected )", pattern.to_string()),
            Self::MissingBracket(start) => ("missing closing ]", slice(start, pattern.len())),
            Self::InvalidEscape(a, b) => ("invalid escape sequence", slice(a, b)),
            Self::MissingRepeatArgument(a, b) => ("missing argument to repetition operator", slice(a, b)),
            Self::InvalidNestedRepeat(a, b) => ("invalid nested repetition operator", slice(a, b)),
            Self::InvalidRepeatSize(a, b) => ("invalid repeat count", slice(a, b)),
            Self::InvalidPerlOp(a, b) => ("invalid or unsupported Perl syntax", slice(a, b)),
            Self::InvalidCharRange(a, b) => ("invalid character class range", slice(a, b)),
            Self::TrailingBackslash => ("trailing backslash at end of expression", String::new()),
        };
        format!("error parsing regexp: {code}: `{expr}`")
    }
}

/// Errors the translator lets through and `regex` rejects: named after Go's codes where
/// the meaning is the same, otherwise `regex`'s own last line.
fn rust_error_message(pattern: &str, err: &regex::Error) -> String {
    let text = err.to_string();
    let last = text.lines().last().unwrap_or_default();
    let reason = last.strip_prefix("error: ").unwrap_or(last);
    let code = if reason.starts_with("invalid character class range") || reason.contains("Unicode property") {
        "invalid character class range"
    } else if reason.contains("exceeds size limit") {
        "expression too large"
    } else {
        reason
    };
    format!("error parsing regexp: {code}: `{pattern}`")
}

const ASCII_DIGIT: &str = "0-9";
const ASCII_WORD: &str = "0-9A-Za-z_";
const ASCII_SPACE: &str = r"\t\n\f\r ";

/// The most repetitions Go accepts in `{n,m}`.
const MAX_REPEAT: u32 = 1000;

struct Translator<'a> {
    src: &'a str,
    chars: Vec<(usize, char)>,
    pos: usize,
    out: String,
    depth: usize,
    /// Byte offset where the last repeat operator started, if the last token was one.
    last_repeat: Option<usize>,
    /// Whether a repeat operator may follow (there is something to repeat).
    can_repeat: bool,
}

impl<'a> Translator<'a> {
    fn new(src: &'a str) -> Self {
        Self {
            src,
            chars: src.char_indices().collect(),
            pos: 0,
            out: String::with_capacity(src.len() + 8),
            depth: 0,
            last_repeat: None,
            can_repeat: false,
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).map(|&(_, c)| c)
    }

    fn offset(&self, index: usize) -> usize {
        self.chars.get(index).map_or(self.src.len(), |&(i, _)| i)
    }

    fn run(mut self) -> Result<String, GoError> {
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => self.escape()?,
                '[' => self.class()?,
                '(' => self.group()?,
                ')' => {
                    if self.depth == 0 {
                        return Err(GoError::UnexpectedParen);
                    }
                    self.depth -= 1;
                    self.literal_token(")", true);
                }
                '|' => self.literal_token("|", false),
                '*' | '+' | '?' => self.repeat(1)?,
                '{' => match self.counted_repeat_len() {
                    Some(len) => self.repeat(len)?,
                    None => self.literal_token(r"\{", true),
                },
                '}' => self.literal_token(r"\}", true),
                '^' | '$' => self.literal_token(&c.to_string(), true),
                c => self.literal_token(&c.to_string(), true),
            }
        }
        if self.depth > 0 {
            return Err(GoError::MissingParen);
        }
        Ok(self.out)
    }

    /// Emits one consumed character's translation; `repeatable` when a repeat may follow.
    fn literal_token(&mut self, text: &str, repeatable: bool) {
        self.out.push_str(text);
        self.pos += 1;
        self.last_repeat = None;
        self.can_repeat = repeatable;
    }

    fn repeat(&mut self, len: usize) -> Result<(), GoError> {
        let start = self.offset(self.pos);
        let mut end_index = self.pos + len;
        if self.chars.get(end_index).map(|&(_, c)| c) == Some('?') {
            end_index += 1;
        }
        let end = self.offset(end_index);
        if let Some(previous) = self.last_repeat {
            return Err(GoError::InvalidNestedRepeat(previous, end));
        }
        if !self.can_repeat {
            return Err(GoError::MissingRepeatArgument(start, self.offset(self.pos + len)));
        }
        if len > 1 {
            self.check_repeat_count(start, self.offset(self.pos + len))?;
        }
        self.out.push_str(&self.src[start..end]);
        self.pos = end_index;
        self.last_repeat = Some(start);
        Ok(())
    }

    /// The length in characters of a valid `{n}`, `{n,}` or `{n,m}` at the cursor.
    fn counted_repeat_len(&self) -> Option<usize> {
        let rest: String = self.chars[self.pos..].iter().map(|&(_, c)| c).take(32).collect();
        let close = rest.find('}')?;
        let body = &rest[1..close];
        let (min, max) = match body.split_once(',') {
            Some((min, max)) => (min, Some(max)),
            None => (body, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let valid = digits(min) && max.is_none_or(|m| m.is_empty() || digits(m));
        valid.then(|| rest[..=close].chars().count())
    }

    fn check_repeat_count(&self, start: usize, end: usize) -> Result<(), GoError> {
        let body = &self.src[start + 1..end - 1];
        let parse = |s: &str| s.parse::<u32>().ok().filter(|n| *n <= MAX_REPEAT);
        let bad = GoError::InvalidRepeatSize(start, end);
        let (min, max) = match body.split_once(',') {
            Some((min, "")) => (parse(min).ok_or(bad)?, None),
            Some((min, max)) => {
                let min = parse(min);
                let max = parse(max);
                match (min, max) {
                    (Some(min), Some(max)) => (min, Some(max)),
                    _ => return Err(GoError::InvalidRepeatSize(start, end)),
                }
            }
            None => (parse(body).ok_or(bad)?, None),
        };
        if max.is_some_and(|max| max < min) {
            return Err(GoError::InvalidRepeatSize(start, end));
        }
        Ok(())
    }

    fn group(&mut self) -> Result<(), GoError> {
        let start = self.offset(self.pos);
        self.depth += 1;
        if self.peek(1) != Some('?') {
            self.literal_token("(", false);
            return Ok(());
        }
        // `(?flags)`, `(?flags:`, `(?P<name>`, `(?<name>`.
        let mut i = 2;
        if self.peek(i) == Some('P') && self.peek(i + 1) == Some('<') {
            i += 1;
        }
        if self.peek(i) == Some('<') {
            return self.named_group(start, i);
        }
        while let Some(c) = self.peek(i) {
            match c {
                'i' | 'm' | 's' | 'U' | '-' => i += 1,
                ')' | ':' => {
                    if c == ')' {
                        self.depth -= 1;
                    }
                    let end = self.offset(self.pos + i + 1);
                    self.out.push_str(&self.src[start..end]);
                    self.pos += i + 1;
                    self.last_repeat = None;
                    self.can_repeat = false;
                    return Ok(());
                }
                _ => break,
            }
        }
        let end = self.offset((self.pos + i + 1).min(self.chars.len()));
        Err(GoError::InvalidPerlOp(start, end))
    }

    fn named_group(&mut self, start: usize, lt: usize) -> Result<(), GoError> {
        let mut i = lt + 1;
        while let Some(c) = self.peek(i) {
            if c == '>' {
                let end = self.offset(self.pos + i + 1);
                self.out.push_str(&self.src[start..end]);
                self.pos += i + 1;
                self.last_repeat = None;
                self.can_repeat = false;
                return Ok(());
            }
            if !(c.is_ascii_alphanumeric() || c == '_') {
                break;
            }
            i += 1;
        }
        Err(GoError::InvalidPerlOp(start, self.offset(self.pos + i)))
    }

    /// An escape outside a class.
    fn escape(&mut self) -> Result<(), GoError> {
        let start = self.offset(self.pos);
        let Some(c) = self.peek(1) else {
            return Err(GoError::TrailingBackslash);
        };
        let simple = |t: &mut Self, text: &str, repeatable: bool| {
            t.out.push_str(text);
            t.pos += 2;
            t.last_repeat = None;
            t.can_repeat = repeatable;
        };
        match c {
            'd' => simple(self, &format!("[{ASCII_DIGIT}]"), true),
            'D' => simple(self, &format!("[^{ASCII_DIGIT}]"), true),
            'w' => simple(self, &format!("[{ASCII_WORD}]"), true),
            'W' => simple(self, &format!("[^{ASCII_WORD}]"), true),
            's' => simple(self, &format!("[{ASCII_SPACE}]"), true),
            'S' => simple(self, &format!("[^{ASCII_SPACE}]"), true),
            'b' => simple(self, r"(?-u:\b)", false),
            'B' => simple(self, r"(?-u:\B)", false),
            'A' | 'z' => simple(self, &format!("\\{c}"), false),
            'Q' => self.quoted(),
            _ => {
                let text = self.class_char_escape(start)?;
                self.out.push_str(&text);
                self.last_repeat = None;
                self.can_repeat = true;
            }
        }
        Ok(())
    }

    /// `\Q...\E`: everything in between is literal.
    fn quoted(&mut self) {
        self.pos += 2;
        while let Some(c) = self.peek(0) {
            if c == '\\' && self.peek(1) == Some('E') {
                self.pos += 2;
                break;
            }
            self.out.push_str(&regex::escape(&c.to_string()));
            self.pos += 1;
        }
        self.last_repeat = None;
        self.can_repeat = true;
    }

    /// An escape that denotes characters (valid inside and outside classes): control
    /// escapes, octal, hex, Unicode classes and escaped punctuation. Consumes it.
    fn class_char_escape(&mut self, start: usize) -> Result<String, GoError> {
        let Some(c) = self.peek(1) else {
            return Err(GoError::TrailingBackslash);
        };
        let invalid = |t: &Self| GoError::InvalidEscape(start, t.offset(t.pos + 2));
        match c {
            'a' | 'f' | 'n' | 'r' | 't' | 'v' => {
                self.pos += 2;
                Ok(format!("\\{c}"))
            }
            '0'..='7' => self.octal(start),
            'x' | 'p' | 'P' => self.braced_escape(c),
            c if c.is_ascii() && !c.is_ascii_alphanumeric() => {
                self.pos += 2;
                Ok(regex::escape(&c.to_string()))
            }
            _ => Err(invalid(self)),
        }
    }

    fn octal(&mut self, start: usize) -> Result<String, GoError> {
        let first = self.peek(1).unwrap_or('0');
        let is_octal = |c: Option<char>| c.is_some_and(|c| ('0'..='7').contains(&c));
        if first != '0' && !is_octal(self.peek(2)) {
            // `\1`..`\7` alone would be a backreference, which RE2 does not have.
            return Err(GoError::InvalidEscape(start, self.offset(self.pos + 2)));
        }
        let mut value = 0u32;
        let mut len = 1;
        while len <= 3 && is_octal(self.peek(len)) {
            value = value * 8 + self.peek(len).and_then(|c| c.to_digit(8)).unwrap_or(0);
            len += 1;
        }
        self.pos += len;
        Ok(format!("\\x{{{value:x}}}"))
    }

    /// `\x7F`, `\x{10FFFF}`, `\pL`, `\p{Greek}`: copied through.
    fn braced_escape(&mut self, kind: char) -> Result<String, GoError> {
        let start = self.offset(self.pos);
        let mut len = 2;
        if self.peek(2) == Some('{') {
            while let Some(c) = self.peek(len) {
                len += 1;
                if c == '}' {
                    break;
                }
            }
        } else {
            len += if kind == 'x' { 2 } else { 1 };
        }
        let end = self.offset((self.pos + len).min(self.chars.len()));
        self.pos = (self.pos + len).min(self.chars.len());
        let text = &self.src[start..end];
        if text.len() < 3 {
            return Err(GoError::InvalidEscape(start, end));
        }
        Ok(text.to_string())
    }

    /// A bracketed class. `[` inside is a literal unless it opens `[:name:]`.
    fn class(&mut self) -> Result<(), GoError> {
        let start = self.offset(self.pos);
        self.pos += 1;
        self.out.push('[');
        if self.peek(0) == Some('^') {
            self.out.push('^');
            self.pos += 1;
        }
        let content_start = self.pos;
        let mut first = true;
        loop {
            let Some(c) = self.peek(0) else {
                return Err(GoError::MissingBracket(start));
            };
            match c {
                ']' if !first => {
                    self.out.push(']');
                    self.pos += 1;
                    break;
                }
                '[' if self.peek(1) == Some(':') => self.posix_class(),
                '\\' => {
                    let esc_start = self.offset(self.pos);
                    let text = self.class_escape(esc_start)?;
                    self.out.push_str(&text);
                }
                '[' | '&' | '~' | ']' => {
                    let _ = write!(self.out, "\\{c}");
                    self.pos += 1;
                }
                '-' if self.peek(1) == Some('-') || self.out.ends_with('-') => {
                    self.out.push_str(r"\-");
                    self.pos += 1;
                }
                '-' => {
                    if self.pos > content_start {
                        self.check_range()?;
                    }
                    self.out.push('-');
                    self.pos += 1;
                }
                c => {
                    self.out.push(c);
                    self.pos += 1;
                }
            }
            first = false;
        }
        self.last_repeat = None;
        self.can_repeat = true;
        Ok(())
    }

    /// Go rejects a range whose end is below its start (`z-a`); checked for plain
    /// characters, the common case.
    fn check_range(&self) -> Result<(), GoError> {
        let plain = |c: Option<char>| c.filter(|c| !matches!(c, '\\' | '[' | ']' | '-'));
        let escaped = self.pos >= 2 && self.chars.get(self.pos - 2).is_some_and(|&(_, c)| c == '\\');
        let (false, Some(lo), Some(hi)) = (
            escaped,
            self.pos
                .checked_sub(1)
                .and_then(|i| plain(self.chars.get(i).map(|&(_, c)| c))),
            plain(self.peek(1)),
        ) else {
            return Ok(());
        };
        if hi < lo {
            return Err(GoError::InvalidCharRange(
                self.offset(self.pos - 1),
                self.offset(self.pos + 2),
            ));
        }
        Ok(())
    }

    fn posix_class(&mut self) {
        while let Some(c) = self.peek(0) {
            self.out.push(c);
            self.pos += 1;
            if c == ']' {
                break;
            }
        }
    }

    fn class_escape(&mut self, start: usize) -> Result<String, GoError> {
        let text = match self.peek(1) {
            Some('d') => ASCII_DIGIT.to_string(),
            Some('w') => ASCII_WORD.to_string(),
            Some('s') => ASCII_SPACE.to_string(),
            Some('D') => format!("[^{ASCII_DIGIT}]"),
            Some('W') => format!("[^{ASCII_WORD}]"),
            Some('S') => format!("[^{ASCII_SPACE}]"),
            _ => return self.class_char_escape(start),
        };
        self.pos += 2;
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        GoRegexp::new(pattern).expect("compiles").is_match(text)
    }

    #[test]
    fn perl_classes_are_ascii_as_in_go() {
        assert!(matches(r"^\d+$", "123"));
        assert!(!matches(r"^\d+$", "١٢٣")); // Arabic-Indic digits are not \d in Go
        assert!(!matches(r"^\w+$", "é"));
        assert!(matches(r"^\W$", "é"));
        assert!(matches(r"^[\d.]+$", "1.2"));
        assert!(matches(r"^[^\s]+$", "a\u{a0}b")); // NBSP is not \s in Go
        assert!(matches(r"\bfoo\b", "a foo b"));
        assert!(matches(r"^[\D]$", "x"));
    }

    #[test]
    fn go_literals_that_rust_treats_specially() {
        assert!(matches(r"^a{$", "a{"));
        assert!(matches(r"^a{,2}$", "a{,2}"));
        assert!(matches(r"^[[]$", "["));
        assert!(matches(r"^[a&&b]+$", "a&b"));
        assert!(matches(r"^\Qa.b\E$", "a.b"));
        assert!(!matches(r"^\Qa.b\E$", "axb"));
        assert!(matches(r"^\101$", "A"));
        assert!(matches(r"^\x41\x{42}$", "AB"));
        assert!(matches(r"^[[:alpha:]]+$", "abc"));
        assert!(matches(r"(?i)^abc$", "ABC"));
        assert!(matches(r"^\p{Greek}+$", "αβγ"));
        assert!(matches(r"^(?P<x>a)(?<y>b)$", "ab"));
        assert!(matches(r"^v[0-9]+$", "v12"));
        assert!(matches(r"^a{2,3}?$", "aa"));
    }

    #[test]
    fn go_parse_errors() {
        let cases = [
            ("(abc", "error parsing regexp: missing closing ): `(abc`"),
            ("abc)", "error parsing regexp: unexpected ): `abc)`"),
            ("x[a-z", "error parsing regexp: missing closing ]: `[a-z`"),
            (r"\q", "error parsing regexp: invalid escape sequence: `\\q`"),
            (r"\1", "error parsing regexp: invalid escape sequence: `\\1`"),
            (
                "*a",
                "error parsing regexp: missing argument to repetition operator: `*`",
            ),
            (
                "a|*",
                "error parsing regexp: missing argument to repetition operator: `*`",
            ),
            ("a**", "error parsing regexp: invalid nested repetition operator: `**`"),
            (
                "a+?+",
                "error parsing regexp: invalid nested repetition operator: `+?+`",
            ),
            ("a{1001}", "error parsing regexp: invalid repeat count: `{1001}`"),
            ("a{3,2}", "error parsing regexp: invalid repeat count: `{3,2}`"),
            (
                "(?x)a",
                "error parsing regexp: invalid or unsupported Perl syntax: `(?x`",
            ),
            (
                "a\\",
                "error parsing regexp: trailing backslash at end of expression: ``",
            ),
            ("[z-a]", "error parsing regexp: invalid character class range: `z-a`"),
        ];
        for (pattern, want) in cases {
            assert_eq!(GoRegexp::new(pattern).map(|_| ()), Err(want.to_string()), "{pattern}");
        }
    }
}
