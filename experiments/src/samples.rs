//! Each arm's values, as the tests take them: counts for rates, sums for means, and histograms
//! of distinct values for the rank tests.

use crate::stats::{histogram::Histogram, proportions::Count, welch::Moments};

/// The rank tests see latency to 0.1 ms and cost to a micro-dollar: finer than any difference worth
/// acting on, and few enough distinct values that an arm of millions of exchanges stays a few
/// thousand rows.
pub const LATENCY_STEPS_PER_MS: f64 = 10.0;
pub const COST_STEPS_PER_USD: f64 = 1e6;

/// One arm's values. Latency counts answered exchanges only: a failed call's time says how fast
/// it failed, not how fast the model is.
#[derive(Debug, Clone, Default)]
pub struct ArmSamples {
    pub exchanges: u64,
    pub errors: Count,
    pub latency_ms: Histogram,
    pub cost_usd: Histogram,
    /// Exact, unlike the histogram.
    pub cost_moments: Moments,
    pub toxic: Count,
    /// Each rated exchange's mean rating.
    pub feedback: Moments,
}
