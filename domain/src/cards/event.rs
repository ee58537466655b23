//! The identity cards' events: a permanent contract (names, fields and serde names never change).
use super::CARD_CLAIM;
use crate::codec::{Claim, ClaimChange, HasClaims};
use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

/// A card as the operator describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityCard {
    /// The operator's id of the physical card (`card-0042`): 1 to 64 letters, digits, `.`, `_`
    /// or `-`. Not personal: it names the card, not the person.
    pub card_id: String,
    /// What kind of card (`RFID`, `CUSTOMER_CARD`): 1 to 32 upper-case letters, digits or `_`.
    pub kind: String,
    /// What is printed on or stored in the card (personal: it identifies the holder).
    pub number: String,
    /// A name for people (`Office badge`).
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
}

impl IdentityCard {
    pub fn check(&self) -> Result<(), String> {
        if !crate::values::is_plain_id(&self.card_id) {
            return Err("a card id is 1 to 64 letters, digits, '.', '_' or '-'".into());
        }
        let kind_ok = !self.kind.is_empty()
            && self.kind.len() <= 32
            && self.kind.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !kind_ok {
            return Err("a card type is 1 to 32 upper-case letters, digits or '_'".into());
        }
        if self.number.trim().is_empty() || self.number.chars().count() > 64 {
            return Err("a card number is 1 to 64 characters".into());
        }
        if self.label.as_ref().is_some_and(|l| l.trim().is_empty() || l.chars().count() > 100) {
            return Err("a label is 1 to 100 characters".into());
        }
        Ok(())
    }
}

/// Why a card was withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardWithdrawal {
    /// An operator took it back.
    Operator,
    /// The account was erased.
    Erasure,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum IdentityCardEvent {
    /// The card's fields sit at the top of the payload (`number` and `label` are encrypted).
    IdentityCardAssigned {
        tenant_id: String,
        #[serde(flatten)]
        card: IdentityCard,
        assigned_at: DateTime<Utc>,
    },
    /// Carries no personal data, so an erasure's withdrawals need no data key.
    IdentityCardWithdrawn { tenant_id: String, card_id: String, reason: CardWithdrawal, withdrawn_at: DateTime<Utc> },
}

impl DomainEvent for IdentityCardEvent {
    fn event_type(&self) -> String {
        match self {
            Self::IdentityCardAssigned { .. } => "IdentityCardAssigned",
            Self::IdentityCardWithdrawn { .. } => "IdentityCardWithdrawn",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

fn claim(tenant_id: &str, card_id: &str) -> Claim {
    Claim { scope: CARD_CLAIM, value: format!("{tenant_id}/{card_id}") }
}

impl HasClaims for IdentityCardEvent {
    fn claim_changes(&self) -> Vec<ClaimChange> {
        match self {
            Self::IdentityCardAssigned { tenant_id, card, .. } => {
                vec![ClaimChange::Take(claim(tenant_id, &card.card_id))]
            }
            Self::IdentityCardWithdrawn { tenant_id, card_id, .. } => {
                vec![ClaimChange::Release(claim(tenant_id, card_id))]
            }
        }
    }
}
