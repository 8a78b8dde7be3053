//! `sightline drift baseline create`: pin a stretch of history as the drift reference.

use std::{path::Path, process::ExitCode};

use anyhow::{Context, bail};
use sightline_drift::{
    baseline::{Baseline, FeatureBaseline, file as baseline_file},
    monitor::features::values,
};
use sightline_schemas::Timestamp;

use super::{
    parse_time,
    rows::{Slice, Store},
};
use crate::{Settings, args::BaselineCreateArgs};

/// Reference-quantile bins a baseline keeps per numeric feature.
const BINS: usize = 10;

pub fn create(args: &BaselineCreateArgs, config: Settings<'_>) -> anyhow::Result<ExitCode> {
    let (from, to) = (parse_time(&args.from)?, parse_time(&args.to)?);
    let filter = args
        .filter
        .iter()
        .map(|f| {
            let (column, value) = f
                .split_once('=')
                .with_context(|| format!("--filter {f:?}: expected COLUMN=VALUE"))?;
            Ok((column.to_owned(), value.to_owned()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let baseline =
        sightline_service::runtime()?.block_on(build(config, &args.name, from, to, filter))?;
    let path = save(&config.drift.baselines_dir, &baseline)?;
    eprintln!(
        "baseline {} saved to {}: {} features from {} rows",
        args.name,
        path.display(),
        baseline.features.len(),
        baseline.features.iter().map(|f| f.count).max().unwrap_or(0)
    );
    Ok(ExitCode::SUCCESS)
}

/// The baseline of the `llm_events` rows between `from` and `to` (milliseconds) that match
/// `filter`: every model the filter lets through, pooled, as what "normal" looked like.
pub async fn build(
    config: Settings<'_>,
    name: &str,
    from: i64,
    to: i64,
    filter: Vec<(String, String)>,
) -> anyhow::Result<Baseline> {
    baseline_file(Path::new(""), name).map_err(anyhow::Error::msg)?;
    if from >= to {
        bail!("the baseline's start must be before its end");
    }
    for (column, _) in &filter {
        if ![
            "project",
            "model",
            "model_version",
            "service",
            "environment",
            "provider",
        ]
        .contains(&column.as_str())
        {
            bail!(
                "filter on project, model, model_version, service, environment or provider, not {column:?}"
            );
        }
    }
    let features = config.drift.features()?;
    let store = Store::open(config).await?;
    let slice = Slice {
        from_ms: from,
        to_ms: to,
        conditions: &filter,
    };
    let rows = store.features(&features, &slice).await?;
    anyhow::ensure!(
        rows.num_rows() > 0,
        "no llm_events rows between {} and {} match",
        Timestamp(from),
        Timestamp(to)
    );
    let kept = features
        .iter()
        .filter_map(|f| FeatureBaseline::of(&f.name, &values(f, &rows)?, BINS, 0))
        .collect();
    Ok(Baseline {
        name: name.to_owned(),
        created_at: Timestamp::now().millis(),
        from,
        to,
        filter,
        features: kept,
    })
}

/// Writes `<dir>/<name>.json`.
pub fn save(dir: &Path, baseline: &Baseline) -> anyhow::Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = baseline_file(dir, &baseline.name).map_err(anyhow::Error::msg)?;
    std::fs::write(&path, serde_json::to_vec(baseline)?)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

pub fn load(dir: &Path, name: &str) -> anyhow::Result<Baseline> {
    let path = baseline_file(dir, name).map_err(anyhow::Error::msg)?;
    let text = std::fs::read(&path).with_context(|| {
        format!(
            "no baseline {name:?} in {} (create it with `sightline drift baseline create`)",
            dir.display()
        )
    })?;
    serde_json::from_slice(&text).with_context(|| format!("reading baseline {}", path.display()))
}
