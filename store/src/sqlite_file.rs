//! What SQLite needs from the machine beyond its connection: an owner-only database file, and
//! a C library that keeps freed memory for reuse.
use crate::StoreError;
use sqlx::SqliteConnection;

/// Bytes of the one block `keep_freed_heap` allocates and frees: just under glibc's largest
/// dynamic mmap threshold (32 MiB on 64-bit), so that freeing it raises the threshold to it.
const HEAP_PROBE_BYTES: i64 = 30 * 1024 * 1024;

/// SQLite allocates with the C library's malloc (Rust code uses mimalloc), from a glibc arena per
/// sqlx worker thread. By default glibc hands a thread arena's free top back to the kernel once
/// it exceeds 128 KiB, so every page of a rebuild or catch-up (megabytes of text) faulted fresh
/// pages in and gave them back: a fifth of a rebuild's CPU time was the kernel's. glibc raises
/// that limit by itself, to twice the size of the largest block it had to map and unmap (at most
/// 32 MiB), so one such block, allocated and freed by SQLite at open, keeps up to 60 MiB of
/// freed memory per arena for reuse (ADR 0026): a rebuild of a million events went from ≈ 5.3 to
/// ≈ 4.6 s of system time, and reading its log alone from 6.4–8.0 s to 4.4 s. The price: an
/// arena keeps what it once held (peak RSS of that rebuild 360 → 480–530 MB). With another C
/// library this is one 30 MiB allocation, once per process.
pub(crate) async fn keep_freed_heap(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    // the limit is the process's: once is enough
    static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !DONE.swap(true, std::sync::atomic::Ordering::Relaxed) {
        sqlx::query("select length(randomblob(?))").bind(HEAP_PROBE_BYTES).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The database file and its WAL hold password hashes, keys and personal data: owner-only
/// (0600). Created so before SQLite opens it, which gives its `-wal` and `-shm` files the same
/// mode; files of an older start are narrowed.
pub(crate) fn owner_only(database: &std::path::Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        let name = database.as_os_str();
        if name.is_empty() || name == ":memory:" {
            return Ok(());
        }
        let fail = |e: std::io::Error| {
            StoreError::Database(sqlx::Error::Io(std::io::Error::new(e.kind(), format!("{}: {e}", database.display()))))
        };
        if !database.exists() {
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(database).map_err(fail)?;
        }
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut path = name.to_owned();
            path.push(suffix);
            let path = std::path::PathBuf::from(path);
            if path.exists() {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(fail)?;
            }
        }
    }
    Ok(())
}
