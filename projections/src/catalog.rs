//! Tenants and partners, looked up by the hash of a partner's access key on every coord call;
//! the partners' own token issuers; the tenants' OpenID providers and transactable systems.
use crate::Reads;
use async_trait::async_trait;
use domain::catalog::CatalogEvent;
use store::{Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args, format_time};

pub struct CatalogProjector;

const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "catalog_tenants",
        ddl: "create table if not exists {catalog_tenants} (
                tenant_id           text primary key,
                name                text not null,
                suite_token_minutes bigint,
                created_at          text not null)",
        indexes: "",
    },
    TableSpec {
        name: "catalog_partners",
        ddl: "create table if not exists {catalog_partners} (
                partner_id        text primary key,
                tenant_id         text not null,
                name              text not null,
                access_key_hash   text not null,
                server_token_hash text not null,
                registered_at     text not null,
                updated_at        text not null)",
        indexes: "create index if not exists {catalog_partners}_access_key
                   on {catalog_partners} (access_key_hash)",
    },
    TableSpec {
        name: "catalog_identity_providers",
        ddl: "create table if not exists {catalog_identity_providers} (
                tenant_id  text not null,
                provider   text not null,
                issuer     text not null,
                audience   text not null,
                jwks_url   text not null,
                updated_at text not null,
                primary key (tenant_id, provider))",
        indexes: "",
    },
    TableSpec {
        name: "catalog_transactable_systems",
        ddl: "create table if not exists {catalog_transactable_systems} (
                tenant_id        text not null,
                system_id        text not null,
                name             text not null,
                linked_account   boolean not null,
                users_api_fields text not null,
                jwt_claims       text not null,
                updated_at       text not null,
                primary key (tenant_id, system_id))",
        indexes: "",
    },
    TableSpec {
        name: "catalog_branches",
        ddl: "create table if not exists {catalog_branches} (
                tenant_id  text not null,
                branch_id  text not null,
                name       text not null,
                latitude   double precision not null,
                longitude  double precision not null,
                radius_km  double precision not null,
                hints      text not null,
                updated_at text not null,
                primary key (tenant_id, branch_id))",
        indexes: "",
    },
    TableSpec {
        name: "catalog_partner_issuers",
        ddl: "create table if not exists {catalog_partner_issuers} (
                partner_id        text not null,
                issuer            text not null,
                tenant_id         text not null,
                audience          text,
                jwks_url          text not null,
                email_claim       text not null,
                given_name_claim  text not null,
                family_name_claim text not null,
                name_claim        text not null,
                updated_at        text not null,
                primary key (partner_id, issuer))",
        indexes: "",
    },
];

#[async_trait]
impl Projector for CatalogProjector {
    fn name(&self) -> &'static str {
        "catalog"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&["catalog"])
    }

    /// Catalog events are rare: one statement each.
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        for event in events {
            apply(tx, t, event).await?;
        }
        Ok(())
    }
}

