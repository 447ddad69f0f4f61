//! The console's router, request by request (`tower::ServiceExt::oneshot`) on a SQLite store in
//! memory: who gets in, what the pages show and hide, and the replay form.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use flows::workflow::JobKind;
use flows::{BreakerConfig, Breakers, Finish, FlowWrites, JobState, NewJob, SqliteStore, Store};
use mapping::System;
use ops_console::{ConsoleError, ConsoleState};
use secrecy::SecretString;
use serde_json::json;
use tower::ServiceExt;

const TOKEN: &str = "console-token-for-tests-0123";
const CARD: &str = "4111111111111111";
const KIND: JobKind = JobKind::new("test.sale");

/// Every page behind the token.
const PAGES: [&str; 10] = [
    "/console",
    "/console/events",
    "/console/jobs",
    "/console/jobs?state=dead",
    "/console/dead-letters",
    "/console/dead-letters/1",
    "/console/breakers",
    "/console/checkpoints",
    "/console/reconciliations",
    "/console/fraud",
];

/// How a request proves (or fails to prove) it holds the token.
#[derive(Clone, Copy)]
enum Auth<'a> {
    None,
    Bearer(&'a str),
    Cookie(&'a str),
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

fn state(store: &Arc<SqliteStore>) -> ConsoleState {
    let store: Arc<dyn Store> = store.clone();
    ConsoleState::new(store, SecretString::from(TOKEN)).unwrap()
}

async fn send(
    state: &ConsoleState,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    form: &str,
) -> Answer {
    let mut request = Request::builder().method(method).uri(path);
    match auth {
        Auth::None => {}
        Auth::Bearer(token) => {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        Auth::Cookie(cookie) => request = request.header(header::COOKIE, cookie),
    }
    if !form.is_empty() {
        request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let response = ops_console::router(state.clone())
        .oneshot(request.body(Body::from(form.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

async fn get(state: &ConsoleState, path: &str, auth: Auth<'_>) -> Answer {
    send(state, Method::GET, path, auth, "").await
}

/// A dead letter (id 1) whose payload holds a card number, its code and markup, and whose reason
/// holds the card number too.
async fn dead_letter(store: &SqliteStore) -> i64 {
    let job = NewJob {
        kind: KIND,
        key: "shop/order/1001".into(),
        payload: json!({
            "order": 1001,
            "credit_card": {"number": CARD, "expiration_month": 12},
            "csc": "999",
            "note": "<script>alert('x')</script>",
        }),
        run_at: 0,
        rerun: false,
        event: None,
    };
    store.enqueue(job, 0).await.unwrap();
    let claimed = store.claim("w1", 0, 60_000).await.unwrap().unwrap().job;
    let dead = Finish::Dead {
        reason: format!("gateway refused card {CARD} <b>bold</b>"),
        permanent: true,
        failed: true,
    };
    store
        .finish(claimed.lease, dead, FlowWrites::default(), 5)
        .await
        .unwrap();
    store.dead_letters(1).await.unwrap()[0].id
}

/// The session cookie the login form sets, as a `Cookie` header.
async fn login(state: &ConsoleState) -> String {
    let answer = send(
        state,
        Method::POST,
        "/console/login",
        Auth::None,
        &format!("token={TOKEN}"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let set = answer.headers[header::SET_COOKIE].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

/// The form's CSRF token, read from the dead letter's page.
fn csrf(page: &str) -> String {
    let at = page.find(r#"name="csrf" value=""#).unwrap() + r#"name="csrf" value=""#.len();
    page[at..at + 64].to_owned()
}

async fn job_state(store: &SqliteStore) -> JobState {
    store
        .job(&KIND, "shop/order/1001")
        .await
        .unwrap()
        .unwrap()
        .state
}

#[tokio::test]
async fn without_the_token_every_page_is_401_with_the_login_form_and_nothing_else() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    dead_letter(&store).await;
    let state = state(&store);
    let wrong_cookie = format!(
        "payops_console={}",
        "d3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmc" // "wrong-wrong-wrong-wrong" in base64url
    );
    for path in PAGES {
        for auth in [
            Auth::None,
            Auth::Bearer("console-token-for-tests-0124"),
            Auth::Bearer(""),
            Auth::Cookie(&wrong_cookie),
            Auth::Cookie("payops_console=not base64!"),
        ] {
            let answer = get(&state, path, auth).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
            assert!(
                answer.body.contains(r#"name="token""#),
                "{path}: {}",
                answer.body
            );
            for hidden in [
                "shop/order/1001",
                "gateway refused",
                "Dead letters",
                "queued",
            ] {
                assert!(!answer.body.contains(hidden), "{path} shows {hidden:?}");
            }
        }
    }
    // A right cookie does not help a request whose Authorization header is wrong.
    let cookie = login(&state).await;
    let mixed = send(&state, Method::GET, "/console", Auth::Cookie(&cookie), "").await;
    assert_eq!(mixed.status, StatusCode::OK);
    let request = Request::get("/console")
        .header(header::COOKIE, &cookie)
        .header(header::AUTHORIZATION, "Basic Zm9vOmJhcg==")
        .body(Body::empty())
        .unwrap();
    let response = ops_console::router(state.clone())
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // The scheme's name in any case.
    let request = Request::get("/console")
        .header(header::AUTHORIZATION, format!("bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let response = ops_console::router(state.clone())
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // Nor does a replay get through without it.
    let replay = send(
        &state,
        Method::POST,
        "/console/dead-letters/1/replay",
        Auth::None,
        "csrf=x",
    )
    .await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(job_state(&store).await, JobState::Dead);
}

#[tokio::test]
async fn the_bearer_token_opens_every_page_with_headers_that_keep_it_private() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    dead_letter(&store).await;
    let state = state(&store);
    for path in PAGES {
        let answer = get(&state, path, Auth::Bearer(TOKEN)).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
        assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store");
        let csp = answer.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!answer.body.contains(TOKEN), "{path} shows the token");
        assert!(!answer.body.contains(CARD), "{path} shows the card number");
    }
    // The login form, too, is served with them.
    let form = get(&state, "/console/login", Auth::None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.headers[header::X_FRAME_OPTIONS], "DENY");
    // Paths that are not the console's are left to the service.
    let other = get(&state, "/console/nope", Auth::Bearer(TOKEN)).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_login_form_sets_an_http_only_same_site_strict_cookie_that_opens_the_pages() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let state = state(&store);
    let answer = send(
        &state,
        Method::POST,
        "/console/login",
        Auth::None,
        &format!("token={TOKEN}"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.headers[header::LOCATION], "/console");
    let set = answer.headers[header::SET_COOKIE].to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console", "Max-Age="] {
        assert!(set.contains(attribute), "{set}");
    }
    assert!(
        !set.contains("Secure"),
        "plain http without a public base: {set}"
    );
    assert!(!set.contains(TOKEN), "the cookie holds it encoded: {set}");
    let cookie = set.split(';').next().unwrap();
    let page = get(&state, "/console", Auth::Cookie(cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Jobs"), "{}", page.body);
    // Among other cookies too.
    let among = format!("theme=dark; {cookie}; lang=en");
    assert_eq!(
        get(&state, "/console/jobs", Auth::Cookie(&among))
            .await
            .status,
        StatusCode::OK
    );

    // A wrong token gets the form again, and no cookie.
    for form in [
        "token=console-token-for-tests-0124",
        "token=",
        "nothing=1",
        "",
    ] {
        let refused = send(&state, Method::POST, "/console/login", Auth::None, form).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{form}");
        assert!(refused.headers.get(header::SET_COOKIE).is_none(), "{form}");
        assert!(refused.body.contains("not the console"), "{}", refused.body);
    }

    // Behind https the cookie is Secure; logging out drops it.
    let secure = state
        .clone()
        .public_base("https://ops.example.com")
        .unwrap();
    let answer = send(
        &secure,
        Method::POST,
        "/console/login",
        Auth::None,
        &format!("token={TOKEN}"),
    )
    .await;
    assert!(
        answer.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .ends_with("; Secure")
    );
    let out = send(
        &state,
        Method::POST,
        "/console/logout",
        Auth::Cookie(cookie),
        "",
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(
        out.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
}

#[tokio::test]
async fn payloads_are_escaped_and_card_data_masked_on_every_page_showing_them() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let id = dead_letter(&store).await;
    let state = state(&store)
        .public_base("https://ops.example.com/")
        .unwrap();
    let page = get(
        &state,
        &format!("/console/dead-letters/{id}"),
        Auth::Bearer(TOKEN),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(
        body.contains("&lt;script&gt;alert('x')&lt;/script&gt;"),
        "{body}"
    );
    assert!(!body.contains("<script"), "{body}");
    assert!(!body.contains("<b>bold</b>"), "{body}");
    assert!(!body.contains(CARD), "{body}");
    assert!(!body.contains("&quot;999&quot;"), "the card code: {body}");
    assert!(
        body.contains("&quot;number&quot;: &quot;[masked]&quot;"),
        "{body}"
    );
    assert!(
        body.contains("&quot;csc&quot;: &quot;[masked]&quot;"),
        "{body}"
    );
    assert!(
        body.contains("gateway refused card [card ending 1111]"),
        "{body}"
    );
    // Pretty JSON: one field a line.
    assert!(body.contains("\n  &quot;order&quot;: 1001"), "{body}");
    // The link a notification carries.
    assert!(
        body.contains(&format!(
            "https://ops.example.com/console/dead-letters/{id}"
        )),
        "{body}"
    );

    let list = get(&state, "/console/dead-letters", Auth::Bearer(TOKEN)).await;
    assert!(
        list.body
            .contains("gateway refused card [card ending 1111] &lt;b&gt;bold&lt;/b&gt;"),
        "{}",
        list.body
    );
    assert!(
        list.body.contains("permanent failure, 1 attempt"),
        "{}",
        list.body
    );
    let jobs = get(&state, "/console/jobs?state=dead", Auth::Bearer(TOKEN)).await;
    assert!(jobs.body.contains("shop/order/1001"), "{}", jobs.body);
    assert!(!jobs.body.contains(CARD), "{}", jobs.body);
    assert!(jobs.body.contains("[card ending 1111]"), "{}", jobs.body);
}

#[tokio::test]
async fn a_replay_from_the_form_needs_its_csrf_token_and_queues_the_job() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let id = dead_letter(&store).await;
    let state = state(&store);
    let cookie = login(&state).await;
    let page = get(
        &state,
        &format!("/console/dead-letters/{id}"),
        Auth::Cookie(&cookie),
    )
    .await;
    let token = csrf(&page.body);
    let path = format!("/console/dead-letters/{id}/replay");

    let wrong = "0".repeat(64);
    for form in [
        String::new(),
        "csrf=".into(),
        format!("csrf={wrong}"),
        format!("other={token}"),
    ] {
        let refused = send(&state, Method::POST, &path, Auth::Cookie(&cookie), &form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{form}");
        assert!(refused.body.contains("security token"), "{}", refused.body);
        assert_eq!(job_state(&store).await, JobState::Dead, "{form}");
    }

    let replayed = send(
        &state,
        Method::POST,
        &path,
        Auth::Cookie(&cookie),
        &format!("csrf={token}"),
    )
    .await;
    assert_eq!(replayed.status, StatusCode::SEE_OTHER, "{}", replayed.body);
    let location = replayed.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        location.starts_with(&format!("/console/dead-letters?replayed={id}&job=")),
        "{location}"
    );
    assert_eq!(job_state(&store).await, JobState::Queued);
    assert!(store.dead_letters(10).await.unwrap().is_empty());
    let list = get(&state, &location, Auth::Cookie(&cookie)).await;
    assert!(
        list.body
            .contains(&format!("Dead letter {id} replayed: job")),
        "{}",
        list.body
    );
    assert!(
        list.body.contains("No dead letter waits for replay."),
        "{}",
        list.body
    );

    // Once only: the letter is gone.
    let again = send(
        &state,
        Method::POST,
        &path,
        Auth::Cookie(&cookie),
        &format!("csrf={token}"),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(
        again
            .body
            .contains(&format!("no dead letter {id} waiting for replay")),
        "{}",
        again.body
    );
    let shown = get(
        &state,
        &format!("/console/dead-letters/{id}"),
        Auth::Cookie(&cookie),
    )
    .await;
    assert_eq!(shown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_script_with_the_bearer_token_replays_without_a_form_token() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let id = dead_letter(&store).await;
    let state = state(&store);
    let path = format!("/console/dead-letters/{id}/replay");
    let wrong = send(
        &state,
        Method::POST,
        &path,
        Auth::Bearer("console-token-for-tests-0124"),
        "",
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(job_state(&store).await, JobState::Dead);
    let replayed = send(&state, Method::POST, &path, Auth::Bearer(TOKEN), "").await;
    assert_eq!(replayed.status, StatusCode::SEE_OTHER);
    assert_eq!(job_state(&store).await, JobState::Queued);
    let bad_id = get(&state, "/console/dead-letters/abc", Auth::Bearer(TOKEN)).await;
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn jobs_are_listed_by_state_and_a_state_the_page_does_not_know_is_named() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    dead_letter(&store).await;
    let mut queued = NewJob {
        kind: JobKind::new("test.refund"),
        key: "shop/order/1002".into(),
        payload: json!({}),
        run_at: 1_764_583_200_000,
        rerun: false,
        event: None,
    };
    store.enqueue(queued.clone(), 7).await.unwrap();
    queued.key = "shop/order/1003".into();
    store.enqueue(queued, 8).await.unwrap();
    let state = state(&store);
    let rows = |body: &str, key: &str| body.matches(key).count();

    let all = get(&state, "/console/jobs", Auth::Bearer(TOKEN)).await;
    let body = &all.body;
    let (a, b, c) = (
        body.find("shop/order/1003").unwrap(),
        body.find("shop/order/1002").unwrap(),
        body.find("shop/order/1001").unwrap(),
    );
    assert!(a < b && b < c, "newest change first: {body}");
    assert!(body.contains("2025-12-01 10:00:00 UTC"), "run time: {body}");

    let dead = get(&state, "/console/jobs?state=dead", Auth::Bearer(TOKEN)).await;
    assert_eq!(rows(&dead.body, "shop/order/100"), 1, "{}", dead.body);
    assert!(dead.body.contains("shop/order/1001"));
    let queued = get(&state, "/console/jobs?state=queued", Auth::Bearer(TOKEN)).await;
    assert_eq!(rows(&queued.body, "shop/order/100"), 2, "{}", queued.body);
    assert!(!queued.body.contains("shop/order/1001"));

    let wrong = get(&state, "/console/jobs?state=failed", Auth::Bearer(TOKEN)).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong.body.contains("query parameter `state`"),
        "{}",
        wrong.body
    );
    assert!(
        wrong.body.contains("queued, running, done, dead"),
        "{}",
        wrong.body
    );

    let status = get(&state, "/console", Auth::Bearer(TOKEN)).await;
    assert!(
        status
            .body
            .contains(r#"<a href="/console/dead-letters">1 waiting for replay</a>"#),
        "{}",
        status.body
    );
}

#[tokio::test]
async fn events_checkpoints_and_breakers_are_shown_as_stored() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let event = flows::NewEvent {
        provider: System::Stripe,
        event_id: "evt_<1>".into(),
        topic: "charge.succeeded".into(),
        payload: format!(r#"{{"card":"{CARD}"}}"#).into_bytes(),
    };
    store
        .accept_event(event, None, 1_764_583_200_000)
        .await
        .unwrap();
    store
        .set_checkpoint("shopify/orders", "2026-11-23T00:00:00Z", 1_764_583_200_000)
        .await
        .unwrap();
    let breakers = Arc::new(Breakers::new(BreakerConfig::new(
        2,
        Duration::from_secs(30),
    )));
    let now = tokio::time::Instant::now();
    breakers.failure(System::Paytrace, now);
    breakers.failure(System::Paytrace, now);
    breakers.failure(System::Shopify, now);
    let state = state(&store);

    let events = get(&state, "/console/events", Auth::Bearer(TOKEN)).await;
    assert!(events.body.contains("evt_&lt;1&gt;"), "{}", events.body);
    assert!(events.body.contains("charge.succeeded"));
    assert!(events.body.contains("2025-12-01 10:00:00 UTC"));
    assert!(!events.body.contains(CARD), "events show no body");
    let checkpoints = get(&state, "/console/checkpoints", Auth::Bearer(TOKEN)).await;
    assert!(checkpoints.body.contains("shopify/orders"));
    assert!(checkpoints.body.contains("2026-11-23T00:00:00Z"));

    let without = get(&state, "/console/breakers", Auth::Bearer(TOKEN)).await;
    assert!(
        without.body.contains("not given the worker"),
        "{}",
        without.body
    );
    let with = state.clone().breakers(breakers);
    let page = get(&with, "/console/breakers", Auth::Bearer(TOKEN)).await;
    let body = &page.body;
    let paytrace = body
        .find("<td>paytrace</td><td>open: jobs held back for ")
        .unwrap_or_else(|| panic!("{body}"));
    let shopify = body
        .find("<td>shopify</td><td>closed, 1 failure in a row</td>")
        .unwrap_or_else(|| panic!("{body}"));
    assert!(paytrace < shopify, "{body}");
}

#[tokio::test]
async fn reconciliations_are_listed_newest_first_with_bars_as_long_as_their_counts() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    store
        .enqueue(
            NewJob {
                kind: JobKind::new("test.settle"),
                key: "s".into(),
                payload: json!({}),
                run_at: 0,
                rerun: false,
                event: None,
            },
            0,
        )
        .await
        .unwrap();
    let lease = store
        .claim("w1", 0, 60_000)
        .await
        .unwrap()
        .unwrap()
        .job
        .lease;
    let records = [
        (
            10,
            "paytrace/acct/payout/2026-12-01/erp/settlement",
            json!({"journals": ["PT-B1"], "outcomes": {"matched": 8, "amount_mismatch": 1, "missing_in_ledger": 1}, "discrepancies": 2,
                   "amounts": [{"status": "matched", "currency": "USD", "minor": 57538},
                               {"status": "missing_in_ledger", "currency": "USD", "minor": -2500},
                               {"status": "missing_in_ledger", "currency": "JPY", "minor": 300}]}),
        ),
        (
            20,
            "stripe/acct/payout/po_1/erp/settlement",
            json!({"journals": ["po_1"], "outcomes": {"matched": 4, "in_transit": 3}, "discrepancies": 0}),
        ),
        (
            30,
            "stripe/acct/payout/po_2/erp/settlement",
            json!({"unexpected": true}),
        ),
        (40, "shop/order/1/erp/payment", json!({"id": 1})),
    ];
    for (at, key, detail) in records {
        let writes = FlowWrites {
            effects: vec![flows::NewEffect {
                key: key.into(),
                system: System::Erp,
                detail: serde_json::value::to_raw_value(&detail).unwrap(),
            }],
            ..FlowWrites::default()
        };
        store.save(lease, &writes, at).await.unwrap();
    }
    let state = state(&store);
    let page = get(&state, "/console/reconciliations", Auth::Bearer(TOKEN)).await;
    let body = &page.body;
    assert_eq!(page.status, StatusCode::OK, "{body}");
    assert!(
        !body.contains("shop/order/1"),
        "only reconciliations: {body}"
    );
    let (unreadable, stripe, paytrace) = (
        body.find("stripe/acct/payout/po_2").unwrap(),
        body.rfind("stripe/acct/payout/po_1").unwrap(),
        body.rfind("paytrace/acct/payout/2026-12-01").unwrap(),
    );
    assert!(
        unreadable < stripe && stripe < paytrace,
        "newest first: {body}"
    );
    assert!(body.contains("the record cannot be read"), "{body}");
    assert!(body.contains("amount_mismatch 1"), "{body}");
    // The money of each class, per currency; a record without amounts shows counts only.
    assert!(
        body.contains("matched 8, <span class=\"amount\">575.38 USD</span>"),
        "{body}"
    );
    assert!(
        body.contains(
            "missing_in_ledger 1, <span class=\"amount\">-25.00 USD</span>, <span class=\"amount\">300 JPY</span>"
        ),
        "{body}"
    );
    assert!(body.contains("in_transit 3<br>"), "{body}");
    // Bars against the largest count (8): 8 → 480, 2 → 120, 4 → 240, 0 → 0; the unreadable
    // record has none.
    let bars: Vec<(String, String)> = body
        .match_indices("<rect class=\"")
        .map(|(at, _)| {
            let rect = &body[at..body[at..].find('>').unwrap() + at];
            let attr = |name: &str| {
                let start = rect.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                rect[start..start + rect[start..].find('"').unwrap()].to_owned()
            };
            (attr("class"), attr("width"))
        })
        .collect();
    assert_eq!(
        bars,
        [
            ("matched".into(), "240".into()),
            ("discrepancies".into(), "0".into()),
            ("matched".into(), "480".into()),
            ("discrepancies".into(), "120".into()),
        ]
    );
}

#[test]
fn a_weak_token_and_an_unusable_base_url_are_refused_and_the_token_never_shows() {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().unwrap());
    let weak = ConsoleState::new(Arc::clone(&store), SecretString::from("short")).unwrap_err();
    assert!(
        matches!(weak, ConsoleError::WeakToken { min: 16 }),
        "{weak}"
    );
    let state = ConsoleState::new(store, SecretString::from(TOKEN)).unwrap();
    assert!(!format!("{state:?}").contains(TOKEN));
    for base in [
        "ops.example.com",
        "ftp://ops.example.com",
        "https://ops.example.com/?a=1",
        "https://ops.example.com/#x",
    ] {
        let err = state.clone().public_base(base).unwrap_err();
        assert!(
            matches!(&err, ConsoleError::BaseUrl { value, .. } if value == base),
            "{err}"
        );
    }
    assert_eq!(
        ops_console::dead_letter_url("https://ops.example.com/payops/", 7),
        "https://ops.example.com/payops/console/dead-letters/7"
    );
}

#[tokio::test]
async fn fraud_decisions_are_listed_newest_first_with_their_top_signals_and_no_buyer() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    store
        .enqueue(
            NewJob {
                kind: JobKind::new("test.screen"),
                key: "s".into(),
                payload: json!({}),
                run_at: 0,
                rerun: false,
                event: None,
            },
            0,
        )
        .await
        .unwrap();
    let lease = store
        .claim("w1", 0, 60_000)
        .await
        .unwrap()
        .unwrap()
        .job
        .lease;
    let contribution = |signal, points| json!({"signal": signal, "value": 1.0, "contribution": points, "rule": null});
    let screened = |outcome: &str, points: f64, contributions: Vec<serde_json::Value>| {
        json!({
            "facts": {
                "placed_at": "2026-12-07T11:00:00Z",
                "amount": {"amount": "80.00", "currency": "USD"},
                "card": null, "avs": null, "cvv": null, "radar": null, "shopify": "investigate",
                "email": "jane@example.com", "ip": null, "ip_country": null,
                "billing": null, "shipping": null,
                "customer": {"prior_orders": 0, "prior_spent": null},
                "categories": []
            },
            "decision": {
                "outcome": outcome,
                "score": {"points": {"points": points}},
                "thresholds": {"review": 50.0, "refuse": 90.0},
                "contributions": contributions,
                "scorer": {"kind": "rules", "version": "standard-1"}
            }
        })
    };
    let records = [
        (
            10,
            "shopify/demo/order/1001/fraud/screen",
            screened(
                "review",
                60.0,
                vec![
                    contribution("cvv_no_match", 40.0),
                    contribution("shopify_investigate", 20.0),
                ],
            ),
        ),
        (
            20,
            "shopify/demo/order/1002/fraud/screen",
            screened("approve", 0.0, vec![]),
        ),
        (30, "shopify/demo/order/1003/fraud/screen", json!({"x": 1})),
        (40, "shopify/demo/order/1004/risk", json!("Proceed")),
    ];
    for (at, key, detail) in records {
        let writes = FlowWrites {
            effects: vec![flows::NewEffect {
                key: key.into(),
                system: System::Shopify,
                detail: serde_json::value::to_raw_value(&detail).unwrap(),
            }],
            ..FlowWrites::default()
        };
        store.save(lease, &writes, at).await.unwrap();
    }
    let state = state(&store);
    let page = get(&state, "/console/fraud", Auth::Bearer(TOKEN)).await;
    let body = &page.body;
    assert_eq!(page.status, StatusCode::OK, "{body}");
    assert!(!body.contains("order/1004"), "only screen records: {body}");
    assert!(!body.contains("jane@"), "no buyer: {body}");
    let (unreadable, approved, reviewed) = (
        body.find("shopify/demo/order/1003").unwrap(),
        body.find("shopify/demo/order/1002").unwrap(),
        body.find("shopify/demo/order/1001").unwrap(),
    );
    assert!(
        unreadable < approved && approved < reviewed,
        "newest first: {body}"
    );
    assert!(body.contains("the record cannot be read"), "{body}");
    assert!(
        body.contains(
            "<td class=\"outcome\">review</td><td class=\"n\">60.000</td><td>standard-1</td>\
             <td>cvv_no_match +40.00, shopify_investigate +20.00</td>"
        ),
        "{body}"
    );
    assert!(body.contains("<td>no signal</td>"), "{body}");
}
