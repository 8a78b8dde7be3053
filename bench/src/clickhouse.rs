//! The few ClickHouse calls the bench makes itself, over the HTTP interface.

use anyhow::{Context, bail};

#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    url: String,
}

impl Http {
    pub fn new(url: &str) -> Self {
        Self {
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(60))
                .build()
                .unwrap_or_default(),
            url: url.trim_end_matches('/').to_owned(),
        }
    }

    pub async fn text(&self, sql: &str) -> anyhow::Result<String> {
        let response = self
            .client
            .post(&self.url)
            .body(sql.to_owned())
            .send()
            .await
            .with_context(|| format!("querying ClickHouse at {}", self.url))?;
        let status = response.status();
        let body = response.text().await?;
        if !status.is_success() {
            bail!("ClickHouse answered {status} to `{sql}`: {}", body.trim());
        }
        Ok(body)
    }

    /// A single number, or 0 while the table does not exist yet.
    pub async fn count(&self, table: &str) -> u64 {
        self.text(&format!("SELECT count() FROM {table}"))
            .await
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Parts that inserts created in the database's tables whose names match a regular expression,
    /// merged since or not: a MergeTree table numbers each inserted part with the next block
    /// number, and a merged part keeps the highest number of the parts it replaced.
    pub async fn parts_created(&self, database: &str, tables: &str) -> anyhow::Result<u64> {
        let text = self
            .text(&format!(
                "SELECT sum(blocks) FROM (SELECT table, max(max_block_number) AS blocks \
                 FROM system.parts WHERE database = '{database}' AND match(table, '{tables}') \
                 GROUP BY table)"
            ))
            .await?;
        text.trim()
            .parse()
            .with_context(|| format!("reading a part count from {text:?}"))
    }
}
