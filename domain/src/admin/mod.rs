//! The admin surface's own history: the admin keys (`admin-keys`, one stream for the whole
//! service) and the record of every admin read of user data (`admin-read-{id}`, one stream per
//! read, so concurrent reads never contend).
//!
//! The rules: a key has one role; its secret is known only as a SHA-256 hash; a key id is taken
//! once; a revoked key stays revoked (it is never reused or restored); a key without a label is
//! refused. A read is recorded as it happened: nothing to decide beyond its fields being there.
mod keys;
mod reads;

#[cfg(test)]
mod tests;

pub use keys::{AdminKey, AdminKeyCommand, AdminKeyError, AdminKeyEvent, AdminKeys, AdminRole};
pub use reads::{AdminRead, AdminReadCommand, AdminReadError, AdminReadEvent};

/// The one stream of admin keys.
pub const KEYS_STREAM: &str = "admin-keys";
pub const KEYS_STREAM_TYPE: &str = "admin-keys";
pub const READ_STREAM_TYPE: &str = "admin-read";

pub fn read_stream_id(read_id: uuid::Uuid) -> String {
    format!("admin-read-{read_id}")
}
