//! Catalog commands: tenants and partners, and the demo tenant seeded on first start.
use crate::bus::{CommandBus, CommandError};
use crate::secret_hash;
use chrono::{DateTime, Utc};
use domain::catalog::{self, Catalog, CatalogCommand, CatalogError, PartnerKeys};
use store::Metadata;

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
}

impl CatalogService {
    pub fn new(bus: CommandBus) -> Self {
        Self { bus }
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
        let stream = catalog::stream_id(&seed.tenant_id);
        let create =
            CatalogCommand::CreateTenant { tenant_id: seed.tenant_id.clone(), name: seed.tenant_name.clone(), at };
        match self.bus.execute::<Catalog>(&stream, create, &(), metadata).await {
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
        match self.bus.execute::<Catalog>(&stream, register, &(), metadata).await {
            Ok(_) => Ok(()),
            Err(CommandError::Domain(CatalogError::PartnerExists)) => {
                let rotate = CatalogCommand::RotatePartnerKeys { partner_id: seed.partner_id.clone(), keys, at };
                self.bus.execute::<Catalog>(&stream, rotate, &(), metadata).await.map(|_| ())
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
        let command = CatalogCommand::ConfigureIdentityProvider { provider, at };
        self.bus.execute::<Catalog>(&catalog::stream_id(tenant_id), command, &(), metadata).await.map(|_| ())
    }

    /// Set how long the tenant's suite access tokens live.
    pub async fn set_suite_token_lifetime(
        &self,
        tenant_id: &str,
        minutes: u32,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CatalogCommandError> {
        let command = CatalogCommand::SetSuiteTokenLifetime { minutes, at };
        self.bus.execute::<Catalog>(&catalog::stream_id(tenant_id), command, &(), metadata).await.map(|_| ())
    }
}
