//! The one user read model (`user_view`) that coord, suite and legacy read: one row per user,
//! whatever made the user, kept current inline and rebuilt equal; and the upgrade of a database
//! that still has the three read models it replaced.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::EventCodec;
use domain::user::{Profile, SecondFactor, UserEvent, VerificationKind, VerificationResult};
use domain::values::{Email, ExternalUid, LicensePlate, PhoneNumber};
use projections::Reads;
use projections::users::UserRow;
use std::sync::Arc;
use store::{AppendRequest, EventStore, Metadata, NewEvent, StoreOptions};
use tests::{Engine, Scratch, both_engines, database_url, open_store};
use uuid::Uuid;

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap() + Duration::minutes(minute)
}

fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap()
}

/// Appends `events` to the user's stream after `version`, as one append (one inline page).
async fn append(store: &dyn EventStore, user: Uuid, version: i64, events: Vec<UserEvent>) -> i64 {
    let events: Vec<NewEvent> = events
        .iter()
        .map(|e| {
            let (event_type, schema_version, payload) = e.encode().unwrap();
            NewEvent { event_id: Uuid::now_v7(), event_type, schema_version, payload }
        })
        .collect();
    let request = AppendRequest {
        stream_id: format!("user-{user}"),
        stream_type: "user".into(),
        expected_version: version,
        events,
        claims: Vec::new(),
        metadata: Metadata::default(),
    };
    store.append(request).await.unwrap().stream_version
}

async fn inline_store(engine: Engine, url: &str) -> Arc<dyn EventStore> {
    let options = StoreOptions { inline: projections::inline(), ..StoreOptions::default() };
    open_store(engine, url, options).await
}

/// More changes than the inline projector writes one `UPDATE` each.
const SMALL_PAGE_AND_MORE: usize = 9;

fn started(kind: VerificationKind, id: &str, at: DateTime<Utc>) -> UserEvent {
    UserEvent::IdentityVerificationStarted {
        kind,
        verification_id: id.into(),
        provider: "sandbox".into(),
        url: format!("https://kyc.example/{id}"),
        started_at: at,
    }
}

fn completed(kind: VerificationKind, id: &str, result: VerificationResult, at: DateTime<Utc>) -> UserEvent {
    UserEvent::IdentityVerificationCompleted {
        kind,
        verification_id: id.into(),
        result,
        reason: (result == VerificationResult::Rejected).then(|| "blurry".to_owned()),
        decided_by: "provider".into(),
        completed_at: at,
    }
}

struct Users {
    partner: Uuid,
    password: Uuid,
    identity: Uuid,
    email_code: Uuid,
    phone_code: Uuid,
}

