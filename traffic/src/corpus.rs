//! Offensive texts for synthetic traffic, read from the Davidson et al. (2017) data set.
//!
//! The texts are only ever placed in events; they are never printed.

use std::path::Path;

use anyhow::{Context, bail};

/// Tweets labelled hate speech (class 0) or offensive (class 1).
pub fn load_offensive(path: &Path) -> anyhow::Result<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).with_context(|| {
        format!(
            "cannot open the toxic-text corpus {}; pass --toxic-corpus PATH (the Davidson labeled_data.csv) or --toxic-share 0",
            path.display()
        )
    })?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .with_context(|| format!("{}: no {name:?} column", path.display()))
    };
    let (class, tweet) = (column("class")?, column("tweet")?);
    let mut texts = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("reading {}", path.display()))?;
        if matches!(record.get(class), Some("0" | "1")) {
            texts.extend(record.get(tweet).map(str::to_owned));
        }
    }
    if texts.is_empty() {
        bail!("{} holds no rows of class 0 or 1", path.display());
    }
    Ok(texts)
}
