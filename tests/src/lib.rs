//! Test support: real databases (a SQLite file, or a fresh database on a throwaway PostgreSQL
//! server), the real server spawned on port 0, and a typed client per dialect, so that each test
//! file tells its feature's story instead of how to sign in.
#![forbid(unsafe_code)]
// helpers that fail the test on the spot are what a harness is for
#![allow(clippy::unwrap_used)]

mod app;
pub mod browser;
pub mod coord;
mod databases;
pub mod legacy;
pub mod payments;
mod pg_cluster;
mod postgres;
pub mod stripe_standin;
pub mod suite;
mod tokens;

pub use app::{TestApp, open_existing_store, open_store, totp_code};
pub use databases::{Engine, Scratch, database_url};
pub use pg_cluster::PgCluster;
pub use postgres::{fresh_pg_database, pg_admin_url};
pub use tokens::claims;

/// Poll `check` until it holds or `secs` pass.
pub async fn eventually<F, Fut>(secs: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    false
}

/// Declare a test body once and run it on both engines: `both_engines!(name, |engine| async { … })`.
#[macro_export]
macro_rules! both_engines {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::Engine::Postgres).await
            }
        }
    };
}
