//! `GET /{tenant}/front/branches/resolve`: the branch for a position (the nearest centre among
//! the areas that hold it) or a hint, in the suite's error format; branches configured by the
//! CLI's `tenant <id> branch`, seen at once, and the catalog read model equal to its rebuild.
#![allow(clippy::unwrap_used)]

use api::cli::{TenantCommand, tenant_command};
use reqwest::StatusCode;
use serde_json::Value;
use tests::{TestApp, both_engines};

async fn resolve(app: &TestApp, tenant: &str, query: &str) -> (StatusCode, Value) {
    let res = app.get(&format!("/{tenant}/front/branches/resolve?{query}")).send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

fn branch(id: &str, latitude: f64, longitude: f64, radius_km: f64, hints: &[&str]) -> TenantCommand {
    TenantCommand::Branch {
        branch_id: id.into(),
        name: format!("Branch {id}"),
        latitude,
        longitude,
        radius_km,
        hints: hints.iter().map(|h| (*h).to_owned()).collect(),
    }
}

both_engines!(a_position_or_a_hint_resolves_to_a_demo_branch, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let cases = [
        ("latitude=47.378&longitude=8.540", "zurich", "position"), // Zürich main station
        ("latitude=47.4988&longitude=8.7237", "zurich-region", "position"), // Winterthur
        ("latitude=52.5163&longitude=13.3777", "berlin", "position"),
        ("hint=zh", "zurich", "hint"),
        ("hint=%20Berlin%20", "berlin", "hint"),
        ("hint=Greater%20Z%C3%BCrich", "zurich-region", "hint"),
        // a position wins over a hint
        ("latitude=52.52&longitude=13.40&hint=zurich", "berlin", "position"),
    ];
    for (query, id, by) in cases {
        let (status, body) = resolve(&app, "demo", query).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert_eq!((body["branchId"].as_str(), body["resolvedBy"].as_str()), (Some(id), Some(by)), "{query}");
    }
    let (_, zurich) = resolve(&app, "demo", "hint=zurich").await;
    assert_eq!(zurich["name"], "Zürich");
    assert_eq!(zurich["center"]["latitude"], 47.3769);
    assert_eq!(zurich["radiusKm"], 12.0);

    let (status, body) = resolve(&app, "demo", "latitude=46.948&longitude=7.4474").await; // Bern
    assert_eq!((status, body["errorCode"].as_str()), (StatusCode::NOT_FOUND, Some("B404")), "{body}");
    assert_eq!(body["httpStatus"], 404);
    assert!(body["traceId"].is_string());
    let (status, body) = resolve(&app, "demo", "hint=paris").await;
    assert_eq!((status, body["errorCode"].as_str()), (StatusCode::NOT_FOUND, Some("B404")));
    let (status, body) = resolve(&app, "nowhere", "hint=zurich").await;
    assert_eq!((status, body["errorCode"].as_str()), (StatusCode::NOT_FOUND, Some("T404")));
});

both_engines!(a_bad_query_gets_a_suite_400_and_no_guess, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let long_hint = format!("hint={}", "z".repeat(101));
    for query in [
        "",
        "latitude=47.37",
        "longitude=8.54",
        "latitude=91&longitude=8.54",
        "latitude=47.37&longitude=180.5",
        "latitude=abc&longitude=8.54",
        "latitude=NaN&longitude=8.54",
        "latitude=inf&longitude=8.54",
        "hint=",
        "hint=%20%20",
        long_hint.as_str(),
    ] {
        let (status, body) = resolve(&app, "demo", query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["errorCode"], "REQ400", "{query}");
        assert_eq!(body["httpStatus"], 400);
    }
});

both_engines!(an_operator_adds_and_changes_a_branch_and_servers_see_it_at_once, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let bern = "latitude=46.948&longitude=7.4474";
    assert_eq!(resolve(&app, "demo", bern).await.0, StatusCode::NOT_FOUND);
    let printed =
        tenant_command(app.state.store.clone(), "demo", branch("bern", 46.95, 7.45, 5.0, &["BE"])).await.unwrap();
    assert_eq!(printed["configured"], true);
    let (status, body) = resolve(&app, "demo", bern).await;
    assert_eq!((status, body["branchId"].as_str()), (StatusCode::OK, Some("bern")));
    assert_eq!(resolve(&app, "demo", "hint=be").await.1["branchId"], "bern");
    // changed whole: a smaller area no longer holds a point 4 km away, and the old hint is gone
    let thun_road = "latitude=46.92&longitude=7.49";
    assert_eq!(resolve(&app, "demo", thun_road).await.1["branchId"], "bern");
    tenant_command(app.state.store.clone(), "demo", branch("bern", 46.95, 7.45, 2.0, &[])).await.unwrap();
    assert_eq!(resolve(&app, "demo", thun_road).await.0, StatusCode::NOT_FOUND);
    assert_eq!(resolve(&app, "demo", "hint=be").await.0, StatusCode::NOT_FOUND);
    // refused: nothing appended
    let events = app.event_count().await;
    for bad in
        [branch("bern", 46.95, 7.45, 0.0, &[]), branch("bern", 95.0, 7.45, 1.0, &[]), branch("b e", 1.0, 1.0, 1.0, &[])]
    {
        assert!(tenant_command(app.state.store.clone(), "demo", bad).await.is_err());
    }
    assert!(tenant_command(app.state.store.clone(), "nowhere", branch("x", 1.0, 1.0, 1.0, &[])).await.is_err());
    assert_eq!(app.event_count().await, events);
    assert!(
        tests::eventually(10, || async {
            app.count("select count(*) from catalog_branches where tenant_id = 'demo'").await == 4
        })
        .await
    );
    let report = app.state.store.rebuild(projections::by_name("catalog").unwrap()).await.unwrap();
    assert!(report.matched_live(), "{report:?}");
});
