//! Stateful local fakes of the services the SDK talks to, over real HTTP on loopback.
//!
//! Each fake keeps state in memory and speaks the real service's wire format for the parts the
//! SDK's clients use, so the demo and the end-to-end tests exercise real requests without any
//! credentials or network. A [`Faults`] plan shared by all fakes injects errors, `429`s with
//! `Retry-After`, latency, dropped connections and requests applied after their client gave up
//! ([`Fault::ApplyAfter`]) on demand; the fakes that send webhooks sign them like the real service
//! and can duplicate or reorder deliveries.
//!
//! The [`control`] module is an HTTP API over a running [`Sandbox`] (faults, seeding, inspection)
//! so that another process can drive it: the `sandbox` binary serves it with `--control <addr>`
//! and prints one line of JSON ([`Sandbox::describe_json`] plus the control URL) on start.
//!
//! ```no_run
//! use sandbox::{Faults, Running, paytrace::PaytraceFake};
//!
//! # async fn example() -> Result<(), sandbox::SandboxError> {
//! let faults = Faults::default();
//! let paytrace = Running::start(PaytraceFake::new(), &faults).await?;
//! println!("PayTrace fake at {}", paytrace.base_url());
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod chat;
pub mod cli;
pub mod control;
pub mod faults;
pub mod magento;
pub mod odoo;
pub mod paytrace;
pub mod server;
pub mod shopify;
pub mod stripe;
pub mod warehouse;
pub mod webhooks;

use std::time::Duration;

use axum::Router;
use serde_json::{Value, json};
use thiserror::Error;
use url::Url;

pub use faults::{Fault, FaultRule, Faults, RuleId, Trigger};
pub use server::Server;
pub use webhooks::{Attempt, Delivery, Signer, WebhookSender};

/// Why a fake could not start.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// Binding or reading the loopback socket failed.
    #[error("socket: {0}")]
    Io(#[from] std::io::Error),
    /// A URL could not be built.
    #[error("url: {0}")]
    Url(String),
}

/// One of the services the sandbox can fake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    /// PayTrace.
    Paytrace,
    /// Shopify.
    Shopify,
    /// Stripe.
    Stripe,
    /// Magento.
    Magento,
    /// Odoo.
    Odoo,
}

impl Service {
    /// Every service.
    pub const ALL: [Self; 5] = [
        Self::Paytrace,
        Self::Shopify,
        Self::Stripe,
        Self::Magento,
        Self::Odoo,
    ];

    /// The name fault rules and the command line use.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Paytrace => paytrace::PaytraceFake::SERVICE,
            Self::Shopify => shopify::ShopifyFake::SERVICE,
            Self::Stripe => stripe::StripeFake::SERVICE,
            Self::Magento => magento::MagentoFake::SERVICE,
            Self::Odoo => odoo::OdooFake::SERVICE,
        }
    }
}

impl std::str::FromStr for Service {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                format!("unknown service {name:?} (paytrace, shopify, stripe, magento, odoo)")
            })
    }
}

/// Any subset of the fakes, running on ephemeral loopback ports with one shared fault plan.
#[derive(Debug, Default)]
pub struct Sandbox {
    /// The fault plan every running fake applies.
    pub faults: Faults,
    /// The PayTrace fake, when started.
    pub paytrace: Option<Running<paytrace::PaytraceFake>>,
    /// The Shopify fake, when started.
    pub shopify: Option<Running<shopify::ShopifyFake>>,
    /// The Stripe fake, when started.
    pub stripe: Option<Running<stripe::StripeFake>>,
    /// The Magento fake, when started.
    pub magento: Option<Running<magento::MagentoFake>>,
    /// The Odoo fake, when started.
    pub odoo: Option<Running<odoo::OdooFake>>,
}

/// How [`Sandbox::start_with`] starts the fakes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StartOptions {
    /// Seed of the fault plan's `PerMille` draws.
    pub seed: u64,
    /// Retry schedule of the Shopify and Stripe fakes' webhook senders (each provider's own
    /// schedule when `None`).
    pub webhook_retries: Option<Vec<Duration>>,
}

