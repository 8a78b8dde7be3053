//! The bench's events: synthetic traffic in which every request has its response, so each
//! exchange lands as exactly one row and the bench knows how many rows to wait for.

use std::{
    collections::HashSet,
    fs::File,
    io::{BufWriter, Write},
    path::Path,
};

use anyhow::Context;
use sightline_schemas::{Event, EventKind, Timestamp};

use sightline_traffic::Traffic;

/// The rows a set of events becomes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Expected {
    pub events: u64,
    pub llm_events: u64,
    pub feedback: u64,
    pub bytes: u64,
}

impl Expected {
    /// Counts one event and the row it becomes.
    pub fn add(&mut self, event: &Event, json_len: usize) {
        match event.kind() {
            EventKind::Request => {}
            EventKind::Response | EventKind::Completion => self.llm_events += 1,
            EventKind::Feedback => self.feedback += 1,
        }
        self.events += 1;
        self.bytes += json_len as u64;
    }
}

/// The first `count` events of seeded traffic, less the requests whose response falls past the
/// end. The traffic is generated twice, once to learn which requests are answered, so that the
/// events are never all held in memory.
pub fn complete_traffic(seed: u64, start: Timestamp, count: usize) -> impl Iterator<Item = Event> {
    let traffic = move || Traffic::new(seed, start, Vec::new(), 0.0).take(count);
    let answered: HashSet<String> = traffic()
        .filter(|e| e.kind() == EventKind::Response)
        .map(|e| e.header.request_id)
        .collect();
    traffic()
        .filter(move |e| e.kind() != EventKind::Request || answered.contains(&e.header.request_id))
}

/// An NDJSON file writer for the events that go to the baselines.
pub struct NdjsonFile {
    out: BufWriter<File>,
}

impl NdjsonFile {
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Self {
            out: BufWriter::new(file),
        })
    }

    pub fn write(&mut self, line: &[u8]) -> anyhow::Result<()> {
        self.out.write_all(line)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    pub fn finish(mut self) -> anyhow::Result<()> {
        self.out.flush()?;
        Ok(())
    }
}
