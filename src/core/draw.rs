//! The prize draw: a fair draw that anyone holding the same entries can
//! run again and check.
//!
//! Each entry is reduced to a digest of (survey, fields); the distinct
//! digests, sorted, are the draw's tickets: one per contact, however often
//! it was entered and on however many terminals. The entries digest is
//! SHA-256 of the sorted ticket digests; the RNG is ChaCha20 seeded with
//! SHA-256 of [`DOMAIN`], the seed text (length first) and the entries
//! digest. Winners are the first N of a Fisher–Yates shuffle of the sorted
//! tickets, each index taken by rejection sampling on `next_u64`, written
//! here rather than borrowed from `rand`, so a later `rand` can never
//! change a past draw. ChaCha20's stream is fixed by its specification.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

/// Names the rule, so a draw by another rule never matches by accident.
pub const DOMAIN: &[u8] = b"kioski-prize-draw-v1\n";

/// An entry's contact details: (field, value) pairs.
pub type Fields = [(String, String)];

/// The digest that identifies an entry: equal contacts for one survey
/// are one ticket (and one entry when bundles are merged).
pub fn entry_digest(survey: &str, fields: &Fields) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"kioski-prize-entry-v1\n");
    put(&mut h, survey.as_bytes());
    h.update((fields.len() as u64).to_le_bytes());
    for (name, value) in fields {
        put(&mut h, name.as_bytes());
        put(&mut h, value.as_bytes());
    }
    h.finalize().into()
}

fn put(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// What a draw came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome<'a> {
    /// SHA-256 of the sorted, distinct entry digests, as hex.
    pub entries_digest: String,
    /// Distinct entries (tickets) drawn from.
    pub tickets: usize,
    /// The winners, in the order drawn.
    pub winners: Vec<&'a Fields>,
}

/// Draws up to `winners` distinct entries of `survey` from `entries`
/// (all of the survey's entries, in any order) with `seed`.
pub fn draw<'a>(
    survey: &str,
    entries: &'a [Vec<(String, String)>],
    seed: &str,
    winners: usize,
) -> Outcome<'a> {
    let mut tickets: Vec<([u8; 32], &'a Fields)> = entries
        .iter()
        .map(|f| (entry_digest(survey, f), f.as_slice()))
        .collect();
    tickets.sort_by_key(|t| t.0);
    tickets.dedup_by(|a, b| a.0 == b.0);
    let mut all = Sha256::new();
    for (d, _) in &tickets {
        all.update(d);
    }
    let entries_digest: [u8; 32] = all.finalize().into();
    let mut seeder = Sha256::new();
    seeder.update(DOMAIN);
    put(&mut seeder, seed.as_bytes());
    seeder.update(entries_digest);
    let mut rng = ChaCha20Rng::from_seed(seeder.finalize().into());
    let n = winners.min(tickets.len());
    for i in 0..n {
        let j = i + below(&mut rng, (tickets.len() - i) as u64) as usize;
        tickets.swap(i, j);
    }
    Outcome {
        entries_digest: hex(&entries_digest),
        tickets: tickets.len(),
        winners: tickets[..n].iter().map(|(_, f)| *f).collect(),
    }
}

/// A uniform number in `0..bound` (bound > 0), without modulo bias.
fn below(rng: &mut ChaCha20Rng, bound: u64) -> u64 {
    // The largest multiple of `bound` that fits: values at or past it are
    // drawn again.
    let zone = u64::MAX - (u64::MAX % bound + 1) % bound;
    loop {
        let v = rng.next_u64();
        if v <= zone {
            return v % bound;
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize) -> Vec<Vec<(String, String)>> {
        (0..n)
            .map(|i| vec![("name".to_owned(), format!("P{i}"))])
            .collect()
    }

    #[test]
    fn the_same_seed_and_entries_draw_the_same_whatever_their_order() {
        let es = entries(20);
        let mut reversed = es.clone();
        reversed.reverse();
        let a = draw("s", &es, "seed", 5);
        let b = draw("s", &reversed, "seed", 5);
        assert_eq!(a, b);
        assert_eq!(a.winners.len(), 5);
        let c = draw("s", &es, "other seed", 5);
        assert_ne!(a.winners, c.winners);
        assert_eq!(a.entries_digest, c.entries_digest);
    }

    #[test]
    fn no_entry_is_drawn_twice_and_duplicates_are_one_ticket() {
        let mut es = entries(6);
        es.extend(entries(6));
        let all = draw("s", &es, "x", 100);
        assert_eq!(all.tickets, 6);
        assert_eq!(all.winners.len(), 6);
        let mut names: Vec<_> = all.winners.iter().map(|f| &f[0].1).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 6);
    }

    /// Pins the rule: a change to it would change past draws.
    #[test]
    fn a_known_draw_stays_the_same() {
        let es = entries(10);
        let o = draw("palvelupiste", &es, "kevät 2026", 3);
        let names: Vec<_> = o.winners.iter().map(|f| f[0].1.as_str()).collect();
        insta::assert_snapshot!(format!("{} {names:?}", o.entries_digest));
    }

    #[test]
    fn every_ticket_wins_about_equally_often() {
        let es = entries(5);
        let mut wins = [0usize; 5];
        for s in 0..2000 {
            let o = draw("s", &es, &s.to_string(), 1);
            let i: usize = o.winners[0][0].1[1..].parse().unwrap();
            wins[i] += 1;
        }
        // 400 expected each; 5 standard deviations is about 90.
        assert!(wins.iter().all(|&w| (310..=490).contains(&w)), "{wins:?}");
    }

    #[test]
    fn the_bound_is_never_reached() {
        let mut rng = ChaCha20Rng::from_seed([7; 32]);
        for bound in [1, 2, 3, 7, u64::MAX / 2 + 1, u64::MAX] {
            for _ in 0..100 {
                assert!(below(&mut rng, bound) < bound);
            }
        }
    }
}
