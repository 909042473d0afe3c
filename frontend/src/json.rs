//! A small JSON reader for the feed: parse into a [`Json`] tree, then take
//! each type out of it with [`FromJson`].
//!
//! The browser build reads every feed file through this, not through
//! serde's derived deserializers: those expand, per type and per field, into
//! code that made up about a sixth of the wasm. The feed's shapes are few
//! and plain, so reading them by hand is short, and the host tests hold the
//! result equal to serde's for every fixture (the publisher and the
//! validators keep serde).
//!
//! What it accepts is what serde would, for these types: unknown and
//! duplicate fields are errors (a map's key given twice keeps its last
//! value), a missing `Option` field is `None`, an integer field takes only
//! an integer. Two differences, both stricter: integers above 2^53 − 1 are
//! refused (an `f64` cannot tell them apart), and nesting stops at 64
//! levels. Errors name the place in the file
//! (`regions[3].lat`), or the line and column for a syntax error.
//!
//! The downloads are written the same way, with [`ToJson`], so the browser
//! build calls no serde code.

use std::collections::BTreeMap;
use std::fmt::{self, Write};

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, and whether it was written as an integer (no fraction or
    /// exponent).
    Num(f64, bool),
    /// A string, unescaped.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object's members, in file order.
    Obj(Vec<(String, Json)>),
}

/// Why a file could not be read: what, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The path from the top, outermost first (`regions`, `[3]`, `lat`);
    /// empty for a syntax error, whose message has the line and column.
    path: Vec<String>,
    message: String,
}

impl Error {
    fn new(message: impl Into<String>) -> Self {
        Error {
            path: Vec::new(),
            message: message.into(),
        }
    }

    /// The same error, one level further out.
    fn within(mut self, segment: impl Into<String>) -> Self {
        self.path.insert(0, segment.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            return f.write_str(&self.message);
        }
        let mut at = String::new();
        for s in &self.path {
            if !at.is_empty() && !s.starts_with('[') {
                at.push('.');
            }
            at.push_str(s);
        }
        write!(f, "{}: {}", at, self.message)
    }
}

/// Nesting deeper than this is refused rather than risk the stack (the
/// feed nests four levels at most).
const MAX_DEPTH: usize = 64;

/// Parses a whole document.
pub fn parse(text: &str) -> Result<Json, Error> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let v = p.value(0).map_err(|m| p.at(m))?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.at("trailing characters after the JSON value"));
    }
    Ok(v)
}

/// Parses a document and takes a `T` out of it.
pub fn from_str<T: FromJson>(text: &str) -> Result<T, Error> {
    T::from_json(parse(text)?)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    /// A syntax error at the current place, as line and column.
    fn at(&self, message: &str) -> Error {
        let before = &self.s[..self.i.min(self.s.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
        Error::new(format!("{message} at line {line} column {column}"))
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn word(&mut self, w: &str, v: Json) -> Result<Json, &'static str> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(v)
        } else {
            Err("expected a value")
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, &'static str> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply");
        }
        self.ws();
        match self.peek() {
            None => Err("unexpected end of file"),
            Some(b'n') => self.word("null", Json::Null),
            Some(b't') => self.word("true", Json::Bool(true)),
            Some(b'f') => self.word("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::Str),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat(b']') {
                    return Ok(Json::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat(b']') {
                        return Ok(Json::Arr(items));
                    }
                    if !self.eat(b',') {
                        return Err("expected `,` or `]`");
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.eat(b'}') {
                    return Ok(Json::Obj(members));
                }
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        return Err("expected a string key");
                    }
                    let k = self.string()?;
                    self.ws();
                    if !self.eat(b':') {
                        return Err("expected `:`");
                    }
                    members.push((k, self.value(depth + 1)?));
                    self.ws();
                    if self.eat(b'}') {
                        return Ok(Json::Obj(members));
                    }
                    if !self.eat(b',') {
                        return Err("expected `,` or `}`");
                    }
                }
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err("expected a value"),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Json, &'static str> {
        let start = self.i;
        self.eat(b'-');
        let lead = self.peek();
        let n = self.digits();
        if n == 0 || (lead == Some(b'0') && n > 1) {
            return Err("invalid number");
        }
        // `-0` is a float to serde (it keeps the sign), not an integer.
        let mut int = !(self.s[start] == b'-' && n == 1 && lead == Some(b'0'));
        if self.eat(b'.') {
            int = false;
            if self.digits() == 0 {
                return Err("invalid number");
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            int = false;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return Err("invalid number");
            }
        }
        // The bytes are ASCII digits, signs, `.` and `e`: a valid `str`.
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| "invalid number")?;
        let v = exact(text).unwrap_or_else(|| slow(text));
        if v.is_finite() {
            Ok(Json::Num(v, int))
        } else {
            Err("number out of range")
        }
    }

    fn hex4(&mut self) -> Result<u32, &'static str> {
        let h = self.s.get(self.i..self.i + 4).ok_or("invalid escape")?;
        // Four hex digits: `from_str_radix` alone would take a `+` too.
        if !h.iter().all(u8::is_ascii_hexdigit) {
            return Err("invalid escape");
        }
        let h = std::str::from_utf8(h).map_err(|_| "invalid escape")?;
        let v = u32::from_str_radix(h, 16).map_err(|_| "invalid escape")?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, &'static str> {
        self.i += 1; // the opening quote
        let mut out = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err("unterminated string");
            };
            self.i += 1;
            match b {
                b'"' => break,
                0..0x20 => return Err("control character in a string"),
                b'\\' => {
                    let e = self.peek().ok_or("unterminated string")?;
                    self.i += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if !(self.eat(b'\\') && self.eat(b'u')) {
                                    return Err("lone surrogate in a string");
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err("lone surrogate in a string");
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(code).ok_or("lone surrogate in a string")?
                        }
                        _ => return Err("invalid escape"),
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                _ => out.push(b),
            }
        }
        // The input was a `str` and escapes add whole characters.
        String::from_utf8(out).map_err(|_| "invalid UTF-8 in a string")
    }
}

