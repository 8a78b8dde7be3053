//! Helpers shared by the end-to-end tests: where the real services are, and unique names so tests
//! can run side by side.
//!
//! `scripts/services.sh start` prints the variables read here. A missing variable fails the test: a
//! test that skips because its service is absent would hide a broken harness.

pub mod api;
pub mod embedded;
pub mod monitor;
pub mod node;
pub mod onnx;
pub mod otlp;
pub mod pipeline;
pub mod receiver;

/// Reads a variable that the test harness must have set.
pub fn service_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set; run the tests through scripts/test.sh, which starts the services"
        )
    })
}

/// `host:port` of the Kafka-protocol broker.
pub fn brokers() -> String {
    service_env("SIGHTLINE_TEST_BROKERS")
}

/// Base URL of ClickHouse's HTTP interface.
pub fn clickhouse_url() -> String {
    service_env("SIGHTLINE_TEST_CLICKHOUSE")
}

/// A name no other test run will use: `prefix_` followed by 12 hex digits.
pub fn unique_name(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}_{}", &id[..12])
}

/// The `sightline` binary under test, built by scripts/test.sh.
pub fn sightline() -> std::path::PathBuf {
    service_env("SIGHTLINE_BIN").into()
}

/// The repository root, where the binary expects to be run from. Read when the test runs, not
/// when it is compiled: a shared target directory may hold a test binary built from another
/// checkout of the same sources.
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(&service_env("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// `127.0.0.1:PORT` with a port that was free a moment ago.
pub fn free_address() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    format!("127.0.0.1:{port}")
}

/// Waits until something listens on `address`, or fails the test after `timeout`, naming `what`.
pub fn wait_for_listener(address: &str, what: &str, timeout: std::time::Duration) {
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(address).is_err() {
        assert!(
            started.elapsed() < timeout,
            "{what} did not listen on {address}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
