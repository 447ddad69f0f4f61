//! Subscription billing documents: invoices whose lines carry service periods, their write-off
//! and void, and the revenue recognised from their deferred lines.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use super::DocumentRef;
use crate::error::Error;
use crate::money::{CurrencyCode, Money};

/// The service a line bills: from `start` (included) to `end` (excluded), as Stripe's
/// `period.start` / `period.end` (a month billed on 1 November runs to 1 December).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ServicePeriod {
    /// First day of service.
    #[serde(with = "crate::date::ymd")]
    pub start: Date,
    /// The day after the last day of service.
    #[serde(with = "crate::date::ymd")]
    pub end: Date,
}

impl ServicePeriod {
    /// Days of service (`end − start`).
    pub fn days(&self) -> i64 {
        (self.end - self.start).whole_days()
    }

    /// The last day of service (`end − 1 day`).
    pub fn last_day(&self) -> Date {
        self.end - Duration::DAY
    }

    /// Days of service up to and including `through`, between 0 and [`ServicePeriod::days`].
    pub fn days_through(&self, through: Date) -> i64 {
        ((through - self.start).whole_days() + 1).clamp(0, self.days())
    }

    /// The part of `amount` earned by the end of `through`, by the cumulative method:
    /// `floor(amount × days elapsed / days)`, so the last day takes what the floors left and the
    /// pieces recognised over time sum exactly to `amount` (integer arithmetic, never floats).
    pub fn earned_through(&self, amount: Money, through: Date) -> Money {
        let (elapsed, days) = (self.days_through(through), self.days());
        if elapsed >= days {
            return amount;
        }
        // |amount × elapsed| < 2^63 × 2^63 fits i128; the quotient's size is at most |amount|.
        let earned = (i128::from(amount.minor) * i128::from(elapsed)).div_euclid(i128::from(days));
        Money::new(
            i64::try_from(earned).unwrap_or(amount.minor),
            amount.currency,
        )
    }

    fn validate(&self, line: usize) -> Result<(), Error> {
        if self.end <= self.start {
            return Err(Error::InvalidDocument(format!(
                "lines[{line}].period: end {} must be after start {}",
                self.end, self.start
            )));
        }
        Ok(())
    }
}

/// One line of a [`BillingInvoice`]: `quantity × unit_price − discount`, negative for a
/// proration credit ("unused time on ...").
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct BillingLine {
    /// Product or price reference (Stripe's price id, a SKU).
    pub product: String,
    /// Description shown on the invoice.
    pub description: String,
    /// Quantity.
    pub quantity: u32,
    /// Unit price (negative for a credit line).
    pub unit_price: Money,
    /// Discount on this line (not negative), subtracted from `quantity × unit_price`.
    pub discount: Money,
    /// The service billed; a line with a period is deferred revenue until the days pass, a
    /// line without one is revenue at once.
    pub period: Option<ServicePeriod>,
    /// Whether the line is a proration (kept with the line, for the record).
    pub proration: bool,
}

impl BillingLine {
    /// `quantity × unit_price − discount`.
    pub fn amount(&self) -> Result<Money, Error> {
        self.unit_price
            .minor
            .checked_mul(i64::from(self.quantity))
            .map(|minor| Money::new(minor, self.unit_price.currency))
            .ok_or_else(|| {
                Error::InvalidDocument(format!("line {:?} overflows", self.description))
            })?
            .checked_sub(self.discount)
    }
}

/// An invoice of recurring billing (a Stripe subscription's invoice): an invoice document like
/// [`crate::Invoice`] (payments, credit memos, open receivables, write-off and void take it by
/// its reference), whose lines may each carry a [`ServicePeriod`].
///
/// Posting it debits receivables with the total and credits revenue (lines without a period),
/// deferred revenue (lines with one; see [`crate::Erp::recognize_revenue`]) and tax payable.
/// Negative lines (proration credits) debit the account their period sends them to.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct BillingInvoice {
    /// Idempotency key (e.g. `stripe/invoice/in_123`).
    pub external_ref: String,
    /// External reference of the customer.
    pub customer_ref: String,
    /// External reference of the [`crate::Contract`] it bills, if any (kept for the record;
    /// it need not exist).
    pub contract_ref: Option<String>,
    /// Invoice date.
    #[serde(with = "crate::date::ymd")]
    pub invoice_date: Date,
    /// Due date.
    #[serde(with = "crate::date::ymd")]
    pub due_date: Date,
    /// Currency of every amount.
    pub currency: CurrencyCode,
    /// The lines.
    pub lines: Vec<BillingLine>,
    /// Tax (not negative).
    pub tax: Money,
}

