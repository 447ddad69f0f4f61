//! The console as an operator uses it, in a real headless Chromium (browser-testkit) over real
//! HTTP on loopback, with a real worker: a job fails permanently, the operator logs in with the
//! token, opens the dead letter, clicks Replay, and the job runs again and completes. No page
//! ever shows the card number in the job's payload, or the token.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use browser_testkit::Browser;
use fantoccini::{Client, Locator};
use flows::workflow::{Entity, EntityKey, Flow, JobKind, StepCtx};
use flows::{JobState, SqliteStore, StepError, Store, Worker, WorkerConfig};
use mapping::System;
use ops_console::ConsoleState;
use secrecy::SecretString;
use serde_json::{Value, json};

const TOKEN: &str = "browser-test-console-token-7f3a";
const CARD: &str = "4111111111111111";
const KEY: &str = "shopify/demo/order/1001";

/// Fails permanently (its reason naming the card, as a careless gateway message would) until
/// `fixed` is set, then succeeds.
struct FailsUntilFixed {
    fixed: Arc<AtomicBool>,
}

#[async_trait]
impl Flow for FailsUntilFixed {
    type Input = Value;
    const KIND: JobKind = JobKind::new("test.charge");
    const SYSTEMS: &'static [System] = &[System::Paytrace];

    fn entity(&self, input: &Value) -> Result<EntityKey, StepError> {
        let order = input["order"]
            .as_u64()
            .ok_or_else(|| StepError::permanent("order: not a number"))?;
        Ok(EntityKey::new(System::Shopify, "demo").child(Entity::Order, order))
    }

    async fn run(&self, _ctx: &StepCtx<'_>, _input: Value) -> Result<(), StepError> {
        if self.fixed.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(StepError::permanent(format!(
                "gateway refused card {CARD}: do not honour"
            )))
        }
    }
}

/// Waits until `done` holds, for at most 20 s.
async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn job_state(store: &SqliteStore) -> Option<JobState> {
    store
        .job(&FailsUntilFixed::KIND, KEY)
        .await
        .unwrap()
        .map(|job| job.state)
}

/// The page as the browser holds it now, and its path.
async fn page(browser: &Client) -> (String, String) {
    let url = browser.current_url().await.unwrap();
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    (path, browser.source().await.unwrap())
}