/// Powers of ten an `f64` holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A well-formed JSON number's value when it is `m × 10^e` with `m < 2^53`
/// and `|e| ≤ 22`: then `m` and `10^e` are exact and one multiplication or
/// division rounds correctly (Clinger's fast path). The feed's numbers
/// (milliseconds to the µs, counts, coordinates) all are; the rest go to
/// [`slow`]. This keeps the standard float parser, and its tables, out of
/// the wasm.
fn exact(text: &str) -> Option<f64> {
    let (neg, text) = match text.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, text),
    };
    let (num, e) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], text[at + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let mut m: u64 = 0;
    for d in int.bytes().chain(frac.bytes()) {
        m = m.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if m > 1 << 53 {
        return None;
    }
    let e = e.checked_sub(i32::try_from(frac.len()).ok()?)?;
    let p = *POW10.get(e.unsigned_abs() as usize)?;
    let v = if e < 0 { m as f64 / p } else { m as f64 * p };
    Some(if neg { -v } else { v })
}

/// Any other well-formed JSON number, correctly rounded: by the browser's
/// own parser in the wasm build, by Rust's on the host.
fn slow(text: &str) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::parse_float(text);
    #[cfg(not(target_arch = "wasm32"))]
    return text.parse().unwrap_or(f64::NAN);
}

impl Json {
    /// What kind of value this is, for messages.
    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Num(..) => "a number",
            Json::Str(_) => "a string",
            Json::Arr(_) => "an array",
            Json::Obj(_) => "an object",
        }
    }

    fn expected(&self, what: &str) -> Error {
        Error::new(format!("expected {what}, found {}", self.kind()))
    }
}

/// A type read out of a [`Json`] value.
pub trait FromJson: Sized {
    /// Reads the value.
    fn from_json(v: Json) -> Result<Self, Error>;

    /// Whether a field of this type may be missing (an `Option`: `None`).
    const OPTIONAL: bool = false;
}

impl FromJson for String {
    fn from_json(v: Json) -> Result<Self, Error> {
        match v {
            Json::Str(s) => Ok(s),
            v => Err(v.expected("a string")),
        }
    }
}

impl FromJson for bool {
    fn from_json(v: Json) -> Result<Self, Error> {
        match v {
            Json::Bool(b) => Ok(b),
            v => Err(v.expected("a boolean")),
        }
    }
}

impl FromJson for f64 {
    fn from_json(v: Json) -> Result<Self, Error> {
        match v {
            Json::Num(x, _) => Ok(x),
            v => Err(v.expected("a number")),
        }
    }
}

