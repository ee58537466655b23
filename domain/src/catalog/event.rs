//! The catalog's events: a permanent contract (names, fields and serde names never change), the
//! values they carry, and the claims they take or release.
use super::{Branch, PARTNER_ACCESS_KEY, PARTNER_ID, PartnerIssuer, TransactableSystem};
use crate::codec::{Claim, ClaimChange, HasClaims};
use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

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
    /// The partner's keys no longer work; its access key's claim is released.
    PartnerRevoked {
        partner_id: String,
        previous_access_key_hash: String,
        revoked_at: DateTime<Utc>,
    },
    IdentityProviderConfigured {
        provider: IdentityProvider,
        configured_at: DateTime<Utc>,
    },
    SuiteTokenLifetimeSet {
        minutes: u32,
        set_at: DateTime<Utc>,
    },
    /// A system was added, or its name or requirements changed (the whole system, as it is now).
    TransactableSystemConfigured {
        system: TransactableSystem,
        configured_at: DateTime<Utc>,
    },
    /// A branch was added, or changed (the whole branch, as it is now).
    BranchConfigured {
        branch: Branch,
        configured_at: DateTime<Utc>,
    },
    /// A partner's own token issuer was added, or changed (the whole issuer, as it is now).
    PartnerIssuerConfigured {
        partner_id: String,
        issuer: PartnerIssuer,
        configured_at: DateTime<Utc>,
    },
    /// The partner's issuer's tokens are no longer accepted.
    PartnerIssuerRemoved {
        partner_id: String,
        issuer: String,
        removed_at: DateTime<Utc>,
    },
}

impl DomainEvent for CatalogEvent {
    fn event_type(&self) -> String {
        match self {
            Self::TenantCreated { .. } => "TenantCreated",
            Self::PartnerRegistered { .. } => "PartnerRegistered",
            Self::PartnerKeysRotated { .. } => "PartnerKeysRotated",
            Self::PartnerRevoked { .. } => "PartnerRevoked",
            Self::IdentityProviderConfigured { .. } => "IdentityProviderConfigured",
            Self::SuiteTokenLifetimeSet { .. } => "SuiteTokenLifetimeSet",
            Self::TransactableSystemConfigured { .. } => "TransactableSystemConfigured",
            Self::BranchConfigured { .. } => "BranchConfigured",
            Self::PartnerIssuerConfigured { .. } => "PartnerIssuerConfigured",
            Self::PartnerIssuerRemoved { .. } => "PartnerIssuerRemoved",
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
            | Self::SuiteTokenLifetimeSet { .. }
            | Self::TransactableSystemConfigured { .. }
            | Self::BranchConfigured { .. }
            | Self::PartnerIssuerConfigured { .. }
            | Self::PartnerIssuerRemoved { .. } => Vec::new(),
            Self::PartnerRegistered { partner_id, keys, .. } => vec![
                ClaimChange::Take(Claim { scope: PARTNER_ID, value: partner_id.clone() }),
                ClaimChange::Take(access_key_claim(&keys.access_key_hash)),
            ],
            Self::PartnerRevoked { previous_access_key_hash, .. } => {
                vec![ClaimChange::Release(access_key_claim(previous_access_key_hash))]
            }
            Self::PartnerKeysRotated { previous_access_key_hash, keys, .. } => vec![
                ClaimChange::Release(access_key_claim(previous_access_key_hash)),
                ClaimChange::Take(access_key_claim(&keys.access_key_hash)),
            ],
        }
    }
}
