//! Everything the kiosk screen knows, as plain data. Each screen owns its
//! own state; a new respondent starts from a fresh `Screen::Welcome`, so
//! nothing of the previous person survives.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::field::TextField;
use crate::core::answer::{Answer, AnswerError, OTHER_MAX_LEN, Picked};
use crate::core::flow::Walk;
use crate::core::survey::{ContactField, Lang, Question, QuestionKind, Survey};
use crate::core::version::VersionHash;

pub use crate::core::pin::{LOCKOUT_MS, Lockout, PIN_TRIES};

/// A PIN prompt untouched this long closes.
pub const PIN_IDLE_MS: i64 = 30_000;
/// How long the thank-you and the error screen stay.
pub const THANKS_MS: i64 = 6_000;
pub const FAILED_MS: i64 = 10_000;
/// The idle countdown is shown for this long before the reset.
pub const COUNTDOWN_MS: i64 = 10_000;
/// Longest number typed into a number field, in characters.
pub const NUMBER_MAX_LEN: usize = 12;

/// The whole kiosk.
pub struct Kiosk {
    pub survey: Arc<Survey>,
    pub version: VersionHash,
    pub lang: Lang,
    /// The language each new respondent starts in.
    pub home_lang: Lang,
    pub screen: Screen,
    /// Monotonic milliseconds of the last input, for the idle timeout
    /// (every deadline here is on the monotonic clock; see `msg::Now`).
    pub last_input_ms: i64,
    pub idle_timeout_ms: i64,
    /// Whether an admin PIN is set; without one the kiosk runs in demo
    /// mode. The store checks attempts; the kiosk never sees the hash.
    pub pin_set: bool,
    /// The PIN prompt, when open.
    pub pin: Option<PinPrompt>,
    /// The stored lockout as the store last reported it, for the screen
    /// (the store decides; this only shows it).
    pub lockout: Lockout,
    /// A respondent who went Back from the first question to the welcome
    /// screen: Start carries on with their answers, the idle reset saves
    /// them as partial and forgets them.
    pub held: Option<Box<Answering>>,
}

/// Which screen is up, each with its own state.
#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    Welcome {
        focus: usize,
    },
    Question(Box<Answering>),
    /// Waiting for the store to say the response is durable.
    Saving,
    /// The prize-draw offer, after the response is stored.
    Prize(Box<PrizeForm>),
    Thanks {
        until_ms: i64,
    },
    Failed {
        until_ms: i64,
    },
}

/// One respondent answering.
#[derive(Clone, Debug, PartialEq)]
pub struct Answering {
    pub walk: Walk,
    /// Unix milliseconds (wall clock): stored with the answers.
    pub started_ms: i64,
    /// What is on screen for each question visited, valid or not yet.
    pub drafts: BTreeMap<String, Draft>,
    pub focus: Focus,
    /// A message for the respondent (why Next did nothing).
    pub notice: Option<String>,
    /// A number being typed that a second digit may still extend (`1`
    /// then `0` is 10); it is chosen when the window ends or any other
    /// input comes.
    pub typed: Option<Typed>,
}

/// Digits typed so far on a question, and when the window for another ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Typed {
    pub number: usize,
    /// Monotonic milliseconds.
    pub until_ms: i64,
}

/// What has keyboard focus on a question screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// The n-th choosable item: an option, a grade, yes/no, or the field.
    Item(usize),
    Back,
    Next,
}

/// The answer being built on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Draft {
    /// Option index; `options.len()` is "other".
    Choice {
        picked: Option<usize>,
        other: TextField,
    },
    Multi {
        picked: BTreeSet<usize>,
        other: TextField,
    },
    Ranking {
        order: Vec<usize>,
    },
    /// Rating 1..=scale or NPS 0..=10.
    Scale {
        picked: Option<i64>,
    },
    YesNo {
        picked: Option<bool>,
    },
    Number {
        field: TextField,
    },
    Text {
        field: TextField,
    },
}

/// Contact details for the prize draw: one field per detail the survey
/// asks for. Focus runs over the fields, then Join, then Skip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrizeForm {
    pub fields: Vec<(ContactField, TextField)>,
    pub focus: usize,
    pub notice: Option<String>,
}

/// Longest contact detail, in characters.
pub const CONTACT_MAX_LEN: usize = 100;

impl PrizeForm {
    pub fn new(fields: &[ContactField]) -> PrizeForm {
        PrizeForm {
            fields: fields.iter().map(|f| (*f, TextField::default())).collect(),
            focus: 0,
            notice: None,
        }
    }

    pub fn join_focus(&self) -> usize {
        self.fields.len()
    }