impl StartOptions {
    /// Sets the fault plan's seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the webhook retry schedule of the Shopify and Stripe fakes.
    #[must_use]
    pub fn webhook_retries(mut self, delays: Vec<Duration>) -> Self {
        self.webhook_retries = Some(delays);
        self
    }
}

impl Sandbox {
    /// Starts `services` (each once) with a fault plan seeded with `seed`.
    pub async fn start(services: &[Service], seed: u64) -> Result<Self, SandboxError> {
        Self::start_with(services, StartOptions::default().seed(seed)).await
    }

    /// Starts `services` (each once) as `options` say.
    pub async fn start_with(
        services: &[Service],
        options: StartOptions,
    ) -> Result<Self, SandboxError> {
        let mut sandbox = Self {
            faults: Faults::with_seed(options.seed),
            ..Self::default()
        };
        let shopify_fake = || match &options.webhook_retries {
            Some(delays) => shopify::ShopifyFake::new().with_retry_schedule(delays.clone()),
            None => shopify::ShopifyFake::new(),
        };
        let stripe_fake = || match &options.webhook_retries {
            Some(delays) => stripe::StripeFake::with_webhook_retry_delays(delays.clone()),
            None => stripe::StripeFake::new(),
        };
        for service in services {
            let faults = &sandbox.faults;
            match service {
                Service::Paytrace if sandbox.paytrace.is_none() => {
                    sandbox.paytrace =
                        Some(Running::start(paytrace::PaytraceFake::new(), faults).await?);
                }
                Service::Shopify if sandbox.shopify.is_none() => {
                    sandbox.shopify = Some(Running::start(shopify_fake(), faults).await?);
                }
                Service::Stripe if sandbox.stripe.is_none() => {
                    sandbox.stripe = Some(Running::start(stripe_fake(), faults).await?);
                }
                Service::Magento if sandbox.magento.is_none() => {
                    sandbox.magento =
                        Some(Running::start(magento::MagentoFake::new(), faults).await?);
                }
                Service::Odoo if sandbox.odoo.is_none() => {
                    sandbox.odoo = Some(Running::start(odoo::OdooFake::new(), faults).await?);
                }
                _ => {}
            }
        }
        Ok(sandbox)
    }

