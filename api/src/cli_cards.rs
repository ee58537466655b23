//! `users-api identity-card <user> assign|withdraw|list`: operators assign identity cards to a
//! user (read by the suite's `customer-identity-cards`), as `PUT|DELETE /admin/users/{id}/identity-cards/{card}` do. Each prints one JSON line; a refusal exits 1 with the reason.
use anyhow::{Context as _, bail};
use commands::cards::IdentityCardService;
use commands::{CommandBus, CommandError, EventStore, Metadata};
use domain::cards::IdentityCard;
use serde_json::{Value, json};
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum CardCommand {
    /// Assign a card (or change what is known of an assigned one: each run states it whole).
    Assign {
        /// The operator's id of the physical card: 1 to 64 letters, digits, `.`, `_` or `-`.
        card_id: String,
        /// What kind of card: 1 to 32 upper-case letters, digits or `_` (`RFID`, `CUSTOMER_CARD`).
        #[arg(long = "type", value_name = "TYPE")]
        kind: String,
        /// What is printed on or stored in the card (1 to 64 characters).
        #[arg(long)]
        number: String,
        #[arg(long)]
        label: Option<String>,
        /// `YYYY-MM-DD`.
        #[arg(long)]
        valid_until: Option<chrono::NaiveDate>,
    },
    /// Take a card back.
    Withdraw { card_id: String },
    /// The user's cards.
    List,
}

/// Apply `command` to `user`'s cards, as `users-api identity-card` does; the JSON it prints.
pub async fn identity_card_command(
    store: Arc<dyn EventStore>,
    user: Uuid,
    command: CardCommand,
) -> anyhow::Result<Value> {
    let cards = IdentityCardService::new(CommandBus::new(store));
    let Some(tenant) = cards.holder_tenant(user).await? else { bail!("no user {user}, or an erased one") };
    let metadata = Metadata { actor: Some("system:cli".into()), ..Metadata::default() };
    let now = chrono::Utc::now();
    match command {
        CardCommand::Assign { card_id, kind, number, label, valid_until } => {
            let card = IdentityCard { card_id: card_id.clone(), kind, number, label, valid_until };
            let changed = match cards.assign(&tenant, user, card, now, &metadata).await {
                Err(CommandError::Claim { .. }) => {
                    bail!("card {card_id} is assigned to another user of tenant {tenant}")
                }
                other => other.with_context(|| format!("user {user}"))?,
            };
            Ok(json!({ "user": user, "card_id": card_id, "assigned": true, "changed": changed }))
        }
        CardCommand::Withdraw { card_id } => {
            cards.withdraw(&tenant, user, &card_id, now, &metadata).await.with_context(|| format!("user {user}"))?;
            Ok(json!({ "user": user, "card_id": card_id, "withdrawn": true }))
        }
        CardCommand::List => {
            let list: Vec<Value> = cards
                .cards(user)
                .await?
                .cards()
                .map(|(card, at)| {
                    json!({
                        "card_id": card.card_id, "type": card.kind, "number": card.number, "label": card.label,
                        "valid_until": card.valid_until, "assigned_at": at,
                    })
                })
                .collect();
            Ok(json!({ "user": user, "cards": list }))
        }
    }
}
