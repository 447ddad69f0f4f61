//! The Magento + Stripe pair: its settings (`[magento_stripe]` in the file, or the
//! `magento_stripe` example binary's environment) and how the service wires them.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use erp::Erp;
use flows::backfill::Backfill;
use flows::intake::{AdobeCommerceWebhooks, Intake, StripeWebhooks};
use flows::workflows::magento_stripe::{Config, MagentoStripe};
use flows::{Store, Worker};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::error::Error;
use crate::issues::Issues;
use crate::pairs::{every, hours, http_url, scheduled};
use crate::secret::SecretRef;

/// The Magento + Stripe pair's settings, secrets read.
#[derive(Clone)]
pub struct MagentoStripeSettings {
    /// The Magento installation (`https://shop.example.com`).
    pub base_url: Url,
    /// The store view served (`default`): part of every key and ERP reference.
    pub store_code: String,
    /// How the service signs in to Magento's REST API.
    pub credentials: MagentoCredentials,
    /// Stripe's secret API key.
    pub stripe_secret_key: SecretString,
    /// The Stripe webhook endpoint's signing secret (`whsec_...`).
    pub stripe_webhook_secret: SecretString,
    /// The Stripe account (`acct_...`), part of ERP references.
    pub stripe_account: String,
    /// Another address for Stripe's API than `https://api.stripe.com` (the sandbox's fake).
    pub stripe_api_url: Option<Url>,
    /// Adobe Commerce only: the verifier of its signed webhooks, from the public keys shown in
    /// its Admin; with it the service takes `POST /webhooks/magento`.
    pub webhook_verifier: Option<magento::WebhookVerifier>,
    /// The pollers run as jobs of the worker.
    pub backfill: MagentoStripeBackfill,
    /// How disputes and early fraud warnings are answered.
    pub disputes: MagentoStripeDisputes,
    /// Through which day each run of the revenue recognition recognises deferred subscription
    /// revenue (`[magento_stripe.billing] recognition`): daily (the default) or the last month
    /// end.
    pub recognition: erp::RecognitionSchedule,
}

/// `[magento_stripe.disputes]`, checked: see [`flows::workflows::magento_stripe::DisputeCtx`].
#[derive(Debug, Clone, Default)]
pub struct MagentoStripeDisputes {
    /// The order status of disputed orders.
    pub status: Option<String>,
    /// Submit evidence at once instead of staging it.
    pub submit_evidence: bool,
    /// The refund policy sent with the evidence.
    pub refund_policy: Option<String>,
    /// How long before the deadline a person is reminded.
    pub reminder: Option<Duration>,
    /// Early fraud warnings under this amount of unshipped orders are refunded.
    pub refund_fraud_below: Option<mapping::Money>,
}

impl MagentoStripeDisputes {
    /// `config` with these settings.
    fn apply(&self, mut config: Config) -> Config {
        if let Some(status) = &self.status {
            config = config.dispute_status(status.as_str());
        }
        if let Some(policy) = &self.refund_policy {
            config = config.refund_policy(policy.as_str());
        }
        if let Some(reminder) = self.reminder {
            config = config.evidence_reminder(reminder);
        }
        if let Some(limit) = self.refund_fraud_below {
            config = config.refund_fraud_warnings_below(limit);
        }
        config.submit_evidence(self.submit_evidence)
    }
}

impl std::fmt::Debug for MagentoStripeSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MagentoStripeSettings")
            .field("base_url", &self.base_url.as_str())
            .field("store_code", &self.store_code)
            .field("credentials", &self.credentials)
            .field("stripe_account", &self.stripe_account)
            .field(
                "stripe_api_url",
                &self.stripe_api_url.as_ref().map(Url::as_str),
            )
            .field("webhook_verifier", &self.webhook_verifier.is_some())
            .field("backfill", &self.backfill)
            .field("disputes", &self.disputes)
            .field("recognition", &self.recognition)
            .finish_non_exhaustive()
    }
}

