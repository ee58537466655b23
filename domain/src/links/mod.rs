//! The AccountLinks aggregate (`account-links-{user}`): the transactable systems at which one
//! user has linked an account. A stream of its own beside the user's, so linking never contends
//! with profile or sign-in writes.
//!
//! The rules: only a system that requires a linked account can be linked, and only once the
//! user has every field and claim it requires; linking a linked system, or unlinking one that
//! is not linked, changes nothing. The catalog's system and the user's facts arrive in the
//! command: this aggregate reads neither.
mod command;
mod error;
mod event;
mod handle;
mod state;

#[cfg(test)]
mod tests;

pub use command::AccountLinkCommand;
pub use error::AccountLinkError;
pub use event::{AccountLinkEvent, LinkVia};
pub use state::AccountLinks;

pub const STREAM_TYPE: &str = "account-links";

pub fn stream_id(user_id: uuid::Uuid) -> String {
    format!("account-links-{user_id}")
}
