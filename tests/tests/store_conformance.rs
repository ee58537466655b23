//! The event store's contract, run against both engines.
#![allow(clippy::unwrap_used)]

use async_trait::async_trait;
use serde_json::{Value, json};
use std::sync::Arc;
use store::{
    AppendRequest, Batch, Checkpoint, ClaimOp, EventStore, Metadata, NewEvent, Projector, RecordedEvent, StoreError,
    StoreOptions, TableSpec, Tables, Tx, Upcasters, args,
};
use tests::{Engine, Scratch, both_engines, database_url, open_store};
use uuid::Uuid;

fn event(event_type: &str, payload: Value) -> NewEvent {
    NewEvent { event_id: Uuid::now_v7(), event_type: event_type.into(), schema_version: 1, payload }
}

fn request(stream: &str, expected: i64, events: Vec<NewEvent>) -> AppendRequest {
    AppendRequest {
        stream_id: stream.into(),
        stream_type: "thing".into(),
        expected_version: expected,
        events,
        claims: vec![],
        metadata: Metadata {
            actor: Some("tester".into()),
            correlation_id: Some("corr-1".into()),
            ..Metadata::default()
        },
    }
}

fn take(scope: &str, value: &str) -> ClaimOp {
    ClaimOp::Take { scope: scope.into(), value: value.into() }
}

/// Copies every event's id and type into a table; refuses events of type "Poison".
struct Recorder;

const RECORDER_TABLES: &[TableSpec] = &[TableSpec {
    name: "recorded",
    ddl: "create table if not exists {recorded} (event_id text primary key, event_type text not null, position bigint not null)",
    indexes: "",
}];

#[async_trait]
impl Projector for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }
    fn tables(&self) -> &'static [TableSpec] {
        RECORDER_TABLES
    }
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        for e in events {
            record(tx, t, e).await?;
        }
        Ok(())
    }
}

async fn record(tx: &mut Tx<'_>, t: &Tables, e: &RecordedEvent) -> Result<(), StoreError> {
    if e.event_type == "Poison" {
        return Err(StoreError::Corrupt("poison".into()));
    }
    let sql = format!("insert into {} (event_id, event_type, position) values ($1, $2, $3)", t.name("recorded"));
    tx.execute(&sql, &args![e.event_id.as_str(), e.event_type.as_str(), e.position]).await?;
    Ok(())
}

async fn store(engine: Engine, scratch: &Scratch, inline: bool) -> (Arc<dyn EventStore>, String) {
    let url = database_url(engine, scratch).await;
    let options =
        StoreOptions { inline: if inline { vec![Arc::new(Recorder)] } else { vec![] }, ..StoreOptions::default() };
    (open_store(engine, &url, options).await, url)
}

