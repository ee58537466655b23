//! `users-api partner <PARTNER> issuer|remove-issuer`: the issuers whose own tokens sign a
//! partner's end users in to the coord API.
use anyhow::Context as _;
use clap::Subcommand;
use commands::{EventStore, Metadata};
use std::sync::Arc;

#[derive(Debug, Clone, Subcommand)]
pub enum PartnerCommand {
    /// Accept the partner's own JWTs from this issuer (or change how they are checked). Running
    /// servers use it on the next request.
    Issuer {
        /// The `iss` its tokens carry.
        issuer: String,
        /// Where the issuer publishes its signing keys (a JWKS document, http or https).
        #[arg(long)]
        jwks_url: String,
        /// The `aud` its tokens must carry; without it, `aud` is not checked.
        #[arg(long)]
        audience: Option<String>,
        /// The claim that holds the user's email.
        #[arg(long, default_value = "email")]
        email_claim: String,
        /// The claim that holds the user's first name.
        #[arg(long, default_value = "given_name")]
        given_name_claim: String,
        /// The claim that holds the user's last name.
        #[arg(long, default_value = "family_name")]
        family_name_claim: String,
        /// The claim that holds the full name (read when neither of the two above is there).
        #[arg(long, default_value = "name")]
        name_claim: String,
    },
    /// Stop accepting the issuer's tokens. Its users stay; they sign in again once an issuer of
    /// the partner names them by the same `sub`.
    RemoveIssuer {
        /// The `iss` of the issuer.
        issuer: String,
    },
}

/// Apply a partner command to the store, as `users-api partner` does; the JSON it prints.
pub async fn partner_command(
    store: Arc<dyn EventStore>,
    partner: &str,
    command: PartnerCommand,
) -> anyhow::Result<serde_json::Value> {
    let catalog = commands::catalog::CatalogService::new(commands::CommandBus::new(store));
    let metadata = Metadata { actor: Some("system:cli".into()), ..Metadata::default() };
    let now = chrono::Utc::now();
    match command {
        PartnerCommand::Issuer {
            issuer,
            jwks_url,
            audience,
            email_claim,
            given_name_claim,
            family_name_claim,
            name_claim,
        } => {
            anyhow::ensure!(issuer != crate::tokens::ISSUER, "{issuer:?} is this service's own issuer");
            adapters::jwks::check_jwks_url(&jwks_url)?;
            let claims = domain::catalog::ClaimNames {
                email: email_claim,
                given_name: given_name_claim,
                family_name: family_name_claim,
                name: name_claim,
            };
            let printed = serde_json::json!({ "partner": partner, "issuer": issuer, "configured": true });
            let issuer = domain::catalog::PartnerIssuer { issuer, audience, jwks_url, claims };
            let configured = catalog.configure_partner_issuer(partner, issuer, now, &metadata).await;
            configured.with_context(|| format!("partner {partner}"))?;
            Ok(printed)
        }
        PartnerCommand::RemoveIssuer { issuer } => {
            let removed = catalog.remove_partner_issuer(partner, &issuer, now, &metadata).await;
            removed.with_context(|| format!("partner {partner}"))?;
            Ok(serde_json::json!({ "partner": partner, "issuer": issuer, "removed": true }))
        }
    }
}
