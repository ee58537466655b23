//! Account links (inline): the systems each user is linked to now, and the tenants' transactable
//! systems as the API lists them (their table is written by the catalog projector).
use crate::Reads;
use async_trait::async_trait;
use domain::catalog::{TransactableSystem, TransactionRequirements};
use domain::links::{AccountLinkEvent, STREAM_TYPE};
use store::{Arg, Col, Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args, format_time, json_rows_arg};
use uuid::Uuid;

pub struct AccountLinksProjector;

const TABLES: &[TableSpec] = &[TableSpec {
    name: "account_links",
    ddl: "create table if not exists {account_links} (
            user_id    text not null,
            system_id  text not null,
            linked_at  text not null,
            via        text not null,
            primary key (user_id, system_id))",
    indexes: "",
}];

#[async_trait]
impl Projector for AccountLinksProjector {
    fn name(&self) -> &'static str {
        "account_links"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&[STREAM_TYPE])
    }

    /// A link is a row; an unlink deletes it. The page's links wait in one insert, written
    /// before any unlink (so every statement sees the page in log order).
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let table = t.name("account_links");
        let mut links: Vec<[Arg; 4]> = Vec::new();
        for event in events.iter().filter(|e| e.stream_type == STREAM_TYPE) {
            let Some(user) = event.stream_id.strip_prefix("account-links-") else { continue };
            match super::decode::<AccountLinkEvent>(event)? {
                Some(AccountLinkEvent::AccountLinked { system_id, linked_at, via }) => {
                    links.push(args![user, system_id, format_time(&linked_at), via.as_str()]);
                }
                Some(AccountLinkEvent::AccountUnlinked { system_id, .. }) => {
                    insert_links(tx, &table, &mut links).await?;
                    let sql = format!("delete from {table} where user_id = $1 and system_id = $2");
                    tx.execute(&sql, &args![user, system_id]).await?;
                }
                None => {}
            }
        }
        insert_links(tx, &table, &mut links).await
    }
}

async fn insert_links(tx: &mut Tx<'_>, table: &str, links: &mut Vec<[Arg; 4]>) -> Result<(), StoreError> {
    if links.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "insert into {table} (user_id, system_id, linked_at, via) select c1, c2, c3, c4 from {} where true \
         on conflict (user_id, system_id) do nothing",
        tx.json_rows(1, &[Col::Text; 4])
    );
    tx.execute(&sql, &[json_rows_arg(links)]).await?;
    links.clear();
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountLinkRow {
    pub system_id: String,
    pub linked_at: String,
    /// `consent`, `testing` or `integrations`.
    pub via: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SystemRow {
    pub system_id: String,
    pub name: String,
    pub linked_account: bool,
    /// JSON arrays of strings.
    pub users_api_fields: String,
    pub jwt_claims: String,
}

impl TryFrom<SystemRow> for TransactableSystem {
    type Error = StoreError;

    fn try_from(row: SystemRow) -> Result<Self, StoreError> {
        let requirements = TransactionRequirements {
            jwt_claims: serde_json::from_str(&row.jwt_claims)?,
            linked_account: row.linked_account,
            users_api_fields: serde_json::from_str(&row.users_api_fields)?,
        };
        Ok(Self { system_id: row.system_id, name: row.name, requirements })
    }
}

const SYSTEM_COLUMNS: &str = "system_id, name, linked_account, users_api_fields, jwt_claims";

impl Reads {
    /// The systems the user is linked to, by system id.
    pub async fn account_links(&self, user_id: Uuid) -> Result<Vec<AccountLinkRow>, StoreError> {
        let sql = "select system_id, linked_at, via from account_links where user_id = $1 order by system_id";
        Ok(self.db.fetch_all(sql, &args![user_id.to_string()]).await?)
    }

    /// The tenant's transactable systems, by system id.
    pub async fn transactable_systems(&self, tenant_id: &str) -> Result<Vec<TransactableSystem>, StoreError> {
        let sql = format!(
            "select {SYSTEM_COLUMNS} from catalog_transactable_systems where tenant_id = $1 order by system_id"
        );
        let rows: Vec<SystemRow> = self.db.fetch_all(&sql, &args![tenant_id]).await?;
        rows.into_iter().map(TransactableSystem::try_from).collect()
    }

    /// The tenant's transactable system `system_id`.
    pub async fn transactable_system(
        &self,
        tenant_id: &str,
        system_id: &str,
    ) -> Result<Option<TransactableSystem>, StoreError> {
        let sql = format!(
            "select {SYSTEM_COLUMNS} from catalog_transactable_systems where tenant_id = $1 and system_id = $2"
        );
        let row: Option<SystemRow> = self.db.fetch_optional(&sql, &args![tenant_id, system_id]).await?;
        row.map(TransactableSystem::try_from).transpose()
    }
}
