//! `sightline drift compare`: offline drift between two files, column by column.

use std::{
    fs::File,
    io::BufReader,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
};

use anyhow::{Context, bail};
use arrow::{array::RecordBatch, compute::concat_batches, datatypes::SchemaRef};
use clap::Args;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Serialize;
use sightline_drift::{
    Choice, CompareConfig, FeatureReport, Test, Values, dataset_drift, from_arrow,
};

/// The `--json` document; its shape is stable and described in the README.
#[derive(Debug, Serialize)]
struct Document {
    columns: Vec<ColumnReport>,
    share_drifted: f64,
    dataset_drifted: bool,
}

#[derive(Debug, Serialize)]
struct ColumnReport {
    column: String,
    #[serde(flatten)]
    report: FeatureReport,
}

#[derive(Debug, Args)]
pub struct DriftCompareArgs {
    /// The data the model was validated on.
    #[arg(long, value_name = "FILE")]
    pub reference: PathBuf,
    /// The data to check.
    #[arg(long, value_name = "FILE")]
    pub current: PathBuf,
    /// Columns to compare, comma-separated [default: every column both files have].
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub columns: Vec<String>,
    /// `auto` (by column type and reference size, PSI beside), `all` (every test that applies),
    /// or tests by name, comma-separated: ks, psi, wasserstein, jensenshannon, chisquare, ztest, mmd,
    /// domain_classifier.
    #[arg(long, default_value = "auto", value_name = "TEST")]
    pub test: String,
    /// A test's threshold instead of its default, as TEST=VALUE; repeatable.
    #[arg(long, value_name = "TEST=VALUE")]
    pub threshold: Vec<String>,
    /// Share of drifted columns at which the data set as a whole has drifted.
    #[arg(long, default_value_t = 0.5, value_name = "F")]
    pub share: f64,
    /// Write the stable JSON document to stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &DriftCompareArgs) -> anyhow::Result<ExitCode> {
    let choice = parse_choice(&args.test)?;
    let mut config = CompareConfig::default();
    for setting in &args.threshold {
        let (test, value) = setting
            .split_once('=')
            .with_context(|| format!("--threshold {setting:?}: expected TEST=VALUE"))?;
        let test: Test = test.parse().map_err(anyhow::Error::msg)?;
        let value: f64 = value
            .parse()
            .with_context(|| format!("--threshold {setting:?}: {value:?} is not a number"))?;
        config.thresholds.push((test, value));
    }
    if !(0.0..=1.0).contains(&args.share) {
        bail!("--share must be between 0 and 1, not {}", args.share);
    }
    let reference = read(&args.reference)?;
    let current = read(&args.current)?;
    let columns = columns(args, &reference.schema(), &current.schema())?;
    let mut reports = Vec::with_capacity(columns.len());
    for column in columns {
        let values = |batch: &RecordBatch, side: &Path| {
            let array = batch
                .column_by_name(&column)
                .context("column checked above")?;
            from_arrow::values(array)
                .with_context(|| format!("{}: column {column:?}", side.display()))
        };
        let r = values(&reference, &args.reference)?;
        // Whether strings are free text is the reference's call; the current side follows it.
        let c = match (&r, values(&current, &args.current)?) {
            (Values::Categorical(_), Values::Text(v)) => Values::Categorical(v),
            (Values::Text(_), Values::Categorical(v)) => Values::Text(v),
            (_, c) => c,
        };
        let report = sightline_drift::compare(&r, &c, &choice, &config)
            .with_context(|| format!("column {column:?}"))?;
        reports.push(ColumnReport { column, report });
    }
    let dataset = dataset_drift(reports.iter().map(|r| &r.report), args.share);
    let document = Document {
        columns: reports,
        share_drifted: dataset.share_drifted,
        dataset_drifted: dataset.dataset_drifted,
    };
    if args.json {
        println!("{}", serde_json::to_string(&document)?);
    } else {
        print_table(&document);
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_choice(test: &str) -> anyhow::Result<Choice> {
    Ok(match test {
        "auto" => Choice::Auto,
        "all" => Choice::All,
        names => Choice::Only(
            names
                .split(',')
                .map(|name| name.trim().parse::<Test>().map_err(anyhow::Error::msg))
                .collect::<anyhow::Result<_>>()?,
        ),
    })
}

/// The columns asked for, or every column the two files share, in the reference's order.
fn columns(
    args: &DriftCompareArgs,
    reference: &SchemaRef,
    current: &SchemaRef,
) -> anyhow::Result<Vec<String>> {
    if args.columns.is_empty() {
        let shared: Vec<String> = reference
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|name| current.field_with_name(name).is_ok())
            .collect();
        if shared.is_empty() {
            bail!("the two files have no column in common");
        }
        return Ok(shared);
    }
    for column in &args.columns {
        for (schema, path) in [(reference, &args.reference), (current, &args.current)] {
            if schema.field_with_name(column).is_err() {
                bail!("{} has no column {column:?}", path.display());
            }
        }
    }
    Ok(args.columns.clone())
}

/// One batch of the whole file: CSV with a header, Parquet, or NDJSON, with types inferred.
fn read(path: &Path) -> anyhow::Result<RecordBatch> {
    let open = || File::open(path).with_context(|| format!("cannot open {}", path.display()));
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let batches: Vec<RecordBatch> = match extension.as_str() {
        "parquet" => ParquetRecordBatchReaderBuilder::try_new(open()?)?
            .build()?
            .collect::<Result<_, _>>()?,
        "csv" => {
            let format = arrow::csv::reader::Format::default().with_header(true);
            let (schema, _) = format.infer_schema(BufReader::new(open()?), None)?;
            arrow::csv::ReaderBuilder::new(Arc::new(schema))
                .with_format(format)
                .build(BufReader::new(open()?))?
                .collect::<Result<_, _>>()?
        }
        "ndjson" | "jsonl" => {
            let (schema, _) =
                arrow::json::reader::infer_json_schema(BufReader::new(open()?), None)?;
            arrow::json::ReaderBuilder::new(Arc::new(schema))
                .build(BufReader::new(open()?))?
                .collect::<Result<_, _>>()?
        }
        other => bail!(
            "{}: cannot read {other:?} files; use .csv, .parquet, .ndjson or .jsonl",
            path.display()
        ),
    };
    let schema = batches
        .first()
        .map(RecordBatch::schema)
        .with_context(|| format!("{} holds no rows", path.display()))?;
    concat_batches(&schema, &batches).with_context(|| format!("reading {}", path.display()))
}

fn print_table(document: &Document) {
    println!(
        "{:<24} {:>9} {:>9}  {:<18} {:>12} {:>12} {:>9}  verdict",
        "column", "n_ref", "n_cur", "test", "statistic", "p_value", "threshold"
    );
    for column in &document.columns {
        let r = &column.report;
        let head = format!("{:<24} {:>9} {:>9}", column.column, r.n_ref, r.n_cur);
        if let Some(reason) = &r.no_verdict {
            println!("{head}  no verdict: {reason}");
        }
        for (i, t) in r.tests.iter().enumerate() {
            let lead = if i == 0 { head.as_str() } else { "" };
            let statistic = match t.normed {
                Some(normed) => format!("{:.4} ({normed:.4} normed)", t.statistic),
                None => format!("{:.4}", t.statistic),
            };
            let p = t
                .p_value
                .map_or_else(|| "-".to_owned(), |p| format!("{p:.4e}"));
            let verdict = match (i, t.drifted) {
                (0, true) => "DRIFT",
                (0, false) => "no drift",
                (_, true) => "(drift)",
                (_, false) => "(no drift)",
            };
            println!(
                "{lead:<44}  {:<18} {statistic:>12} {p:>12} {:>9}  {verdict}",
                t.test.name(),
                t.threshold
            );
        }
    }
    println!(
        "share of drifted columns: {:.3}; data set {}",
        document.share_drifted,
        if document.dataset_drifted {
            "DRIFTED"
        } else {
            "did not drift"
        }
    );
}
