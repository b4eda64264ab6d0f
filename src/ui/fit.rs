//! Row labels cut to a column without losing what tells them apart.
//!
//! Cutting the end of every label, as `truncate_to_width` does, turns
//! "Pysynyt ennallaan · 2024" and "Pysynyt ennallaan · 2025" into the same
//! "Pysynyt ennallaa…". Here the part the labels share is what gets cut.

use unicode_segmentation::UnicodeSegmentation;

use crate::core::sanitize::{truncate_to_width, width};

/// Each of `labels` in at most `max` columns. A label that fits stays as
/// it is; a longer one keeps the columns where it differs from the others
/// (where the labels begin to differ, after the prefix they share) and an
/// ellipsis stands for what was cut.
pub fn fit_labels(labels: &[String], max: usize) -> Vec<String> {
    let shared = shared_prefix(labels);
    labels.iter().map(|l| fit_one(l, shared, max)).collect()
}

/// One label in `max` columns, given how many graphemes of its start it
/// shares with the others.
fn fit_one(label: &str, shared: usize, max: usize) -> String {
    if width(label) <= max {
        return label.to_owned();
    }
    if shared == 0 || max < 2 {
        return truncate_to_width(label, max);
    }
    let graphemes: Vec<&str> = label.graphemes(true).collect();
    // The differing part and what follows it, after a leading ellipsis.
    let tail: String = graphemes[shared.min(graphemes.len())..].concat();
    if width(&tail) + 1 > max {
        return format!("…{}", truncate_to_width(&tail, max - 1));
    }
    // Room left: show as much of the shared part's end as fits.
    let mut start = shared;
    while start > 0 && width(&graphemes[start - 1..].concat()) < max {
        start -= 1;
    }
    format!("…{}", graphemes[start..].concat())
}

/// How many graphemes every label begins with in common (none for fewer
/// than two distinct labels).
fn shared_prefix(labels: &[String]) -> usize {
    let mut distinct = labels.iter();
    let Some(first) = distinct.next() else {
        return 0;
    };
    let first: Vec<&str> = first.graphemes(true).collect();
    let mut n = first.len();
    let mut other = false;
    for l in distinct {
        if l.graphemes(true).collect::<Vec<_>>() == first {
            continue;
        }
        other = true;
        n = n.min(
            l.graphemes(true)
                .zip(&first)
                .take_while(|(a, b)| a == *b)
                .count(),
        );
    }
    if other { n } else { 0 }
}

/// A two-part label, `head · tail`, in `max` columns: the tail (a period,
/// short and telling rows apart) stays whole, the head gives way first.
/// `heads` are every row's heads, so the head is cut where they differ.
pub fn fit_pair(head: &str, heads: &[String], tail: &str, max: usize) -> String {
    let whole = format!("{head} · {tail}");
    if width(&whole) <= max {
        return whole;
    }
    let tail_w = width(tail) + 3;
    if tail_w >= max {
        // Only the tail fits, and maybe not all of it: keep its end.
        let graphemes: Vec<&str> = tail.graphemes(true).collect();
        let mut start = graphemes.len();
        while start > 0 && width(&graphemes[start - 1..].concat()) < max {
            start -= 1;
        }
        return format!("…{}", graphemes[start..].concat());
    }
    let shared = shared_prefix(heads);
    format!("{} · {tail}", fit_one(head, shared, max - tail_w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn labels_that_fit_stay_as_they_are() {
        let l = owned(&["Kyllä", "Ei"]);
        assert_eq!(fit_labels(&l, 10), l);
    }

    #[test]
    fn labels_that_differ_at_the_start_lose_their_end() {
        let l = owned(&["Kallio health centre", "Malmi health centre"]);
        assert_eq!(fit_labels(&l, 10), owned(&["Kallio he…", "Malmi hea…"]));
    }

    #[test]
    fn labels_that_differ_at_the_end_keep_it() {
        let l = owned(&["Pysynyt ennallaan 2024", "Pysynyt ennallaan 2025"]);
        let fitted = fit_labels(&l, 10);
        assert_eq!(fitted, owned(&["…laan 2024", "…laan 2025"]));
        assert!(fitted.iter().all(|f| width(f) <= 10), "{fitted:?}");
        assert_ne!(fitted[0], fitted[1]);
    }

    #[test]
    fn a_long_difference_in_the_middle_starts_where_they_differ() {
        let l = owned(&[
            "Asiakaspalvelu Kallion terveysasema",
            "Asiakaspalvelu Malmin terveysasema",
        ]);
        let fitted = fit_labels(&l, 12);
        assert_eq!(fitted, owned(&["…Kallion te…", "…Malmin ter…"]));
    }

    #[test]
    fn a_pair_keeps_its_tail_whole() {
        let heads = owned(&["Pysynyt ennallaan", "Parantunut", "(all)"]);
        let f = fit_pair("Pysynyt ennallaan", &heads, "(all)", 23);
        assert_eq!(f, "Pysynyt ennall… · (all)");
        assert!(width(&f) <= 23);
        assert_eq!(fit_pair("Ei", &heads, "2025-W23", 23), "Ei · 2025-W23");
        assert_eq!(fit_pair("Pysynyt", &heads, "2025-06-15", 8), "…5-06-15");
        for max in 0..30 {
            assert!(width(&fit_pair("Pysynyt ennallaan", &heads, "2025-06-15", max)) <= max.max(1));
        }
    }

    #[test]
    fn wide_characters_count_as_two_columns() {
        let l = owned(&["日本語の長いラベル一", "日本語の長いラベル二"]);
        for max in 2..20 {
            for f in fit_labels(&l, max) {
                assert!(width(&f) <= max, "{f:?} in {max}");
            }
        }
    }
}
