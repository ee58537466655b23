//! Ports: the traits through which the write side talks to the outside world. Their
//! implementations (real and sandbox) live in the `adapters` crate and are wired at startup,
//! so a test can swap any of them.
pub mod clock;
pub mod tokens;

pub use clock::{Clock, SystemClock};
pub use tokens::{AccessClaims, SignError, TokenError, TokenSigner};
