//! Statistical drift tests, windows and baselines, and drift reports.
