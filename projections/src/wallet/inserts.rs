//! The wallet projector's new rows of a page, one insert per table.
use domain::wallet::WalletEvent;
use store::{Arg, Col, StoreError, Tables, Tx, args, format_time, json_rows_arg};

/// A page's rows for each table, in log order, not yet written.
#[derive(Default)]
pub(super) struct Inserts {
    customers: Vec<Vec<Arg>>,
    cards: Vec<Vec<Arg>>,
    charges: Vec<Vec<Arg>>,
    subscriptions: Vec<Vec<Arg>>,
}

impl Inserts {
    /// Keeps an event that adds a row; hands back any other.
    pub(super) fn take(&mut self, user: &str, event: WalletEvent) -> Option<WalletEvent> {
        match event {
            WalletEvent::PaymentCustomerCreated { tenant_id, provider, customer_id, created_at, .. } => {
                self.customers.push(args![user, tenant_id, provider, customer_id, format_time(&created_at)].to_vec());
            }
            WalletEvent::PaymentCardAttached { card, made_default, attached_at } => self.cards.push(
                args![
                    card.id,
                    user,
                    card.brand,
                    card.last4,
                    i64::from(card.exp_month),
                    i64::from(card.exp_year),
                    card.fingerprint,
                    card.funding,
                    card.country,
                    made_default,
                    format_time(&attached_at)
                ]
                .to_vec(),
            ),
            WalletEvent::ChargeSucceeded {
                charge_id,
                card_id,
                amount_minor,
                currency,
                description,
                reference,
                charged_at,
            } => {
                let (code, message, at) = (None::<String>, None::<String>, format_time(&charged_at));
                let row = args![charge_id, user, card_id, amount_minor, currency, description, reference, "succeeded"];
                self.charges.push([row.to_vec(), args![code, message, at].to_vec()].concat());
            }
            WalletEvent::ChargeFailed {
                charge_id,
                card_id,
                amount_minor,
                currency,
                description,
                reference,
                failure,
                failed_at,
            } => {
                let row = args![charge_id, user, card_id, amount_minor, currency, description, reference, "failed"];
                let rest = args![failure.code, failure.message, format_time(&failed_at)];
                self.charges.push([row.to_vec(), rest.to_vec()].concat());
            }
            WalletEvent::SubscriptionStarted {
                subscription_id,
                plan,
                status,
                current_period_start,
                current_period_end,
                started_at,
            } => self.subscriptions.push(
                args![
                    subscription_id,
                    user,
                    plan,
                    status,
                    format_time(&current_period_start),
                    format_time(&current_period_end),
                    format_time(&started_at)
                ]
                .to_vec(),
            ),
            other => return Some(other),
        }
        None
    }

    /// One insert per table that has rows waiting (existing rows are kept: `do nothing`).
    pub(super) async fn write(&mut self, tx: &mut Tx<'_>, t: &Tables) -> Result<(), StoreError> {
        use Col::{Bool, Int, Text};
        let tables = [
            (
                "wallet_customers",
                "user_id, tenant_id, provider, customer_id, metadata, created_at",
                "c1, c2, c3, c4, '{}', c5",
                &[Text; 5][..],
                &mut self.customers,
            ),
            (
                "wallet_cards",
                "card_id, user_id, brand, last4, exp_month, exp_year, fingerprint, funding, country, is_default, attached_at",
                "c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11",
                &[Text, Text, Text, Text, Int, Int, Text, Text, Text, Bool, Text][..],
                &mut self.cards,
            ),
            (
                "wallet_charges",
                "charge_id, user_id, card_id, amount_minor, currency, description, reference, status, failure_code, \
                 failure_message, created_at",
                "c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11",
                &[Text, Text, Text, Int, Text, Text, Text, Text, Text, Text, Text][..],
                &mut self.charges,
            ),
            (
                "wallet_subscriptions",
                "subscription_id, user_id, plan, status, current_period_start, current_period_end, started_at",
                "c1, c2, c3, c4, c5, c6, c7",
                &[Text; 7][..],
                &mut self.subscriptions,
            ),
        ];
        for (table, columns, cells, types, rows) in tables {
            if rows.is_empty() {
                continue;
            }
            let (table, source) = (t.name(table), tx.json_rows(1, types));
            let sql = format!(
                "insert into {table} ({columns}) select {cells} from {source} where true on conflict do nothing"
            );
            tx.execute(&sql, &[json_rows_arg(rows)]).await?;
            rows.clear();
        }
        Ok(())
    }
}
