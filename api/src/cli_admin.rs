//! `users-api admin-key create|revoke|list`: the admin surface's keys. A created key is printed
//! once (only its SHA-256 hash is kept); running servers accept it at once and refuse a revoked
//! one at once (they read the key's row on every admin request).
use anyhow::Context as _;
use clap::Subcommand;
use commands::admin::AdminService;
use commands::{CommandBus, EventStore, Metadata};
use domain::admin::AdminRole;
use std::sync::Arc;

#[derive(Debug, Clone, Subcommand)]
pub enum AdminKeyCommand {
    /// Create a key with one role; prints `{key_id, key, role}` (the key is shown only here).
    Create {
        /// `operator` (configuration) or `auditor` (history, users' state, the record of reads).
        #[arg(long)]
        role: AdminRole,
        /// Who or what holds it, for people (`audit team 2026`): 1 to 100 characters.
        #[arg(long)]
        label: String,
    },
    /// Revoke a key for good: requests with it are refused from now on.
    Revoke { key_id: String },
    /// Every key: id, role, label, when created and revoked (never the key).
    List,
}

pub async fn admin_key_command(
    store: Arc<dyn EventStore>,
    command: AdminKeyCommand,
) -> anyhow::Result<serde_json::Value> {
    let reads = projections::Reads::new(store.as_ref());
    let admin = AdminService::new(CommandBus::new(store));
    let metadata = Metadata { actor: Some("system:cli".into()), ..Metadata::default() };
    let now = chrono::Utc::now();
    match command {
        AdminKeyCommand::Create { role, label } => {
            let created = admin.create_key(role, &label, now, &metadata).await.context("admin key")?;
            Ok(serde_json::json!({ "key_id": created.key_id, "key": created.key, "role": role.as_str() }))
        }
        AdminKeyCommand::Revoke { key_id } => {
            admin.revoke_key(&key_id, now, &metadata).await.with_context(|| format!("admin key {key_id}"))?;
            Ok(serde_json::json!({ "key_id": key_id, "revoked": true }))
        }
        AdminKeyCommand::List => {
            let keys = reads.admin_keys().await?.into_iter().map(|k| {
                serde_json::json!({ "key_id": k.key_id, "role": k.role, "label": k.label, "created_at": k.created_at, "revoked_at": k.revoked_at })
            });
            Ok(serde_json::Value::Array(keys.collect()))
        }
    }
}
