//! `sightline migrate` against the real ClickHouse: it is idempotent, and it brings a database
//! made by an older release up to the current columns, views included.

use std::process::Command;

use sightline_e2e::{clickhouse_url, sightline, unique_name};

fn migrate(database: &str) {
    let out = Command::new(sightline())
        .args([
            "migrate",
            "--clickhouse",
            &clickhouse_url(),
            "--database",
            database,
        ])
        .output()
        .expect("run sightline migrate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A statement the read-only `sightline sql` would refuse, straight over HTTP.
fn admin(sql: &str) -> String {
    let out = Command::new("curl")
        .args(["-fsS", "--data-binary", sql, &clickhouse_url()])
        .output()
        .expect("curl");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn migrate_adds_columns_a_newer_release_brings() {
    let db = unique_name("db");
    migrate(&db);
    migrate(&db);
    // What a database from before the PII columns looks like.
    admin(&format!(
        "ALTER TABLE {db}.llm_events_raw DROP COLUMN pii_iban"
    ));
    admin(&format!("DROP TABLE {db}.llm_events"));
    admin(&format!(
        "CREATE VIEW {db}.llm_events AS SELECT * FROM {db}.llm_events_raw FINAL"
    ));
    let columns = |table: &str| {
        admin(&format!(
            "SELECT count() FROM system.columns WHERE database = '{db}' AND table = '{table}' AND name = 'pii_iban'"
        ))
        .trim()
        .to_owned()
    };
    assert_eq!(columns("llm_events"), "0");
    migrate(&db);
    assert_eq!(columns("llm_events_raw"), "1");
    assert_eq!(columns("llm_events"), "1", "the view shows the new column");
    admin(&format!("DROP DATABASE {db}"));
}
