//! The IdentityCards aggregate (`identity-cards-{user}`): the identity cards an operator assigned
//! to one user (customer cards, RFID badges that open vehicles or stations). Operators assign
//! and withdraw them; the user reads them (the suite's `GET /customer-identity-cards`).
//!
//! The rules: a card id (the operator's name for the physical card) belongs to one user of a
//! tenant at a time (a unique claim); assigning an assigned card again replaces what is known of
//! it, and nothing is appended when nothing changes; a card that is not assigned cannot be
//! withdrawn; an erasure withdraws every card. The card's number is personal data.
mod event;
mod handle;

#[cfg(test)]
mod tests;

pub use event::{CardWithdrawal, IdentityCard, IdentityCardEvent};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const STREAM_TYPE: &str = "identity-cards";
/// Claim scope: a tenant's card id is assigned to one user at a time.
pub const CARD_CLAIM: &str = "identity-card";

pub fn stream_id(user_id: uuid::Uuid) -> String {
    format!("identity-cards-{user_id}")
}

#[derive(Debug, Clone, PartialEq)]
pub enum IdentityCardCommand {
    /// Assign `card` to the user (or replace what is known of it).
    Assign {
        tenant_id: String,
        card: IdentityCard,
        at: DateTime<Utc>,
    },
    Withdraw {
        tenant_id: String,
        card_id: String,
        at: DateTime<Utc>,
    },
    /// The account is erased: withdraw every card.
    WithdrawAll {
        tenant_id: String,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityCardError {
    #[error("invalid identity card: {0}")]
    Invalid(String),
    #[error("no card with this id is assigned to the user")]
    NotAssigned,
}

/// The cards assigned now, by card id.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityCards {
    cards: BTreeMap<String, (IdentityCard, DateTime<Utc>)>,
}

impl IdentityCards {
    /// The assigned cards with when each was assigned, by card id.
    pub fn cards(&self) -> impl Iterator<Item = (&IdentityCard, DateTime<Utc>)> {
        self.cards.values().map(|(card, at)| (card, *at))
    }

    fn evolve(&mut self, event: IdentityCardEvent) {
        match event {
            IdentityCardEvent::IdentityCardAssigned { card, assigned_at, .. } => {
                self.cards.insert(card.card_id.clone(), (card, assigned_at));
            }
            IdentityCardEvent::IdentityCardWithdrawn { card_id, .. } => {
                self.cards.remove(&card_id);
            }
        }
    }
}
