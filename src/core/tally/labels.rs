//! A tally in words: the labels people read instead of ids, and the
//! sentences that say what a tally left out and why. Ids stay in the JSON;
//! the table, markdown and CSV use these.

use super::*;
use crate::core::sanitize::strip;
use crate::core::survey::Lang;

/// A question's text in `lang` (stripped of control characters), or its
/// id when the survey has no such question.
pub fn question_text(survey: &Survey, question: &str, lang: Lang) -> String {
    survey
        .question(question)
        .map_or_else(|| question.to_owned(), |q| strip(q.text.get(lang), false))
}

/// The label in `lang` of one key of a question's counts: an option's
/// label, "other", yes or no; grades, scores and numbers are their own
/// label. A key the survey does not know stays its id.
pub fn key_label(survey: &Survey, question: &str, key: &str, lang: Lang) -> String {
    let q = survey.question(question);
    if let Some(o) = q.and_then(|q| q.kind.options().iter().find(|o| o.id == key)) {
        return strip(o.label.get(lang), false);
    }
    let word = match (q.map(|q| &q.kind), key) {
        (Some(QuestionKind::YesNo), "yes") => Some(words(lang).yes),
        (Some(QuestionKind::YesNo), "no") => Some(words(lang).no),
        (Some(k), OTHER_OPTION) if k.has_other() => Some(words(lang).other),
        _ => None,
    };
    word.map_or_else(|| key.to_owned(), str::to_owned)
}

/// The label in `lang` of a `--by` group (a [`CellResult::group`]):
/// the option's label, yes/no, other, "no answer" or "all"; a terminal's
/// name as it is (without control characters).
pub fn group_label(survey: &Survey, by: &By, group: &str, lang: Lang) -> String {
    match (by, group) {
        (_, ALL) => words(lang).all.to_owned(),
        (By::Terminal, name) => strip(name, false),
        (By::Question(_), NO_GROUP) => words(lang).no_answer.to_owned(),
        (By::Question(id), key) => key_label(survey, id, key, lang),
    }
}

/// What the groups of a `--by` are, in `lang`, for a heading: the
/// question's text, or the word for a terminal ("pääte").
pub fn by_text(survey: &Survey, by: &By, lang: Lang) -> String {
    match by {
        By::Question(id) => question_text(survey, id, lang),
        By::Terminal => words(lang).terminal.to_owned(),
    }
}

/// The label in `lang` of a period key: the key itself, or "all".
pub fn period_label(period: &str, lang: Lang) -> String {
    match period {
        ALL => words(lang).all.to_owned(),
        key => key.to_owned(),
    }
}

/// The few words of a tally that are not the survey's own.
struct Words {
    yes: &'static str,
    no: &'static str,
    other: &'static str,
    no_answer: &'static str,
    all: &'static str,
    terminal: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::Fi => Words {
            yes: "kyllä",
            no: "ei",
            other: "muu",
            no_answer: "(ei vastausta)",
            all: "(kaikki)",
            terminal: "pääte",
        },
        Lang::Sv => Words {
            yes: "ja",
            no: "nej",
            other: "annat",
            no_answer: "(inget svar)",
            all: "(alla)",
            terminal: "terminal",
        },
        Lang::En => Words {
            yes: "yes",
            no: "no",
            other: "other",
            no_answer: "(no answer)",
            all: "(all)",
            terminal: "terminal",
        },
    }
}

/// One reason a tally left answers out, with how many, summed over the
/// versions it applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOutAnswers {
    pub reason: LeftOut,
    pub answers: u64,
    /// Whether the answers are to a version older than the tally's
    /// (else newer, with `tally --version` of an older one).
    pub older: bool,
}

impl LeftOutAnswers {
    /// "35 answers to an older version left out: option `event` of
    /// `channel` was removed".
    pub fn sentence(&self) -> String {
        self.sentence_in(Lang::En)
    }

