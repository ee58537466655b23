use super::*;
use crate::codec::{Claim, ClaimChange, HasClaims};
use chrono::{DateTime, Utc};
use cqrs_es::test::TestFramework;

type CatalogTest = TestFramework<Catalog>;

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z").map(|t| t.with_timezone(&Utc)).expect("time")
}

fn keys(n: u8) -> PartnerKeys {
    PartnerKeys { access_key_hash: format!("ak{n}"), server_token_hash: format!("st{n}") }
}

fn tenant_created() -> CatalogEvent {
    CatalogEvent::TenantCreated { tenant_id: "demo".into(), name: "Demo".into(), created_at: at() }
}

fn partner_registered() -> CatalogEvent {
    CatalogEvent::PartnerRegistered {
        partner_id: "p1".into(),
        name: "Demo partner".into(),
        keys: keys(1),
        registered_at: at(),
    }
}

fn register_partner() -> CatalogCommand {
    CatalogCommand::RegisterPartner { partner_id: "p1".into(), name: "Demo partner".into(), keys: keys(1), at: at() }
}

#[test]
fn a_tenant_is_created_once() {
    let create = CatalogCommand::CreateTenant { tenant_id: "demo".into(), name: "Demo".into(), at: at() };
    CatalogTest::with(()).given_no_previous_events().when(create.clone()).then_expect_events(vec![tenant_created()]);
    CatalogTest::with(()).given(vec![tenant_created()]).when(create).then_expect_error(CatalogError::TenantExists);
}

#[test]
fn a_tenant_needs_a_name() {
    let create = CatalogCommand::CreateTenant { tenant_id: "demo".into(), name: " ".into(), at: at() };
    CatalogTest::with(()).given_no_previous_events().when(create).then_expect_error(CatalogError::EmptyName);
}

#[test]
fn partners_register_in_an_existing_tenant_only() {
    CatalogTest::with(())
        .given_no_previous_events()
        .when(register_partner())
        .then_expect_error(CatalogError::UnknownTenant);
    CatalogTest::with(())
        .given(vec![tenant_created()])
        .when(register_partner())
        .then_expect_events(vec![partner_registered()]);
    CatalogTest::with(())
        .given(vec![tenant_created(), partner_registered()])
        .when(register_partner())
        .then_expect_error(CatalogError::PartnerExists);
}

#[test]
fn partner_ids_and_access_keys_are_claimed_across_tenants() {
    assert_eq!(
        partner_registered().claim_changes(),
        vec![
            ClaimChange::Take(Claim { scope: PARTNER_ID, value: "p1".into() }),
            ClaimChange::Take(Claim { scope: PARTNER_ACCESS_KEY, value: "ak1".into() }),
        ]
    );
}

#[test]
fn rotating_keys_releases_the_old_access_key() {
    let rotate = CatalogCommand::RotatePartnerKeys { partner_id: "p1".into(), keys: keys(2), at: at() };
    let rotated = CatalogEvent::PartnerKeysRotated {
        partner_id: "p1".into(),
        previous_access_key_hash: "ak1".into(),
        keys: keys(2),
        rotated_at: at(),
    };
    CatalogTest::with(())
        .given(vec![tenant_created(), partner_registered()])
        .when(rotate)
        .then_expect_events(vec![rotated.clone()]);
    assert_eq!(
        rotated.claim_changes(),
        vec![
            ClaimChange::Release(Claim { scope: PARTNER_ACCESS_KEY, value: "ak1".into() }),
            ClaimChange::Take(Claim { scope: PARTNER_ACCESS_KEY, value: "ak2".into() }),
        ]
    );
}

#[test]
fn rotating_to_the_same_keys_changes_nothing() {
    let rotate = CatalogCommand::RotatePartnerKeys { partner_id: "p1".into(), keys: keys(1), at: at() };
    CatalogTest::with(()).given(vec![tenant_created(), partner_registered()]).when(rotate).then_expect_events(vec![]);
}

#[test]
fn rotating_an_unknown_partner_is_refused() {
    let rotate = CatalogCommand::RotatePartnerKeys { partner_id: "nope".into(), keys: keys(2), at: at() };
    CatalogTest::with(()).given(vec![tenant_created()]).when(rotate).then_expect_error(CatalogError::UnknownPartner);
}

#[test]
fn identity_providers_are_configured_once_per_change() {
    let created = CatalogEvent::TenantCreated { tenant_id: "demo".into(), name: "Demo".into(), created_at: at() };
    let provider = IdentityProvider {
        provider: "oidc".into(),
        issuer: "https://id.example.com".into(),
        audience: "users-api".into(),
        jwks_url: "https://id.example.com/jwks".into(),
    };
    let configure = CatalogCommand::ConfigureIdentityProvider { provider: provider.clone(), at: at() };
    let configured = CatalogEvent::IdentityProviderConfigured { provider: provider.clone(), configured_at: at() };
    CatalogTest::with(())
        .given(vec![created.clone()])
        .when(configure.clone())
        .then_expect_events(vec![configured.clone()]);
    CatalogTest::with(()).given(vec![created.clone(), configured]).when(configure.clone()).then_expect_events(vec![]);
    CatalogTest::with(()).given_no_previous_events().when(configure).then_expect_error(CatalogError::UnknownTenant);
    let empty = IdentityProvider { jwks_url: " ".into(), ..provider };
    CatalogTest::with(())
        .given(vec![created])
        .when(CatalogCommand::ConfigureIdentityProvider { provider: empty, at: at() })
        .then_expect_error(CatalogError::EmptyName);
}

#[test]
fn a_tenant_sets_its_suite_token_lifetime() {
    let created = CatalogEvent::TenantCreated { tenant_id: "demo".into(), name: "Demo".into(), created_at: at() };
    let set = |minutes| CatalogCommand::SetSuiteTokenLifetime { minutes, at: at() };
    let done = CatalogEvent::SuiteTokenLifetimeSet { minutes: 90, set_at: at() };
    CatalogTest::with(()).given(vec![created.clone()]).when(set(90)).then_expect_events(vec![done.clone()]);
    CatalogTest::with(()).given(vec![created.clone(), done]).when(set(90)).then_expect_events(vec![]);
    CatalogTest::with(()).given(vec![created.clone()]).when(set(0)).then_expect_error(CatalogError::InvalidLifetime);
    CatalogTest::with(())
        .given(vec![created])
        .when(set(30 * 24 * 60 + 1))
        .then_expect_error(CatalogError::InvalidLifetime);
    CatalogTest::with(()).given_no_previous_events().when(set(90)).then_expect_error(CatalogError::UnknownTenant);
}
