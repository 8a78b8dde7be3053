//! ClickHouse: connection and server capabilities, migrations, the batch sink, and queries.

mod capabilities;
mod error;
mod migrations;
mod query;
mod row_binary;
mod sink;

pub use capabilities::Capabilities;
pub use error::ClickhouseError;
pub use migrations::{MIGRATIONS, migrate};
pub use query::query_text;
pub use sink::ClickhouseSink;

use ::clickhouse::{Client, Compression};

/// A client for one database on one server, configured for that server's version.
#[derive(Clone)]
pub struct Clickhouse {
    client: Client,
    database: String,
    caps: Capabilities,
}

impl std::fmt::Debug for Clickhouse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clickhouse")
            .field("database", &self.database)
            .field("caps", &self.caps)
            .finish()
    }
}

impl Clickhouse {
    /// Connects, asks the server its version, and configures the client to match.
    pub async fn connect(url: &str, database: &str) -> Result<Self, ClickhouseError> {
        Self::connect_as(url, database, None).await
    }

    /// Connects as `(user, password)` rather than the server's default user.
    pub async fn connect_as(
        url: &str,
        database: &str,
        credentials: Option<(&str, &str)>,
    ) -> Result<Self, ClickhouseError> {
        let signed_in = |client: Client| match credentials {
            Some((user, password)) => client.with_user(user).with_password(password),
            None => client,
        };
        let probe = signed_in(Client::default())
            .with_url(url)
            .with_compression(Compression::None)
            .with_validation(false);
        let version: String = probe
            .query("SELECT version()")
            .fetch_one()
            .await
            .map_err(|e| {
                ClickhouseError::from_client(e, &format!("connecting to ClickHouse at {url}"))
            })?;
        let caps = Capabilities::from_version(&version);
        // Old servers answer typed-row and compressed reads with nothing at all; plain works everywhere.
        let client = signed_in(Client::default())
            .with_url(url)
            .with_compression(if caps.modern {
                Compression::Lz4
            } else {
                Compression::None
            })
            .with_validation(false);
        Ok(Self {
            client,
            database: database.to_owned(),
            caps,
        })
    }

    pub fn caps(&self) -> &Capabilities {
        &self.caps
    }

    pub fn database(&self) -> &str {
        &self.database
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }
}
