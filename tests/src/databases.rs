//! Where a test's data lives: a scratch directory, and a database URL per engine.

use crate::postgres::fresh_pg_database;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A scratch directory removed at the end of the test.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("users-api-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("create the scratch directory");
        Self(dir)
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A database URL for `engine`: a SQLite file in `scratch`, or a fresh PostgreSQL database.
pub async fn database_url(engine: Engine, scratch: &Scratch) -> String {
    match engine {
        Engine::Sqlite => format!("sqlite://{}", scratch.0.join("events.db").display()),
        Engine::Postgres => fresh_pg_database().await,
    }
}
