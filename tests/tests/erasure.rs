//! Erasure by crypto-shredding, black-box on both engines: a person with a distinctive email,
//! phone number, name, plate, password and TOTP secret uses the account (profile, vehicle, a
//! billing address, an SMS code, TOTP on, a link, an identity card), asks for deletion, and then no table of the database
//! and no file of the data dir holds any of those values in clear, the hash chain still
//! verifies, and the email signs up again.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use store::Metadata;
use tests::suite::Tokens;
use tests::{Engine, TestApp, both_engines, eventually};
use uuid::Uuid;

const EMAIL: &str = "zq-erase-7731@example.com";
const PASSWORD: &str = "Erase-Me-Pass-4471";
const PHONE: &str = "+41798887766";
const FIRST: &str = "Zephyrine";
const LAST: &str = "Quillbottom";
const PLATE: &str = "ZQ-7731";
const STREET: &str = "Quillbottomweg 9";
const CARD_NUMBER: &str = "ZQCARD-55120";

/// Every row of every table, as text (what a `pg_dump` or a look at the tables would show).
async fn every_table_as_text(app: &TestApp, engine: Engine) -> String {
    let db = app.state.store.db();
    let tables: Vec<(String,)> = match engine {
        Engine::Sqlite => db.fetch_all("select name from sqlite_master where type = 'table'", &[]).await.unwrap(),
        Engine::Postgres => db
            .fetch_all("select tablename::text from pg_tables where schemaname = current_schema()", &[])
            .await
            .unwrap(),
    };
    let mut text = String::new();
    for (table,) in tables {
        let dump = match engine {
            Engine::Sqlite => {
                let columns: Vec<(String,)> =
                    db.fetch_all(&format!("select name from pragma_table_info('{table}')"), &[]).await.unwrap();
                let values: Vec<String> =
                    columns.iter().map(|(c,)| format!("coalesce(case when typeof(\"{c}\") = 'blob' then hex(\"{c}\") else cast(\"{c}\" as text) end, '')")).collect();
                format!("select coalesce(group_concat({}, char(10)), '') from \"{table}\"", values.join(" || '|' || "))
            }
            Engine::Postgres => format!("select coalesce(string_agg(t::text, chr(10)), '') from \"{table}\" t"),
        };
        let (rows,): (String,) = db.fetch_optional(&dump, &[]).await.unwrap().unwrap_or_default();
        text.push_str(&rows);
        text.push('\n');
    }
    text
}

/// Every file under `dir`, as raw bytes.
fn files_as_bytes(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_as_bytes(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            found.push((path.display().to_string(), bytes));
        }
    }
    found
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

