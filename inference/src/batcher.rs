//! Dynamic batching, as Triton does it. Requests for a model wait in a bounded queue. Once a
//! session is free, a batch takes the first request and then more until it holds `max_batch`
//! texts or `max_wait` has passed, and runs on a blocking thread; at most `concurrency` batches run
//! at once. A full queue refuses at once, so overload is an immediate 503, not a hang.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::{
    runtime::{Answer, RunError, Version},
    tensor::Tensor,
};

#[derive(Debug, Clone, Copy)]
pub struct BatchConfig {
    /// Texts per batch at most.
    pub max_batch: usize,
    /// How long a batch waits for more after its first request.
    pub max_wait: Duration,
    /// Requests waiting at most; beyond, requests are refused.
    pub max_queue: usize,
    /// Batches running at once.
    pub concurrency: usize,
}

#[derive(Debug)]
pub enum Work {
    Texts(Vec<String>),
    Tensors(Vec<Tensor>),
}

#[derive(Debug)]
pub enum Output {
    Answer(Answer),
    Tensors(Vec<Tensor>),
}

/// A request's result, and how it was served.
#[derive(Debug)]
pub struct Finished {
    pub result: Result<Output, RunError>,
    pub queue_ms: f64,
    /// Texts (or requests, for tensors) in the batch it was taken into.
    pub batch_size: usize,
}

struct Job {
    version: Arc<Version>,
    work: Work,
    enqueued: Instant,
    reply: oneshot::Sender<Finished>,
}

impl Job {
    fn rows(&self) -> usize {
        match &self.work {
            Work::Texts(t) => t.len(),
            Work::Tensors(_) => 1,
        }
    }
}

/// The queue was full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

#[derive(Debug, Clone)]
pub struct Batcher {
    tx: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("rows", &self.rows()).finish()
    }
}

impl Batcher {
    /// Starts the model's batching task; `observe` gets the size of every batch run.
    pub fn start(config: BatchConfig, observe: impl Fn(usize) + Send + Sync + 'static) -> Self {
        let (tx, rx) = mpsc::channel(config.max_queue.max(1));
        tokio::spawn(run(rx, config, Arc::new(observe)));
        Self { tx }
    }

    /// Queues work for a version; the answer arrives on the receiver.
    pub fn submit(
        &self,
        version: Arc<Version>,
        work: Work,
    ) -> Result<oneshot::Receiver<Finished>, Full> {
        let (reply, done) = oneshot::channel();
        let job = Job {
            version,
            work,
            enqueued: Instant::now(),
            reply,
        };
        self.tx.try_send(job).map_err(|_| Full)?;
        Ok(done)
    }

    /// Requests waiting.
    pub fn depth(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }
}

async fn run(
    mut rx: mpsc::Receiver<Job>,
    config: BatchConfig,
    observe: Arc<dyn Fn(usize) + Send + Sync>,
) {
    let running = Arc::new(Semaphore::new(config.concurrency.max(1)));
    loop {
        // A session first, then the batch: while every session is busy, requests gather in the
        // queue and the next batch takes them together.
        let Ok(permit) = running.clone().acquire_owned().await else {
            return;
        };
        let Some(first) = rx.recv().await else {
            return;
        };
        let tensors = matches!(first.work, Work::Tensors(_));
        let mut rows = first.rows();
        let mut jobs = vec![first];
        let deadline = tokio::time::Instant::now() + config.max_wait;
        // Tensor requests run one at a time: their shapes need not stack.
        while !tensors && rows < config.max_batch {
            tokio::select! {
                next = rx.recv() => match next {
                    Some(job) => {
                        rows += job.rows();
                        jobs.push(job);
                    }
                    None => break,
                },
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        let observe = observe.clone();
        tokio::task::spawn_blocking(move || {
            observe(rows);
            run_batch(jobs, rows);
            drop(permit);
        });
    }
}

/// Runs jobs that were batched together, version by version (a swap may fall inside a batch).
fn run_batch(mut jobs: Vec<Job>, batch_size: usize) {
    let started = Instant::now();
    while !jobs.is_empty() {
        let version = jobs[0].version.clone();
        let (mine, rest): (Vec<Job>, Vec<Job>) = jobs
            .into_iter()
            .partition(|j| Arc::ptr_eq(&j.version, &version));
        jobs = rest;
        let queue_ms =
            |j: &Job| started.saturating_duration_since(j.enqueued).as_secs_f64() * 1000.0;
        let mut texts = Vec::new();
        let mut counts = Vec::new();
        let mut tensor_jobs = Vec::new();
        let mut text_jobs = Vec::new();
        for job in mine {
            match job.work {
                Work::Texts(ref t) => {
                    counts.push(t.len());
                    texts.extend(t.iter().cloned());
                    text_jobs.push(job);
                }
                Work::Tensors(_) => tensor_jobs.push(job),
            }
        }
        for mut job in tensor_jobs {
            let Work::Tensors(inputs) = std::mem::replace(&mut job.work, Work::Texts(Vec::new()))
            else {
                continue;
            };
            let finished = Finished {
                result: version.run_tensors(inputs).map(Output::Tensors),
                queue_ms: queue_ms(&job),
                batch_size,
            };
            let _ = job.reply.send(finished);
        }
        if text_jobs.is_empty() {
            continue;
        }
        match version.run_texts(&texts) {
            Ok(answer) => {
                for (job, answer) in text_jobs.into_iter().zip(split(answer, &counts)) {
                    let waited = queue_ms(&job);
                    let _ = job.reply.send(Finished {
                        result: Ok(Output::Answer(answer)),
                        queue_ms: waited,
                        batch_size,
                    });
                }
            }
            Err(e) => {
                for job in text_jobs {
                    let waited = queue_ms(&job);
                    let _ = job.reply.send(Finished {
                        result: Err(e.clone()),
                        queue_ms: waited,
                        batch_size,
                    });
                }
            }
        }
    }
}

/// A batch's answer cut into each request's share, `counts` texts each.
fn split(answer: Answer, counts: &[usize]) -> Vec<Answer> {
    fn chunks<T>(all: Vec<T>, counts: &[usize]) -> Vec<Vec<T>> {
        let mut rows = all.into_iter();
        counts
            .iter()
            .map(|n| rows.by_ref().take(*n).collect())
            .collect()
    }
    match answer {
        Answer::Embeddings(v) => chunks(v, counts)
            .into_iter()
            .map(Answer::Embeddings)
            .collect(),
        Answer::Classes(v) => chunks(v, counts).into_iter().map(Answer::Classes).collect(),
    }
}
