//! The pure core: validating a survey, simulating a respondent.

use criterion::Criterion;
use kioski::core::simulate::{Setup, respondent};
use kioski::core::validate::survey_from_str;
use kioski::core::version::VersionHash;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const SURVEY: &str = include_str!("../../surveys/asiointikanavat.toml");

pub fn benches(c: &mut Criterion) {
    c.bench_function("core/validate asiointikanavat.toml", |b| {
        b.iter(|| survey_from_str(std::hint::black_box(SURVEY)))
    });
    let Ok(survey) = survey_from_str(SURVEY) else {
        return;
    };
    let setup = Setup {
        survey: &survey,
        version: VersionHash::of(&survey),
        terminal: "bench",
        now_ms: 1_790_000_000_000,
        utc_offset_ms: 0,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    c.bench_function("core/simulate one respondent", |b| {
        b.iter(|| respondent(&mut rng, &setup, 0.5))
    });
}
