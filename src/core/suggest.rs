//! "Did you mean …?" for misspelt keys, types, ids and options.

/// The candidate closest to `name`, if one is close enough to be a likely
/// typo (Jaro-Winkler similarity of at least 0.8, as cargo and clap use).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|&(score, c)| score >= 0.8 && c != name)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn finds_typos_and_ignores_strangers() {
        assert_eq!(closest("tittle", ["id", "title", "thanks"]), Some("title"));
        assert_eq!(closest("ratign", ["rating", "ranking"]), Some("rating"));
        assert_eq!(closest("zzz", ["id", "title"]), None);
    }
}
