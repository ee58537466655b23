//! A partner's own tokens: a partner that manages its end users' identities with its own JWTs
//! (Auth0, Firebase, its own backend) has its issuer configured in the catalog, and its tokens
//! sign those users in to the coord API. The checks are `id_token`'s (keys through the
//! provider-keys port, `iss`, `aud` when configured, `exp`, `nbf`), with a narrower algorithm
//! allow-list; then the user's email and names are read from the claims the issuer names.
use crate::id_token::{Expected, IdTokenError, IdTokenVerifier};
use domain::catalog::PartnerIssuer;
use domain::user::PartnerClaims;
use domain::values::Email;
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

/// What partners' identity providers sign with; no `none`, no HMAC (a shared secret, or a public
/// key passed off as one), nothing this service has no test for.
pub const PARTNER_ALGORITHMS: &[Algorithm] = &[Algorithm::RS256, Algorithm::ES256];
/// The longest subject kept (OpenID Connect: at most 255 ASCII characters).
const MAX_SUBJECT: usize = 255;
/// The longest first or last name kept.
const MAX_NAME: usize = 100;

/// A verified partner token: who the partner says the user is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerIdentity {
    pub issuer: String,
    /// The partner's id for the person (`sub`).
    pub subject: String,
    pub claims: PartnerClaims,
    /// The token's `exp`, Unix seconds.
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartnerTokenError {
    #[error(transparent)]
    Token(#[from] IdTokenError),
    /// Signed and valid, but a claim cannot be taken as it is.
    #[error("{0}")]
    Claim(String),
}

impl IdTokenVerifier {
    /// The identity in `token`, signed by `issuer`'s keys.
    pub async fn verify_partner_token(
        &self,
        issuer: &PartnerIssuer,
        token: &str,
    ) -> Result<PartnerIdentity, PartnerTokenError> {
        let expected = Expected {
            algorithms: PARTNER_ALGORITHMS,
            jwks_url: &issuer.jwks_url,
            issuer: &issuer.issuer,
            audience: issuer.audience.as_deref(),
        };
        let claims: Map<String, Value> = self.verify_signed(token, &expected).await?;
        identity_of(issuer, &claims)
    }
}

/// The subject, email and names of verified claims, by the claim names the issuer uses.
fn identity_of(issuer: &PartnerIssuer, claims: &Map<String, Value>) -> Result<PartnerIdentity, PartnerTokenError> {
    let subject = text(claims, "sub")?
        .filter(|s| s.len() <= MAX_SUBJECT && !s.chars().any(char::is_control))
        .ok_or_else(|| PartnerTokenError::Claim(format!("sub must be 1 to {MAX_SUBJECT} characters")))?;
    let names = &issuer.claims;
    let email = text(claims, &names.email)?
        .map(|e| Email::parse(&e).map_err(|_| PartnerTokenError::Claim(format!("{} is not an email", names.email))))
        .transpose()?;
    let given = name(claims, &names.given_name)?;
    let family = name(claims, &names.family_name)?;
    let (first_name, last_name) = match (given, family, name(claims, &names.name)?) {
        (None, None, Some(full)) => split_full_name(&full),
        (given, family, _) => (given, family),
    };
    // `exp` was required and checked: it is a number
    let expires_at = claims.get("exp").and_then(Value::as_f64).map_or(0, |exp| exp as i64);
    Ok(PartnerIdentity {
        issuer: issuer.issuer.clone(),
        subject,
        claims: PartnerClaims { email, first_name, last_name },
        expires_at,
    })
}

/// A string claim, trimmed; `None` when absent, null or blank.
fn text(claims: &Map<String, Value>, name: &str) -> Result<Option<String>, PartnerTokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        Some(_) => Err(PartnerTokenError::Claim(format!("{name} must be a string"))),
    }
}

fn name(claims: &Map<String, Value>, claim: &str) -> Result<Option<String>, PartnerTokenError> {
    let value = text(claims, claim)?;
    if value.as_ref().is_some_and(|n| n.chars().count() > MAX_NAME || n.chars().any(char::is_control)) {
        return Err(PartnerTokenError::Claim(format!("{claim} must be at most {MAX_NAME} characters")));
    }
    Ok(value)
}

/// A full name as first and last name: the last word is the last name (`Ann Marie Lee`:
/// `Ann Marie`, `Lee`); a single word is a first name.
fn split_full_name(full: &str) -> (Option<String>, Option<String>) {
    match full.rsplit_once(char::is_whitespace) {
        Some((first, last)) => (Some(first.trim_end().to_owned()), Some(last.to_owned())),
        None => (Some(full.to_owned()), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::catalog::ClaimNames;
    use serde_json::json;

    fn issuer(claims: ClaimNames) -> PartnerIssuer {
        PartnerIssuer { issuer: "https://i".into(), audience: None, jwks_url: "https://i/jwks".into(), claims }
    }

    fn identity(claims: Value) -> Result<PartnerIdentity, PartnerTokenError> {
        let Value::Object(map) = claims else { panic!("an object") };
        identity_of(&issuer(ClaimNames::default()), &map)
    }

    #[test]
    fn email_and_names_come_from_the_openid_claims() {
        let id = identity(json!({"sub": "u1", "email": " Ann@X.test ", "given_name": "Ann", "family_name": "Lee"}))
            .expect("valid");
        assert_eq!(id.subject, "u1");
        assert_eq!(id.claims.email.as_ref().map(Email::as_str), Some("ann@x.test"));
        assert_eq!((id.claims.first_name.as_deref(), id.claims.last_name.as_deref()), (Some("Ann"), Some("Lee")));
    }

    #[test]
    fn a_full_name_is_split_at_its_last_word_only_without_given_and_family_names() {
        let id = identity(json!({"sub": "u1", "name": "Ann Marie  Lee"})).expect("valid");
        assert_eq!((id.claims.first_name.as_deref(), id.claims.last_name.as_deref()), (Some("Ann Marie"), Some("Lee")));
        let id = identity(json!({"sub": "u1", "name": "Cher"})).expect("valid");
        assert_eq!((id.claims.first_name.as_deref(), id.claims.last_name), (Some("Cher"), None));
        let id = identity(json!({"sub": "u1", "name": "Ann Lee", "family_name": "Smith"})).expect("valid");
        assert_eq!((id.claims.first_name, id.claims.last_name.as_deref()), (None, Some("Smith")));
    }

    #[test]
    fn claims_are_read_under_the_names_the_issuer_uses() {
        let names = ClaimNames { email: "https://partner.test/email".into(), ..ClaimNames::default() };
        let Value::Object(map) =
            json!({"sub": "u1", "email": "other@x.test", "https://partner.test/email": "a@x.test"})
        else {
            panic!("an object")
        };
        let id = identity_of(&issuer(names), &map).expect("valid");
        assert_eq!(id.claims.email.as_ref().map(Email::as_str), Some("a@x.test"));
    }

    #[test]
    fn bad_claims_are_refused_and_absent_ones_are_none() {
        assert!(identity(json!({"sub": "u1", "email": "not an email"})).is_err());
        assert!(identity(json!({"sub": "u1", "email": 7})).is_err());
        assert!(identity(json!({"sub": "u1", "given_name": "x".repeat(101)})).is_err());
        assert!(identity(json!({"sub": ""})).is_err());
        assert!(identity(json!({"sub": "x".repeat(256)})).is_err());
        assert!(identity(json!({"sub": 42})).is_err());
        let bare = identity(json!({"sub": "u1", "email": null, "given_name": "  "})).expect("valid");
        assert_eq!(bare.claims, PartnerClaims::default());
    }
}
