//! The LoginSession aggregate (`login-{session id}`): one signed-in device. Access tokens carry
//! its id as `sid`; a revoked session makes them fail on the next request. When the sign-in
//! flow hands out refresh tokens, the session holds the family as hashes: the current head, the
//! parent it was rotated from, and every spent ancestor.
//!
//! A file per concern: `command`, `event`, `error`, `state` (and how events change it), and the
//! decisions in `handle` and `refresh`.
use uuid::Uuid;

mod command;
mod error;
mod event;
mod handle;
mod refresh;
mod state;

#[cfg(test)]
mod tests;

pub use command::LoginCommand;
pub use error::LoginError;
pub use event::{LoginEvent, RevocationReason, SignInMethod};
pub use state::LoginSession;

pub fn stream_id(session_id: Uuid) -> String {
    format!("login-{session_id}")
}