/// An integer in `lo..=hi` (the range of the integer type asked for).
fn integer(v: Json, lo: f64, hi: f64) -> Result<f64, Error> {
    match v {
        Json::Num(x, true) if (lo..=hi).contains(&x) => Ok(x),
        // Not the number itself: past 2^53 its f64 is not what was written.
        Json::Num(_, true) => Err(Error::new(format!("integer out of range ({lo} to {hi})"))),
        v => Err(v.expected("an integer")),
    }
}

/// The largest integer taken: 2^53 − 1. The number is an `f64` by the time
/// it is checked, and above this two integers can round to the same `f64`
/// (`9007199254740993` would read as …992), so larger ones are refused
/// rather than read wrong. The feed's counts are far below it.
const EXACT: f64 = 9_007_199_254_740_991.0;

macro_rules! integers {
    ($($t:ty => $lo:expr, $hi:expr;)*) => {$(
        impl FromJson for $t {
            fn from_json(v: Json) -> Result<Self, Error> {
                // In range (of the type, on this target) and integral, so
                // the cast is exact.
                integer(v, $lo, $hi).map(|x| x as $t)
            }
        }
    )*};
}

integers! {
    u32 => 0.0, 4_294_967_295.0;
    u64 => 0.0, EXACT;
    // `usize` is 32 bits in the browser build.
    usize => 0.0, if usize::BITS < 64 { usize::MAX as f64 } else { EXACT };
    i64 => -EXACT, EXACT;
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: Json) -> Result<Self, Error> {
        match v {
            Json::Null => Ok(None),
            v => T::from_json(v).map(Some),
        }
    }

    const OPTIONAL: bool = true;
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: Json) -> Result<Self, Error> {
        let Json::Arr(a) = v else {
            return Err(v.expected("an array"));
        };
        // A plain loop: `collect` into a `Result` costs more code per type.
        let mut out = Vec::with_capacity(a.len());
        for (i, x) in a.into_iter().enumerate() {
            out.push(T::from_json(x).map_err(|e| e.within(format!("[{i}]")))?);
        }
        Ok(out)
    }
}

impl FromJson for [String; 2] {
    fn from_json(v: Json) -> Result<Self, Error> {
        let v: Vec<String> = Vec::from_json(v)?;
        <[String; 2]>::try_from(v)
            .map_err(|v| Error::new(format!("expected 2 items, found {}", v.len())))
    }
}

impl<T: FromJson> FromJson for BTreeMap<String, T> {
    fn from_json(v: Json) -> Result<Self, Error> {
        // A key given twice keeps its last value, as serde does.
        let mut out = BTreeMap::new();
        for (k, x) in Fields::of(v)?.members {
            let x = T::from_json(x).map_err(|e| e.within(k.clone()))?;
            out.insert(k, x);
        }
        Ok(out)
    }
}

/// An object's members, taken out one field at a time.
///
/// A field that fails gives its type's default and keeps the first error,
/// which [`Fields::done`] returns: a struct is then built without an early
/// return after each field, and so without code to drop the fields read so
/// far at each of them (most of what a reader cost in the wasm).
pub struct Fields {
    members: Vec<(String, Json)>,
    error: Option<Error>,
}

impl Fields {
    /// The members of an object.
    pub fn of(v: Json) -> Result<Self, Error> {
        match v {
            Json::Obj(members) => Ok(Fields {
                members,
                error: None,
            }),
            v => Err(v.expected("an object")),
        }
    }

    /// Takes a field out; an error in it names it.
    #[inline(never)]
    pub fn field<T: FromJson + Default>(&mut self, name: &str) -> T {
        match self.member(name, T::OPTIONAL) {
            Some(v) => self.read(v, name),
            // Missing: `None` for an `Option`, else the error is kept.
            None => T::default(),
        }
    }

    /// Takes a field that may be missing, with its value then.
    #[inline(never)]
    pub fn field_or<T: FromJson + Default>(&mut self, name: &str, missing: T) -> T {
        match self.member(name, true) {
            Some(v) => self.read(v, name),
            None => missing,
        }
    }

    fn read<T: FromJson + Default>(&mut self, v: Json, name: &str) -> T {
        T::from_json(v).unwrap_or_else(|e| {
            self.fail(e.within(name));
            T::default()
        })
    }

    /// Keeps the first error.
    fn fail(&mut self, e: Error) {
        self.error.get_or_insert(e);
    }

