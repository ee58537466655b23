//! What a user's link history amounts to: the systems linked now.
use super::AccountLinkEvent;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountLinks {
    /// Linked system id → when it was linked.
    pub(super) linked: BTreeMap<String, DateTime<Utc>>,
}

impl AccountLinks {
    pub fn is_linked(&self, system_id: &str) -> bool {
        self.linked.contains_key(system_id)
    }

    /// The linked systems' ids, sorted.
    pub fn systems(&self) -> impl Iterator<Item = &str> {
        self.linked.keys().map(String::as_str)
    }

    /// `Aggregate::apply`: only mutates; every rule was checked when the event was decided.
    pub(super) fn evolve(&mut self, event: AccountLinkEvent) {
        match event {
            AccountLinkEvent::AccountLinked { system_id, linked_at, .. } => {
                self.linked.insert(system_id, linked_at);
            }
            AccountLinkEvent::AccountUnlinked { system_id, .. } => {
                self.linked.remove(&system_id);
            }
        }
    }
}
