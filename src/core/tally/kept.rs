//! A filled [`GroupedTally`]'s state as plain data ([`KeptTally`]), so the
//! process that owns a store can fill a tally from the counts it keeps
//! ready and hand it to a command that asks through the socket, instead
//! of streaming every response for the asker to fold.
//!
//! The state is what the tally's results are made of: per group and
//! period cell its [`TallyCounts`] and free texts, the terminals met
//! (grouping by terminal) and what the terminal filter saw. Turning it
//! back ([`GroupedTally::fill_from_kept`]) gives a tally whose results are
//! the owner's, byte for byte (the tests print both).

use std::collections::HashMap;

use super::*;

/// A grouped tally's state; see the module docs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptTally {
    /// The newest version the tally's questions are of.
    pub version: [u8; 32],
    pub cells: Vec<KeptCell>,
    /// The terminals met grouping by terminal, in the order first met.
    pub terminals: Vec<String>,
    /// Per name `--terminal` accepts, whether a response had it.
    pub filter_seen: Vec<bool>,
    /// With `--terminal`: every terminal a response came from.
    pub filter_all: Vec<String>,
}

/// One group and period of a [`KeptTally`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptCell {
    pub group: Option<KeptGroup>,
    /// The period's first day: year, month, day.
    pub period: Option<(i16, i8, i8)>,
    pub counts: TallyCounts,
    /// Per question with free texts (its index in the newest version),
    /// the texts as the tally holds them.
    pub texts: Vec<(u32, Vec<KeptText>)>,
}

/// A cell's group: an option's index, `yes`, `no`, "other", no answer,
/// or a terminal's index in [`KeptTally::terminals`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeptGroup {
    Option(u32),
    Yes,
    No,
    Other,
    Unanswered,
    Terminal(u32),
}

/// One free text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptText {
    pub text: String,
    pub submitted_ms: i64,
    pub response: [u8; 16],
}

fn texts_of(state: &QState) -> Option<&Vec<TextAnswer>> {
    match state {
        QState::Choice { other, .. } | QState::Multi { other, .. } => Some(other),
        QState::Text { answers } => Some(answers),
        _ => None,
    }
}

fn texts_of_mut(state: &mut QState) -> Option<&mut Vec<TextAnswer>> {
    match state {
        QState::Choice { other, .. } | QState::Multi { other, .. } => Some(other),
        QState::Text { answers } => Some(answers),
        _ => None,
    }
}

impl GroupedTally {
    /// This tally's state as plain data.
    pub fn kept(&self) -> KeptTally {
        let cells = self
            .cells
            .iter()
            .map(|((group, period), tally)| KeptCell {
                group: group.map(|g| match g {
                    Group::Option(i) => KeptGroup::Option(i as u32),
                    Group::Yes => KeptGroup::Yes,
                    Group::No => KeptGroup::No,
                    Group::Other => KeptGroup::Other,
                    Group::Unanswered => KeptGroup::Unanswered,
                    Group::Terminal(i) => KeptGroup::Terminal(i as u32),
                }),
                period: period.map(|d| (d.year(), d.month(), d.day())),
                counts: tally.counts(),
                texts: tally
                    .questions
                    .iter()
                    .enumerate()
                    .filter_map(|(i, q)| {
                        let texts = texts_of(q).filter(|t| !t.is_empty())?;
                        let texts = texts
                            .iter()
                            .map(|t| KeptText {
                                text: t.text.to_string(),
                                submitted_ms: t.submitted_ms,
                                response: *t.response.as_bytes(),
                            })
                            .collect();
                        Some((i as u32, texts))
                    })
                    .collect(),
            })
            .collect();
        KeptTally {
            version: self.version().0,
            cells,
            terminals: self.terminals.names.clone(),
            filter_seen: self.filter.seen.clone(),
            filter_all: self.filter.all.iter().cloned().collect(),
        }
    }

    /// Fills this tally (empty, of the same survey version and grouping as
    /// the one `kept` was taken of) with `kept`'s state. `survey_of` gives
    /// the survey of each version counted. On an error the tally is left
    /// as it was.
    pub fn fill_from_kept(
        &mut self,
        kept: &KeptTally,
        survey_of: &dyn Fn(&VersionHash) -> Option<Arc<Survey>>,
    ) -> Result<(), CountsMismatch> {
        let mut filled = self.clone();
        filled.fill(kept, survey_of)?;
        *self = filled;
        Ok(())
    }

