//! The OneTimeCode aggregate (`code-{key}`): the codes sent to one recipient for one purpose
//! (an email sign-in code). Codes arrive hashed; the aggregate enforces the resend cooldown,
//! the expiry and the attempt limit. The stream key is a hash of tenant, purpose and recipient,
//! so the address never appears in a stream id.
//!
//! A file per concern: `command` (with the `CodePolicy`), `event`, `error`, `state` (and how
//! events change it), and the decisions in `handle`.
mod command;
mod error;
mod event;
mod handle;
mod state;

#[cfg(test)]
mod tests;

pub use command::{CodeCommand, CodePolicy};
pub use error::CodeError;
pub use event::CodeEvent;
pub use state::OneTimeCode;
