//! `analytics_signups_daily`: sign-ups per UTC day, tenant and method.
use super::{Counts, add_counts, day};
use async_trait::async_trait;
use domain::user::UserEvent;
use store::{Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx};

pub struct SignupsByMethodProjector;

const TABLES: &[TableSpec] = &[TableSpec {
    name: "analytics_signups_daily",
    ddl: "create table if not exists {analytics_signups_daily} (
            tenant_id  text not null,
            day        text not null,
            method     text not null,
            users      bigint not null,
            test_users bigint not null,
            primary key (tenant_id, day, method))",
    indexes: "",
}];

/// The event types that open an account, and the method each names.
const SIGN_UPS: &[(&str, &str)] = &[
    ("UserRegistered", "partner"),
    ("UserRegisteredWithPartnerIdentity", "partner_token"),
    ("UserSignedUp", "password"),
    ("UserSignedUpWithIdentity", "identity_provider"),
    ("UserSignedUpWithEmailCode", "email_code"),
    ("UserSignedUpWithPhoneCode", "phone_code"),
];

#[async_trait]
impl Projector for SignupsByMethodProjector {
    fn name(&self) -> &'static str {
        "analytics_signups_daily"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&["user"])
    }

    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let mut counts = Counts::new();
        for event in events {
            let Some((_, method)) = SIGN_UPS.iter().find(|(ty, _)| *ty == event.event_type) else { continue };
            let (tenant_id, test_user, at) = match crate::decode(event)? {
                Some(UserEvent::UserRegistered { tenant_id, test_user, registered_at, .. }) => {
                    (tenant_id, test_user, registered_at)
                }
                Some(UserEvent::UserRegisteredWithPartnerIdentity { tenant_id, registered_at, .. }) => {
                    (tenant_id, false, registered_at)
                }
                Some(
                    UserEvent::UserSignedUp { tenant_id, signed_up_at, .. }
                    | UserEvent::UserSignedUpWithIdentity { tenant_id, signed_up_at, .. }
                    | UserEvent::UserSignedUpWithEmailCode { tenant_id, signed_up_at, .. }
                    | UserEvent::UserSignedUpWithPhoneCode { tenant_id, signed_up_at, .. },
                ) => (tenant_id, false, signed_up_at),
                _ => continue,
            };
            let count = counts.entry(vec![tenant_id, day(&at), (*method).to_owned()]).or_insert_with(|| vec![0, 0]);
            count[0] += 1;
            count[1] += i64::from(test_user);
        }
        let table = t.name("analytics_signups_daily");
        add_counts(tx, &table, &["tenant_id", "day", "method"], &["users", "test_users"], counts).await
    }
}
