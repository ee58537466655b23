//! `GET /v1/users/link_account` (also `/v1/users/user/current/link_account`): the browser flow
//! that links the user's account at a system. The partner sends the person's browser here with
//! its `access_key`, the user's `token`, the `system_id` and a `return_url`; the person approves
//! or denies on a consent page (for a test token, the demo permission page), and the browser goes
//! back to `return_url` with `result=linked` or `error=…`. ADR 0022 has the reasons.
use super::consent::Consent;
use super::error::CoordErrorBody;
use super::extract::{CoordForm, CoordUser, Credential, Partner};
use super::link_state::{LINK_STATE_SECS, LinkState};
use super::{CoordError, DIALECT, return_url};
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{LOCATION, REFERRER_POLICY};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use commands::links::LinkRequest;
use domain::catalog::TransactableSystem;
use domain::links::LinkVia;
use projections::catalog::PartnerRow;
use projections::users::UserRow;
use serde::Deserialize;

/// The query of the consent page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// The partner's API access key (the `access_key` security scheme).
    #[allow(dead_code)] // read by the `Partner` extractor
    #[param(ignore)]
    access_key: Option<String>,
    /// The user's JWT (a browser cannot send the header); `Authorization: Bearer` works too.
    token: Option<String>,
    /// The system to link.
    system_id: Option<String>,
    /// Where the browser goes back: an absolute http or https URL.
    return_url: Option<String>,
}

/// The consent page for linking the token's user to `system_id`.
#[utoipa::path(
    get,
    path = "/v1/users/link_account",
    tag = "coord",
    params(LinkQuery),
    security(("access_key" = [], "coord_user" = [])),
    responses(
        (status = 200, description = "The consent page (HTML; for a test token, the demo permission page)", body = String, content_type = "text/html"),
        (status = 400, description = "missing_parameter, invalid_return_url (not http or https, control characters), unknown_system, system_not_linkable, requirements_missing", body = CoordErrorBody),
        (status = 401, description = "Missing/unknown access key; missing, malformed, expired or invalid token; session_ended", body = CoordErrorBody),
        (status = 403, description = "The token was minted for another partner", body = CoordErrorBody),
    )
)]
pub async fn link_account(
    State(state): State<AppState>,
    Partner(partner): Partner,
    meta: RequestMeta,
    headers: HeaderMap,
    query: Result<Query<LinkQuery>, QueryRejection>,
) -> Result<Response, CoordError> {
    let Query(query) = query.map_err(|e| ApiError::InvalidBody(e.body_text()))?;
    let bearer = headers.get("authorization").and_then(|h| h.to_str().ok()).and_then(|h| h.strip_prefix("Bearer "));
    let token = query.token.as_deref().or(bearer).filter(|t| !t.is_empty()).ok_or(ApiError::MissingToken)?;
    let system_id = query.system_id.filter(|s| !s.is_empty()).ok_or(ApiError::MissingParameter("system_id"))?;
    let return_url = return_url::check(query.return_url.as_deref().unwrap_or_default())?;
    consent_page(&state, (partner, meta), token, &system_id, return_url).await
}

/// The same page, at the path the testing endpoint's description names.
#[utoipa::path(
    get,
    path = "/v1/users/user/current/link_account",
    tag = "coord",
    params(LinkQuery),
    security(("access_key" = [], "coord_user" = [])),
    responses(
        (status = 200, description = "The consent page (HTML)", body = String, content_type = "text/html"),
        (status = 400, description = "As `GET /v1/users/link_account`", body = CoordErrorBody),
        (status = 401, description = "As `GET /v1/users/link_account`", body = CoordErrorBody),
    )
)]
pub async fn link_account_current(
    state: State<AppState>,
    partner: Partner,
    meta: RequestMeta,
    headers: HeaderMap,
    query: Result<Query<LinkQuery>, QueryRejection>,
) -> Result<Response, CoordError> {
    link_account(state, partner, meta, headers, query).await
}

/// The system of `system_id`, if the user can be linked to it now.
async fn linkable(
    state: &AppState,
    user: &CoordUser,
    system_id: &str,
) -> Result<(TransactableSystem, UserRow), ApiError> {
    let tenant = &user.partner.tenant_id;
    let system = state.reads.transactable_system(tenant, system_id).await?.ok_or(ApiError::UnknownSystem)?;
    if !system.requirements.linked_account {
        return Err(ApiError::SystemNotLinkable);
    }
    let row = state.reads.user(user.user_id).await?.ok_or(ApiError::UnknownUser)?;
    let missing = system.requirements.unmet(&crate::linking::facts(state, user.user_id, &row).await?);
    if !missing.is_empty() {
        return Err(ApiError::LinkRequirementsMissing(missing.join(", ")));
    }
    Ok((system, row))
}