    /// Each running fake's base URL and the credentials a client needs, one line per value. These
    /// are the fakes' own throwaway credentials, printed so a developer can point a client at them.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(p) = &self.paytrace {
            lines.push(format!("paytrace  {}", p.base_url()));
            lines.push(format!(
                "  username {}  password {}  integrator id {}",
                p.fake.username(),
                p.fake.password(),
                p.fake.integrator_id()
            ));
        }
        if let Some(s) = &self.shopify {
            lines.push(format!("shopify   {}", s.base_url()));
            lines.push(format!(
                "  shop {}  access token {}  webhook secret {}",
                s.fake.shop_domain(),
                s.fake.access_token(),
                s.fake.webhook_secret()
            ));
        }
        if let Some(s) = &self.stripe {
            lines.push(format!("stripe    {}", s.base_url()));
            lines.push(format!(
                "  secret key {}  webhook secret {}",
                s.fake.secret_key(),
                s.fake.webhook_secret()
            ));
        }
        if let Some(m) = &self.magento {
            lines.push(format!("magento   {}", m.base_url()));
            lines.push(format!(
                "  consumer key {}  consumer secret {}  access token {}  token secret {}  bearer {}",
                m.fake.consumer_key(),
                m.fake.consumer_secret(),
                m.fake.access_token(),
                m.fake.access_token_secret(),
                m.fake.integration_token()
            ));
        }
        if let Some(o) = &self.odoo {
            lines.push(format!("odoo      {}", o.base_url()));
            lines.push(format!(
                "  database {}  api key {}",
                o.fake.database(),
                o.fake.api_key()
            ));
        }
        lines
    }

    /// The same as [`Self::describe`] as one JSON object: a key per running fake (`paytrace`,
    /// `shopify`, `stripe`, `magento`, `odoo`) holding its `url` and credentials.
    ///
    /// ```json
    /// {"paytrace": {"url": "http://127.0.0.1:40001/", "username": "…", "password": "…", "integrator_id": "…"},
    ///  "shopify": {"url": "…", "shop_domain": "…", "access_token": "…", "client_id": "…",
    ///              "client_secret": "…", "webhook_secret": "…", "api_version": "2026-10"},
    ///  "stripe": {"url": "…", "secret_key": "…", "webhook_secret": "…"},
    ///  "magento": {"url": "…", "consumer_key": "…", "consumer_secret": "…", "access_token": "…",
    ///              "access_token_secret": "…", "integration_token": "…",
    ///              "admin_username": "…", "admin_password": "…"},
    ///  "odoo": {"url": "…", "database": "…", "api_key": "…"}}
    /// ```
    pub fn describe_json(&self) -> Value {
        let mut out = serde_json::Map::new();
        if let Some(p) = &self.paytrace {
            out.insert(
                Service::Paytrace.name().to_owned(),
                json!({
                    "url": p.base_url().as_str(),
                    "username": p.fake.username(),
                    "password": p.fake.password(),
                    "integrator_id": p.fake.integrator_id(),
                }),
            );
        }
        if let Some(s) = &self.shopify {
            out.insert(
                Service::Shopify.name().to_owned(),
                json!({
                    "url": s.base_url().as_str(),
                    "shop_domain": s.fake.shop_domain(),
                    "access_token": s.fake.access_token(),
                    "client_id": s.fake.client_id(),
                    "client_secret": s.fake.client_secret(),
                    "webhook_secret": s.fake.webhook_secret(),
                    "api_version": shopify::API_VERSION,
                }),
            );
        }
        if let Some(s) = &self.stripe {
            out.insert(
                Service::Stripe.name().to_owned(),
                json!({
                    "url": s.base_url().as_str(),
                    "secret_key": s.fake.secret_key(),
                    "webhook_secret": s.fake.webhook_secret(),
                }),
            );
        }
        if let Some(m) = &self.magento {
            out.insert(
                Service::Magento.name().to_owned(),
                json!({
                    "url": m.base_url().as_str(),
                    "consumer_key": m.fake.consumer_key(),
                    "consumer_secret": m.fake.consumer_secret(),
                    "access_token": m.fake.access_token(),
                    "access_token_secret": m.fake.access_token_secret(),
                    "integration_token": m.fake.integration_token(),
                    "admin_username": magento::ADMIN_USERNAME,
                    "admin_password": magento::ADMIN_PASSWORD,
                }),
            );
        }
        if let Some(o) = &self.odoo {
            out.insert(
                Service::Odoo.name().to_owned(),
                json!({
                    "url": o.base_url().as_str(),
                    "database": o.fake.database(),
                    "api_key": o.fake.api_key(),
                }),
            );
        }
        Value::Object(out)
    }
}

/// A fake service: its state handle (cheap to clone, shared with its HTTP handlers) and its routes.
pub trait Fake: Clone + Send + Sync + 'static {
    /// The name fault rules use for it (`"paytrace"`, `"shopify"`, ...).
    const SERVICE: &'static str;

    /// The HTTP routes, serving from the shared state.
    fn router(&self) -> Router;
}

/// A fake serving on a loopback port.
#[derive(Debug)]
pub struct Running<F: Fake> {
    /// The fake's state handle, for inspecting and seeding state in tests.
    pub fake: F,
    server: Server,
}

impl<F: Fake> Running<F> {
    /// Serves `fake` on a free `127.0.0.1` port, with `faults` applied.
    pub async fn start(fake: F, faults: &Faults) -> Result<Self, SandboxError> {
        let server = Server::start(F::SERVICE, fake.router(), faults.clone()).await?;
        Ok(Self { fake, server })
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> &Url {
        self.server.base_url()
    }

    /// Stops the server.
    pub async fn stop(self) {
        self.server.stop().await;
    }
}
