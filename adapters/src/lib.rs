//! The adapters: every implementation of a port that `commands` owns, each real one beside its
//! sandbox twin. Startup (in `api`) picks one per port from the configuration; tests swap any.
#![forbid(unsafe_code)]

pub mod clock;
pub mod jwks;
pub mod keys;
pub mod sandbox;
pub mod senders;
pub mod sessions;
pub mod stripe;
pub mod tokens;
pub mod veriff;

pub use stripe::{StripeConfig, StripePayments};
pub use veriff::{VeriffConfig, VeriffVerification};
