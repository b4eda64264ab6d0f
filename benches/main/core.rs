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
    pin_verify(c);
}

/// One admin PIN check: argon2id with kioski's parameters, and a hash
/// made by 0.1.0 (the crate's defaults), which still verifies.
fn pin_verify(c: &mut Criterion) {
    use argon2::PasswordHasher as _;
    let Ok(current) = kioski::core::pin::hash("482913", &[7; 16]) else {
        return;
    };
    let Ok(salt) = argon2::password_hash::SaltString::encode_b64(&[7; 16]) else {
        return;
    };
    let Ok(old) = argon2::Argon2::default().hash_password(b"482913", &salt) else {
        return;
    };
    let old = old.to_string();
    let mut group = c.benchmark_group("pin");
    group.sample_size(10);
    group.bench_function("verify argon2id m=64MiB t=3 p=1", |b| {
        b.iter(|| kioski::core::pin::verify(std::hint::black_box("000000"), &current))
    });
    group.bench_function("verify 0.1.0 hash m=19MiB t=2 p=1", |b| {
        b.iter(|| kioski::core::pin::verify(std::hint::black_box("000000"), &old))
    });
    group.finish();
}
