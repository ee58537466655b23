//! `users-api wallet <user> charge|subscribe|cancel-subscription|charges|holds`: what operators
//! do with a user's wallet until the admin surface has HTTP routes for it. Each prints one JSON
//! line. A charge honours `--idempotency-key` as the HTTP routes honour the header: the same key
//! and charge answers the first outcome again, without a second provider call.
use crate::payments::StripeSettings;
use crate::startup::Adapters;
use anyhow::Context as _;
use commands::idempotency::{Idempotency, Start, provider_key, request_hash};
use commands::ports::Clock;
use commands::wallet::{ChargeInput, WalletService};
use commands::{CommandBus, EventStore, Metadata};
use serde_json::{Value, json};
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum WalletCommand {
    /// Charge the user's default card (or `--card`).
    Charge {
        /// In minor units (cents): 500 is 5.00.
        #[arg(long)]
        amount: i64,
        /// ISO 4217, lower case (`chf`, `eur`).
        #[arg(long, default_value = "chf")]
        currency: String,
        #[arg(long, default_value = "")]
        description: String,
        /// What the charge pays for; a paid charge settles an unpaid one of the same reference.
        #[arg(long)]
        reference: String,
        #[arg(long)]
        card: Option<String>,
        /// Run the charge at most once for this key (24 hours).
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Subscribe the user to a plan (a provider price id), billed to the default card.
    Subscribe {
        plan: String,
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// End a subscription at once.
    CancelSubscription { subscription: String },
    /// The user's charges, newest first.
    Charges,
    /// What keeps the account from being deleted: active subscriptions, unpaid charges.
    Holds,
}

/// What an operator command needs: the store, the providers and the clock.
pub struct Operator {
    pub store: Arc<dyn EventStore>,
    pub wallets: WalletService,
    pub clock: Arc<dyn Clock>,
}

impl Operator {
    pub fn new(
        store: Arc<dyn EventStore>,
        stripe: &StripeSettings,
        adapters: &Adapters,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let providers = crate::payments::providers(stripe, adapters, clock.clone())?;
        let wallets = WalletService::new(CommandBus::new(store.clone()), providers);
        Ok(Self { store, wallets, clock })
    }

    /// Run `command` on `user`'s wallet; the JSON it prints.
    pub async fn run(&self, user: Uuid, command: WalletCommand) -> anyhow::Result<Value> {
        let meta = Metadata { actor: Some("system:cli".into()), ..Metadata::default() };
        let now = self.clock.now();
        match command {
            WalletCommand::Charge { amount, currency, description, reference, card, idempotency_key } => {
                let input = ChargeInput { amount_minor: amount, currency, description, reference, card };
                self.charge(user, input, idempotency_key).await
            }
            WalletCommand::Subscribe { plan, idempotency_key } => {
                let key = idempotency_key.map_or_else(fresh_key, |k| provider_key(&scope(user), &k, "subscribe"));
                let sub = self.wallets.subscribe(user, &plan, &key, now, &meta).await?;
                Ok(json!({ "subscription": sub.subscription_id, "plan": sub.plan, "status": sub.status }))
            }
            WalletCommand::CancelSubscription { subscription } => {
                self.wallets.cancel_subscription(user, &subscription, now, &meta).await?;
                Ok(json!({ "subscription": subscription, "status": "canceled" }))
            }
            WalletCommand::Charges => {
                let reads = projections::Reads::new(self.store.as_ref());
                let charges = reads.wallet_charges(user).await?;
                let rows: Vec<Value> = charges
                    .into_iter()
                    .map(|c| {
                        json!({ "charge": c.charge_id, "amount": c.amount_minor, "currency": c.currency,
                        "status": c.status, "reference": c.reference, "created_at": c.created_at })
                    })
                    .collect();
                Ok(json!({ "user": user, "charges": rows }))
            }
            WalletCommand::Holds => Ok(json!({ "user": user, "holds": self.wallets.holds(user).await? })),
        }
    }

    async fn charge(&self, user: Uuid, input: ChargeInput, key: Option<String>) -> anyhow::Result<Value> {
        let meta = Metadata { actor: Some("system:cli".into()), ..Metadata::default() };
        let now = self.clock.now();
        let Some(key) = key else {
            return Ok(serde_json::to_value(self.wallets.charge(user, input, &fresh_key(), now, &meta).await?)?);
        };
        anyhow::ensure!(
            commands::idempotency::valid_key(&key),
            "the idempotency key must be 1 to 255 visible ASCII characters"
        );
        let scope = scope(user);
        let idempotency = Idempotency::new(self.store.clone(), self.clock.clone());
        let request = format!("{input:?}");
        if let Start::Replay { response, .. } =
            idempotency.start(&scope, &key, &request_hash(&[request.as_bytes()])).await?
        {
            return serde_json::from_str(&response).context("the kept answer");
        }
        match self.wallets.charge(user, input, &provider_key(&scope, &key, "charge"), now, &meta).await {
            Ok(outcome) => {
                let answer = serde_json::to_value(outcome)?;
                idempotency.finish(&scope, &key, 200, &answer.to_string()).await?;
                Ok(answer)
            }
            Err(e) => {
                idempotency.abandon(&scope, &key).await?;
                Err(e.into())
            }
        }
    }
}

fn scope(user: Uuid) -> String {
    format!("operator:{user}")
}

fn fresh_key() -> String {
    Uuid::new_v4().simple().to_string()
}
