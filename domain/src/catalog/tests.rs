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

fn system(id: &str, linked_account: bool, fields: &[&str]) -> TransactableSystem {
    TransactableSystem {
        system_id: id.into(),
        name: format!("{id} system"),
        requirements: TransactionRequirements {
            jwt_claims: Vec::new(),
            linked_account,
            users_api_fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        },
    }
}

#[test]
fn a_transactable_system_is_configured_and_changed_whole() {
    let configure = |s: TransactableSystem| CatalogCommand::ConfigureTransactableSystem { system: s, at: at() };
    let configured =
        |s: TransactableSystem| CatalogEvent::TransactableSystemConfigured { system: s, configured_at: at() };
    let bike = system("CitiBike", true, &[]);
    CatalogTest::with(())
        .given(vec![tenant_created()])
        .when(configure(bike.clone()))
        .then_expect_events(vec![configured(bike.clone())]);
    // the same system again changes nothing; a changed one is configured whole
    CatalogTest::with(())
        .given(vec![tenant_created(), configured(bike.clone())])
        .when(configure(bike.clone()))
        .then_expect_events(vec![]);
    let plate = system("CitiBike", true, &[LICENSE_PLATE]);
    CatalogTest::with(())
        .given(vec![tenant_created(), configured(bike.clone())])
        .when(configure(plate.clone()))
        .then_expect_events(vec![configured(plate.clone())]);
    let mut catalog = Catalog::default();
    for event in [tenant_created(), configured(bike), configured(plate.clone())] {
        catalog.evolve(event);
    }
    assert_eq!(catalog.system("CitiBike"), Some(&plate));
    assert_eq!(catalog.system("citibike"), None, "ids are exact");
    CatalogTest::with(())
        .given_no_previous_events()
        .when(configure(plate))
        .then_expect_error(CatalogError::UnknownTenant);
}

#[test]
fn a_system_names_only_requirements_this_service_can_check() {
    let refused = |s: TransactableSystem| {
        let command = CatalogCommand::ConfigureTransactableSystem { system: s, at: at() };
        let result = CatalogTest::with(()).given(vec![tenant_created()]).when(command).inspect_result();
        matches!(result, Err(CatalogError::InvalidSystem(_)))
    };
    assert!(refused(system("has space", false, &[])));
    assert!(refused(system("", false, &[])));
    assert!(refused(system("x", false, &["vehicle.colour"])));
    assert!(refused(system("x", false, &[LICENSE_PLATE, LICENSE_PLATE])));
    let mut claims = system("x", false, &[]);
    claims.requirements.jwt_claims = vec!["phone".into()];
    assert!(refused(claims));
    assert!(refused(TransactableSystem { name: "\n".into(), ..system("x", false, &[]) }));
    assert!(!refused(system("Stripe_Lot-2.0", false, &[STRIPE_CUSTOMER_ID])));
}

#[test]
fn requirements_are_met_by_the_facts_and_a_link() {
    let plate_and_link = system("x", true, &[LICENSE_PLATE]);
    let none = UserFacts::default();
    let plate = UserFacts { license_plate: true, ..UserFacts::default() };
    assert_eq!(plate_and_link.requirements.unmet(&none), vec![LICENSE_PLATE.to_owned()]);
    assert!(plate_and_link.requirements.unmet(&plate).is_empty());
    assert!(!plate_and_link.requirements.met_by(&plate, false), "a link is required");
    assert!(plate_and_link.requirements.met_by(&plate, true));
    assert!(!plate_and_link.requirements.met_by(&none, true));
    let mut claims = system("y", false, &[]);
    claims.requirements.jwt_claims = vec!["email".into(), "external_uid".into()];
    let email = UserFacts { email: true, ..UserFacts::default() };
    assert_eq!(claims.requirements.unmet(&email), vec!["external_uid".to_owned()]);
    assert!(system("z", false, &[]).requirements.met_by(&none, false));
}

fn issuer(iss: &str) -> PartnerIssuer {
    PartnerIssuer {
        issuer: iss.into(),
        audience: None,
        jwks_url: "https://id.partner.test/jwks".into(),
        claims: ClaimNames::default(),
    }
}