async fn apply(tx: &mut Tx<'_>, t: &Tables, event: &RecordedEvent) -> Result<(), StoreError> {
    if event.stream_type != "catalog" {
        return Ok(());
    }
    let Some(tenant_id) = event.stream_id.strip_prefix("catalog-") else {
        return Ok(());
    };
    let Some(decoded) = super::decode::<CatalogEvent>(event)? else { return Ok(()) };
    match decoded {
        CatalogEvent::TenantCreated { tenant_id, name, created_at } => {
            let sql = format!(
                "insert into {} (tenant_id, name, created_at) values ($1, $2, $3) on conflict (tenant_id) do nothing",
                t.name("catalog_tenants")
            );
            tx.execute(&sql, &args![tenant_id, name, format_time(&created_at)]).await?;
        }
        CatalogEvent::PartnerRegistered { partner_id, name, keys, registered_at } => {
            let at = format_time(&registered_at);
            let sql = format!(
                "insert into {} (partner_id, tenant_id, name, access_key_hash, server_token_hash, registered_at, updated_at) \
                     values ($1, $2, $3, $4, $5, $6, $6) on conflict (partner_id) do nothing",
                t.name("catalog_partners")
            );
            tx.execute(&sql, &args![partner_id, tenant_id, name, keys.access_key_hash, keys.server_token_hash, at])
                .await?;
        }
        CatalogEvent::SuiteTokenLifetimeSet { minutes, .. } => {
            let sql = format!("update {} set suite_token_minutes = $2 where tenant_id = $1", t.name("catalog_tenants"));
            tx.execute(&sql, &args![tenant_id, i64::from(minutes)]).await?;
        }
        CatalogEvent::IdentityProviderConfigured { provider, configured_at } => {
            let sql = format!(
                "insert into {} (tenant_id, provider, issuer, audience, jwks_url, updated_at) \
                 values ($1, $2, $3, $4, $5, $6) on conflict (tenant_id, provider) do update set \
                 issuer = excluded.issuer, audience = excluded.audience, jwks_url = excluded.jwks_url, \
                 updated_at = excluded.updated_at",
                t.name("catalog_identity_providers")
            );
            let binds = args![
                tenant_id,
                provider.provider,
                provider.issuer,
                provider.audience,
                provider.jwks_url,
                format_time(&configured_at)
            ];
            tx.execute(&sql, &binds).await?;
        }
        CatalogEvent::TransactableSystemConfigured { system, configured_at } => {
            let sql = format!(
                "insert into {} (tenant_id, system_id, name, linked_account, users_api_fields, jwt_claims, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7) on conflict (tenant_id, system_id) do update set \
                 name = excluded.name, linked_account = excluded.linked_account, \
                 users_api_fields = excluded.users_api_fields, jwt_claims = excluded.jwt_claims, \
                 updated_at = excluded.updated_at",
                t.name("catalog_transactable_systems")
            );
            let requirements = &system.requirements;
            let binds = args![
                tenant_id,
                system.system_id,
                system.name,
                requirements.linked_account,
                serde_json::to_string(&requirements.users_api_fields)?,
                serde_json::to_string(&requirements.jwt_claims)?,
                format_time(&configured_at)
            ];
            tx.execute(&sql, &binds).await?;
        }
        CatalogEvent::BranchConfigured { branch, configured_at } => {
            let sql = format!(
                "insert into {} (tenant_id, branch_id, name, latitude, longitude, radius_km, hints, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (tenant_id, branch_id) do update set \
                 name = excluded.name, latitude = excluded.latitude, longitude = excluded.longitude, \
                 radius_km = excluded.radius_km, hints = excluded.hints, updated_at = excluded.updated_at",
                t.name("catalog_branches")
            );
            let binds = args![
                tenant_id,
                branch.branch_id,
                branch.name,
                branch.center.latitude,
                branch.center.longitude,
                branch.radius_km,
                serde_json::to_string(&branch.hints)?,
                format_time(&configured_at)
            ];
            tx.execute(&sql, &binds).await?;
        }
        CatalogEvent::PartnerIssuerConfigured { partner_id, issuer, configured_at } => {
            let sql = format!(
                "insert into {} (partner_id, issuer, tenant_id, audience, jwks_url, email_claim, given_name_claim, \
                 family_name_claim, name_claim, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 on conflict (partner_id, issuer) do update set audience = excluded.audience, \
                 jwks_url = excluded.jwks_url, email_claim = excluded.email_claim, \
                 given_name_claim = excluded.given_name_claim, family_name_claim = excluded.family_name_claim, \
                 name_claim = excluded.name_claim, updated_at = excluded.updated_at",
                t.name("catalog_partner_issuers")
            );
            let c = issuer.claims;
            let binds = args![
                partner_id,
                issuer.issuer,
                tenant_id,
                issuer.audience,
                issuer.jwks_url,
                c.email,
                c.given_name,
                c.family_name,
                c.name,
                format_time(&configured_at)
            ];
            tx.execute(&sql, &binds).await?;
        }
        CatalogEvent::PartnerIssuerRemoved { partner_id, issuer, .. } => {
            let sql =
                format!("delete from {} where partner_id = $1 and issuer = $2", t.name("catalog_partner_issuers"));
            tx.execute(&sql, &args![partner_id, issuer]).await?;
        }
        CatalogEvent::PartnerRevoked { partner_id, .. } => {
            for table in ["catalog_partners", "catalog_partner_issuers"] {
                let sql = format!("delete from {} where partner_id = $1", t.name(table));
                tx.execute(&sql, &args![partner_id.clone()]).await?;
            }
        }
        CatalogEvent::PartnerKeysRotated { partner_id, keys, rotated_at, .. } => {
            let sql = format!(
                "update {} set access_key_hash = $2, server_token_hash = $3, updated_at = $4 where partner_id = $1",
                t.name("catalog_partners")
            );
            let at = format_time(&rotated_at);
            tx.execute(&sql, &args![partner_id, keys.access_key_hash, keys.server_token_hash, at]).await?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PartnerRow {
    pub partner_id: String,
    pub tenant_id: String,
    pub name: String,
    pub server_token_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IdentityProviderRow {
    pub provider: String,
    pub issuer: String,
    pub audience: String,
    pub jwks_url: String,
}

/// One of a partner's own token issuers.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PartnerIssuerRow {
    pub issuer: String,
    pub audience: Option<String>,
    pub jwks_url: String,
    pub email_claim: String,
    pub given_name_claim: String,
    pub family_name_claim: String,
    pub name_claim: String,
}

impl Reads {
    /// The partner whose access key hashes to `hash` (SHA-256 hex), checked on every coord call.
    pub async fn partner_by_access_key_hash(&self, hash: &str) -> Result<Option<PartnerRow>, StoreError> {
        let load = async || self.partner_where("access_key_hash", hash).await;
        match &self.cache {
            Some(cache) => cache.partner_by_key(hash, load).await,
            None => load().await,
        }
    }

    pub async fn partner(&self, partner_id: &str) -> Result<Option<PartnerRow>, StoreError> {
        let load = async || self.partner_where("partner_id", partner_id).await;
        match &self.cache {
            Some(cache) => cache.partner(partner_id, load).await,
            None => load().await,
        }
    }

    async fn partner_where(&self, column: &str, value: &str) -> Result<Option<PartnerRow>, StoreError> {
        let sql =
            format!("select partner_id, tenant_id, name, server_token_hash from catalog_partners where {column} = $1");
        Ok(self.db.fetch_optional(&sql, &args![value]).await?)
    }

    pub async fn tenant_exists(&self, tenant_id: &str) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = self
            .db
            .fetch_optional("select count(*) from catalog_tenants where tenant_id = $1", &args![tenant_id])
            .await?;
        Ok(row.is_some_and(|(n,)| n > 0))
    }

    /// The tenant's OpenID provider of that name, whose ID tokens sign its users in.
    pub async fn identity_provider(
        &self,
        tenant_id: &str,
        provider: &str,
    ) -> Result<Option<IdentityProviderRow>, StoreError> {
        Ok(self
            .db
            .fetch_optional(
                "select provider, issuer, audience, jwks_url from catalog_identity_providers \
                 where tenant_id = $1 and provider = $2",
                &args![tenant_id, provider],
            )
            .await?)
    }

    /// The partner's issuer whose tokens carry `iss`, if the partner configured one.
    pub async fn partner_issuer(&self, partner_id: &str, iss: &str) -> Result<Option<PartnerIssuerRow>, StoreError> {
        Ok(self
            .db
            .fetch_optional(
                "select issuer, audience, jwks_url, email_claim, given_name_claim, family_name_claim, name_claim \
                 from catalog_partner_issuers where partner_id = $1 and issuer = $2",
                &args![partner_id, iss],
            )
            .await?)
    }
}
