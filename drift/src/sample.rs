//! Numeric samples sorted once and shared by every test that needs order statistics.

/// Finite values in ascending order; NaN and infinities are dropped on construction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sorted {
    values: Vec<f64>,
}

impl Sorted {
    pub fn new(mut values: Vec<f64>) -> Self {
        values.retain(|v| v.is_finite());
        radix_sort(&mut values);
        Self { values }
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// How many values are `< x`.
    pub fn count_below(&self, x: f64) -> usize {
        self.values.partition_point(|v| *v < x)
    }

    /// The q-quantile with linear interpolation between order statistics (numpy's default).
    pub fn quantile(&self, q: f64) -> f64 {
        let n = self.values.len();
        if n == 0 {
            return f64::NAN;
        }
        let position = q.clamp(0.0, 1.0) * (n - 1) as f64;
        let lower = position.floor() as usize;
        let upper = (lower + 1).min(n - 1);
        lerp(
            self.values[lower],
            self.values[upper],
            position - lower as f64,
        )
    }
}

/// numpy's `_lerp`: the form chosen by the side of 0.5 keeps the ends exact.
pub(crate) fn lerp(a: f64, b: f64, fraction: f64) -> f64 {
    if fraction >= 0.5 {
        b - (b - a) * (1.0 - fraction)
    } else {
        a + (b - a) * fraction
    }
}

/// Maps an f64 to a u64 whose unsigned order is the float's total order.
fn key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

fn from_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Bits per radix digit: 2,048 buckets keep every pass's write streams within the L2 cache,
/// where 16-bit digits would scatter across 65,536 of them and run several times slower.
const DIGIT_BITS: u32 = 11;
const PASSES: usize = 64_usize.div_ceil(DIGIT_BITS as usize);
const BUCKETS: usize = 1 << DIGIT_BITS;

/// LSD radix sort: one read pass counts every digit, then one scatter pass per digit. On a
/// million values this is several times faster than a comparison sort, and sorting is most of a
/// numeric drift check's time.
fn radix_sort(values: &mut [f64]) {
    if values.len() < 256 {
        values.sort_unstable_by(f64::total_cmp);
        return;
    }
    let digit = |k: u64, pass: usize| ((k >> (pass as u32 * DIGIT_BITS)) as usize) & (BUCKETS - 1);
    let mut keys: Vec<u64> = values.iter().map(|&v| key(v)).collect();
    let mut counts = vec![[0usize; BUCKETS]; PASSES];
    for &k in &keys {
        for (pass, count) in counts.iter_mut().enumerate() {
            count[digit(k, pass)] += 1;
        }
    }
    let mut scratch = vec![0u64; keys.len()];
    for (pass, count) in counts.iter_mut().enumerate() {
        // A digit every key shares cannot reorder anything.
        if count.contains(&keys.len()) {
            continue;
        }
        let mut offset = 0;
        for c in count.iter_mut() {
            let here = *c;
            *c = offset;
            offset += here;
        }
        for &k in &keys {
            let d = digit(k, pass);
            scratch[count[d]] = k;
            count[d] += 1;
        }
        std::mem::swap(&mut keys, &mut scratch);
    }
    for (v, k) in values.iter_mut().zip(keys) {
        *v = from_key(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_like_a_comparison_sort(mut values in proptest::collection::vec(-1e12f64..1e12, 0..2000)) {
            values.extend([0.0, -0.0, 1e-300, -1e-300]);
            let sorted = Sorted::new(values.clone());
            values.sort_by(f64::total_cmp);
            prop_assert_eq!(sorted.values(), &values[..]);
        }
    }

    #[test]
    fn drops_non_finite_values() {
        let sorted = Sorted::new(vec![2.0, f64::NAN, f64::INFINITY, 1.0, f64::NEG_INFINITY]);
        assert_eq!(sorted.values(), &[1.0, 2.0]);
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let sorted = Sorted::new(vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(sorted.quantile(0.0), 1.0);
        assert_eq!(sorted.quantile(1.0), 4.0);
        assert!((sorted.quantile(0.5) - 2.5).abs() < 1e-15);
        assert!((sorted.quantile(0.1) - 1.3).abs() < 1e-15);
    }
}