/// The whole log once every event is readable. On PostgreSQL a gated read waits for every
/// transaction of the cluster that was running (other tests' too), so reads are polled.
async fn read_all_when(store: &Arc<dyn EventStore>, n: usize) -> Vec<RecordedEvent> {
    for _ in 0..400 {
        let all = store.read_all(Checkpoint::default(), 1_000).await.unwrap();
        if all.len() >= n {
            return all;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("fewer than {n} events became readable");
}

/// Run batches until one applies something.
async fn next_applied(store: &Arc<dyn EventStore>, projector: &dyn Projector, limit: i64) -> Batch {
    for _ in 0..400 {
        match store.project_batch(projector, limit).await.unwrap() {
            Batch::Idle | Batch::HeldBack => tokio::time::sleep(std::time::Duration::from_millis(25)).await,
            other => return other,
        }
    }
    panic!("nothing became readable");
}

async fn recorded_ids(store: &Arc<dyn EventStore>) -> Vec<String> {
    let rows: Vec<(String,)> =
        store.db().fetch_all("select event_id from recorded order by position", &[]).await.unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

both_engines!(appended_events_read_back_in_order_with_metadata, |engine| async move {
    let scratch = Scratch::new();
    let (store, _) = store(engine, &scratch, false).await;
    let first = store
        .append(request("thing-1", 0, vec![event("Made", json!({"n": 1})), event("Moved", json!({"n": 2}))]))
        .await
        .unwrap();
    assert_eq!(first.stream_version, 2);
    let second = store.append(request("thing-2", 0, vec![event("Made", json!({"n": 3}))])).await.unwrap();
    assert!(second.first_position > first.last_position);
    store.append(request("thing-1", 2, vec![event("Moved", json!({"n": 4}))])).await.unwrap();

    let stream = store.read_stream("thing-1", 0).await.unwrap();
    assert_eq!(stream.iter().map(|e| e.stream_version).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(stream.iter().map(|e| e.payload["n"].as_i64().unwrap()).collect::<Vec<_>>(), vec![1, 2, 4]);
    assert_eq!(stream[0].metadata.actor.as_deref(), Some("tester"));
    assert_eq!(stream[0].metadata.correlation_id.as_deref(), Some("corr-1"));
    assert_eq!(store.read_stream("thing-1", 2).await.unwrap().len(), 1);

    let all = read_all_when(&store, 4).await;
    assert_eq!(all.iter().map(|e| e.payload["n"].as_i64().unwrap()).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    let tail = store.read_all(all[1].checkpoint(), 100).await.unwrap();
    assert_eq!(tail.len(), 2, "reading after a checkpoint resumes exactly there");
    assert!(all.windows(2).all(|w| w[0].checkpoint() < w[1].checkpoint()));
});

both_engines!(the_log_and_a_stream_read_back_every_field_alike, |engine| async move {
    // SQLite reads log pages as one JSON document: awkward text must come back unchanged
    let scratch = Scratch::new();
    let (store, _) = store(engine, &scratch, false).await;
    let odd = "quote \" backslash \\ newline \n tab \t unicode é ☃ 🚗 nul-free <>&' \u{1f}";
    let payload = json!({"text": odd, "n": -1.5, "big": 9_007_199_254_740_993_i64, "list": [null, true, {"a": []}]});
    let mut req = request(&format!("odd-{odd}"), 0, vec![event(&format!("Odd{odd}"), payload.clone())]);
    req.metadata = Metadata {
        actor: Some(odd.into()),
        tenant: Some("t".into()),
        dialect: None,
        request_id: Some(odd.into()),
        user_agent: Some(odd.into()),
        correlation_id: None,
        causation_id: Some(odd.into()),
    };
    store.append(req.clone()).await.unwrap();
    store.append(request("plain", 0, vec![event("Made", json!({}))])).await.unwrap();

    let all = read_all_when(&store, 2).await;
    let stream = store.read_stream(&req.stream_id, 0).await.unwrap();
    assert_eq!(all[0], stream[0], "a page and a stream read agree on every field");
    assert_eq!(all[0].payload, payload);
    assert_eq!(all[0].event_type, format!("Odd{odd}"));
    assert_eq!(all[0].stream_id, req.stream_id);
    assert_eq!(all[0].metadata, req.metadata);
    assert_eq!(all[1].metadata.correlation_id.as_deref(), Some("corr-1"));
    assert!(all[0].position < all[1].position);
    let stored = store.read_all_stored(Checkpoint::default(), 10).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(serde_json::from_str::<Value>(&stored[0].payload).unwrap(), payload);
    assert!(store.verify().await.unwrap().first_broken.is_none());
});

both_engines!(a_stale_expected_version_is_a_concurrency_error_and_appends_nothing, |engine| async move {
    let scratch = Scratch::new();
    let (store, _) = store(engine, &scratch, false).await;
    store.append(request("thing-1", 0, vec![event("Made", json!({}))])).await.unwrap();
    for expected in [0, 2, 7] {
        let err = store.append(request("thing-1", expected, vec![event("Moved", json!({}))])).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Concurrency { expected_version, .. } if expected_version == expected),
            "{err:?}"
        );
    }
    assert_eq!(store.read_stream("thing-1", 0).await.unwrap().len(), 1);
});

both_engines!(concurrent_appends_to_one_stream_let_exactly_one_win, |engine| async move {
    let scratch = Scratch::new();
    let (store, _) = store(engine, &scratch, false).await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.append(request("race-1", 0, vec![event("Made", json!({"by": i}))])).await })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => wins += 1,
            Err(StoreError::Concurrency { .. }) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(store.read_stream("race-1", 0).await.unwrap().len(), 1);
});

// Many appends at once: on SQLite they are written in groups, one transaction each; one that
// fails must fail alone, and the others must be written exactly once.
both_engines!(appends_at_once_succeed_or_fail_each_as_if_alone, |engine| async move {
    let scratch = Scratch::new();
    let (store, _) = store(engine, &scratch, true).await;
    store.append(request("old-1", 0, vec![event("Made", json!({}))])).await.unwrap();
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let store = store.clone();
            let mut req = match i {
                // a stale version, and two appends that race for one claim, among fresh streams
                7 => request("old-1", 0, vec![event("Moved", json!({}))]),
                _ => request(&format!("fresh-{i}"), 0, vec![event("Made", json!({"i": i}))]),
            };
            if i == 11 || i == 23 {
                req.claims = vec![take("email", "shared@example.com")];
            }
            tokio::spawn(async move { (i, store.append(req).await) })
        })
        .collect();
    let (mut written, mut stale, mut claimed) = (0, 0, 0);
    for t in tasks {
        match t.await.unwrap() {
            (_, Ok(appended)) => {
                written += 1;
                assert_eq!(appended.stream_version, 1);
            }
            (7, Err(StoreError::Concurrency { .. })) => stale += 1,
            (11 | 23, Err(StoreError::Claim { .. })) => claimed += 1,
            (i, Err(e)) => panic!("append {i}: unexpected {e:?}"),
        }
    }
    assert_eq!((written, stale, claimed), (38, 1, 1));
    let all = read_all_when(&store, 39).await;
    assert_eq!(all.len(), 39, "the 38 appends once each, and the first event");
    assert_eq!(store.read_stream("old-1", 0).await.unwrap().len(), 1, "the stale append wrote nothing");
    let owner = store.claim_owner("email", "shared@example.com").await.unwrap().unwrap();
    assert!(owner == "fresh-11" || owner == "fresh-23", "{owner}");
    assert!(store.verify().await.unwrap().first_broken.is_none());
});

