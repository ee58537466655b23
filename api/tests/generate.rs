//! `users-api generate` on both engines, run as the real binary with its output piped: the mix
//! it claims, personal fields sealed in the log, `verify` passing on its chain, every read model
//! rebuilt equal to the live one in one pass, and no progress bar off a terminal.
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use tests::fresh_pg_database;

const BIN: &str = env!("CARGO_BIN_EXE_users-api");

/// The event types the generator's documentation claims for its mix.
const MIX: &[&str] = &[
    "UserSignedUp",
    "UserRegistered",
    "UserSignedUpWithEmailCode",
    "UserSignedUpWithPhoneCode",
    "UserSignedUpWithIdentity",
    "UserRegisteredWithPartnerIdentity",
    "EmailProven",
    "ProfileChanged",
    "VehicleChanged",
    "SignInFailed",
    "TotpSecretIssued",
    "TotpEnabled",
    "SecondFactorVerified",
    "LoginSessionStarted",
    "RefreshTokenRotated",
    "LoginSessionRevoked",
    "PaymentCustomerCreated",
    "PaymentCardAttached",
    "ChargeSucceeded",
    "ChargeFailed",
    "AccountLinked",
    "AccountUnlinked",
    "IdentityVerificationStarted",
    "IdentityVerificationCompleted",
    "DeletionRequested",
    "UserErased",
    "PaymentDetailsErased",
];

fn run(data_dir: &PathBuf, url: &Option<String>, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.env("USERS_API_DATA_DIR", data_dir).env_remove("DATABASE_URL");
    if let Some(url) = url {
        cmd.env("DATABASE_URL", url);
    }
    // piped stdout and stderr: not a terminal
    let out = cmd.args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// No bar on a pipe: nothing of its template, no carriage returns redrawing a line.
fn assert_no_bar(out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains('\r') && !err.contains("eta") && !err.contains('█'), "a bar on a pipe: {err}");
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

async fn generate_verify_rebuild(url: Option<String>) {
    let dir = std::env::temp_dir().join(format!("users-api-generate-{}", uuid::Uuid::new_v4().simple()));
    let generated = run(&dir, &url, &["generate", "--events", "5000", "--seed", "7", "--writers", "4"]);
    assert_no_bar(&generated);
    let lines = json_lines(&generated);
    assert_eq!(lines.len(), 1, "one JSON line");
    let summary = &lines[0];
    assert_eq!(summary["generated"], 5000, "{summary}");
    let types = summary["event_types"].as_object().unwrap();
    let missing: Vec<_> = MIX.iter().filter(|t| types.get(**t).and_then(Value::as_u64).unwrap_or(0) == 0).collect();
    assert!(missing.is_empty(), "the mix lacks {missing:?}: {summary}");
    assert_eq!(types.values().map(|n| n.as_u64().unwrap()).sum::<u64>(), 5000);
    assert!(summary["erased"].as_u64().unwrap() > 0 && summary["people"].as_u64().unwrap() > 100, "{summary}");

    // the log as stored: personal fields sealed by the vault (no generated address in clear)
    let export = run(&dir, &url, &["export"]);
    let log = String::from_utf8_lossy(&export.stdout);
    assert_eq!(log.lines().count(), 5000);
    assert!(log.contains("enc:v1:") && !log.contains("@example.org"), "personal fields are sealed");

    let verify = run(&dir, &url, &["verify"]);
    let report: Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert_eq!((report["events_checked"].as_u64(), report["first_broken"].is_null()), (Some(5000), true));

    let rebuild = run(&dir, &url, &["rebuild"]);
    assert_no_bar(&rebuild);
    let reports = json_lines(&rebuild);
    assert_eq!(reports.len(), projections::all().len(), "one line per projection");
    for r in &reports {
        assert_eq!(r["matched_live"], true, "{r}");
        assert_eq!(r["events_applied"], 5000, "{r}");
        assert!(r["events_per_second"].as_f64().unwrap() > 0.0, "{r}");
    }
    // the generated people are in the read models
    let users = reports.iter().find(|r| r["projection"] == "user_view").unwrap();
    let rows = users["tables"][0]["rebuilt_rows"].as_u64().unwrap();
    let (people, erased) = (summary["people"].as_u64().unwrap(), summary["erased"].as_u64().unwrap());
    assert_eq!(rows, people - erased, "every person not erased has a row: {users}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn generate_fills_sqlite_with_a_verified_log_that_rebuilds_equal() {
    generate_verify_rebuild(None).await;
}

#[tokio::test]
async fn generate_fills_postgres_with_a_verified_log_that_rebuilds_equal() {
    generate_verify_rebuild(Some(fresh_pg_database().await)).await;
}
