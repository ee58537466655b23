//! The test run's PostgreSQL server and a fresh database on it for every test.
//!
//! Only std, sqlx and uuid are named here: `api/tests/cli.rs` includes this file by path, since
//! the `api` crate cannot depend on this one (this one depends on `api`).

use sqlx::Connection;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The admin URL of the test run's PostgreSQL server: `USERS_API_TEST_PG_URL` (set by
/// `scripts/test`), or a server this process starts itself and stops when it exits.
pub fn pg_admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("USERS_API_TEST_PG_URL")
            && !url.is_empty()
        {
            return url;
        }
        let dir = std::env::temp_dir().join(format!("users-api-pg-{}", uuid::Uuid::new_v4().simple()));
        // both crates that include this file sit one folder below the repository root
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-server");
        let out = Command::new(&script).arg("start").arg(&dir).output().expect("run scripts/pg-server");
        assert!(out.status.success(), "scripts/pg-server start failed: {}", String::from_utf8_lossy(&out.stderr));
        // stop the server when this test process is gone
        let watchdog = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; '{script}' stop '{dir}' >/dev/null 2>&1",
            pid = std::process::id(),
            script = script.display(),
            dir = dir.display()
        );
        // deliberately not waited for: it outlives this process to stop the server
        #[allow(clippy::zombie_processes)]
        let _watchdog = Command::new("sh").arg("-c").arg(watchdog).spawn().expect("spawn watchdog");
        String::from_utf8_lossy(&out.stdout).lines().last().expect("url").trim().to_owned()
    })
}

/// A new, empty database on the test PostgreSQL server.
pub async fn fresh_pg_database() -> String {
    let admin = pg_admin_url();
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin).await.expect("connect to test PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
        .execute(&mut conn)
        .await
        .expect("create the test database");
    let _ = conn.close().await;
    match admin.rfind('/') {
        Some(i) => format!("{}/{name}", &admin[..i]),
        None => panic!("admin url without a database: {admin}"),
    }
}
