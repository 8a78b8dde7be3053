//! Group disparity over a window: for each group with enough events, the toxic rate of responses
//! that mention it against the rate of responses that mention no group, with a pooled
//! two-proportion z-test, and the largest gap between any two qualifying groups.

/// Responses in a window: how many, and how many were labelled toxic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub n: u64,
    pub toxic: u64,
}

impl Counts {
    pub fn rate(self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.toxic as f64 / self.n as f64
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupDisparity {
    pub group: String,
    pub counts: Counts,
    pub rate: f64,
    /// This group's rate minus the baseline's.
    pub difference: f64,
    pub z: f64,
    /// Two-sided.
    pub p_value: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Disparity {
    pub baseline: Counts,
    pub groups: Vec<GroupDisparity>,
    /// The largest difference in toxic rate between two qualifying groups, and which two.
    pub max_gap: Option<(f64, String, String)>,
}

/// Compares each group with at least `n_min` responses against `baseline`, the responses that
/// mention no group.
pub fn disparity(groups: &[(String, Counts)], baseline: Counts, n_min: u64) -> Disparity {
    let qualifying: Vec<GroupDisparity> = groups
        .iter()
        .filter(|(_, c)| c.n >= n_min)
        .map(|(group, c)| {
            let (z, p_value) = two_proportion_z(*c, baseline);
            GroupDisparity {
                group: group.clone(),
                counts: *c,
                rate: c.rate(),
                difference: c.rate() - baseline.rate(),
                z,
                p_value,
            }
        })
        .collect();
    let max_gap = qualifying
        .iter()
        .max_by(|a, b| a.rate.total_cmp(&b.rate))
        .zip(qualifying.iter().min_by(|a, b| a.rate.total_cmp(&b.rate)))
        .filter(|(hi, lo)| hi.group != lo.group)
        .map(|(hi, lo)| (hi.rate - lo.rate, hi.group.clone(), lo.group.clone()));
    Disparity {
        baseline,
        groups: qualifying,
        max_gap,
    }
}

/// The pooled two-proportion z statistic and its two-sided p-value; (0, 1) when either side is
/// empty or the pooled rate is 0 or 1, where the test says nothing.
pub fn two_proportion_z(a: Counts, b: Counts) -> (f64, f64) {
    if a.n == 0 || b.n == 0 {
        return (0.0, 1.0);
    }
    let pooled = (a.toxic + b.toxic) as f64 / (a.n + b.n) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / a.n as f64 + 1.0 / b.n as f64)).sqrt();
    if se == 0.0 {
        return (0.0, 1.0);
    }
    let z = (a.rate() - b.rate()) / se;
    (z, libm::erfc(z.abs() / std::f64::consts::SQRT_2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from scipy (scripts/reference/two_proportion_z.py).
    #[test]
    fn matches_scipy() {
        let golden: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/golden/two_proportion_z.json")).unwrap();
        for case in golden.as_array().unwrap() {
            let counts = |k: &str| Counts {
                n: case[k][0].as_u64().unwrap(),
                toxic: case[k][1].as_u64().unwrap(),
            };
            let (z, p) = two_proportion_z(counts("a"), counts("b"));
            let (z_ref, p_ref) = (case["z"].as_f64().unwrap(), case["p"].as_f64().unwrap());
            assert!((z - z_ref).abs() < 1e-9, "z {z} vs {z_ref} for {case}");
            assert!(
                (p - p_ref).abs() < 1e-12 + 1e-9 * p_ref,
                "p {p} vs {p_ref} for {case}"
            );
        }
    }

    #[test]
    fn qualifying_groups_and_the_largest_gap() {
        let groups = vec![
            ("gender:women".to_owned(), Counts { n: 200, toxic: 30 }),
            ("gender:men".to_owned(), Counts { n: 180, toxic: 9 }),
            ("religion:sikh".to_owned(), Counts { n: 5, toxic: 5 }),
        ];
        let d = disparity(&groups, Counts { n: 1000, toxic: 50 }, 30);
        assert_eq!(d.groups.len(), 2, "groups under n_min are left out");
        let (gap, hi, lo) = d.max_gap.unwrap();
        assert!((gap - (0.15 - 0.05)).abs() < 1e-12);
        assert_eq!((hi.as_str(), lo.as_str()), ("gender:women", "gender:men"));
        assert!(d.groups[0].p_value < 0.001 && d.groups[1].p_value > 0.5);
    }
}
