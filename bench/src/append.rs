//! Append throughput: `EventStore::append` (with the server's inline projectors and with none)
//! beside raw sqlx doing the same multi-row insert into an identically migrated database.
use crate::report::{Kind, Row, Target as Goal};
use crate::setup::{CpuSnap, Settings, Target, raw_pg_pool, raw_sqlite_writer, run_count, run_for, summarize};
use anyhow::{Result, bail};
use serde_json::{Value, json};
use sqlx::postgres::PgPool;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};
use std::sync::Arc;
use std::time::Duration;
use store::{AppendRequest, EventStore, Metadata, NewEvent, format_time, now_micros};
use tokio::sync::Mutex;
use uuid::Uuid;

/// A stand-in for the 64 hex digits of a SHA-256 the store computes per event.
const HASH: &str = "9f2c5a7e01b34d8c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d";

/// A realistic ~330-byte payload shaped like `UserRegistered`.
pub fn bench_payload() -> Value {
    let user_id = Uuid::new_v4();
    json!({
        "user_id": user_id,
        "tenant_id": "tenant-7b3f0c2a",
        "partner_id": "partner-acme-fleet-services",
        "email": format!("driver.{}@acme-fleet-services.example.com", &user_id.simple().to_string()[..12]),
        "external_uid": format!("acme:{}", Uuid::new_v4()),
        "test_user": false,
        "registered_at": format_time(&now_micros()),
        "locale": "en-US",
        "source": "coord.create_jwt",
    })
}

/// Metadata as an HTTP request through the coord dialect stamps it.
pub fn bench_metadata() -> Metadata {
    let request_id = Uuid::now_v7().to_string();
    Metadata {
        actor: Some("partner:partner-acme-fleet-services".into()),
        tenant: Some("tenant-7b3f0c2a".into()),
        dialect: Some("coord".into()),
        request_id: Some(request_id.clone()),
        user_agent: Some("acme-fleet-backend/4.2 (reqwest 0.12)".into()),
        correlation_id: Some(request_id),
        causation_id: None,
    }
}

fn bench_request(events: usize) -> AppendRequest {
    AppendRequest {
        stream_id: format!("bench-{}", Uuid::now_v7()),
        stream_type: "bench".into(),
        expected_version: 0,
        events: (0..events)
            .map(|_| NewEvent {
                event_id: Uuid::now_v7(),
                event_type: "BenchEvent".into(),
                schema_version: 1,
                payload: bench_payload(),
            })
            .collect(),
        claims: Vec::new(),
        metadata: bench_metadata(),
    }
}

/// The store's insert statement for `events` rows, without `returning`.
fn insert_sql(postgres: bool, events: usize) -> Arc<str> {
    let (uuid, json, ts) = if postgres { ("::uuid", "::json", "::timestamptz") } else { ("", "", "") };
    let mut sql = String::from(
        "insert into events (event_id, stream_id, stream_type, stream_version, event_type, schema_version, \
         payload, metadata, correlation_id, causation_id, recorded_at, hash) values ",
    );
    for i in 0..events {
        let n = i * 12;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}{uuid}, ${}, ${}, ${}, ${}, ${}, ${}{json}, ${}{json}, ${}, ${}, ${}{ts}, ${})",
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5,
            n + 6,
            n + 7,
            n + 8,
            n + 9,
            n + 10,
            n + 11,
            n + 12
        ));
    }
    sql.into()
}

/// One writer of commits: the real store, or raw sqlx.
pub enum Appender {
    Store(Arc<dyn EventStore>),
    /// `transaction: false`: the insert alone, committed by the database on its own (one round
    /// trip instead of three); the store appends so when nothing else shares the commit.
    RawSqlite {
        conn: Mutex<SqliteConnection>,
        sql: Arc<str>,
        transaction: bool,
    },
    RawPg {
        pool: PgPool,
        sql: Arc<str>,
        transaction: bool,
    },
}

/// The values of one raw commit, built like the store builds them (minus the hash).
struct RawCommit {
    stream_id: String,
    metadata: String,
    correlation_id: Option<String>,
    recorded_at: String,
    events: Vec<(String, String)>,
}