    /// The sentence in `lang`: "35 vastausta vanhempaan versioon jätetty
    /// pois: kysymyksen `channel` vaihtoehto `event` poistettiin".
    pub fn sentence_in(&self, lang: Lang) -> String {
        use LeftOut::*;
        let older = self.older;
        let what = match (lang, &self.reason) {
            (Lang::En, Removed { question }) if older => {
                format!("question `{question}` was removed")
            }
            (Lang::En, Removed { question }) => {
                format!("question `{question}` is not in this version")
            }
            (Lang::En, TypeChanged { question, was, now }) => {
                format!("question `{question}` is {now} here, {was} there")
            }
            (Lang::En, ScaleChanged { question, was, now }) => {
                format!("the scale of `{question}` is 1–{now} here, 1–{was} there")
            }
            (Lang::En, OptionRemoved { question, option }) if older => {
                format!("option `{option}` of `{question}` was removed")
            }
            (Lang::En, OptionRemoved { question, option }) => {
                format!("option `{option}` of `{question}` is not in this version")
            }
            (Lang::Fi, Removed { question }) if older => {
                format!("kysymys `{question}` poistettiin")
            }
            (Lang::Fi, Removed { question }) => {
                format!("kysymystä `{question}` ei ole tässä versiossa")
            }
            (Lang::Fi, TypeChanged { question, was, now }) => {
                format!("kysymys `{question}` on tässä {now}, siellä {was}")
            }
            (Lang::Fi, ScaleChanged { question, was, now }) => {
                format!("kysymyksen `{question}` asteikko on tässä 1–{now}, siellä 1–{was}")
            }
            (Lang::Fi, OptionRemoved { question, option }) if older => {
                format!("kysymyksen `{question}` vaihtoehto `{option}` poistettiin")
            }
            (Lang::Fi, OptionRemoved { question, option }) => {
                format!("kysymyksen `{question}` vaihtoehtoa `{option}` ei ole tässä versiossa")
            }
            (Lang::Sv, Removed { question }) if older => format!("frågan `{question}` togs bort"),
            (Lang::Sv, Removed { question }) => {
                format!("frågan `{question}` finns inte i den här versionen")
            }
            (Lang::Sv, TypeChanged { question, was, now }) => {
                format!("frågan `{question}` är {now} här, {was} där")
            }
            (Lang::Sv, ScaleChanged { question, was, now }) => {
                format!("skalan för `{question}` är 1–{now} här, 1–{was} där")
            }
            (Lang::Sv, OptionRemoved { question, option }) if older => {
                format!("alternativet `{option}` i `{question}` togs bort")
            }
            (Lang::Sv, OptionRemoved { question, option }) => {
                format!("alternativet `{option}` i `{question}` finns inte i den här versionen")
            }
        };
        let (when, left_out) = match (lang, older) {
            (Lang::Sv, true) if self.answers == 1 => ("till en äldre version", "utelämnat"),
            (Lang::Sv, false) if self.answers == 1 => ("till en nyare version", "utelämnat"),
            (Lang::En, true) => ("to an older version", "left out"),
            (Lang::En, false) => ("to a newer version", "left out"),
            (Lang::Fi, true) => ("vanhempaan versioon", "jätetty pois"),
            (Lang::Fi, false) => ("uudempaan versioon", "jätetty pois"),
            (Lang::Sv, true) => ("till en äldre version", "utelämnade"),
            (Lang::Sv, false) => ("till en nyare version", "utelämnade"),
        };
        format!(
            "{} {when} {left_out}: {what}",
            super::count_of(self.answers, super::Noun::Answer, lang)
        )
    }
}

/// What a tally left out, one entry per reason with answers (summed over
/// versions), in the order the versions and reasons come. `older` says of
/// a version hash whether it is older than the tally's own.
pub fn left_out_answers(r: &TallyResult, older: impl Fn(&str) -> bool) -> Vec<LeftOutAnswers> {
    let mut out: Vec<LeftOutAnswers> = Vec::new();
    for v in &r.versions {
        let is_older = older(&v.version);
        for (reason, n) in v.left_out.iter().zip(&v.left_out_answers) {
            if *n == 0 {
                continue;
            }
            match out
                .iter_mut()
                .find(|l| l.reason == *reason && l.older == is_older)
            {
                Some(l) => l.answers += n,
                None => out.push(LeftOutAnswers {
                    reason: reason.clone(),
                    answers: *n,
                    older: is_older,
                }),
            }
        }
    }
    out
}
