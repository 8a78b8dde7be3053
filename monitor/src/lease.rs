//! Only one monitor evaluates alert rules at a time, or every webhook would go out once per
//! monitor. In embedded mode that monitor holds a lock on the data directory, and a second one
//! refuses to start. In distributed mode the lease comes from Kafka's group coordinator: every
//! monitor joins the consumer group `<group>.monitor` on the one-partition topic
//! `<topic>.monitor`, and the member the partition is assigned to is the active one. The others
//! wait as standbys; when the active one stops it leaves the group and a standby takes over at
//! once, and when it dies the coordinator hands the partition on after `kafka.session_timeout`.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use anyhow::Context;
use rdkafka::{
    ClientConfig, ClientContext,
    consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance, StreamConsumer},
};

use crate::Settings;

#[derive(Debug)]
pub enum Lease {
    /// The data directory's lock, held for the life of the process.
    File { _lock: std::fs::File },
    /// Membership of the monitors' consumer group; held while the partition is assigned here.
    Kafka {
        held: Arc<AtomicBool>,
        poller: tokio::task::JoinHandle<()>,
    },
    /// Distributed mode without brokers: nothing to coordinate through.
    Unguarded,
}

struct LeaseContext {
    held: Arc<AtomicBool>,
}

impl ClientContext for LeaseContext {}

impl ConsumerContext for LeaseContext {
    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        // Incremental: each event lists only what changed, so ask what is held now.
        let held = match rebalance {
            Rebalance::Assign(_) | Rebalance::Revoke(_) => {
                consumer.assignment().is_ok_and(|a| a.count() > 0)
            }
            Rebalance::Error(e) => {
                tracing::warn!(error = %e, "monitor lease rebalance failed");
                return;
            }
        };
        self.held.store(held, Ordering::SeqCst);
    }
}

impl Lease {
    pub async fn acquire(config: Settings<'_>) -> anyhow::Result<Self> {
        if config.storage.embedded {
            return lock_data_dir(config);
        }
        let Some(brokers) = &config.kafka.brokers else {
            tracing::warn!(
                "no kafka.brokers, so no lease: run exactly one monitor against this database"
            );
            return Ok(Self::Unguarded);
        };
        let topic = format!("{}.monitor", config.kafka.topic);
        sightline_service::topics::ensure_topics(brokers, &[&topic], 1).await?;
        let held = Arc::new(AtomicBool::new(false));
        let consumer: StreamConsumer<LeaseContext> = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("group.id", format!("{}.monitor", config.kafka.group))
            .set("enable.auto.commit", "false")
            // Incremental rebalancing: a monitor joining or leaving does not take the partition
            // from the leader for a moment, as the eager protocol would.
            .set("partition.assignment.strategy", "cooperative-sticky")
            .set(
                "session.timeout.ms",
                config.kafka.session_timeout.as_millis().to_string(),
            )
            .create_with_context(LeaseContext { held: held.clone() })
            .context("joining the monitors' group")?;
        consumer
            .subscribe(&[&topic])
            .with_context(|| format!("subscribing to {topic}"))?;
        // Nothing is published to the topic; polling is what keeps the membership alive and
        // runs the rebalance callbacks.
        let poller = tokio::spawn(async move {
            loop {
                if let Err(e) = consumer.recv().await {
                    tracing::warn!(error = %e, "monitor lease");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        });
        Ok(Self::Kafka { held, poller })
    }

    pub fn held(&self) -> bool {
        match self {
            Self::File { .. } | Self::Unguarded => true,
            Self::Kafka { held, .. } => held.load(Ordering::SeqCst),
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // Dropping the consumer closes it, which leaves the group, so a standby takes over now
        // rather than after the session timeout.
        if let Self::Kafka { poller, .. } = self {
            poller.abort();
        }
    }
}

fn lock_data_dir(config: Settings<'_>) -> anyhow::Result<Lease> {
    let path = config.storage.data_dir.join("monitor.lock");
    std::fs::create_dir_all(&config.storage.data_dir)
        .with_context(|| format!("creating {}", config.storage.data_dir.display()))?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Lease::File { _lock: file }),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another monitor is running on {} (it holds {})",
            config.storage.data_dir.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}
