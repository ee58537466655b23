//! Wallets: customers, cards, charges and subscriptions per user, as the payment routes list
//! them (inline: a card attached is listed on the next request).
use crate::Reads;
use async_trait::async_trait;
use domain::wallet::WalletEvent;
use store::{Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args, format_time};
use uuid::Uuid;

mod inserts;
use inserts::Inserts;

pub struct WalletProjector;

const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "wallet_customers",
        ddl: "create table if not exists {wallet_customers} (
                user_id      text primary key,
                tenant_id    text not null,
                provider     text not null,
                customer_id  text not null,
                metadata     text not null,
                created_at   text not null)",
        indexes: "",
    },
    TableSpec {
        name: "wallet_cards",
        ddl: "create table if not exists {wallet_cards} (
                card_id          text primary key,
                user_id          text not null,
                brand            text not null,
                last4            text not null,
                exp_month        bigint not null,
                exp_year         bigint not null,
                fingerprint      text not null,
                funding          text not null,
                country          text,
                address_line1    text,
                address_city     text,
                address_zip      text,
                address_country  text,
                is_default       boolean not null,
                attached_at      text not null)",
        indexes: "create index if not exists {wallet_cards}_user on {wallet_cards} (user_id)",
    },
    TableSpec {
        name: "wallet_charges",
        ddl: "create table if not exists {wallet_charges} (
                charge_id        text primary key,
                user_id          text not null,
                card_id          text not null,
                amount_minor     bigint not null,
                currency         text not null,
                description      text not null,
                reference        text not null,
                status           text not null,
                failure_code     text,
                failure_message  text,
                created_at       text not null)",
        indexes: "create index if not exists {wallet_charges}_user on {wallet_charges} (user_id, created_at)",
    },
    TableSpec {
        name: "wallet_subscriptions",
        ddl: "create table if not exists {wallet_subscriptions} (
                subscription_id       text primary key,
                user_id               text not null,
                plan                  text not null,
                status                text not null,
                current_period_start  text not null,
                current_period_end    text not null,
                started_at            text not null,
                canceled_at           text)",
        indexes: "create index if not exists {wallet_subscriptions}_user on {wallet_subscriptions} (user_id)",
    },
];

#[async_trait]
impl Projector for WalletProjector {
    fn name(&self) -> &'static str {
        "wallets"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&[domain::wallet::STREAM_TYPE])
    }

    /// New customers, cards, charges and subscriptions wait in one insert per table; any other
    /// change writes the waiting inserts first, so every statement sees the page in log order.
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let mut inserts = Inserts::default();
        for event in events.iter().filter(|e| e.stream_type == domain::wallet::STREAM_TYPE) {
            let Some(user_id) = event.stream_id.strip_prefix("payment-methods-") else { continue };
            let Some(decoded) = super::decode::<WalletEvent>(event)? else { continue };
            if let Some(change) = inserts.take(user_id, decoded) {
                inserts.write(tx, t).await?;
                apply(tx, t, user_id, change).await?;
            }
        }
        inserts.write(tx, t).await
    }
}