/// The path the browser shows once `arrived` holds for it (at most 10 s): a click returns
/// before the browser has followed a form's redirect.
async fn path_once(browser: &Client, arrived: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (path, _) = page(browser).await;
        if arrived(&path) || Instant::now() > deadline {
            return path;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn click(browser: &Client, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn text(browser: &Client, css: &str) -> String {
    // Waits for the element: the page may still be loading after a click.
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Asserts that the page the browser shows holds no card number and no token.
async fn shows_no_secret(browser: &Client, seen: &mut Vec<String>) {
    let (path, source) = page(browser).await;
    assert!(
        !source.contains(CARD),
        "{path} shows the card number: {source}"
    );
    assert!(!source.contains(TOKEN), "{path} shows the token: {source}");
    seen.push(path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_logs_in_replays_a_dead_letter_and_the_job_completes() {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let fixed = Arc::new(AtomicBool::new(false));
    let worker =
        Worker::new(Arc::clone(&store), WorkerConfig::new("console-test")).flow(FailsUntilFixed {
            fixed: Arc::clone(&fixed),
        });
    let breakers = worker.breakers();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(worker.run(shutdown));

    let input = json!({
        "order": 1001,
        "credit_card": {"number": CARD, "expiration_month": 12, "expiration_year": 2030},
        "csc": "999",
        "note": "<script>document.title = 'injected'</script>",
    });
    let job = flows::workflow::job(
        &FailsUntilFixed {
            fixed: Arc::clone(&fixed),
        },
        &input,
    )
    .unwrap();
    assert_eq!(job.key, KEY);
    store.enqueue(job, flows::now_millis()).await.unwrap();
    eventually("the dead letter", async || {
        job_state(&store).await == Some(JobState::Dead)
    })
    .await;

    // The service's router with the console merged in, on loopback.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = ConsoleState::new(
        Arc::clone(&store) as Arc<dyn Store>,
        SecretString::from(TOKEN),
    )
    .unwrap()
    .breakers(breakers)
    .public_base(&base)
    .unwrap();
    let app = axum::Router::new().merge(ops_console::router(state));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let chromium = Browser::start().unwrap();
    let browser = chromium.session().await.unwrap();
    let mut seen = Vec::new();

    // Without the token: the login form and nothing else.
    browser
        .goto(&format!("{base}/console/dead-letters"))
        .await
        .unwrap();
    let (_, source) = page(&browser).await;
    assert!(!source.contains(KEY), "{source}");
    assert_eq!(
        browser
            .find_all(Locator::Css("input[name=token]"))
            .await
            .unwrap()
            .len(),
        1
    );
    shows_no_secret(&browser, &mut seen).await;

    // A wrong token is refused; the right one opens the console.
    let field = browser
        .find(Locator::Css("input[name=token]"))
        .await
        .unwrap();
    field.send_keys("not-the-console-token").await.unwrap();
    click(&browser, "button[type=submit]").await;
    assert!(text(&browser, "p.error").await.contains("not the console"));
    let field = browser
        .find(Locator::Css("input[name=token]"))
        .await
        .unwrap();
    field.send_keys(TOKEN).await.unwrap();
    click(&browser, "button[type=submit]").await;
    let path = path_once(&browser, |p| p == "/console").await;
    assert_eq!(path, "/console");
    assert_eq!(text(&browser, "h1").await, "Status");
    assert_eq!(text(&browser, "#dead").await, "1 waiting for replay");
    // The session cookie is out of the page's reach.
    let cookies = browser
        .execute("return document.cookie", vec![])
        .await
        .unwrap();
    assert_eq!(cookies, json!(""));
    shows_no_secret(&browser, &mut seen).await;

    // The list, then the dead letter: its reason and payload with the card masked, the markup
    // in the payload shown as text.
    click(&browser, "#dead a").await;
    let reason = text(&browser, "#dead-letters td.reason").await;
    assert_eq!(
        reason,
        "permanent failure: gateway refused card [card ending 1111]: do not honour"
    );
    shows_no_secret(&browser, &mut seen).await;
    click(&browser, "#dead-letters td a").await;
    let path = path_once(&browser, |p| p.starts_with("/console/dead-letters/")).await;
    assert!(path.starts_with("/console/dead-letters/"), "{path}");
    let payload: Value = serde_json::from_str(&text(&browser, "#payload").await).unwrap();
    assert_eq!(payload["credit_card"]["number"], "[masked]");
    assert_eq!(payload["csc"], "[masked]");
    assert_eq!(
        payload["note"],
        "<script>document.title = 'injected'</script>"
    );
    let id = path.trim_start_matches("/console/dead-letters/");
    let title = browser
        .execute("return document.title", vec![])
        .await
        .unwrap();
    assert_eq!(
        title,
        json!(format!("Dead letter {id} · payops console")),
        "no script ran"
    );
    let scripts = browser
        .execute("return document.querySelectorAll('script').length", vec![])
        .await
        .unwrap();
    assert_eq!(scripts, json!(0));
    shows_no_secret(&browser, &mut seen).await;

    // The fault is fixed; Replay.
    fixed.store(true, Ordering::SeqCst);
    click(&browser, "#replay").await;
    let path = path_once(&browser, |p| p.starts_with("/console/dead-letters?")).await;
    assert!(
        path.starts_with("/console/dead-letters?replayed="),
        "{path}"
    );
    let notice = text(&browser, "p.notice").await;
    assert!(
        notice.starts_with("Dead letter ") && notice.ends_with(" is queued again."),
        "{notice}"
    );
    shows_no_secret(&browser, &mut seen).await;

    // The worker runs the job again, and it completes.
    eventually("the replayed job to complete", async || {
        job_state(&store).await == Some(JobState::Done)
    })
    .await;
    assert!(store.dead_letters(10).await.unwrap().is_empty());
    browser
        .goto(&format!("{base}/console/jobs?state=done"))
        .await
        .unwrap();
    let row = text(&browser, "#jobs tbody tr").await;
    assert!(row.contains(KEY) && row.contains("done"), "{row}");
    shows_no_secret(&browser, &mut seen).await;
    browser
        .goto(&format!("{base}/console/breakers"))
        .await
        .unwrap();
    let breaker = text(&browser, "#breakers tbody tr").await;
    assert!(
        breaker.starts_with("paytrace") && breaker.ends_with("closed"),
        "{breaker}"
    );
    shows_no_secret(&browser, &mut seen).await;
    for other in [
        "/console",
        "/console/events",
        "/console/jobs",
        "/console/checkpoints",
        "/console/reconciliations",
    ] {
        browser.goto(&format!("{base}{other}")).await.unwrap();
        shows_no_secret(&browser, &mut seen).await;
    }
    assert_eq!(text(&browser, "h1").await, "Settlement reconciliations");
    assert!(seen.len() >= 12, "{seen:?}");

    browser.close().await.unwrap();
    stop.send(true).unwrap();
    running.await.unwrap().unwrap();
    server.abort();
}
