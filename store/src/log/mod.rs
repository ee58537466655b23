//! The event-log statements shared by both engines. Engines differ only in how a write
//! transaction is opened (one writer + `BEGIN IMMEDIATE` vs. a pool) and in the gated read on
//! PostgreSQL; everything else is written once here.
//!
//! A file per concern: `append`, `claims` and `outbox` (the write transaction), `read` and
//! `rows` (the stream and the global log), `projection` and `rebuild` (read-model tables,
//! checkpoints, fingerprints), `verify` (the hash chain).
mod append;
mod claims;
mod outbox;
mod projection;
mod read;
mod rebuild;
mod rows;
mod verify;

pub(crate) use append::append_in_tx;
pub(crate) use outbox::insert_outbox;
pub(crate) use projection::{
    apply_events, create_tables, drop_tables, exclude_appends, fingerprint, lease, stored_fingerprint, table_exists,
    write_checkpoint, write_fingerprint,
};
pub(crate) use read::{
    any_after, checkpoint_at_in_db, read_after_in_db, read_recorded_after_in_db, read_recorded_after_in_tx,
    read_recorded_stream_in_db, read_stored_stream_in_db,
};
pub use rebuild::{RebuildReport, TableComparison};
pub(crate) use rebuild::{catch_up_live, compare_and_swap, compare_on_pool};
pub(crate) use verify::verify_events;
pub use verify::{Tampered, VerifyReport};
