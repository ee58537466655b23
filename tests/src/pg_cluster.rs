//! A PostgreSQL server of a test's own, which the test may stop and start again (the shared
//! server of `USERS_API_TEST_PG_URL` must never be stopped). Started and removed with
//! `scripts/pg-server`; stopped and restarted with its `pg_ctl`, as the user that owns it.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: String,
    pub url: String,
}

impl PgCluster {
    /// Whether PostgreSQL server binaries are at hand (`PG_BIN_DIR` or
    /// `/usr/lib/postgresql/*/bin`); without them `scripts/pg-server` would install them.
    pub fn binaries_present() -> bool {
        let has = |dir: &Path| dir.join("pg_ctl").is_file() && dir.join("initdb").is_file();
        if let Ok(dir) = std::env::var("PG_BIN_DIR") {
            return has(Path::new(&dir));
        }
        std::fs::read_dir("/usr/lib/postgresql")
            .map(|versions| versions.flatten().any(|v| has(&v.path().join("bin"))))
            .unwrap_or(false)
    }

    /// A new server on a free port. Durable (`PG_SERVER_DURABLE=1`): with `fsync` and
    /// `synchronous_commit` off, an immediate stop would lose the last commits.
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("users-api-pgc-{}", uuid::Uuid::new_v4().simple()));
        let out = Command::new(script()).env("PG_SERVER_DURABLE", "1").arg("start").arg(&dir).output().unwrap();
        assert!(out.status.success(), "pg-server start: {}", String::from_utf8_lossy(&out.stderr));
        let url = String::from_utf8_lossy(&out.stdout).lines().last().unwrap().trim().to_owned();
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap().trim().to_owned();
        Self { bin: PathBuf::from(read("bindir")), port: read("port"), url, dir }
    }

    /// `pg_ctl stop -m immediate`: the server is gone at once, its connections break.
    pub fn stop(&self) {
        self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
    }

    /// Start the stopped server again, on the same port and data dir.
    pub fn restart(&self) {
        let log = self.dir.join("log");
        let port = format!("-p {}", self.port);
        self.pg_ctl(&["-l", log.to_str().unwrap(), "-o", &port, "-w", "-t", "60", "start"]);
    }

    fn pg_ctl(&self, args: &[&str]) {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.dir.join("data");
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(pg_ctl);
            c
        } else {
            Command::new(pg_ctl)
        };
        let out = command.arg("-D").arg(data).args(args).current_dir(&self.dir).output().unwrap();
        assert!(out.status.success(), "pg_ctl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").arg(&self.dir).output();
    }
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-server")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}
