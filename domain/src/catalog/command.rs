//! What can be asked of a tenant's catalog.
use super::{Branch, IdentityProvider, PartnerIssuer, PartnerKeys, TransactableSystem};
use chrono::{DateTime, Utc};

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
    /// Revoke a partner for good: its keys stop working, and with them every token minted for
    /// it. Its id is never given to another partner.
    RevokePartner {
        partner_id: String,
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
    /// Add or change a transactable system of the tenant.
    ConfigureTransactableSystem {
        system: TransactableSystem,
        at: DateTime<Utc>,
    },
    /// Add or change a branch of the tenant.
    ConfigureBranch {
        branch: Branch,
        at: DateTime<Utc>,
    },
    /// Add or change one of a partner's own token issuers (by its `iss`).
    ConfigurePartnerIssuer {
        partner_id: String,
        issuer: PartnerIssuer,
        at: DateTime<Utc>,
    },
    /// Stop accepting a partner's issuer's tokens.
    RemovePartnerIssuer {
        partner_id: String,
        issuer: String,
        at: DateTime<Utc>,
    },
}