    /// The member of that name, taken out; its absence is an error unless
    /// it is `optional`. (The part of [`Fields::field`] that is the same for
    /// every type, so it is not repeated per type.)
    fn member(&mut self, name: &str, optional: bool) -> Option<Json> {
        let Some(at) = self.members.iter().position(|(k, _)| k == name) else {
            if !optional {
                self.fail(Error::new(format!("missing field `{name}`")));
            }
            return None;
        };
        let (_, v) = self.members.swap_remove(at);
        if self.members.iter().any(|(k, _)| k == name) {
            self.fail(Error::new(format!("duplicate field `{name}`")));
        }
        Some(v)
    }

    /// Ends reading: the first field's error, or a member left over (a
    /// field the type does not have).
    pub fn done(self) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        match self.members.first() {
            Some((k, _)) => Err(Error::new(format!("unknown field `{k}`"))),
            None => Ok(()),
        }
    }
}

/// Implements [`FromJson`] for a struct whose fields all come from members of
/// the same names (`field = default` for one that may be missing). Every
/// field's type is `Default`, for the placeholder after an error.
#[macro_export]
macro_rules! from_json_struct {
    ($t:path { $($f:ident $(= $d:expr)?),* $(,)? }) => {
        impl $crate::json::FromJson for $t {
            fn from_json(v: $crate::json::Json) -> Result<Self, $crate::json::Error> {
                let mut o = $crate::json::Fields::of(v)?;
                let out = Self {
                    $($f: $crate::from_json_struct!(@field o, $f $(, $d)?),)*
                };
                o.done()?;
                Ok(out)
            }
        }
    };
    (@field $o:ident, $f:ident) => { $o.field(stringify!($f)) };
    (@field $o:ident, $f:ident, $d:expr) => { $o.field_or(stringify!($f), $d) };
}

/// Both [`from_json_struct!`] and [`to_json_struct!`], for a type that is
/// read and written with the same fields.
#[macro_export]
macro_rules! json_struct {
    ($t:ident { $($f:ident),* $(,)? }) => {
        $crate::from_json_struct!($t { $($f),* });
        $crate::to_json_struct!($t { $($f),* });
    };
}

/// A value written as JSON (the downloads), with [`to_string`].
pub trait ToJson {
    /// Appends the value's JSON to `out`.
    fn write_json(&self, out: &mut String);
}

/// The JSON of a value, compact. Numbers are written as Rust writes them,
/// shortest first (`68.42`, `68`), non-finite ones as `null`.
pub fn to_string<T: ToJson + ?Sized>(v: &T) -> String {
    let mut out = String::new();
    v.write_json(&mut out);
    out
}

impl ToJson for str {
    fn write_json(&self, out: &mut String) {
        out.push('"');
        for c in self.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c < ' ' => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        self.as_str().write_json(out);
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl ToJson for f64 {
    fn write_json(&self, out: &mut String) {
        if self.is_finite() {
            let _ = write!(out, "{self}");
        } else {
            out.push_str("null");
        }
    }
}

macro_rules! write_integers {
    ($($t:ty)*) => {$(
        impl ToJson for $t {
            fn write_json(&self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
        }
    )*};
}

write_integers!(u32 u64 usize i64);

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            v.write_json(out);
        }
        out.push(']');
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

impl<T: ToJson> ToJson for BTreeMap<String, T> {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::start(out);
        for (k, v) in self {
            o.field(k, v);
        }
        o.end();
    }
}

/// An object being written, member by member.
pub struct Object<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Object<'a> {
    /// Opens an object.
    pub fn start(out: &'a mut String) -> Self {
        out.push('{');
        Object { out, first: true }
    }

    /// Writes one member.
    pub fn field(&mut self, name: &str, v: &(impl ToJson + ?Sized)) -> &mut Self {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        name.write_json(self.out);
        self.out.push(':');
        v.write_json(self.out);
        self
    }

    /// Closes the object.
    pub fn end(self) {
        self.out.push('}');
    }
}

