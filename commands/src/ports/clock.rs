//! The clock port: the time a command decides at. Handlers and flows that take it from here,
//! rather than from `Utc::now()`, can be tested at any instant.
use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}
