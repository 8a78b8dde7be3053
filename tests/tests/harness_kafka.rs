//! The Kafka-protocol broker takes 10,000 events on 3 partitions, and a consumer group reads every
//! one back and commits offsets that a later member of the group sees.

use std::{
    collections::{BTreeMap, HashSet},
    time::Duration,
};

use rdkafka::{
    ClientConfig, Message, Offset, TopicPartitionList,
    admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
    client::DefaultClientContext,
    consumer::{CommitMode, Consumer, StreamConsumer},
    producer::{FutureProducer, FutureRecord},
};
use sightline_e2e::{brokers, unique_name};

const EVENTS: usize = 10_000;
const PARTITIONS: i32 = 3;
const TIMEOUT: Duration = Duration::from_secs(30);

fn config(extra: &[(&str, &str)]) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", brokers());
    for (k, v) in extra {
        c.set(*k, *v);
    }
    c
}

fn group_member(group: &str) -> StreamConsumer {
    config(&[
        ("group.id", group),
        ("enable.auto.commit", "false"),
        ("auto.offset.reset", "earliest"),
    ])
    .create()
    .expect("consumer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_group_reads_every_event_and_commits() {
    let topic = unique_name("harness");
    let group = unique_name("group");

    let admin: AdminClient<DefaultClientContext> = config(&[]).create().expect("admin client");
    let created = admin
        .create_topics(
            &[NewTopic::new(
                &topic,
                PARTITIONS,
                TopicReplication::Fixed(1),
            )],
            &AdminOptions::new(),
        )
        .await
        .expect("create_topics request");
    assert!(
        created.iter().all(Result::is_ok),
        "topic creation failed: {created:?}"
    );

    let producer: FutureProducer = config(&[("acks", "all"), ("linger.ms", "5")])
        .create()
        .expect("producer");
    let sends = (0..EVENTS).map(|i| {
        let producer = producer.clone();
        let topic = topic.clone();
        async move {
            let key = format!("req-{i}");
            let payload = format!(r#"{{"n":{i}}}"#);
            producer
                .send(
                    FutureRecord::to(&topic).key(&key).payload(&payload),
                    TIMEOUT,
                )
                .await
                .map_err(|(e, _)| e)
        }
    });
    for result in futures_join(sends).await {
        result.expect("delivery");
    }

    let consumer = group_member(&group);
    consumer.subscribe(&[&topic]).expect("subscribe");
    let mut seen = HashSet::new();
    let mut offsets: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    while seen.len() < EVENTS {
        let message = tokio::time::timeout(TIMEOUT, consumer.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out with {} of {EVENTS} events", seen.len()))
            .expect("message");
        let payload = std::str::from_utf8(message.payload().expect("payload"))
            .expect("utf-8")
            .to_owned();
        let key = std::str::from_utf8(message.key().expect("key")).expect("utf-8");
        assert_eq!(
            payload,
            format!(r#"{{"n":{}}}"#, &key[4..]),
            "key and payload travel together"
        );
        assert!(seen.insert(payload), "no event arrives twice");
        offsets
            .entry(message.partition())
            .or_default()
            .push(message.offset());
    }
    consumer
        .commit_consumer_state(CommitMode::Sync)
        .expect("commit");

    // Each partition was read in order from offset 0 without a gap, so the right commit for a
    // partition is one past the last offset read from it: the next offset to consume.
    // (The broker's ListOffsets answer is not used: Tansu 0.6 reports the last batch's base offset.)
    assert_eq!(
        offsets.len(),
        PARTITIONS as usize,
        "keys spread over every partition"
    );
    let mut expected = TopicPartitionList::new();
    for (partition, read) in &offsets {
        let contiguous: Vec<i64> = (0..read.len() as i64).collect();
        assert_eq!(
            read, &contiguous,
            "partition {partition} is read in order without gaps"
        );
        expected
            .add_partition_offset(&topic, *partition, Offset::Offset(read.len() as i64))
            .expect("tpl");
    }
    drop(consumer);

    // A new member of the group resumes exactly where the first one committed.
    let next = group_member(&group);
    let mut wanted = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        wanted.add_partition(&topic, p);
    }
    let committed = next
        .committed_offsets(wanted, TIMEOUT)
        .expect("committed offsets");
    assert_eq!(
        committed.to_topic_map(),
        expected.to_topic_map(),
        "committed offsets resume after the last event read"
    );

    admin
        .delete_topics(&[&topic], &AdminOptions::new())
        .await
        .expect("delete topic");
}

/// Awaits all futures concurrently, in order, without pulling in a futures crate.
async fn futures_join<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}