#[test]
fn a_partner_configures_its_own_issuers() {
    let configure = |p: &str, i: PartnerIssuer| CatalogCommand::ConfigurePartnerIssuer {
        partner_id: p.into(),
        issuer: i,
        at: at(),
    };
    let configured = |i: PartnerIssuer| CatalogEvent::PartnerIssuerConfigured {
        partner_id: "p1".into(),
        issuer: i,
        configured_at: at(),
    };
    let given = vec![tenant_created(), partner_registered()];
    CatalogTest::with(())
        .given(given.clone())
        .when(configure("p1", issuer("https://a")))
        .then_expect_events(vec![configured(issuer("https://a"))]);
    // the same issuer again changes nothing; a changed one is configured whole
    let mut with_a = given.clone();
    with_a.push(configured(issuer("https://a")));
    CatalogTest::with(()).given(with_a.clone()).when(configure("p1", issuer("https://a"))).then_expect_events(vec![]);
    let audience = PartnerIssuer { audience: Some("coord".into()), ..issuer("https://a") };
    CatalogTest::with(())
        .given(with_a.clone())
        .when(configure("p1", audience.clone()))
        .then_expect_events(vec![configured(audience.clone())]);
    CatalogTest::with(())
        .given(given.clone())
        .when(configure("nope", issuer("https://a")))
        .then_expect_error(CatalogError::UnknownPartner);
    let blank = PartnerIssuer { jwks_url: " ".into(), ..issuer("https://a") };
    let refused = CatalogTest::with(()).given(given.clone()).when(configure("p1", blank)).inspect_result();
    assert!(matches!(refused, Err(CatalogError::InvalidIssuer(_))));

    let mut catalog = Catalog::default();
    for event in with_a.iter().cloned().chain([configured(audience.clone())]) {
        catalog.evolve(event);
    }
    assert_eq!(catalog.partner_issuer("p1", "https://a"), Some(&audience), "replaced, not added");
    assert_eq!(catalog.partner_issuer("p2", "https://a"), None, "issuers belong to their partner");

    let remove =
        |iss: &str| CatalogCommand::RemovePartnerIssuer { partner_id: "p1".into(), issuer: iss.into(), at: at() };
    let removed =
        CatalogEvent::PartnerIssuerRemoved { partner_id: "p1".into(), issuer: "https://a".into(), removed_at: at() };
    CatalogTest::with(()).given(with_a.clone()).when(remove("https://a")).then_expect_events(vec![removed.clone()]);
    CatalogTest::with(()).given(given).when(remove("https://a")).then_expect_error(CatalogError::UnknownIssuer);
    catalog.evolve(removed);
    assert_eq!(catalog.partner_issuer("p1", "https://a"), None);
}

#[test]
fn claim_names_default_to_the_openid_ones() {
    let stored: PartnerIssuer =
        serde_json::from_value(serde_json::json!({"issuer": "https://a", "jwks_url": "https://a/jwks"}))
            .expect("decodes");
    assert_eq!(stored.claims, ClaimNames::default());
    assert_eq!(stored.claims.given_name, "given_name");
    assert_eq!(stored.audience, None);
}

fn branch(id: &str, lat: f64, lon: f64, radius_km: f64, hints: &[&str]) -> Branch {
    Branch {
        branch_id: id.into(),
        name: format!("Branch {id}"),
        center: Position { latitude: lat, longitude: lon },
        radius_km,
        hints: hints.iter().map(|h| (*h).to_owned()).collect(),
    }
}

