//! The Catalog aggregate (`catalog-{tenant}`): the tenant, its partners (API clients) with
//! their keys and their own token issuers, its OpenID providers, its transactable systems and
//! its branches. Keys are held only as SHA-256 hashes; the plain keys never enter an event.
//!
//! A file per concern: `command`, `event` (with the values and claims events carry), `error`,
//! `state` (and how events change it), and the decisions in `handle`.
mod branches;
mod command;
mod error;
mod event;
mod handle;
mod issuers;
mod state;
mod systems;

#[cfg(test)]
mod tests;

pub use branches::{Branch, MAX_HINTS, MAX_RADIUS_KM, Position, resolve_hint, resolve_position};
pub use command::CatalogCommand;
pub use error::CatalogError;
pub use event::{CatalogEvent, IdentityProvider, PartnerKeys};
pub use issuers::{ClaimNames, PartnerIssuer};
pub use state::Catalog;
pub use systems::{
    JWT_CLAIMS, LICENSE_PLATE, STRIPE_CUSTOMER_ID, TransactableSystem, TransactionRequirements, USERS_API_FIELDS,
    UserFacts,
};

/// Claim scope: an access key (hash) identifies exactly one partner across all tenants.
pub const PARTNER_ACCESS_KEY: &str = "partner-access-key";
/// Claim scope: partner ids are unique across tenants (tokens name the partner by id).
pub const PARTNER_ID: &str = "partner-id";

pub fn stream_id(tenant_id: &str) -> String {
    format!("catalog-{tenant_id}")
}
