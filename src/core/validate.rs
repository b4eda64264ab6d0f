//! Whole-survey checks: a spanned document becomes a [`Survey`], or every
//! problem found, in file order.
//!
//! Entry point: [`survey_from_bytes`], which also handles what comes before
//! TOML (size, encoding, an empty file).

use std::collections::HashMap;

use super::condition::{self, Scope};
use super::diagnostic::{Diagnostic, SourceMap, Span};
use super::parse::{self, ConditionDoc, LabelDoc, OptionDoc, QuestionDoc, Sp, SurveyDoc};
use super::sanitize::{first_forbidden, plural, quote};
use super::suggest::closest;
use super::survey::{
    ContactField, DEFAULT_MAX_LEN, Label, Lang, MAX_MAX_LEN, OTHER_OPTION, PrizeDraw, Question,
    QuestionKind, QuestionOption, Survey,
};

/// Largest survey file accepted. Real surveys are a few kilobytes; this
/// keeps a pasted or wrong file from taking memory and screens.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// Longest label, in characters; a kiosk screen shows a few lines.
pub const MAX_LABEL_CHARS: usize = 2_000;
/// Longest id, in bytes.
pub const MAX_ID_LEN: usize = 64;
/// Largest `scale` of a rating question.
pub const MAX_SCALE: i64 = 10;

/// Reads a survey file's bytes. On failure, the problems are sorted by
/// position; their spans are byte offsets into `bytes`.
pub fn survey_from_bytes(bytes: &[u8]) -> Result<Survey, Vec<Diagnostic>> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(vec![
            Diagnostic::new(
                Span::at(0),
format!("file is larger than {MAX_FILE_BYTES} bytes (1 MiB), the most a survey file may be")
            )
            .with_hint("is this the right file? Survey files are short TOML texts"),
        ]);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.valid_up_to();
            return Err(vec![
                Diagnostic::new(
                    Span::new(at, at + 1),
                    format!(
                        "file is not UTF-8 text (byte 0x{:02X} cannot start a character here)",
                        bytes[at]
                    ),
                )
                .with_hint("save the file as UTF-8 in your editor"),
            ]);
        }
    };
    survey_from_str(text)
}

/// Reads a survey from text; see [`survey_from_bytes`].
pub fn survey_from_str(text: &str) -> Result<Survey, Vec<Diagnostic>> {
    // A byte-order mark is common from Windows editors; TOML does not allow
    // it, so it is blanked with spaces of the same byte length, which keeps
    // every span pointing at the original text.
    let owned;
    let source = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            owned = format!("   {rest}");
            owned.as_str()
        }
        None => text,
    };
    let fit = |mut d: Diagnostic| {
        d.span = d.span.fit(source);
        d
    };
    let (doc, mut diags) = parse::parse(source).map_err(|d| vec![fit(d)])?;
    if is_blank(&doc) && diags.is_empty() {
        let message = if source.trim().is_empty() {
            "file is empty"
        } else {
            "file holds no survey"
        };
        return Err(vec![Diagnostic::new(Span::at(0), message).with_hint(
            "a survey needs `id`, `languages`, `title` and at least one [[question]]; see surveys/ for examples",
        )]);
    }
    let mut v = Validator {
        map: SourceMap::new(source),
        diags: Vec::new(),
        langs: None,
    };
    let survey = v.survey(&doc);
    diags.append(&mut v.diags);
    if diags.is_empty()
        && let Some(survey) = survey
    {
        return Ok(survey);
    }
    let mut diags: Vec<Diagnostic> = diags.into_iter().map(fit).collect();
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    diags.dedup();
    Err(diags)
}

fn is_blank(doc: &SurveyDoc) -> bool {
    doc.id.is_none()
        && doc.languages.is_none()
        && doc.title.is_none()
        && doc.thanks.is_none()
        && doc.intro.is_none()
        && !doc.has_question_key
        && doc.prize_draw.is_none()
}

struct Validator<'a> {
    map: SourceMap<'a>,
    diags: Vec<Diagnostic>,
    /// The survey's languages, once known to be valid.
    langs: Option<Vec<Lang>>,
}

