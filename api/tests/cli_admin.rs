//! The real `users-api admin-key` on a fresh data dir: a created key is printed once, listed
//! without its secret, revoked for good (a second revocation exits 1 with the reason).
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_users-api");

#[test]
fn admin_keys_are_created_listed_and_revoked_through_the_binary() {
    let dir = std::env::temp_dir().join(format!("users-api-cli-admin-{}", uuid::Uuid::new_v4().simple()));
    let run = |args: &[&str]| {
        Command::new(BIN).env("USERS_API_DATA_DIR", &dir).env_remove("DATABASE_URL").args(args).output().unwrap()
    };
    let created = run(&["admin-key", "create", "--role", "auditor", "--label", "audit team"]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let created: Value = serde_json::from_slice(&created.stdout).unwrap();
    let (id, key) = (created["key_id"].as_str().unwrap(), created["key"].as_str().unwrap());
    assert!(key.starts_with(&format!("uak_{id}_")) && key.len() > 70, "{key}");
    assert_eq!(created["role"], "auditor");

    let listed = run(&["admin-key", "list"]);
    let text = String::from_utf8(listed.stdout).unwrap();
    assert!(!text.contains(&key[id.len() + 5..]), "the list never shows the secret");
    let list: Value = serde_json::from_str(&text).unwrap();
    assert_eq!((list[0]["key_id"].as_str(), list[0]["label"].as_str()), (Some(id), Some("audit team")));
    assert!(list[0]["revoked_at"].is_null());

    assert!(run(&["admin-key", "revoke", id]).status.success());
    let again = run(&["admin-key", "revoke", id]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("revoked already"));
    let list: Value = serde_json::from_slice(&run(&["admin-key", "list"]).stdout).unwrap();
    assert!(list[0]["revoked_at"].is_string());
    let bad_role = run(&["admin-key", "create", "--role", "root", "--label", "x"]);
    assert!(!bad_role.status.success());
    std::fs::remove_dir_all(&dir).ok();
}
