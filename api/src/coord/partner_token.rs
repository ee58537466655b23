//! A partner's own tokens: a bearer token whose `iss` is one of the calling partner's configured
//! issuers is verified against that issuer's keys (`commands::partner_token`), and names the
//! user by the partner's `sub`: registered on first sight, its email and names updated when a
//! later token states others. Any other `iss` is left to this service's own tokens.
use super::DIALECT;
use super::extract::{CoordUser, Credential};
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use commands::user::PartnerRef;
use projections::catalog::{PartnerIssuerRow, PartnerRow};
use serde::Deserialize;

/// The one claim read before verifying: which keys to verify with.
#[derive(Deserialize)]
struct Unverified {
    #[serde(default)]
    iss: Option<serde_json::Value>,
}

/// The partner's issuer `token` says it comes from; `None` for this service's own tokens (and
/// for what does not decode: the own tokens' checks answer it). An `iss` that is neither this
/// service nor one of the partner's issuers is refused.
pub(super) async fn issuer_of(
    state: &AppState,
    partner: &PartnerRow,
    token: &str,
) -> Result<Option<PartnerIssuerRow>, ApiError> {
    let Ok(claims) = jsonwebtoken::dangerous::insecure_decode_claims::<Unverified>(token) else { return Ok(None) };
    match claims.iss.as_ref().and_then(serde_json::Value::as_str) {
        None | Some(crate::tokens::ISSUER) => Ok(None),
        Some(iss) => {
            Ok(Some(state.reads.partner_issuer(&partner.partner_id, iss).await?.ok_or(ApiError::InvalidToken)?))
        }
    }
}

/// The user a partner token verified against `issuer` names; registered or updated as needed.
pub(super) async fn user_of(
    state: &AppState,
    partner: PartnerRow,
    issuer: &PartnerIssuerRow,
    token: &str,
    meta: RequestMeta,
) -> Result<(CoordUser, Credential), ApiError> {
    let identity = state.oidc.verify_partner(issuer, token).await?;
    let at = state.clock.now();
    let metadata = meta.by(DIALECT, &partner.tenant_id, format!("partner:{}", partner.partner_id));
    let owner = PartnerRef { tenant_id: partner.tenant_id.clone(), partner_id: partner.partner_id.clone() };
    let user_id = state.users.resolve_partner_identity(&owner, &identity, at, &metadata).await?;
    Ok((CoordUser { user_id, partner }, Credential::Partner { expires_at: identity.expires_at }))
}