both_engines!(a_held_claim_refuses_the_whole_append, |engine| async move {
    let scratch = Scratch::new();
    let (store, _) = store(engine, &scratch, true).await;
    let mut a = request("thing-a", 0, vec![event("Made", json!({}))]);
    a.claims = vec![take("email", "x@y.z")];
    store.append(a).await.unwrap();

    let mut b = request("thing-b", 0, vec![event("Made", json!({}))]);
    b.claims = vec![take("phone", "+4912345"), take("email", "x@y.z")];
    let err = store.append(b).await.unwrap_err();
    match err {
        StoreError::Claim { scope, value, owner } => {
            assert_eq!((scope.as_str(), value.as_str(), owner.as_str()), ("email", "x@y.z", "thing-a"))
        }
        other => panic!("expected a claim error, got {other:?}"),
    }
    assert!(store.read_stream("thing-b", 0).await.unwrap().is_empty(), "no events of the refused append");
    assert_eq!(store.claim_owner("phone", "+4912345").await.unwrap(), None, "no claims of the refused append");
    assert_eq!(recorded_ids(&store).await.len(), 1, "no inline projection of the refused append");

    // re-taking one's own claim is fine; a released claim is free for others
    let mut again = request("thing-a", 1, vec![event("Moved", json!({}))]);
    again.claims = vec![take("email", "x@y.z")];
    store.append(again).await.unwrap();
    let mut release = request("thing-a", 2, vec![event("Forgot", json!({}))]);
    release.claims = vec![ClaimOp::Release { scope: "email".into(), value: "x@y.z".into() }];
    store.append(release).await.unwrap();
    let mut c = request("thing-c", 0, vec![event("Made", json!({}))]);
    c.claims = vec![take("email", "x@y.z")];
    store.append(c).await.unwrap();
    assert_eq!(store.claim_owner("email", "x@y.z").await.unwrap().as_deref(), Some("thing-c"));
});

both_engines!(a_failing_inline_projection_rolls_back_events_and_claims, |engine| async move {
    let scratch = Scratch::new();
    let (store, _) = store(engine, &scratch, true).await;
    let mut poisoned = request("thing-1", 0, vec![event("Made", json!({})), event("Poison", json!({}))]);
    poisoned.claims = vec![take("email", "p@q.r")];
    assert!(store.append(poisoned).await.is_err());
    assert!(store.read_stream("thing-1", 0).await.unwrap().is_empty(), "no events of the failed append");
    assert_eq!(store.claim_owner("email", "p@q.r").await.unwrap(), None);
    assert!(recorded_ids(&store).await.is_empty());
    // the stream is still free at version 0
    let ok = store.append(request("thing-1", 0, vec![event("Made", json!({}))])).await.unwrap();
    assert_eq!(ok.stream_version, 1);
    assert_eq!(recorded_ids(&store).await.len(), 1);
});

