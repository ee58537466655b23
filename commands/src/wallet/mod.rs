//! The wallet's command service: it loads the wallet, checks the wallet's rules, tells the
//! payment provider, and records what the provider answered. Nothing is recorded when the
//! provider fails (a refused card at attach, an outage); a declined charge is recorded, since
//! it leaves a debt. Provider calls carry idempotency keys derived from the caller's key, so a
//! retried request neither attaches nor charges twice.
mod providers;

pub use providers::PaymentProviders;

use crate::bus::{CommandBus, CommandError};
use crate::ports::payments::{self as port, PaymentError, PaymentProvider};
use chrono::{DateTime, Utc};
use domain::wallet::{
    BillingAddress, ChargeFailure, Hold, PaymentCard, SubscriptionRecord, Wallet, WalletCommand, WalletCustomer,
    WalletError, stream_id,
};
use std::collections::BTreeMap;
use store::{Metadata, StoreError};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum PaymentsError {
    #[error(transparent)]
    Wallet(#[from] CommandError<WalletError>),
    #[error(transparent)]
    Provider(#[from] PaymentError),
}

impl From<WalletError> for PaymentsError {
    fn from(e: WalletError) -> Self {
        Self::Wallet(CommandError::Domain(e))
    }
}

impl From<StoreError> for PaymentsError {
    fn from(e: StoreError) -> Self {
        Self::Wallet(CommandError::Store(e))
    }
}

/// Whose wallet: what creating its provider customer needs.
#[derive(Debug, Clone, Copy)]
pub struct Payer<'a> {
    pub tenant: &'a str,
    pub user_id: Uuid,
    /// Test users always pay in the sandbox.
    pub test_user: bool,
    pub email: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeInput {
    pub amount_minor: i64,
    pub currency: String,
    pub description: String,
    /// What the charge pays for; a paid charge settles an earlier failed one of the same reference.
    pub reference: String,
    /// `None`: the default card.
    pub card: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ChargeOutcome {
    Paid { charge_id: String, card_id: String },
    Declined { charge_id: String, card_id: String, code: String, message: String },
}

#[derive(Clone)]
pub struct WalletService {
    bus: CommandBus,
    providers: PaymentProviders,
}

fn card_of(card: port::Card) -> PaymentCard {
    PaymentCard {
        id: card.id.0,
        brand: card.brand,
        last4: card.last4,
        exp_month: card.exp_month,
        exp_year: card.exp_year,
        fingerprint: card.fingerprint,
        funding: card.funding,
        country: card.country,
    }
}

impl WalletService {
    pub fn new(bus: CommandBus, providers: PaymentProviders) -> Self {
        Self { bus, providers }
    }

    /// The wallet as its stream stands.
    pub async fn wallet(&self, user_id: Uuid) -> Result<Wallet, StoreError> {
        Ok(self.bus.load::<Wallet>(&stream_id(user_id)).await?.0)
    }

    /// What keeps the account from being deleted: active subscriptions and unpaid charges.
    pub async fn holds(&self, user_id: Uuid) -> Result<Vec<Hold>, StoreError> {
        Ok(self.wallet(user_id).await?.holds())
    }

    async fn execute(&self, user_id: Uuid, command: WalletCommand, meta: &Metadata) -> Result<Wallet, PaymentsError> {
        let done = self.bus.execute::<Wallet>(&stream_id(user_id), command, &(), meta).await?;
        Ok(Wallet::clone(&done.state))
    }

    /// The wallet and its provider, for a wallet that has a customer.
    async fn provider_of(
        &self,
        user_id: Uuid,
    ) -> Result<(Wallet, WalletCustomer, &dyn PaymentProvider), PaymentsError> {
        let wallet = self.wallet(user_id).await?;
        let customer = wallet.check_customer()?.clone();
        let provider = self.providers.named(&customer.provider)?.as_ref();
        Ok((wallet, customer, provider))
    }

    /// The payer's customer, created at the provider on first use.
    async fn customer(
        &self,
        payer: Payer<'_>,
        key: &str,
        at: DateTime<Utc>,
        meta: &Metadata,
    ) -> Result<(WalletCustomer, &dyn PaymentProvider), PaymentsError> {
        if let Some(customer) = self.wallet(payer.user_id).await?.customer() {
            return Ok((customer.clone(), self.providers.named(&customer.provider)?.as_ref()));
        }
        let provider = self.providers.for_new_customer(payer.tenant, payer.test_user).as_ref();
        let reference = payer.user_id.to_string();
        let created = provider.create_customer(&reference, payer.email, &format!("{key}:customer")).await?;
        let command = WalletCommand::CreateCustomer {
            user_id: payer.user_id,
            tenant_id: payer.tenant.to_owned(),
            provider: provider.name().to_owned(),
            customer_id: created.0,
            at,
        };
        let wallet = self.execute(payer.user_id, command, meta).await?;
        let customer = wallet.check_customer()?.clone();
        Ok((customer.clone(), self.providers.named(&customer.provider)?.as_ref()))
    }

    /// Attach the card behind a provider token (the first becomes the default).
    pub async fn attach_card(
        &self,
        payer: Payer<'_>,
        token: &str,
        key: &str,
        at: DateTime<Utc>,
        meta: &Metadata,
    ) -> Result<(WalletCustomer, PaymentCard), PaymentsError> {
        let (customer, provider) = self.customer(payer, key, at, meta).await?;
        let id = port::CustomerId(customer.customer_id.clone());
        let card = card_of(provider.attach_card(&id, token, &format!("{key}:attach")).await?);
        self.execute(payer.user_id, WalletCommand::AttachCard { card: card.clone(), at }, meta).await?;
        Ok((customer, card))
    }

    /// Set a card's billing address.
    pub async fn update_card_address(
        &self,
        user_id: Uuid,
        card_id: &str,
        address: BillingAddress,
        key: &str,
        at: DateTime<Utc>,
        meta: &Metadata,
    ) -> Result<Wallet, PaymentsError> {
        let (wallet, customer, provider) = self.provider_of(user_id).await?;
        wallet.card(card_id).ok_or(WalletError::CardNotFound)?;
        let port_address = port::BillingAddress {
            line1: address.line1.clone(),
            city: address.city.clone(),
            zip: address.zip.clone(),
            country: address.country.clone(),
        };
        let (cus, card) = (port::CustomerId(customer.customer_id), port::CardId(card_id.to_owned()));
        provider.update_card_address(&cus, &card, &port_address, &format!("{key}:address")).await?;
        let command = WalletCommand::UpdateCardAddress { card_id: card_id.to_owned(), address, at };
        self.execute(user_id, command, meta).await
    }

    /// Remove a card; the default's removal promotes another. Answers the removed card.
    pub async fn detach_card(
        &self,
        user_id: Uuid,
        card_id: &str,
        at: DateTime<Utc>,
        meta: &Metadata,
    ) -> Result<(PaymentCard, BillingAddress), PaymentsError> {
        let (wallet, customer, provider) = self.provider_of(user_id).await?;
        wallet.check_detach(card_id)?;
        let removed = wallet.card(card_id).cloned().ok_or(WalletError::CardNotFound)?;
        let (cus, card) = (port::CustomerId(customer.customer_id), port::CardId(card_id.to_owned()));
        provider.detach_card(&cus, &card).await?;
        self.execute(user_id, WalletCommand::DetachCard { card_id: card_id.to_owned(), at }, meta).await?;
        Ok(removed)
    }

    /// Make a card the default.
    pub async fn set_default_card(
        &self,
        user_id: Uuid,
        card_id: &str,
        key: &str,
        at: DateTime<Utc>,
        meta: &Metadata,
    ) -> Result<Wallet, PaymentsError> {
        let (wallet, customer, provider) = self.provider_of(user_id).await?;
        wallet.card(card_id).ok_or(WalletError::CardNotFound)?;
        let (cus, card) = (port::CustomerId(customer.customer_id), port::CardId(card_id.to_owned()));
        provider.set_default_card(&cus, &card, &format!("{key}:default")).await?;
        self.execute(user_id, WalletCommand::SetDefaultCard { card_id: card_id.to_owned(), at }, meta).await
    }

    /// Replace the customer's metadata (VAT number, company name).
    pub async fn update_metadata(
        &self,
        payer: Payer<'_>,
        metadata: BTreeMap<String, String>,
        key: &str,
        at: DateTime<Utc>,
        meta: &Metadata,
    ) -> Result<Wallet, PaymentsError> {
        domain::wallet::check_metadata(&metadata)?;
        let (customer, provider) = self.customer(payer, key, at, meta).await?;
        let cus = port::CustomerId(customer.customer_id);
        // Stripe merges metadata: a key the new set drops is sent empty, which removes it there
        let before = self.wallet(payer.user_id).await?.metadata().clone();
        let mut sent = metadata.clone();
        for gone in before.keys().filter(|k| !metadata.contains_key(*k)) {
            sent.insert(gone.clone(), String::new());
        }
        provider.update_customer_metadata(&cus, &sent, &format!("{key}:metadata")).await?;
        self.execute(payer.user_id, WalletCommand::UpdateMetadata { metadata, at }, meta).await
    }

    /// Charge the user's card. A decline is recorded (an unpaid charge) and answered as
    /// `Declined`; a provider that fails otherwise records nothing.
    pub async fn charge(
        &self,
        user_id: Uuid,
        input: ChargeInput,
        key: &str,
        at: DateTime<Utc>,
        meta: &Metadata,
    ) -> Result<ChargeOutcome, PaymentsError> {
        let (wallet, customer, provider) = self.provider_of(user_id).await?;
        let card_id = wallet.check_charge(input.card.as_deref(), input.amount_minor, &input.currency)?.to_owned();
        let request = port::ChargeRequest {
            customer: port::CustomerId(customer.customer_id),
            card: port::CardId(card_id.clone()),
            amount_minor: input.amount_minor,
            currency: input.currency.clone(),
            description: input.description.clone(),
            idempotency_key: format!("{key}:charge"),
        };
        let (charge_id, outcome, failure) = match provider.charge(&request).await {
            Ok(charge) => {
                let outcome = ChargeOutcome::Paid { charge_id: charge.id.0.clone(), card_id: card_id.clone() };
                (charge.id.0, outcome, None)
            }
            Err(PaymentError::CardDeclined { decline_code, message, charge }) => {
                let charge_id = charge.map_or_else(|| format!("ch_declined_{}", Uuid::now_v7().simple()), |c| c.0);
                let failure = ChargeFailure { code: decline_code.clone(), message: message.clone() };
                let outcome = ChargeOutcome::Declined {
                    charge_id: charge_id.clone(),
                    card_id: card_id.clone(),
                    code: decline_code,
                    message,
                };
                (charge_id, outcome, Some(failure))
            }
            Err(other) => return Err(other.into()),
        };
        let command = WalletCommand::RecordCharge {
            charge_id,
            card_id,
            amount_minor: input.amount_minor,
            currency: input.currency,
            description: input.description,
            reference: input.reference,
            failure,
            at,
        };
        self.execute(user_id, command, meta).await?;
        Ok(outcome)
    }

    /// Subscribe the user to a plan (price), billed to the default card.
    pub async fn subscribe(
        &self,
        user_id: Uuid,
        plan: &str,
        key: &str,
        at: DateTime<Utc>,
        meta: &Metadata,
    ) -> Result<SubscriptionRecord, PaymentsError> {
        let (wallet, customer, provider) = self.provider_of(user_id).await?;
        wallet.default_card().ok_or(WalletError::NoCard)?;
        let cus = port::CustomerId(customer.customer_id);
        let sub = provider.subscribe(&cus, plan, &format!("{key}:subscribe")).await?;
        let command = WalletCommand::StartSubscription {
            subscription_id: sub.id.0.clone(),
            plan: plan.to_owned(),
            status: sub.status.as_str().to_owned(),
            current_period_start: sub.current_period_start,
            current_period_end: sub.current_period_end,
            at,
        };
        let wallet = self.execute(user_id, command, meta).await?;
        Ok(wallet.subscription(&sub.id.0).cloned().ok_or(WalletError::SubscriptionNotFound)?)
    }

    /// Forget the wallet's personal data (billing addresses, customer metadata): the account is
    /// erased. A wallet without a customer changes nothing.
    pub async fn erase_details(&self, user_id: Uuid, at: DateTime<Utc>, meta: &Metadata) -> Result<(), PaymentsError> {
        self.execute(user_id, WalletCommand::EraseDetails { at }, meta).await.map(drop)
    }

    /// End a subscription at once.
    pub async fn cancel_subscription(
        &self,
        user_id: Uuid,
        subscription_id: &str,
        at: DateTime<Utc>,
        meta: &Metadata,
    ) -> Result<(), PaymentsError> {
        let (wallet, _, provider) = self.provider_of(user_id).await?;
        let found = wallet.subscription(subscription_id).ok_or(WalletError::SubscriptionNotFound)?;
        if found.is_active() {
            provider.cancel_subscription(&port::SubscriptionId(subscription_id.to_owned())).await?;
        }
        let command = WalletCommand::CancelSubscription { subscription_id: subscription_id.to_owned(), at };
        self.execute(user_id, command, meta).await.map(drop)
    }
}
