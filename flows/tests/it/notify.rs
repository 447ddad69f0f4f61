//! Notices to people (`flows::notify`): produced once per key by the worker (dead letters,
//! breakers) and by flows (`StepCtx::notify`), retried as jobs, never told about themselves; the
//! webhook notifier against a loopback receiver (signature, idempotency key, answers) and the
//! e-mail notifier against a loopback SMTP server.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use flows::notify::{
    EmailNotifier, Notice, NoticeKind, Notices, Notifier, NotifyError, SmtpSecurity,
    WebhookNotifier,
};
use flows::workflow::{EntityKey, Flow, JobKind, StepCtx, job};
use flows::{
    Backoff, BreakerConfig, Cause, JobState, Outcome, SqliteStore, StepError, Store, Worker,
    WorkerConfig,
};
use mapping::System;
use secrecy::SecretString;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::drain;

/// A notifier that records what it sends and fails as scripted first.
#[derive(Debug, Default)]
pub(crate) struct Recording {
    sent: Mutex<Vec<Notice>>,
    failures: Mutex<VecDeque<StepError>>,
}

impl Recording {
    pub(crate) fn sent(&self) -> Vec<Notice> {
        self.sent.lock().unwrap().clone()
    }
    fn fail_next(&self, err: StepError) {
        self.failures.lock().unwrap().push_back(err);
    }
}

#[async_trait]
impl Notifier for Recording {
    async fn send(&self, notice: &Notice) -> Result<(), StepError> {
        if let Some(err) = self.failures.lock().unwrap().pop_front() {
            return Err(err);
        }
        self.sent.lock().unwrap().push(notice.clone());
        Ok(())
    }
}

/// A flow that fails as scripted (`Err` values popped per run, `Ok` once empty), calling
/// Stripe for its breaker, and telling about its entity on every run.
struct Scripted {
    results: Mutex<VecDeque<Result<(), StepError>>>,
    runs: AtomicU32,
}

impl Scripted {
    fn new(results: Vec<Result<(), StepError>>) -> Self {
        Self {
            results: Mutex::new(results.into()),
            runs: AtomicU32::new(0),
        }
    }
}

#[async_trait]
impl Flow for Scripted {
    type Input = u64;
    const KIND: JobKind = JobKind::new("test.scripted");
    const SYSTEMS: &'static [System] = &[System::Stripe];

    fn entity(&self, input: &u64) -> Result<EntityKey, StepError> {
        Ok(EntityKey::new(System::Stripe, "acct").child(flows::workflow::Entity::Charge, input))
    }

    async fn run(&self, ctx: &StepCtx<'_>, _: u64) -> Result<(), StepError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        ctx.notify(
            Notice::new(
                NoticeKind::PaymentDeclined,
                format!("{}/notice/told", ctx.entity()),
                "told",
            )
            .fact("entity", ctx.entity()),
        );
        self.results.lock().unwrap().pop_front().unwrap_or(Ok(()))
    }
}

/// A second worker on `store` (`w2`, polling every 5 ms) with the flows `register` gives it,
/// sending its notices to a [`Recording`] notifier; and that notifier. Used by the Magento +
/// Stripe tests.
#[cfg(all(feature = "magento", feature = "stripe"))]
pub(crate) fn notifying(
    store: &Arc<SqliteStore>,
    register: impl FnOnce(Worker) -> Worker,
) -> (Worker, Arc<Recording>) {
    let notices = Arc::new(Recording::default());
    let worker = register(Worker::new(
        Arc::clone(store),
        WorkerConfig::new("w2").poll_interval(Duration::from_millis(5)),
    ))
    .notify(Notices::new(Arc::clone(&notices) as Arc<dyn Notifier>));
    (worker, notices)
}

fn transient(reason: &str) -> StepError {
    StepError::Transient {
        system: Some(System::Stripe),
        retry_after: None,
        source: Box::new(Cause::Workflow(reason.into())),
    }
}

fn config() -> WorkerConfig {
    WorkerConfig::new("w1")
        .backoff(Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(2),
            3,
        ))
        .breaker(BreakerConfig::new(2, Duration::from_millis(30)))
        .poll_interval(Duration::from_millis(5))
}

struct App {
    store: Arc<SqliteStore>,
    worker: Worker,
    notifier: Arc<Recording>,
    flow: Arc<Scripted>,
}

fn app(results: Vec<Result<(), StepError>>, notify: bool) -> App {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let notifier = Arc::new(Recording::default());
    let flow = Arc::new(Scripted::new(results));
    let mut worker = Worker::new(Arc::clone(&store), config()).shared_flow(Arc::clone(&flow));
    if notify {
        worker = worker.notify(
            Notices::new(Arc::clone(&notifier) as Arc<dyn Notifier>)
                .console("http://ops.example.com/console/"),
        );
    }
    App {
        store,
        worker,
        notifier,
        flow,
    }
}

