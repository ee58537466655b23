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
    /// Load, not a fault: the pool was exhausted, SQLite stayed busy past its timeout, or
    /// PostgreSQL picked this transaction as a deadlock or serialization victim. A retry may pass.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Database(sqlx::Error::PoolTimedOut) => true,
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
