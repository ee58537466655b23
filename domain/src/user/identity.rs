//! Who the user is elsewhere: a partner's own id for them, and the OpenID identities that sign
//! them in. Linking what is linked already changes nothing.
use super::{User, UserError, UserEvent};
use crate::values::ExternalUid;
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;

impl User {
    pub(super) async fn link_identity(
        &mut self,
        issuer: String,
        subject: String,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        let tenant_id = self.tenant_id.clone().ok_or(UserError::NotRegistered)?;
        if !self.identities.contains(&(issuer.clone(), subject.clone())) {
            sink.write(UserEvent::IdentityLinked { tenant_id, issuer, subject, linked_at: at }, self).await;
        }
        Ok(())
    }

    pub(super) async fn link_partner_external_uid(
        &mut self,
        partner_id: String,
        external_uid: ExternalUid,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        if !self.registered {
            return Err(UserError::NotRegistered);
        }
        match self.external_uid_at(&partner_id) {
            Some(existing) if *existing == external_uid => {}
            Some(_) => return Err(UserError::ExternalUidConflict),
            None => {
                let event = UserEvent::PartnerExternalUidLinked {
                    partner_id,
                    external_uid,
                    test_user: self.test_user,
                    linked_at: at,
                };
                sink.write(event, self).await;
            }
        }
        Ok(())
    }
}