    pub fn skip_focus(&self) -> usize {
        self.fields.len() + 1
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PinPrompt {
    pub digits: String,
    pub wrong: bool,
    /// The store is checking the digits; keys wait until it answers.
    pub checking: bool,
}

impl Draft {
    /// The item the saved answer is on (the first of several), if any.
    pub fn chosen_item(&self, q: &Question) -> Option<usize> {
        match self {
            Draft::Choice { picked, .. } => *picked,
            Draft::Multi { picked, .. } => picked.first().copied(),
            Draft::Ranking { order } => order.first().copied(),
            // A grade's item: NPS counts from 0, ratings from 1.
            Draft::Scale { picked } => {
                let first = i64::from(!matches!(q.kind, QuestionKind::Nps));
                picked.and_then(|v| usize::try_from(v - first).ok())
            }
            Draft::YesNo { picked } => picked.map(|yes| usize::from(!yes)),
            Draft::Number { .. } | Draft::Text { .. } => None,
        }
    }

    /// Whether a single-answer question has nothing chosen yet (only then
    /// may Enter choose the focused item).
    pub fn single_and_empty(&self) -> bool {
        matches!(
            self,
            Draft::Choice { picked: None, .. }
                | Draft::Scale { picked: None }
                | Draft::YesNo { picked: None }
        )
    }

    /// An empty draft, or one showing an earlier answer.
    pub fn for_question(q: &Question, answer: Option<&Answer>) -> Draft {
        let options = q.kind.options();
        let index = |id: &str| options.iter().position(|o| o.id == id);
        match (&q.kind, answer) {
            (QuestionKind::Choice { .. }, a) => match a {
                Some(Answer::Choice(Picked::Option(id))) => Draft::Choice {
                    picked: index(id),
                    other: TextField::default(),
                },
                Some(Answer::Choice(Picked::Other(text))) => Draft::Choice {
                    picked: Some(options.len()),
                    other: TextField::with_text(text),
                },
                _ => Draft::Choice {
                    picked: None,
                    other: TextField::default(),
                },
            },
            (QuestionKind::Multi { .. }, a) => match a {
                Some(Answer::Multi {
                    options: ids,
                    other,
                }) => {
                    let mut picked: BTreeSet<usize> =
                        ids.iter().filter_map(|id| index(id)).collect();
                    if other.is_some() {
                        picked.insert(options.len());
                    }
                    Draft::Multi {
                        picked,
                        other: TextField::with_text(other.as_deref().unwrap_or("")),
                    }
                }
                _ => Draft::Multi {
                    picked: BTreeSet::new(),
                    other: TextField::default(),
                },
            },
            (QuestionKind::Ranking { .. }, a) => match a {
                Some(Answer::Ranking(ids)) => Draft::Ranking {
                    order: ids.iter().filter_map(|id| index(id)).collect(),
                },
                _ => Draft::Ranking { order: Vec::new() },
            },
            (QuestionKind::Rating { .. }, Some(Answer::Rating(v)))
            | (QuestionKind::Nps, Some(Answer::Nps(v))) => Draft::Scale {
                picked: Some(i64::from(*v)),
            },
            (QuestionKind::Rating { .. } | QuestionKind::Nps, _) => Draft::Scale { picked: None },
            (QuestionKind::YesNo, a) => Draft::YesNo {
                picked: match a {
                    Some(Answer::YesNo(b)) => Some(*b),
                    _ => None,
                },
            },
            (QuestionKind::Number { .. }, a) => Draft::Number {
                field: match a {
                    Some(Answer::Number(n)) => TextField::with_text(&n.to_string()),
                    _ => TextField::default(),
                },
            },
            (QuestionKind::Text { .. }, a) => Draft::Text {
                field: match a {
                    Some(Answer::Text(t)) => TextField::with_text(t),
                    _ => TextField::default(),
                },
            },
        }
    }

    /// The answer this draft stands for: `Ok(None)` when nothing is chosen,
    /// an error when something is chosen but not yet valid.
    pub fn answer(&self, q: &Question) -> Result<Option<Answer>, AnswerError> {
        let options = q.kind.options();
        let id = |i: usize| options.get(i).map(|o| o.id.clone());
        let answer = match self {
            Draft::Choice { picked: None, .. } => return Ok(None),
            Draft::Choice {
                picked: Some(i),
                other,
            } if *i == options.len() => {
                let text = clean_other(other.text());
                if text.is_empty() {
                    return Err(AnswerError::EmptyText);
                }
                Answer::Choice(Picked::Other(text))
            }
            Draft::Choice {
                picked: Some(i), ..
            } => match id(*i) {
                Some(id) => Answer::Choice(Picked::Option(id)),
                None => return Ok(None),
            },
            Draft::Multi { picked, other } => {
                if picked.is_empty() {
                    return Ok(None);
                }
                let ids = picked.iter().filter_map(|i| id(*i)).collect();
                let other = if picked.contains(&options.len()) {
                    let text = clean_other(other.text());
                    if text.is_empty() {
                        return Err(AnswerError::EmptyText);
                    }
                    Some(text)
                } else {
                    None
                };
                Answer::Multi {
                    options: ids,
                    other,
                }
            }
            Draft::Ranking { order } => {
                if order.is_empty() {
                    return Ok(None);
                }
                Answer::Ranking(order.iter().filter_map(|i| id(*i)).collect())
            }
            Draft::Scale { picked: None } | Draft::YesNo { picked: None } => return Ok(None),
            Draft::Scale { picked: Some(v) } => {
                let v =
                    u8::try_from(*v).map_err(|_| AnswerError::OutOfRange { min: 0, max: 10 })?;
                match q.kind {
                    QuestionKind::Nps => Answer::Nps(v),
                    _ => Answer::Rating(v),
                }
            }
            Draft::YesNo { picked: Some(b) } => Answer::YesNo(*b),
            Draft::Number { field } => {
                if field.is_empty() || field.text() == "-" {
                    return Ok(None);
                }
                let (min, max) = q.kind.int_range().unwrap_or((i64::MIN, i64::MAX));
                let n = field
                    .text()
                    .parse::<i64>()
                    .map_err(|_| AnswerError::OutOfRange { min, max })?;
                Answer::Number(n)
            }
            Draft::Text { field } => {
                let max = match q.kind {
                    QuestionKind::Text { max_len } => max_len as usize,
                    _ => 0,
                };
                let text = crate::core::sanitize::clean_answer(field.text(), max, false);
                if text.is_empty() {
                    return Ok(None);
                }
                Answer::Text(text)
            }
        };
        crate::core::answer::check(q, &answer).map(|()| Some(answer))
    }
}

fn clean_other(text: &str) -> String {
    crate::core::sanitize::clean_answer(text, OTHER_MAX_LEN as usize, false)
}

impl Answering {
    pub fn new(survey: &Survey, now_ms: i64) -> Answering {
        let mut a = Answering {
            walk: Walk::start(survey),
            started_ms: now_ms,
            drafts: BTreeMap::new(),
            focus: Focus::Item(0),
            notice: None,
            typed: None,
        };
        a.arrive(survey);
        a
    }

    /// The question on screen.
    pub fn question<'s>(&self, survey: &'s Survey) -> Option<&'s Question> {
        self.walk.question(survey)
    }

