//! Faults on demand: rules that make a fake answer with an error, slowly, or not at all, or
//! apply a request only after its client gave up, for the next N matching requests or for a
//! share of them.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What a matching request gets instead of (or before) the normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// This status, headers and body instead of the real answer.
    Respond {
        /// HTTP status.
        status: u16,
        /// Extra headers (`Retry-After`, ...).
        headers: Vec<(String, String)>,
        /// Body text.
        body: String,
    },
    /// The real answer, after this delay. The request is applied only if the client is still
    /// connected when the delay ends: a client that hangs up meanwhile cancels it.
    Latency(Duration),
    /// The request is held for the duration, then applied even if the client has hung up
    /// meanwhile, as a gateway that received a request keeps processing it; the answer goes to
    /// the client only if it is still waiting.
    ApplyAfter(Duration),
    /// Headers of a 200 are sent, then the connection breaks before the body completes: the
    /// client cannot know whether the request was processed.
    Drop,
}

impl Fault {
    /// A bare status code with an empty JSON body.
    pub fn status(status: u16) -> Self {
        Self::Respond {
            status,
            headers: Vec::new(),
            body: "{}".to_owned(),
        }
    }

    /// `429 Too Many Requests` with `Retry-After` in seconds.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self::Respond {
            status: 429,
            headers: vec![("Retry-After".to_owned(), retry_after_secs.to_string())],
            body: r#"{"errors":"Too Many Requests"}"#.to_owned(),
        }
    }
}

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The next `n` matching requests.
    Count(u32),
    /// Each matching request with this probability, in thousandths (deterministic per seed).
    PerMille(u16),
    /// Every matching request until the rule is removed.
    Always,
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// The fake it applies to (`"paytrace"`, `"shopify"`, `"stripe"`, `"magento"`, `"odoo"`).
    pub service: String,
    /// Only requests whose path starts with this (all when `None`).
    pub path_prefix: Option<String>,
    /// Only requests with this method (all when `None`).
    pub method: Option<String>,
    /// What happens.
    pub fault: Fault,
    /// When.
    pub trigger: Trigger,
    /// Matching requests let through untouched before the trigger applies (0: none).
    pub after: u32,
}

impl FaultRule {
    /// A rule for every request to `service`.
    pub fn new(service: impl Into<String>, fault: Fault, trigger: Trigger) -> Self {
        Self {
            service: service.into(),
            path_prefix: None,
            method: None,
            fault,
            trigger,
            after: 0,
        }
    }

    /// Lets the first `n` matching requests through before the trigger applies: the third page
    /// of a paginated read, say, when every page is the same path.
    #[must_use]
    pub fn after(mut self, n: u32) -> Self {
        self.after = n;
        self
    }

    /// Restricts the rule to paths starting with `prefix`.
    #[must_use]
    pub fn path(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Restricts the rule to one method.
    #[must_use]
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into().to_ascii_uppercase());
        self
    }
}

/// Handle of an added rule, to read how often it fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RuleId(pub(crate) usize);

struct Entry {
    rule: FaultRule,
    /// Matching requests still to let through.
    skip: u32,
    remaining: Option<u32>,
    fired: u32,
    active: bool,
}

struct Inner {
    rules: Vec<Entry>,
    rng: StdRng,
}

/// The fault plan shared by all fakes of a sandbox. Cheap to clone.
#[derive(Clone)]
pub struct Faults(Arc<Mutex<Inner>>);

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("rules", &self.lock().rules.len())
            .finish()
    }
}

impl Default for Faults {
    fn default() -> Self {
        Self::with_seed(0)
    }
}

