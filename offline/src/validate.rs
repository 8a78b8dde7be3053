//! `sightline validate`: check files of events and report each problem with its file, line and path.

use std::{
    fs,
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context;
use clap::Args;
use serde_json::value::RawValue;
use sightline_schemas::{Limits, Problem, Rejection, decode_event};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub fn run(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let limits = Limits::default();
    let (mut events, mut invalid) = (0usize, 0usize);
    for path in &args.files {
        let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        for (line, event) in split_events(&bytes) {
            events += 1;
            if let Err(rejection) = decode_event(event, &limits) {
                invalid += 1;
                print_problems(path, line, &rejection);
            }
        }
    }
    eprintln!("{events} events checked, {invalid} invalid");
    Ok(if invalid == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_problems(path: &Path, line: usize, rejection: &Rejection) {
    for Problem {
        path: field,
        reason,
    } in &rejection.problems
    {
        println!("{}:{line}: {field}: {reason}", path.display());
    }
}

/// Splits a file into events with the line each starts on: a JSON array of events, one JSON value
/// (possibly spread over many lines), or NDJSON.
fn split_events(bytes: &[u8]) -> Vec<(usize, &[u8])> {
    let line_of = |offset: usize| 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    if bytes.get(start) == Some(&b'[')
        && let Ok(items) = serde_json::from_slice::<Vec<&RawValue>>(bytes)
    {
        let base = bytes.as_ptr() as usize;
        return items
            .into_iter()
            .map(|raw| {
                (
                    line_of(raw.get().as_ptr() as usize - base),
                    raw.get().as_bytes(),
                )
            })
            .collect();
    }
    if serde_json::from_slice::<&RawValue>(bytes).is_ok() {
        return vec![(line_of(start), &bytes[start..])];
    }
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim_ascii()))
        .filter(|(_, line)| !line.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::split_events;

    #[test]
    fn splits_each_layout_with_line_numbers() {
        let ndjson = b"{\"a\":1}\n\n{\"b\":2}\n";
        let lines: Vec<_> = split_events(ndjson).into_iter().map(|(l, _)| l).collect();
        assert_eq!(lines, [1, 3]);

        let array = b"[\n  {\"a\": 1},\n  {\"b\": 2}\n]";
        let found: Vec<_> = split_events(array)
            .into_iter()
            .map(|(l, e)| (l, e.to_vec()))
            .collect();
        assert_eq!(
            found,
            [(2, b"{\"a\": 1}".to_vec()), (3, b"{\"b\": 2}".to_vec())]
        );

        let pretty = b"\n{\n  \"a\": 1\n}\n";
        assert_eq!(split_events(pretty), [(2, &pretty[1..])]);
    }
}
