//! Catalog commands: tenants and partners, and the demo tenant seeded on first start.
use crate::bus::{CommandBus, CommandError};
use crate::secret_hash;
use chrono::{DateTime, Utc};
use domain::catalog::{self, Catalog, CatalogCommand, CatalogError, PartnerKeys};
use quick_cache::sync::Cache;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Metadata, StoreError};

pub type CatalogCommandError = CommandError<CatalogError>;

/// What `ensure_partner` needs: plain keys are hashed here and never stored.
#[derive(Debug, Clone)]
pub struct PartnerSeed {
    pub tenant_id: String,
    pub tenant_name: String,
    pub partner_id: String,
    pub partner_name: String,
    pub access_key: String,
    pub server_token: String,
}

#[derive(Clone)]
pub struct CatalogService {
    bus: CommandBus,
    tenants: Arc<Cache<String, (Instant, TenantSettings)>>,
}

/// What every request of a tenant needs to know about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantSettings {
    /// The tenant's own suite access-token lifetime, if it set one.
    pub suite_token_minutes: Option<u32>,
}

/// How long an instance answers a tenant's settings from memory. A change made through this
/// instance shows at once; one made by another instance (or the CLI) within this time.
pub const TENANT_SETTINGS_TTL: Duration = Duration::from_secs(5);

impl CatalogService {
    pub fn new(bus: CommandBus) -> Self {
        Self { bus, tenants: Arc::new(Cache::new(1_000)) }
    }

    /// The tenant's settings; `None` for a tenant that does not exist (never remembered: a tenant
    /// created elsewhere is found on the next request).
    pub async fn tenant(&self, tenant_id: &str) -> Result<Option<TenantSettings>, StoreError> {
        if let Some((read_at, settings)) = self.tenants.get(tenant_id)
            && read_at.elapsed() < TENANT_SETTINGS_TTL
        {
            return Ok(Some(settings));
        }
        let (catalog, _) = self.bus.load::<Catalog>(&catalog::stream_id(tenant_id)).await?;
        if !catalog.exists() {
            return Ok(None);
        }
        let settings = TenantSettings { suite_token_minutes: catalog.suite_token_minutes() };
        self.tenants.insert(tenant_id.to_owned(), (Instant::now(), settings));
        Ok(Some(settings))
    }

    /// The tenant's catalog as its stream stands (an empty one for an unknown tenant).
    pub async fn catalog(&self, tenant_id: &str) -> Result<Catalog, StoreError> {
        Ok(self.bus.load::<Catalog>(&catalog::stream_id(tenant_id)).await?.0)
    }

    /// Run a catalog command on the tenant's stream; its remembered settings are dropped after.
    pub async fn execute(
        &self,
        tenant_id: &str,
        command: CatalogCommand,
        metadata: &Metadata,
    ) -> Result<(), CatalogCommandError> {
        let done = self.bus.execute::<Catalog>(&catalog::stream_id(tenant_id), command, &(), metadata).await;
        self.tenants.remove(tenant_id);
        done.map(|_| ())
    }

    /// New plain keys for a partner (shown once) and their hashes (kept).
    pub fn new_partner_keys() -> (String, String, PartnerKeys) {
        use base64::Engine as _;
        use rand::RngCore as _;
        let random = |prefix: &str| {
            let mut bytes = [0u8; 24];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
        };
        let (access_key, server_token) = (random("ak_"), random("st_"));
        let keys =
            PartnerKeys { access_key_hash: secret_hash(&access_key), server_token_hash: secret_hash(&server_token) };
        (access_key, server_token, keys)
    }