impl BillingInvoice {
    /// The sum of the lines' amounts.
    pub fn subtotal(&self) -> Result<Money, Error> {
        self.lines
            .iter()
            .try_fold(Money::zero(self.currency), |sum, line| {
                sum.checked_add(line.amount()?)
            })
    }

    /// The sum of the amounts of the lines with a service period.
    pub fn deferred(&self) -> Result<Money, Error> {
        self.lines
            .iter()
            .filter(|l| l.period.is_some())
            .try_fold(Money::zero(self.currency), |sum, line| {
                sum.checked_add(line.amount()?)
            })
    }

    /// Lines + tax.
    pub fn total(&self) -> Result<Money, Error> {
        self.subtotal()?.checked_add(self.tax)
    }

    /// Checks the invoice; returns its total (positive).
    pub(crate) fn validate(&self) -> Result<Money, Error> {
        super::require_ref(&self.external_ref)?;
        if self.lines.is_empty() {
            return Err(Error::InvalidDocument(
                "billing invoice without lines".into(),
            ));
        }
        for (n, line) in self.lines.iter().enumerate() {
            super::require_non_negative(&format!("lines[{n}].discount"), line.discount)?;
            // Its postings negate it (a credit line debits): its negation must exist.
            if line.amount()?.minor == i64::MIN {
                return Err(Error::InvalidDocument(format!("lines[{n}] overflows")));
            }
            if let Some(period) = &line.period {
                period.validate(n)?;
            }
        }
        super::require_non_negative("tax", self.tax)?;
        let total = self.total()?;
        super::require_positive("invoice total", total)?;
        Ok(total)
    }
}

/// The write-off of an invoice's open amount as a bad debt (Stripe's
/// `invoice.marked_uncollectible`): debits bad debts, credits receivables. An invoice is
/// written off or voided once; one with nothing open (paid) is refused.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct WriteOff {
    /// Idempotency key (e.g. `stripe/invoice/in_123/uncollectible`).
    pub external_ref: String,
    /// External reference of the invoice.
    pub invoice_ref: String,
    /// Accounting date.
    #[serde(with = "crate::date::ymd")]
    pub date: Date,
    /// Why.
    pub reason: String,
}

/// The void of an unpaid invoice (Stripe's `invoice.voided`): its posting reversed entirely,
/// revenue already recognised from its deferred lines included; its deferred lines stop
/// recognising. Refused when the invoice has payments, credit memos or a write-off.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct InvoiceVoid {
    /// Idempotency key (e.g. `stripe/invoice/in_123/void`).
    pub external_ref: String,
    /// External reference of the invoice.
    pub invoice_ref: String,
    /// Accounting date.
    #[serde(with = "crate::date::ymd")]
    pub date: Date,
    /// Why.
    pub reason: String,
}

/// The reversal of a write-off, when the invoice is paid or voided after all (Stripe lets an
/// uncollectible invoice be paid, or voided, later): debits receivables and credits bad debts
/// by the amount written off, so the invoice is open again for its payment or its void. A
/// write-off is reversed once.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct WriteOffReversal {
    /// Idempotency key (e.g. `stripe/invoice/in_123/uncollectible/reversed`).
    pub external_ref: String,
    /// External reference of the write-off.
    pub write_off_ref: String,
    /// Accounting date.
    #[serde(with = "crate::date::ymd")]
    pub date: Date,
    /// Why.
    pub reason: String,
}

impl WriteOff {
    pub(crate) fn validate(&self) -> Result<(), Error> {
        super::require_ref(&self.external_ref)
    }
}

impl WriteOffReversal {
    pub(crate) fn validate(&self) -> Result<(), Error> {
        super::require_ref(&self.external_ref)?;
        super::require_ref(&self.write_off_ref)
    }
}

impl InvoiceVoid {
    pub(crate) fn validate(&self) -> Result<(), Error> {
        super::require_ref(&self.external_ref)
    }
}

