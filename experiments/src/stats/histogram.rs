//! A sample as its distinct values and how often each occurs: what a store's `GROUP BY value`
//! returns, so an arm of millions of exchanges costs only as many rows as it has distinct values.

use std::collections::BTreeMap;

use super::welch::Moments;

/// Distinct values, ascending, each with its count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    values: Vec<(f64, u64)>,
    total: u64,
}

impl Histogram {
    pub fn values(&self) -> &[(f64, u64)] {
        &self.values
    }

    /// How many values there are, counting repeats.
    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The `q` quantile, interpolated linearly between neighbours as numpy's default does on the
    /// sample written out value by value.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let last = self.total.checked_sub(1)?;
        let h = last as f64 * q;
        let below = h.floor() as u64;
        let (lower, upper) = (self.nth(below), self.nth((below + 1).min(last)));
        Some(lower + (h - below as f64) * (upper - lower))
    }

    /// Count, sum and sum of squares, each value weighted by its count.
    pub fn moments(&self) -> Moments {
        let mut m = Moments {
            n: self.total,
            ..Moments::default()
        };
        for &(value, count) in &self.values {
            m.sum += value * count as f64;
            m.sum_squares += value * value * count as f64;
        }
        m
    }

    /// The value at 0-based position `index` of the sorted sample.
    fn nth(&self, index: u64) -> f64 {
        let mut seen = 0;
        for &(value, count) in &self.values {
            seen += count;
            if index < seen {
                return value;
            }
        }
        self.values.last().map_or(f64::NAN, |v| v.0)
    }
}

/// Gathers (value, count) pairs in any order; equal values merge.
#[derive(Debug, Clone, Default)]
pub struct HistogramBuilder(BTreeMap<u64, u64>);

impl HistogramBuilder {
    /// Adds `count` occurrences of a finite `value`; others are skipped.
    pub fn add(&mut self, value: f64, count: u64) {
        if value.is_finite() && count > 0 {
            // -0.0 and 0.0 are one value.
            *self.0.entry(order_key(value + 0.0)).or_default() += count;
        }
    }

    pub fn finish(self) -> Histogram {
        let values: Vec<(f64, u64)> = self
            .0
            .into_iter()
            .map(|(key, count)| (from_order_key(key), count))
            .collect();
        Histogram {
            total: values.iter().map(|v| v.1).sum(),
            values,
        }
    }
}

impl FromIterator<f64> for Histogram {
    fn from_iter<I: IntoIterator<Item = f64>>(values: I) -> Self {
        let mut builder = HistogramBuilder::default();
        values.into_iter().for_each(|v| builder.add(v, 1));
        builder.finish()
    }
}

/// A u64 whose order is the doubles' numeric order (for finite values).
pub fn order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

pub fn from_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_key_keeps_numeric_order() {
        let values = [-1e300, -2.5, -0.0, 0.0, 1e-300, 3.0, 1e300];
        for pair in values.windows(2) {
            assert!(order_key(pair[0]) <= order_key(pair[1]), "{pair:?}");
            assert_eq!(from_order_key(order_key(pair[0])), pair[0]);
        }
    }

    #[test]
    fn quantiles_are_those_of_the_written_out_sample() {
        let h: Histogram = [4.0, 1.0, 4.0, 2.0, 4.0, 9.0].into_iter().collect();
        assert_eq!(h.values(), [(1.0, 1), (2.0, 1), (4.0, 3), (9.0, 1)]);
        // numpy.percentile([1, 2, 4, 4, 4, 9], [0, 50, 95, 100])
        assert_eq!(h.quantile(0.0), Some(1.0));
        assert_eq!(h.quantile(0.5), Some(4.0));
        assert!((h.quantile(0.95).unwrap() - 7.75).abs() < 1e-12);
        assert_eq!(h.quantile(1.0), Some(9.0));
        assert_eq!(Histogram::default().quantile(0.5), None);
    }
}