async fn consent_page(
    state: &AppState,
    (partner, meta): (PartnerRow, RequestMeta),
    token: &str,
    system_id: &str,
    return_url: url::Url,
) -> Result<Response, CoordError> {
    let (user, credential) = CoordUser::of_token(state, partner, token, meta).await?;
    let (system, row) = linkable(state, &user, system_id).await?;
    let expires_at = state.clock.now().timestamp() + LINK_STATE_SECS;
    // a partner's own token has no session here: the form lives no longer than the token
    let (session_id, expires_at, test) = match credential {
        Credential::Session(auth) => (auth.session_id.to_string(), expires_at, auth.claims.test),
        Credential::Partner { expires_at: token_exp } => (String::new(), expires_at.min(token_exp), false),
    };
    let link = LinkState {
        user_id: user.user_id.to_string(),
        session_id,
        partner_id: user.partner.partner_id.clone(),
        tenant_id: user.partner.tenant_id.clone(),
        system_id: system.system_id.clone(),
        return_url: return_url.to_string(),
        expires_at,
        nonce: uuid::Uuid::new_v4().to_string(),
        test,
    };
    let sealed = link.seal(&state.link_key)?;
    let page = Consent::new(&user.partner.name, &system.name, row.email.as_deref().unwrap_or_default(), &return_url);
    Ok(Consent { action: DECISION_PATH, state: &sealed, test: link.test, ..page }.into_response())
}

const DECISION_PATH: &str = "/v1/users/link_account";

/// The consent page's form.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = coord::LinkDecision)]
pub struct Decision {
    /// The sealed state the page carried.
    state: String,
    /// `approve` or `deny`.
    decision: String,
}

/// The person's answer on the consent page: the browser goes back to the `return_url` with
/// `result=linked` (approved), or `error=access_denied` (denied) or `error=<code>` (the system
/// cannot be linked now), and `system_id`. The sealed state works once, within 10 minutes,
/// while the token's session lives.
#[utoipa::path(
    post,
    path = "/v1/users/link_account",
    tag = "coord",
    request_body(content = Decision, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Back to the return_url, with result=linked or error=…"),
        (status = 400, description = "invalid_link_state (forged, expired or used), invalid_body", body = CoordErrorBody),
        (status = 401, description = "session_ended: the token's session has ended since", body = CoordErrorBody),
        (status = 415, description = "Not a form", body = CoordErrorBody),
    )
)]
pub async fn decide(
    State(state): State<AppState>,
    meta: RequestMeta,
    CoordForm(form): CoordForm<Decision>,
) -> Result<Response, CoordError> {
    let now = state.clock.now();
    let link = LinkState::open(&state.link_key, &form.state, now.timestamp())?;
    // empty for a partner's own token, which has no session here (the form expires with it)
    if !link.session_id.is_empty() {
        crate::auth::session_is_live(&state, &link.session_id, &link.user_id, &link.tenant_id).await?;
    }
    let approved = match form.decision.as_str() {
        "approve" => true,
        "deny" => false,
        _ => return Err(ApiError::InvalidBody("decision must be approve or deny".into()).into()),
    };
    let window = chrono::Duration::seconds(LINK_STATE_SECS);
    if !state.spent.spend(&format!("link:{}", link.nonce), now, window).await? {
        return Err(ApiError::InvalidLinkState.into());
    }
    let url = return_url::check(&link.return_url)?;
    let outcome = if approved { approve(&state, &link, meta).await? } else { ("error", "access_denied") };
    Ok(see_other(&return_url::with_params(url, &[outcome, ("system_id", &link.system_id)])))
}

/// Link as approved; the query pair to return with.
async fn approve(
    state: &AppState,
    link: &LinkState,
    meta: RequestMeta,
) -> Result<(&'static str, &'static str), ApiError> {
    let user_id = uuid::Uuid::parse_str(&link.user_id).map_err(|_| ApiError::InvalidLinkState)?;
    let row = state.reads.user(user_id).await?.ok_or(ApiError::UnknownUser)?;
    let request = LinkRequest { tenant: &link.tenant_id, user_id, system_id: &link.system_id, via: LinkVia::Consent };
    let metadata = meta.by(DIALECT, &link.tenant_id, super::systems::actor(user_id));
    match crate::linking::link(state, request, &row, &metadata).await {
        Ok(_) => Ok(("result", "linked")),
        // the catalog or the user changed since the page was shown
        Err(e @ (ApiError::UnknownSystem | ApiError::SystemNotLinkable | ApiError::LinkRequirementsMissing(_))) => {
            Ok(("error", e.spec().coord))
        }
        Err(e) => Err(e),
    }
}

fn see_other(location: &str) -> Response {
    let headers = [(LOCATION, location), (REFERRER_POLICY, "no-referrer")];
    (StatusCode::SEE_OTHER, headers).into_response()
}
