use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// Another command appended to the stream first; reload and decide again.
    #[error("stream {stream_id} is no longer at version {expected_version}")]
    Concurrency { stream_id: String, expected_version: i64 },
    /// A unique claim is held by another stream.
    #[error("claim {scope}:{value} is held by {owner}")]
    Claim { scope: String, value: String, owner: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("projection {projection} failed: {message}")]
    Projection { projection: String, message: String },
    #[error("unknown projection {0}")]
    UnknownProjection(String),
}

impl StoreError {
    /// The database cannot be reached or gives no connection in time: the pool stayed exhausted
    /// (or found no server to connect to) for its acquire timeout, the connection broke, or
    /// PostgreSQL is shutting down, starting up or out of connection slots. Retry later.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Database(
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::WorkerCrashed,
            ) => true,
            Self::Database(sqlx::Error::Database(e)) => e.code().is_some_and(|code| {
                // class 08: connection exception; 57P01-57P03: admin or crash shutdown, cannot
                // connect now; 53300: too many connections
                code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "53300")
            }),
            _ => false,
        }
    }

    /// Load, not a fault: SQLite stayed busy past its timeout, or PostgreSQL picked this
    /// transaction as a deadlock or serialization victim. A retry may pass.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Database(sqlx::Error::Database(e)) => {
                matches!(e.code().as_deref(), Some("5" | "6" | "261" | "262" | "517" | "40001" | "40P01" | "55P03"))
            }
            _ => false,
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        Self::Corrupt(e.to_string())
    }
}
