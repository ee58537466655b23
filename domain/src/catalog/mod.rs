//! The Catalog aggregate (`catalog-{tenant}`): the tenant and its partners (API clients) with
//! their keys. Keys are held only as SHA-256 hashes; the plain keys never enter an event.
use crate::codec::{Claim, ClaimChange, HasClaims};
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// Claim scope: an access key (hash) identifies exactly one partner across all tenants.
pub const PARTNER_ACCESS_KEY: &str = "partner-access-key";
/// Claim scope: partner ids are unique across tenants (tokens name the partner by id).
pub const PARTNER_ID: &str = "partner-id";

pub fn stream_id(tenant_id: &str) -> String {
    format!("catalog-{tenant_id}")
}

fn access_key_claim(hash: &str) -> Claim {
    Claim { scope: PARTNER_ACCESS_KEY, value: hash.to_owned() }
}

/// An OpenID provider whose ID tokens sign people in to a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityProvider {
    /// The tenant's name for it (`oidc`, `gaiyo`, `google`).
    pub provider: String,
    /// The `iss` its ID tokens carry.
    pub issuer: String,
    /// The `aud` its ID tokens must carry (this tenant's client id there).
    pub audience: String,
    /// Where its signing keys are published.
    pub jwks_url: String,
}

/// The hashes of a partner's credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerKeys {
    pub access_key_hash: String,
    pub server_token_hash: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CatalogCommand {
    CreateTenant {
        tenant_id: String,
        name: String,
        at: DateTime<Utc>,
    },
    RegisterPartner {
        partner_id: String,
        name: String,
        keys: PartnerKeys,
        at: DateTime<Utc>,
    },
    /// Replace a partner's keys (a leaked key, or configuration naming new demo keys).
    RotatePartnerKeys {
        partner_id: String,
        keys: PartnerKeys,
        at: DateTime<Utc>,
    },
    /// How long the tenant's suite access tokens live (the original's default is 5 hours).
    SetSuiteTokenLifetime {
        minutes: u32,
        at: DateTime<Utc>,
    },
    /// Add or change an OpenID provider of the tenant.
    ConfigureIdentityProvider {
        provider: IdentityProvider,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum CatalogEvent {
    TenantCreated {
        tenant_id: String,
        name: String,
        created_at: DateTime<Utc>,
    },
    PartnerRegistered {
        partner_id: String,
        name: String,
        keys: PartnerKeys,
        registered_at: DateTime<Utc>,
    },
    PartnerKeysRotated {
        partner_id: String,
        previous_access_key_hash: String,
        keys: PartnerKeys,
        rotated_at: DateTime<Utc>,
    },
    IdentityProviderConfigured {
        provider: IdentityProvider,
        configured_at: DateTime<Utc>,
    },
    SuiteTokenLifetimeSet {
        minutes: u32,
        set_at: DateTime<Utc>,
    },
}

impl DomainEvent for CatalogEvent {
    fn event_type(&self) -> String {
        match self {
            Self::TenantCreated { .. } => "TenantCreated",
            Self::PartnerRegistered { .. } => "PartnerRegistered",
            Self::PartnerKeysRotated { .. } => "PartnerKeysRotated",
            Self::IdentityProviderConfigured { .. } => "IdentityProviderConfigured",
            Self::SuiteTokenLifetimeSet { .. } => "SuiteTokenLifetimeSet",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

impl HasClaims for CatalogEvent {
    fn claim_changes(&self) -> Vec<ClaimChange> {
        match self {
            Self::TenantCreated { .. }
            | Self::IdentityProviderConfigured { .. }
            | Self::SuiteTokenLifetimeSet { .. } => Vec::new(),
            Self::PartnerRegistered { partner_id, keys, .. } => vec![
                ClaimChange::Take(Claim { scope: PARTNER_ID, value: partner_id.clone() }),
                ClaimChange::Take(access_key_claim(&keys.access_key_hash)),
            ],
            Self::PartnerKeysRotated { previous_access_key_hash, keys, .. } => vec![
                ClaimChange::Release(access_key_claim(previous_access_key_hash)),
                ClaimChange::Take(access_key_claim(&keys.access_key_hash)),
            ],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("the tenant already exists")]
    TenantExists,
    #[error("the tenant does not exist")]
    UnknownTenant,
    #[error("a partner with this id already exists")]
    PartnerExists,
    #[error("no partner with this id exists")]
    UnknownPartner,
    #[error("names and ids must not be empty")]
    EmptyName,
    #[error("a token lifetime must be 1 minute to 30 days")]
    InvalidLifetime,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    created: bool,
    partners: Vec<(String, PartnerKeys)>,
    providers: Vec<IdentityProvider>,
    suite_token_minutes: Option<u32>,
}

impl Catalog {
    /// Whether the tenant has been created.
    pub fn exists(&self) -> bool {
        self.created
    }

    /// The tenant's own suite access-token lifetime, if it set one.
    pub fn suite_token_minutes(&self) -> Option<u32> {
        self.suite_token_minutes
    }

    fn partner(&self, partner_id: &str) -> Option<&PartnerKeys> {
        self.partners.iter().find(|(id, _)| id == partner_id).map(|(_, keys)| keys)
    }
}

impl Aggregate for Catalog {
    const TYPE: &'static str = "catalog";
    type Command = CatalogCommand;
    type Event = CatalogEvent;
    type Error = CatalogError;
    type Services = ();

    async fn handle(&mut self, command: CatalogCommand, _: &(), sink: &EventSink<Self>) -> Result<(), CatalogError> {
        match command {
            CatalogCommand::CreateTenant { tenant_id, name, at } => {
                if self.created {
                    return Err(CatalogError::TenantExists);
                }
                if tenant_id.trim().is_empty() || name.trim().is_empty() {
                    return Err(CatalogError::EmptyName);
                }
                sink.write(CatalogEvent::TenantCreated { tenant_id, name, created_at: at }, self).await;
            }
            CatalogCommand::RegisterPartner { partner_id, name, keys, at } => {
                if !self.created {
                    return Err(CatalogError::UnknownTenant);
                }
                if self.partner(&partner_id).is_some() {
                    return Err(CatalogError::PartnerExists);
                }
                if partner_id.trim().is_empty() || name.trim().is_empty() {
                    return Err(CatalogError::EmptyName);
                }
                let event = CatalogEvent::PartnerRegistered { partner_id, name, keys, registered_at: at };
                sink.write(event, self).await;
            }
            CatalogCommand::RotatePartnerKeys { partner_id, keys, at } => {
                let current = self.partner(&partner_id).ok_or(CatalogError::UnknownPartner)?;
                if *current == keys {
                    return Ok(());
                }
                let event = CatalogEvent::PartnerKeysRotated {
                    previous_access_key_hash: current.access_key_hash.clone(),
                    partner_id,
                    keys,
                    rotated_at: at,
                };
                sink.write(event, self).await;
            }
            CatalogCommand::SetSuiteTokenLifetime { minutes, at } => {
                if !self.created {
                    return Err(CatalogError::UnknownTenant);
                }
                if !(1..=30 * 24 * 60).contains(&minutes) {
                    return Err(CatalogError::InvalidLifetime);
                }
                if self.suite_token_minutes != Some(minutes) {
                    sink.write(CatalogEvent::SuiteTokenLifetimeSet { minutes, set_at: at }, self).await;
                }
            }
            CatalogCommand::ConfigureIdentityProvider { provider, at } => {
                if !self.created {
                    return Err(CatalogError::UnknownTenant);
                }
                if [&provider.provider, &provider.issuer, &provider.audience, &provider.jwks_url]
                    .iter()
                    .any(|v| v.trim().is_empty())
                {
                    return Err(CatalogError::EmptyName);
                }
                if self.providers.contains(&provider) {
                    return Ok(());
                }
                sink.write(CatalogEvent::IdentityProviderConfigured { provider, configured_at: at }, self).await;
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: CatalogEvent) {
        match event {
            CatalogEvent::TenantCreated { .. } => self.created = true,
            CatalogEvent::PartnerRegistered { partner_id, keys, .. } => self.partners.push((partner_id, keys)),
            CatalogEvent::PartnerKeysRotated { partner_id, keys, .. } => {
                if let Some((_, current)) = self.partners.iter_mut().find(|(id, _)| *id == partner_id) {
                    *current = keys;
                }
            }
            CatalogEvent::SuiteTokenLifetimeSet { minutes, .. } => self.suite_token_minutes = Some(minutes),
            CatalogEvent::IdentityProviderConfigured { provider, .. } => {
                self.providers.retain(|p| p.provider != provider.provider);
                self.providers.push(provider);
            }
        }
    }
}
