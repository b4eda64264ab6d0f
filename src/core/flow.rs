//! One respondent's walk through a survey: which question is on screen,
//! what comes next or before, progress, and what is finally stored.
//!
//! Visibility is decided in file order. A question is shown when it has no
//! `show_if` or its condition is definitely true (see
//! [`super::condition`]) over the answers to the *shown* questions before
//! it; answers to questions that became hidden (after Back and a changed
//! answer) are kept while the respondent walks, so going forward again
//! restores them, but they are dropped from what is submitted.

use super::answer::{self, Answer, AnswerError, Answers};
use super::survey::{Question, Survey};

/// Which questions are shown for these answers, by index.
pub fn visibility(survey: &Survey, answers: &Answers) -> Vec<bool> {
    let mut visible: Vec<bool> = Vec::with_capacity(survey.questions.len());
    for q in &survey.questions {
        let shown = match &q.show_if {
            None => true,
            Some(condition) => {
                // Conditions name earlier questions only; an answer counts
                // when its question is itself shown.
                let earlier = &survey.questions[..visible.len()];
                let answer = |id: &str| {
                    let i = earlier.iter().position(|e| e.id == id)?;
                    if visible[i] { answers.get(id) } else { None }
                };
                condition.eval_with(&answer) == Some(true)
            }
        };
        visible.push(shown);
    }
    visible
}

/// The answers that count: only those to shown questions.
pub fn submitted_answers(survey: &Survey, answers: &Answers) -> Answers {
    let visible = visibility(survey, answers);
    survey
        .questions
        .iter()
        .zip(visible)
        .filter(|(_, v)| *v)
        .filter_map(|(q, _)| answers.get(&q.id).map(|a| (q.id.clone(), a.clone())))
        .collect()
}

/// Whether every shown question has a valid answer where one is required.
pub fn is_complete(survey: &Survey, answers: &Answers) -> bool {
    complete_given(survey, answers, &visibility(survey, answers))
}

/// [`is_complete`] with the visibility already computed.
pub fn complete_given(survey: &Survey, answers: &Answers, visible: &[bool]) -> bool {
    survey
        .questions
        .iter()
        .zip(visible)
        .filter(|(_, v)| **v)
        .all(|(q, _)| answer::check_optional(q, answers.get(&q.id)).is_ok())
}

/// Where a respondent is after pressing Next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The question at this index is now on screen.
    Question(usize),
    /// No question is left; the response can be submitted as complete.
    Finished,
}

/// "3 / 7": the position of the current question among the shown ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub position: usize,
    pub total: usize,
}

/// One respondent's place in a survey and their answers so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Walk {
    answers: Answers,
    current: usize,
}

impl Walk {
    /// A fresh walk on the survey's first shown question.
    pub fn start(survey: &Survey) -> Walk {
        let answers = Answers::new();
        let current = visibility(survey, &answers)
            .iter()
            .position(|v| *v)
            .unwrap_or(0);
        Walk { answers, current }
    }

    /// The index of the question on screen.
    pub fn current(&self) -> usize {
        self.current
    }

