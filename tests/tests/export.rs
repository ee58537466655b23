//! `users-api export`: the event history as stored, as NDJSON in commit order, and read-model
//! tables as CSV or NDJSON, on both engines.
#![allow(clippy::unwrap_used)]

use api::cli_export::{ExportArgs, Format, export};
use serde_json::{Value, json};
use tests::{TestApp, both_engines};

fn args(projection: Option<&str>, format: Format, output: &std::path::Path) -> ExportArgs {
    ExportArgs { projection: projection.map(str::to_owned), format, output: Some(output.to_owned()) }
}

both_engines!(the_history_exports_as_stored_in_commit_order, |engine| async move {
    let app = TestApp::spawn(engine).await;
    for name in ["ex-a", "ex-b", "ex-c"] {
        app.suite("demo").signed_up(&format!("{name}@example.com")).await;
    }
    let file = app.scratch.0.join("events.ndjson");
    let summary = export(app.state.store.as_ref(), &args(None, Format::Ndjson, &file)).await.unwrap();
    let lines: Vec<Value> =
        std::fs::read_to_string(&file).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len() as i64, app.event_count().await);
    assert_eq!(summary, json!({"exported": "events", "events": lines.len()}));
    let stored: Vec<(i64, String, String)> =
        app.state.store.db().fetch_all("select global_position, event_type, hash from events", &[]).await.unwrap();
    for line in &lines {
        for field in
            ["event_id", "stream_id", "stream_type", "version", "type", "schema_version", "metadata", "recorded_at"]
        {
            assert!(!line[field].is_null(), "{field} in {line}");
        }
        let position = line["position"].as_i64().unwrap();
        let (_, kind, hash) = stored.iter().find(|(p, _, _)| *p == position).unwrap();
        assert_eq!((line["type"].as_str(), line["hash"].as_str()), (Some(kind.as_str()), Some(hash.as_str())));
    }
    let mut positions: Vec<i64> = lines.iter().map(|l| l["position"].as_i64().unwrap()).collect();
    positions.dedup();
    assert_eq!(positions.len(), lines.len(), "each event once");
    // payloads as stored: personal fields stay encrypted
    let signed_up = lines.iter().find(|l| l["type"] == "UserSignedUp").unwrap();
    assert!(signed_up["payload"]["email"].as_str().unwrap().starts_with("enc:v1:"), "{signed_up}");
    assert!(!std::fs::read_to_string(&file).unwrap().contains("ex-a@example.com"));
});

both_engines!(a_read_model_table_exports_as_csv_or_ndjson, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let tricky = "Ann, \"the\" Tester";
    let res = suite
        .sign_up(json!({"email": "csv@example.com", "password": "correct horse battery", "firstName": tricky}))
        .await;
    assert_eq!(res.status(), 201);
    suite.signed_up("csv2@example.com").await;

    let file = app.scratch.0.join("users.csv");
    let summary = export(app.state.store.as_ref(), &args(Some("user_view"), Format::Csv, &file)).await.unwrap();
    let rows = app.count("select count(*) from user_view").await;
    assert_eq!(summary, json!({"exported": "user_view", "rows": rows}));
    let mut reader = csv::Reader::from_path(&file).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let (email, first) =
        (header.iter().position(|c| c == "email").unwrap(), header.iter().position(|c| c == "first_name").unwrap());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len() as i64, rows);
    let ann = records.iter().find(|r| &r[email] == "csv@example.com").unwrap();
    assert_eq!(&ann[first], tricky, "quoted and read back whole");

    let file = app.scratch.0.join("users.ndjson");
    export(app.state.store.as_ref(), &args(Some("user_view"), Format::Ndjson, &file)).await.unwrap();
    let lines: Vec<Value> =
        std::fs::read_to_string(&file).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len() as i64, rows);
    assert!(lines.iter().any(|l| l["first_name"] == tricky));

    // a read model of one table by its name; unknown names and several tables are refused
    let file = app.scratch.0.join("branches.csv");
    let summary = export(app.state.store.as_ref(), &args(Some("catalog_branches"), Format::Csv, &file)).await.unwrap();
    assert_eq!(summary["rows"], 3);
    for bad in ["no_such_table", "wallets", "catalog"] {
        let refused = export(app.state.store.as_ref(), &args(Some(bad), Format::Csv, &file)).await.unwrap_err();
        assert!(format!("{refused:#}").contains(bad), "{refused:#}");
    }
});
