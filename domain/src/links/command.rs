//! What can be asked of a user's account links.
use super::LinkVia;
use crate::catalog::{TransactableSystem, UserFacts};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq)]
pub enum AccountLinkCommand {
    /// Link the user's account at `system`, which the user meets the requirements of per `facts`.
    Link { system: TransactableSystem, facts: UserFacts, via: LinkVia, at: DateTime<Utc> },
    /// End the user's link with `system`.
    Unlink { system: TransactableSystem, via: LinkVia, at: DateTime<Utc> },
    /// End every link of the user: the account is erased.
    EndAll { at: DateTime<Utc> },
}
