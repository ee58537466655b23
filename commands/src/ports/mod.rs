//! Ports: the traits through which the write side talks to the outside world. Their
//! implementations (real and sandbox) live in the `adapters` crate and are wired at startup,
//! so a test can swap any of them.
pub mod clock;
pub mod identity;
pub mod keys;
pub mod mobility;
pub mod payments;
pub mod provider_keys;
pub mod sender;
pub mod sessions;
pub mod tokens;

pub use clock::Clock;
pub use identity::IdentityVerification;
pub use keys::{KeyStore, KeyStoreError, StoredSigningKey};
pub use mobility::MobilityLinking;
pub use payments::PaymentProvider;
pub use provider_keys::{ProviderKeys, ProviderKeysUnavailable};
pub use sender::{MessageSender, OutgoingMessage, SendError, Senders};
pub use sessions::UserSessions;
pub use tokens::{AccessClaims, SignError, TokenError, TokenSigner};
