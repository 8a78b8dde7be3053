//! The store's swap lock: a query holds it shared from planning to its last batch, and compaction
//! holds it exclusive only while it puts a merged file in place of its inputs. So no query sees a
//! file it listed vanish, or the same rows in a merged file and in its inputs.
//!
//! It is an advisory file lock (`flock`), so it also holds between processes sharing one data
//! directory, and the kernel drops it with the process that held it.

use std::{
    fs::{File, OpenOptions},
    path::{Path, PathBuf},
};

use super::{EmbeddedError, files};

#[derive(Debug, Clone)]
pub struct SwapLock(PathBuf);

impl SwapLock {
    pub fn new(store_dir: &Path) -> Self {
        Self(store_dir.join(".swap.lock"))
    }

    /// Blocks while a compaction swaps files; held until the file is dropped.
    pub fn shared(&self) -> Result<File, EmbeddedError> {
        let file = self.open()?;
        file.lock_shared().map_err(self.io())?;
        Ok(file)
    }

    /// Blocks until no query runs; held until the file is dropped.
    pub fn exclusive(&self) -> Result<File, EmbeddedError> {
        let file = self.open()?;
        file.lock().map_err(self.io())?;
        Ok(file)
    }

    /// [`Self::shared`] off the async workers, since a swap can make it wait.
    pub async fn shared_async(&self) -> Result<File, EmbeddedError> {
        let lock = self.clone();
        tokio::task::spawn_blocking(move || lock.shared())
            .await
            .map_err(|e| self.io()(std::io::Error::other(e)))?
    }

    fn open(&self) -> Result<File, EmbeddedError> {
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.0)
            .map_err(self.io())
    }

    fn io(&self) -> impl FnOnce(std::io::Error) -> EmbeddedError {
        files::io(&self.0)
    }
}
