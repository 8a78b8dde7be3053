//! The dashboard in a real browser: Debian's headless Chromium opens `/?key=KEY` on an API whose
//! store holds traffic and drift reports, runs the page's own script, and the test reads the
//! rendered DOM: every panel drew its data, and a linked trace opens as a waterfall. A screenshot
//! is kept as a test artifact.

use std::{process::Command, time::Duration};

use reqwest::{Method, StatusCode};
use sightline_e2e::{
    api::{Api, recent_events},
    otlp,
    pipeline::complete_exchanges,
    service_env, sightline, unique_name,
};

/// Panels with data once the store holds traffic and drift reports; alerts may rightly be empty.
const FILLED: [&str; 8] = [
    "requests",
    "latency",
    "errors",
    "cost",
    "offensive",
    "drift",
    "summary",
    "traces",
];

fn chromium(args: &[&str], url: &str) -> String {
    let browser = service_env("SIGHTLINE_CHROMIUM");
    let profile = std::env::temp_dir().join(unique_name("chromium"));
    let out = Command::new(&browser)
        .args([
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1440,2600",
            "--virtual-time-budget=30000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .unwrap_or_else(|e| panic!("running {browser}: {e}"));
    let _ = std::fs::remove_dir_all(profile);
    assert!(
        out.status.success(),
        "{browser}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The value of `attribute` on the element with `data-panel="name"`.
fn panel_attribute<'a>(dom: &'a str, name: &str, attribute: &str) -> Option<&'a str> {
    let at = dom.find(&format!("data-panel=\"{name}\""))?;
    let start = dom[..at].rfind('<')?;
    let tag = &dom[start..start + dom[start..].find('>')?];
    let value = &tag[tag.find(&format!("{attribute}=\""))? + attribute.len() + 2..];
    Some(&value[..value.find('"')?])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_renders_every_panel_from_a_seeded_store() {
    let data_dir = std::env::temp_dir().join(unique_name("dashboard"));
    let store = vec![
        "--embedded".to_owned(),
        "--data-dir".into(),
        data_dir.display().to_string(),
    ];
    let api = Api::start("dashboard", &store, &[]);
    // A burst every five minutes over the last forty, so charts have points and drift windows
    // have references.
    let mut exchanges = 0;
    for k in 0..8 {
        let events: Vec<serde_json::Value> = recent_events(150, 31 + k, 40 - 5 * k as i64)
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let events: Vec<String> = complete_exchanges(events)
            .iter()
            .map(|e| e.to_string())
            .collect();
        exchanges += events
            .iter()
            .filter(|e| e.contains("\"kind\":\"response\""))
            .count() as u64;
        let (status, body) = api
            .call(
                Method::POST,
                "/v1/events",
                Some(&api.ingest),
                Some(events.join("\n").into()),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    for _ in 0..240 {
        if api.sql("SELECT count(*) AS n FROM llm_events").await[0]["n"]
            .as_u64()
            .unwrap_or(0)
            >= exchanges
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let now = chrono::Utc::now();
    let monitor = Command::new(sightline())
        .args([
            "monitor",
            "--embedded",
            "--data-dir",
            &data_dir.display().to_string(),
        ])
        .args([
            "--from",
            &(now - chrono::Duration::minutes(40)).to_rfc3339(),
            "--to",
            &now.to_rfc3339(),
        ])
        .envs([
            ("SIGHTLINE__DRIFT__WINDOW", "5m"),
            ("SIGHTLINE__DRIFT__TRAILING", "10m"),
            ("SIGHTLINE__DRIFT__MIN_SAMPLES", "10"),
        ])
        .output()
        .expect("run the monitor once");
    assert!(
        monitor.status.success(),
        "{}",
        String::from_utf8_lossy(&monitor.stderr)
    );
    assert!(
        !api.get("/v1/drift?window=1h").await["latest"]
            .as_array()
            .unwrap()
            .is_empty(),
        "drift reports are stored"
    );

    let url = format!("{}/?key={}", api.base, api.read);
    let dom = chromium(&["--dump-dom"], &url);
    assert!(
        dom.contains("data-loaded=\"true\""),
        "the page finished its first round:\n{dom}"
    );
    for name in FILLED {
        assert_eq!(
            panel_attribute(&dom, name, "data-state"),
            Some("ready"),
            "panel {name}:\n{dom}"
        );
    }
    let alerts = panel_attribute(&dom, "alerts", "data-state");
    assert!(
        matches!(alerts, Some("ready" | "empty")),
        "the alerts panel says what it has: {alerts:?}"
    );
    assert!(dom.contains("<svg"), "the charts are drawn");
    assert!(
        !dom.contains(&api.read),
        "the key does not stay in the page"
    );

    let artifacts = std::path::PathBuf::from(service_env("SIGHTLINE_ARTIFACTS"));
    std::fs::create_dir_all(&artifacts).expect("artifacts directory");
    let shot = artifacts.join("dashboard.png");
    let _ = std::fs::remove_file(&shot);
    chromium(&[&format!("--screenshot={}", shot.display())], &url);
    let png = std::fs::read(&shot).expect("the screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 50_000,
        "a real screenshot, {} bytes",
        png.len()
    );
    eprintln!("dashboard screenshot: {}", shot.display());

    // An experiment from a link: the two versions the traffic has, each metric with its test.
    let dom = chromium(
        &["--dump-dom"],
        &format!("{url}&experiment_by=model_version&experiment_arms=v1,v2"),
    );
    assert_eq!(
        panel_attribute(&dom, "experiment", "data-state"),
        Some("ready"),
        "{dom}"
    );
    for metric in ["latency_ms", "error_rate", "cost_per_exchange_usd"] {
        assert!(
            dom.contains(&format!("data-metric=\"{metric}\"")),
            "the experiment compares {metric}:\n{dom}"
        );
    }
    assert!(dom.contains("Fixed-horizon"), "{dom}");

    // Without a key the page holds only the form.
    let dom = chromium(&["--dump-dom"], &api.base);
    for name in FILLED {
        assert_ne!(
            panel_attribute(&dom, name, "data-state"),
            Some("ready"),
            "no data without a key"
        );
    }

    // A trace sent over OTLP opens from a link as a waterfall: the call and the one nested in it.
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let export = otlp::export(
        "traced-svc",
        vec![
            otlp::chat_span(trace_id, "00f067aa0ba902b7", None, Some("gpt-4.1")),
            otlp::chat_span(
                trace_id,
                "00f067aa0ba902b9",
                Some("00f067aa0ba902b7"),
                Some("gpt-4.1-mini"),
            ),
        ],
    );
    let (status, reply) = api
        .post_traces("application/json", export.to_string().into_bytes())
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let stored = format!("SELECT count(*) AS n FROM llm_events WHERE trace_id = '{trace_id}'");
    for _ in 0..240 {
        if api.sql(&stored).await[0]["n"].as_u64().unwrap_or(0) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let dom = chromium(&["--dump-dom"], &format!("{url}&trace={trace_id}"));
    assert_eq!(
        panel_attribute(&dom, "trace", "data-state"),
        Some("ready"),
        "{dom}"
    );
    assert!(
        dom.contains(&format!("data-trace-id=\"{trace_id}\"")),
        "{dom}"
    );
    assert_eq!(dom.matches("<li class=\"wf-row").count(), 2, "{dom}");
    assert!(dom.contains("gpt-4.1-mini"), "{dom}");
    let _ = std::fs::remove_dir_all(data_dir);
}
