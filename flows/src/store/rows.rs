//! Rows shared by the backends: what a job, a run's writes and a claim look like between the
//! store's types and its tables.

use mapping::System;
use serde_json::value::RawValue;

use super::{
    Claimed, Effect, Finish, FlowRecords, FlowWrites, Job, Lease, Millis, NewEffect, NewEvent,
    NewJob, Store, StoredEvent,
};
use crate::FlowError;
use crate::workflow::JobKind;

/// A job as a row, serialized before it reaches the store's thread.
pub(super) struct JobRow {
    pub(super) kind: String,
    pub(super) key: String,
    pub(super) payload: String,
    pub(super) run_at: Millis,
    pub(super) rerun: bool,
    pub(super) event: Option<(&'static str, String)>,
}

impl JobRow {
    pub(super) fn of(job: &NewJob) -> Result<Self, FlowError> {
        Ok(Self {
            kind: job.kind.as_str().to_owned(),
            key: job.key.clone(),
            payload: serde_json::to_string(&job.payload)?,
            run_at: job.run_at,
            rerun: job.rerun,
            event: job
                .event
                .as_ref()
                .map(|e| (e.provider.as_str(), e.event_id.clone())),
        })
    }
}

/// A run's records as rows, their jobs serialized before they reach the store's thread (the one
/// thread all writes go through should not spend its time on JSON).
pub(super) struct Rows {
    pub(super) effects: Vec<NewEffect>,
    pub(super) states: Vec<(String, Option<Box<RawValue>>)>,
    pub(super) jobs: Vec<JobRow>,
}

impl Rows {
    pub(super) fn of(writes: FlowWrites) -> Result<Self, FlowError> {
        Ok(Self {
            jobs: writes
                .jobs
                .iter()
                .map(JobRow::of)
                .collect::<Result<_, FlowError>>()?,
            effects: writes.effects,
            states: writes.states,
        })
    }

    pub(super) fn adds_jobs(&self) -> bool {
        !self.jobs.is_empty()
    }
}

/// The effects and state kept under `prefix`, as stored (checked by [`RawRecords::parse`] off
/// the store's thread).
pub(super) struct RawRecords {
    pub(super) effects: Vec<(i64, String, String, String, Millis)>,
    pub(super) states: Vec<(String, String)>,
}

impl RawRecords {
    pub(super) fn parse(self) -> Result<FlowRecords, FlowError> {
        Ok(FlowRecords {
            effects: self
                .effects
                .into_iter()
                .map(|(_, key, _, detail, _)| Ok((key, RawValue::from_string(detail)?)))
                .collect::<Result<_, FlowError>>()?,
            states: self
                .states
                .into_iter()
                .map(|(key, value)| Ok((key, RawValue::from_string(value)?)))
                .collect::<Result<_, FlowError>>()?,
        })
    }

    pub(super) fn effects(self) -> Result<Vec<Effect>, FlowError> {
        self.effects
            .into_iter()
            .map(|(id, key, system, detail, created_at)| {
                effect(id, key, &system, &detail, created_at)
            })
            .collect()
    }
}

/// An effect from its stored columns.
pub(super) fn effect(
    id: i64,
    key: String,
    system_name: &str,
    detail: &str,
    created_at: Millis,
) -> Result<Effect, FlowError> {
    Ok(Effect {
        id,
        key,
        system: system(system_name.to_owned())?,
        detail: serde_json::from_str(detail)?,
        created_at,
    })
}

/// A dead letter's job input as stored: its JSON, or (the reason such a job is dead) a JSON
/// string of text that is not JSON, so that one bad row does not hide the others.
pub(super) fn dead_letter_payload(text: String) -> serde_json::Value {
    serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
}

/// A stored system name.
pub(super) fn system(name: String) -> Result<System, FlowError> {
    System::from_name(&name).ok_or(FlowError::Unknown {
        what: "system",
        value: name,
    })
}

/// A claimed job's row.
pub(super) struct ClaimRow {
    pub(super) id: i64,
    pub(super) kind: String,
    pub(super) key: String,
    pub(super) payload: String,
    pub(super) attempts: u32,
    pub(super) claims: u32,
    pub(super) last_error: Option<String>,
    pub(super) token: i64,
    pub(super) event: Option<(String, String)>,
}

impl ClaimRow {
    /// The claimed job, its records and its event, decoded.
    pub(super) fn decode(
        self,
        records: RawRecords,
        event: Option<(i64, String, Vec<u8>, Millis)>,
        lease_until: Millis,
    ) -> Result<Claimed, FlowError> {
        let event = match (self.event, event) {
            (Some((provider, event_id)), Some((id, topic, payload, received_at))) => {
                Some(StoredEvent {
                    id,
                    event: NewEvent {
                        provider: system(provider)?,
                        event_id,
                        topic,
                        payload,
                    },
                    received_at,
                })
            }
            _ => None,
        };
        Ok(Claimed {
            job: Job {
                id: self.id,
                kind: JobKind::stored(self.kind),
                key: self.key,
                payload: serde_json::from_str(&self.payload)?,
                attempts: self.attempts,
                claims: self.claims,
                last_error: self.last_error,
                lease: Lease {
                    job: self.id,
                    token: self.token,
                },
                lease_until,
            },
            records: records.parse()?,
            event,
        })
    }
}

/// The claimed job decoded. A row this version cannot read is not left running, where it would
/// be claimed again at the end of every lease, for ever: it goes to dead letters for a person.
pub(super) async fn decode_claim(
    store: &dyn Store,
    row: ClaimRow,
    records: RawRecords,
    event: Option<(i64, String, Vec<u8>, Millis)>,
    lease_until: Millis,
    now: Millis,
) -> Result<Claimed, FlowError> {
    let lease = Lease {
        job: row.id,
        token: row.token,
    };
    match row.decode(records, event, lease_until) {
        Ok(claimed) => Ok(claimed),
        Err(err) => {
            let reason = format!("the stored job cannot be read: {err}");
            tracing::error!(job = lease.job, %reason, "dead-lettered");
            let dead = Finish::Dead {
                reason,
                permanent: true,
                failed: false,
            };
            store
                .finish(lease, dead, FlowWrites::default(), now)
                .await?;
            Err(err)
        }
    }
}
