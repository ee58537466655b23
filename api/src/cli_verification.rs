//! `users-api verification <user> approve|reject|manual …`: an operator decides a customer's
//! pending identity verification (the sandbox's, or a provider's the operator checked by other
//! means), or records a manual verification. Each prints one JSON line. The outcome goes to the
//! log, which the server reads: a server stops asking its provider about a session once the log
//! has its outcome. (The sandbox lives in the server's memory, which this process cannot reach.)
use crate::identity::IdvSettings;
use crate::startup::Adapters;
use commands::verification::VerificationService;
use commands::{CommandBus, EventStore, Metadata};
use domain::user::{VerificationKind, VerificationResult};
use serde_json::{Value, json};
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum VerificationCommand {
    /// The pending session is verified.
    Approve {
        /// `LICENSE` or `ID`; needed only when both are pending.
        #[arg(long, value_parser = kind)]
        kind: Option<VerificationKind>,
    },
    /// The pending session is rejected; the customer may start another.
    Reject {
        /// Why, shown to nobody but kept with the outcome (personal data: erased with the account).
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, value_parser = kind)]
        kind: Option<VerificationKind>,
    },
    /// The operator's own check of the person (`manualVerificationState`).
    Manual {
        #[command(subcommand)]
        decision: ManualDecision,
    },
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum ManualDecision {
    Approve,
    Reject {
        #[arg(long)]
        reason: Option<String>,
    },
}

fn kind(raw: &str) -> Result<VerificationKind, String> {
    VerificationKind::parse(raw).ok_or_else(|| format!("{raw} is not LICENSE or ID"))
}

/// Runs a verification command on `user`; the JSON it prints.
pub async fn run(
    store: Arc<dyn EventStore>,
    settings: &IdvSettings,
    adapters: &Adapters,
    user: Uuid,
    command: VerificationCommand,
) -> anyhow::Result<Value> {
    let provider = crate::identity::provider(settings, adapters)?;
    let service = VerificationService::new(CommandBus::new(store), provider);
    let meta = Metadata { actor: Some("system:cli".into()), ..Metadata::default() };
    let now = chrono::Utc::now();
    let (result, reason, kind) = match command {
        VerificationCommand::Approve { kind } => (VerificationResult::Verified, None, kind),
        VerificationCommand::Reject { reason, kind } => (VerificationResult::Rejected, reason, kind),
        VerificationCommand::Manual { decision } => {
            let (result, reason) = match decision {
                ManualDecision::Approve => (VerificationResult::Verified, None),
                ManualDecision::Reject { reason } => (VerificationResult::Rejected, reason),
            };
            service.record_manual(user, result, reason, now, &meta).await?;
            return Ok(json!({ "user": user, "manualVerificationState": state(result) }));
        }
    };
    let session = service.complete(user, kind, result, reason, now, &meta).await?;
    Ok(json!({
        "user": user,
        "type": session.kind.as_str(),
        "verificationId": session.verification_id,
        "state": state(result),
    }))
}

fn state(result: VerificationResult) -> &'static str {
    match result {
        VerificationResult::Verified => "VERIFIED",
        VerificationResult::Rejected => "REJECTED",
    }
}
