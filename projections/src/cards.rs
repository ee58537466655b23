//! Identity cards (inline): the cards assigned to each user now. An erasure withdraws them, so
//! no row of an erased user stays.
use crate::Reads;
use async_trait::async_trait;
use domain::cards::{IdentityCardEvent, STREAM_TYPE};
use store::{Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args, format_time};
use uuid::Uuid;

pub struct IdentityCardsProjector;

const TABLES: &[TableSpec] = &[TableSpec {
    name: "identity_cards",
    ddl: "create table if not exists {identity_cards} (
            user_id     text not null,
            card_id     text not null,
            tenant_id   text not null,
            kind        text not null,
            number      text not null,
            label       text,
            valid_until text,
            assigned_at text not null,
            primary key (user_id, card_id))",
    indexes: "",
}];

#[async_trait]
impl Projector for IdentityCardsProjector {
    fn name(&self) -> &'static str {
        "identity_cards"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&[STREAM_TYPE])
    }

    /// An assignment is a row (replaced whole); a withdrawal deletes it. Rare: one statement each.
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let table = t.name("identity_cards");
        for event in events.iter().filter(|e| e.stream_type == STREAM_TYPE) {
            let Some(user) = event.stream_id.strip_prefix("identity-cards-") else { continue };
            let Some(decoded) = super::decode::<IdentityCardEvent>(event)? else { continue };
            let (sql, binds) = match decoded {
                IdentityCardEvent::IdentityCardAssigned { tenant_id, card, assigned_at } => (
                    format!(
                        "insert into {table} (user_id, card_id, tenant_id, kind, number, label, valid_until, assigned_at) \
                         values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (user_id, card_id) do update set \
                         kind = excluded.kind, number = excluded.number, label = excluded.label, \
                         valid_until = excluded.valid_until, assigned_at = excluded.assigned_at"
                    ),
                    args![
                        user,
                        card.card_id,
                        tenant_id,
                        card.kind,
                        card.number,
                        card.label,
                        card.valid_until.map(|d| d.to_string()),
                        format_time(&assigned_at)
                    ]
                    .to_vec(),
                ),
                IdentityCardEvent::IdentityCardWithdrawn { card_id, .. } => {
                    (format!("delete from {table} where user_id = $1 and card_id = $2"), args![user, card_id].to_vec())
                }
            };
            tx.execute(&sql, &binds).await?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IdentityCardRow {
    pub card_id: String,
    pub kind: String,
    pub number: String,
    pub label: Option<String>,
    /// `YYYY-MM-DD`.
    pub valid_until: Option<String>,
    pub assigned_at: String,
}

impl Reads {
    /// The cards assigned to the user, by card id.
    pub async fn identity_cards(&self, user_id: Uuid) -> Result<Vec<IdentityCardRow>, StoreError> {
        let sql = "select card_id, kind, number, label, valid_until, assigned_at from identity_cards \
                   where user_id = $1 order by card_id";
        Ok(self.db.fetch_all(sql, &args![user_id.to_string()]).await?)
    }
}