#[test]
fn a_branch_is_configured_checked_and_changed_whole() {
    let zurich = branch("zurich", 47.3769, 8.5417, 15.0, &["Zürich", "ZH"]);
    let configure = |b: Branch| CatalogCommand::ConfigureBranch { branch: b, at: at() };
    let configured = |b: Branch| CatalogEvent::BranchConfigured { branch: b, configured_at: at() };
    CatalogTest::with(())
        .given(vec![tenant_created()])
        .when(configure(zurich.clone()))
        .then_expect_events(vec![configured(zurich.clone())]);
    CatalogTest::with(())
        .given(vec![tenant_created(), configured(zurich.clone())])
        .when(configure(zurich.clone()))
        .then_expect_events(vec![]);
    let wider = Branch { radius_km: 30.0, ..zurich.clone() };
    CatalogTest::with(())
        .given(vec![tenant_created(), configured(zurich.clone())])
        .when(configure(wider.clone()))
        .then_expect_events(vec![configured(wider)]);
    CatalogTest::with(())
        .given_no_previous_events()
        .when(configure(zurich))
        .then_expect_error(CatalogError::UnknownTenant);
    for bad in [
        branch("", 47.0, 8.0, 1.0, &[]),
        branch("a b", 47.0, 8.0, 1.0, &[]),
        branch("x", 91.0, 8.0, 1.0, &[]),
        branch("x", 47.0, -180.5, 1.0, &[]),
        branch("x", f64::NAN, 8.0, 1.0, &[]),
        branch("x", 47.0, 8.0, 0.0, &[]),
        branch("x", 47.0, 8.0, MAX_RADIUS_KM + 1.0, &[]),
        branch("x", 47.0, 8.0, f64::INFINITY, &[]),
        branch("x", 47.0, 8.0, 1.0, &[" "]),
    ] {
        let refused = CatalogTest::with(()).given(vec![tenant_created()]).when(configure(bad.clone()));
        let Err(CatalogError::InvalidBranch(_)) = refused.inspect_result() else { panic!("accepted {bad:?}") };
    }
}

#[test]
fn a_position_resolves_to_the_nearest_branch_that_serves_it() {
    let region = branch("zurich-region", 47.40, 8.60, 60.0, &[]);
    let city = branch("zurich", 47.3769, 8.5417, 10.0, &["Zürich"]);
    let berlin = branch("berlin", 52.52, 13.405, 30.0, &["BER"]);
    let branches = vec![region.clone(), city.clone(), berlin.clone()];
    let bern = Position::new(46.948, 7.4474).expect("bern");
    let zurich_hb = Position::new(47.378, 8.540).expect("zurich");
    let winterthur = Position::new(47.4988, 8.7237).expect("winterthur");
    // Zürich to Bern is about 95 km
    assert!((zurich_hb.distance_km(&bern) - 95.5).abs() < 2.0, "{}", zurich_hb.distance_km(&bern));
    assert_eq!(resolve_position(&branches, &zurich_hb), Some(&city), "the city inside the region");
    assert_eq!(resolve_position(&branches, &winterthur), Some(&region));
    assert_eq!(resolve_position(&branches, &bern), None, "outside every area");
    assert_eq!(resolve_hint(&branches, "  zürich "), Some(&city));
    assert_eq!(resolve_hint(&branches, "ber"), Some(&berlin));
    assert_eq!(resolve_hint(&branches, "Branch berlin"), Some(&berlin), "by name");
    assert_eq!(resolve_hint(&branches, "paris"), None);
    assert_eq!(Position::new(90.1, 0.0), None);
    assert_eq!(Position::new(0.0, f64::NAN), None);
}

#[test]
fn a_revoked_partner_releases_its_key_and_its_id_is_never_registered_again() {
    let revoke = CatalogCommand::RevokePartner { partner_id: "p1".into(), at: at() };
    let revoked = CatalogEvent::PartnerRevoked {
        partner_id: "p1".into(),
        previous_access_key_hash: "ak1".into(),
        revoked_at: at(),
    };
    CatalogTest::with(())
        .given(vec![tenant_created(), partner_registered()])
        .when(revoke.clone())
        .then_expect_events(vec![revoked.clone()]);
    assert_eq!(
        revoked.claim_changes(),
        vec![ClaimChange::Release(Claim { scope: PARTNER_ACCESS_KEY, value: "ak1".into() })]
    );
    let history = vec![tenant_created(), partner_registered(), revoked];
    CatalogTest::with(()).given(history.clone()).when(revoke).then_expect_error(CatalogError::PartnerRevoked);
    CatalogTest::with(())
        .given(history.clone())
        .when(register_partner())
        .then_expect_error(CatalogError::PartnerRevoked);
    let rotate = CatalogCommand::RotatePartnerKeys { partner_id: "p1".into(), keys: keys(2), at: at() };
    CatalogTest::with(()).given(history).when(rotate).then_expect_error(CatalogError::UnknownPartner);
    let unknown = CatalogCommand::RevokePartner { partner_id: "p9".into(), at: at() };
    CatalogTest::with(()).given(vec![tenant_created()]).when(unknown).then_expect_error(CatalogError::UnknownPartner);
}