const NOTIFY: JobKind = JobKind::new("payops.notify");

#[tokio::test]
async fn a_dead_letter_is_told_once_with_its_reason_and_a_link_and_again_when_it_dies_again() {
    let refused = || {
        Err(StepError::permanent(
            "card on file was removed (gateway said: card 4111 1111 1111 1111, cvv=123)",
        ))
    };
    let app = app(vec![refused(), refused()], true);
    app.store
        .enqueue(job(&*app.flow, &7).unwrap(), 0)
        .await
        .unwrap();
    drain(&app.worker).await;

    let letters = app.store.dead_letters(10).await.unwrap();
    assert_eq!(letters.len(), 1, "{letters:#?}");
    let sent = app.notifier.sent();
    let dead: Vec<&Notice> = sent
        .iter()
        .filter(|n| n.kind == NoticeKind::DeadLetter)
        .collect();
    assert_eq!(dead.len(), 1, "{sent:#?}");
    assert!(
        dead[0].text.contains("card on file was removed"),
        "{:?}",
        dead[0]
    );
    // A reason quoting card data reaches nobody with it.
    let told = serde_json::to_string(dead[0]).unwrap();
    assert!(
        !told.contains("4111 1111 1111 1111") && !told.contains("cvv=123"),
        "{told}"
    );
    assert!(told.contains("[card ending 1111]"), "{told}");
    assert_eq!(
        dead[0].link.as_deref(),
        Some(
            format!(
                "http://ops.example.com/console/dead-letters/{}",
                letters[0].id
            )
            .as_str()
        )
    );
    assert!(
        dead[0]
            .facts
            .iter()
            .any(|f| f.name == "key" && f.value == "stripe/acct/charge/7")
    );

    // Running what is left changes nothing; a replay that dies again is a new dead letter.
    drain(&app.worker).await;
    assert_eq!(app.notifier.sent().len(), sent.len());
    app.store
        .replay_dead_letter(letters[0].id, flows::now_millis())
        .await
        .unwrap();
    drain(&app.worker).await;
    let dead = app
        .notifier
        .sent()
        .into_iter()
        .filter(|n| n.kind == NoticeKind::DeadLetter)
        .count();
    assert_eq!(dead, 2);
}

#[tokio::test]
async fn a_flow_tells_once_per_key_and_nothing_is_enqueued_without_notices() {
    let app = app(vec![Err(transient("busy")), Ok(())], true);
    app.store
        .enqueue(job(&*app.flow, &1).unwrap(), 0)
        .await
        .unwrap();
    drain(&app.worker).await;
    assert_eq!(app.flow.runs.load(Ordering::SeqCst), 2);
    let told: Vec<Notice> = app
        .notifier
        .sent()
        .into_iter()
        .filter(|n| n.title == "told")
        .collect();
    assert_eq!(told.len(), 1, "two runs, one key: {told:#?}");
    assert_eq!(told[0].key, "stripe/acct/charge/1/notice/told");
    assert_eq!(
        told[0].link.as_deref(),
        Some("http://ops.example.com/console")
    );

    let quiet = app_without_notices().await;
    let counts = quiet.store.counts().await.unwrap();
    assert_eq!(counts.dead, 1, "{counts:?}");
    assert!(
        quiet
            .store
            .job(&NOTIFY, "stripe/acct/charge/1/notice/told")
            .await
            .unwrap()
            .is_none()
    );
}

async fn app_without_notices() -> App {
    let app = app(vec![Err(StepError::permanent("no"))], false);
    app.store
        .enqueue(job(&*app.flow, &1).unwrap(), 0)
        .await
        .unwrap();
    drain(&app.worker).await;
    app
}

#[tokio::test]
async fn a_notice_is_retried_and_a_refused_one_is_not_told_about() {
    let app = app(vec![], true);
    app.notifier.fail_next(transient("receiver busy"));
    app.store
        .enqueue(job(&*app.flow, &2).unwrap(), 0)
        .await
        .unwrap();
    let outcomes = drain(&app.worker).await;
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Retrying { .. })),
        "{outcomes:?}"
    );
    assert_eq!(app.notifier.sent().len(), 1);

    // A notice the receiver refuses goes to dead letters, without a notice of its own.
    app.notifier
        .fail_next(StepError::permanent("webhook URL is gone (HTTP 404)"));
    app.store
        .enqueue(job(&*app.flow, &3).unwrap(), 0)
        .await
        .unwrap();
    drain(&app.worker).await;
    let letters = app.store.dead_letters(10).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].kind, NOTIFY);
    let counts = app.store.counts().await.unwrap();
    assert_eq!((counts.queued, counts.dead), (0, 1), "{counts:?}");
    assert_eq!(app.notifier.sent().len(), 1);
}

