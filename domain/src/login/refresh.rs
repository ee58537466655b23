//! Refresh-token rotation: the head is exchanged for its successor; a retry of the last rotation
//! within the grace gets the same successor; a spent token presented again revokes the family.
//! A session that does not rotate (legacy: its client refreshes with the first token it was
//! given, always) keeps its head until it ends; presenting it appends nothing.
use super::{LoginError, LoginEvent, LoginSession, RevocationReason};
use chrono::{DateTime, Duration, Utc};

impl LoginSession {
    pub(super) fn refresh(
        &self,
        (tenant_id, dialect): (&str, &str),
        presented: String,
        child: String,
        (grace, rotate): (Duration, bool),
        at: DateTime<Utc>,
    ) -> Result<Option<LoginEvent>, LoginError> {
        if !self.started {
            return Err(LoginError::NotStarted);
        }
        if self.tenant_id.as_deref() != Some(tenant_id) {
            return Err(LoginError::OtherTenant);
        }
        // sessions started before the dialect was remembered (`None`) keep refreshing anywhere
        if self.dialect.as_deref().is_some_and(|d| d != dialect) {
            return Err(LoginError::OtherDialect);
        }
        if self.revoked.is_some() {
            return Err(LoginError::Revoked);
        }
        if self.expires_at.is_some_and(|e| at >= e) {
            return Err(LoginError::Expired);
        }
        let head = self.head.as_ref().ok_or(LoginError::NoRefreshToken)?;
        if presented == *head && !rotate {
            return Ok(None);
        }
        if presented == *head {
            return Ok(Some(LoginEvent::RefreshTokenRotated {
                from_hash: presented,
                to_hash: child,
                generation: self.generation + 1,
                rotated_at: at,
            }));
        }
        if let Some((parent, rotated_at)) = &self.parent
            && *parent == presented
            && child == *head
            && at - *rotated_at <= grace
        {
            // a retry of the last rotation (lost response, two tabs): the same successor again
            return Ok(None);
        }
        if self.spent.contains(&presented) {
            return Ok(Some(LoginEvent::LoginSessionRevoked {
                reason: RevocationReason::RefreshTokenReused,
                revoked_at: at,
            }));
        }
        Err(LoginError::UnknownRefreshToken)
    }
}
