//! Why a catalog command was refused.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("the tenant already exists")]
    TenantExists,
    #[error("the tenant does not exist")]
    UnknownTenant,
    #[error("a partner with this id already exists")]
    PartnerExists,
    #[error("the partner with this id was revoked")]
    PartnerRevoked,
    #[error("no partner with this id exists")]
    UnknownPartner,
    #[error("names and ids must not be empty")]
    EmptyName,
    #[error("a token lifetime must be 1 minute to 30 days")]
    InvalidLifetime,
    #[error("invalid transactable system: {0}")]
    InvalidSystem(String),
    #[error("invalid branch: {0}")]
    InvalidBranch(String),
    #[error("invalid partner issuer: {0}")]
    InvalidIssuer(String),
    #[error("the partner has no such issuer")]
    UnknownIssuer,
}
