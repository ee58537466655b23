//! `Aggregate::handle`: which decision a command goes to. Every way in (a sign-up, a partner's
//! registration) opens an account only once; the other decisions have a file per feature.
use super::{User, UserCommand, UserError, UserEvent};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;

impl Aggregate for User {
    const TYPE: &'static str = "user";
    type Command = UserCommand;
    type Event = UserEvent;
    type Error = UserError;
    type Services = ();

    async fn handle(&mut self, command: UserCommand, _: &(), sink: &EventSink<Self>) -> Result<(), UserError> {
        match command {
            UserCommand::IssueTotpSecret { secret, at } => self.issue_totp_secret(secret, at, sink).await,
            UserCommand::EnableTotp { step, recovery_code_hashes, at } => {
                self.enable_totp(step, recovery_code_hashes, at, sink).await
            }
            UserCommand::DisableTotp { at } => self.disable_totp(at, sink).await,
            UserCommand::ProveEmail { by, at } => self.prove_email(by, at, sink).await,
            UserCommand::ConfirmEmail { at } => self.confirm_email(at, sink).await,
            UserCommand::RequestDeletion { at } => self.request_deletion(at, sink).await,
            UserCommand::Erase { holds, requested_by, at } => self.erase(holds, requested_by, at, sink).await,
            UserCommand::RecordSecondFactor { factor, at } => self.record_second_factor(factor, at, sink).await,
            UserCommand::RecordFailedSignIn { policy, at } => self.record_failed_sign_in(policy, at, sink).await,
            UserCommand::LinkIdentity { issuer, subject, at } => self.link_identity(issuer, subject, at, sink).await,
            UserCommand::LinkPartnerExternalUid { partner_id, external_uid, at } => {
                self.link_partner_external_uid(partner_id, external_uid, at, sink).await
            }
            UserCommand::UpdatePartnerClaims { claims, at } => self.update_partner_claims(claims, at, sink).await,
            UserCommand::RegisterWithPartnerIdentity {
                user_id,
                tenant_id,
                partner_id,
                issuer,
                subject,
                claims,
                at,
            } => {
                let event = UserEvent::UserRegisteredWithPartnerIdentity {
                    user_id,
                    tenant_id,
                    partner_id,
                    issuer,
                    subject,
                    email: claims.email,
                    first_name: claims.first_name,
                    last_name: claims.last_name,
                    registered_at: at,
                };
                self.open_account(event, sink).await
            }
            UserCommand::StartVerification { kind, pending } => self.start_verification(kind, pending, sink).await,
            UserCommand::CompleteVerification { kind, verification_id, result, reason, decided_by, at } => {
                self.complete_verification(kind, verification_id, result, reason, decided_by, at, sink).await
            }
            UserCommand::RecordManualVerification { result, reason, at } => {
                self.record_manual_verification(result, reason, at, sink).await
            }
            UserCommand::ChangeVehicle { license_plate, at } => self.change_vehicle(license_plate, at, sink).await,
            UserCommand::ChangeProfile { details, at } => self.change_profile(details, at, sink).await,
            UserCommand::EditProfile { details, email, phone_number, at } => {
                self.edit_profile(details, email, phone_number, at, sink).await
            }
            UserCommand::ChangeEmail { email, at } => self.change_email(email, at, sink).await,
            UserCommand::ChangeUsername { username, at } => self.change_username(username, at, sink).await,
            UserCommand::ChangePhoneNumber { phone_number, at } => self.change_phone(phone_number, at, sink).await,
            UserCommand::ProvePhoneNumber { phone_number, at } => self.prove_phone(phone_number, at, sink).await,
            UserCommand::ChangePassword { password_hash, reason, at } => {
                self.change_password(password_hash, reason, at, sink).await
            }
            UserCommand::SignUpWithIdentity { user_id, tenant_id, email, issuer, subject, profile, at } => {
                let event = UserEvent::UserSignedUpWithIdentity {
                    user_id,
                    tenant_id,
                    email,
                    issuer,
                    subject,
                    profile,
                    signed_up_at: at,
                };
                self.open_account(event, sink).await
            }
            UserCommand::SignUpWithEmailCode { user_id, tenant_id, email, at } => {
                let event = UserEvent::UserSignedUpWithEmailCode { user_id, tenant_id, email, signed_up_at: at };
                self.open_account(event, sink).await
            }
            UserCommand::SignUpWithPhoneCode { user_id, tenant_id, phone_number, at } => {
                let event = UserEvent::UserSignedUpWithPhoneCode { user_id, tenant_id, phone_number, signed_up_at: at };
                self.open_account(event, sink).await
            }
            UserCommand::SignUpWithEmail { user_id, tenant_id, email, password_hash, profile, created_by, at } => {
                let event = UserEvent::UserSignedUp {
                    user_id,
                    tenant_id,
                    email,
                    password_hash,
                    profile,
                    created_by,
                    signed_up_at: at,
                };
                self.open_account(event, sink).await
            }
            UserCommand::RegisterThroughPartner {
                user_id,
                tenant_id,
                partner_id,
                email,
                external_uid,
                test_user,
                at,
            } => {
                let event = UserEvent::UserRegistered {
                    user_id,
                    tenant_id,
                    partner_id,
                    email,
                    external_uid,
                    test_user,
                    registered_at: at,
                };
                self.open_account(event, sink).await
            }
        }
    }

    fn apply(&mut self, event: UserEvent) {
        self.evolve(event);
    }
}

impl User {
    async fn open_account(&mut self, opened: UserEvent, sink: &EventSink<Self>) -> Result<(), UserError> {
        if self.registered || self.erased {
            return Err(UserError::AlreadyRegistered);
        }
        sink.write(opened, self).await;
        Ok(())
    }
}
