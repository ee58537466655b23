//! Catch-up throughput: `rebuild(user_view)` and a `project_batch` loop of the sign-ups
//! projector from position 0, beside raw sqlx reading the same events in pages and upserting
//! the same rows into plain tables with the same transaction pattern.
use crate::append::bench_metadata;
use crate::report::{Kind, Row, Target as Goal, thousands};
use crate::setup::{CpuSnap, Settings, Target, run_count, sqlite_options, summarize};
use anyhow::{Context, Result, bail};
use chrono::{DateTime, TimeZone, Utc};
use domain::EventCodec;
use domain::user::{UserEvent, partner_email_claim};
use domain::values::{Email, ExternalUid};
use projections::signups::SignupsProjector;
use projections::users::UserViewProjector;
use serde::Deserialize;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection, SqlitePool};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{AppendRequest, Arg, Batch, ClaimOp, EventStore, NewEvent, Projector, Tables, format_time};
use uuid::Uuid;

/// The store's rebuild page (`SqliteStore::rebuild` / `PostgresStore::rebuild` read 5 000).
const REBUILD_PAGE: i64 = 5_000;
/// The catch-up runner's batch (`projections::runner::BATCH`).
const CATCH_UP_BATCH: i64 = 1_000;
const RAW_SUFFIX: &str = "__raw";

/// A `UserRegistered` in a new `user` stream, with the partner-email claim, as the bus sends it.
fn user_request(i: u64) -> Result<AppendRequest> {
    let user_id = Uuid::now_v7();
    let tenant_id = format!("tenant-{:02}", i % 8);
    let partner_id = format!("partner-{:03}", i % 40);
    let test_user = i.is_multiple_of(10);
    let email = Email::parse(&format!("driver.{i}@fleet{}.example.com", i % 97))?;
    let external_uid = if i.is_multiple_of(2) { Some(ExternalUid::parse(&format!("ext-{i:09}"))?) } else { None };
    let base = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().context("base date")?;
    let registered_at = base - chrono::Duration::days((i % 365) as i64)
        + chrono::Duration::microseconds(((i * 7_919_993) % 86_400_000_000) as i64);
    let claim = partner_email_claim(&partner_id, test_user, &email);
    let event =
        UserEvent::UserRegistered { user_id, tenant_id, partner_id, email, external_uid, test_user, registered_at };
    let (event_type, schema_version, payload) = event.encode()?;
    Ok(AppendRequest {
        stream_id: domain::user::stream_id(user_id),
        stream_type: "user".into(),
        expected_version: 0,
        events: vec![NewEvent { event_id: Uuid::now_v7(), event_type, schema_version, payload }],
        claims: vec![ClaimOp::Take { scope: claim.scope.to_owned(), value: claim.value }],
        metadata: bench_metadata(),
    })
}

/// The fields of a `UserRegistered` payload that the two projectors write.
#[derive(Deserialize)]
struct Registered {
    tenant_id: String,
    partner_id: String,
    email: String,
    #[serde(default)]
    external_uid: Option<String>,
    test_user: bool,
    registered_at: DateTime<Utc>,
}

/// The columns a raw catch-up reads.
#[derive(sqlx::FromRow)]
struct RawEvent {
    global_position: i64,
    tx: i64,
    stream_id: String,
    stream_type: String,
    stream_version: i64,
    event_type: String,
    payload: String,
}

const SQLITE_PAGE: &str = "select global_position, 0 as tx, stream_id, stream_type, stream_version, event_type, payload \
     from events where global_position > $1 order by global_position limit $2";
const PG_PAGE: &str = "select global_position, transaction_id::text::bigint as tx, stream_id, stream_type, stream_version, \
     event_type, payload::text as payload from events \
     where (transaction_id, global_position) > ($1::text::xid8, $2) order by transaction_id, global_position limit $3";

/// Raw sqlx connections to the catch-up database: a writer (SQLite: one connection taking
/// `BEGIN IMMEDIATE`, like the store) and readers.
enum Raw {
    Sqlite { writer: SqliteConnection, readers: SqlitePool },
    Postgres { pool: PgPool },
}

/// How the raw baseline writes a page: one statement per event (what the store's `Projector`
/// contract allows), or multi-row statements (the ceiling for the same transactions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    PerEvent,
    MultiRow,
}

/// Rows per multi-row statement (9 binds per `user_view` row, 4 per sign-ups row).
const MULTI_ROW: usize = 500;

/// A `user_view` row as the projector writes it.
struct ViewRow {
    user_id: String,
    tenant_id: String,
    partner_id: String,
    email: String,
    external_uid: Option<String>,
    test_user: bool,
    at: String,
    version: i64,
}

