//! Experiments: two or more arms of traffic, split by model version, model or an attribute,
//! compared with the control metric by metric. Latency and cost get Mann–Whitney U, means Welch's
//! t, rates the two-proportion z; every number is checked against scipy in `tests/`.

pub mod arms;
pub mod query;
pub mod report;
pub mod samples;
pub mod stats;

pub use arms::{Split, parse_arms};
pub use query::{LoadError, Scope, load};
pub use report::{Report, build};

/// The relative change the sample sizes are for, unless asked otherwise: 10 %.
pub const DEFAULT_MINIMUM_DETECTABLE_EFFECT: f64 = 0.1;

/// The experiment over `store`'s exchanges in `scope`.
pub async fn compare<S: sightline_schemas::Store>(
    store: &S,
    scope: &Scope,
    minimum_detectable_effect: f64,
) -> Result<Report, LoadError> {
    let arms = load(store, scope).await?;
    Ok(build(
        &scope.split.to_string(),
        &arms,
        minimum_detectable_effect,
    ))
}
