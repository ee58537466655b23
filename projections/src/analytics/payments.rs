//! `analytics_payments_daily`: charges per UTC day, tenant and currency (taken and refused,
//! with amounts in minor units), with `analytics_wallet_owners` (each wallet's tenant: charges
//! do not name it).
use super::{Counts, add_counts, day, insert_new, lookup};
use async_trait::async_trait;
use domain::wallet::{STREAM_TYPE, WalletEvent};
use std::collections::{BTreeMap, BTreeSet};
use store::{Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx};

pub struct PaymentsProjector;

const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "analytics_wallet_owners",
        ddl: "create table if not exists {analytics_wallet_owners} (
            wallet_stream text primary key,
            tenant_id     text not null,
            user_id       text not null)",
        indexes: "",
    },
    TableSpec {
        name: "analytics_payments_daily",
        ddl: "create table if not exists {analytics_payments_daily} (
            tenant_id      text not null,
            day            text not null,
            currency       text not null,
            charges        bigint not null,
            revenue_minor  bigint not null,
            failed_charges bigint not null,
            failed_minor   bigint not null,
            primary key (tenant_id, day, currency))",
        indexes: "",
    },
];

#[async_trait]
impl Projector for PaymentsProjector {
    fn name(&self) -> &'static str {
        "analytics_payments_daily"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&[STREAM_TYPE])
    }

    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let mut owners: BTreeMap<String, (String, String)> = BTreeMap::new();
        let mut charges = Vec::new();
        for event in events.iter().filter(|e| e.stream_type == STREAM_TYPE) {
            match crate::decode::<WalletEvent>(event)? {
                Some(WalletEvent::PaymentCustomerCreated { tenant_id, user_id, .. }) => {
                    owners.insert(event.stream_id.clone(), (tenant_id, user_id.to_string()));
                }
                Some(WalletEvent::ChargeSucceeded { amount_minor, currency, charged_at, .. }) => {
                    charges.push((event.stream_id.clone(), currency, charged_at, 0, amount_minor));
                }
                Some(WalletEvent::ChargeFailed { amount_minor, currency, failed_at, .. }) => {
                    charges.push((event.stream_id.clone(), currency, failed_at, 2, amount_minor));
                }
                _ => {}
            }
        }
        let new: Vec<Vec<String>> = owners.iter().map(|(w, (t, u))| vec![w.clone(), t.clone(), u.clone()]).collect();
        let unknown: BTreeSet<String> =
            charges.iter().map(|c| c.0.clone()).filter(|w| !owners.contains_key(w)).collect();
        let table = t.name("analytics_wallet_owners");
        owners.extend(lookup(tx, &table, "wallet_stream", "tenant_id, user_id", unknown.into_iter().collect()).await?);
        insert_new(tx, &table, &["wallet_stream", "tenant_id", "user_id"], new).await?;
        let mut counts = Counts::new();
        for (wallet, currency, at, column, amount) in charges {
            let Some((tenant, _)) = owners.get(&wallet) else { continue };
            let row = counts.entry(vec![tenant.clone(), day(&at), currency]).or_insert_with(|| vec![0; 4]);
            row[column] += 1;
            row[column + 1] += amount;
        }
        let counters = ["charges", "revenue_minor", "failed_charges", "failed_minor"];
        add_counts(tx, &t.name("analytics_payments_daily"), &["tenant_id", "day", "currency"], &counters, counts).await
    }
}
