//! Welch's t for means (cost per exchange, feedback score): scipy's
//! `ttest_ind(arm, control, equal_var=False)`, its Welch–Satterthwaite degrees of freedom and its
//! `confidence_interval(0.95)`.

use sightline_drift::stats::special::student_t_sf;

use super::{CONFIDENCE, Difference, t_quantile};

/// Count, sum and sum of squares: what a store's `count`, `sum` and `sum(x * x)` return.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub n: u64,
    pub sum: f64,
    pub sum_squares: f64,
}

impl Moments {
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum_squares += x * x;
    }

    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }

    /// The sample variance (n − 1 in the denominator). Equal values leave only rounding error in
    /// the subtraction, which must read as none.
    pub fn variance(&self) -> f64 {
        let n = self.n as f64;
        let deviations = self.sum_squares - self.sum * self.sum / n;
        if deviations <= self.sum_squares * 1e-13 {
            0.0
        } else {
            deviations / (n - 1.0)
        }
    }
}

impl FromIterator<f64> for Moments {
    fn from_iter<I: IntoIterator<Item = f64>>(values: I) -> Self {
        let mut moments = Self::default();
        values.into_iter().for_each(|x| moments.push(x));
        moments
    }
}

/// The arm's mean minus the control's; `None` with fewer than two values on a side, or none of
/// them different.
pub fn compare(control: &Moments, arm: &Moments) -> Option<Difference> {
    if control.n < 2 || arm.n < 2 {
        return None;
    }
    let (vc, va) = (
        control.variance() / control.n as f64,
        arm.variance() / arm.n as f64,
    );
    let se = (vc + va).sqrt();
    if se == 0.0 {
        return None;
    }
    let dof =
        (vc + va).powi(2) / (vc * vc / (control.n as f64 - 1.0) + va * va / (arm.n as f64 - 1.0));
    let estimate = (arm.sum / arm.n as f64) - (control.sum / control.n as f64);
    let t = estimate / se;
    let half_width = t_quantile(0.5 + CONFIDENCE / 2.0, dof) * se;
    Some(Difference {
        estimate,
        low: estimate - half_width,
        high: estimate + half_width,
        statistic: t,
        p_value: 2.0 * student_t_sf(t.abs(), dof),
    })
}
