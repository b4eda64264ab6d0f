//! Mean, median, NPS, top-2-box and Wilson intervals: the arithmetic of tallies.
