//! Which of the grouped rows are on screen. Pure: the view reports how
//! many rows there were and how many fit ([`Scroll::seen`]); keys move
//! the window from there.

use std::ops::Range;

/// The window over the rows: pinned to the newest (the end) until the
/// clerk scrolls up, as periods run oldest first and the newest change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scroll {
    /// The first row shown; `None` keeps the last rows in view.
    top: Option<usize>,
    /// Rows and rows that fit, as last drawn.
    total: usize,
    room: usize,
}

/// A move of the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// The mouse wheel: a few rows at a time.
    WheelUp,
    WheelDown,
}

const WHEEL_ROWS: usize = 3;

impl Scroll {
    /// The rows shown of `total` when `room` fit.
    pub fn window(&self, total: usize, room: usize) -> Range<usize> {
        if total <= room {
            return 0..total;
        }
        let last_top = total - room;
        let top = self.top.map_or(last_top, |t| t.min(last_top));
        top..top + room
    }

    /// What the last frame drew: `total` rows, `room` of them fit.
    pub fn seen(&mut self, total: usize, room: usize) {
        self.total = total;
        self.room = room;
        let w = self.window(total, room);
        if self.top.is_some() && w.end >= total {
            // Scrolled to the end: follow the newest again.
            self.top = None;
        } else if self.top.is_some() {
            self.top = Some(w.start);
        }
    }

    pub fn apply(&mut self, m: Move) {
        let w = self.window(self.total, self.room);
        let page = self.room.max(1);
        let top = match m {
            Move::Top => 0,
            Move::Bottom => usize::MAX,
            Move::Up => w.start.saturating_sub(1),
            Move::Down => w.start.saturating_add(1),
            Move::WheelUp => w.start.saturating_sub(WHEEL_ROWS),
            Move::WheelDown => w.start.saturating_add(WHEEL_ROWS),
            Move::PageUp => w.start.saturating_sub(page),
            Move::PageDown => w.start.saturating_add(page),
        };
        let last_top = self.total.saturating_sub(self.room);
        self.top = (top < last_top).then_some(top);
    }

    /// Starts over at the newest rows (another grouping, another question).
    pub fn reset(&mut self) {
        self.top = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(total: usize, room: usize) -> Scroll {
        let mut s = Scroll::default();
        s.seen(total, room);
        s
    }

    #[test]
    fn rows_that_fit_are_all_shown() {
        let mut s = seen(5, 10);
        assert_eq!(s.window(5, 10), 0..5);
        for m in [Move::Up, Move::PageUp, Move::Top, Move::Down] {
            s.apply(m);
            assert_eq!(s.window(5, 10), 0..5, "{m:?}");
        }
    }

    #[test]
    fn the_newest_rows_show_first_and_home_reaches_the_first() {
        let mut s = seen(595, 10);
        assert_eq!(s.window(595, 10), 585..595);
        s.apply(Move::Top);
        assert_eq!(s.window(595, 10), 0..10);
        s.apply(Move::Bottom);
        assert_eq!(s.window(595, 10), 585..595);
    }

    #[test]
    fn arrows_move_a_row_and_pages_a_screen_clamped_at_both_ends() {
        let mut s = seen(30, 10);
        s.apply(Move::Up);
        assert_eq!(s.window(30, 10), 19..29);
        s.apply(Move::PageUp);
        assert_eq!(s.window(30, 10), 9..19);
        s.apply(Move::PageUp);
        assert_eq!(s.window(30, 10), 0..10);
        s.apply(Move::Up);
        assert_eq!(s.window(30, 10), 0..10);
        s.apply(Move::Down);
        assert_eq!(s.window(30, 10), 1..11);
        s.apply(Move::WheelDown);
        assert_eq!(s.window(30, 10), 4..14);
        s.apply(Move::PageDown);
        s.apply(Move::PageDown);
        assert_eq!(s.window(30, 10), 20..30);
        s.apply(Move::Down);
        assert_eq!(s.window(30, 10), 20..30);
    }

    #[test]
    fn at_the_end_it_follows_new_rows() {
        let mut s = seen(30, 10);
        s.apply(Move::Up);
        s.apply(Move::Down);
        s.seen(31, 10);
        assert_eq!(s.window(31, 10), 21..31);
        // Scrolled up, it stays where it was as rows come.
        s.apply(Move::PageUp);
        s.seen(32, 10);
        assert_eq!(s.window(32, 10), 11..21);
    }

    #[test]
    fn a_taller_screen_keeps_the_window_in_range() {
        let mut s = seen(30, 10);
        s.apply(Move::Top);
        s.apply(Move::PageDown);
        s.seen(30, 25);
        assert_eq!(s.window(30, 25), 5..30);
        s.seen(30, 40);
        assert_eq!(s.window(30, 40), 0..30);
    }
}
