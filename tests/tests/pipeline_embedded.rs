//! Embedded mode: `sightline pipeline --embedded`, fed over HTTP by `sightline produce --http`,
//! stores Parquet files that `sightline sql --embedded` queries, deduplicated and read-only.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;
use sightline_e2e::{
    pipeline::{complete_exchanges, generate},
    repo_root, sightline, unique_name,
};

fn sql(data_dir: &str, query: &str) -> std::process::Output {
    Command::new(sightline())
        .args([
            "sql",
            "--embedded",
            "--data-dir",
            data_dir,
            "--format",
            "json",
            query,
        ])
        .output()
        .expect("run sightline sql")
}

fn count(data_dir: &str, query: &str) -> Option<u64> {
    let out = sql(data_dir, query);
    let row: Value = serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next()?).ok()?;
    row.as_object()?.values().next()?.as_u64()
}

#[test]
fn http_ingest_to_parquet_to_sql() {
    const COUNT: usize = 6_000;
    let data_dir = std::env::temp_dir()
        .join(unique_name("embedded"))
        .display()
        .to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let listen = format!("127.0.0.1:{port}");
    // The worker takes its settings from a config file and the environment rather than flags,
    // which exercises those layers end to end.
    let config = format!("{data_dir}.toml");
    std::fs::write(
        &config,
        format!("[storage]\nembedded = true\ndata_dir = {data_dir:?}\n[pipeline]\nbatch_age = \"100ms\"\n"),
    )
    .expect("write the config file");
    let mut worker = Command::new(sightline())
        .args(["pipeline", "--config", &config])
        .env("SIGHTLINE__PIPELINE__LISTEN", &listen)
        .stdout(Stdio::null())
        .spawn()
        .expect("start the embedded pipeline");
    let url = format!("http://{listen}/v1/events");
    sightline_e2e::wait_for_listener(&listen, "the pipeline", Duration::from_secs(30));

    let produce = Command::new(sightline())
        .args([
            "produce",
            "--http",
            &url,
            "--count",
            &COUNT.to_string(),
            "--seed",
            "3",
        ])
        .current_dir(repo_root())
        .output()
        .expect("run produce");
    assert!(
        produce.status.success(),
        "{}",
        String::from_utf8_lossy(&produce.stderr)
    );

    // The same seed gives the same exchanges whatever the clock, so a file says what to expect.
    let events = generate(COUNT, 3);
    let complete = complete_exchanges(events.clone());
    let rows = complete
        .iter()
        .filter(|e| matches!(e["kind"].as_str(), Some("completion" | "response")))
        .count() as u64;

    let bad = Command::new("curl")
        .args([
            "-sS",
            "-X",
            "POST",
            &url,
            "--data-binary",
            "{\"schema_version\": \"1\", \"kind\": \"request\"}\n",
        ])
        .output()
        .expect("curl");
    let reply: Value = serde_json::from_slice(&bad.stdout).expect("JSON reply");
    assert_eq!(reply["rejected"], 1);
    assert_eq!(reply["results"][0]["errors"][0]["path"], "event_id");

    let started = Instant::now();
    loop {
        let n = count(&data_dir, "SELECT count(*) AS n FROM llm_events");
        let dead = count(&data_dir, "SELECT count(*) AS n FROM dead_letters");
        if n == Some(rows) && dead == Some(1) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "stored {n:?} of {rows} rows, {dead:?} dead letters"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(
        count(
            &data_dir,
            "SELECT count(DISTINCT request_id) AS n FROM llm_events"
        ),
        Some(rows)
    );

    for statement in [
        "CREATE TABLE evil AS SELECT 1",
        "INSERT INTO llm_events_raw SELECT * FROM llm_events_raw",
        "DROP VIEW llm_events",
    ] {
        let out = sql(&data_dir, statement);
        assert!(!out.status.success(), "{statement} must be refused");
    }

    let _ = Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status();
    assert!(
        worker.wait().expect("wait").success(),
        "clean exit on SIGTERM"
    );
}
