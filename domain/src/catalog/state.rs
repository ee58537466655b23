//! What a catalog's history amounts to, and how each event changes it.
use super::{Branch, CatalogEvent, IdentityProvider, PartnerIssuer, PartnerKeys, TransactableSystem};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub(super) created: bool,
    pub(super) partners: Vec<(String, PartnerKeys)>,
    pub(super) providers: Vec<IdentityProvider>,
    pub(super) suite_token_minutes: Option<u32>,
    #[serde(default)]
    pub(super) systems: Vec<TransactableSystem>,
    #[serde(default)]
    pub(super) branches: Vec<Branch>,
    /// The partners' own token issuers: (partner id, issuer).
    /// Revoked partners' ids: never registered again.
    #[serde(default)]
    pub(super) revoked_partners: Vec<String>,
    #[serde(default)]
    pub(super) partner_issuers: Vec<(String, PartnerIssuer)>,
}

impl Catalog {
    /// Whether the tenant has been created.
    pub fn exists(&self) -> bool {
        self.created
    }

    /// The tenant's own suite access-token lifetime, if it set one.
    pub fn suite_token_minutes(&self) -> Option<u32> {
        self.suite_token_minutes
    }

    /// The tenant's transactable system `system_id`.
    pub fn system(&self, system_id: &str) -> Option<&TransactableSystem> {
        self.systems.iter().find(|s| s.system_id == system_id)
    }

    /// The tenant's branches, in the order they were first configured.
    pub fn branches(&self) -> &[Branch] {
        &self.branches
    }

    /// The partner's issuer whose tokens carry `iss`.
    pub fn partner_issuer(&self, partner_id: &str, iss: &str) -> Option<&PartnerIssuer> {
        self.partner_issuers.iter().find(|(p, i)| p == partner_id && i.issuer == iss).map(|(_, i)| i)
    }

    /// The partners' ids, in the order they were registered (revoked ones left out).
    pub fn partner_ids(&self) -> impl Iterator<Item = &str> {
        self.partners.iter().map(|(id, _)| id.as_str())
    }

    pub fn providers(&self) -> &[IdentityProvider] {
        &self.providers
    }

    pub fn systems(&self) -> &[TransactableSystem] {
        &self.systems
    }

    /// Whether the tenant has a partner of this id.
    pub fn has_partner(&self, partner_id: &str) -> bool {
        self.partner(partner_id).is_some()
    }

    pub(super) fn partner(&self, partner_id: &str) -> Option<&PartnerKeys> {
        self.partners.iter().find(|(id, _)| id == partner_id).map(|(_, keys)| keys)
    }

    /// `Aggregate::apply`: only mutates; every rule was checked when the event was decided.
    pub(super) fn evolve(&mut self, event: CatalogEvent) {
        match event {
            CatalogEvent::TenantCreated { .. } => self.created = true,
            CatalogEvent::PartnerRegistered { partner_id, keys, .. } => self.partners.push((partner_id, keys)),
            CatalogEvent::PartnerKeysRotated { partner_id, keys, .. } => {
                if let Some((_, current)) = self.partners.iter_mut().find(|(id, _)| *id == partner_id) {
                    *current = keys;
                }
            }
            CatalogEvent::PartnerRevoked { partner_id, .. } => {
                self.partners.retain(|(id, _)| *id != partner_id);
                self.partner_issuers.retain(|(p, _)| *p != partner_id);
                self.revoked_partners.push(partner_id);
            }
            CatalogEvent::SuiteTokenLifetimeSet { minutes, .. } => self.suite_token_minutes = Some(minutes),
            CatalogEvent::IdentityProviderConfigured { provider, .. } => {
                self.providers.retain(|p| p.provider != provider.provider);
                self.providers.push(provider);
            }
            CatalogEvent::TransactableSystemConfigured { system, .. } => {
                self.systems.retain(|s| s.system_id != system.system_id);
                self.systems.push(system);
            }
            CatalogEvent::BranchConfigured { branch, .. } => {
                match self.branches.iter_mut().find(|b| b.branch_id == branch.branch_id) {
                    Some(current) => *current = branch,
                    None => self.branches.push(branch),
                }
            }
            CatalogEvent::PartnerIssuerConfigured { partner_id, issuer, .. } => {
                self.partner_issuers.retain(|(p, i)| !(*p == partner_id && i.issuer == issuer.issuer));
                self.partner_issuers.push((partner_id, issuer));
            }
            CatalogEvent::PartnerIssuerRemoved { partner_id, issuer, .. } => {
                self.partner_issuers.retain(|(p, i)| !(*p == partner_id && i.issuer == issuer));
            }
        }
    }
}
