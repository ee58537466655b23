//! `Aggregate::handle`: the catalog's decisions.
use super::{Branch, Catalog, CatalogCommand, CatalogError, CatalogEvent, TransactableSystem};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;

impl Aggregate for Catalog {
    const TYPE: &'static str = "catalog";
    type Command = CatalogCommand;
    type Event = CatalogEvent;
    type Error = CatalogError;
    type Services = ();

    async fn handle(&mut self, command: CatalogCommand, _: &(), sink: &EventSink<Self>) -> Result<(), CatalogError> {
        match command {
            CatalogCommand::CreateTenant { tenant_id, name, at } => {
                if self.created {
                    return Err(CatalogError::TenantExists);
                }
                if tenant_id.trim().is_empty() || name.trim().is_empty() {
                    return Err(CatalogError::EmptyName);
                }
                sink.write(CatalogEvent::TenantCreated { tenant_id, name, created_at: at }, self).await;
            }
            CatalogCommand::RegisterPartner { partner_id, name, keys, at } => {
                if !self.created {
                    return Err(CatalogError::UnknownTenant);
                }
                if self.partner(&partner_id).is_some() {
                    return Err(CatalogError::PartnerExists);
                }
                if self.revoked_partners.contains(&partner_id) {
                    return Err(CatalogError::PartnerRevoked);
                }
                if partner_id.trim().is_empty() || name.trim().is_empty() {
                    return Err(CatalogError::EmptyName);
                }
                let event = CatalogEvent::PartnerRegistered { partner_id, name, keys, registered_at: at };
                sink.write(event, self).await;
            }
            CatalogCommand::RotatePartnerKeys { partner_id, keys, at } => {
                let current = self.partner(&partner_id).ok_or(CatalogError::UnknownPartner)?;
                if *current == keys {
                    return Ok(());
                }
                let event = CatalogEvent::PartnerKeysRotated {
                    previous_access_key_hash: current.access_key_hash.clone(),
                    partner_id,
                    keys,
                    rotated_at: at,
                };
                sink.write(event, self).await;
            }
            CatalogCommand::RevokePartner { partner_id, at } => {
                if self.revoked_partners.contains(&partner_id) {
                    return Err(CatalogError::PartnerRevoked);
                }
                let keys = self.partner(&partner_id).ok_or(CatalogError::UnknownPartner)?;
                let event = CatalogEvent::PartnerRevoked {
                    previous_access_key_hash: keys.access_key_hash.clone(),
                    partner_id,
                    revoked_at: at,
                };
                sink.write(event, self).await;
            }
            CatalogCommand::SetSuiteTokenLifetime { minutes, at } => {
                if !self.created {
                    return Err(CatalogError::UnknownTenant);
                }
                if !(1..=30 * 24 * 60).contains(&minutes) {
                    return Err(CatalogError::InvalidLifetime);
                }
                if self.suite_token_minutes != Some(minutes) {
                    sink.write(CatalogEvent::SuiteTokenLifetimeSet { minutes, set_at: at }, self).await;
                }
            }
            CatalogCommand::ConfigureIdentityProvider { provider, at } => {
                if !self.created {
                    return Err(CatalogError::UnknownTenant);
                }
                if [&provider.provider, &provider.issuer, &provider.audience, &provider.jwks_url]
                    .iter()
                    .any(|v| v.trim().is_empty())
                {
                    return Err(CatalogError::EmptyName);
                }
                if self.providers.contains(&provider) {
                    return Ok(());
                }
                sink.write(CatalogEvent::IdentityProviderConfigured { provider, configured_at: at }, self).await;
            }
            CatalogCommand::ConfigureTransactableSystem { system, at } => {
                if !self.created {
                    return Err(CatalogError::UnknownTenant);
                }
                system.check().map_err(CatalogError::InvalidSystem)?;
                let system = TransactableSystem { name: system.name.trim().to_owned(), ..system };
                if self.system(&system.system_id) != Some(&system) {
                    sink.write(CatalogEvent::TransactableSystemConfigured { system, configured_at: at }, self).await;
                }
            }
            CatalogCommand::ConfigureBranch { branch, at } => {
                if !self.created {
                    return Err(CatalogError::UnknownTenant);
                }
                branch.check().map_err(CatalogError::InvalidBranch)?;
                let hints = branch.hints.iter().map(|h| h.trim().to_owned()).collect();
                let branch = Branch { name: branch.name.trim().to_owned(), hints, ..branch };
                if !self.branches.contains(&branch) {
                    sink.write(CatalogEvent::BranchConfigured { branch, configured_at: at }, self).await;
                }
            }
            CatalogCommand::ConfigurePartnerIssuer { partner_id, issuer, at } => {
                self.partner(&partner_id).ok_or(CatalogError::UnknownPartner)?;
                issuer.check().map_err(CatalogError::InvalidIssuer)?;
                if self.partner_issuer(&partner_id, &issuer.issuer) != Some(&issuer) {
                    let event = CatalogEvent::PartnerIssuerConfigured { partner_id, issuer, configured_at: at };
                    sink.write(event, self).await;
                }
            }
            CatalogCommand::RemovePartnerIssuer { partner_id, issuer, at } => {
                self.partner(&partner_id).ok_or(CatalogError::UnknownPartner)?;
                self.partner_issuer(&partner_id, &issuer).ok_or(CatalogError::UnknownIssuer)?;
                sink.write(CatalogEvent::PartnerIssuerRemoved { partner_id, issuer, removed_at: at }, self).await;
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: CatalogEvent) {
        self.evolve(event);
    }
}
