//! The write side: load a stream, let the aggregate decide, append what it decided.
#![forbid(unsafe_code)]

pub mod admin;
mod bus;
pub mod cards;
pub mod catalog;
pub mod codes;
pub mod erasure;
pub mod id_token;
pub mod idempotency;
pub mod links;
pub mod login;
pub mod outbox;
pub mod partner_token;
pub mod partner_users;
pub mod passwords;
pub mod ports;
pub mod profile;
pub mod replay;
pub mod signin;
pub mod twofactor;
pub mod user;
pub mod verification;
pub mod wallet;

pub use bus::{CommandBus, CommandError, Executed};
// what the API hands to the write side (the store to build a bus on, the metadata of a
// command), so it need not name the store crate
pub use store::{AppendRequest, ClaimOp, EventStore, Metadata, NewEvent, StoreError};

use sha2::{Digest, Sha256};

/// Keys and tokens are kept only as SHA-256 hashes: they are long random strings, so a plain
/// hash is enough (no password stretching), and lookups by hash stay indexable.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