impl Faults {
    /// An empty plan whose `PerMille` draws come from `seed`.
    pub fn with_seed(seed: u64) -> Self {
        Self(Arc::new(Mutex::new(Inner {
            rules: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Rules are plain data updated in single steps; a panic elsewhere cannot tear them.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a rule; rules are checked in the order they were added and the first that fires wins.
    pub fn add(&self, rule: FaultRule) -> RuleId {
        let mut inner = self.lock();
        let remaining = match rule.trigger {
            Trigger::Count(n) => Some(n),
            Trigger::PerMille(_) | Trigger::Always => None,
        };
        inner.rules.push(Entry {
            skip: rule.after,
            rule,
            remaining,
            fired: 0,
            active: true,
        });
        RuleId(inner.rules.len() - 1)
    }

    /// Times the rule has fired.
    pub fn fired(&self, id: RuleId) -> u32 {
        self.lock().rules.get(id.0).map_or(0, |e| e.fired)
    }

    /// Whether `id` names a rule of this plan (removed ones included).
    pub(crate) fn knows(&self, id: RuleId) -> bool {
        id.0 < self.lock().rules.len()
    }

    /// Stops a rule.
    pub fn remove(&self, id: RuleId) {
        if let Some(entry) = self.lock().rules.get_mut(id.0) {
            entry.active = false;
        }
    }

    /// Stops every rule.
    pub fn clear(&self) {
        for entry in &mut self.lock().rules {
            entry.active = false;
        }
    }

    /// The fault for a request, if a rule fires for it (and counts the firing).
    pub fn pick(&self, service: &str, method: &str, path: &str) -> Option<Fault> {
        let mut inner = self.lock();
        let Inner { rules, rng } = &mut *inner;
        for entry in rules.iter_mut().filter(|e| e.active) {
            let rule = &entry.rule;
            let matches = rule.service == service
                && rule
                    .path_prefix
                    .as_deref()
                    .is_none_or(|p| path.starts_with(p))
                && rule
                    .method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method));
            if !matches {
                continue;
            }
            if entry.skip > 0 {
                entry.skip -= 1;
                continue;
            }
            let fires = match (rule.trigger, entry.remaining.as_mut()) {
                (Trigger::Count(_), Some(left)) if *left > 0 => {
                    *left -= 1;
                    true
                }
                (Trigger::PerMille(p), _) => rng.random_range(0..1000) < u32::from(p),
                (Trigger::Always, _) => true,
                _ => false,
            };
            if fires {
                entry.fired += 1;
                return Some(rule.fault.clone());
            }
        }
        None
    }
}

/// Largest request body a [`Fault::ApplyAfter`] hold buffers (far above any fake's requests).
const MAX_HELD_BODY: usize = 16 * 1024 * 1024;

/// State of the fault middleware of one fake.
#[derive(Clone, Debug)]
pub struct FaultLayer {
    /// The shared plan.
    pub faults: Faults,
    /// The fake's name in rules.
    pub service: &'static str,
}

/// Axum middleware applying the plan to every request of one fake.
pub async fn apply(State(layer): State<FaultLayer>, request: Request, next: Next) -> Response {
    let fault = layer.faults.pick(
        layer.service,
        request.method().as_str(),
        request.uri().path(),
    );
    match fault {
        None => next.run(request).await,
        Some(Fault::Latency(delay)) => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        Some(Fault::ApplyAfter(hold)) => {
            // Read the body while the client is surely connected: a body left unread on a
            // connection the client closed could not be read after the hold.
            let (parts, body) = request.into_parts();
            let bytes = match axum::body::to_bytes(body, MAX_HELD_BODY).await {
                Ok(bytes) => bytes,
                Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
            };
            let request = Request::from_parts(parts, Body::from(bytes));
            // A detached task: when the client hangs up, hyper drops this future, not the task,
            // so the request is still applied.
            let work = tokio::spawn(async move {
                tokio::time::sleep(hold).await;
                next.run(request).await
            });
            work.await
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
        Some(Fault::Respond {
            status,
            headers,
            body,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response =
                (status, [("content-type", "application/json")], body).into_response();
            for (name, value) in headers {
                if let (Ok(name), Ok(value)) =
                    (HeaderName::try_from(name), HeaderValue::try_from(value))
                {
                    response.headers_mut().insert(name, value);
                }
            }
            response
        }
        Some(Fault::Drop) => {
            // Run the real handler (the effect happens) and then break the body: the request was
            // processed but the client never sees the answer.
            let _processed = next.run(request).await;
            let broken = futures::stream::once(async {
                Err::<bytes::Bytes, std::io::Error>(std::io::Error::other(
                    "connection dropped by fault injection",
                ))
            });
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .body(Body::from_stream(broken))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_rules_fire_exactly_n_times_on_matching_requests() {
        let faults = Faults::default();
        let id = faults.add(
            FaultRule::new("paytrace", Fault::status(503), Trigger::Count(2))
                .path("/v1/transactions"),
        );
        assert_eq!(faults.pick("paytrace", "POST", "/oauth/token"), None);
        assert_eq!(
            faults.pick("stripe", "POST", "/v1/transactions/sale/keyed"),
            None
        );
        assert_eq!(
            faults.pick("paytrace", "POST", "/v1/transactions/sale/keyed"),
            Some(Fault::status(503))
        );
        assert_eq!(
            faults.pick("paytrace", "POST", "/v1/transactions/sale/keyed"),
            Some(Fault::status(503))
        );
        assert_eq!(
            faults.pick("paytrace", "POST", "/v1/transactions/sale/keyed"),
            None
        );
        assert_eq!(faults.fired(id), 2);
    }

    #[test]
    fn after_lets_matching_requests_through_before_the_trigger() {
        let faults = Faults::default();
        let id = faults.add(
            FaultRule::new("shopify", Fault::status(503), Trigger::Count(2))
                .path("/admin")
                .after(2),
        );
        // Requests the rule does not match do not count towards `after`.
        assert_eq!(faults.pick("shopify", "POST", "/oauth"), None);
        let picks: Vec<Option<Fault>> = (0..5)
            .map(|_| faults.pick("shopify", "POST", "/admin/api/graphql.json"))
            .collect();
        let fault = Some(Fault::status(503));
        assert_eq!(picks, [None, None, fault.clone(), fault, None]);
        assert_eq!(faults.fired(id), 2);
    }

    #[test]
    fn per_mille_rules_fire_at_about_their_rate_deterministically() {
        let count = |seed| {
            let faults = Faults::with_seed(seed);
            faults.add(FaultRule::new(
                "shopify",
                Fault::status(500),
                Trigger::PerMille(250),
            ));
            (0..4000)
                .filter(|_| {
                    faults
                        .pick("shopify", "POST", "/admin/api/graphql.json")
                        .is_some()
                })
                .count()
        };
        let fired = count(42);
        assert!((800..1200).contains(&fired), "{fired}");
        assert_eq!(fired, count(42));
    }

    #[test]
    fn method_filters_and_removal() {
        let faults = Faults::default();
        let id = faults.add(FaultRule::new("magento", Fault::Drop, Trigger::Always).method("post"));
        assert_eq!(faults.pick("magento", "GET", "/rest/V1/orders/1"), None);
        assert_eq!(
            faults.pick("magento", "POST", "/rest/V1/order/1/invoice"),
            Some(Fault::Drop)
        );
        faults.remove(id);
        assert_eq!(
            faults.pick("magento", "POST", "/rest/V1/order/1/invoice"),
            None
        );
        assert_eq!(faults.fired(id), 1);
    }
}