/// When revenue is recognised.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecognitionSchedule {
    /// Through the day given.
    Daily,
    /// Through the last month end on or before the day given (the day itself when it is one).
    MonthEnd,
}

impl RecognitionSchedule {
    /// The last day recognised when asked to recognise through `through`.
    pub fn cutoff(self, through: Date) -> Date {
        match self {
            Self::Daily => through,
            Self::MonthEnd => {
                let next = through + Duration::DAY;
                if next.month() == through.month() {
                    // The day before the first of this month.
                    through - Duration::days(i64::from(through.day()))
                } else {
                    through
                }
            }
        }
    }
}

/// One recognition entry posted: Dr deferred revenue, Cr revenue (the reverse for a negative
/// line), for one deferred line and the days `first_day..=last_day`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Recognition {
    /// The entry (kind [`crate::DocumentKind::Recognition`]); its reference is
    /// `<invoice ref>/line/<n>/recognized/<first day>/<last day>`.
    pub document: DocumentRef,
    /// The invoice's external reference.
    pub invoice_ref: String,
    /// The line's index in [`BillingInvoice::lines`].
    pub line_no: u32,
    /// First day recognised by this entry.
    #[serde(with = "crate::date::ymd")]
    pub first_day: Date,
    /// Last day recognised by this entry.
    #[serde(with = "crate::date::ymd")]
    pub last_day: Date,
    /// Amount recognised (negative for a credit line).
    pub amount: Money,
}

impl Recognition {
    /// The entry's external reference.
    pub fn reference(invoice_ref: &str, line_no: u32, first_day: Date, last_day: Date) -> String {
        format!("{invoice_ref}/line/{line_no}/recognized/{first_day}/{last_day}")
    }
}

/// Deferred revenue in one month and currency (amounts in minor units, credit balance
/// positive): `closing = opening + opened − recognized + adjusted`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RevenueScheduleLine {
    /// The month's first day.
    #[serde(with = "crate::date::ymd")]
    pub month: Date,
    /// Currency.
    pub currency: CurrencyCode,
    /// Deferred revenue at the start of the month.
    pub opening: i64,
    /// Deferred by invoices dated in the month.
    pub opened: i64,
    /// Recognised by entries dated in the month.
    pub recognized: i64,
    /// Other movements (voids, manual entries): credits − debits.
    pub adjusted: i64,
    /// Deferred revenue at the end of the month.
    pub closing: i64,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::date;

    #[test]
    fn month_end_cutoff() {
        let s = RecognitionSchedule::MonthEnd;
        assert_eq!(s.cutoff(date!(2026 - 11 - 30)), date!(2026 - 11 - 30));
        assert_eq!(s.cutoff(date!(2026 - 11 - 29)), date!(2026 - 10 - 31));
        assert_eq!(s.cutoff(date!(2026 - 03 - 01)), date!(2026 - 02 - 28));
        assert_eq!(s.cutoff(date!(2026 - 01 - 15)), date!(2025 - 12 - 31));
        assert_eq!(
            RecognitionSchedule::Daily.cutoff(date!(2026 - 11 - 29)),
            date!(2026 - 11 - 29)
        );
    }

    #[test]
    fn earned_is_cumulative_floor_and_whole_at_the_end() {
        let usd = CurrencyCode::new("USD").unwrap();
        let p = ServicePeriod {
            start: date!(2026 - 11 - 01),
            end: date!(2026 - 12 - 01),
        };
        let m = Money::new(1000, usd);
        assert_eq!(p.days(), 30);
        assert_eq!(p.earned_through(m, date!(2026 - 10 - 31)).minor, 0);
        assert_eq!(p.earned_through(m, date!(2026 - 11 - 01)).minor, 33);
        assert_eq!(p.earned_through(m, date!(2026 - 11 - 29)).minor, 966);
        assert_eq!(p.earned_through(m, date!(2026 - 11 - 30)).minor, 1000);
        assert_eq!(p.earned_through(m, date!(2027 - 01 - 01)).minor, 1000);
        let credit = Money::new(-1000, usd);
        assert_eq!(p.earned_through(credit, date!(2026 - 11 - 01)).minor, -34);
        assert_eq!(p.earned_through(credit, date!(2026 - 11 - 30)).minor, -1000);
    }
}