    /// The draft of the question on screen.
    pub fn draft(&self, survey: &Survey) -> Option<&Draft> {
        self.question(survey).and_then(|q| self.drafts.get(&q.id))
    }

    /// Prepares the screen for the question the walk is now on.
    pub fn arrive(&mut self, survey: &Survey) {
        if let Some(q) = self.walk.question(survey) {
            let answer = self.walk.answers().get(&q.id);
            self.drafts
                .entry(q.id.clone())
                .or_insert_with(|| Draft::for_question(q, answer));
        }
        // Focus lands on the saved answer, so that Enter after Back goes on
        // with it (and never with the first item).
        let chosen = self
            .question(survey)
            .zip(self.draft(survey))
            .and_then(|(q, d)| d.chosen_item(q));
        self.focus = Focus::Item(chosen.unwrap_or(0));
        self.notice = None;
        self.typed = None;
    }

    /// Whether typed characters go into a text field right now.
    pub fn editing(&self, q: &Question) -> bool {
        let Focus::Item(i) = self.focus else {
            return false;
        };
        match self.drafts.get(&q.id) {
            Some(Draft::Number { .. } | Draft::Text { .. }) => true,
            Some(Draft::Choice {
                picked: Some(p), ..
            }) => *p == i && i == q.kind.options().len(),
            Some(Draft::Multi { picked, .. }) => i == q.kind.options().len() && picked.contains(&i),
            _ => false,
        }
    }

    /// Whether anything at all was answered or started.
    pub fn has_anything(&self, survey: &Survey) -> bool {
        self.walk.has_answers()
            || survey.questions.iter().any(|q| {
                self.drafts
                    .get(&q.id)
                    .is_some_and(|d| matches!(d.answer(q), Ok(Some(_))))
            })
    }
}

/// How many choosable items a question shows.
pub fn item_count(q: &Question) -> usize {
    match &q.kind {
        QuestionKind::Choice { options, other } | QuestionKind::Multi { options, other, .. } => {
            options.len() + usize::from(*other)
        }
        QuestionKind::Ranking { options, .. } => options.len(),
        QuestionKind::Rating { scale, .. } => usize::from(*scale),
        QuestionKind::Nps => 11,
        QuestionKind::YesNo => 2,
        QuestionKind::Number { .. } | QuestionKind::Text { .. } => 1,
    }
}

