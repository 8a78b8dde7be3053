//! `sightline demo`: the whole product on one machine, and a scripted story told through it. Each
//! part runs as its own `sightline` process, as it would be deployed: the API with the embedded
//! pipeline (or, with --kafka and --clickhouse, a pipeline worker and the API on the real
//! services), the monitor, and an inference node serving both models.

mod args;
mod children;
mod receiver;
mod scenario;
mod setup;
mod traffic;

use std::{
    process::ExitCode,
    time::{Duration, Instant},
};

pub use args::DemoArgs;
use children::{Process, free_port, start};
use scenario::{Narrator, Scenario};
use traffic::Publish;

/// How long the services get to answer after they start.
const START_LIMIT: Duration = Duration::from_secs(120);

pub fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    sightline_service::runtime()?.block_on(async {
        let say = Narrator(Instant::now());
        let mode = if args.kafka.is_some() {
            "distributed (Kafka and ClickHouse)"
        } else {
            "embedded"
        };
        say.say(format!(
            "sightline demo, {mode} mode, in {}",
            args.data_dir.display()
        ));
        let prepared = setup::prepare(&args.data_dir)?;
        let (hooks, received) = receiver::start(&prepared.webhook_secret).await?;
        let api = format!("http://{}", args.listen);
        let node = format!("http://127.0.0.1:{}", free_port()?);
        let mut services = Services::start(args, &prepared, &api, &node)?;
        for (name, url) in [
            ("api", format!("{api}/readyz")),
            ("inference node", format!("{node}/v2/health/ready")),
        ] {
            wait_ready(&mut services, name, &url).await?;
        }
        let dashboard = format!("{api}/?key={}", prepared.api_key);
        println!(
            "\n  dashboard   {dashboard}\n  API key     {} (admin; also in {})\n  logs        {}\n",
            prepared.api_key,
            prepared.dir.join("api-key").display(),
            prepared.logs.display()
        );
        if !args.no_open {
            open_browser(&dashboard);
        }
        let publish = match &args.kafka {
            Some(brokers) => Publish::Kafka {
                brokers: brokers.clone(),
            },
            None => Publish::Http {
                url: format!("{api}/v1/events"),
                key: prepared.api_key.clone(),
            },
        };
        let scenario = Scenario {
            say,
            api: api.clone(),
            api_key: prepared.api_key.clone(),
            node,
            node_admin_key: prepared.node_admin_key.clone(),
            hooks,
            publish,
            logs: prepared.logs.clone(),
            toxic_corpus: prepared.toxic_corpus.clone(),
            scale: args.duration.as_secs_f64() / 240.0,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()?,
        };
        let story = tokio::select! {
            outcome = scenario.run(received, || services.check()) => Some(outcome?),
            _ = sightline_service::terminated() => None,
        };
        let Some(outcome) = story else {
            say.say("stopped");
            return Ok(ExitCode::SUCCESS);
        };
        println!();
        for (done, what) in [
            (
                outcome.toxic_alert,
                "the toxic burst raised an alert and its notification",
            ),
            (
                outcome.rolled_back,
                "the latency regression rolled the node back from minilm 2 to 1",
            ),
            (outcome.retrain, "drift sent a retraining webhook"),
        ] {
            say.say(format!("{} {what}", if done { "✓" } else { "✗" }));
        }
        let complete = outcome.toxic_alert && outcome.rolled_back && outcome.retrain;
        if args.exit_when_done {
            return Ok(if complete {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        say.say(format!(
            "the scenario is over; everything keeps running for you at {api}/ — Ctrl-C stops it"
        ));
        loop {
            tokio::select! {
                _ = sightline_service::terminated() => break,
                _ = tokio::time::sleep(Duration::from_secs(1)) => services.check()?,
            }
        }
        say.say("stopping");
        Ok(ExitCode::SUCCESS)
    })
}

/// The long-running processes; dropping this stops them.
struct Services(Vec<Process>);

impl Services {
    fn start(args: &DemoArgs, p: &setup::Prepared, api: &str, node: &str) -> anyhow::Result<Self> {
        let dir = p.dir.display().to_string();
        let rules = p.rules.display().to_string();
        let baselines = (
            "SIGHTLINE__DRIFT__BASELINES_DIR",
            format!("{dir}/baselines"),
        );
        let secret = ("SIGHTLINE_WEBHOOK_SECRET", p.webhook_secret.clone());
        let store = match &args.clickhouse {
            Some(url) => words(&["--clickhouse", url]),
            None => words(&["--embedded", "--data-dir", &dir]),
        };
        let source = match &args.kafka {
            Some(brokers) => words(&["--brokers", brokers, "--topic", traffic::TOPIC]),
            None => Vec::new(),
        };
        let with = |head: &[&str]| [words(head), store.clone(), source.clone()].concat();
        let mut processes = Vec::new();
        if args.kafka.is_some() {
            start(
                "migrate",
                &[words(&["migrate"]), store.clone()].concat(),
                &[],
                &p.logs,
            )?
            .wait(Duration::from_secs(60))?;
            let worker = with(&["pipeline", "--listen", &free_address()?]);
            processes.push(start("pipeline", &worker, &[], &p.logs)?);
        }
        let keys = format!("{dir}/api-keys.json");
        let api_args = with(&[
            "api",
            "--listen",
            &args.listen,
            "--keys-file",
            &keys,
            "--rules",
            &rules,
        ]);
        processes.push(start(
            "api",
            &api_args,
            std::slice::from_ref(&baselines),
            &p.logs,
        )?);
        // Short windows, so the story plays out in minutes rather than hours. A window is checked
        // once its rows have landed (a debug build's pipeline lags by seconds under this load), and
        // against three minutes before it, so a drift is still a drift in the next windows.
        let monitor_env = [
            ("SIGHTLINE__ALERTS__INTERVAL", "2s"),
            ("SIGHTLINE__DRIFT__WINDOW", "20s"),
            ("SIGHTLINE__DRIFT__TRAILING", "3m"),
            ("SIGHTLINE__DRIFT__LATENESS", "10s"),
            ("SIGHTLINE__DRIFT__INTERVAL", "2s"),
            ("SIGHTLINE__DRIFT__MIN_SAMPLES", "20"),
        ]
        .map(|(k, v)| (k, v.to_owned()))
        .into_iter()
        .chain([secret.clone(), baselines])
        .collect::<Vec<_>>();
        let monitor_args = with(&["monitor", "--listen", &free_address()?, "--rules", &rules]);
        processes.push(start("monitor", &monitor_args, &monitor_env, &p.logs)?);
        let events = match &args.kafka {
            Some(brokers) => words(&["--brokers", brokers, "--topic", traffic::TOPIC]),
            None => words(&["--ingest-url", &format!("{api}/v1/events")]),
        };
        let repo = p.models.display().to_string();
        let admin_key = p.node_admin_key_file.display().to_string();
        let node_listen = node.trim_start_matches("http://");
        let node_args = [
            words(&[
                "infer",
                "--model-repo",
                &repo,
                "--listen",
                node_listen,
                "--admin-key-file",
                &admin_key,
            ]),
            events,
        ]
        .concat();
        let node_env = [
            secret,
            (sightline_service::host::API_KEY_VAR, p.api_key.clone()),
            ("SIGHTLINE__INFERENCE__SERVICE", "demo-node".to_owned()),
        ];
        processes.push(start("infer", &node_args, &node_env, &p.logs)?);
        Ok(Self(processes))
    }

    fn check(&mut self) -> anyhow::Result<()> {
        self.0.iter_mut().try_for_each(Process::check)
    }
}

async fn wait_ready(services: &mut Services, name: &str, url: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < START_LIMIT {
        services.check()?;
        if client
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    anyhow::bail!(
        "the {name} did not answer {url} within {START_LIMIT:?}; its log is in the logs directory"
    )
}

/// Opens the dashboard where a desktop can; a machine without one just has the printed link.
fn words(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| (*p).to_owned()).collect()
}

fn free_address() -> anyhow::Result<String> {
    Ok(format!("127.0.0.1:{}", free_port()?))
}

fn open_browser(url: &str) {
    let opened = std::process::Command::new("xdg-open")
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if opened.is_err() {
        tracing::debug!("no xdg-open; open the dashboard link yourself");
    }
}
