//! Why a link or unlink was refused.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountLinkError {
    /// The system does not require a linked account to be transactable.
    #[error("the system does not require account linking")]
    NotLinkable,
    /// The user lacks fields or claims the system requires: all of them, so they can be fixed at once.
    #[error("the user lacks {}", .0.join(", "))]
    RequirementsMissing(Vec<String>),
}