/// Whether the items sit in a row (grades, yes/no) rather than a list.
pub fn is_row(q: &Question) -> bool {
    matches!(
        q.kind,
        QuestionKind::Rating { .. } | QuestionKind::Nps | QuestionKind::YesNo
    )
}

impl Kiosk {
    pub fn new(
        survey: Arc<Survey>,
        version: VersionHash,
        home_lang: Option<Lang>,
        idle_timeout_ms: i64,
        pin_set: bool,
        now_ms: i64,
    ) -> Kiosk {
        let home_lang = home_lang
            .filter(|l| survey.languages.contains(l))
            .unwrap_or_else(|| survey.default_lang());
        let home_focus = survey
            .languages
            .iter()
            .position(|l| *l == home_lang)
            .unwrap_or(0);
        Kiosk {
            lang: home_lang,
            home_lang,
            survey,
            version,
            screen: Screen::Welcome { focus: home_focus },
            last_input_ms: now_ms,
            idle_timeout_ms,
            pin_set,
            pin: None,
            lockout: Lockout::default(),
            held: None,
        }
    }

    /// Whether no respondent is busy: the welcome screen, with no PIN
    /// prompt open. Only then may the survey change under the kiosk.
    pub fn is_idle(&self) -> bool {
        matches!(self.screen, Screen::Welcome { .. }) && self.pin.is_none() && self.held.is_none()
    }

    /// Shows another survey (or version) from the next respondent on,
    /// keeping the PIN lockout; the home language stays if it is offered.
    pub fn switch_survey(&mut self, survey: Arc<Survey>, version: VersionHash) {
        let wanted = self.home_lang;
        self.home_lang = Some(wanted)
            .filter(|l| survey.languages.contains(l))
            .unwrap_or_else(|| survey.default_lang());
        self.lang = self.home_lang;
        self.survey = survey;
        self.version = version;
        self.held = None;
        self.screen = Screen::Welcome {
            focus: self.home_focus(),
        };
    }

    /// The welcome screen's focus for a new respondent: the home language.
    pub fn home_focus(&self) -> usize {
        self.survey
            .languages
            .iter()
            .position(|l| *l == self.home_lang)
            .unwrap_or(0)
    }

    /// Milliseconds left before the idle reset, when a respondent is busy.
    pub fn idle_left_ms(&self, now_ms: i64) -> Option<i64> {
        match self.screen {
            Screen::Question(_) | Screen::Prize(_) => {
                Some(self.last_input_ms + self.idle_timeout_ms - now_ms)
            }
            Screen::Welcome { .. } if self.held.is_some() => {
                Some(self.last_input_ms + self.idle_timeout_ms - now_ms)
            }
            _ => None,
        }
    }

    /// Whether the idle countdown is showing.
    pub fn counting_down(&self, now_ms: i64) -> Option<i64> {
        self.idle_left_ms(now_ms)
            .filter(|left| *left <= self.countdown_ms())
    }

    /// How long the countdown shows: the last 10 s, or the last half of a
    /// short timeout, so that a respondent always has time to answer first.
    pub fn countdown_ms(&self) -> i64 {
        COUNTDOWN_MS.min(self.idle_timeout_ms / 2)
    }

    /// When the kiosk next needs to wake up with no input, if ever: the
    /// loop sleeps until then, so an idle kiosk uses no CPU.
    pub fn next_deadline_ms(&self, now_ms: i64) -> Option<i64> {
        let screen = match &self.screen {
            Screen::Thanks { until_ms } | Screen::Failed { until_ms } => Some(*until_ms),
            _ if self.idle_left_ms(now_ms).is_some() => {
                let reset = self.last_input_ms + self.idle_timeout_ms;
                let countdown = reset - self.countdown_ms();
                // Before the countdown: wake when it starts; during it, each second.
                let left = reset - now_ms;
                Some(if now_ms < countdown {
                    countdown
                } else {
                    (now_ms + (left - 1).rem_euclid(1000) + 1).min(reset)
                })
            }
            _ => None,
        };
        let lockout = self.lockout.until_ms.filter(|_| self.pin.is_some());
        let locked = self.lockout.until_ms.is_some_and(|t| now_ms < t);
        let pin_idle = self
            .pin
            .as_ref()
            .filter(|_| !locked)
            .map(|_| self.last_input_ms + PIN_IDLE_MS);
        let typed = match &self.screen {
            Screen::Question(a) => a.typed.map(|t| t.until_ms),
            _ => None,
        };
        [screen, lockout, pin_idle, typed]
            .into_iter()
            .flatten()
            .min()
    }
}