#[tokio::test]
async fn a_breaker_tells_when_it_opens_and_when_it_closes() {
    let app = app(vec![Err(transient("503")), Err(transient("503"))], true);
    app.store
        .enqueue(job(&*app.flow, &4).unwrap(), 0)
        .await
        .unwrap();
    drain(&app.worker).await;
    // The breaker opened after two failures, held the job for 30 ms, and closed on its success.
    tokio::time::sleep(Duration::from_millis(40)).await;
    drain(&app.worker).await;
    assert_eq!(app.flow.runs.load(Ordering::SeqCst), 3);
    let kinds: Vec<NoticeKind> = app
        .notifier
        .sent()
        .iter()
        .map(|n| n.kind)
        .filter(|k| matches!(k, NoticeKind::BreakerOpened | NoticeKind::BreakerClosed))
        .collect();
    assert_eq!(
        kinds,
        vec![NoticeKind::BreakerOpened, NoticeKind::BreakerClosed]
    );
    let opened = app
        .notifier
        .sent()
        .into_iter()
        .find(|n| n.kind == NoticeKind::BreakerOpened)
        .unwrap();
    assert!(opened.title.contains("stripe"), "{opened:?}");
    assert!(
        opened
            .facts
            .iter()
            .any(|f| f.name == "worker" && f.value == "w1")
    );
}

// ---------------------------------------------------------------------------------------------
// The webhook notifier against a loopback receiver.

/// An answer: status, extra headers, and a delay before it.
type Answer = (u16, Vec<(&'static str, &'static str)>, Duration);
/// A received request: its headers and body.
type Seen = (HeaderMap, Vec<u8>);

/// What the receiver answers, and what it received.
#[derive(Clone, Default)]
struct Receiver {
    answer: Arc<Mutex<Answer>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn receive(
    State(receiver): State<Receiver>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    receiver.seen.lock().unwrap().push((headers, body.to_vec()));
    let (status, extra, delay) = receiver.answer.lock().unwrap().clone();
    tokio::time::sleep(delay).await;
    let mut response = (
        StatusCode::from_u16(status).unwrap(),
        r#"{"error":"no such channel"}"#,
    )
        .into_response();
    for (name, value) in extra {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

async fn receiver() -> (Receiver, String) {
    let receiver = Receiver::default();
    *receiver.answer.lock().unwrap() = (200, Vec::new(), Duration::ZERO);
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (receiver, format!("http://{addr}/hook"))
}

fn notice() -> Notice {
    Notice::new(
        NoticeKind::DeadLetter,
        "shopify/s/order/1/notice/dead-letter/9",
        "Dead letter: shopify.order-payment",
    )
    .text("card declined <twice>")
    .fact("order", "#1001")
}

#[tokio::test]
async fn the_webhook_notifier_signs_its_slack_body_and_reads_every_answer() {
    let (receiver, url) = receiver().await;
    let secret = SecretString::from("whsec_notices".to_owned());
    let notifier = WebhookNotifier::new(&url, secret.clone())
        .unwrap()
        .timeout(Duration::from_millis(300))
        .unwrap();
    notifier.post(&notice()).await.unwrap();
    let (headers, body) = receiver.seen.lock().unwrap()[0].clone();
    assert_eq!(
        headers["idempotency-key"],
        "shopify/s/order/1/notice/dead-letter/9"
    );
    flows::signature::verify(
        headers["payops-signature"].to_str().unwrap(),
        &body,
        &[secret],
        time::OffsetDateTime::now_utc(),
        flows::signature::TOLERANCE,
    )
    .unwrap();
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["metadata"]["event_type"], "payops_dead_letter");
    assert_eq!(
        json["blocks"][1]["text"]["text"],
        "card declined &lt;twice&gt;"
    );
    assert!(json["text"].as_str().unwrap().contains("order: #1001"));

    let answer = |status, extra: Vec<(&'static str, &'static str)>, delay| {
        *receiver.answer.lock().unwrap() = (status, extra, delay);
    };
    answer(503, vec![("Retry-After", "7")], Duration::ZERO);
    match notifier.post(&notice()).await {
        Err(
            err @ NotifyError::Unavailable {
                status: 503,
                retry_after,
                ..
            },
        ) => {
            assert_eq!(retry_after, Some(Duration::from_secs(7)));
            assert!(err.is_transient());
        }
        other => panic!("{other:?}"),
    }
    answer(404, Vec::new(), Duration::ZERO);
    match notifier.post(&notice()).await {
        Err(err @ NotifyError::Refused { status: 404, .. }) => {
            assert!(!err.is_transient());
            assert!(err.to_string().contains("no such channel"), "{err}");
            assert!(matches!(
                StepError::from(err),
                StepError::Permanent { system: None, .. }
            ));
        }
        other => panic!("{other:?}"),
    }
    answer(200, Vec::new(), Duration::from_secs(2));
    assert!(matches!(
        notifier.post(&notice()).await,
        Err(NotifyError::Timeout(_))
    ));
    let gone = WebhookNotifier::new(
        "http://127.0.0.1:9/hook",
        SecretString::from("s".to_owned()),
    )
    .unwrap();
    assert!(matches!(
        gone.post(&notice()).await,
        Err(NotifyError::Transport(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// The e-mail notifier against a loopback SMTP server.

/// A minimal SMTP server (RFC 5321's commands a client sends to submit one message) answering
/// `RCPT TO` with `rcpt_reply`, recording the DATA of each accepted message.
async fn smtp_server(rcpt_reply: &'static str) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let messages = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&messages);
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let recorded = Arc::clone(&recorded);
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write
                    .write_all(b"220 localhost ESMTP test\r\n")
                    .await
                    .unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &str = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        "250 localhost\r\n"
                    } else if upper.starts_with("MAIL FROM") {
                        "250 ok\r\n"
                    } else if upper.starts_with("RCPT TO") {
                        rcpt_reply
                    } else if upper == "DATA" {
                        write.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line == "." {
                                break;
                            }
                            data.push_str(&line);
                            data.push('\n');
                        }
                        recorded.lock().unwrap().push(data);
                        "250 queued\r\n"
                    } else if upper == "QUIT" {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        "250 ok\r\n"
                    };
                    write.write_all(reply.as_bytes()).await.unwrap();
                }
            });
        }
    });
    (port, messages)
}