    fn fill(
        &mut self,
        kept: &KeptTally,
        survey_of: &dyn Fn(&VersionHash) -> Option<Arc<Survey>>,
    ) -> Result<(), CountsMismatch> {
        if kept.version != self.version().0 {
            return Err(CountsMismatch("counted on another version"));
        }
        if !self.cells.is_empty() {
            return Err(CountsMismatch("the tally is not empty"));
        }
        if kept.filter_seen.len() != self.filter.seen.len() {
            return Err(CountsMismatch("another terminal filter"));
        }
        let by_terminal = self.grouping.by == Some(By::Terminal);
        if !by_terminal && !kept.terminals.is_empty() {
            return Err(CountsMismatch("terminals without grouping by them"));
        }
        for name in &kept.terminals {
            self.terminals.index_of(name);
        }
        if self.terminals.names.len() != kept.terminals.len() {
            return Err(CountsMismatch("a terminal named twice"));
        }
        self.filter.seen.clone_from(&kept.filter_seen);
        self.filter.all = kept.filter_all.iter().cloned().collect();
        let mut plans: HashMap<VersionHash, Arc<Plan>> = HashMap::new();
        for cell in &kept.cells {
            let group = self.group_from(cell.group, by_terminal)?;
            if cell.period.is_some() != self.grouping.period.is_some() {
                return Err(CountsMismatch("a period without periods"));
            }
            let period = match cell.period {
                None => None,
                Some((y, m, d)) => {
                    Some(Date::new(y, m, d).map_err(|_| CountsMismatch("a period of no date"))?)
                }
            };
            let mut tally = self.empty.clone();
            let c = &cell.counts;
            tally.responses = c.responses;
            tally.suspect = c.suspect;
            tally.simulated = c.simulated;
            tally.complete = c.complete;
            tally.partial = c.partial;
            for v in &c.versions {
                let hash = VersionHash(v.version);
                let plan = match plans.get(&hash) {
                    Some(plan) => Arc::clone(plan),
                    None => {
                        let plan = self.plan_for(hash, survey_of)?;
                        plans.insert(hash, Arc::clone(&plan));
                        plan
                    }
                };
                if v.left_out_answers.len() != plan.left_out.len() || tally.slot(hash).is_some() {
                    return Err(CountsMismatch("a version's counts do not fit it"));
                }
                tally.versions.push(VersionSlot {
                    hash,
                    plan,
                    responses: v.responses,
                    left_out_answers: v.left_out_answers.clone(),
                    first_ms: v.first_ms,
                    last_ms: v.last_ms,
                });
            }
            if c.questions.len() != tally.questions.len() {
                return Err(CountsMismatch("another number of questions"));
            }
            // Added to an empty tally's states: the counts themselves.
            for (state, q) in tally.questions.iter_mut().zip(&c.questions) {
                state.add_counts(q)?;
            }
            for (i, texts) in &cell.texts {
                let state = tally
                    .questions
                    .get_mut(*i as usize)
                    .and_then(texts_of_mut)
                    .ok_or(CountsMismatch("free texts of a question without them"))?;
                state.extend(texts.iter().map(|t| TextAnswer {
                    text: t.text.as_str().into(),
                    submitted_ms: t.submitted_ms,
                    response: Uuid::from_bytes(t.response),
                }));
            }
            if self.cells.insert((group, period), tally).is_some() {
                return Err(CountsMismatch("a cell named twice"));
            }
        }
        Ok(())
    }

    /// The plan of version `hash`: the tally's own, or made from its survey.
    fn plan_for(
        &mut self,
        hash: VersionHash,
        survey_of: &dyn Fn(&VersionHash) -> Option<Arc<Survey>>,
    ) -> Result<Arc<Plan>, CountsMismatch> {
        if let Some((_, plan)) = self.plans.iter().find(|(h, _)| *h == hash) {
            return Ok(Arc::clone(plan));
        }
        let survey = survey_of(&hash).ok_or(CountsMismatch("a version is not stored"))?;
        let plan = Arc::new(Plan::new(&self.empty.schema, &survey));
        self.plans.push((hash, Arc::clone(&plan)));
        Ok(plan)
    }

    /// A kept cell's group, checked against this tally's grouping.
    fn group_from(
        &self,
        g: Option<KeptGroup>,
        by_terminal: bool,
    ) -> Result<Option<Group>, CountsMismatch> {
        let wrong = CountsMismatch("a group this grouping has not");
        let Some(g) = g else {
            return if self.grouping.by.is_none() {
                Ok(None)
            } else {
                Err(wrong)
            };
        };
        if by_terminal {
            return match g {
                KeptGroup::Terminal(i) if (i as usize) < self.terminals.names.len() => {
                    Ok(Some(Group::Terminal(i as usize)))
                }
                _ => Err(wrong),
            };
        }
        let q = self
            .by
            .map(|by| &self.empty.schema.questions[by])
            .ok_or(wrong.clone())?;
        match (g, q.kind) {
            (KeptGroup::Option(i), Kind::Choice) if (i as usize) < q.options.len() => {
                Ok(Some(Group::Option(i as usize)))
            }
            (KeptGroup::Other, Kind::Choice) => Ok(Some(Group::Other)),
            (KeptGroup::Yes, Kind::YesNo) => Ok(Some(Group::Yes)),
            (KeptGroup::No, Kind::YesNo) => Ok(Some(Group::No)),
            (KeptGroup::Unanswered, _) => Ok(Some(Group::Unanswered)),
            _ => Err(wrong),
        }
    }
}
