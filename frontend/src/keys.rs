//! The matrix's keys: where a key press moves the focused cell, or whether it
//! opens the pair. Pure, so it is tested on the host; the table applies it.

/// What a key press on a cell does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Focus the cell at (row, column), both positions among those shown.
    To(usize, usize),
    /// Open the focused pair's graph; `add` keeps the pairs already shown.
    Open {
        /// Shift was held.
        add: bool,
    },
}

/// Rows moved by PageUp and PageDown.
pub const PAGE: usize = 10;

/// The move for `key` (a `KeyboardEvent.key`) on the cell at `at` in a table
/// of `size` (rows, columns) shown cells; `None` for keys the table leaves to
/// the browser. Moves stop at the edges.
pub fn on_key(
    key: &str,
    ctrl: bool,
    shift: bool,
    at: (usize, usize),
    size: (usize, usize),
) -> Option<Move> {
    let (r, c) = at;
    let (rows, cols) = size;
    if rows == 0 || cols == 0 {
        return None;
    }
    let (last_r, last_c) = (rows - 1, cols - 1);
    let to = match key {
        "ArrowRight" => (r, c + 1),
        "ArrowLeft" => (r, c.saturating_sub(1)),
        "ArrowDown" => (r + 1, c),
        "ArrowUp" => (r.saturating_sub(1), c),
        "Home" if ctrl => (0, 0),
        "End" if ctrl => (last_r, last_c),
        "Home" => (r, 0),
        "End" => (r, last_c),
        "PageDown" => (r + PAGE, c),
        "PageUp" => (r.saturating_sub(PAGE), c),
        "Enter" | " " => return Some(Move::Open { add: shift }),
        _ => return None,
    };
    Some(Move::To(to.0.min(last_r), to.1.min(last_c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: (usize, usize) = (34, 30);

    fn go(key: &str, at: (usize, usize)) -> Option<Move> {
        on_key(key, false, false, at, SIZE)
    }

    #[test]
    fn arrows_move_one_cell_and_stop_at_the_edges() {
        assert_eq!(go("ArrowRight", (3, 4)), Some(Move::To(3, 5)));
        assert_eq!(go("ArrowLeft", (3, 4)), Some(Move::To(3, 3)));
        assert_eq!(go("ArrowDown", (3, 4)), Some(Move::To(4, 4)));
        assert_eq!(go("ArrowUp", (3, 4)), Some(Move::To(2, 4)));
        assert_eq!(go("ArrowLeft", (3, 0)), Some(Move::To(3, 0)));
        assert_eq!(go("ArrowUp", (0, 4)), Some(Move::To(0, 4)));
        assert_eq!(go("ArrowRight", (3, 29)), Some(Move::To(3, 29)));
        assert_eq!(go("ArrowDown", (33, 4)), Some(Move::To(33, 4)));
    }

    #[test]
    fn home_end_and_pages_jump() {
        assert_eq!(go("Home", (3, 4)), Some(Move::To(3, 0)));
        assert_eq!(go("End", (3, 4)), Some(Move::To(3, 29)));
        assert_eq!(
            on_key("Home", true, false, (3, 4), SIZE),
            Some(Move::To(0, 0))
        );
        assert_eq!(
            on_key("End", true, false, (3, 4), SIZE),
            Some(Move::To(33, 29))
        );
        assert_eq!(go("PageDown", (3, 4)), Some(Move::To(13, 4)));
        assert_eq!(go("PageDown", (30, 4)), Some(Move::To(33, 4)));
        assert_eq!(go("PageUp", (13, 4)), Some(Move::To(3, 4)));
        assert_eq!(go("PageUp", (3, 4)), Some(Move::To(0, 4)));
    }

    #[test]
    fn enter_and_space_open_shift_adds_other_keys_pass() {
        assert_eq!(go("Enter", (1, 1)), Some(Move::Open { add: false }));
        assert_eq!(go(" ", (1, 1)), Some(Move::Open { add: false }));
        assert_eq!(
            on_key("Enter", false, true, (1, 1), SIZE),
            Some(Move::Open { add: true })
        );
        assert_eq!(go("Tab", (1, 1)), None);
        assert_eq!(go("a", (1, 1)), None);
        assert_eq!(
            on_key("ArrowDown", false, false, (0, 0), (0, 0)),
            None,
            "an empty table"
        );
    }

    #[test]
    fn a_cell_left_outside_a_shrunk_table_comes_back_inside() {
        assert_eq!(
            on_key("ArrowRight", false, false, (40, 40), (2, 3)),
            Some(Move::To(1, 2))
        );
    }
}
