//! Webhook delivery shared by the fakes that send webhooks (Shopify, Stripe): signed POSTs to
//! registered URLs, retried on a provider's schedule (compressible for tests), with duplicate and
//! out-of-order deliveries on demand.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use url::Url;

/// A webhook ready to send: the provider's fake has signed it already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Where to.
    pub url: Url,
    /// The topic or event type, for the log.
    pub topic: String,
    /// Headers, signature included.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

/// One attempt to deliver a webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The topic.
    pub topic: String,
    /// Where it went.
    pub url: Url,
    /// 1 for the first try.
    pub number: u32,
    /// The receiver's status, or `None` when the connection failed.
    pub status: Option<u16>,
}

#[derive(Default)]
struct Plan {
    duplicate_next: u32,
    hold_next: u32,
    held: Vec<Delivery>,
    attempts: Vec<Attempt>,
    in_flight: usize,
}

/// Recomputes signature headers for a body at each attempt, for providers whose signatures carry
/// a timestamp (Stripe signs every retry anew, so a late retry still passes the receiver's
/// tolerance).
pub type Signer = Arc<dyn Fn(&[u8]) -> Vec<(String, String)> + Send + Sync>;

/// Sends webhooks. Cheap to clone.
#[derive(Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
    retry_delays: Arc<Vec<Duration>>,
    plan: Arc<Mutex<Plan>>,
    signer: Option<Signer>,
}

impl std::fmt::Debug for WebhookSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSender")
            .field("retry_delays", &self.retry_delays)
            .finish_non_exhaustive()
    }
}

impl WebhookSender {
    /// A sender that retries a failed delivery after each of `retry_delays` in turn.
    pub fn new(retry_delays: Vec<Duration>) -> Self {
        Self {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
            retry_delays: Arc::new(retry_delays),
            plan: Arc::new(Mutex::new(Plan::default())),
            signer: None,
        }
    }

    /// Signs every attempt with `signer`: its headers replace the delivery's headers of the same
    /// name.
    #[must_use]
    pub fn with_signer(mut self, signer: Signer) -> Self {
        self.signer = Some(signer);
        self
    }

    fn plan(&self) -> MutexGuard<'_, Plan> {
        self.plan.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next `n` webhooks are each delivered twice.
    pub fn duplicate_next(&self, n: u32) {
        self.plan().duplicate_next += n;
    }

    /// The next `n` webhooks are held back and sent after the webhook that follows them.
    pub fn reorder_next(&self, n: u32) {
        self.plan().hold_next += n;
    }

    /// Every attempt so far.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.plan().attempts.clone()
    }

    /// Deliveries still being tried, plus those held back for reordering.
    pub fn pending(&self) -> usize {
        let plan = self.plan();
        plan.in_flight + plan.held.len()
    }

    /// Sends held-back webhooks now (when nothing followed them).
    pub fn flush_held(&self) {
        let held = std::mem::take(&mut self.plan().held);
        for delivery in held {
            self.spawn(delivery);
        }
    }

    /// Queues `delivery`, applying any duplicate or reorder instruction.
    pub fn send(&self, delivery: Delivery) {
        let (copies, hold, release) = {
            let mut plan = self.plan();
            let copies = if plan.duplicate_next > 0 {
                plan.duplicate_next -= 1;
                2
            } else {
                1
            };
            if plan.hold_next > 0 {
                plan.hold_next -= 1;
                plan.held.push(delivery.clone());
                (copies, true, Vec::new())
            } else {
                (copies, false, std::mem::take(&mut plan.held))
            }
        };
        if hold {
            if copies == 2 {
                self.spawn(delivery);
            }
            return;
        }
        for _ in 0..copies {
            self.spawn(delivery.clone());
        }
        for held in release {
            self.spawn(held);
        }
    }

    fn spawn(&self, delivery: Delivery) {
        self.plan().in_flight += 1;
        let this = self.clone();
        tokio::spawn(async move {
            this.deliver(&delivery).await;
            this.plan().in_flight -= 1;
        });
    }

    async fn deliver(&self, delivery: &Delivery) {
        let mut number = 1;
        loop {
            let mut headers = delivery.headers.clone();
            if let Some(sign) = &self.signer {
                for (name, value) in sign(&delivery.body) {
                    headers.retain(|(existing, _)| !existing.eq_ignore_ascii_case(&name));
                    headers.push((name, value));
                }
            }
            let mut request = self
                .client
                .post(delivery.url.clone())
                .body(delivery.body.clone());
            for (name, value) in &headers {
                request = request.header(name, value);
            }
            let status = request.send().await.ok().map(|r| r.status().as_u16());
            self.plan().attempts.push(Attempt {
                topic: delivery.topic.clone(),
                url: delivery.url.clone(),
                number,
                status,
            });
            if status.is_some_and(|s| (200..300).contains(&s)) {
                return;
            }
            let Some(delay) = self
                .retry_delays
                .get(usize::try_from(number - 1).unwrap_or(usize::MAX))
            else {
                tracing::warn!(topic = %delivery.topic, url = %delivery.url, "webhook delivery gave up");
                return;
            };
            tokio::time::sleep(*delay).await;
            number += 1;
        }
    }

    /// Waits until nothing is in flight (held deliveries excepted), up to `timeout`.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.plan().in_flight > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }
}