    /// Make sure the tenant and partner exist with exactly these keys. Safe to run on every
    /// start: an existing tenant or partner is kept, changed keys are rotated in.
    #[tracing::instrument(skip_all, fields(tenant = %seed.tenant_id, partner = %seed.partner_id))]
    pub async fn ensure_partner(
        &self,
        seed: &PartnerSeed,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CatalogCommandError> {
        let tenant = seed.tenant_id.as_str();
        let create =
            CatalogCommand::CreateTenant { tenant_id: seed.tenant_id.clone(), name: seed.tenant_name.clone(), at };
        match self.execute(tenant, create, metadata).await {
            Ok(_) | Err(CommandError::Domain(CatalogError::TenantExists)) => {}
            Err(e) => return Err(e),
        }
        let keys = PartnerKeys {
            access_key_hash: secret_hash(&seed.access_key),
            server_token_hash: secret_hash(&seed.server_token),
        };
        let register = CatalogCommand::RegisterPartner {
            partner_id: seed.partner_id.clone(),
            name: seed.partner_name.clone(),
            keys: keys.clone(),
            at,
        };
        match self.execute(tenant, register, metadata).await {
            // an operator revoked it: configuration naming its keys does not bring it back
            Ok(()) | Err(CommandError::Domain(CatalogError::PartnerRevoked)) => Ok(()),
            Err(CommandError::Domain(CatalogError::PartnerExists)) => {
                let rotate = CatalogCommand::RotatePartnerKeys { partner_id: seed.partner_id.clone(), keys, at };
                self.execute(tenant, rotate, metadata).await
            }
            Err(e) => Err(e),
        }
    }

    /// Add or change an OpenID provider of a tenant (no event when nothing changes).
    pub async fn configure_identity_provider(
        &self,
        tenant_id: &str,
        provider: catalog::IdentityProvider,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CatalogCommandError> {
        self.execute(tenant_id, CatalogCommand::ConfigureIdentityProvider { provider, at }, metadata).await
    }

    /// Add or change a transactable system of a tenant (no event when nothing changes).
    pub async fn configure_transactable_system(
        &self,
        tenant_id: &str,
        system: catalog::TransactableSystem,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CatalogCommandError> {
        self.execute(tenant_id, CatalogCommand::ConfigureTransactableSystem { system, at }, metadata).await
    }

    /// Add the system unless the tenant has one of that id (the demo seed: a system an operator
    /// changed stays changed across restarts).
    pub async fn ensure_transactable_system(
        &self,
        tenant_id: &str,
        system: catalog::TransactableSystem,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CatalogCommandError> {
        if self.system(tenant_id, &system.system_id).await?.is_some() {
            return Ok(());
        }
        self.configure_transactable_system(tenant_id, system, at, metadata).await
    }

    /// The tenant's transactable system `system_id`, as its catalog stream stands (the
    /// decisions of account linking read it here, not from the read model).
    pub async fn system(
        &self,
        tenant_id: &str,
        system_id: &str,
    ) -> Result<Option<catalog::TransactableSystem>, StoreError> {
        let (catalog, _) = self.bus.load::<Catalog>(&catalog::stream_id(tenant_id)).await?;
        Ok(catalog.system(system_id).cloned())
    }

    /// Add or change a branch of a tenant (no event when nothing changes).
    pub async fn configure_branch(
        &self,
        tenant_id: &str,
        branch: catalog::Branch,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CatalogCommandError> {
        self.execute(tenant_id, CatalogCommand::ConfigureBranch { branch, at }, metadata).await
    }

    /// Add the branch unless the tenant has one of that id (the demo seed).
    pub async fn ensure_branch(
        &self,
        tenant_id: &str,
        branch: catalog::Branch,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CatalogCommandError> {
        if self.branches(tenant_id).await?.iter().any(|b| b.branch_id == branch.branch_id) {
            return Ok(());
        }
        self.configure_branch(tenant_id, branch, at, metadata).await
    }

    /// The tenant's branches, as its catalog stream stands.
    pub async fn branches(&self, tenant_id: &str) -> Result<Vec<catalog::Branch>, StoreError> {
        let (catalog, _) = self.bus.load::<Catalog>(&catalog::stream_id(tenant_id)).await?;
        Ok(catalog.branches().to_vec())
    }

    /// Set how long the tenant's suite access tokens live.
    pub async fn set_suite_token_lifetime(
        &self,
        tenant_id: &str,
        minutes: u32,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CatalogCommandError> {
        self.execute(tenant_id, CatalogCommand::SetSuiteTokenLifetime { minutes, at }, metadata).await
    }

    /// The tenant of partner `partner_id` (partner ids are unique across tenants: their claim
    /// names the catalog stream that holds them).
    pub async fn partner_tenant(&self, partner_id: &str) -> Result<Option<String>, StoreError> {
        let owner = self.bus.store().claim_owner(catalog::PARTNER_ID, partner_id).await?;
        Ok(owner.and_then(|stream| stream.strip_prefix("catalog-").map(str::to_owned)))
    }

    /// Add or change one of a partner's own token issuers (no event when nothing changes).
    pub async fn configure_partner_issuer(
        &self,
        partner_id: &str,
        issuer: catalog::PartnerIssuer,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CatalogCommandError> {
        let tenant =
            self.partner_tenant(partner_id).await?.ok_or(CommandError::Domain(CatalogError::UnknownPartner))?;
        let command = CatalogCommand::ConfigurePartnerIssuer { partner_id: partner_id.to_owned(), issuer, at };
        self.execute(&tenant, command, metadata).await
    }

    /// Stop accepting the tokens of a partner's issuer.
    pub async fn remove_partner_issuer(
        &self,
        partner_id: &str,
        issuer: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CatalogCommandError> {
        let tenant =
            self.partner_tenant(partner_id).await?.ok_or(CommandError::Domain(CatalogError::UnknownPartner))?;
        let command =
            CatalogCommand::RemovePartnerIssuer { partner_id: partner_id.to_owned(), issuer: issuer.to_owned(), at };
        self.execute(&tenant, command, metadata).await
    }
}