fn email(port: u16) -> EmailNotifier {
    EmailNotifier::new(
        "127.0.0.1",
        Some(port),
        SmtpSecurity::Plain,
        None,
        "payops <payops@example.com>",
        &["ops@example.com", "Finance <finance@example.com>"],
    )
    .unwrap()
}

#[tokio::test]
async fn the_email_notifier_sends_one_plain_message_keyed_by_the_notice() {
    let (port, messages) = smtp_server("250 ok\r\n").await;
    email(port).post(&notice()).await.unwrap();
    let messages = messages.lock().unwrap().clone();
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert!(
        message.contains("Subject: [payops] Dead letter: shopify.order-payment"),
        "{message}"
    );
    assert!(
        message.contains("To: ops@example.com, Finance <finance@example.com>"),
        "{message}"
    );
    assert!(message.contains("card declined <twice>"), "{message}");
    assert!(message.contains("order: #1001"), "{message}");
    let id = message
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
        .unwrap();
    assert!(id.ends_with("@payops.notice>"), "{id}");

    let (port, _) = smtp_server("550 5.1.1 no such user\r\n").await;
    match email(port).post(&notice()).await {
        Err(err @ NotifyError::Refused { status: 550, .. }) => assert!(!err.is_transient()),
        other => panic!("{other:?}"),
    }
    let (port, _) = smtp_server("451 4.3.0 try again later\r\n").await;
    match email(port).post(&notice()).await {
        Err(err @ NotifyError::Unavailable { status: 451, .. }) => assert!(err.is_transient()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_dead_letter_reaches_a_person_by_email() {
    let (port, messages) = smtp_server("250 ok\r\n").await;
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let flow = Arc::new(Scripted::new(vec![Err(StepError::permanent(
        "order 1001 cannot be booked",
    ))]));
    let worker = Worker::new(Arc::clone(&store), config())
        .shared_flow(Arc::clone(&flow))
        .notify(Notices::new(Arc::new(email(port))));
    store.enqueue(job(&*flow, &5).unwrap(), 0).await.unwrap();
    drain(&worker).await;
    let messages = messages.lock().unwrap().clone();
    let dead: Vec<&String> = messages
        .iter()
        .filter(|m| m.contains("Subject: [payops] Dead letter"))
        .collect();
    assert_eq!(dead.len(), 1, "{messages:#?}");
    assert!(dead[0].contains("order 1001 cannot be booked"));
    assert_eq!(
        store
            .job(&NOTIFY, "stripe/acct/charge/5/notice/told")
            .await
            .unwrap()
            .map(|j| j.state),
        Some(JobState::Done)
    );
}