impl RawCommit {
    fn new(events: usize) -> Result<Self> {
        let metadata = bench_metadata();
        Ok(Self {
            stream_id: format!("bench-{}", Uuid::now_v7()),
            metadata: serde_json::to_string(&metadata)?,
            correlation_id: metadata.correlation_id,
            recorded_at: format_time(&now_micros()),
            events: (0..events)
                .map(|_| Ok((Uuid::now_v7().to_string(), serde_json::to_string(&bench_payload())?)))
                .collect::<Result<_>>()?,
        })
    }
}

/// Bind a commit's rows in the store's column order.
macro_rules! bind_commit {
    ($query:expr, $c:expr) => {{
        let mut q = $query;
        for (i, (event_id, payload)) in $c.events.iter().enumerate() {
            q = q
                .bind(event_id.as_str())
                .bind($c.stream_id.as_str())
                .bind("bench")
                .bind(1 + i as i64)
                .bind("BenchEvent")
                .bind(1i64)
                .bind(payload.as_str())
                .bind($c.metadata.as_str())
                .bind($c.correlation_id.as_deref())
                .bind(None::<&str>)
                .bind($c.recorded_at.as_str())
                .bind(HASH);
        }
        q
    }};
}

impl Appender {
    /// The raw baseline: `events` events per commit into the fresh database at `url`.
    pub async fn raw(target: &Target, url: &str, events: usize) -> Result<Self> {
        Self::raw_with(target, url, events, true).await
    }

    /// The raw baseline without `BEGIN`/`COMMIT`: each insert its own transaction.
    pub async fn raw_autocommit(target: &Target, url: &str, events: usize) -> Result<Self> {
        Self::raw_with(target, url, events, false).await
    }

    async fn raw_with(target: &Target, url: &str, events: usize, transaction: bool) -> Result<Self> {
        Ok(match target {
            Target::Sqlite { .. } => Self::RawSqlite {
                conn: Mutex::new(raw_sqlite_writer(url).await?),
                sql: insert_sql(false, events),
                transaction,
            },
            Target::Postgres { .. } => {
                Self::RawPg { pool: raw_pg_pool(url).await?, sql: insert_sql(true, events), transaction }
            }
        })
    }

    /// One commit of `events` events to a new stream.
    pub async fn commit(&self, events: usize) -> Result<()> {
        match self {
            Self::Store(store) => {
                store.append(bench_request(events)).await?;
            }
            Self::RawSqlite { conn, sql, transaction } => {
                let c = RawCommit::new(events)?;
                let mut conn = conn.lock().await;
                if *transaction {
                    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
                    bind_commit!(sqlx::query(AssertSqlSafe(sql.clone())), c).execute(&mut *tx).await?;
                    tx.commit().await?;
                } else {
                    bind_commit!(sqlx::query(AssertSqlSafe(sql.clone())), c).execute(&mut *conn).await?;
                }
            }
            Self::RawPg { pool, sql, transaction } => {
                let c = RawCommit::new(events)?;
                if *transaction {
                    let mut tx = pool.begin().await?;
                    bind_commit!(sqlx::query(AssertSqlSafe(sql.clone())), c).execute(&mut *tx).await?;
                    tx.commit().await?;
                } else {
                    bind_commit!(sqlx::query(AssertSqlSafe(sql.clone())), c).execute(pool).await?;
                }
            }
        }
        Ok(())
    }

    async fn count(&self, sql: &'static str) -> Result<i64> {
        Ok(match self {
            Self::Store(store) => store.db().fetch_optional::<(i64,)>(sql, &[]).await?.map_or(0, |r| r.0),
            Self::RawSqlite { conn, .. } => {
                let mut conn = conn.lock().await;
                sqlx::query_as::<_, (i64,)>(sql).fetch_one(&mut *conn).await?.0
            }
            Self::RawPg { pool, .. } => sqlx::query_as::<_, (i64,)>(sql).fetch_one(pool).await?.0,
        })
    }
}

