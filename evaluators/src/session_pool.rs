//! ONNX Runtime sessions, pooled: a session runs one batch at a time, so a model that scores
//! batches side by side holds several, and each batch takes whichever is free.

use std::sync::{
    Mutex, MutexGuard,
    atomic::{AtomicUsize, Ordering},
};

use ort::session::Session;

pub struct SessionPool {
    sessions: Vec<Mutex<Session>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for SessionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionPool")
            .field("sessions", &self.sessions.len())
            .finish()
    }
}

impl SessionPool {
    /// `count` sessions (at least one), each made by `build`.
    pub fn build<E>(
        count: usize,
        mut build: impl FnMut() -> Result<Session, E>,
    ) -> Result<Self, E> {
        let sessions = (0..count.max(1))
            .map(|_| build().map(Mutex::new))
            .collect::<Result<Vec<_>, E>>()?;
        Ok(Self {
            sessions,
            next: AtomicUsize::new(0),
        })
    }

    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// A free session if there is one, else this turn's, once it is free.
    pub fn get(&self) -> MutexGuard<'_, Session> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.sessions.len();
        (0..n)
            .find_map(|i| self.sessions[(start + i) % n].try_lock().ok())
            .unwrap_or_else(|| {
                self.sessions[start % n]
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
            })
    }
}
