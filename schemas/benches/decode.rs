//! Decoding and validating events, into owned events and into the reader's borrowed views, against
//! parsing the same bytes into `serde_json::Value`, the least any consumer that reads the JSON pays. Run with `cargo bench -p sightline-schemas`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sightline_schemas::{Limits, decode_event, decode_view};

/// The valid fixtures, minified as publishers send them.
fn events() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/valid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let value: serde_json::Value =
                serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json");
            serde_json::to_vec(&value).expect("serialize")
        })
        .collect()
}

fn decode(c: &mut Criterion) {
    let events = events();
    let limits = Limits::default();
    let bytes: usize = events.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("decode_event", |b| {
        b.iter(|| {
            for event in &events {
                std::hint::black_box(decode_event(event, &limits).expect("valid"));
            }
        })
    });
    group.bench_function("decode_view", |b| {
        b.iter(|| {
            for event in &events {
                std::hint::black_box(decode_view(event, &limits).expect("valid"));
            }
        })
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| {
            for event in &events {
                let value: serde_json::Value = serde_json::from_slice(event).expect("json");
                std::hint::black_box(value);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
