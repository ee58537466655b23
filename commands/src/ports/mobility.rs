//! The mobility-system-linking port: a transactable system (a parking operator, a charging
//! network, a transit back office) keeps an account for each user linked to it, and states what
//! it requires of a user before it links one.
use std::collections::BTreeMap;

/// What a system may require of a user before linking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Requirement {
    LicensePlate,
    PhoneNumber,
    Email,
    VerifiedIdentity,
    PaymentMethod,
}

/// What we tell the system about the user: one value per requirement we can meet (the plate,
/// the number; `"true"` for a verified identity or a payment method on file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRequest {
    pub system: String,
    /// Our user id.
    pub user: String,
    pub facts: BTreeMap<Requirement, String>,
}

/// A user's account at a system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemLink {
    pub system: String,
    pub user: String,
    /// The system's own id for the user's account there.
    pub external_account: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("no such system")]
    UnknownSystem,
    /// The user lacks what the system requires; the whole list, so the person can fix all at once.
    #[error("requirements not met: {0:?}")]
    RequirementsMissing(Vec<Requirement>),
    #[error("the user is not linked to the system")]
    NotLinked,
    #[error("mobility system unavailable: {0}")]
    Unavailable(String),
}

#[async_trait::async_trait]
pub trait MobilityLinking: Send + Sync {
    /// What `system` requires of a user before it links one.
    async fn requirements(&self, system: &str) -> Result<Vec<Requirement>, LinkError>;
    /// Open (or find) the user's account at the system. Linking a linked user returns the same
    /// link: a retried request links once.
    async fn link(&self, request: &LinkRequest) -> Result<SystemLink, LinkError>;
    /// Close the user's account at the system.
    async fn unlink(&self, system: &str, user: &str) -> Result<(), LinkError>;
}
