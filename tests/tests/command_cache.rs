//! The command bus decides on the aggregates it remembers without reading them again. These
//! tests run two buses (two instances) on one database and show that a remembered state another
//! instance has moved past never decides anything: appends built on it fail the store's version
//! check and are decided again, and refusals and no-op answers are checked against the stream.
#![allow(clippy::unwrap_used)]

use chrono::Utc;
use commands::CommandBus;
use commands::login::{LoginService, RefreshError, SessionPolicy, SignIn};
use domain::login::{self, LoginSession, SignInMethod};
use std::sync::Arc;
use store::{EventStore, Metadata, StoreOptions};
use tests::{Engine, Scratch, both_engines, database_url, open_store};
use uuid::Uuid;

async fn store(engine: Engine, scratch: &Scratch) -> Arc<dyn EventStore> {
    let url = database_url(engine, scratch).await;
    let options = StoreOptions { inline: projections::inline(), ..StoreOptions::default() };
    open_store(engine, &url, options).await
}

/// Two instances: each its own bus (and memory), one database, one refresh-derivation key.
fn instances(store: &Arc<dyn EventStore>) -> (LoginService, LoginService, CommandBus) {
    let key = [7u8; 32];
    let policy = SessionPolicy::default();
    let a = CommandBus::new(store.clone());
    let b = CommandBus::new(store.clone());
    (LoginService::new(a.clone(), key, policy), LoginService::new(b, key, policy), a)
}

fn sign_in() -> SignIn {
    SignIn {
        user_id: Uuid::now_v7(),
        tenant_id: "demo".into(),
        client_id: None,
        dialect: "suite",
        method: SignInMethod::EmailPassword,
        test_user: false,
        with_refresh: true,
    }
}

both_engines!(a_remembered_session_another_instance_moved_decides_nothing, |engine| async move {
    let scratch = Scratch::new();
    let store = store(engine, &scratch).await;
    let (a, b, bus_a) = instances(&store);
    let meta = Metadata::default();
    let now = Utc::now();

    // a refusal on a remembered state is checked: b rotates a session a remembers at its start
    let first = a.start(sign_in(), now, &meta).await.unwrap();
    let rt1 = b
        .refresh(first.refresh_token.as_deref().unwrap(), ("demo", "suite", true), now, &meta)
        .await
        .unwrap()
        .refresh_token;
    // to a's memory rt1 is unknown; the stream has it as the head, and a rotates it
    assert!(a.refresh(&rt1, ("demo", "suite", true), now, &meta).await.is_ok());

    // an answer without an event on a remembered state is checked too
    let started = a.start(sign_in(), now, &meta).await.unwrap();
    let rt0 = started.refresh_token.unwrap();
    let rt1 = a.refresh(&rt0, ("demo", "suite", true), now, &meta).await.unwrap().refresh_token;
    // b moves the stream on: rt1 -> rt2
    let rt2 = b.refresh(&rt1, ("demo", "suite", true), now, &meta).await.unwrap().refresh_token;
    // a remembers rt0 as the parent of the head inside the grace: a retry that would get rt1 again.
    // The stream has rt1 spent as well, so rt0 is an older ancestor and the session is revoked
    assert!(matches!(a.refresh(&rt0, ("demo", "suite", true), now, &meta).await, Err(RefreshError::Reused)));
    // b remembers rt2 as the head; its rotation collides with the revocation and is decided again
    assert!(matches!(b.refresh(&rt2, ("demo", "suite", true), now, &meta).await, Err(RefreshError::Invalid)));
    let stream = login::stream_id(started.session_id);
    let (remembered, _) = bus_a.load::<LoginSession>(&stream).await.unwrap();
    assert!(remembered.revoked().is_some());

    // every event chained onto the right predecessor, with or without a remembered hash
    let report = store.verify().await.unwrap();
    assert!(report.first_broken.is_none(), "{report:?}");
    let versions: Vec<i64> = store.read_stream(&stream, 0).await.unwrap().iter().map(|e| e.stream_version).collect();
    assert_eq!(versions, (1..=versions.len() as i64).collect::<Vec<_>>());
    // a memory-less bus reads the same state the remembering ones decided on
    let (fresh, _) = CommandBus::with_cache(store.clone(), 0).load::<LoginSession>(&stream).await.unwrap();
    let (remembered, _) = bus_a.load::<LoginSession>(&stream).await.unwrap();
    assert_eq!(fresh, remembered);
});

both_engines!(a_token_of_another_tenant_changes_nothing, |engine| async move {
    let scratch = Scratch::new();
    let store = store(engine, &scratch).await;
    let (a, _, _) = instances(&store);
    let meta = Metadata::default();
    let started = a.start(sign_in(), Utc::now(), &meta).await.unwrap();
    let rt0 = started.refresh_token.unwrap();
    assert!(matches!(a.refresh(&rt0, ("other", "suite", true), Utc::now(), &meta).await, Err(RefreshError::Invalid)));
    let stream = login::stream_id(started.session_id);
    assert_eq!(store.read_stream(&stream, 0).await.unwrap().len(), 1, "no rotation, no revocation");
    assert!(a.refresh(&rt0, ("demo", "suite", true), Utc::now(), &meta).await.is_ok(), "still good in its own tenant");
});
