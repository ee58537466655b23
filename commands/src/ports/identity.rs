//! The identity-verification port (KYC): a provider checks that a person is who their profile
//! says, from a driving licence or an identity document and a selfie, in a flow of its own that
//! the person completes at `Verification::url`. The outcome arrives later; `status` asks for it.
pub use domain::user::VerificationKind;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VerificationId(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerificationStatus {
    /// Started; the person has not finished, or the provider has not decided.
    Pending,
    Verified,
    /// The provider refused the identity (or the session expired unfinished); `reason` is its
    /// explanation, to show the person.
    Rejected {
        reason: String,
    },
}

/// A session as `start` answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub id: VerificationId,
    /// Where the person completes the provider's flow.
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerificationError {
    #[error("no such verification")]
    NotFound,
    /// The provider refused the request itself (a wrong key, a field it does not take): retrying
    /// does not help.
    #[error("the identity-verification provider refused the request: {0}")]
    Refused(String),
    /// No answer, a timeout, a 5xx, or an answer this adapter cannot read: retry later.
    #[error("identity verification unavailable: {0}")]
    Unavailable(String),
}

#[async_trait::async_trait]
pub trait IdentityVerification: Send + Sync {
    /// The adapter's name, recorded with each session it starts (`sandbox`, `veriff`): a session
    /// is only ever asked about at the provider that started it.
    fn name(&self) -> &'static str;
    /// Start a `kind` verification of user `user`; the person is sent to its `url`, and back to
    /// `return_url` when done. Each call starts a new session.
    async fn start(
        &self,
        user: &str,
        kind: VerificationKind,
        return_url: &str,
    ) -> Result<Verification, VerificationError>;
    /// The verification as the provider sees it now.
    async fn status(&self, id: &VerificationId) -> Result<VerificationStatus, VerificationError>;
}
