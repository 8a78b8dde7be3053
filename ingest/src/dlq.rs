//! Publishes dead letters to `<topic>.dlq`: the original key and bytes, with the reason and the
//! original position as headers, so a fixed event can be replayed as it was.

use std::time::Duration;

use rdkafka::{
    ClientConfig,
    error::KafkaError,
    message::{Header, OwnedHeaders},
    producer::{FutureProducer, FutureRecord},
};
use sightline_schemas::DeadLetter;

const SEND_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct DlqPublisher {
    producer: FutureProducer,
    topic: String,
}

impl std::fmt::Debug for DlqPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DlqPublisher")
            .field("topic", &self.topic)
            .finish()
    }
}

impl DlqPublisher {
    pub fn new(brokers: &str, topic: impl Into<String>) -> Result<Self, KafkaError> {
        let producer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("acks", "all")
            .set("enable.idempotence", "true")
            .create()?;
        Ok(Self {
            producer,
            topic: topic.into(),
        })
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Publishes every letter and waits until the broker has them all.
    pub async fn publish(&self, letters: &[DeadLetter]) -> Result<(), KafkaError> {
        let sends = letters.iter().map(|letter| {
            let partition = letter.partition.to_string();
            let offset = letter.offset.to_string();
            let headers = OwnedHeaders::new()
                .insert(Header {
                    key: "sightline.reason",
                    value: Some(letter.reason.as_str()),
                })
                .insert(Header {
                    key: "sightline.reason_class",
                    value: Some(letter.reason_class.as_str()),
                })
                .insert(Header {
                    key: "sightline.source",
                    value: Some(letter.source.as_str()),
                })
                .insert(Header {
                    key: "sightline.partition",
                    value: Some(partition.as_str()),
                })
                .insert(Header {
                    key: "sightline.offset",
                    value: Some(offset.as_str()),
                });
            let mut record = FutureRecord::to(&self.topic)
                .payload(&letter.payload[..])
                .headers(headers);
            if let Some(key) = &letter.key {
                record = record.key(&key[..]);
            }
            self.producer.send(record, SEND_TIMEOUT)
        });
        let sends: Vec<_> = sends.collect();
        for send in sends {
            send.await.map_err(|(e, _)| e)?;
        }
        Ok(())
    }
}
