//! A SQLite rebuild replays the log into a scratch file of its own (ADR 0026): the store's one
//! writer stays free for appends while it does, and nothing of the scratch file outlives the
//! rebuild, whether it succeeds or fails.
#![allow(clippy::unwrap_used)]

use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use store::{
    AppendRequest, EventStore, Metadata, NewEvent, Projector, RecordedEvent, StoreError, StoreOptions, TableSpec,
    Tables, Tx, args,
};
use tests::{Engine, Scratch, database_url, open_store};
use tokio::sync::Semaphore;
use uuid::Uuid;

fn request(stream: &str, event_type: &str) -> AppendRequest {
    AppendRequest {
        stream_id: stream.into(),
        stream_type: "thing".into(),
        expected_version: 0,
        events: vec![NewEvent {
            event_id: Uuid::now_v7(),
            event_type: event_type.into(),
            schema_version: 1,
            payload: json!({"n": stream}),
        }],
        claims: vec![],
        metadata: Metadata::default(),
    }
}

/// Copies each event's id into a table; refuses events of type "Poison". Writing into a
/// rebuild's fresh tables it first says so (`entered`) and waits for `release`.
struct Gate {
    entered: Arc<Semaphore>,
    release: Arc<Semaphore>,
}

const TABLES: &[TableSpec] = &[TableSpec {
    name: "gated",
    ddl: "create table if not exists {gated} (event_id text primary key, position bigint not null)",
    indexes: "create index if not exists {gated}_position on {gated} (position)",
}];

#[async_trait]
impl Projector for Gate {
    fn name(&self) -> &'static str {
        "gated"
    }
    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        if !t.is_live() {
            self.entered.add_permits(1);
            self.release.acquire().await.unwrap().forget();
        }
        for e in events {
            if e.event_type == "Poison" {
                return Err(StoreError::Corrupt("poison".into()));
            }
            let sql = format!("insert into {} (event_id, position) values ($1, $2)", t.name("gated"));
            tx.execute(&sql, &args![e.event_id.as_str(), e.position]).await?;
        }
        Ok(())
    }
}

fn gate() -> Arc<Gate> {
    Arc::new(Gate { entered: Arc::new(Semaphore::new(0)), release: Arc::new(Semaphore::new(0)) })
}

/// The files in the scratch folder other than the database, its WAL and shared memory.
fn leftovers(scratch: &Scratch) -> Vec<String> {
    let names = std::fs::read_dir(&scratch.0).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned());
    names.filter(|n| !["events.db", "events.db-wal", "events.db-shm"].contains(&n.as_str())).collect()
}

async fn tables_named_like(store: &Arc<dyn EventStore>, pattern: &str) -> Vec<String> {
    let sql = "select name from sqlite_master where type = 'table' and name like $1 escape '\\' order by name";
    let rows: Vec<(String,)> = store.db().fetch_all(sql, &args![pattern]).await.unwrap();
    rows.into_iter().map(|(name,)| name).collect()
}