both_engines!(old_schema_versions_are_upcast_on_read, |engine| async move {
    let scratch = Scratch::new();
    let url = database_url(engine, &scratch).await;
    let plain = open_store(engine, &url, StoreOptions::default()).await;
    plain.append(request("car-1", 0, vec![event("PlateSet", json!({"plate": "ABC"}))])).await.unwrap();
    drop(plain);

    let upcasters = Upcasters::default().register("PlateSet", 1, |mut v| {
        v["plate"] = json!({ "text": v["plate"].take(), "country": "us" });
        v
    });
    let store =
        open_store(engine, &url, StoreOptions { upcasters: Arc::new(upcasters), ..StoreOptions::default() }).await;
    let read = store.read_stream("car-1", 0).await.unwrap();
    assert_eq!((read[0].schema_version, &read[0].payload), (2, &json!({"plate": {"text": "ABC", "country": "us"}})));
    let all = read_all_when(&store, 1).await;
    assert_eq!(all[0].schema_version, 2);
    let stored = store.read_all_stored(Checkpoint::default(), 10).await.unwrap();
    assert_eq!(
        (stored[0].schema_version, stored[0].payload.as_str()),
        (1, r#"{"plate":"ABC"}"#),
        "the stored bytes never change"
    );
});

both_engines!(catch_up_batches_write_the_checkpoint_with_the_tables, |engine| async move {
    let scratch = Scratch::new();
    let (store, _) = store(engine, &scratch, false).await;
    for i in 0..5 {
        store.append(request(&format!("thing-{i}"), 0, vec![event("Made", json!({}))])).await.unwrap();
    }
    store.ensure_tables(Arc::new(Recorder)).await.unwrap();
    read_all_when(&store, 5).await;
    assert!(matches!(store.project_batch(&Recorder, 3).await.unwrap(), Batch::Applied(3, _)));
    assert_eq!(recorded_ids(&store).await.len(), 3);
    assert!(matches!(store.project_batch(&Recorder, 3).await.unwrap(), Batch::Applied(2, _)));
    assert_eq!(store.project_batch(&Recorder, 3).await.unwrap(), Batch::Idle);
    let all = store.read_all(Checkpoint::default(), 10).await.unwrap();
    assert_eq!(recorded_ids(&store).await, all.iter().map(|e| e.event_id.clone()).collect::<Vec<_>>());
    assert_eq!(store.checkpoint("recorder").await.unwrap(), Some(all[4].checkpoint()));
});

both_engines!(a_rebuild_compares_against_a_caught_up_live_table, |engine| async move {
    let scratch = Scratch::new();
    let (store, _) = store(engine, &scratch, false).await;
    store.ensure_tables(Arc::new(Recorder)).await.unwrap();
    for i in 0..6 {
        store.append(request(&format!("thing-{i}"), 0, vec![event("Made", json!({}))])).await.unwrap();
    }
    read_all_when(&store, 6).await;
    // the live runner got only halfway
    assert!(matches!(store.project_batch(&Recorder, 3).await.unwrap(), Batch::Applied(3, _)));
    let report = store.rebuild(Arc::new(Recorder)).await.unwrap();
    assert!(report.matched_live(), "{report:?}");
    assert_eq!((report.tables[0].live_rows, report.tables[0].rebuilt_rows), (6, 6));
    assert_eq!(store.project_batch(&Recorder, 10).await.unwrap(), Batch::Idle, "nothing applied twice");
});

both_engines!(a_failing_catch_up_batch_keeps_its_checkpoint, |engine| async move {
    let scratch = Scratch::new();
    let (store, _) = store(engine, &scratch, false).await;
    store.append(request("thing-1", 0, vec![event("Made", json!({}))])).await.unwrap();
    store.append(request("thing-2", 0, vec![event("Poison", json!({}))])).await.unwrap();
    store.ensure_tables(Arc::new(Recorder)).await.unwrap();
    read_all_when(&store, 2).await;
    assert!(store.project_batch(&Recorder, 10).await.is_err());
    assert!(recorded_ids(&store).await.is_empty(), "the batch rolled back whole");
    assert_eq!(store.checkpoint("recorder").await.unwrap().map(|c| c.position).unwrap_or(0), 0);
});

both_engines!(runners_wake_up_after_commits, |engine| async move {
    let scratch = Scratch::new();
    let (store, _) = store(engine, &scratch, false).await;
    // polling is slower than the test's deadline: only the wake-up after commit can pass it
    let runners =
        projections::spawn_runners_polling(store.clone(), vec![Arc::new(Recorder)], std::time::Duration::from_secs(60));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for i in 0..20 {
        store.append(request(&format!("thing-{i}"), 0, vec![event("Made", json!({}))])).await.unwrap();
    }
    let caught_up = tests::eventually(10, || {
        let store = store.clone();
        async move {
            store
                .db()
                .fetch_all::<(String,)>("select event_id from recorded", &[])
                .await
                .map(|r| r.len() == 20)
                .unwrap_or(false)
        }
    })
    .await;
    runners.shutdown().await;
    assert!(caught_up, "the runner applied every event");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_readers_never_skip_the_event_of_a_slower_transaction() {
    use sqlx::Connection;
    let scratch = Scratch::new();
    let (store, url) = store(Engine::Postgres, &scratch, false).await;
    store.ensure_tables(Arc::new(Recorder)).await.unwrap();

    // transaction A takes a position first but commits last
    let mut a = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut slow = a.begin().await.unwrap();
    let (pos_a,): (i64,) = sqlx::query_as(
        "insert into events (event_id, stream_id, stream_type, stream_version, event_type, schema_version, payload, \
         metadata, recorded_at, hash) values (gen_random_uuid(), 'slow-1', 'thing', 1, 'Made', 1, '{}', '{}', now(), 'x') \
         returning global_position",
    )
    .fetch_one(&mut *slow)
    .await
    .unwrap();
    let b = store.append(request("fast-1", 0, vec![event("Made", json!({}))])).await.unwrap();
    assert!(pos_a < b.first_position);

    // the race is real: a naive `position > checkpoint` reader sees B alone now
    let (naive,): (i64,) = sqlx::query_as("select count(*) from events where global_position > 0")
        .fetch_one(store_pool(&store))
        .await
        .unwrap();
    assert_eq!(naive, 1);
    // the gated reader waits for A, and says that something waits
    assert!(store.read_all(Checkpoint::default(), 10).await.unwrap().is_empty());
    assert_eq!(store.project_batch(&Recorder, 10).await.unwrap(), Batch::HeldBack);

    slow.commit().await.unwrap();
    // both arrive, A first; another test's transaction in the cluster may hold B for one more batch
    let mut applied = 0;
    while applied < 2 {
        match next_applied(&store, &Recorder, 10).await {
            Batch::Applied(n, _) | Batch::AppliedHeldBack(n, _) => applied += n,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(applied, 2);
    let positions: Vec<(i64,)> =
        store.db().fetch_all("select position from recorded order by position", &[]).await.unwrap();
    assert_eq!(positions.into_iter().map(|p| p.0).collect::<Vec<_>>(), vec![pos_a, b.first_position]);
}

both_engines!(commit_followers_read_the_changed_streams_from_the_head_on, |engine| async move {
    use store::commits::{head, streams_after};
    let scratch = Scratch::new();
    let (store, _) = store(engine, &scratch, false).await;
    store.append(request("thing-1", 0, vec![event("Made", json!({}))])).await.unwrap();
    read_all_when(&store, 1).await;
    let start = head(store.db()).await.unwrap();
    assert_eq!(start, store.read_all(Checkpoint::default(), 10).await.unwrap()[0].checkpoint());

    store.append(request("thing-2", 0, vec![event("Made", json!({})), event("Moved", json!({}))])).await.unwrap();
    store.append(request("thing-1", 1, vec![event("Moved", json!({}))])).await.unwrap();
    read_all_when(&store, 4).await;
    let changed = streams_after(store.db(), start, 10).await.unwrap();
    let streams: Vec<&str> = changed.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(streams, ["thing-2", "thing-2", "thing-1"]);
    assert_eq!(changed.last().unwrap().0, head(store.db()).await.unwrap());
    // pages: the second starts after the first's last checkpoint
    let first = streams_after(store.db(), start, 2).await.unwrap();
    assert_eq!(streams_after(store.db(), first[1].0, 10).await.unwrap().len(), 1);
});

/// A writer in the cluster that holds the gate until it ends (it takes a transaction id and
/// appends nothing).
async fn gate_holder(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query("begin").execute(&mut conn).await.unwrap();
    sqlx::query("select pg_current_xact_id()").execute(&mut conn).await.unwrap();
    conn
}

/// A PostgreSQL store whose `thing-1` event lies below the gate and whose `thing-2` event,
/// committed after the returned writer began, beyond it until that writer ends.
async fn one_event_below_the_gate_and_one_beyond(scratch: &Scratch) -> (Arc<dyn EventStore>, sqlx::PgConnection) {
    let (store, url) = store(Engine::Postgres, scratch, false).await;
    store.ensure_tables(Arc::new(Recorder)).await.unwrap();
    store.append(request("thing-1", 0, vec![event("Made", json!({}))])).await.unwrap();
    let holder = gate_holder(&url).await;
    store.append(request("thing-2", 0, vec![event("Made", json!({}))])).await.unwrap();
    (store, holder)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_batch_says_when_it_applied_some_and_more_wait_beyond_the_gate() {
    let scratch = Scratch::new();
    let (store, mut holder) = one_event_below_the_gate_and_one_beyond(&scratch).await;

    assert!(matches!(next_applied(&store, &Recorder, 10).await, Batch::AppliedHeldBack(1, _)));
    sqlx::query("commit").execute(&mut holder).await.unwrap();
    assert!(matches!(next_applied(&store, &Recorder, 10).await, Batch::Applied(1, _)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_runner_comes_back_for_events_whose_wake_up_came_before_its_batch() {
    let scratch = Scratch::new();
    let (store, mut holder) = one_event_below_the_gate_and_one_beyond(&scratch).await;
    // both commits happened before the runner registered: no wake-up is due, and polling is
    // slower than the test's deadline
    let runners =
        projections::spawn_runners_polling(store.clone(), vec![Arc::new(Recorder)], std::time::Duration::from_secs(60));
    let recorded = |n: usize| {
        let store = store.clone();
        move || {
            let store = store.clone();
            async move { recorded_ids(&store).await.len() == n }
        }
    };
    assert!(tests::eventually(10, recorded(1)).await, "the first batch applied the event below the gate");
    sqlx::query("commit").execute(&mut holder).await.unwrap();
    let caught_up = tests::eventually(10, recorded(2)).await;
    runners.shutdown().await;
    assert!(caught_up, "the runner looked again once the gate moved");
}

fn store_pool(store: &Arc<dyn EventStore>) -> &sqlx::PgPool {
    match store.db() {
        store::Db::Postgres(pool) => pool,
        store::Db::Sqlite(_) => panic!("postgres only"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_runs_one_instance_of_a_projector_at_a_time() {
    use sqlx::Connection;
    let scratch = Scratch::new();
    let (store, url) = store(Engine::Postgres, &scratch, false).await;
    store.ensure_tables(Arc::new(Recorder)).await.unwrap();
    store.append(request("thing-1", 0, vec![event("Made", json!({}))])).await.unwrap();
    assert!(matches!(next_applied(&store, &Recorder, 10).await, Batch::Applied(1, _)));
    store.append(request("thing-2", 0, vec![event("Made", json!({}))])).await.unwrap();
    read_all_when(&store, 2).await;

    // another instance holds the lease
    let mut other = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut lease = other.begin().await.unwrap();
    sqlx::query("select 1 from projection_checkpoints where projection = 'recorder' for update")
        .execute(&mut *lease)
        .await
        .unwrap();
    assert_eq!(store.project_batch(&Recorder, 10).await.unwrap(), Batch::Leased);
    lease.rollback().await.unwrap();
    assert!(matches!(next_applied(&store, &Recorder, 10).await, Batch::Applied(1, _)));
}

both_engines!(verify_names_a_changed_or_removed_event, |engine| async move {
    let scratch = Scratch::new();
    let (store, _) = store(engine, &scratch, false).await;
    for stream in ["a-1", "b-1"] {
        store
            .append(request(stream, 0, vec![event("Made", json!({"k": "v1"})), event("Moved", json!({"k": "v2"}))]))
            .await
            .unwrap();
        store.append(request(stream, 2, vec![event("Moved", json!({"k": "v3"}))])).await.unwrap();
    }
    let all = read_all_when(&store, 6).await;
    let report = store.verify().await.unwrap();
    assert_eq!((report.events_checked, report.streams, report.first_broken), (6, 2, None));

    let target = all.iter().find(|e| e.stream_id == "b-1" && e.stream_version == 2).unwrap();
    // one payload byte edited by hand
    let edit = match engine {
        Engine::Sqlite => "update events set payload = replace(payload, 'v2', 'v9') where global_position = $1",
        Engine::Postgres => {
            "update events set payload = replace(payload::text, 'v2', 'v9')::json where global_position = $1"
        }
    };
    raw_execute(&store, edit, target.position).await;
    let report = store.verify().await.unwrap();
    assert_eq!(report.events_checked, 4, "a-1 v1..v3 and b-1 v1 precede the broken event");
    let broken = report.first_broken.expect("tampering detected");
    assert_eq!(
        (broken.event_id.as_str(), broken.stream_id.as_str(), broken.stream_version),
        (target.event_id.as_str(), "b-1", 2)
    );
    assert!(broken.reason.contains("changed"), "{}", broken.reason);

    raw_execute(&store, edit.replace("'v2', 'v9'", "'v9', 'v2'").as_str(), target.position).await;
    assert!(store.verify().await.unwrap().first_broken.is_none(), "restoring the byte restores the chain");

    // the stream type is covered too: moving an event to another stream type is a change
    raw_execute(&store, "update events set stream_type = 'other' where global_position = $1", target.position).await;
    let broken = store.verify().await.unwrap().first_broken.expect("stream type change detected");
    assert_eq!(broken.event_id, target.event_id);
    raw_execute(&store, "update events set stream_type = 'thing' where global_position = $1", target.position).await;
    assert!(store.verify().await.unwrap().first_broken.is_none());

    let first_of_a = all.iter().find(|e| e.stream_id == "a-1" && e.stream_version == 2).unwrap();
    raw_execute(&store, "delete from events where global_position = $1", first_of_a.position).await;
    let broken = store.verify().await.unwrap().first_broken.expect("removal detected");
    assert_eq!((broken.stream_id.as_str(), broken.stream_version), ("a-1", 3));
    assert!(broken.reason.contains("removed"), "{}", broken.reason);
});

async fn raw_execute(store: &Arc<dyn EventStore>, sql: &str, position: i64) {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match store.db() {
        store::Db::Sqlite(p) => {
            assert_eq!(sqlx::query(sql).bind(position).execute(p).await.unwrap().rows_affected(), 1)
        }
        store::Db::Postgres(p) => {
            assert_eq!(sqlx::query(sql).bind(position).execute(p).await.unwrap().rows_affected(), 1)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_rebuild_waits_for_an_append_in_flight_and_its_runner_skips_nothing() {
    use sqlx::Connection;
    let scratch = Scratch::new();
    let (store, url) = store(Engine::Postgres, &scratch, false).await;
    store.ensure_tables(Arc::new(Recorder)).await.unwrap();
    store.append(request("thing-1", 0, vec![event("Made", json!({}))])).await.unwrap();

    // an append in flight: its events insert is its first write, as in the store
    let mut a = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut in_flight = a.begin().await.unwrap();
    sqlx::query(
        "insert into events (event_id, stream_id, stream_type, stream_version, event_type, schema_version, payload, \
         metadata, recorded_at, hash) values (gen_random_uuid(), 'slow-1', 'thing', 1, 'Made', 1, '{}', '{}', now(), 'x')",
    )
    .execute(&mut *in_flight)
    .await
    .unwrap();

    let rebuilding = tokio::spawn({
        let store = store.clone();
        async move { store.rebuild(Arc::new(Recorder)).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!rebuilding.is_finished(), "the rebuild waits for the append in flight");
    in_flight.commit().await.unwrap();
    let report = rebuilding.await.unwrap().unwrap();
    assert_eq!(report.events_applied, 2, "the rebuild includes the append it waited for");

    store.append(request("thing-2", 0, vec![event("Made", json!({}))])).await.unwrap();
    assert!(matches!(next_applied(&store, &Recorder, 10).await, Batch::Applied(1, _)));
    let all = read_all_when(&store, 3).await;
    assert_eq!(recorded_ids(&store).await, all.iter().map(|e| e.event_id.clone()).collect::<Vec<_>>());
}

/// The same projection in a later version: one more column.
struct RecorderV2;

const RECORDER_V2_TABLES: &[TableSpec] = &[TableSpec {
    name: "recorded",
    ddl: "create table if not exists {recorded} (event_id text primary key, event_type text not null, \
          position bigint not null, stream_id text not null)",
    indexes: "",
}];

#[async_trait]
impl Projector for RecorderV2 {
    fn name(&self) -> &'static str {
        "recorder"
    }
    fn tables(&self) -> &'static [TableSpec] {
        RECORDER_V2_TABLES
    }
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        for e in events {
            let sql = format!(
                "insert into {} (event_id, event_type, position, stream_id) values ($1, $2, $3, $4)",
                t.name("recorded")
            );
            tx.execute(&sql, &args![e.event_id.as_str(), e.event_type.as_str(), e.position, e.stream_id.as_str()])
                .await?;
        }
        Ok(())
    }
}

both_engines!(a_read_model_whose_schema_changed_is_rebuilt_at_startup, |engine| async move {
    let scratch = Scratch::new();
    let (store, url) = store(engine, &scratch, true).await;
    store.append(request("thing-1", 0, vec![event("Made", json!({})), event("Moved", json!({}))])).await.unwrap();
    drop(store);
    // the same version again changes nothing
    let again =
        open_store(engine, &url, StoreOptions { inline: vec![Arc::new(Recorder)], ..StoreOptions::default() }).await;
    assert_eq!(recorded_ids(&again).await.len(), 2);
    drop(again);

    // a database from before fingerprints: tables, but no fingerprint of their shape
    let old = open_store(engine, &url, StoreOptions::default()).await;
    old.db().execute("delete from projection_schemas", &[]).await.unwrap();
    drop(old);
    let options = StoreOptions { inline: vec![Arc::new(RecorderV2)], ..StoreOptions::default() };
    let upgraded = open_store(engine, &url, options).await;
    let rows: Vec<(String, String)> =
        upgraded.db().fetch_all("select event_type, stream_id from recorded order by position", &[]).await.unwrap();
    assert_eq!(rows, vec![("Made".to_owned(), "thing-1".to_owned()), ("Moved".to_owned(), "thing-1".to_owned())]);
    // and the new version keeps projecting
    upgraded.append(request("thing-2", 0, vec![event("Made", json!({}))])).await.unwrap();
    let rows: Vec<(String,)> =
        upgraded.db().fetch_all("select stream_id from recorded where stream_id = 'thing-2'", &[]).await.unwrap();
    assert_eq!(rows.len(), 1);
});

/// Writes each event's payload cells through `Tx::json_rows` (insert, then an update and a lookup
/// keyed by the same rows), as the projectors write a page.
struct Cells;

const CELLS_TABLES: &[TableSpec] = &[TableSpec {
    name: "cells",
    ddl: "create table if not exists {cells} (id text primary key, t text not null, n bigint not null, \
          b boolean not null, f double precision not null, o text, seen bigint not null)",
    indexes: "",
}];

#[async_trait]
impl Projector for Cells {
    fn name(&self) -> &'static str {
        "cells"
    }
    fn tables(&self) -> &'static [TableSpec] {
        CELLS_TABLES
    }
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        use store::{Arg, Col, json_rows_arg};
        let table = t.name("cells");
        let rows: Vec<Vec<Arg>> = events
            .iter()
            .map(|e| {
                let p = &e.payload;
                vec![
                    Arg::from(e.event_id.as_str()),
                    Arg::from(p["t"].as_str().unwrap()),
                    Arg::from(p["n"].as_i64().unwrap()),
                    Arg::from(p["b"].as_bool().unwrap()),
                    Arg::from(p["f"].as_f64().unwrap()),
                    Arg::from(p["o"].as_str()),
                ]
            })
            .collect();
        let types = [Col::Text, Col::Text, Col::Int, Col::Bool, Col::Float, Col::Text];
        let sql = format!(
            "insert into {table} (id, t, n, b, f, o, seen) select c1, c2, c3, c4, c5, c6, 0 from {} where true \
             on conflict (id) do nothing",
            tx.json_rows(1, &types)
        );
        tx.execute(&sql, &[json_rows_arg(&rows)]).await?;
        let seen: Vec<[Arg; 2]> =
            events.iter().map(|e| [Arg::from(e.event_id.as_str()), Arg::from(e.position)]).collect();
        let sql = format!(
            "update {table} set seen = v.c2 from {} where {table}.id = v.c1",
            tx.json_rows(1, &[Col::Text, Col::Int])
        );
        tx.execute(&sql, &[json_rows_arg(&seen)]).await?;
        let sql = format!("select id from {table} where id in (select c1 from {})", tx.json_rows(1, &[Col::Text]));
        let found: Vec<(String,)> = tx.fetch_all(&sql, &[json_rows_arg(&seen)]).await?;
        assert_eq!(found.len(), events.len(), "every row of the page is found by its key");
        Ok(())
    }
}

both_engines!(rows_in_one_json_bind_keep_every_value_exactly, |engine| async move {
    let scratch = Scratch::new();
    let (store, _) = store(engine, &scratch, false).await;
    let cells = [
        json!({"t": "it's \"quoted\", a \\ back\nslash; drop table cells; --", "n": i64::MAX, "b": true, "f": 0.1, "o": null}),
        json!({"t": "Zoë 🚲 ✓\t", "n": i64::MIN, "b": false, "f": -2.5e10, "o": "00123"}),
        json!({"t": "", "n": 0, "b": true, "f": 1e-7, "o": "{\"a\": [1, true]}"}),
        json!({"t": "null", "n": -1, "b": false, "f": 3.0, "o": "true"}),
    ];
    for (i, payload) in cells.iter().enumerate() {
        store.append(request(&format!("thing-{i}"), 0, vec![event("Made", payload.clone())])).await.unwrap();
    }
    store.ensure_tables(Arc::new(Cells)).await.unwrap();
    read_all_when(&store, cells.len()).await;
    assert!(matches!(store.project_batch(&Cells, 100).await.unwrap(), Batch::Applied(4, _)));
    type Row = (String, String, i64, bool, f64, Option<String>, i64);
    let rows: Vec<Row> =
        store.db().fetch_all("select id, t, n, b, f, o, seen from cells order by seen", &[]).await.unwrap();
    let log = store.read_all(Checkpoint::default(), 10).await.unwrap();
    assert_eq!(rows.len(), cells.len());
    for ((row, payload), event) in rows.iter().zip(&cells).zip(&log) {
        assert_eq!(row.0, event.event_id);
        assert_eq!(row.1, payload["t"].as_str().unwrap());
        assert_eq!(row.2, payload["n"].as_i64().unwrap());
        assert_eq!(row.3, payload["b"].as_bool().unwrap());
        assert_eq!(row.4, payload["f"].as_f64().unwrap());
        assert_eq!(row.5.as_deref(), payload["o"].as_str());
        assert_eq!(row.6, event.position);
    }
});
