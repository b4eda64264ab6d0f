//! Survey file text → a spanned document ([`SurveyDoc`]).
//!
//! This layer knows TOML: it reports syntax errors, unknown keys and values
//! of the wrong type, and keeps the span of every key and value it keeps.
//! What the values *mean* (missing keys, ranges, translations, conditions)
//! is checked by [`super::validate`], which turns a document into a survey.

use toml_span::value::{Table, Value, ValueInner};

use super::diagnostic::{Diagnostic, Span};
use super::sanitize::quote;
use super::suggest::closest;
use super::survey::TYPE_NAMES;

/// A value with the span of its source text.
#[derive(Clone, Debug, PartialEq)]
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
}

/// A multilingual text as written: `{ fi = "…", sv = "…" }`, or a plain
/// string (only valid in a single-language survey).
#[derive(Clone, Debug)]
pub struct LabelDoc {
    /// What the label is, for messages: `title`, `text of question `overall``.
    pub what: String,
    pub span: Span,
    pub texts: Vec<(Sp<String>, Sp<String>)>,
    pub plain: Option<Sp<String>>,
    /// Languages whose text had the wrong type (already reported).
    pub bad_langs: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct OptionDoc {
    pub span: Span,
    pub id: Option<Sp<String>>,
    pub label: LabelDoc,
}

/// A `show_if` string and where its characters are in the file.
#[derive(Clone, Debug)]
pub struct ConditionDoc {
    pub text: String,
    pub span: Span,
    /// Whether byte `i` of `text` is byte `span.start + i` of the file
    /// (false when the string has escapes, so positions cannot be mapped).
    pub exact: bool,
}

impl ConditionDoc {
    /// A span inside the condition text, as a span of the file.
    pub fn file_span(&self, inner: Span) -> Span {
        if self.exact {
            inner.shift(self.span.start)
        } else {
            self.span
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct QuestionDoc {
    /// The `[[question]]` table (its header, for missing keys).
    pub span: Span,
    pub id: Option<Sp<String>>,
    /// A known question type; an unknown one is reported here and left `None`.
    pub ty: Option<Sp<&'static str>>,
    pub type_given: bool,
    pub text: Option<LabelDoc>,
    pub required: Option<Sp<bool>>,
    pub show_if: Option<ConditionDoc>,
    pub options: Option<Sp<Vec<OptionDoc>>>,
    pub other: Option<Sp<bool>>,
    pub min: Option<Sp<i64>>,
    pub max: Option<Sp<i64>>,
    pub pick: Option<Sp<i64>>,
    pub scale: Option<Sp<i64>>,
    pub max_len: Option<Sp<i64>>,
    pub low: Option<LabelDoc>,
    pub high: Option<LabelDoc>,
    /// Keys present with a value of the wrong type (already reported).
    pub bad_keys: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct PrizeDrawDoc {
    pub span: Span,
    pub text: Option<LabelDoc>,
    pub privacy: Option<LabelDoc>,
    pub fields: Option<Sp<Vec<Sp<String>>>>,
    pub delete_after: Option<Sp<String>>,
    pub bad_keys: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct SurveyDoc {
    pub id: Option<Sp<String>>,
    pub languages: Option<Sp<Vec<Sp<String>>>>,
    pub title: Option<LabelDoc>,
    pub intro: Option<LabelDoc>,
    pub thanks: Option<LabelDoc>,
    pub population: Option<Sp<i64>>,
    pub prize_draw: Option<PrizeDrawDoc>,
    pub questions: Vec<QuestionDoc>,
    /// Whether a `question` key was present at all (even if malformed).
    pub has_question_key: bool,
    pub bad_keys: Vec<String>,
}

const SURVEY_KEYS: [&str; 8] = [
    "id",
    "languages",
    "title",
    "intro",
    "thanks",
    "population",
    "prize_draw",
    "question",
];
const PRIZE_DRAW_KEYS: [&str; 4] = ["text", "privacy", "fields", "delete_after"];
const COMMON_QUESTION_KEYS: [&str; 5] = ["id", "type", "text", "required", "show_if"];

/// The keys a question of each type takes besides the common ones.
fn type_keys(ty: &str) -> &'static [&'static str] {
    match ty {
        "choice" => &["options", "other"],
        "multi" => &["options", "min", "max", "other"],
        "ranking" => &["options", "pick"],
        "rating" => &["scale", "low", "high"],
        "number" => &["min", "max"],
        "text" => &["max_len"],
        _ => &[],
    }
}

const ALL_TYPE_KEYS: [&str; 9] = [
    "options", "other", "min", "max", "pick", "scale", "low", "high", "max_len",
];

/// Parses survey text. A syntax error ends parsing with that one error;
/// otherwise every structural problem is reported and a document returned.
pub fn parse(source: &str) -> Result<(SurveyDoc, Vec<Diagnostic>), Diagnostic> {
    let root = toml_span::parse(source).map_err(|e| syntax_error(e, source))?;
    let mut p = Parser {
        source,
        diags: Vec::new(),
        allowed: SURVEY_KEYS.to_vec(),
        bad: Vec::new(),
    };
    let Some(table) = root.as_table() else {
        return Err(Diagnostic::new(
            Span::at(0),
            "a survey file must be a TOML table",
        ));
    };
    let doc = p.survey(table);
    Ok((doc, p.diags))
}

fn syntax_error(e: toml_span::Error, source: &str) -> Diagnostic {
    use toml_span::ErrorKind as K;
    let span = Span::new(e.span.start, e.span.end);
    // A line break inside a one-line string: the string was never closed.
    // Point at its opening quote, which is where the fix goes.
    if let K::InvalidCharInString('\n' | '\r') = e.kind {
        let line_start = source
            .get(..span.start)
            .and_then(|before| before.rfind('\n'))
            .map_or(0, |i| i + 1);
        let line = source.get(line_start..span.start).unwrap_or("");
        let quote_at = unclosed_quote(line).map_or(span.start, |q| line_start + q);
        return Diagnostic::new(Span::new(quote_at, quote_at + 1), "invalid TOML: this string is not closed before the end of the line")
            .with_hint("close it with the quote it starts with; write text over several lines between \"\"\" and \"\"\"");
    }
    let hint = match &e.kind {
        K::UnquotedString => Some("put text values in double quotes: key = \"text\""),
        K::DuplicateKey { .. } => Some("each key may appear once in a table; remove or rename one"),
        K::DuplicateTable { .. } => Some("use [[question]] (double brackets) for each question"),
        K::RedefineAsArray => Some("use [[question]] (double brackets) for every question"),
        K::InvalidNumber => Some(
            "numbers are whole numbers like 5; a date goes in quotes, e.g. delete_after = \"2026-06-30\"",
        ),
        K::UnterminatedString => Some("close the string with the same quote it starts with"),
        K::Wanted { .. } | K::Unexpected(_) => {
            Some("survey files are TOML: `key = value` lines and [table] headers")
        }
        _ => None,
    };
    // toml-span's messages start lower-case; they read as TOML syntax errors.
    let d = Diagnostic::new(
        span,
        format!("invalid TOML: {}", super::sanitize::escape(&e.to_string())),
    );
    match hint {
        Some(h) => d.with_hint(h),
        None => d,
    }
}

/// The byte offset of the quote that opens a string left open at the end
/// of `line` (basic strings honour `\` escapes; literal strings do not).
fn unclosed_quote(line: &str) -> Option<usize> {
    let mut open: Option<(usize, char)> = None;
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match (open, c) {
            (None, '#') => break,
            (None, '"' | '\'') => open = Some((i, c)),
            (Some((_, '"')), '\\') => {
                chars.next();
            }
            (Some((_, q)), c) if c == q => open = None,
            _ => {}
        }
    }
    open.map(|(i, _)| i)
}

fn type_name(v: &Value<'_>) -> &'static str {
    match v.as_ref() {
        ValueInner::String(_) => "a string",
        ValueInner::Integer(_) => "a whole number",
        ValueInner::Float(_) => "a decimal number",
        ValueInner::Boolean(_) => "true/false",
        ValueInner::Array(_) => "a list",
        ValueInner::Table(_) => "a table",
    }
}

fn span_of(v: &Value<'_>) -> Span {
    Span::new(v.span.start, v.span.end)
}

struct Parser<'s> {
    source: &'s str,
    diags: Vec<Diagnostic>,
    /// The keys allowed in the table being read, for typo recovery.
    allowed: Vec<&'static str>,
    /// Keys of the table being read whose values had the wrong type.
    bad: Vec<String>,
}

impl Parser<'_> {
    /// The value of `key`; when it is absent but an unknown key is a likely
    /// typo of it (`tittle` for `title`), that key's value, so that one typo
    /// gives one error and the value is still checked.
    fn get<'t, 'de>(&self, table: &'t Table<'de>, key: &str) -> Option<&'t Value<'de>> {
        table.get(key).or_else(|| {
            table.iter().find_map(|(k, v)| {
                let unknown = !self.allowed.contains(&k.name.as_ref());
                let typo = closest(&k.name, self.allowed.iter().copied()) == Some(key);
                (unknown && typo).then_some(v)
            })
        })
    }

    /// Reports keys of `table` outside `allowed`, with a suggestion.
    fn unknown_keys(&mut self, table: &Table<'_>, allowed: &[&str], place: &str) {
        for key in table.keys() {
            if allowed.contains(&key.name.as_ref()) {
                continue;
            }
            let span = Span::new(key.span.start, key.span.end);
            let d = Diagnostic::new(span, format!("unknown key {} in {place}", quote(&key.name)));
            let d = match closest(&key.name, allowed.iter().copied()) {
                Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                None => d.with_hint(format!("allowed keys here: {}", allowed.join(", "))),
            };
            self.diags.push(d);
        }
    }

    /// Reports a value of the wrong type. The key counts as present, so
    /// validation does not also call it missing.
    fn wrong_type(&mut self, key: &str, v: &Value<'_>, expected: &str) {
        self.bad.push(key.to_owned());
        let hint = match v.as_ref() {
            ValueInner::String(_) => {
                "numbers, true/false, lists and tables are written without quotes"
            }
            _ if expected.starts_with("a string") => "put text in double quotes: key = \"text\"",
            _ => "see docs/survey-format.md for the keys and their values",
        };
        self.diags.push(
            Diagnostic::new(
                span_of(v),
                format!("`{key}` must be {expected}, not {}", type_name(v)),
            )
            .with_hint(hint),
        );
    }

    fn string(&mut self, table: &Table<'_>, key: &str) -> Option<Sp<String>> {
        let v = self.get(table, key)?;
        match v.as_str() {
            Some(s) => Some(Sp {
                value: s.to_owned(),
                span: span_of(v),
            }),
            None => {
                self.wrong_type(key, v, "a string in double quotes");
                None
            }
        }
    }

    fn int(&mut self, table: &Table<'_>, key: &str) -> Option<Sp<i64>> {
        let v = self.get(table, key)?;
        match v.as_integer() {
            Some(n) => Some(Sp {
                value: n,
                span: span_of(v),
            }),
            None => {
                self.wrong_type(key, v, "a whole number");
                None
            }
        }
    }

    fn bool(&mut self, table: &Table<'_>, key: &str) -> Option<Sp<bool>> {
        let v = self.get(table, key)?;
        match v.as_bool() {
            Some(b) => Some(Sp {
                value: b,
                span: span_of(v),
            }),
            None => {
                self.wrong_type(key, v, "true or false");
                None
            }
        }
    }

    fn string_list(&mut self, table: &Table<'_>, key: &str) -> Option<Sp<Vec<Sp<String>>>> {
        let v = self.get(table, key)?;
        let Some(items) = v.as_array() else {
            self.wrong_type(key, v, "a list of strings, like [\"fi\", \"sv\"]");
            return None;
        };
        let mut out = Vec::new();
        for item in items {
            match item.as_str() {
                Some(s) => out.push(Sp {
                    value: s.to_owned(),
                    span: span_of(item),
                }),
                None => self.wrong_type(&format!("each item of `{key}`"), item, "a string"),
            }
        }
        Some(Sp {
            value: out,
            span: span_of(v),
        })
    }

    fn label(&mut self, table: &Table<'_>, key: &str, what: String) -> Option<LabelDoc> {
        let v = self.get(table, key)?;
        let span = span_of(v);
        if let Some(s) = v.as_str() {
            return Some(LabelDoc {
                what,
                span,
                texts: Vec::new(),
                plain: Some(Sp {
                    value: s.to_owned(),
                    span,
                }),
                bad_langs: Vec::new(),
            });
        }
        let Some(texts) = v.as_table() else {
            self.wrong_type(
                key,
                v,
                "a text per language, like { fi = \"…\", sv = \"…\", en = \"…\" }",
            );
            return None;
        };
        Some(self.label_texts(texts, &[], what, span))
    }

    /// The language entries of a label table, skipping `skip` keys.
    fn label_texts(
        &mut self,
        table: &Table<'_>,
        skip: &[&str],
        what: String,
        span: Span,
    ) -> LabelDoc {
        let mut entries = Vec::new();
        let mut bad_langs = Vec::new();
        for (key, v) in table {
            if skip.contains(&key.name.as_ref()) {
                continue;
            }
            let key_sp = Sp {
                value: key.name.to_string(),
                span: Span::new(key.span.start, key.span.end),
            };
            match v.as_str() {
                Some(s) => entries.push((
                    key_sp,
                    Sp {
                        value: s.to_owned(),
                        span: span_of(v),
                    },
                )),
                None => {
                    bad_langs.push(key.name.to_string());
                    self.diags.push(
                        Diagnostic::new(
                            span_of(v),
                            format!(
                                "the {} text of {what} must be a string, not {}",
                                quote(&key.name),
                                type_name(v)
                            ),
                        )
                        .with_hint("put text in double quotes: fi = \"…\""),
                    );
                }
            }
        }
        entries.sort_by_key(|(k, _)| k.span.start);
        LabelDoc {
            what,
            span,
            texts: entries,
            plain: None,
            bad_langs,
        }
    }

    fn survey(&mut self, root: &Table<'_>) -> SurveyDoc {
        self.unknown_keys(root, &SURVEY_KEYS, "the survey");
        self.allowed = SURVEY_KEYS.to_vec();
        let mut doc = SurveyDoc {
            id: self.string(root, "id"),
            languages: self.string_list(root, "languages"),
            title: self.label(root, "title", "`title`".into()),
            intro: self.label(root, "intro", "`intro`".into()),
            thanks: self.label(root, "thanks", "`thanks`".into()),
            population: self.int(root, "population"),
            prize_draw: None,
            questions: Vec::new(),
            has_question_key: self.get(root, "question").is_some(),
            bad_keys: Vec::new(),
        };
        let prize_draw = self.get(root, "prize_draw");
        let question = self.get(root, "question");
        if let Some(v) = prize_draw {
            match v.as_table() {
                Some(t) => {
                    self.unknown_keys(t, &PRIZE_DRAW_KEYS, "[prize_draw]");
                    self.allowed = PRIZE_DRAW_KEYS.to_vec();
                    let outer = std::mem::take(&mut self.bad);
                    let mut prize_draw = PrizeDrawDoc {
                        span: span_of(v),
                        text: self.label(t, "text", "`prize_draw.text`".into()),
                        privacy: self.label(t, "privacy", "`prize_draw.privacy`".into()),
                        fields: self.string_list(t, "fields"),
                        delete_after: self.string(t, "delete_after"),
                        bad_keys: Vec::new(),
                    };
                    prize_draw.bad_keys = std::mem::replace(&mut self.bad, outer);
                    doc.prize_draw = Some(prize_draw);
                }
                None => self.wrong_type("prize_draw", v, "a [prize_draw] table"),
            }
        }
        if let Some(v) = question {
            match v.as_array() {
                Some(items) => {
                    for item in items {
                        match item.as_table() {
                            Some(t) => {
                                let q = self.question(t, span_of(item));
                                doc.questions.push(q);
                            }
                            None => self.wrong_type("question", item, "a [[question]] table"),
                        }
                    }
                }
                None => self.wrong_type("question", v, "a list of [[question]] tables"),
            }
        }
        doc.bad_keys = std::mem::take(&mut self.bad);
        doc
    }

    fn question(&mut self, t: &Table<'_>, span: Span) -> QuestionDoc {
        let outer = std::mem::take(&mut self.bad);
        let mut doc = self.question_fields(t, span);
        doc.bad_keys = std::mem::replace(&mut self.bad, outer);
        doc
    }

    fn question_fields(&mut self, t: &Table<'_>, span: Span) -> QuestionDoc {
        self.allowed = COMMON_QUESTION_KEYS
            .iter()
            .chain(&ALL_TYPE_KEYS)
            .copied()
            .collect();
        let id = self.string(t, "id");
        let name = id.as_ref().map_or_else(
            || "this question".to_owned(),
            |id| format!("question `{}`", id.value),
        );
        let ty_given = self.string(t, "type");
        let ty = ty_given.as_ref().and_then(|ty| self.question_type(ty));
        self.question_keys(t, ty.as_ref().map(|t| t.value), &name);
        if let Some(ty) = &ty {
            self.allowed = COMMON_QUESTION_KEYS
                .iter()
                .chain(type_keys(ty.value))
                .copied()
                .collect();
        }
        let show_if = self.string(t, "show_if").map(|s| {
            let raw = self.source.get(s.span.start..s.span.end);
            ConditionDoc {
                exact: raw == Some(s.value.as_str()),
                text: s.value,
                span: s.span,
            }
        });
        let options = self.get(t, "options").and_then(|v| self.options(v, &name));
        QuestionDoc {
            span,
            text: self.label(t, "text", format!("`text` of {name}")),
            low: self.label(t, "low", format!("`low` of {name}")),
            high: self.label(t, "high", format!("`high` of {name}")),
            required: self.bool(t, "required"),
            other: self.bool(t, "other"),
            min: self.int(t, "min"),
            max: self.int(t, "max"),
            pick: self.int(t, "pick"),
            scale: self.int(t, "scale"),
            max_len: self.int(t, "max_len"),
            type_given: ty_given.is_some(),
            id,
            ty,
            show_if,
            options,
            bad_keys: Vec::new(),
        }
    }

    fn question_type(&mut self, ty: &Sp<String>) -> Option<Sp<&'static str>> {
        if let Some(known) = TYPE_NAMES.iter().find(|&&t| t == ty.value) {
            return Some(Sp {
                value: known,
                span: ty.span,
            });
        }
        let d = Diagnostic::new(
            ty.span,
            format!("unknown question type {}", quote(&ty.value)),
        );
        self.diags.push(match closest(&ty.value, TYPE_NAMES) {
            Some(s) => d.with_hint(format!("did you mean `{s}`?")),
            None => d.with_hint(format!("the types are: {}", TYPE_NAMES.join(", "))),
        });
        None
    }

    /// Unknown keys, and keys that belong to another question type.
    fn question_keys(&mut self, t: &Table<'_>, ty: Option<&str>, name: &str) {
        let mut allowed: Vec<&str> = COMMON_QUESTION_KEYS.to_vec();
        match ty {
            Some(ty) => allowed.extend(type_keys(ty)),
            None => allowed.extend(ALL_TYPE_KEYS),
        }
        for key in t.keys() {
            let k = key.name.as_ref();
            if allowed.contains(&k) {
                continue;
            }
            let span = Span::new(key.span.start, key.span.end);
            let (Some(ty), true) = (ty, ALL_TYPE_KEYS.contains(&k)) else {
                let all = COMMON_QUESTION_KEYS.iter().chain(&ALL_TYPE_KEYS).copied();
                let d = Diagnostic::new(span, format!("unknown key {} in {name}", quote(k)));
                self.diags.push(match closest(k, all) {
                    Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                    None => d.with_hint(format!("allowed keys here: {}", allowed.join(", "))),
                });
                continue;
            };
            let users: Vec<&str> = TYPE_NAMES
                .iter()
                .copied()
                .filter(|t| type_keys(t).contains(&k))
                .collect();
            self.diags.push(
                Diagnostic::new(span, format!("`{k}` does not apply to a {ty} question"))
                    .with_hint(format!(
                        "`{k}` is for {} questions; remove it",
                        users.join(" and ")
                    )),
            );
        }
    }

    fn options(&mut self, v: &Value<'_>, name: &str) -> Option<Sp<Vec<OptionDoc>>> {
        let Some(items) = v.as_array() else {
            self.wrong_type(
                "options",
                v,
                "a list like [{ id = \"email\", fi = \"Sähköposti\", … }]",
            );
            return None;
        };
        let mut out = Vec::new();
        for item in items {
            let Some(t) = item.as_table() else {
                self.wrong_type(
                    "each option",
                    item,
                    "a table like { id = \"email\", fi = \"Sähköposti\", … }",
                );
                continue;
            };
            let id = self.string(t, "id");
            let what = match &id {
                Some(id) => format!("option `{}` of {name}", id.value),
                None => format!("an option of {name}"),
            };
            let label = self.label_texts(t, &["id"], what, span_of(item));
            out.push(OptionDoc {
                span: span_of(item),
                id,
                label,
            });
        }
        Some(Sp {
            value: out,
            span: span_of(v),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::unclosed_quote;

    #[test]
    fn finds_the_string_left_open() {
        assert_eq!(
            unclosed_quote(r#"title = { fi = "Kysely", en = "Survey }"#),
            Some(30)
        );
        assert_eq!(unclosed_quote(r#"a = "x\"y"#), Some(4));
        assert_eq!(unclosed_quote(r#"a = 'it''"#), Some(8));
        assert_eq!(unclosed_quote(r#"a = "done" # "comment"#), None);
    }
}