/// How the service signs in to Magento.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum MagentoCredentials {
    /// The integration's OAuth 1.0a credentials (HMAC-SHA256), the recommended way.
    OAuth {
        /// The consumer key.
        consumer_key: SecretString,
        /// The consumer secret.
        consumer_secret: SecretString,
        /// The access token.
        access_token: SecretString,
        /// The access token secret.
        access_token_secret: SecretString,
    },
    /// The integration's access token as a bearer token (Magento refuses it unless
    /// `oauth/consumer/enable_integration_as_bearer` is on).
    IntegrationToken(SecretString),
}

impl From<&MagentoCredentials> for magento::Credentials {
    fn from(credentials: &MagentoCredentials) -> Self {
        match credentials {
            MagentoCredentials::OAuth {
                consumer_key,
                consumer_secret,
                access_token,
                access_token_secret,
            } => magento::Credentials::oauth(
                consumer_key.expose_secret(),
                consumer_secret.expose_secret(),
                access_token.expose_secret(),
                access_token_secret.expose_secret(),
            ),
            MagentoCredentials::IntegrationToken(token) => {
                magento::Credentials::integration_bearer(token.expose_secret())
            }
        }
    }
}

/// How often each Magento + Stripe poller runs; `None`: not at all.
#[derive(Debug, Clone)]
pub struct MagentoStripeBackfill {
    /// Magento orders waiting for payment (`MagentoOrderPoller`; Magento Open Source sends no
    /// webhooks, so this is how orders arrive there).
    pub orders: Option<Duration>,
    /// Stripe events whose webhooks never came (`StripeEvents`).
    pub events: Option<Duration>,
    /// How far back the events poll reads before it has a checkpoint (Stripe keeps 30 days).
    pub events_lookback: Duration,
    /// Magento customers changed since the last poll (`MagentoCustomerPoller`; Open Source
    /// sends no customer events, so this is how their changes reach Stripe there).
    pub customers: Option<Duration>,
    /// How often deferred subscription revenue is recognised (`[magento_stripe.billing]
    /// recognize_every_minutes`, hourly by default).
    pub recognize_every: Duration,
}

/// The verifier of Adobe Commerce webhooks from the PEM files at `paths` (several while a key
/// pair is replaced); `None` for no paths. The error names the file.
pub fn webhook_verifier<'a>(
    paths: impl IntoIterator<Item = &'a Path>,
) -> Result<Option<magento::WebhookVerifier>, String> {
    let mut verifier: Option<magento::WebhookVerifier> = None;
    for path in paths {
        let shown = path.display();
        let pem = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
        let read = match verifier {
            None => magento::WebhookVerifier::from_public_key_pem(&pem),
            Some(verifier) => verifier.with_public_key_pem(&pem),
        };
        verifier = Some(read.map_err(|e| format!("{shown}: {e}"))?);
    }
    Ok(verifier)
}

impl MagentoStripeSettings {
    /// The webhook sources: Stripe's (`POST /webhooks/stripe`), and Adobe Commerce's
    /// (`POST /webhooks/magento`) when it has a verifier.
    pub fn webhook_sources(&self) -> (StripeWebhooks, Option<AdobeCommerceWebhooks>) {
        let stripe = StripeWebhooks::new(stripe_client::webhook::Webhook::new(
            self.stripe_webhook_secret.clone(),
        ));
        let commerce = self
            .webhook_verifier
            .clone()
            .map(AdobeCommerceWebhooks::new);
        (stripe, commerce)
    }

