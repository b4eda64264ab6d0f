//! The printed tally's own words in Finnish, Swedish and English (the
//! words that do not come from the survey), in the report's style: one
//! table per language, so a missing word is a compile error.

use crate::core::survey::Lang;

/// Things a tally counts, each with a singular and a plural form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Noun {
    Response,
    Answer,
    Partial,
    Suspect,
    Simulated,
}

/// `n` and the noun in `lang`, singular for 1: "1 vastaus", "115 vastausta".
pub fn count_of(n: u64, noun: Noun, lang: Lang) -> String {
    let (one, many) = match (lang, noun) {
        (Lang::Fi, Noun::Response) => ("vastaus", "vastausta"),
        (Lang::Fi, Noun::Answer) => ("vastaus", "vastausta"),
        (Lang::Fi, Noun::Partial) => ("keskeneräinen", "keskeneräistä"),
        (Lang::Fi, Noun::Suspect) => ("epäilyttävä", "epäilyttävää"),
        (Lang::Fi, Noun::Simulated) => ("simuloitu", "simuloitua"),
        (Lang::Sv, Noun::Response | Noun::Answer) => ("svar", "svar"),
        (Lang::Sv, Noun::Partial) => ("ofullständigt", "ofullständiga"),
        (Lang::Sv, Noun::Suspect) => ("misstänkt", "misstänkta"),
        (Lang::Sv, Noun::Simulated) => ("simulerat", "simulerade"),
        (Lang::En, Noun::Response) => ("response", "responses"),
        (Lang::En, Noun::Answer) => ("answer", "answers"),
        (Lang::En, Noun::Partial) => ("partial", "partial"),
        (Lang::En, Noun::Suspect) => ("suspect", "suspect"),
        (Lang::En, Noun::Simulated) => ("simulated", "simulated"),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `x` with `decimals` decimals, a decimal comma in Finnish and Swedish.
pub fn decimal(x: f64, decimals: usize, lang: Lang) -> String {
    let s = format!("{x:.decimals$}");
    match lang {
        Lang::En => s,
        Lang::Fi | Lang::Sv => s.replace('.', ","),
    }
}

/// Every word of the table, Markdown and CSV tallies that is not the
/// survey's own; counted nouns are in [`count_of`].
#[derive(Debug)]
pub struct TallyWords {
    pub left_out: &'static str,
    /// "left out" after a count of 1, where the participle agrees.
    pub left_out_one: &'static str,
    pub counted: &'static str,
    pub counted_one: &'static str,
    pub suspect_hint: &'static str,
    pub response_rate: &'static str,
    pub of: &'static str,
    pub from: &'static str,
    pub until: &'static str,
    pub no_responses_yet: &'static str,
    pub version_of: &'static str,
    pub all_responses: &'static str,
    pub columns: &'static str,
    pub periods: &'static str,
    pub md_columns_answer: &'static str,
    pub md_columns_periods: &'static str,
    pub md_columns_terminal: &'static str,
    pub mean_rank: &'static str,
    pub first: &'static str,
    pub first_place: &'static str,
    pub answer: &'static str,
    pub period: &'static str,
    pub more_export: &'static str,
    pub and_more: &'static str,
    pub mean: &'static str,
    pub median: &'static str,
    pub top2: &'static str,
    pub nps: &'static str,
    pub yes: &'static str,
    pub min: &'static str,
    pub max: &'static str,
    pub promoters: &'static str,
    pub passives: &'static str,
    pub detractors: &'static str,
}

/// The tally's words in `lang`.
pub fn tally_words(lang: Lang) -> &'static TallyWords {
    match lang {
        Lang::Fi => &FI,
        Lang::Sv => &SV,
        Lang::En => &EN,
    }
}

static FI: TallyWords = TallyWords {
    left_out: "jätetty pois",
    left_out_one: "jätetty pois",
    counted: "mukana",
    counted_one: "mukana",
    suspect_hint: "(--include-suspect ottaa ne mukaan)",
    response_rate: "vastausprosentti",
    of: "kohderyhmästä",
    from: "{d} alkaen",
    until: "{d} asti",
    no_responses_yet: "ei vielä vastauksia",
    version_of: "versio {n}/{m}",
    all_responses: "kaikki vastaukset",
    columns: "sarakkeet",
    periods: "jaksot",
    md_columns_answer: "Sarakkeet: vastaus kysymykseen",
    md_columns_periods: "Sarakkeet: jaksot.",
    md_columns_terminal: "Sarakkeet: pääte.",
    mean_rank: "keskim. sija",
    first: "ensimmäisenä",
    first_place: "ensimmäisenä",
    answer: "vastaus",
    period: "jakso",
    more_export: "lisää (kaikki: kioski export)",
    and_more: "ja {n} lisää",
    mean: "keskiarvo",
    median: "mediaani",
    top2: "kaksi parasta",
    nps: "NPS",
    yes: "kyllä",
    min: "pienin",
    max: "suurin",
    promoters: "suosittelijat",
    passives: "passiiviset",
    detractors: "arvostelijat",
};

static SV: TallyWords = TallyWords {
    left_out: "utelämnade",
    left_out_one: "utelämnat",
    counted: "medräknade",
    counted_one: "medräknat",
    suspect_hint: "(--include-suspect räknar med dem)",
    response_rate: "svarsfrekvens",
    of: "av",
    from: "från {d}",
    until: "till {d}",
    no_responses_yet: "inga svar ännu",
    version_of: "version {n} av {m}",
    all_responses: "alla svar",
    columns: "kolumner",
    periods: "perioder",
    md_columns_answer: "Kolumner: svaret på",
    md_columns_periods: "Kolumner: perioder.",
    md_columns_terminal: "Kolumner: terminal.",
    mean_rank: "medelplats",
    first: "först",
    first_place: "på första plats",
    answer: "svar",
    period: "period",
    more_export: "till (alla: kioski export)",
    and_more: "och {n} till",
    mean: "medelvärde",
    median: "median",
    top2: "två bästa",
    nps: "NPS",
    yes: "ja",
    min: "minst",
    max: "störst",
    promoters: "ambassadörer",
    passives: "passiva",
    detractors: "kritiker",
};

static EN: TallyWords = TallyWords {
    left_out: "left out",
    left_out_one: "left out",
    counted: "counted",
    counted_one: "counted",
    suspect_hint: "(--include-suspect counts them)",
    response_rate: "response rate",
    of: "of",
    from: "from {d}",
    until: "until {d}",
    no_responses_yet: "no responses yet",
    version_of: "version {n} of {m}",
    all_responses: "all responses",
    columns: "columns",
    periods: "periods",
    md_columns_answer: "Columns: the answer to",
    md_columns_periods: "Columns: periods.",
    md_columns_terminal: "Columns: terminal.",
    mean_rank: "mean rank",
    first: "first",
    first_place: "first place",
    answer: "answer",
    period: "period",
    more_export: "more (kioski export for all)",
    and_more: "and {n} more",
    mean: "mean",
    median: "median",
    top2: "top-2",
    nps: "NPS",
    yes: "yes",
    min: "min",
    max: "max",
    promoters: "promoters",
    passives: "passives",
    detractors: "detractors",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_nouns_take_their_plural_forms() {
        assert_eq!(count_of(1, Noun::Response, Lang::Fi), "1 vastaus");
        assert_eq!(count_of(115, Noun::Response, Lang::Fi), "115 vastausta");
        assert_eq!(count_of(1, Noun::Response, Lang::Sv), "1 svar");
        assert_eq!(count_of(115, Noun::Response, Lang::Sv), "115 svar");
        assert_eq!(count_of(1, Noun::Response, Lang::En), "1 response");
        assert_eq!(count_of(115, Noun::Response, Lang::En), "115 responses");
        assert_eq!(count_of(0, Noun::Response, Lang::En), "0 responses");
        assert_eq!(count_of(1, Noun::Answer, Lang::En), "1 answer");
        assert_eq!(count_of(35, Noun::Answer, Lang::Fi), "35 vastausta");
        assert_eq!(count_of(1, Noun::Partial, Lang::Fi), "1 keskeneräinen");
        assert_eq!(count_of(2, Noun::Partial, Lang::Sv), "2 ofullständiga");
    }

    #[test]
    fn decimals_have_a_comma_in_finnish_and_swedish() {
        assert_eq!(decimal(3.456, 2, Lang::Fi), "3,46");
        assert_eq!(decimal(3.456, 2, Lang::Sv), "3,46");
        assert_eq!(decimal(3.456, 2, Lang::En), "3.46");
    }

    #[test]
    fn left_out_sentences_in_each_language() {
        use crate::core::tally::{LeftOut, LeftOutAnswers};
        let l = |answers| LeftOutAnswers {
            reason: LeftOut::OptionRemoved {
                question: "channel".into(),
                option: "event".into(),
            },
            answers,
            older: true,
        };
        assert_eq!(
            l(35).sentence(),
            "35 answers to an older version left out: option `event` of `channel` was removed"
        );
        assert_eq!(
            l(35).sentence_in(Lang::Fi),
            "35 vastausta vanhempaan versioon jätetty pois: kysymyksen `channel` vaihtoehto `event` poistettiin"
        );
        assert_eq!(
            l(1).sentence_in(Lang::Sv),
            "1 svar till en äldre version utelämnat: alternativet `event` i `channel` togs bort"
        );
    }
}
