//! Histogram bins shared by PSI and Jensen–Shannon: reference quantiles for numbers, the
//! reference's categories plus an "unseen" bucket for categories.

use std::collections::HashMap;

use crate::sample::Sorted;

/// Inner edges at reference quantiles; the outer bins are open, so every value has a bin. A
/// value equal to an edge falls in the bin above it, as with numpy's `searchsorted(side='right')`.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileBins {
    edges: Vec<f64>,
}

impl QuantileBins {
    /// `bins` equal-mass bins of the reference; tied quantiles merge, so there may be fewer.
    pub fn of(reference: &Sorted, bins: usize) -> Self {
        let mut edges: Vec<f64> = (1..bins.max(1))
            .map(|i| reference.quantile(i as f64 / bins as f64))
            .collect();
        edges.dedup();
        Self { edges }
    }

    /// Bins kept from earlier (a baseline's).
    pub fn from_edges(edges: Vec<f64>) -> Self {
        Self { edges }
    }

    pub fn edges(&self) -> &[f64] {
        &self.edges
    }

    pub fn counts(&self, sample: &Sorted) -> Vec<u64> {
        let mut below = 0;
        let mut counts: Vec<u64> = self
            .edges
            .iter()
            .map(|&edge| {
                let under = sample.count_below(edge);
                let n = under - below;
                below = under;
                n as u64
            })
            .collect();
        counts.push((sample.len() - below) as u64);
        counts
    }
}

/// Counts of each category in a reference and a current sample, over the same buckets: the
/// reference's categories in first-seen order, then one bucket for every category the reference
/// never had.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryCounts {
    pub categories: Vec<String>,
    pub reference: Vec<u64>,
    pub current: Vec<u64>,
    /// Current values outside the reference's categories.
    pub unseen: u64,
}

impl CategoryCounts {
    pub fn of<S: AsRef<str>>(reference: &[S], current: &[S]) -> Self {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut categories = Vec::new();
        let mut reference_counts = Vec::new();
        for value in reference {
            let value = value.as_ref();
            let i = *index.entry(value).or_insert_with(|| {
                categories.push(value.to_owned());
                reference_counts.push(0);
                categories.len() - 1
            });
            reference_counts[i] += 1;
        }
        Self::against(&categories, &reference_counts, current)
    }

    /// Current counts over a reference histogram kept from earlier (a baseline's).
    pub fn against<S: AsRef<str>>(categories: &[String], reference: &[u64], current: &[S]) -> Self {
        let index: HashMap<&str, usize> = categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let mut current_counts = vec![0; categories.len()];
        let mut unseen = 0;
        for value in current {
            match index.get(value.as_ref()) {
                Some(&i) => current_counts[i] += 1,
                None => unseen += 1,
            }
        }
        Self {
            categories: categories.to_vec(),
            reference: reference.to_vec(),
            current: current_counts,
            unseen,
        }
    }

    /// Both histograms with the unseen bucket last (zero in the reference by construction).
    pub fn with_unseen(&self) -> (Vec<u64>, Vec<u64>) {
        let mut reference = self.reference.clone();
        let mut current = self.current.clone();
        reference.push(0);
        current.push(self.unseen);
        (reference, current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_on_an_edge_go_up_and_outer_bins_are_open() {
        let reference = Sorted::new((1..=10).map(f64::from).collect());
        let bins = QuantileBins::of(&reference, 2);
        assert_eq!(bins.edges(), &[5.5]);
        let current = Sorted::new(vec![-100.0, 5.5, 5.4, 100.0]);
        assert_eq!(bins.counts(&current), vec![2, 2]);
    }

    #[test]
    fn tied_quantiles_merge() {
        let reference = Sorted::new(vec![1.0; 50].into_iter().chain([2.0, 3.0]).collect());
        assert_eq!(QuantileBins::of(&reference, 10).edges(), &[1.0]);
    }

    #[test]
    fn categories_the_reference_never_had_share_one_bucket() {
        let counts = CategoryCounts::of(&["a", "b", "a"], &["b", "c", "d", "a"]);
        assert_eq!(counts.categories, vec!["a", "b"]);
        assert_eq!(counts.with_unseen(), (vec![2, 1, 0], vec![1, 1, 2]));
    }
}