    /// The question on screen (`None` only for a survey without questions).
    pub fn question<'s>(&self, survey: &'s Survey) -> Option<&'s Question> {
        survey.questions.get(self.current)
    }

    pub fn answers(&self) -> &Answers {
        &self.answers
    }

    /// Whether anything was answered, so leaving would leave a partial.
    pub fn has_answers(&self) -> bool {
        !self.answers.is_empty()
    }

    /// Sets (or with `None` clears) the answer to the question on screen,
    /// if it is valid for that question.
    pub fn set_answer(
        &mut self,
        survey: &Survey,
        answer: Option<Answer>,
    ) -> Result<(), AnswerError> {
        let Some(q) = self.question(survey) else {
            return Ok(());
        };
        match answer {
            Some(a) => {
                answer::check(q, &a)?;
                self.answers.insert(q.id.clone(), a);
            }
            None => {
                self.answers.remove(&q.id);
            }
        }
        Ok(())
    }

    /// Moves to the next shown question, if the current one is answered
    /// as it must be.
    pub fn next(&mut self, survey: &Survey) -> Result<Step, AnswerError> {
        if let Some(q) = self.question(survey) {
            answer::check_optional(q, self.answers.get(&q.id))?;
        }
        let visible = visibility(survey, &self.answers);
        match (self.current + 1..visible.len()).find(|&i| visible[i]) {
            Some(i) => {
                self.current = i;
                Ok(Step::Question(i))
            }
            None => Ok(Step::Finished),
        }
    }

    /// Moves to the previous shown question, keeping every answer.
    /// Returns false on the first question.
    pub fn back(&mut self, survey: &Survey) -> bool {
        let visible = visibility(survey, &self.answers);
        match (0..self.current).rev().find(|&i| visible[i]) {
            Some(i) => {
                self.current = i;
                true
            }
            None => false,
        }
    }

    pub fn progress(&self, survey: &Survey) -> Progress {
        let visible = visibility(survey, &self.answers);
        Progress {
            position: visible[..self.current.min(visible.len())]
                .iter()
                .filter(|v| **v)
                .count()
                + 1,
            total: visible.iter().filter(|v| **v).count(),
        }
    }

    /// What to store: the answers to shown questions, and whether the
    /// response is complete (every required shown question answered).
    pub fn finish(&self, survey: &Survey) -> (Answers, bool) {
        (
            submitted_answers(survey, &self.answers),
            is_complete(survey, &self.answers),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::answer::Picked;
    use crate::core::validate::survey_from_str;
    use proptest::prelude::*;

    fn survey() -> Survey {
        survey_from_str(include_str!("testdata/all_types.toml")).unwrap()
    }

    fn index(survey: &Survey, id: &str) -> usize {
        survey.questions.iter().position(|q| q.id == id).unwrap()
    }

    fn resident() -> Answer {
        Answer::Choice(Picked::Option("resident".into()))
    }

    #[test]
    fn starts_on_the_first_question() {
        let s = survey();
        let walk = Walk::start(&s);
        assert_eq!(walk.current(), 0);
        assert_eq!(
            walk.progress(&s),
            Progress {
                position: 1,
                total: 7
            }
        );
        assert!(!walk.has_answers());
    }

    #[test]
    fn a_required_question_blocks_next() {
        let s = survey();
        let mut walk = Walk::start(&s);
        assert_eq!(walk.next(&s), Err(AnswerError::Required));
        assert_eq!(walk.current(), 0);
        walk.set_answer(&s, Some(resident())).unwrap();
        assert_eq!(walk.next(&s), Ok(Step::Question(1)));
    }

    #[test]
    fn invalid_answers_are_refused() {
        let s = survey();
        let mut walk = Walk::start(&s);
        let bad = Answer::Choice(Picked::Option("manager".into()));
        assert!(walk.set_answer(&s, Some(bad)).is_err());
        assert!(walk.set_answer(&s, Some(Answer::Rating(3))).is_err());
        assert!(!walk.has_answers());
    }

    #[test]
    fn hidden_questions_are_skipped_and_appear_when_their_condition_holds() {
        let s = survey();
        let mut walk = Walk::start(&s);
        walk.set_answer(&s, Some(resident())).unwrap();
        walk.next(&s).unwrap(); // channels
        walk.next(&s).unwrap(); // priorities
        walk.next(&s).unwrap(); // overall
        assert_eq!(walk.current(), index(&s, "overall"));
        walk.set_answer(&s, Some(Answer::Rating(5))).unwrap();
        walk.next(&s).unwrap(); // recommend
        walk.next(&s).unwrap(); // solved
        walk.set_answer(&s, Some(Answer::YesNo(false))).unwrap();
        walk.next(&s).unwrap(); // visits
        // `why` shows because solved == no; `phone_grade` is hidden.
        assert_eq!(walk.next(&s), Ok(Step::Question(index(&s, "why"))));
        assert_eq!(
            walk.progress(&s),
            Progress {
                position: 8,
                total: 8
            }
        );
        assert_eq!(walk.next(&s), Ok(Step::Finished));
    }

    #[test]
    fn back_keeps_answers_and_hidden_answers_are_not_submitted() {
        let s = survey();
        let mut walk = Walk::start(&s);
        walk.set_answer(&s, Some(resident())).unwrap();
        walk.next(&s).unwrap();
        let phone = Answer::Multi {
            options: vec!["phone".into()],
            other: None,
        };
        walk.set_answer(&s, Some(phone)).unwrap();
        while walk.current() != index(&s, "phone_grade") {
            walk.next(&s).unwrap();
        }
        walk.set_answer(&s, Some(Answer::Rating(4))).unwrap();
        // Back to the first question and change the group: phone_grade hides.
        while walk.back(&s) {}
        assert_eq!(walk.current(), 0);
        assert_eq!(walk.answers().len(), 3, "answers are kept on Back");
        walk.set_answer(&s, Some(Answer::Choice(Picked::Option("staff".into()))))
            .unwrap();
        let (submitted, complete) = walk.finish(&s);
        assert!(!submitted.contains_key("phone_grade"));
        assert!(submitted.contains_key("channels"));
        assert!(complete);
    }

    #[test]
    fn a_response_without_required_answers_is_partial() {
        let s = survey();
        let walk = Walk::start(&s);
        let (answers, complete) = walk.finish(&s);
        assert!(answers.is_empty());
        assert!(!complete);
    }

    /// A valid answer for `q`, chosen by `pick` (any number).
    fn some_answer(q: &Question, pick: u64) -> Option<Answer> {
        use crate::core::survey::QuestionKind as K;
        let n = |m: usize| (pick as usize) % m.max(1);
        let id = |options: &[crate::core::survey::QuestionOption], i: usize| {
            options[i % options.len()].id.clone()
        };
        Some(match &q.kind {
            K::Choice { options, .. } => {
                Answer::Choice(Picked::Option(id(options, n(options.len()))))
            }
            K::Multi { options, min, .. } => {
                let take = (*min).max(1) as usize;
                Answer::Multi {
                    options: (0..take)
                        .map(|i| id(options, n(options.len()) + i))
                        .collect(),
                    other: None,
                }
            }
            K::Ranking { options, pick: p } => Answer::Ranking(
                (0..*p as usize)
                    .map(|i| id(options, n(options.len()) + i))
                    .collect(),
            ),
            K::Rating { scale, .. } => Answer::Rating(1 + n(usize::from(*scale)) as u8),
            K::Nps => Answer::Nps(n(11) as u8),
            K::YesNo => Answer::YesNo(pick.is_multiple_of(2)),
            K::Number { .. } => Answer::Number(n(100) as i64),
            K::Text { .. } => Answer::Text("kiitos".into()),
        })
    }

    #[derive(Clone, Debug)]
    enum Action {
        Answer(u64),
        Clear,
        Next,
        Back,
    }

    fn arb_action() -> impl Strategy<Value = Action> {
        prop_oneof![
            4 => any::<u64>().prop_map(Action::Answer),
            1 => Just(Action::Clear),
            4 => Just(Action::Next),
            2 => Just(Action::Back),
        ]
    }

    fn all_surveys() -> Vec<Survey> {
        crate::core::testdata::SURVEYS
            .into_iter()
            .map(|text| survey_from_str(text).unwrap())
            .collect()
    }

    proptest! {
        #[test]
        fn flow_never_shows_a_question_whose_condition_is_false(
            which in 0usize..6,
            actions in prop::collection::vec(arb_action(), 0..60),
        ) {
            let surveys = all_surveys();
            let s = &surveys[which];
            let mut walk = Walk::start(s);
            for action in actions {
                match action {
                    Action::Answer(pick) => {
                        let q = walk.question(s).unwrap();
                        walk.set_answer(s, some_answer(q, pick)).unwrap();
                    }
                    Action::Clear => walk.set_answer(s, None).unwrap(),
                    Action::Next => {
                        if walk.next(s) == Ok(Step::Finished) {
                            prop_assert!(is_complete(s, walk.answers()));
                        }
                    }
                    Action::Back => { walk.back(s); }
                }
                // The question on screen is shown: no condition, or it holds
                // over the answers to the shown questions before it.
                let q = walk.question(s).unwrap();
                let before: Answers = submitted_answers(s, walk.answers())
                    .into_iter()
                    .filter(|(id, _)| s.questions[..walk.current()].iter().any(|q| &q.id == id))
                    .collect();
                prop_assert!(q.show_if.as_ref().is_none_or(|c| c.holds(&before)), "{} shown", q.id);
                let p = walk.progress(s);
                prop_assert!(p.position >= 1 && p.position <= p.total);
            }
            // Nothing submitted answers a hidden question.
            let (submitted, _) = walk.finish(s);
            let visible = visibility(s, &submitted);
            for (i, q) in s.questions.iter().enumerate() {
                prop_assert!(!submitted.contains_key(&q.id) || visible[i], "{} hidden but submitted", q.id);
                if let Some(c) = &q.show_if
                    && submitted.contains_key(&q.id)
                {
                        prop_assert!(c.holds(&submitted));
                }
            }
        }
    }
}