    /// The workflows, their clients built, booking into `ledger`.
    pub fn workflows(&self, ledger: Arc<dyn Erp>) -> Result<MagentoStripe, Error> {
        let magento = magento::Client::builder(
            self.base_url.as_str(),
            magento::Credentials::from(&self.credentials),
        )
        .store_code(&self.store_code)
        .build()?;
        let stripe = stripe_client::Client::builder(self.stripe_secret_key.clone());
        let stripe = match &self.stripe_api_url {
            Some(url) => stripe.base_url(url.as_str()),
            None => stripe,
        }
        .build()?;
        let config = self
            .disputes
            .apply(Config::new(
                self.store_code.as_str(),
                self.stripe_account.as_str(),
            ))
            .recognition(self.recognition);
        Ok(MagentoStripe::new(magento, stripe, ledger, config))
    }
}

impl MagentoStripeBackfill {
    /// Registers the pollers that run on `worker` and enqueues their jobs into `store`. The
    /// events poller stores what it finds through `intake`, which must hold the pair's Stripe
    /// source and routes.
    pub(crate) async fn schedule(
        &self,
        workflows: &MagentoStripe,
        store: &Arc<dyn Store>,
        intake: &Intake,
        worker: Worker,
    ) -> Result<Worker, Error> {
        let orders = self
            .orders
            .map(|every| workflows.order_backfill(Arc::clone(store), every));
        let worker = scheduled(&**store, worker, orders).await?;
        let customers = self
            .customers
            .map(|every| workflows.customer_backfill(Arc::clone(store), every));
        let worker = scheduled(&**store, worker, customers).await?;
        // Deferred subscription revenue, recognised by the pair's `Config::recognition` (daily
        // by default) every `recognize_every` (hourly by default): a recognised day is never
        // booked twice, so runs may repeat.
        let revenue = Some(workflows.revenue_recognition(self.recognize_every));
        let worker = scheduled(&**store, worker, revenue).await?;
        let events = self.events.map(|every| {
            let poller = workflows
                .stripe_events(Arc::clone(store), intake)
                .lookback(self.events_lookback);
            Backfill::new(poller, every)
        });
        scheduled(&**store, worker, events).await
    }
}

/// `[magento_stripe]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MagentoStripeSection {
    magento: MagentoSection,
    stripe: StripeSection,
    #[serde(default)]
    backfill: BackfillSection,
    #[serde(default)]
    disputes: DisputesSection,
    #[serde(default)]
    billing: BillingSection,
}

/// `[magento_stripe.billing]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct BillingSection {
    /// `"daily"` or `"month_end"`.
    recognition: erp::RecognitionSchedule,
    recognize_every_minutes: u64,
}

impl Default for BillingSection {
    fn default() -> Self {
        Self {
            recognition: erp::RecognitionSchedule::Daily,
            recognize_every_minutes: 60,
        }
    }
}

