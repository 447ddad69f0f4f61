//! Revenue recognition over Odoo Community, which has no deferral automation: the connector
//! keeps the schedule itself, in plain journal entries.
//!
//! * Each deferred line of a billing invoice carries its place and service period in its label,
//!   as a tag this module writes and reads: `(line <n>: service <first day> to <last day>)`.
//!   Posted invoice lines cannot be edited in Odoo, so the tag read back is the one written.
//!   A line's discount is a line of its own with the same tag; the two are recognised together.
//! * A recognition entry is an `entry` move whose `ref` is [`Recognition::reference`] (the
//!   embedded ledger's reference, so both backends name the same entry alike) and whose
//!   `invoice_origin` is the invoice's reference, so one search finds an invoice's entries.
//!   What a line has recognised so far is read off the last day in its entries' references:
//!   every entry is computed by the same cumulative split
//!   ([`crate::ServicePeriod::earned_through`]), so the amount follows from the days.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use serde_json::json;
use time::Date;

use super::OdooErp;
use super::wire::{self, Many2one};
use crate::error::Error;
use crate::ledger::DueLine;
use crate::models::{Account, DocumentId, Recognition, RecognitionSchedule, ServicePeriod};
use crate::money::{CurrencyCode, Money};

/// The tag of a deferred line's label: its index in the billing invoice and its service period.
pub(crate) fn service_tag(line_no: usize, period: &ServicePeriod) -> String {
    format!(
        "(line {line_no}: service {} to {})",
        period.start,
        period.last_day()
    )
}

/// The line number and service period of a label ending in [`service_tag`]'s tag; `None` for a
/// label without one (not a line this connector wrote), an error for a tag it cannot read.
fn read_tag(label: &str) -> Option<Result<(u32, ServicePeriod), String>> {
    let (_, tag) = label.rsplit_once("(line ")?;
    let body = tag.strip_suffix(')')?;
    let (line_no, period) = body.split_once(": service ")?;
    Some((|| {
        let bad = || format!("unreadable service tag {tag:?}");
        let line_no = line_no.parse::<u32>().map_err(|_| bad())?;
        let (first, last) = period.split_once(" to ").ok_or_else(bad)?;
        let day = |s: &str| crate::date::parse(s).map_err(|_| bad());
        let (start, last) = (day(first)?, day(last)?);
        let end = last.next_day().ok_or_else(bad)?;
        if end <= start {
            return Err(bad());
        }
        Ok((line_no, ServicePeriod { start, end }))
    })())
}

/// The invoice reference, line number and last day of a [`Recognition::reference`].
fn read_reference(reference: &str) -> Option<(&str, u32, Date)> {
    let (rest, last) = reference.rsplit_once('/')?;
    let (rest, _first) = rest.rsplit_once('/')?;
    let rest = rest.strip_suffix("/recognized")?;
    let (rest, line_no) = rest.rsplit_once('/')?;
    let invoice_ref = rest.strip_suffix("/line")?;
    Some((
        invoice_ref,
        line_no.parse().ok()?,
        crate::date::parse(last).ok()?,
    ))
}

/// An invoice line on the deferred revenue account.
#[derive(serde::Deserialize)]
struct DeferredLineRecord {
    id: i64,
    move_id: Many2one,
    #[serde(deserialize_with = "wire::opt_string", default)]
    name: Option<String>,
    #[serde(deserialize_with = "wire::decimal")]
    price_subtotal: Decimal,
}

/// An invoice's reference and currency.
#[derive(serde::Deserialize)]
struct InvoiceHead {
    id: i64,
    #[serde(deserialize_with = "wire::opt_string", default)]
    r#ref: Option<String>,
    currency_id: Many2one,
}

/// A recognition entry as the next run reads it.
#[derive(serde::Deserialize)]
struct EntryRecord {
    id: i64,
    #[serde(deserialize_with = "wire::opt_string", default)]
    r#ref: Option<String>,
    state: String,
}