impl Validator<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>, hint: impl Into<String>) {
        self.diags
            .push(Diagnostic::new(span, message).with_hint(hint));
    }

    /// Where a missing top-level key is reported: the first line that is
    /// not blank or a comment (or the start of the file).
    fn first_line(&self) -> Span {
        let text = self.map.text();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim_start_matches(['\u{feff}', ' ', '\t']);
            if !(trimmed.trim().is_empty() || trimmed.starts_with('#')) {
                return Span::at(offset + line.len() - trimmed.len());
            }
            offset += line.len();
        }
        Span::at(0)
    }

    fn line_of(&self, span: Span) -> usize {
        self.map.line_col(span.start).line
    }

    fn survey(&mut self, doc: &SurveyDoc) -> Option<Survey> {
        let top = self.first_line();
        let bad = |key: &str| doc.bad_keys.iter().any(|k| k == key);
        let id = match &doc.id {
            Some(id) => self.id(id, "survey id"),
            None if bad("id") => None,
            None => {
                self.error(
                    top,
                    "missing key `id`",
                    "add a line like `id = \"palvelupiste\"` at the top of the file",
                );
                None
            }
        };
        self.langs = match &doc.languages {
            Some(langs) => self.languages(langs),
            None if bad("languages") => None,
            None => {
                self.error(top, "missing key `languages`", "add a line like `languages = [\"fi\", \"sv\", \"en\"]`; the first is the default");
                None
            }
        };
        let title = match &doc.title {
            Some(l) => self.label(l),
            None if bad("title") => None,
            None => {
                self.error(
                    top,
                    "missing key `title`",
                    "add `title = { fi = \"…\", sv = \"…\", en = \"…\" }`",
                );
                None
            }
        };
        let intro = doc.intro.as_ref().map(|l| self.label(l));
        let thanks = doc.thanks.as_ref().map(|l| self.label(l));
        let population = doc.population.as_ref().and_then(|p| {
            let n = u32::try_from(p.value).ok().filter(|&n| n > 0);
            if n.is_none() {
                let message = if p.value > i64::from(u32::MAX) {
                    format!(
                        "`population` {} is too large (at most {})",
                        p.value,
                        u32::MAX
                    )
                } else {
                    format!(
                        "`population` must be a positive whole number, not {}",
                        p.value
                    )
                };
                self.error(
                    p.span,
                    message,
                    "set it to how many people were invited to answer, or remove it",
                );
            }
            n
        });
        let prize_draw = doc.prize_draw.as_ref().map(|p| self.prize_draw(p));
        let questions = self.questions(doc);

        Some(Survey {
            id: id?,
            languages: self.langs.clone()?,
            title: title?,
            intro: intro.map(|l| l.ok_or(())).transpose().ok()?,
            thanks: thanks.map(|l| l.ok_or(())).transpose().ok()?,
            population,
            prize_draw: prize_draw.transpose().ok()?,
            questions: questions?,
        })
    }

    fn id(&mut self, id: &Sp<String>, what: &str) -> Option<String> {
        let s = &id.value;
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if s.is_empty() {
            self.error(
                id.span,
                format!("{what} is empty"),
                "ids use a-z, 0-9, `-` and `_`, e.g. \"overall\"",
            );
            return None;
        }
        if !ok_chars {
            let fixed: String = s
                .to_lowercase()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            self.error(
                id.span,
                format!("{what} {} may only use a-z, 0-9, `-` and `_`", quote(s)),
                match fixed.trim_matches('-') {
                    "" => "ids use a-z, 0-9, `-` and `_`, e.g. \"overall\"".to_owned(),
                    fixed => format!("e.g. \"{fixed}\""),
                },
            );
            return None;
        }
        if s.len() > MAX_ID_LEN {
            self.error(
                id.span,
                format!(
                    "{what} is {} characters long; at most {MAX_ID_LEN} are allowed",
                    s.len()
                ),
                "use a short, stable id",
            );
            return None;
        }
        Some(s.clone())
    }

    fn languages(&mut self, langs: &Sp<Vec<Sp<String>>>) -> Option<Vec<Lang>> {
        if langs.value.is_empty() {
            self.error(langs.span, "`languages` is empty", "list the survey's languages, e.g. [\"fi\", \"sv\", \"en\"]; the first is the default");
            return None;
        }
        // Invalid entries are reported; labels are still checked against
        // the valid ones, so one bad code does not hide every other problem.
        let mut out = Vec::new();
        for code in &langs.value {
            match Lang::from_code(&code.value) {
                Some(lang) if out.contains(&lang) => {
                    self.error(
                        code.span,
                        format!("language `{lang}` is listed twice"),
                        "list each language once",
                    );
                }
                Some(lang) => out.push(lang),
                None => {
                    let codes = Lang::ALL.map(Lang::code);
                    let hint = match closest(&code.value, codes) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "kioski's screens are in fi, sv and en".to_owned(),
                    };
                    self.error(
                        code.span,
                        format!("unsupported language {}", quote(&code.value)),
                        hint,
                    );
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }

    /// A label in every survey language. `None` when it has problems (or
    /// the survey's languages are unknown, so it cannot be checked).
    fn label(&mut self, doc: &LabelDoc) -> Option<Label> {
        let langs = self.langs.clone();
        let what = &doc.what;
        if let Some(plain) = &doc.plain {
            let langs = langs?;
            return match langs.as_slice() {
                [only] => self.text(plain, what).map(|t| Label::new([(*only, t)])),
                _ => {
                    let example: Vec<String> =
                        langs.iter().map(|l| format!("{l} = \"…\"")).collect();
                    self.error(
                        plain.span,
                        format!(
                            "{what} is one text, but the survey has {} languages",
                            langs.len()
                        ),
                        format!("write it as {{ {} }}", example.join(", ")),
                    );
                    None
                }
            };
        }
        let mut texts = Vec::new();
        let mut ok = true;
        // The listed languages this label has no key for: an unknown key is
        // most likely a typo of one of them (`fo` for `fi`).
        let missing: Vec<Lang> = langs
            .iter()
            .flatten()
            .copied()
            .filter(|l| doc.texts.iter().all(|(k, _)| k.value != l.code()))
            .filter(|l| !doc.bad_langs.iter().any(|k| k == l.code()))
            .collect();
        let mut typo_of = None;
        for (key, value) in &doc.texts {
            let lang = Lang::from_code(&key.value);
            match (lang, &langs) {
                (Some(lang), Some(langs)) if langs.contains(&lang) => {
                    match self.text(value, &format!("{what} in `{lang}`")) {
                        Some(t) => texts.push((lang, t)),
                        None => ok = false,
                    }
                }
                (_, Some(langs)) => {
                    let listed: Vec<&str> = langs.iter().map(|l| l.code()).collect();
                    let guess = match missing.as_slice() {
                        [only] if lang.is_none() && typo_of.is_none() => Some(only.code()),
                        _ => closest(&key.value, listed.iter().copied()).filter(|_| lang.is_none()),
                    };
                    if let Some(g) = guess.and_then(Lang::from_code) {
                        typo_of = Some(g);
                    }
                    let hint = match guess {
                        Some(s) => format!("did you mean `{s}`?"),
                        _ if lang.is_some() => {
                            format!("add `{}` to `languages`, or remove this text", key.value)
                        }
                        _ => format!(
                            "texts are keyed by the survey's languages: {}",
                            listed.join(", ")
                        ),
                    };
                    self.error(
                        key.span,
                        format!(
                            "{what} has a text in {}, which is not one of the survey's languages",
                            quote(&key.value)
                        ),
                        hint,
                    );
                    ok = false;
                }
                (_, None) => ok = false,
            }
        }
        for lang in missing {
            if typo_of != Some(lang) {
                self.error(
                    doc.span,
                    format!("{what} has no `{lang}` text"),
                    format!("add {lang} = \"…\"; every text needs every language of the survey"),
                );
                ok = false;
            }
        }
        (ok && langs.is_some()).then(|| Label::new(texts))
    }

    fn text(&mut self, text: &Sp<String>, what: &str) -> Option<String> {
        let s = &text.value;
        if s.trim().is_empty() {
            self.error(
                text.span,
                format!("{what} is empty"),
                "write the text, or remove the key if it is optional",
            );
            return None;
        }
        let chars = s.chars().count();
        if chars > MAX_LABEL_CHARS {
            self.error(
                text.span,
                format!("{what} is {chars} characters long; at most {MAX_LABEL_CHARS} are allowed"),
                "keep kiosk texts short enough to read standing",
            );
            return None;
        }
        if let Some((_, c)) = first_forbidden(s, true) {
            self.error(
                text.span,
                format!(
                    "{what} contains the control character U+{:04X}",
                    u32::from(c)
                ),
                "remove it; texts may hold line breaks but no other control characters",
            );
            return None;
        }
        Some(s.clone())
    }

    fn prize_draw(&mut self, doc: &parse::PrizeDrawDoc) -> Result<PrizeDraw, ()> {
        let bad = |key: &str| doc.bad_keys.iter().any(|k| k == key);
        let text = self.required_label(
            doc.text.as_ref(),
            bad("text"),
            doc.span,
            "[prize_draw] has no `text`",
            "add text = { … }: the invitation to the draw",
        );
        let privacy = self.required_label(doc.privacy.as_ref(), bad("privacy"), doc.span, "[prize_draw] has no `privacy`", "add privacy = { … }: what is kept, for how long, and that it is not linked to the answers");
        let fields = match &doc.fields {
            None if bad("fields") => None,
            None => {
                self.error(
                    doc.span,
                    "[prize_draw] has no `fields`",
                    "add fields = [\"name\", \"phone\"] (any of name, phone, email)",
                );
                None
            }
            Some(f) if f.value.is_empty() => {
                self.error(
                    f.span,
                    "`fields` is empty",
                    "list the contact details to ask: any of name, phone, email",
                );
                None
            }
            Some(f) => {
                let mut out = Vec::new();
                let mut ok = true;
                for item in &f.value {
                    match ContactField::ALL
                        .into_iter()
                        .find(|c| c.key() == item.value)
                    {
                        Some(c) if out.contains(&c) => {
                            self.error(
                                item.span,
                                format!("`{}` is listed twice", c.key()),
                                "list each field once",
                            );
                            ok = false;
                        }
                        Some(c) => out.push(c),
                        None => {
                            self.error(
                                item.span,
                                format!("unknown contact field {}", quote(&item.value)),
                                "the fields are name, phone and email",
                            );
                            ok = false;
                        }
                    }
                }
                ok.then_some(out)
            }
        };
        let delete_after = match &doc.delete_after {
            None => Ok(None),
            Some(d) => match d.value.parse::<jiff::civil::Date>() {
                Ok(day) if d.value.len() == 10 => Ok(Some(day)),
                _ => {
                    self.error(
                        d.span,
                        format!("`delete_after` is not a real date: {}", quote(&d.value)),
                        "write the last day the contacts are kept as YYYY-MM-DD, e.g. \"2026-06-30\"",
                    );
                    Err(())
                }
            },
        };
        Ok(PrizeDraw {
            text: text.ok_or(())?,
            privacy: privacy.ok_or(())?,
            fields: fields.ok_or(())?,
            delete_after: delete_after?,
        })
    }

    /// A label that must be there; `reported` when its value had the wrong
    /// type, which was already said.
    fn required_label(
        &mut self,
        doc: Option<&LabelDoc>,
        reported: bool,
        at: Span,
        message: &str,
        hint: &str,
    ) -> Option<Label> {
        match doc {
            Some(l) => self.label(l),
            None if reported => None,
            None => {
                self.error(at, message, hint);
                None
            }
        }
    }

    fn questions(&mut self, doc: &SurveyDoc) -> Option<Vec<Question>> {
        if doc.questions.is_empty() {
            let at = self.first_line();
            self.error(
                at,
                "the survey has no questions",
                "add at least one [[question]] table",
            );
            return None;
        }
        let ids: Vec<String> = doc
            .questions
            .iter()
            .map(|q| {
                q.id.as_ref()
                    .map_or_else(String::new, |id| id.value.clone())
            })
            .collect();
        let mut first_seen: HashMap<&str, Span> = HashMap::new();
        let mut lowered = Vec::new();
        // What later conditions are checked against: every earlier question
        // whose id and type are sound, even if its text or condition is not,
        // so that one mistake does not hide the next.
        let mut scope = Vec::new();
        let mut broken = Vec::new();
        let mut ok = true;
        for (i, q) in doc.questions.iter().enumerate() {
            let later = &ids[i + 1..];
            if let Some(id) = &q.id {
                if let Some(&first) = first_seen.get(id.value.as_str()) {
                    let line = self.line_of(first);
                    self.error(id.span, format!("duplicate question id `{}`", id.value), format!("the first question with this id is on line {line}; give each question its own id"));
                    ok = false;
                    // Still check the rest of it, but never refer to it.
                    let _ = self.question(q, &scope, &broken, later);
                    continue;
                }
                first_seen.insert(&id.value, id.span);
            }
            let (full, checkable) = self.question(q, &scope, &broken, later);
            match checkable {
                Some(question) => scope.push(question),
                None => broken.push(ids[i].clone()),
            }
            match full {
                Some(question) => lowered.push(question),
                None => ok = false,
            }
        }
        ok.then_some(lowered)
    }

    fn question(
        &mut self,
        q: &QuestionDoc,
        earlier: &[Question],
        broken: &[String],
        later: &[String],
    ) -> (Option<Question>, Option<Question>) {
        let bad = |key: &str| q.bad_keys.iter().any(|k| k == key);
        let id = match &q.id {
            Some(id) => self.id(id, "question id"),
            None if bad("id") => None,
            None => {
                self.error(
                    q.span,
                    "question has no `id`",
                    "add id = \"…\" (a-z, 0-9, `-`, `_`), unique in the survey",
                );
                None
            }
        };
        let name = id.as_deref().map_or_else(
            || "this question".to_owned(),
            |id| format!("question `{id}`"),
        );
        if !q.type_given && !bad("type") {
            self.error(
                q.span,
                format!("{name} has no `type`"),
                "add type = \"…\": one of choice, multi, ranking, rating, nps, yesno, number, text",
            );
        }
        let text = self.required_label(
            q.text.as_ref(),
            bad("text"),
            q.span,
            &format!("{name} has no `text`"),
            "add text = { fi = \"…\", … }: the question as the respondent reads it",
        );
        let kind = q.ty.as_ref().and_then(|ty| self.kind(q, ty.value, &name));
        let show_if = q.show_if.as_ref().map(|c| {
            let scope = Scope {
                earlier,
                earlier_broken: broken,
                this: id.as_deref().unwrap_or(""),
                later,
            };
            self.condition(c, &scope)
        });
        let required = q.required.as_ref().is_some_and(|r| r.value);
        let checkable = match (&id, &kind) {
            (Some(id), Some(kind)) => Some(Question {
                id: id.clone(),
                text: Label::new([]),
                required,
                show_if: None,
                kind: kind.clone(),
            }),
            _ => None,
        };
        let full = (|| {
            Some(Question {
                id: id?,
                text: text?,
                required,
                show_if: show_if.transpose().ok()?,
                kind: kind?,
            })
        })();
        (full, checkable)
    }

    fn condition(
        &mut self,
        c: &ConditionDoc,
        scope: &Scope<'_>,
    ) -> Result<condition::Condition, ()> {
        let relocate = |mut d: Diagnostic| {
            d.span = c.file_span(d.span);
            d
        };
        let expr = condition::parse(&c.text).map_err(|d| self.diags.push(relocate(d)))?;
        condition::check(&expr, scope).map_err(|ds| self.diags.extend(ds.into_iter().map(relocate)))
    }

    fn kind(&mut self, q: &QuestionDoc, ty: &str, name: &str) -> Option<QuestionKind> {
        match ty {
            "choice" => {
                let other = flag(&q.other);
                let options = self.options(q, ty, name, other)?;
                Some(QuestionKind::Choice { options, other })
            }
            "multi" => {
                let other = flag(&q.other);
                let options = self.options(q, ty, name, other);
                let count = options.as_ref().map(|o| o.len() as i64 + i64::from(other));
                let min = q
                    .min
                    .as_ref()
                    .map_or(Some(1), |m| self.count_at_least(m, "min", 1));
                let max = q
                    .max
                    .as_ref()
                    .map_or(count, |m| self.count_at_least(m, "max", 1));
                let (min, max) = (min?, max?);
                let mut ok = true;
                if let (Some(lo), Some(_)) = (&q.min, &q.max)
                    && min > max
                {
                    self.error(
                        lo.span,
                        format!("`min` ({min}) is greater than `max` ({max})"),
                        "make min at most max",
                    );
                    ok = false;
                }
                let count = count?;
                for (key, given, value) in [("min", &q.min, min), ("max", &q.max, max)] {
                    if let Some(given) = given.as_ref().filter(|_| value > count) {
                        self.error(
                            given.span,
                            format!(
                                "`{key}` is {value}, but {name} has only {}",
                                plural(count, "option")
                            ),
                            format!("lower `{key}` to at most {count}, or add options"),
                        );
                        ok = false;
                    }
                }
                let options = options?;
                ok.then_some(QuestionKind::Multi {
                    options,
                    min: min as u32,
                    max: max as u32,
                    other,
                })
            }
            "ranking" => {
                let options = self.options(q, ty, name, false)?;
                let count = options.len() as i64;
                let pick = match &q.pick {
                    None => count,
                    Some(p) if p.value < 1 || p.value > count => {
                        self.error(
                            p.span,
                            format!("`pick` is {}; it must be from 1 to {count}", p.value),
                            format!(
                                "`pick` is how many options to rank, and {name} has {}",
                                plural(count, "option")
                            ),
                        );
                        return None;
                    }
                    Some(p) => p.value,
                };
                Some(QuestionKind::Ranking {
                    options,
                    pick: pick as u32,
                })
            }
            "rating" => {
                let low = q.low.as_ref().map(|l| self.label(l).ok_or(()));
                let high = q.high.as_ref().map(|l| self.label(l).ok_or(()));
                let scale = match &q.scale {
                    None if q.bad_keys.iter().any(|k| k == "scale") => None,
                    None => {
                        self.error(
                            q.span,
                            format!("rating {name} has no `scale`"),
                            "add scale = 5 (any whole number from 2 to 10)",
                        );
                        None
                    }
                    Some(s) if !(2..=MAX_SCALE).contains(&s.value) => {
                        self.error(
                            s.span,
                            format!("`scale` is {}; it must be from 2 to {MAX_SCALE}", s.value),
                            "use e.g. 5 for school-style grades, 10 for 1-10",
                        );
                        None
                    }
                    Some(s) => Some(s.value as u8),
                };
                Some(QuestionKind::Rating {
                    scale: scale?,
                    low: low.transpose().ok()?,
                    high: high.transpose().ok()?,
                })
            }
            "nps" => Some(QuestionKind::Nps),
            "yesno" => Some(QuestionKind::YesNo),
            "number" => {
                let (min, max) = (
                    q.min.as_ref().map(|m| m.value),
                    q.max.as_ref().map(|m| m.value),
                );
                if let (Some(lo), Some(hi), Some(min_sp)) = (min, max, &q.min)
                    && lo > hi
                {
                    self.error(
                        min_sp.span,
                        format!("`min` ({lo}) is greater than `max` ({hi})"),
                        "make min at most max",
                    );
                    return None;
                }
                Some(QuestionKind::Number { min, max })
            }
            "text" => {
                let max_len = match &q.max_len {
                    None => DEFAULT_MAX_LEN,
                    Some(m) if m.value < 1 || m.value > i64::from(MAX_MAX_LEN) => {
                        self.error(
                            m.span,
                            format!(
                                "`max_len` is {}; it must be from 1 to {MAX_MAX_LEN}",
                                m.value
                            ),
                            format!("leave it out for the default of {DEFAULT_MAX_LEN} characters"),
                        );
                        return None;
                    }
                    Some(m) => m.value as u32,
                };
                Some(QuestionKind::Text { max_len })
            }
            _ => None,
        }
    }

    fn count_at_least(&mut self, value: &Sp<i64>, key: &str, least: i64) -> Option<i64> {
        if value.value < least {
            self.error(
                value.span,
                format!("`{key}` is {}; it must be at least {least}", value.value),
                format!("`{key}` counts options to choose; to let people skip the question, leave `required` out"),
            );
            return None;
        }
        Some(value.value)
    }

    fn options(
        &mut self,
        q: &QuestionDoc,
        ty: &str,
        name: &str,
        other: bool,
    ) -> Option<Vec<QuestionOption>> {
        let Some(options) = &q.options else {
            if q.bad_keys.iter().any(|k| k == "options") {
                return None;
            }
            self.error(
                q.span,
                format!("{ty} {name} has no `options`"),
                "add options = [{ id = \"…\", fi = \"…\", sv = \"…\", en = \"…\" }, …]",
            );
            return None;
        };
        if options.value.is_empty() {
            self.error(
                options.span,
                format!("`options` of {name} is empty"),
                "list the options respondents choose from",
            );
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for OptionDoc { span, id, label } in &options.value {
            let Some(id_sp) = id else {
                self.error(
                    *span,
                    format!("an option of {name} has no `id`"),
                    "add id = \"…\" to the option",
                );
                ok = false;
                continue;
            };
            if let Some(&first) = seen.get(id_sp.value.as_str()) {
                let line = self.line_of(first);
                self.error(
                    id_sp.span,
                    format!("duplicate option id `{}` in {name}", id_sp.value),
                    format!("the first option with this id is on line {line}"),
                );
                ok = false;
                continue;
            }
            seen.insert(&id_sp.value, id_sp.span);
            if other && id_sp.value == OTHER_OPTION {
                self.error(
                    id_sp.span,
                    format!("option id `{OTHER_OPTION}` is reserved when `other = true`"),
                    "rename this option, or drop `other = true` and keep it as a plain option",
                );
                ok = false;
                continue;
            }
            let id = self.id(id_sp, "option id");
            let label = self.label(label);
            match (id, label) {
                (Some(id), Some(label)) => out.push(QuestionOption { id, label }),
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }
}

fn flag(b: &Option<Sp<bool>>) -> bool {
    b.as_ref().is_some_and(|b| b.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::core::testdata::SURVEYS;

    fn errors(text: &str) -> Vec<Diagnostic> {
        survey_from_str(text).unwrap_err()
    }

    /// Every diagnostic is in bounds, on a character boundary, and sorted.
    fn well_formed(text: &str, diagnostics: &[Diagnostic]) -> Result<(), String> {
        if diagnostics.is_empty() {
            return Err("an error result without diagnostics".into());
        }
        for d in diagnostics {
            if d.span.start > d.span.end || d.span.end > text.len() {
                return Err(format!("span out of bounds: {d:?}"));
            }
            if !text.is_char_boundary(d.span.start) || !text.is_char_boundary(d.span.end) {
                return Err(format!("span inside a character: {d:?}"));
            }
            if d.message.is_empty() {
                return Err(format!("empty message: {d:?}"));
            }
        }
        if !diagnostics
            .windows(2)
            .all(|w| w[0].span.start <= w[1].span.start)
        {
            return Err("diagnostics are not in file order".into());
        }
        Ok(())
    }

    #[test]
    fn the_seed_surveys_are_valid() {
        for text in SURVEYS {
            let survey = survey_from_str(text);
            assert!(survey.is_ok(), "{survey:?}");
        }
    }

    #[test]
    fn language_order_is_free_and_the_first_is_the_default() {
        let text = SURVEYS[5].replace(
            r#"languages = ["fi", "sv", "en"]"#,
            r#"languages = ["en", "fi", "sv"]"#,
        );
        let survey = survey_from_str(&text).unwrap();
        assert_eq!(survey.default_lang(), Lang::En);
    }

    #[test]
    fn a_single_language_survey_may_use_plain_strings() {
        let text = "id = \"s\"\nlanguages = [\"sv\"]\ntitle = \"Respons\"\n[[question]]\nid = \"q\"\ntype = \"yesno\"\ntext = \"Nöjd?\"\n";
        let survey = survey_from_str(text).unwrap();
        assert_eq!(survey.title.get(Lang::Sv), "Respons");
    }

    #[test]
    fn empty_blank_and_binary_files_get_one_clear_error() {
        assert_eq!(errors("")[0].message, "file is empty");
        assert_eq!(
            errors("  \n# just a comment\n")[0].message,
            "file holds no survey"
        );
        let e = survey_from_bytes(b"id = \"x\xff\"").unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("not UTF-8"), "{e:?}");
        assert_eq!(e[0].span.start, 7);
        let big = vec![b'#'; MAX_FILE_BYTES + 1];
        assert!(
            survey_from_bytes(&big).unwrap_err()[0]
                .message
                .contains("larger than")
        );
    }

    #[test]
    fn a_byte_order_mark_is_accepted() {
        let text = format!("\u{feff}{}", SURVEYS[5]);
        assert!(survey_from_str(&text).is_ok());
    }

    #[test]
    fn a_typo_is_one_error_and_its_value_is_still_checked() {
        let text = SURVEYS[5]
            .replace("title = {", "tittle = {")
            .replace("sv = \"Snabbrespons\", ", "");
        let e = errors(&text);
        let messages: Vec<&str> = e.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("unknown key `tittle`"));
        assert!(messages[1].contains("has no `sv` text"));
    }

    #[test]
    fn keys_of_another_type_are_named() {
        let text = SURVEYS[5].replace("type = \"yesno\"", "type = \"yesno\"\nscale = 3");
        let e = errors(&text);
        assert_eq!(e[0].message, "`scale` does not apply to a yesno question");
        assert_eq!(
            e[0].hint.as_deref(),
            Some("`scale` is for rating questions; remove it")
        );
    }

    #[test]
    fn show_if_errors_point_into_the_condition() {
        let text = SURVEYS[5].replace("visit < 4", "visit < 9");
        let e = errors(&text);
        let at = text.find("visit < 9").unwrap() + "visit < ".len();
        assert_eq!(e[0].span.start, at, "{e:?}");
    }

    /// Small edits of real surveys reach deep into the validator.
    fn arb_mutation() -> impl Strategy<Value = (usize, usize, usize, String)> {
        (
            0..SURVEYS.len(),
            any::<usize>(),
            0usize..4,
            prop_oneof![
                Just(String::new()),
                Just("\"".to_owned()),
                Just("0".to_owned()),
                Just("[[question]]\n".to_owned()),
                Just("x = 1\n".to_owned()),
                Just("type = \"multi\"\n".to_owned()),
                Just("show_if = \"(a\"\n".to_owned()),
                "\\PC{0,8}",
            ],
        )
    }

    fn mutate(text: &str, at: usize, how: usize, insert: &str) -> String {
        let lines: Vec<&str> = text.lines().collect();
        let i = at % lines.len();
        let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        match how {
            0 => {
                out.remove(i);
            }
            1 => out.insert(i, insert.to_owned()),
            2 => {
                let line = &out[i];
                let cut = line
                    .char_indices()
                    .map(|(j, _)| j)
                    .nth(at % (line.chars().count() + 1))
                    .unwrap_or(line.len());
                out[i] = format!("{}{insert}{}", &line[..cut], &line[cut..]);
            }
            _ => {
                let dup = out[i].clone();
                out.insert(i, dup);
            }
        }
        out.join("\n")
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            if let Err(ds) = survey_from_bytes(&bytes) {
                prop_assert!(!ds.is_empty());
            }
        }

        #[test]
        fn never_panics_on_arbitrary_toml_like_text(text in "([a-z_\\[\\]]{1,10} ?= ?(\"\\PC{0,10}\"|[0-9]{1,3}|true|\\[\\]|\\{ ?[a-z]{2} = \"x\" ?\\})\n){0,12}") {
            if let Err(ds) = survey_from_str(&text) {
                well_formed(&text, &ds).map_err(TestCaseError::fail)?;
            }
        }

        #[test]
        fn edited_surveys_get_precise_errors_or_validate((which, at, how, insert) in arb_mutation()) {
            let text = mutate(SURVEYS[which], at, how, &insert);
            if let Err(ds) = survey_from_str(&text) {
                well_formed(&text, &ds).map_err(TestCaseError::fail)?;
            }
        }
    }
}
