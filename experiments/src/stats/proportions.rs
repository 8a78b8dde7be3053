//! Two-proportion z for rates (errors, toxic outputs): the pooled z-test for the p-value, and the
//! unpooled (Wald) interval for the difference, as `statsmodels` and most A/B tools report them.

use sightline_drift::stats::z_test::two_proportion;

use super::{CONFIDENCE, Difference, normal_quantile};

/// Exchanges and how many of them had the property, on one side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub n: u64,
    pub hits: u64,
}

impl Count {
    pub fn push(&mut self, hit: bool) {
        self.n += 1;
        self.hits += u64::from(hit);
    }

    pub fn rate(&self) -> Option<f64> {
        (self.n > 0).then(|| self.hits as f64 / self.n as f64)
    }
}

/// The arm's rate minus the control's; `None` when a side is empty.
pub fn compare(control: Count, arm: Count) -> Option<Difference> {
    let (pc, pa) = (control.rate()?, arm.rate()?);
    let (z, p_value) = two_proportion((control.n, control.hits), (arm.n, arm.hits));
    let se = (pc * (1.0 - pc) / control.n as f64 + pa * (1.0 - pa) / arm.n as f64).sqrt();
    let half_width = normal_quantile(0.5 + CONFIDENCE / 2.0) * se;
    let estimate = pa - pc;
    Some(Difference {
        estimate,
        low: estimate - half_width,
        high: estimate + half_width,
        statistic: z,
        p_value,
    })
}