impl OdooErp {
    /// See [`crate::Erp::recognize_revenue`] and the module's documentation. Four calls and one
    /// entry per line due: the deferred account's lines of posted invoices dated by the cutoff,
    /// those invoices' references and currencies, their recognition entries, then the entries.
    ///
    /// Runs must not overlap (Odoo has no unique reference to refuse a second entry for the
    /// same days); the flows' recognition job is one keyed job, so they do not. A draft entry
    /// left by a run stopped between creating and posting it is posted by the next run, which
    /// then counts it.
    pub(super) async fn recognize(
        &self,
        through: Date,
        schedule: RecognitionSchedule,
    ) -> Result<Vec<Recognition>, Error> {
        let cutoff = schedule.cutoff(through);
        let due = self.due_lines(cutoff).await?;
        let mut out = Vec::new();
        for line in due {
            let Some(mut planned) = line.plan(cutoff) else {
                continue;
            };
            let (memo, lines) = planned.journal()?;
            let r = &planned.recognition;
            let id = self
                .post_entry(
                    &r.document.external_ref,
                    cutoff,
                    &memo,
                    &lines,
                    Some(&r.invoice_ref),
                )
                .await?;
            planned.recognition.document.id = DocumentId(id.to_string());
            out.push(planned.recognition);
        }
        Ok(out)
    }

    /// The deferred lines of posted invoices dated by `cutoff`, with what each recognised so
    /// far, in invoice then line order.
    async fn due_lines(&self, cutoff: Date) -> Result<Vec<DueLine>, Error> {
        let deferred = self.account(&Account::DeferredRevenue).await?;
        let records: Vec<DeferredLineRecord> = self
            .client
            .call(
                "account.move.line",
                "search_read",
                json!({
                    "domain": [
                        ["account_id", "=", deferred],
                        ["move_id.move_type", "=", "out_invoice"],
                        ["move_id.state", "=", "posted"],
                        ["move_id.invoice_date", "<=", wire::date(cutoff)],
                    ],
                    "fields": ["move_id", "name", "price_subtotal"],
                    "order": "move_id asc, id asc",
                }),
            )
            .await?;
        // (invoice id, line no) -> (period, amount), the discount lines added to their line.
        let mut lines: BTreeMap<(i64, u32), (ServicePeriod, Decimal)> = BTreeMap::new();
        for (i, record) in records.iter().enumerate() {
            let bad = |field: &str, message: String| Error::Decode {
                path: format!("account.move.line[{i}](id {}).{field}", record.id),
                message,
            };
            let Some(tag) = record.name.as_deref().and_then(read_tag) else {
                // A line a person put on the deferred account: theirs to recognise.
                continue;
            };
            let (line_no, period) = tag.map_err(|m| bad("name", m))?;
            let invoice = record
                .move_id
                .0
                .as_ref()
                .map(|m| m.0)
                .ok_or_else(|| bad("move_id", "missing".into()))?;
            let entry = lines
                .entry((invoice, line_no))
                .or_insert((period, Decimal::ZERO));
            if entry.0 != period {
                return Err(bad(
                    "name",
                    format!("line {line_no} has two service periods"),
                ));
            }
            entry.1 = entry
                .1
                .checked_add(record.price_subtotal)
                .ok_or_else(|| bad("price_subtotal", "overflows the line's sum".into()))?;
        }
        if lines.is_empty() {
            return Ok(Vec::new());
        }
        // Sorted by invoice: `dedup` leaves each once.
        let mut invoice_ids: Vec<i64> = lines.keys().map(|k| k.0).collect();
        invoice_ids.dedup();
        let heads: Vec<InvoiceHead> = self
            .client
            .call(
                "account.move",
                "read",
                json!({"ids": invoice_ids, "fields": ["ref", "currency_id"]}),
            )
            .await?;
        let mut invoices: BTreeMap<i64, (String, CurrencyCode)> = BTreeMap::new();
        for head in heads {
            let bad = |field: &str, message: String| Error::Decode {
                path: format!("account.move(id {}).{field}", head.id),
                message,
            };
            let reference = head
                .r#ref
                .clone()
                .filter(|r| !r.is_empty())
                .ok_or_else(|| bad("ref", "missing".into()))?;
            let currency = head
                .currency_id
                .currency()
                .map_err(|m| bad("currency_id", m))?;
            invoices.insert(head.id, (reference, currency));
        }
        let last_days = self.recognized_through(&invoices).await?;
        let mut due = Vec::with_capacity(lines.len());
        for ((invoice_id, line_no), (period, amount)) in lines {
            let (invoice_ref, currency) =
                invoices
                    .get(&invoice_id)
                    .cloned()
                    .ok_or_else(|| Error::Decode {
                        path: format!("account.move(id {invoice_id})"),
                        message: "not returned by read".into(),
                    })?;
            let amount = Money::from_major(amount, currency).map_err(|e| Error::Decode {
                path: format!("account.move(id {invoice_id}).line {line_no}.price_subtotal"),
                message: e.to_string(),
            })?;
            let (done_days, done) = match last_days.get(&(invoice_ref.clone(), line_no)) {
                Some(last) => (
                    period.days_through(*last),
                    period.earned_through(amount, *last).minor,
                ),
                None => (0, 0),
            };
            due.push(DueLine {
                invoice_id,
                invoice_ref,
                line_no,
                amount,
                period,
                done_days,
                done,
            });
        }
        Ok(due)
    }