both_engines!(an_erased_person_leaves_nothing_readable, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let res = suite.sign_up(json!({"email": EMAIL, "password": PASSWORD, "firstName": FIRST})).await;
    assert_eq!(res.status(), 201);
    let user = Uuid::parse_str(res.json::<Value>().await.unwrap()["uuid"].as_str().unwrap()).unwrap();
    let access = Tokens::of(suite.sign_in(EMAIL, PASSWORD).await).await.access;

    // use the account: profile, vehicle, a billing address, an SMS code, TOTP on
    let patch = json!({"lastName": LAST, "phoneNumber": PHONE, "birthDate": "1980-02-03",
        "address": {"street": STREET, "zip": "8001", "city": "Zürich", "country": "CH"}});
    let res = app.client.patch(suite.url("/front/customers")).bearer_auth(&access).json(&patch).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let plate = domain::values::LicensePlate::parse(PLATE, "ch", None).unwrap();
    let (now, meta) = (chrono::Utc::now(), Metadata::default());
    app.state.users.change_vehicle(user, plate, now, &meta).await.unwrap();
    let payer = commands::wallet::Payer { tenant: "demo", user_id: user, test_user: false, email: Some(EMAIL) };
    let (_, card) = app.state.wallets.attach_card(payer, "tok_visa", "k", now, &meta).await.unwrap();
    let address = domain::wallet::BillingAddress { line1: Some(STREET.into()), ..Default::default() };
    app.state.wallets.update_card_address(user, &card.id, address, "a", now, &meta).await.unwrap();
    let res = suite.post("/front/customers/verify/send").bearer_auth(&access).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert!(eventually(10, || async { !app.codes_sent_to(PHONE).is_empty() }).await);
    let link = commands::links::LinkRequest {
        tenant: "demo",
        user_id: user,
        system_id: "CitiBike",
        via: domain::links::LinkVia::Integrations,
    };
    assert!(
        app.state
            .links
            .link(link, domain::catalog::UserFacts { email: true, ..Default::default() }, now, &meta)
            .await
            .unwrap()
    );
    let card = api::cli_cards::CardCommand::Assign {
        card_id: "zq-card-1".into(),
        kind: "RFID".into(),
        number: CARD_NUMBER.into(),
        label: Some(format!("{FIRST}'s badge")),
        valid_until: None,
    };
    api::cli_cards::identity_card_command(app.state.store.clone(), user, card).await.unwrap();
    let links_of_user = format!("select count(*) from account_links where user_id = '{user}'");
    assert_eq!(app.count(&links_of_user).await, 1);
    let issued: Value = suite.two_factor(&access, "2fa-secret", None).await.json().await.unwrap();
    let secret = issued["secret"].as_str().unwrap().to_owned();
    let code = tests::totp_code(&secret, chrono::Utc::now().timestamp());
    let res = suite.two_factor(&access, "2fa-enable", Some(json!({"code": code, "password": PASSWORD}))).await;
    assert_eq!(res.status(), 200);
    let (account, _) = app.state.users.load(user).await.unwrap();
    let password_hash = account.password_hash().unwrap().to_owned();
    assert_eq!(account.totp_secret(), Some(secret.as_str()));

    // before: the values are readable where they belong (the read model), never in the log
    let before = every_table_as_text(&app, engine).await;
    assert!(before.contains(LAST), "the read model holds the profile");
    let payload = if engine == Engine::Postgres { "payload::text" } else { "payload" };
    let events = app
        .count(&format!("select count(*) from events where {payload} like '%{LAST}%' or {payload} like '%{EMAIL}%'"))
        .await;
    assert_eq!(events, 0, "the log holds personal data only encrypted");

    let res = suite.post("/front/customers/request-deletion").bearer_auth(&access).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let needles =
        [EMAIL, PASSWORD, PHONE, FIRST, LAST, PLATE, STREET, CARD_NUMBER, password_hash.as_str(), secret.as_str()];
    let tables = every_table_as_text(&app, engine).await;
    for needle in needles {
        assert!(!tables.contains(needle), "{needle} is still in a table");
    }
    for (file, bytes) in files_as_bytes(&app.scratch.0) {
        for needle in needles {
            assert!(!contains(&bytes, needle), "{needle} is still in {file}");
        }
    }
    // the key is gone: the log's copy of the sign-up reads as placeholders, on any instance
    assert_eq!(app.count(&format!("select count(*) from data_keys where key_id = '{user}'")).await, 0);
    assert_eq!(app.count(&links_of_user).await, 0, "the erasure ended the link");
    let ended = app.stream(&domain::links::stream_id(user)).await;
    assert_eq!(
        ended.last().map(|e| (e.event_type.as_str(), e.payload["via"].clone())),
        Some(("AccountUnlinked", json!("erasure")))
    );
    let history = app.stream(&format!("user-{user}")).await;
    let signed_up = history.iter().find(|e| e.event_type == "UserSignedUp").unwrap();
    assert_eq!(signed_up.payload["email"], "erased@erased.invalid");
    assert_eq!(signed_up.payload["password_hash"], "erased");
    let report = app.state.store.verify().await.unwrap();
    assert!(report.first_broken.is_none(), "the chain verifies after the erasure: {report:?}");
    assert_eq!(suite.sign_up(json!({"email": EMAIL, "password": PASSWORD})).await.status(), 201, "the email is free");
    // the erased history still reads (placeholders), and the read models rebuild equal
    assert_eq!(app.count(&format!("select count(*) from identity_cards where user_id = '{user}'")).await, 0);
    for name in ["user_view", "wallets", "login_sessions", "deletion_requests", "identity_cards", "account_links"] {
        let rebuilt = app.state.store.rebuild(projections::by_name(name).unwrap()).await.unwrap();
        assert!(rebuilt.matched_live(), "{name}: {rebuilt:?}");
    }
});
