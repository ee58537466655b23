//! The identity-verification port (KYC): a provider checks that a person is who their profile
//! says, typically from an identity document and a selfie, in a flow of its own that the person
//! completes at `Verification::url`. The outcome arrives later; `status` asks for it.

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VerificationId(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerificationStatus {
    /// Started; the person has not finished, or the provider has not decided.
    Pending,
    Verified,
    /// The provider refused the identity; `reason` is its explanation, to show the person.
    Rejected {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub id: VerificationId,
    /// Our user id, as given to `start`.
    pub user: String,
    pub status: VerificationStatus,
    /// Where the person completes the provider's flow.
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerificationError {
    #[error("no such verification")]
    NotFound,
    #[error("identity verification unavailable: {0}")]
    Unavailable(String),
}

#[async_trait::async_trait]
pub trait IdentityVerification: Send + Sync {
    /// Start a verification of user `user`; the person is sent to its `url`. Starting again
    /// starts a new one: a rejected person may try again.
    async fn start(&self, user: &str, return_url: &str) -> Result<Verification, VerificationError>;
    /// The verification as the provider sees it now.
    async fn status(&self, id: &VerificationId) -> Result<Verification, VerificationError>;
}