/// A change to rows already written: one statement (two for a detach that promotes a card).
async fn apply(tx: &mut Tx<'_>, t: &Tables, user: &str, event: WalletEvent) -> Result<(), StoreError> {
    let (customers, cards) = (t.name("wallet_customers"), t.name("wallet_cards"));
    let subscriptions = t.name("wallet_subscriptions");
    let (sql, binds) = match event {
        WalletEvent::PaymentCardAddressUpdated { card_id, address, .. } => (
            format!(
                "update {cards} set address_line1 = $2, address_city = $3, address_zip = $4, address_country = $5 \
                 where card_id = $1"
            ),
            args![card_id, address.line1, address.city, address.zip, address.country].to_vec(),
        ),
        WalletEvent::PaymentCardDetached { card_id, new_default, .. } => {
            tx.execute(&format!("delete from {cards} where card_id = $1"), &args![card_id]).await?;
            let Some(promoted) = new_default else { return Ok(()) };
            (format!("update {cards} set is_default = true where card_id = $1"), args![promoted].to_vec())
        }
        WalletEvent::DefaultPaymentCardChanged { card_id, .. } => (
            format!("update {cards} set is_default = (card_id = $2) where user_id = $1"),
            args![user, card_id].to_vec(),
        ),
        WalletEvent::PaymentCustomerMetadataUpdated { metadata, .. } => (
            format!("update {customers} set metadata = $2 where user_id = $1"),
            args![user, serde_json::to_string(&metadata)?].to_vec(),
        ),
        WalletEvent::PaymentDetailsErased { .. } => {
            let sql = format!("update {customers} set metadata = '{{}}' where user_id = $1");
            tx.execute(&sql, &args![user]).await?;
            (
                format!(
                    "update {cards} set address_line1 = null, address_city = null, address_zip = null, \
                     address_country = null where user_id = $1"
                ),
                args![user].to_vec(),
            )
        }
        WalletEvent::SubscriptionCanceled { subscription_id, canceled_at } => (
            format!("update {subscriptions} set status = 'canceled', canceled_at = $2 where subscription_id = $1"),
            args![subscription_id, format_time(&canceled_at)].to_vec(),
        ),
        // rows added by `Inserts`
        WalletEvent::PaymentCustomerCreated { .. }
        | WalletEvent::PaymentCardAttached { .. }
        | WalletEvent::ChargeSucceeded { .. }
        | WalletEvent::ChargeFailed { .. }
        | WalletEvent::SubscriptionStarted { .. } => return Ok(()),
    };
    tx.execute(&sql, &binds).await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CustomerRow {
    pub provider: String,
    pub customer_id: String,
    /// A JSON object of strings.
    pub metadata: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CardRow {
    pub card_id: String,
    pub customer_id: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i64,
    pub exp_year: i64,
    pub fingerprint: String,
    pub funding: String,
    pub country: Option<String>,
    pub address_line1: Option<String>,
    pub address_city: Option<String>,
    pub address_zip: Option<String>,
    pub address_country: Option<String>,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChargeRow {
    pub charge_id: String,
    pub customer_id: String,
    pub card_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub description: String,
    pub reference: String,
    pub status: String,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub subscription_id: String,
    pub customer_id: String,
    pub plan: String,
    pub status: String,
    pub current_period_start: String,
    pub current_period_end: String,
    pub started_at: String,
    pub canceled_at: Option<String>,
}

const CARD_COLUMNS: &str = "c.card_id, w.customer_id, c.brand, c.last4, c.exp_month, c.exp_year, c.fingerprint, \
    c.funding, c.country, c.address_line1, c.address_city, c.address_zip, c.address_country, c.is_default";

impl Reads {
    pub async fn wallet_customer(&self, user_id: Uuid) -> Result<Option<CustomerRow>, StoreError> {
        let sql = "select provider, customer_id, metadata from wallet_customers where user_id = $1";
        Ok(self.db.fetch_optional(sql, &args![user_id.to_string()]).await?)
    }

    /// The user's cards, oldest first.
    pub async fn wallet_cards(&self, user_id: Uuid) -> Result<Vec<CardRow>, StoreError> {
        let sql = format!(
            "select {CARD_COLUMNS} from wallet_cards c join wallet_customers w on w.user_id = c.user_id \
             where c.user_id = $1 order by c.attached_at, c.card_id"
        );
        Ok(self.db.fetch_all(&sql, &args![user_id.to_string()]).await?)
    }

    /// One of the user's cards (another user's card id is not found).
    pub async fn wallet_card(&self, user_id: Uuid, card_id: &str) -> Result<Option<CardRow>, StoreError> {
        let sql = format!(
            "select {CARD_COLUMNS} from wallet_cards c join wallet_customers w on w.user_id = c.user_id \
             where c.user_id = $1 and c.card_id = $2"
        );
        Ok(self.db.fetch_optional(&sql, &args![user_id.to_string(), card_id]).await?)
    }

    /// The user's charges, newest first.
    pub async fn wallet_charges(&self, user_id: Uuid) -> Result<Vec<ChargeRow>, StoreError> {
        let sql = "select c.charge_id, w.customer_id, c.card_id, c.amount_minor, c.currency, c.description, \
                   c.reference, c.status, c.failure_code, c.failure_message, c.created_at from wallet_charges c \
                   join wallet_customers w on w.user_id = c.user_id where c.user_id = $1 \
                   order by c.created_at desc, c.charge_id desc";
        Ok(self.db.fetch_all(sql, &args![user_id.to_string()]).await?)
    }

    /// The user's subscriptions, newest first.
    pub async fn wallet_subscriptions(&self, user_id: Uuid) -> Result<Vec<SubscriptionRow>, StoreError> {
        let sql = "select s.subscription_id, w.customer_id, s.plan, s.status, s.current_period_start, \
                   s.current_period_end, s.started_at, s.canceled_at from wallet_subscriptions s \
                   join wallet_customers w on w.user_id = s.user_id where s.user_id = $1 \
                   order by s.started_at desc, s.subscription_id desc";
        Ok(self.db.fetch_all(sql, &args![user_id.to_string()]).await?)
    }
}

/// What the suite's customer shows of a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PaymentState {
    pub has_card: bool,
    /// A failed charge that no later charge of the same reference settled.
    pub unpaid_charges: bool,
}

impl Reads {
    pub async fn payment_state(&self, user_id: Uuid) -> Result<PaymentState, StoreError> {
        let user = user_id.to_string();
        let cards: Option<(i64,)> = self
            .db
            .fetch_optional("select count(*) from wallet_cards where user_id = $1", &args![user.as_str()])
            .await?;
        let unpaid: Option<(i64,)> = self
            .db
            .fetch_optional(
                "select count(*) from wallet_charges c where c.user_id = $1 and c.status = 'failed' and not exists \
                 (select 1 from wallet_charges s where s.user_id = c.user_id and s.reference = c.reference \
                 and s.status = 'succeeded' and s.created_at >= c.created_at)",
                &args![user.as_str()],
            )
            .await?;
        Ok(PaymentState { has_card: cards.is_some_and(|(n,)| n > 0), unpaid_charges: unpaid.is_some_and(|(n,)| n > 0) })
    }
}