/// One user of each kind, each with the later events that change or do not change the row.
async fn one_of_each(store: &dyn EventStore) -> Users {
    let users = Users {
        partner: Uuid::new_v4(),
        password: Uuid::new_v4(),
        identity: Uuid::new_v4(),
        email_code: Uuid::new_v4(),
        phone_code: Uuid::new_v4(),
    };
    let registered = UserEvent::UserRegistered {
        user_id: users.partner,
        tenant_id: "demo".into(),
        partner_id: "demo-partner".into(),
        email: email("ann@fleet.com"),
        external_uid: None,
        test_user: true,
        registered_at: at(0),
    };
    let v = append(store, users.partner, 0, vec![registered]).await;
    let linked = UserEvent::PartnerExternalUidLinked {
        partner_id: "demo-partner".into(),
        external_uid: ExternalUid::parse("ext-1").unwrap(),
        test_user: true,
        linked_at: at(1),
    };
    let plate = LicensePlate::parse("123abc", "us", Some("ny")).unwrap();
    let v = append(store, users.partner, v, vec![linked]).await;
    let v =
        append(store, users.partner, v, vec![UserEvent::VehicleChanged { license_plate: plate, changed_at: at(2) }])
            .await;
    // changes nothing in the view: the row stays at the vehicle's version
    append(store, users.partner, v, vec![UserEvent::SignInFailed { failed_at: at(3) }]).await;

    let profile = Profile {
        first_name: Some("Bo".into()),
        language: Some("de".into()),
        username: Some("bo".into()),
        role: Some("driver".into()),
        company: Some("Fleet".into()),
        ..Profile::default()
    };
    let signed_up = UserEvent::UserSignedUp {
        user_id: users.password,
        tenant_id: "demo".into(),
        email: email("bo@example.com"),
        password_hash: "$argon2id$stub".into(),
        profile,
        created_by: None,
        signed_up_at: at(4),
    };
    // the sign-up and the first TOTP events in one page, the confirmation in another
    let issued = UserEvent::TotpSecretIssued { secret: "JBSWY3DPEHPK3PXP".into(), issued_at: at(5) };
    let v = append(store, users.password, 0, vec![signed_up, issued]).await;
    let enabled = UserEvent::TotpEnabled { step: 7, recovery_code_hashes: vec!["h".into()], enabled_at: at(6) };
    let v = append(store, users.password, v, vec![enabled]).await;
    let used = UserEvent::SecondFactorVerified { factor: SecondFactor::Totp { step: 8 }, verified_at: at(7) };
    let v = append(store, users.password, v, vec![used]).await;
    // verifications: pages of one change (each an UPDATE), and a page of several (the fold)
    let licence = started(VerificationKind::License, "vs-1", at(7));
    let v = append(store, users.password, v, vec![licence]).await;
    let verified = completed(VerificationKind::License, "vs-1", VerificationResult::Verified, at(7));
    let v = append(store, users.password, v, vec![verified]).await;
    let manual = UserEvent::ManualVerificationRecorded {
        result: VerificationResult::Rejected,
        reason: Some("no match".into()),
        recorded_at: at(7),
    };
    let id = started(VerificationKind::Id, "vs-2", at(7));
    let pages: Vec<UserEvent> = (0..SMALL_PAGE_AND_MORE).map(|_| manual.clone()).chain([id]).collect();
    append(store, users.password, v, pages).await;

    let identity = UserEvent::UserSignedUpWithIdentity {
        user_id: users.identity,
        tenant_id: "demo".into(),
        email: email("cy@example.com"),
        issuer: "https://idp.example".into(),
        subject: "sub-1".into(),
        profile: Profile { last_name: Some("Cy".into()), ..Profile::default() },
        signed_up_at: at(8),
    };
    let issued = UserEvent::TotpSecretIssued { secret: "JBSWY3DPEHPK3PXP".into(), issued_at: at(9) };
    let enabled = UserEvent::TotpEnabled { step: 1, recovery_code_hashes: vec![], enabled_at: at(10) };
    let disabled = UserEvent::TotpDisabled { disabled_at: at(11) };
    // a verification decided in the page of the sign-up
    let id = started(VerificationKind::Id, "vs-3", at(11));
    let rejected = completed(VerificationKind::Id, "vs-3", VerificationResult::Rejected, at(11));
    append(store, users.identity, 0, vec![identity, issued, enabled, disabled, id, rejected]).await;

    let by_email = UserEvent::UserSignedUpWithEmailCode {
        user_id: users.email_code,
        tenant_id: "demo".into(),
        email: email("di@example.com"),
        signed_up_at: at(12),
    };
    append(store, users.email_code, 0, vec![by_email]).await;
    let by_phone = UserEvent::UserSignedUpWithPhoneCode {
        user_id: users.phone_code,
        tenant_id: "other".into(),
        phone_number: PhoneNumber::parse("+41 79 123 45 67").unwrap(),
        signed_up_at: at(13),
    };
    append(store, users.phone_code, 0, vec![by_phone]).await;
    users
}

async fn user(reads: &Reads, id: Uuid) -> UserRow {
    reads.user(id).await.unwrap().expect("a row for every user")
}

both_engines!(every_kind_of_user_has_one_row_with_what_each_dialect_reads, |engine| async move {
    let scratch = Scratch::new();
    let store = inline_store(engine, &database_url(engine, &scratch).await).await;
    let users = one_of_each(store.as_ref()).await;
    let reads = Reads::new(store.as_ref());

    let partner = user(&reads, users.partner).await;
    assert!(partner.introduced_by_partner() && !partner.signed_up() && !partner.signed_up_with_password());
    assert_eq!(partner.partner_id.as_deref(), Some("demo-partner"));
    assert_eq!((partner.email.as_deref(), partner.external_uid.as_deref()), (Some("ann@fleet.com"), Some("ext-1")));
    assert_eq!(
        (partner.plate_text.as_deref(), partner.plate_country.as_deref(), partner.plate_subdivision.as_deref()),
        (Some("123abc"), Some("us"), Some("ny"))
    );
    assert!(partner.test_user);
    assert_eq!(partner.stream_version, 3, "the sign-in failure changes nothing");
    assert_eq!(partner.updated_at, store::format_time(&at(2)));

    let password = user(&reads, users.password).await;
    assert!(password.signed_up() && password.signed_up_with_password() && !password.introduced_by_partner());
    assert_eq!(password.signed_up_with.as_deref(), Some("email_password"));
    assert_eq!(
        (password.username.as_deref(), password.role.as_deref(), password.company.as_deref()),
        (Some("bo"), Some("driver"), Some("Fleet"))
    );
    assert_eq!((password.first_name.as_deref(), password.language.as_deref()), (Some("Bo"), Some("de")));
    assert!(password.otp_enabled);
    assert_eq!(password.registered_at, store::format_time(&at(4)));
    let verifications =
        |row: &UserRow| [&row.license_verification, &row.id_verification, &row.manual_verification].map(|s| s.clone());
    let states = |s: [Option<&str>; 3]| s.map(|s| s.map(str::to_owned));
    assert_eq!(verifications(&password), states([Some("VERIFIED"), Some("PENDING"), Some("REJECTED")]));

    let identity = user(&reads, users.identity).await;
    assert_eq!(identity.signed_up_with.as_deref(), Some("id_token"));
    assert!(!identity.otp_enabled, "enabled, then disabled in the same page");
    assert_eq!((identity.last_name.as_deref(), identity.email.as_deref()), (Some("Cy"), Some("cy@example.com")));
    assert_eq!(verifications(&identity), states([None, Some("REJECTED"), None]));
    assert_eq!(verifications(&partner), states([None, None, None]));

    let by_email = user(&reads, users.email_code).await;
    assert_eq!(by_email.signed_up_with.as_deref(), Some("email_code"));
    assert!(by_email.signed_up() && !by_email.signed_up_with_password());

    let by_phone = user(&reads, users.phone_code).await;
    assert_eq!(by_phone.signed_up_with.as_deref(), Some("phone_code"));
    assert_eq!((by_phone.email, by_phone.phone_number.as_deref()), (None, Some("+41791234567")));
    assert_eq!(by_phone.tenant_id, "other");

    assert_eq!(reads.user(Uuid::new_v4()).await.unwrap(), None);
});