/// A sign-ups increment.
struct DayRow {
    tenant_id: String,
    day: String,
    users: i64,
    test_users: i64,
}

/// Multi-row statements on the raw tables, by row count (table names formatted in once).
struct RawSql {
    postgres: bool,
    view: HashMap<usize, Arc<str>>,
    days: HashMap<usize, Arc<str>>,
}

/// `rows` value tuples of `width` binds each: `$n` on PostgreSQL; anonymous `?` on SQLite,
/// because sqlx looks up every `$n` by name, which is quadratic in the bind count there.
fn values(postgres: bool, rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| {
            let cols: Vec<String> =
                (1..=width).map(|c| if postgres { format!("${}", r * width + c) } else { "?".to_owned() }).collect();
            format!("({})", cols.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl RawSql {
    fn new(postgres: bool) -> Self {
        Self { postgres, view: HashMap::new(), days: HashMap::new() }
    }

    fn view(&mut self, rows: usize) -> Arc<str> {
        self.view
            .entry(rows)
            .or_insert_with(|| {
                format!(
                    "insert into {} (user_id, tenant_id, partner_id, email, external_uid, test_user, \
                     registered_at, updated_at, stream_version) values {} on conflict (user_id) do nothing",
                    Tables::with_suffix(RAW_SUFFIX).name("user_view"),
                    values(self.postgres, rows, 9)
                )
                .into()
            })
            .clone()
    }

    fn days(&mut self, rows: usize) -> Arc<str> {
        self.days
            .entry(rows)
            .or_insert_with(|| {
                format!(
                    "insert into {t} (tenant_id, day, users, test_users) values {} \
                     on conflict (tenant_id, day) do update set users = {t}.users + excluded.users, \
                     test_users = {t}.test_users + excluded.test_users",
                    values(self.postgres, rows, 4),
                    t = Tables::with_suffix(RAW_SUFFIX).name("user_signups_daily")
                )
                .into()
            })
            .clone()
    }
}

fn view_rows(page: &[RawEvent]) -> Result<Vec<ViewRow>> {
    page.iter()
        .filter(|e| e.stream_type == "user" && e.event_type == "UserRegistered")
        .map(|e| {
            let p: Registered = serde_json::from_str(&e.payload)?;
            Ok(ViewRow {
                user_id: e.stream_id.trim_start_matches("user-").to_owned(),
                tenant_id: p.tenant_id,
                partner_id: p.partner_id,
                email: p.email,
                external_uid: p.external_uid,
                test_user: p.test_user,
                at: format_time(&p.registered_at),
                version: e.stream_version,
            })
        })
        .collect()
}

/// One increment per event, or (multi-row) one per tenant and day of the batch: a multi-row
/// upsert may not touch the same row twice.
fn day_rows(page: &[RawEvent], writes: Writes) -> Result<Vec<DayRow>> {
    let mut rows = Vec::new();
    let mut sums: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for e in page.iter().filter(|e| e.event_type == "UserRegistered") {
        let p: Registered = serde_json::from_str(&e.payload)?;
        let day = p.registered_at.format("%Y-%m-%d").to_string();
        let test = i64::from(p.test_user);
        match writes {
            Writes::PerEvent => rows.push(DayRow { tenant_id: p.tenant_id, day, users: 1, test_users: test }),
            Writes::MultiRow => {
                let sum = sums.entry((p.tenant_id, day)).or_default();
                sum.0 += 1;
                sum.1 += test;
            }
        }
    }
    rows.extend(sums.into_iter().map(|((tenant_id, day), (users, test_users))| DayRow {
        tenant_id,
        day,
        users,
        test_users,
    }));
    Ok(rows)
}

/// Execute `rows` in chunks of `chunk` through `$sql(len)`, binding each row with `$bind`.
macro_rules! write_rows {
    ($tx:expr, $rows:expr, $chunk:expr, $sql:expr, |$q:ident, $r:ident| $bind:expr) => {
        for part in $rows.chunks($chunk) {
            let mut $q = sqlx::query(AssertSqlSafe($sql(part.len())));
            for $r in part {
                $q = $bind;
            }
            $q.execute(&mut *$tx).await?;
        }
    };
}

macro_rules! write_view {
    ($tx:expr, $rows:expr, $chunk:expr, $sql:expr) => {
        write_rows!($tx, $rows, $chunk, |n| $sql.view(n), |q, r| q
            .bind(r.user_id.as_str())
            .bind(r.tenant_id.as_str())
            .bind(r.partner_id.as_str())
            .bind(r.email.as_str())
            .bind(r.external_uid.as_deref())
            .bind(r.test_user)
            .bind(r.at.as_str())
            .bind(r.at.as_str())
            .bind(r.version))
    };
}

macro_rules! write_days {
    ($tx:expr, $rows:expr, $chunk:expr, $sql:expr) => {
        write_rows!($tx, $rows, $chunk, |n| $sql.days(n), |q, r| q
            .bind(r.tenant_id.as_str())
            .bind(r.day.as_str())
            .bind(r.users)
            .bind(r.test_users))
    };
}

impl Raw {
    async fn open(target: &Target, url: &str) -> Result<Self> {
        Ok(match target {
            Target::Sqlite { .. } => {
                let options = sqlite_options(url)?;
                Self::Sqlite {
                    writer: SqliteConnection::connect_with(&options).await?,
                    readers: SqlitePoolOptions::new().max_connections(8).connect_with(options).await?,
                }
            }
            Target::Postgres { .. } => {
                Self::Postgres { pool: PgPoolOptions::new().max_connections(32).connect(url).await? }
            }
        })
    }

    async fn exec(&mut self, sql: &str) -> Result<()> {
        let sql = AssertSqlSafe(sql.to_owned());
        match self {
            Self::Sqlite { writer, .. } => {
                sqlx::query(sql).execute(&mut *writer).await?;
            }
            Self::Postgres { pool } => {
                sqlx::query(sql).execute(&*pool).await?;
            }
        }
        Ok(())
    }

    async fn count(&mut self, sql: &str) -> Result<i64> {
        let sql = AssertSqlSafe(sql.to_owned());
        Ok(match self {
            Self::Sqlite { writer, .. } => sqlx::query_as::<_, (i64,)>(sql).fetch_one(&mut *writer).await?.0,
            Self::Postgres { pool } => sqlx::query_as::<_, (i64,)>(sql).fetch_one(&*pool).await?.0,
        })
    }

    /// Drop and recreate a projector's tables under the raw suffix (the projector's own DDL).
    async fn fresh_tables(&mut self, projector: &dyn Projector) -> Result<()> {
        let t = Tables::with_suffix(RAW_SUFFIX);
        for spec in projector.tables() {
            self.exec(&format!("drop table if exists {}", t.name(spec.name))).await?;
        }
        for statement in t.ddl(projector.tables()) {
            self.exec(&statement).await?;
        }
        Ok(())
    }

    /// Like `rebuild`: pages of 5 000 read outside the transaction, each applied in one write
    /// transaction.
    async fn rebuild_user_view(&mut self, writes: Writes) -> Result<u64> {
        self.fresh_tables(&UserViewProjector).await?;
        let mut sql = RawSql::new(matches!(self, Self::Postgres { .. }));
        let chunk = if writes == Writes::MultiRow { MULTI_ROW } else { 1 };
        let mut after = (0i64, 0i64);
        let mut applied = 0u64;
        loop {
            let page: Vec<RawEvent> = match self {
                Self::Sqlite { readers, .. } => {
                    sqlx::query_as(SQLITE_PAGE).bind(after.1).bind(REBUILD_PAGE).fetch_all(&*readers).await?
                }
                Self::Postgres { pool } => {
                    sqlx::query_as(PG_PAGE).bind(after.0).bind(after.1).bind(REBUILD_PAGE).fetch_all(&*pool).await?
                }
            };
            let Some(last) = page.last() else { break };
            after = (last.tx, last.global_position);
            applied += page.len() as u64;
            let rows = view_rows(&page)?;
            match self {
                Self::Sqlite { writer, .. } => {
                    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
                    write_view!(tx, rows, chunk, sql);
                    tx.commit().await?;
                }
                Self::Postgres { pool } => {
                    let mut tx = pool.begin().await?;
                    write_view!(tx, rows, chunk, sql);
                    tx.commit().await?;
                }
            }
        }
        Ok(applied)
    }

    /// Like `project_batch` in a loop: per batch of 1 000 one write transaction that reads the
    /// checkpoint, reads the batch, writes the rows and the checkpoint.
    async fn catch_up_signups(&mut self, writes: Writes) -> Result<u64> {
        self.fresh_tables(&SignupsProjector).await?;
        self.exec("drop table if exists raw_checkpoints").await?;
        self.exec(
            "create table raw_checkpoints (projection text primary key, last_tx bigint not null, \
             last_position bigint not null)",
        )
        .await?;
        self.exec("insert into raw_checkpoints values ('signups', 0, 0)").await?;
        let mut sql = RawSql::new(matches!(self, Self::Postgres { .. }));
        let chunk = if writes == Writes::MultiRow { MULTI_ROW } else { 1 };
        let mut applied = 0u64;
        loop {
            let n = match self {
                Self::Sqlite { writer, .. } => {
                    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
                    let (_, position): (i64, i64) = sqlx::query_as(
                        "select last_tx, last_position from raw_checkpoints where projection = 'signups'",
                    )
                    .fetch_one(&mut *tx)
                    .await?;
                    let page: Vec<RawEvent> =
                        sqlx::query_as(SQLITE_PAGE).bind(position).bind(CATCH_UP_BATCH).fetch_all(&mut *tx).await?;
                    let rows = day_rows(&page, writes)?;
                    write_days!(tx, rows, chunk, sql);
                    if let Some(last) = page.last() {
                        sqlx::query(CHECKPOINT).bind(last.tx).bind(last.global_position).execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    page.len()
                }
                Self::Postgres { pool } => {
                    let mut tx = pool.begin().await?;
                    let (last_tx, position): (i64, i64) = sqlx::query_as(
                        "select last_tx, last_position from raw_checkpoints where projection = 'signups' for update",
                    )
                    .fetch_one(&mut *tx)
                    .await?;
                    let page: Vec<RawEvent> = sqlx::query_as(PG_PAGE)
                        .bind(last_tx)
                        .bind(position)
                        .bind(CATCH_UP_BATCH)
                        .fetch_all(&mut *tx)
                        .await?;
                    let rows = day_rows(&page, writes)?;
                    write_days!(tx, rows, chunk, sql);
                    if let Some(last) = page.last() {
                        sqlx::query(CHECKPOINT).bind(last.tx).bind(last.global_position).execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    page.len()
                }
            };
            if n == 0 {
                break;
            }
            applied += n as u64;
        }
        Ok(applied)
    }

    /// Rows in `a` not in `b` plus rows in `b` not in `a`.
    async fn difference(&mut self, a: &str, b: &str) -> Result<i64> {
        Ok(self.count(&format!("select count(*) from (select * from {a} except select * from {b}) d")).await?
            + self.count(&format!("select count(*) from (select * from {b} except select * from {a}) d")).await?)
    }
}

const CHECKPOINT: &str = "update raw_checkpoints set last_tx = $1, last_position = $2 where projection = 'signups'";
async fn store_signups(store: &dyn EventStore) -> Result<u64> {
    let mut applied = 0u64;
    loop {
        match store.project_batch(&SignupsProjector, CATCH_UP_BATCH).await? {
            Batch::Applied(n, _) | Batch::AppliedHeldBack(n, _) => applied += n as u64,
            Batch::Idle => return Ok(applied),
            Batch::HeldBack => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
            Batch::Leased => bail!("the sign-ups lease is held elsewhere"),
        }
    }
}

async fn reset_signups(store: &dyn EventStore) -> Result<()> {
    store.db().execute("delete from user_signups_daily", &[]).await?;
    store
        .db()
        .execute("delete from projection_checkpoints where projection = $1", &[Arg::from(SignupsProjector.name())])
        .await?;
    Ok(())
}

fn rate(events: u64, took: Duration) -> f64 {
    events as f64 / took.as_secs_f64()
}

/// Seed the log, then measure both catch-up figures and their raw baselines.
pub async fn run(target: &Target, settings: &Settings, notes: &mut Vec<String>) -> Result<Vec<Row>> {
    let engine = target.name();
    let n = settings.catchup_events;
    let url = target.fresh("catchup").await?;
    let store = target.open_store(&url, projections::inline()).await?;

    eprintln!("{engine}: seeding {n} UserRegistered events (16 writers, inline projectors, claim)");
    let seeder = store.clone();
    let step = (n / 10).max(1);
    let took = run_count(16, n, move |i| {
        let store = seeder.clone();
        async move {
            if i.is_multiple_of(step) {
                eprintln!("  seeded {i}/{n}");
            }
            store.append(user_request(i)?).await?;
            Ok(())
        }
    })
    .await?;
    notes.push(format!(
        "{engine}: seeding {} `UserRegistered` (1 per commit, partner-email claim, inline `user_view`, 16 writers): {} commits/s",
        thousands(n as f64),
        thousands(rate(n, took))
    ));
    store.ensure_tables(Arc::new(SignupsProjector)).await?;
    let mut raw = Raw::open(target, &url).await?;

    // warm-up: one of each, unmeasured
    eprintln!("{engine}: catch-up warm-up");
    store.rebuild(Arc::new(UserViewProjector)).await?;
    store_signups(store.as_ref()).await?;
    for writes in [Writes::PerEvent, Writes::MultiRow] {
        raw.rebuild_user_view(writes).await?;
        raw.catch_up_signups(writes).await?;
    }

    // store rebuild, store sign-ups, then raw per event and raw multi-row of each
    let mut samples: [Vec<f64>; 6] = Default::default();
    let mut others = [0f64; 6];
    let mut compare = Vec::new();
    for round in 0..settings.rounds {
        let cpu = CpuSnap::now();
        let start = Instant::now();
        let report = store.rebuild(Arc::new(UserViewProjector)).await?;
        let took = start.elapsed();
        if report.events_applied != n || !report.matched_live() {
            bail!("rebuild applied {} of {n} events, matched live: {}", report.events_applied, report.matched_live());
        }
        samples[0].push(rate(n, took));
        others[0] = others[0].max(cpu.others_since());

        reset_signups(store.as_ref()).await?;
        let cpu = CpuSnap::now();
        let start = Instant::now();
        let applied = store_signups(store.as_ref()).await?;
        let took = start.elapsed();
        if applied != n {
            bail!("sign-ups applied {applied} of {n} events");
        }
        samples[1].push(rate(n, took));
        others[1] = others[1].max(cpu.others_since());

        for (k, writes) in [Writes::PerEvent, Writes::MultiRow].into_iter().enumerate() {
            let cpu = CpuSnap::now();
            let start = Instant::now();
            let applied = raw.rebuild_user_view(writes).await?;
            samples[2 + 2 * k].push(rate(applied, start.elapsed()));
            others[2 + 2 * k] = others[2 + 2 * k].max(cpu.others_since());

            let cpu = CpuSnap::now();
            let start = Instant::now();
            let applied = raw.catch_up_signups(writes).await?;
            samples[3 + 2 * k].push(rate(applied, start.elapsed()));
            others[3 + 2 * k] = others[3 + 2 * k].max(cpu.others_since());

            // what the rebuild's compare-and-swap adds: its two `except` counts, raw
            let start = Instant::now();
            let differ = raw.difference("user_view", "user_view__raw").await?;
            compare.push(start.elapsed());
            if differ != 0 {
                bail!("raw user_view ({writes:?}) differs from the store's in {differ} rows");
            }
            let differ = raw.difference("user_signups_daily", "user_signups_daily__raw").await?;
            if differ != 0 {
                bail!("raw user_signups_daily ({writes:?}) differs from the store's in {differ} rows");
            }
        }
        let r = |i: usize| samples[i][round];
        eprintln!(
            "  round {}: store rebuild {:.0} ev/s, store signups {:.0} ev/s | raw per event {:.0} / {:.0} | raw multi-row {:.0} / {:.0}",
            round + 1,
            r(0),
            r(1),
            r(2),
            r(3),
            r(4),
            r(5)
        );
    }
    compare.sort();
    if let Some(mid) = compare.get(compare.len() / 2) {
        notes.push(format!(
            "{engine}: the rebuild's compare step alone (the two `except` counts over {} rows, raw SQL): {:.0} ms",
            thousands(n as f64),
            mid.as_secs_f64() * 1000.0
        ));
    }

    let sqlite = matches!(target, Target::Sqlite { .. });
    let goal = || {
        if sqlite { Goal::EventsPerSec(100_000.0) } else { Goal::None }
    };
    let events = thousands(n as f64);
    let rebuild = format!("catch-up, `rebuild(user_view)`, {events} events");
    let signups = format!("catch-up, `project_batch(user_signups_daily, 1000)` loop, {events} events");
    // each store figure beside one raw baseline: (figure, store sample, raw sample, target)
    let row = |figure: String, store: usize, raw: usize, target: Goal| Row {
        engine,
        figure,
        events_per_commit: None,
        store: summarize(&samples[store]),
        raw: Some(summarize(&samples[raw])),
        others: others[store].max(others[raw]),
        target,
        kind: Kind::Events,
    };
    Ok(vec![
        row(format!("{rebuild}; raw: 1 upsert/event"), 0, 2, goal()),
        row(format!("{rebuild}; raw: {MULTI_ROW}-row upserts"), 0, 4, Goal::None),
        row(format!("{signups}; raw: 1 upsert/event"), 1, 3, goal()),
        row(format!("{signups}; raw: 1 multi-row upsert/batch"), 1, 5, Goal::None),
    ])
}