impl BillingSection {
    /// How often the recognition runs.
    fn every(&self, issues: &mut Issues) -> Option<Duration> {
        if !(1..=1440).contains(&self.recognize_every_minutes) {
            issues.push(
                "magento_stripe.billing.recognize_every_minutes",
                "must be from 1 to 1440 (a day)",
            );
            return None;
        }
        Some(Duration::from_secs(self.recognize_every_minutes * 60))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct DisputesSection {
    status: Option<String>,
    submit_evidence: bool,
    refund_policy: Option<String>,
    reminder_days: Option<u64>,
    /// An amount and its currency: `"100.00 USD"`.
    refund_fraud_below: Option<String>,
}

impl DisputesSection {
    fn validate(&self, issues: &mut Issues) -> Option<MagentoStripeDisputes> {
        const D: &str = "magento_stripe.disputes";
        if self.status.as_deref().is_some_and(|s| s.trim().is_empty()) {
            issues.push(
                format!("{D}.status"),
                "is empty: give a Magento order status, or leave it out",
            );
            return None;
        }
        let reminder = match self.reminder_days {
            Some(days @ 1..=30) => Some(hours(days * 24)),
            Some(_) => {
                issues.push(format!("{D}.reminder_days"), "must be from 1 to 30");
                return None;
            }
            None => None,
        };
        let refund_fraud_below = match self.refund_fraud_below.as_deref() {
            Some(text) => Some(issues.check(&format!("{D}.refund_fraud_below"), money(text))?),
            None => None,
        };
        Some(MagentoStripeDisputes {
            status: self.status.clone(),
            submit_evidence: self.submit_evidence,
            refund_policy: self.refund_policy.clone(),
            reminder,
            refund_fraud_below,
        })
    }
}

/// `"100.00 USD"` as money, exact.
fn money(text: &str) -> Result<mapping::Money, String> {
    let expected = || format!("{text:?} is not an amount and its currency, such as \"100.00 USD\"");
    let (amount, code) = text.trim().split_once(' ').ok_or_else(expected)?;
    let currency =
        mapping::currency::parse_currency(code.trim(), "currency").map_err(|e| e.to_string())?;
    let money =
        mapping::Money::parse_major(amount, currency, "amount").map_err(|e| e.to_string())?;
    if money.minor() <= 0 {
        return Err(format!("{text:?} is not more than zero"));
    }
    Ok(money)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MagentoSection {
    base_url: String,
    #[serde(default = "default_store")]
    store_code: String,
    oauth: Option<OAuthSection>,
    integration_token: Option<SecretRef>,
    #[serde(default)]
    webhook_public_keys: Vec<std::path::PathBuf>,
}

fn default_store() -> String {
    "default".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OAuthSection {
    consumer_key: SecretRef,
    consumer_secret: SecretRef,
    access_token: SecretRef,
    access_token_secret: SecretRef,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StripeSection {
    secret_key: SecretRef,
    webhook_secret: SecretRef,
    account: String,
    api_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct BackfillSection {
    orders_poll_secs: u64,
    events_poll_secs: u64,
    events_lookback_hours: u64,
    customers_poll_secs: u64,
}

impl Default for BackfillSection {
    fn default() -> Self {
        Self {
            orders_poll_secs: 30,
            events_poll_secs: 300,
            events_lookback_hours: 72,
            customers_poll_secs: 300,
        }
    }
}

/// Stripe keeps events for 30 days.
const MAX_EVENTS_LOOKBACK_HOURS: u64 = 30 * 24;

impl MagentoSection {
    fn credentials(&self, issues: &mut Issues) -> Option<MagentoCredentials> {
        const M: &str = "magento_stripe.magento";
        match (&self.oauth, &self.integration_token) {
            (Some(oauth), None) => {
                let key = |name: &str| format!("{M}.oauth.{name}");
                let consumer_key = oauth.consumer_key.resolve(&key("consumer_key"), issues);
                let consumer_secret = oauth
                    .consumer_secret
                    .resolve(&key("consumer_secret"), issues);
                let access_token = oauth.access_token.resolve(&key("access_token"), issues);
                let access_token_secret = oauth
                    .access_token_secret
                    .resolve(&key("access_token_secret"), issues);
                Some(MagentoCredentials::OAuth {
                    consumer_key: consumer_key?,
                    consumer_secret: consumer_secret?,
                    access_token: access_token?,
                    access_token_secret: access_token_secret?,
                })
            }
            (None, Some(token)) => token
                .resolve(&format!("{M}.integration_token"), issues)
                .map(MagentoCredentials::IntegrationToken),
            (Some(_), Some(_)) => {
                issues.push(M, "give `oauth` or `integration_token`, not both");
                None
            }
            (None, None) => {
                issues.push(
                    M,
                    "give the integration's `oauth` credentials (or its `integration_token`)",
                );
                None
            }
        }
    }
}

impl MagentoStripeSection {
    /// The section checked, secrets and keys read; problems noted against `magento_stripe.*`.
    pub(crate) fn validate(&self, issues: &mut Issues) -> Option<MagentoStripeSettings> {
        const M: &str = "magento_stripe.magento";
        const S: &str = "magento_stripe.stripe";
        let magento = &self.magento;
        let base_url = issues.check(&format!("{M}.base_url"), http_url(&magento.base_url));
        if magento.store_code.trim().is_empty() {
            issues.push(format!("{M}.store_code"), "is empty");
        }
        let credentials = magento.credentials(issues);
        let verifier = issues.check(
            &format!("{M}.webhook_public_keys"),
            webhook_verifier(magento.webhook_public_keys.iter().map(|p| p.as_path())),
        );
        let stripe = &self.stripe;
        let secret_key = stripe
            .secret_key
            .resolve(&format!("{S}.secret_key"), issues);
        let webhook_secret = stripe
            .webhook_secret
            .resolve(&format!("{S}.webhook_secret"), issues);
        if stripe.account.trim().is_empty() {
            issues.push(
                format!("{S}.account"),
                "is empty: give the account id (acct_...)",
            );
        }
        // `None`: not given; `Some(None)`: given, and wrong.
        let api_url = (stripe.api_url.as_deref())
            .map(|url| issues.check(&format!("{S}.api_url"), http_url(url)));
        let backfill = &self.backfill;
        if !(1..=MAX_EVENTS_LOOKBACK_HOURS).contains(&backfill.events_lookback_hours) {
            issues.push(
                "magento_stripe.backfill.events_lookback_hours",
                format!(
                    "must be from 1 to {MAX_EVENTS_LOOKBACK_HOURS} (Stripe keeps 30 days of events)"
                ),
            );
        }
        let api_url = match api_url {
            Some(url) => Some(url?),
            None => None,
        };
        let disputes = self.disputes.validate(issues);
        let recognize_every = self.billing.every(issues);
        Some(MagentoStripeSettings {
            base_url: base_url?,
            store_code: magento.store_code.clone(),
            credentials: credentials?,
            stripe_secret_key: secret_key?,
            stripe_webhook_secret: webhook_secret?,
            stripe_account: stripe.account.clone(),
            stripe_api_url: api_url,
            webhook_verifier: verifier?,
            backfill: MagentoStripeBackfill {
                orders: every(backfill.orders_poll_secs),
                events: every(backfill.events_poll_secs),
                events_lookback: hours(backfill.events_lookback_hours),
                customers: every(backfill.customers_poll_secs),
                recognize_every: recognize_every?,
            },
            disputes: disputes?,
            recognition: self.billing.recognition,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn validate(text: &str) -> (Option<MagentoStripeSettings>, Issues) {
        let section: MagentoStripeSection = toml::from_str(text).unwrap();
        let mut issues = Issues::default();
        (section.validate(&mut issues), issues)
    }

    /// A section with `magento` appended to `[magento]` and `rest` after the Stripe table. The
    /// secrets come from `PATH`, set in every test process.
    fn section(magento: &str, rest: &str) -> String {
        format!(
            "[magento]\nbase_url = \"https://shop.example.com\"\n{magento}\n\
             [stripe]\nsecret_key = {{ env = \"PATH\" }}\nwebhook_secret = {{ env = \"PATH\" }}\n\
             account = \"acct_1\"\n{rest}"
        )
    }

    #[test]
    fn an_integration_token_is_the_bearer_credential() {
        let (settings, issues) = validate(&section("integration_token = { env = \"PATH\" }", ""));
        assert!(issues.is_empty(), "{issues}");
        let settings = settings.unwrap();
        assert!(matches!(
            settings.credentials,
            MagentoCredentials::IntegrationToken(_)
        ));
        assert_eq!(settings.store_code, "default");
        assert_eq!(settings.backfill.events_lookback, hours(72));
        assert_eq!(settings.backfill.customers, Some(Duration::from_secs(300)));
        assert!(settings.webhook_verifier.is_none());
    }

    #[test]
    fn credentials_are_one_kind_and_the_look_back_within_stripes_30_days() {
        let both = "integration_token = { env = \"PATH\" }\n\
                    oauth = { consumer_key = { env = \"PATH\" }, consumer_secret = { env = \"PATH\" }, \
                    access_token = { env = \"PATH\" }, access_token_secret = { env = \"PATH\" } }\n\
                    webhook_public_keys = [\"/nonexistent/commerce.pem\"]";
        let rest = "[backfill]\nevents_lookback_hours = 721";
        let (settings, issues) = validate(&section(both, rest));
        assert!(settings.is_none());
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "magento_stripe.magento",
                "magento_stripe.magento.webhook_public_keys",
                "magento_stripe.backfill.events_lookback_hours",
            ],
            "{issues}"
        );
        let (_, issues) = validate(&section("", ""));
        assert!(
            issues
                .to_string()
                .contains("magento_stripe.magento: give the integration's `oauth`"),
            "{issues}"
        );
    }

    #[test]
    fn dispute_settings_are_read_and_checked_naming_the_key() {
        let token = "integration_token = { env = \"PATH\" }";
        let rest = "[disputes]\nstatus = \"disputed\"\nsubmit_evidence = true\n\
                    refund_policy = \"30 days\"\nreminder_days = 2\n\
                    refund_fraud_below = \"100.00 USD\"";
        let (settings, issues) = validate(&section(token, rest));
        assert!(issues.is_empty(), "{issues}");
        let disputes = settings.unwrap().disputes;
        assert_eq!(disputes.status.as_deref(), Some("disputed"));
        assert!(disputes.submit_evidence);
        assert_eq!(disputes.reminder, Some(hours(48)));
        assert_eq!(
            disputes.refund_fraud_below,
            Some(mapping::Money::from_minor(10_000, mapping::Currency::USD))
        );
        // Left out: nothing submitted, nothing refunded.
        let (settings, _) = validate(&section(token, ""));
        let disputes = settings.unwrap().disputes;
        assert!(!disputes.submit_evidence);
        assert_eq!(disputes.refund_fraud_below, None);

        for (bad, key) in [
            (
                "refund_fraud_below = \"100\"",
                "magento_stripe.disputes.refund_fraud_below",
            ),
            (
                "refund_fraud_below = \"1.005 USD\"",
                "magento_stripe.disputes.refund_fraud_below",
            ),
            (
                "refund_fraud_below = \"0 USD\"",
                "magento_stripe.disputes.refund_fraud_below",
            ),
            (
                "refund_fraud_below = \"10 XXY\"",
                "magento_stripe.disputes.refund_fraud_below",
            ),
            ("reminder_days = 0", "magento_stripe.disputes.reminder_days"),
            ("status = \" \"", "magento_stripe.disputes.status"),
        ] {
            let (settings, issues) = validate(&section(token, &format!("[disputes]\n{bad}")));
            assert!(settings.is_none(), "{bad}");
            let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
            assert_eq!(keys, [key], "{bad}: {issues}");
        }
    }
    #[test]
    fn revenue_recognition_is_daily_and_hourly_unless_the_billing_table_says_otherwise() {
        let token = "integration_token = { env = \"PATH\" }";
        let settings = validate(&section(token, "")).0.unwrap();
        assert_eq!(settings.recognition, erp::RecognitionSchedule::Daily);
        assert_eq!(settings.backfill.recognize_every, hours(1));
        let rest = "[billing]\nrecognition = \"month_end\"\nrecognize_every_minutes = 1440";
        let settings = validate(&section(token, rest)).0.unwrap();
        assert_eq!(settings.recognition, erp::RecognitionSchedule::MonthEnd);
        assert_eq!(settings.backfill.recognize_every, hours(24));
        let (settings, issues) =
            validate(&section(token, "[billing]\nrecognize_every_minutes = 0"));
        assert!(settings.is_none());
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["magento_stripe.billing.recognize_every_minutes"]);
        let err = toml::from_str::<MagentoStripeSection>(&section(
            token,
            "[billing]\nrecognition = \"weekly\"",
        ))
        .unwrap_err();
        assert!(err.to_string().contains("month_end"), "{err}");
    }
}
