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
    let mut shown = Answers::new();
    survey
        .questions
        .iter()
        .map(|q| {
            let visible = q.show_if.as_ref().is_none_or(|c| c.holds(&shown));
            if let (true, Some(a)) = (visible, answers.get(&q.id)) {
                shown.insert(q.id.clone(), a.clone());
            }
            visible
        })
        .collect()
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
    let visible = visibility(survey, answers);
    survey
        .questions
        .iter()
        .zip(visible)
        .filter(|(_, v)| *v)
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
