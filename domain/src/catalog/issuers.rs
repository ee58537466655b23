//! A partner's own token issuer: a partner that manages its end users' identities with its own
//! JWTs (Auth0, Firebase, its own backend) names the issuer, where its keys are published and,
//! optionally, the audience its tokens carry. Which claims hold the user's email and names can
//! be named too (a namespaced custom claim, say); by default the OpenID ones.
use serde::{Deserialize, Serialize};

/// The claims a partner's tokens state the user's email and names in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimNames {
    #[serde(default = "ClaimNames::default_email")]
    pub email: String,
    #[serde(default = "ClaimNames::default_given_name")]
    pub given_name: String,
    #[serde(default = "ClaimNames::default_family_name")]
    pub family_name: String,
    /// The full name, read when neither given nor family name is there.
    #[serde(default = "ClaimNames::default_name")]
    pub name: String,
}

impl ClaimNames {
    fn default_email() -> String {
        "email".into()
    }
    fn default_given_name() -> String {
        "given_name".into()
    }
    fn default_family_name() -> String {
        "family_name".into()
    }
    fn default_name() -> String {
        "name".into()
    }
}

impl Default for ClaimNames {
    fn default() -> Self {
        Self {
            email: Self::default_email(),
            given_name: Self::default_given_name(),
            family_name: Self::default_family_name(),
            name: Self::default_name(),
        }
    }
}

/// An issuer whose tokens sign a partner's end users in to the coord API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerIssuer {
    /// The `iss` its tokens carry.
    pub issuer: String,
    /// The `aud` its tokens must carry, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// Where its signing keys are published (a JWKS document).
    pub jwks_url: String,
    #[serde(default)]
    pub claims: ClaimNames,
}

impl PartnerIssuer {
    /// Why the issuer cannot be configured as it stands, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        let bounded = |v: &str| !v.trim().is_empty() && v.len() <= 512 && !v.chars().any(char::is_control);
        if !bounded(&self.issuer) || !bounded(&self.jwks_url) {
            return Err("the issuer and the JWKS URL are 1 to 512 characters, without control characters".into());
        }
        if self.audience.as_deref().is_some_and(|a| !bounded(a)) {
            return Err("an audience is 1 to 512 characters, without control characters".into());
        }
        let c = &self.claims;
        if [&c.email, &c.given_name, &c.family_name, &c.name].iter().any(|n| !bounded(n)) {
            return Err("a claim name is 1 to 512 characters, without control characters".into());
        }
        Ok(())
    }
}