async fn gated_store(scratch: &Scratch, gate: &Arc<Gate>) -> Arc<dyn EventStore> {
    let url = database_url(Engine::Sqlite, scratch).await;
    let store = open_store(Engine::Sqlite, &url, StoreOptions::default()).await;
    store.ensure_tables(gate.clone()).await.unwrap();
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_go_through_while_a_rebuild_replays_and_the_tail_includes_them() {
    let scratch = Scratch::new();
    let gate = gate();
    let store = gated_store(&scratch, &gate).await;
    for i in 0..5 {
        store.append(request(&format!("thing-{i}"), "Made")).await.unwrap();
    }
    let rebuilding = tokio::spawn({
        let (store, gate) = (store.clone(), gate.clone());
        async move { store.rebuild(gate.clone()).await }
    });
    // the rebuild is inside its pass over the log, holding its page
    tokio::time::timeout(Duration::from_secs(30), gate.entered.acquire()).await.unwrap().unwrap().forget();
    let scratch_files = leftovers(&scratch);
    assert_eq!(scratch_files.len(), 1, "one scratch file while replaying: {scratch_files:?}");
    assert!(scratch_files[0].starts_with("events.db-rebuild__rb_"), "{scratch_files:?}");
    // the store's writer is free: an append does not wait for the pass
    let appended = tokio::time::timeout(Duration::from_secs(5), store.append(request("thing-late", "Made"))).await;
    assert!(appended.is_ok(), "an append waited for the rebuild's pass");
    appended.unwrap().unwrap();
    // later pages (the tail, read where appends are excluded) pass the gate too
    gate.release.add_permits(100);
    let report = rebuilding.await.unwrap().unwrap();
    assert_eq!(report.events_applied, 6, "the tail brought in the append made during the pass");
    assert_eq!(report.tables[0].rebuilt_rows, 6);
    assert_eq!(leftovers(&scratch), Vec::<String>::new(), "the scratch file is gone");
    assert_eq!(tables_named_like(&store, "%\\_\\_rb\\_%").await, Vec::<String>::new());
    let rows: Vec<(String, i64)> =
        store.db().fetch_all("select event_id, position from gated order by position", &[]).await.unwrap();
    let log = store.read_all(store::Checkpoint::default(), 100).await.unwrap();
    let want: Vec<(String, i64)> = log.iter().map(|e| (e.event_id.clone(), e.position)).collect();
    assert_eq!(rows, want, "the swapped-in table holds every event, copied from the scratch file");
    let indexes = "select count(*) from sqlite_master where type = 'index' and name = 'gated_position'";
    let (n,): (i64,) = store.db().fetch_optional(indexes, &[]).await.unwrap().unwrap();
    assert_eq!(n, 1, "the live table has its index");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_rebuild_leaves_no_scratch_file_and_the_live_table_as_it_was() {
    let scratch = Scratch::new();
    let gate = gate();
    gate.release.add_permits(100);
    let store = gated_store(&scratch, &gate).await;
    store.append(request("thing-1", "Made")).await.unwrap();
    store.append(request("thing-2", "Poison")).await.unwrap();
    let before: Vec<(String,)> = store.db().fetch_all("select event_id from gated", &[]).await.unwrap();
    let failed = store.rebuild(gate.clone()).await;
    assert!(failed.is_err(), "the poisoned event fails the rebuild");
    assert_eq!(leftovers(&scratch), Vec::<String>::new(), "the scratch file is removed on failure");
    let after: Vec<(String,)> = store.db().fetch_all("select event_id from gated", &[]).await.unwrap();
    assert_eq!(before, after, "the live table is untouched");
    assert_eq!(tables_named_like(&store, "%\\_\\_rb\\_%").await, Vec::<String>::new(), "no fresh table is left");
    // the store still works, and a later rebuild (without the poison) starts from scratch again
    store.append(request("thing-3", "Made")).await.unwrap();
    assert_eq!(store.read_all(store::Checkpoint::default(), 10).await.unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_given_up_midway_stops_its_lanes_and_leaves_no_scratch_file() {
    let scratch = Scratch::new();
    let gate = gate();
    let store = gated_store(&scratch, &gate).await;
    store.append(request("thing-1", "Made")).await.unwrap();
    let rebuilding = tokio::spawn({
        let (store, gate) = (store.clone(), gate.clone());
        async move { store.rebuild(gate).await }
    });
    // the lane is writing its page, held at the gate; then the rebuild is dropped (a client gone,
    // a shutdown): its lanes, which run on tasks of their own, must end with it
    tokio::time::timeout(Duration::from_secs(30), gate.entered.acquire()).await.unwrap().unwrap().forget();
    assert_eq!(leftovers(&scratch).len(), 1, "the lane's scratch file while it writes");
    rebuilding.abort();
    assert!(rebuilding.await.unwrap_err().is_cancelled());
    // the lane's task is aborted with the rebuild: it lets go of the projector (the gate was never
    // released, so a lane left running would still hold it) and of its scratch file
    tests::eventually(5, || async { Arc::strong_count(&gate) == 1 && leftovers(&scratch).is_empty() }).await;
    assert_eq!(Arc::strong_count(&gate), 1, "no lane still holds the projector");
    assert_eq!(leftovers(&scratch), Vec::<String>::new(), "the scratch file is gone with its lane");
}

/// Counts events by type: a second projector, with a lane and a scratch file of its own.
struct Counter;

const COUNTER_TABLES: &[TableSpec] = &[TableSpec {
    name: "counted",
    ddl: "create table if not exists {counted} (event_type text primary key, n bigint not null)",
    indexes: "",
}];

#[async_trait]
impl Projector for Counter {
    fn name(&self) -> &'static str {
        "counted"
    }
    fn tables(&self) -> &'static [TableSpec] {
        COUNTER_TABLES
    }
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        for e in events {
            let sql = format!(
                "insert into {0} (event_type, n) values ($1, 1) on conflict (event_type) do update set n = {0}.n + 1",
                t.name("counted")
            );
            tx.execute(&sql, &args![e.event_type.as_str()]).await?;
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_projectors_rebuild_side_by_side_each_from_its_own_scratch_file() {
    let scratch = Scratch::new();
    let gate = gate();
    gate.release.add_permits(1_000);
    let store = gated_store(&scratch, &gate).await;
    store.ensure_tables(Arc::new(Counter)).await.unwrap();
    // more than one rebuild page (10,000 events), so the lanes take several pages each
    for i in 0..12_050 {
        let kind = if i % 3 == 0 { "Moved" } else { "Made" };
        store.append(request(&format!("thing-{i}"), kind)).await.unwrap();
    }
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let progress = {
        let seen = seen.clone();
        move |n: u64| seen.lock().unwrap().push(n)
    };
    let reports = store.rebuild_all(&[gate.clone(), Arc::new(Counter)], &progress).await.unwrap();
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.events_applied == 12_050), "{reports:?}");
    // the live tables were never written (no runner): every rebuilt row is new
    assert_eq!((reports[0].tables[0].rebuilt_rows, reports[1].tables[0].rebuilt_rows), (12_050, 2));
    assert_eq!(leftovers(&scratch), Vec::<String>::new(), "every scratch file is gone");
    assert_eq!(tables_named_like(&store, "%\\_\\_rb\\_%").await, Vec::<String>::new());
    let counts: Vec<(String, i64)> =
        store.db().fetch_all("select event_type, n from counted order by event_type", &[]).await.unwrap();
    assert_eq!(counts, vec![("Made".to_owned(), 8_033), ("Moved".to_owned(), 4_017)]);
    let seen = seen.lock().unwrap().clone();
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "progress never goes back: {seen:?}");
    assert_eq!(seen.last(), Some(&12_050), "progress ends at the whole log");
}

/// Writes each event's id with a note left NULL, into a table with a primary key and into one
/// without (whose comparison cannot look rows up by key).
struct Noted;

const NOTED: &[TableSpec] = &[
    TableSpec {
        name: "noted",
        ddl: "create table if not exists {noted} (event_id text primary key, note text)",
        indexes: "",
    },
    TableSpec {
        name: "noted_keyless",
        ddl: "create table if not exists {noted_keyless} (event_id text, note text)",
        indexes: "",
    },
];

#[async_trait]
impl Projector for Noted {
    fn name(&self) -> &'static str {
        "noted"
    }
    fn tables(&self) -> &'static [TableSpec] {
        NOTED
    }
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        for e in events {
            for table in ["noted", "noted_keyless"] {
                let sql = format!("insert into {} (event_id) values ($1)", t.name(table));
                tx.execute(&sql, &args![e.event_id.as_str()]).await?;
            }
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_counts_rows_that_differ_only_by_a_null_with_or_without_a_primary_key() {
    let scratch = Scratch::new();
    let url = database_url(Engine::Sqlite, &scratch).await;
    let store = open_store(Engine::Sqlite, &url, StoreOptions::default()).await;
    store.ensure_tables(Arc::new(Noted)).await.unwrap();
    for i in 0..20 {
        store.append(request(&format!("thing-{i}"), "Made")).await.unwrap();
    }
    let matched = store.rebuild(Arc::new(Noted)).await.unwrap();
    assert!(matched.matched_live(), "first rebuild fills the live tables: {matched:?}");
    // a note where the rebuild has NULL, on one row of each table
    for table in ["noted", "noted_keyless"] {
        let sql = format!("update {table} set note = 'x' where event_id = (select min(event_id) from {table})");
        store.db().execute(&sql, &[]).await.unwrap();
    }
    let report = store.rebuild(Arc::new(Noted)).await.unwrap();
    let differences: Vec<(String, i64, i64, i64)> =
        report.tables.iter().map(|t| (t.table.clone(), t.live_rows, t.only_live, t.only_rebuilt)).collect();
    assert_eq!(differences, vec![("noted".into(), 20, 1, 1), ("noted_keyless".into(), 20, 1, 1)]);
    let (notes,): (i64,) = store.db().fetch_optional("select count(note) from noted", &[]).await.unwrap().unwrap();
    assert_eq!(notes, 0, "the rebuilt table was swapped in");
    assert!(store.rebuild(Arc::new(Noted)).await.unwrap().matched_live());
}

/// The bundled SQLite is built with a page cache per connection and no global memory statistics
/// (`.cargo/config.toml`, ADR 0027): with `SQLITE_ENABLE_MEMORY_MANAGEMENT` every connection's
/// pages sit behind one process-wide lock, which a rebuild's lanes, the readers and the writer
/// fought over.
#[tokio::test]
async fn the_bundled_sqlite_gives_each_connection_its_own_page_cache() {
    let scratch = Scratch::new();
    let url = database_url(Engine::Sqlite, &scratch).await;
    let store = open_store(Engine::Sqlite, &url, StoreOptions::default()).await;
    let options: Vec<(String,)> = store.db().fetch_all("pragma compile_options", &[]).await.unwrap();
    let options: Vec<String> = options.into_iter().map(|(o,)| o).collect();
    assert!(options.iter().any(|o| o == "THREADSAFE=1"), "the options are listed: {options:?}");
    assert!(!options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"), "{options:?}");
    assert!(options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"), "{options:?}");
}
