//! One run at a time per project: an exclusive OS lock on `<outputs>/.run.lock`.

use std::path::{Path, PathBuf};

use chrono::Utc;

use crate::manifest::utc;
use crate::writer::relative;

/// File name of the run lock, in the outputs folder.
pub const LOCK_FILE: &str = ".run.lock";

/// Another run holds the lock.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The lock is held.
    #[error("another run holds the lock {path} ({holder}); wait for it to finish, or stop it")]
    Held {
        /// The lock file, relative to the root.
        path: String,
        /// What the holder wrote into it (pid, run id, command), or `holder unknown`.
        holder: String,
    },
    /// The lock file could not be opened or locked.
    #[error("cannot lock {path}: {source}")]
    Io {
        /// The lock file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// The project's run lock: an exclusive OS lock (`flock`) on `<outputs>/.run.lock`, held for
/// the whole command and released when dropped, or by the OS when the process ends in any
/// way (panic, kill). The file holds the holder's pid, run id and command for the message of
/// a refused second run; it stays in place between runs (the lock, not the file, is what
/// counts).
#[derive(Debug)]
pub struct RunLock {
    _file: std::fs::File,
    path: PathBuf,
}

impl RunLock {
    /// Takes the lock of the project at `root` for `run_id` running `command`, or fails at
    /// once (no waiting) when another process or handle holds it.
    #[allow(clippy::incompatible_msrv)] // File::try_lock: Rust 1.89 (the toolchain is 1.95)
    pub fn acquire(
        root: &Path,
        outputs: &Path,
        run_id: &str,
        command: &str,
    ) -> Result<RunLock, LockError> {
        use std::io::{Read as _, Seek as _, Write as _};
        let path = root.join(outputs).join(LOCK_FILE);
        let rel = relative(root, &path);
        let io_err = |source| LockError::Io {
            path: rel.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_err)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder = text.trim();
                return Err(LockError::Held {
                    path: rel,
                    holder: if holder.is_empty() {
                        "holder unknown".into()
                    } else {
                        holder.to_string()
                    },
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_err(e)),
        }
        let who = format!(
            "pid {}, run {run_id}, command `{command}`, since {}",
            std::process::id(),
            utc(Utc::now())
        );
        file.set_len(0).map_err(io_err)?;
        file.rewind().map_err(io_err)?;
        file.write_all(who.as_bytes()).map_err(io_err)?;
        let _ = file.sync_all();
        Ok(RunLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