    /// The last day recognised of each (invoice reference, line) of `invoices`, from their
    /// recognition entries; drafts left by an interrupted run are posted first.
    async fn recognized_through(
        &self,
        invoices: &BTreeMap<i64, (String, CurrencyCode)>,
    ) -> Result<HashMap<(String, u32), Date>, Error> {
        // In invoice order, so the request is the same for the same books.
        let refs: Vec<&str> = invoices.values().map(|(r, _)| r.as_str()).collect();
        let entries: Vec<EntryRecord> = self
            .client
            .call(
                "account.move",
                "search_read",
                json!({
                    "domain": [
                        ["move_type", "=", "entry"],
                        ["invoice_origin", "in", refs],
                        ["state", "in", ["draft", "posted"]],
                    ],
                    "fields": ["ref", "state"],
                    "order": "id asc",
                }),
            )
            .await?;
        let mut last_days: HashMap<(String, u32), Date> = HashMap::new();
        for entry in entries {
            let Some((invoice_ref, line_no, last)) =
                entry.r#ref.as_deref().and_then(read_reference)
            else {
                continue;
            };
            if entry.state == "draft" {
                self.action("account.move", "action_post", entry.id).await?;
            }
            let day = last_days
                .entry((invoice_ref.to_owned(), line_no))
                .or_insert(last);
            *day = (*day).max(last);
        }
        Ok(last_days)
    }

    /// Cancels the recognition entries of an invoice (before the invoice is voided), so a void
    /// takes back the revenue recognised, as the embedded ledger's does.
    pub(super) async fn cancel_recognitions(&self, invoice_ref: &str) -> Result<(), Error> {
        let ids: Vec<i64> = self
            .client
            .call(
                "account.move",
                "search",
                json!({"domain": [
                    ["move_type", "=", "entry"],
                    ["invoice_origin", "=", invoice_ref],
                    ["state", "!=", "cancel"],
                ]}),
            )
            .await?;
        for id in ids {
            self.action("account.move", "button_draft", id).await?;
            self.action("account.move", "button_cancel", id).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn a_tag_written_is_read_back_and_others_are_not_tags() {
        let period = ServicePeriod {
            start: date!(2026 - 11 - 01),
            end: date!(2026 - 12 - 01),
        };
        let label = format!("Discount: [price_pro] Pro (x) {}", service_tag(3, &period));
        assert_eq!(read_tag(&label), Some(Ok((3, period))));
        assert_eq!(read_tag("[price_pro] Pro plan"), None);
        assert_eq!(read_tag("Setup (line 2 of the offer)"), None);
        for bad in [
            "x (line two: service 2026-11-01 to 2026-11-30)",
            "x (line 1: service 2026-11-01 to 2026-13-30)",
            "x (line 1: service 2026-11-30 to 2026-11-01)",
            "x (line 1: service 2026-11-01)",
        ] {
            assert!(matches!(read_tag(bad), Some(Err(_))), "{bad}");
        }
    }

    #[test]
    fn a_recognition_reference_names_its_invoice_line_and_last_day() {
        let reference = Recognition::reference(
            "stripe/acct_1/invoice/in_1",
            2,
            date!(2026 - 11 - 01),
            date!(2026 - 11 - 30),
        );
        assert_eq!(
            read_reference(&reference),
            Some(("stripe/acct_1/invoice/in_1", 2, date!(2026 - 11 - 30)))
        );
        assert_eq!(read_reference("stripe/payout/po_1"), None);
        assert_eq!(
            read_reference("in1/line/x/recognized/2026-11-01/2026-11-30"),
            None
        );
    }
}