/// Events/s of `commits` commits, and the CPU share other processes took meanwhile.
async fn timed(app: &Arc<Appender>, writers: usize, commits: u64, events: usize) -> Result<(f64, f64)> {
    let app = app.clone();
    let cpu = CpuSnap::now();
    let took = run_count(writers, commits, move |_| {
        let app = app.clone();
        async move { app.commit(events).await }
    })
    .await?;
    Ok((commits as f64 * events as f64 / took.as_secs_f64(), cpu.others_since()))
}

/// One (events per commit, writers) cell: store with inline projectors, store without, raw.
pub async fn scenario(target: &Target, settings: &Settings, events: usize, writers: usize) -> Result<Vec<Row>> {
    let tag = format!("append_{events}e_{writers}w");
    let engine = target.name();
    let inline = Arc::new(Appender::Store(
        target.open_store(&target.fresh(&format!("{tag}_inline")).await?, projections::inline()).await?,
    ));
    let plain =
        Arc::new(Appender::Store(target.open_store(&target.fresh(&format!("{tag}_plain")).await?, Vec::new()).await?));
    let raw = Arc::new(Appender::raw(target, &target.fresh(&format!("{tag}_raw")).await?, events).await?);

    // warm up each for the same number of commits; the store's warm-up rate sets the run length
    let warm = {
        let app = inline.clone();
        run_for(writers, Duration::from_secs_f64(settings.warmup_secs), move || {
            let app = app.clone();
            async move { app.commit(events).await }
        })
        .await?
    };
    timed(&plain, writers, warm, events).await?;
    timed(&raw, writers, warm, events).await?;
    let rate = warm as f64 / settings.warmup_secs;
    let commits = ((rate * settings.secs) as u64).max(writers as u64 * 20);
    eprintln!(
        "{engine} {events} ev/commit, {writers} writer(s): warm-up {warm} commits ({rate:.0}/s); measuring {commits} commits x {} round(s)",
        settings.rounds
    );

    let apps = [("store, inline", &inline), ("store, no inline", &plain), ("raw", &raw)];
    let mut samples: [Vec<f64>; 3] = Default::default();
    let mut others = [0f64; 3];
    for round in 0..settings.rounds {
        // rotate the order so no variant always runs first
        for k in 0..apps.len() {
            let which = (k + round) % apps.len();
            let (name, app) = apps[which];
            let (ev_s, other) = timed(app, writers, commits, events).await?;
            eprintln!(
                "  round {}: {name:<16} {:>9.0} commits/s {:>9.0} events/s",
                round + 1,
                ev_s / events as f64,
                ev_s
            );
            samples[which].push(ev_s);
            others[which] = others[which].max(other);
        }
    }

    // sanity: same rows everywhere, and the inline projectors ignored the `bench` streams
    let expected = (warm + commits * settings.rounds as u64) as i64 * events as i64;
    for (name, app) in apps {
        let n = app.count("select count(*) from events").await?;
        if n != expected {
            bail!("{name}: {n} events stored, expected {expected}");
        }
    }
    let projected = inline
        .count("select (select count(*) from user_view) + (select count(*) from catalog_tenants) + (select count(*) from catalog_partners)")
        .await?;
    if projected != 0 {
        bail!("the inline projectors wrote {projected} rows for `bench` streams");
    }

    let raw_summary = summarize(&samples[2]);
    let label = |projectors: &str| {
        format!(
            "append, {events} event{}/commit, {writers} writer{}, {projectors}",
            if events == 1 { "" } else { "s" },
            if writers == 1 { "" } else { "s" },
        )
    };
    Ok(vec![
        Row {
            engine,
            figure: label("inline projectors"),
            events_per_commit: Some(events),
            store: summarize(&samples[0]),
            raw: Some(raw_summary),
            others: others[0].max(others[2]),
            target: Goal::Ratio(0.8),
            kind: Kind::Events,
        },
        Row {
            engine,
            figure: label("no projectors"),
            events_per_commit: Some(events),
            store: summarize(&samples[1]),
            raw: Some(raw_summary),
            others: others[1].max(others[2]),
            target: Goal::Ratio(0.8),
            kind: Kind::Events,
        },
    ])
}
