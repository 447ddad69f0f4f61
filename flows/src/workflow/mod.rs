//! The typed workflow layer: what a workflow declares, and what its steps get from the runtime.
//!
//! A workflow is a set of [`Flow`]s. Each flow declares its job kind ([`Flow::KIND`]), the
//! systems it calls ([`Flow::SYSTEMS`], whose circuit breakers guard its jobs), its typed input
//! ([`Flow::Input`]) and the entity its input is about ([`Flow::entity`], which is the job's
//! key: one job per entity and kind, however many events arrive about it). Its steps run in a
//! [`StepCtx`], which derives every key from the entity, runs each effect at most once, keeps
//! typed state, waits for timers or other flows without spending attempts, and holds the lease.
//!
//! ```
//! use async_trait::async_trait;
//! use flows::workflow::{Entity, EntityKey, Flow, JobKind, Step, StepCtx};
//! use flows::StepError;
//! use mapping::System;
//! use serde::{Deserialize, Serialize};
//!
//! /// Input: which order to greet.
//! #[derive(Serialize, Deserialize)]
//! struct Greet {
//!     order: u64,
//! }
//!
//! /// The one effect: a greeting sent through Shopify, at most once per order.
//! const SEND: Step<String> = Step::new("greeting", System::Shopify);
//!
//! struct Greeter {
//!     shop: String,
//! }
//!
//! #[async_trait]
//! impl Flow for Greeter {
//!     type Input = Greet;
//!     const KIND: JobKind = JobKind::new("demo.greet");
//!     const SYSTEMS: &'static [System] = &[System::Shopify];
//!
//!     fn entity(&self, input: &Greet) -> Result<EntityKey, StepError> {
//!         Ok(EntityKey::new(System::Shopify, &self.shop).child(Entity::Order, input.order))
//!     }
//!
//!     async fn run(&self, ctx: &StepCtx<'_>, input: Greet) -> Result<(), StepError> {
//!         let sent = ctx
//!             .once(&SEND, || async move { Ok(format!("hello, order {}", input.order)) })
//!             .await?;
//!         println!("{sent}");
//!         Ok(())
//!     }
//! }
//!
//! let job = flows::workflow::job(&Greeter { shop: "demo.myshopify.com".into() }, &Greet { order: 7 })
//!     .expect("a key");
//! assert_eq!(job.key, "shopify/demo.myshopify.com/order/7");
//! ```

mod context;
mod key;

use std::sync::Arc;

use async_trait::async_trait;
use mapping::System;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use context::{EventRef, StepCtx};
pub(crate) use context::{LeaseClock, WaitLimits};
pub use key::{Entity, EntityKey, JobKind, State, Step};

use crate::StepError;
use crate::store::NewJob;

/// One flow of a workflow: the steps run for one job kind.
#[async_trait]
pub trait Flow: Send + Sync + 'static {
    /// What a job of this flow carries.
    type Input: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// The flow's job kind.
    const KIND: JobKind;
    /// The systems its steps call: while the circuit breaker of any of them is open, its jobs
    /// wait without running.
    const SYSTEMS: &'static [System];

    /// The entity `input` is about: the job's key.
    fn entity(&self, input: &Self::Input) -> Result<EntityKey, StepError>;

    /// Runs the steps.
    async fn run(&self, ctx: &StepCtx<'_>, input: Self::Input) -> Result<(), StepError>;
}

/// The job that runs `flow` on `input`, now.
pub fn job<F: Flow>(flow: &F, input: &F::Input) -> Result<NewJob, StepError> {
    Ok(NewJob {
        kind: F::KIND,
        key: flow.entity(input)?.as_str().to_owned(),
        payload: serde_json::to_value(input)
            .map_err(|e| StepError::permanent(format!("{} input: {e}", F::KIND)))?,
        run_at: 0,
        rerun: false,
        event: None,
    })
}

/// A flow as the worker runs it: input decoded from the job, entity checked.
#[async_trait]
pub(crate) trait Runner: Send + Sync {
    fn systems(&self) -> &'static [System];
    async fn run(&self, ctx: &StepCtx<'_>) -> Result<(), StepError>;
}

pub(crate) struct FlowRunner<F>(pub(crate) Arc<F>);

#[async_trait]
impl<F: Flow> Runner for FlowRunner<F> {
    fn systems(&self) -> &'static [System] {
        F::SYSTEMS
    }

    async fn run(&self, ctx: &StepCtx<'_>) -> Result<(), StepError> {
        let job = ctx.job();
        let input = F::Input::deserialize(&job.payload).map_err(|e| {
            StepError::permanent(format!("{} job {}: input: {e}", F::KIND, job.key))
        })?;
        let entity = self.0.entity(&input)?;
        if &entity != ctx.entity() {
            return Err(StepError::permanent(format!(
                "job {} carries the input of {entity}",
                job.key
            )));
        }
        self.0.run(ctx, input).await
    }
}

/// Decodes a stored body as `T`; one that does not fit is a permanent error naming `what` and
/// the JSON path. Tracking the path costs on every field, so only a failed decode is repeated
/// with it.
pub fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, StepError> {
    serde_json::from_slice(body).or_else(|_| {
        let de = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(de).map_err(|e| {
            StepError::permanent(format!(
                "{what}: cannot decode `{}`: {}",
                e.path(),
                e.inner()
            ))
        })
    })
}
