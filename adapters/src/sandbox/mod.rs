//! The sandbox twins of the ports whose real adapters arrive with later issues (payments,
//! identity verification, mobility systems). Each is deterministic: the same calls give the same
//! ids and outcomes, so tests and the development server can rely on them. Until the real adapters
//! exist every user gets these; then test users (coord test JWTs) will keep them.
pub mod identity;
pub mod mobility;
pub mod payments;

pub use identity::SandboxIdentityVerification;
pub use mobility::SandboxMobilitySystems;
pub use payments::SandboxPayments;
