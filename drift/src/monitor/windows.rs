//! Tumbling windows of event time, and the run of consecutive drifted windows that makes a drift
//! worth an alert.

use std::collections::HashMap;

/// A half-open interval of event time in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

/// Windows of `length` aligned to the epoch that end within `(from, to]`.
pub fn closed_windows(from: i64, to: i64, length: i64) -> Vec<Window> {
    let length = length.max(1);
    let first_end = (from.div_euclid(length) + 1) * length;
    (0..)
        .map(|i| first_end + i * length)
        .take_while(|end| *end <= to)
        .map(|end| Window {
            start: end - length,
            end,
        })
        .collect()
}

/// Consecutive drifted windows per key (a model).
#[derive(Debug, Clone, Default)]
pub struct Streaks {
    runs: HashMap<String, u32>,
}

impl Streaks {
    /// Forgets every key not in `present`: a model with no rows in a window has no run to extend.
    pub fn retain(&mut self, present: &[String]) {
        self.runs.retain(|key, _| present.contains(key));
    }

    /// Records a window's verdict and returns the run it extends (0 when it did not drift).
    pub fn record(&mut self, key: &str, drifted: bool) -> u32 {
        let run = self.runs.entry(key.to_owned()).or_default();
        *run = if drifted { *run + 1 } else { 0 };
        *run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_aligned_and_only_closed_ones_count() {
        let w = closed_windows(1_500, 5_200, 1_000);
        assert_eq!(
            w,
            vec![
                Window {
                    start: 1_000,
                    end: 2_000
                },
                Window {
                    start: 2_000,
                    end: 3_000
                },
                Window {
                    start: 3_000,
                    end: 4_000
                },
                Window {
                    start: 4_000,
                    end: 5_000
                },
            ]
        );
        assert!(closed_windows(5_000, 5_999, 1_000).is_empty());
    }

    #[test]
    fn a_run_breaks_on_a_quiet_window() {
        let mut s = Streaks::default();
        assert_eq!(s.record("a", true), 1);
        assert_eq!(s.record("a", true), 2);
        assert_eq!(s.record("b", true), 1);
        assert_eq!(s.record("a", false), 0);
        assert_eq!(s.record("a", true), 1);
    }

    #[test]
    fn a_model_without_rows_loses_its_run() {
        let mut s = Streaks::default();
        s.record("a", true);
        s.record("b", true);
        s.retain(&["b".to_owned()]);
        assert_eq!(s.record("a", true), 1);
        assert_eq!(s.record("b", true), 2);
    }
}