/// Implements [`ToJson`] for a struct: each field as a member of its name,
/// in the order listed.
#[macro_export]
macro_rules! to_json_struct {
    ($t:ty { $($f:ident),* $(,)? }) => {
        impl $crate::json::ToJson for $t {
            fn write_json(&self, out: &mut String) {
                let mut o = $crate::json::Object::start(out);
                $(o.field(stringify!($f), &self.$f);)*
                o.end();
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_of_value() {
        let v = parse(r#" {"a": [1, -2.5e1, 0.125, true, false, null], "b": "x\"\\\/\n\u00e9\ud83d\ude00", "c": {}} "#)
            .unwrap();
        let Json::Obj(m) = v else { panic!() };
        assert_eq!(
            m[0].1,
            Json::Arr(vec![
                Json::Num(1.0, true),
                Json::Num(-25.0, false),
                Json::Num(0.125, false),
                Json::Bool(true),
                Json::Bool(false),
                Json::Null
            ])
        );
        assert_eq!(m[1].1, Json::Str("x\"\\/\né😀".into()));
        assert_eq!(m[2].1, Json::Obj(vec![]));
    }

    #[test]
    fn the_fast_path_rounds_as_rust_does() {
        let cases = [
            "0",
            "-0",
            "68.42",
            "0.001",
            "123456.789",
            "59999.999",
            "39.04",
            "-122.68",
            "1e-7",
            "9007199254740992",
            "4.5e15",
            "0.1",
            "2.5E+3",
            "1E22",
            "1e-22",
        ];
        for t in cases {
            let want: f64 = t.parse().unwrap();
            let got = exact(t).unwrap_or_else(|| panic!("{t} takes the fast path"));
            assert_eq!(got.to_bits(), want.to_bits(), "{t}");
        }
        // Outside the exact range: left to the full parser.
        for t in [
            "9007199254740993",
            "1e23",
            "1e-23",
            "0.12345678901234567890",
            "1e308",
        ] {
            assert_eq!(exact(t), None, "{t}");
            assert_eq!(slow(t), t.parse::<f64>().unwrap(), "{t}");
        }
        // Every value to the µs up to a minute, and a spread of counts.
        for us in (0..60_000_000u64).step_by(997) {
            let t = format!("{}.{:03}", us / 1000, us % 1000);
            assert_eq!(exact(&t), Some(t.parse().unwrap()), "{t}");
        }
    }

    #[test]
    fn numbers_read_exactly_as_rust_does() {
        for t in [
            "68.42",
            "0.001",
            "123456.789",
            "1e-7",
            "9007199254740993",
            "-0",
            "2.5E+3",
        ] {
            assert_eq!(
                parse(t).unwrap(),
                Json::Num(
                    t.parse().unwrap(),
                    !t.contains(['.', 'e', 'E']) && t != "-0"
                ),
                "{t}"
            );
        }
    }

    #[test]
    fn syntax_errors_say_where() {
        let cases = [
            ("{not json", "expected a string key at line 1 column 2"),
            ("[1,\n 2,,]", "expected a value at line 2 column 4"),
            (
                "[1] 2",
                "trailing characters after the JSON value at line 1 column 5",
            ),
            ("\"abc", "unterminated string at line 1 column 5"),
            ("01", "invalid number at line 1 column 3"),
            ("1.", "invalid number at line 1 column 3"),
            ("1e999", "number out of range at line 1 column 6"),
            ("\"\\x\"", "invalid escape at line 1 column 4"),
            (
                "\"\\ud800\"",
                "lone surrogate in a string at line 1 column 8",
            ),
            (
                "\"a\tb\"",
                "control character in a string at line 1 column 4",
            ),
            ("", "unexpected end of file at line 1 column 1"),
            ("{\"a\" 1}", "expected `:` at line 1 column 6"),
            ("[1 2]", "expected `,` or `]` at line 1 column 4"),
            ("{\"a\":1 \"b\"}", "expected `,` or `}` at line 1 column 8"),
            ("nul", "expected a value at line 1 column 1"),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).unwrap_err().to_string(), want, "{text:?}");
        }
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(
            parse(&deep)
                .unwrap_err()
                .to_string()
                .starts_with("nested too deeply")
        );
    }

    #[derive(Debug, PartialEq)]
    struct Thing {
        n: u32,
        name: Option<String>,
        tags: Vec<String>,
    }
    from_json_struct!(Thing { n, name, tags = Vec::new() });

    impl ToJson for Thing {
        fn write_json(&self, out: &mut String) {
            let mut o = Object::start(out);
            o.field("n", &self.n)
                .field("name", &self.name)
                .field("tags", &self.tags);
            o.end();
        }
    }

    #[test]
    fn structs_take_their_fields_and_nothing_else() {
        let t: Thing = from_str(r#"{"n": 3}"#).unwrap();
        assert_eq!(
            t,
            Thing {
                n: 3,
                name: None,
                tags: vec![]
            }
        );
        let t: Vec<Thing> = from_str(r#"[{"n": 3, "name": "a", "tags": ["x"]}]"#).unwrap();
        assert_eq!(t[0].tags, ["x"]);
        let err = |text: &str| from_str::<Vec<Thing>>(text).unwrap_err().to_string();
        assert_eq!(
            err(r#"[{"n": 1}, {"n": "3"}]"#),
            "[1].n: expected an integer, found a string"
        );
        assert_eq!(
            err(r#"[{"n": 1.5}]"#),
            "[0].n: expected an integer, found a number"
        );
        assert_eq!(
            err(r#"[{"n": -1}]"#),
            "[0].n: integer out of range (0 to 4294967295)"
        );
        assert_eq!(
            err(r#"[{"n": 4294967296}]"#),
            "[0].n: integer out of range (0 to 4294967295)"
        );
        assert_eq!(err(r#"[{}]"#), "[0]: missing field `n`");
        assert_eq!(err(r#"[{"n": 1, "m": 2}]"#), "[0]: unknown field `m`");
        assert_eq!(err(r#"[{"n": 1, "n": 2}]"#), "[0]: duplicate field `n`");
        assert_eq!(
            err(r#"[{"n": 1, "tags": [1]}]"#),
            "[0].tags[0]: expected a string, found a number"
        );
        assert_eq!(err(r#"{"n": 1}"#), "expected an array, found an object");
        let m: BTreeMap<String, Vec<u64>> = from_str(r#"{"a": [1], "b": []}"#).unwrap();
        assert_eq!(m["a"], [1]);
        assert_eq!(
            from_str::<BTreeMap<String, u64>>(r#"{"a": 1, "a": 2}"#).unwrap()["a"],
            2,
            "the last value, as serde keeps"
        );
        // Integers that an f64 cannot tell apart are refused, not rounded;
        // `-0` is not an integer.
        assert_eq!(
            from_str::<u64>("9007199254740991").unwrap(),
            9_007_199_254_740_991
        );
        for big in ["9007199254740992", "9007199254740993"] {
            assert_eq!(
                from_str::<u64>(big).unwrap_err().to_string(),
                "integer out of range (0 to 9007199254740991)"
            );
            assert!(from_str::<i64>(&format!("-{big}")).is_err());
        }
        assert_eq!(
            from_str::<u32>("-0").unwrap_err().to_string(),
            "expected an integer, found a number"
        );
        assert_eq!(
            from_str::<f64>("-0").unwrap().to_bits(),
            (-0.0f64).to_bits()
        );
        // The escape's four digits are hex digits, no sign.
        assert!(
            parse(r#""\u+041""#)
                .unwrap_err()
                .to_string()
                .starts_with("invalid escape")
        );
        assert_eq!(parse(r#""\u0041""#).unwrap(), Json::Str("A".into()));
        assert_eq!(
            from_str::<BTreeMap<String, u64>>(r#"{"a": {"b": null}}"#)
                .unwrap_err()
                .to_string(),
            "a: expected an integer, found an object"
        );
        assert_eq!(
            from_str::<[String; 2]>(r#"["a"]"#).unwrap_err().to_string(),
            "expected 2 items, found 1"
        );
    }

    #[test]
    fn writes_json_that_reads_back() {
        let mut m = BTreeMap::new();
        m.insert(
            "a\"b".to_string(),
            vec![Some(68.42), None, Some(f64::NAN), Some(-0.5)],
        );
        let t = Thing {
            n: 7,
            name: Some("x\n\u{1}é".into()),
            tags: vec!["t".into()],
        };
        struct Both<'a> {
            m: &'a BTreeMap<String, Vec<Option<f64>>>,
            thing: Vec<Thing>,
            flag: bool,
            big: u64,
        }
        crate::to_json_struct!(Both<'_> { m, thing, flag, big });
        let text = to_string(&Both {
            m: &m,
            thing: vec![t],
            flag: true,
            big: 1 << 53,
        });
        assert_eq!(
            text,
            r#"{"m":{"a\"b":[68.42,null,null,-0.5]},"thing":[{"n":7,"name":"x\n\u0001é","tags":["t"]}],"flag":true,"big":9007199254740992}"#
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["thing"][0]["name"], "x\n\u{1}é");
        assert_eq!(back["m"]["a\"b"][0], 68.42);
        let Json::Obj(o) = parse(&text).unwrap() else {
            panic!()
        };
        assert_eq!(o[3].1, Json::Num(9007199254740992.0, true));
    }
}