both_engines!(the_user_view_rebuilds_equal_to_the_inline_one, |engine| async move {
    let scratch = Scratch::new();
    let store = inline_store(engine, &database_url(engine, &scratch).await).await;
    one_of_each(store.as_ref()).await;
    let view = projections::by_name("user_view").unwrap();
    let report = store.rebuild(view.clone()).await.unwrap();
    assert!(report.matched_live(), "{report:?}");
    assert_eq!((report.tables[0].live_rows, report.tables[0].rebuilt_rows), (5, 5));

    // a damaged row (the legacy and the suite fields of one account) is found and repaired
    store
        .db()
        .execute(
            "update user_view set otp_enabled = false, first_name = 'X', license_verification = 'PENDING' \
             where username = 'bo'",
            &[],
        )
        .await
        .unwrap();
    let report = store.rebuild(view.clone()).await.unwrap();
    assert_eq!((report.tables[0].only_live, report.tables[0].only_rebuilt), (1, 1));
    let sql = "select otp_enabled, first_name, license_verification from user_view where username = 'bo'";
    let rows: Vec<(bool, String, String)> = store.db().fetch_all(sql, &[]).await.unwrap();
    assert_eq!(rows, vec![(true, "Bo".to_owned(), "VERIFIED".to_owned())]);
    assert!(store.rebuild(view.clone()).await.unwrap().matched_live());
});

both_engines!(a_database_with_the_three_old_read_models_starts_with_the_one, |engine| async move {
    let scratch = Scratch::new();
    let url = database_url(engine, &scratch).await;
    let store = inline_store(engine, &url).await;
    let users = one_of_each(store.as_ref()).await;
    // put the database back as the previous version left it: the old `user_view` (under its
    // old fingerprint), `customer_view` and `accounts`, and migration 5 not applied yet
    for sql in [
        "drop table user_view",
        "create table user_view (user_id text primary key, tenant_id text not null, partner_id text not null, \
         email text not null, external_uid text, test_user boolean not null, plate_text text, plate_country text, \
         plate_subdivision text, registered_at text not null, updated_at text not null, stream_version bigint not null)",
        "update projection_schemas set fingerprint = 'before-0014' where projection = 'user_view'",
        "create table customer_view (user_id text primary key, tenant_id text not null, email text, \
         phone_number text, first_name text, last_name text, language text, signed_up_at text not null, \
         updated_at text not null)",
        "create table accounts (user_id text primary key, tenant_id text not null, email text not null, \
         username text, role text, company text, otp_enabled boolean not null, signed_up_at text not null, \
         updated_at text not null)",
        "insert into projection_schemas (projection, fingerprint, updated_at) values \
         ('customer_view', 'old', '2026-01-01T00:00:00Z'), ('accounts', 'old', '2026-01-01T00:00:00Z')",
        "delete from _sqlx_migrations where version = 5",
    ] {
        store.db().execute(sql, &[]).await.unwrap();
    }
    drop(store);

    let store = inline_store(engine, &url).await;
    let reads = Reads::new(store.as_ref());
    assert!(user(&reads, users.password).await.otp_enabled, "user_view was rebuilt in its new shape");
    assert!(user(&reads, users.partner).await.introduced_by_partner());
    let (exists, schemas): (&str, &str) = match engine {
        Engine::Sqlite => (
            "select count(*) from sqlite_master where type = 'table' and name in ('customer_view', 'accounts')",
            "select count(*) from projection_schemas where projection in ('customer_view', 'accounts')",
        ),
        Engine::Postgres => (
            "select count(*) from pg_tables where tablename in ('customer_view', 'accounts')",
            "select count(*) from projection_schemas where projection in ('customer_view', 'accounts')",
        ),
    };
    for sql in [exists, schemas] {
        let (n,): (i64,) = store.db().fetch_optional(sql, &[]).await.unwrap().unwrap();
        assert_eq!(n, 0, "{sql}");
    }
});
