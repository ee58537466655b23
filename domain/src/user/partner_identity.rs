//! Users a partner identifies with its own tokens: the partner's issuer signs a token whose `sub`
//! is the partner's id for the person. The first token registers the user; a later one that states
//! another email or other names changes them. A claim a token leaves out keeps what an earlier
//! token said.
use super::{User, UserError, UserEvent};
use crate::values::Email;
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;

/// What a partner's token states about its user; each part may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartnerClaims {
    pub email: Option<Email>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

impl User {
    /// The partner and subject a partner's token names this user by, for users registered so.
    pub fn partner_identity(&self) -> Option<(&str, &str)> {
        self.partner_identity.as_ref().map(|(p, s)| (p.as_str(), s.as_str()))
    }

    /// What the partner's tokens said about the user, as it stands.
    pub fn partner_claims(&self) -> PartnerClaims {
        PartnerClaims {
            email: self.email.clone(),
            first_name: self.details.first_name.clone(),
            last_name: self.details.last_name.clone(),
        }
    }

    pub(super) async fn update_partner_claims(
        &mut self,
        claims: PartnerClaims,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        if !self.registered || self.partner_identity.is_none() {
            return Err(UserError::NotRegistered);
        }
        let now = self.partner_claims();
        let after = PartnerClaims {
            email: claims.email.or(now.email.clone()),
            first_name: claims.first_name.or(now.first_name.clone()),
            last_name: claims.last_name.or(now.last_name.clone()),
        };
        if after != now {
            let PartnerClaims { email, first_name, last_name } = after;
            sink.write(UserEvent::PartnerIdentityClaimsChanged { email, first_name, last_name, changed_at: at }, self)
                .await;
        }
        Ok(())
    }
}
