//! PayTrace chargebacks: the typed record, the merchant's chargeback report (CSV) it is read
//! from, and what it becomes (a canonical [`Dispute`], settlement lines).
//!
//! The report's assumed layout and why it is assumed: [`parse_chargeback_report`]; the fee,
//! booked once: [`chargeback_batches`].

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, UtcOffset};

use crate::{
    Currency, Dispute, DisputeStatus, ExternalIds, MappingError, Money, SettlementKind,
    SettlementLine, System,
};

// Dates as `YYYY-MM-DD` in a job's payload, where a person reads them.
time::serde::format_description!(ymd, Date, "[year]-[month]-[day]");

/// The suffix of the transaction id of a chargeback fee's settlement line (`{case}/fee`).
pub const CHARGEBACK_FEE_SUFFIX: &str = "/fee";

/// Where a chargeback stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargebackStage {
    /// The amount (and the fee) was taken from the merchant.
    Opened,
    /// The merchant won: the amount was given back.
    Won,
    /// The merchant lost: the amount is gone for good.
    Lost,
}

impl ChargebackStage {
    /// The stage's name (`opened`, `won`, `lost`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Won => "won",
            Self::Lost => "lost",
        }
    }

    /// A report's or a person's word for the stage, case-insensitively: `opened`, `open`, `new`,
    /// `pending`, `received`, `in review`, `under review`, `represented` (evidence sent, not
    /// decided) are [`Self::Opened`]; `won`, `reversed`, `closed won`, `closed - won`,
    /// `merchant won` are [`Self::Won`]; `lost`, `closed lost`, `closed - lost`,
    /// `merchant lost`, `accepted` are [`Self::Lost`]. Anything else is `None`: a guess could
    /// book a loss that did not happen.
    pub fn parse(text: &str) -> Option<Self> {
        let word: String = text
            .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase();
        Some(match word.as_str() {
            "opened" | "open" | "new" | "pending" | "received" | "in review" | "under review"
            | "represented" => Self::Opened,
            "won" | "reversed" | "closed won" | "merchant won" => Self::Won,
            "lost" | "closed lost" | "merchant lost" | "accepted" => Self::Lost,
            _ => return None,
        })
    }

    /// The canonical status of a chargeback at this stage.
    pub fn status(self) -> DisputeStatus {
        match self {
            Self::Opened => DisputeStatus::NeedsResponse,
            Self::Won => DisputeStatus::Won,
            Self::Lost => DisputeStatus::Lost,
        }
    }
}

impl std::fmt::Display for ChargebackStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A PayTrace chargeback: a row of the merchant's chargeback report, or what a person typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chargeback {
    /// The chargeback's case (reference) number: the dispute's id.
    pub case_id: String,
    /// The disputed PayTrace transaction (the original sale or capture).
    pub transaction_id: String,
    /// The disputed amount, in major units, positive.
    pub amount: Decimal,
    /// Its ISO 4217 code (PayTrace settles US dollars only).
    pub currency: String,
    /// The chargeback fee, when the report shows one.
    #[serde(default)]
    pub fee: Option<Decimal>,
    /// The reason code and text, as given.
    #[serde(default)]
    pub reason: String,
    /// When the chargeback was received (the amount withdrawn).
    #[serde(with = "ymd")]
    pub date: Date,
    /// When it was won or lost, if it was.
    #[serde(default, with = "ymd::option")]
    pub resolved_on: Option<Date>,
    /// Where it stands.
    pub stage: ChargebackStage,
}

impl Chargeback {
    /// A chargeback received on `date`, opened, without a fee or reason.
    pub fn new(
        case_id: impl Into<String>,
        transaction_id: impl Into<String>,
        amount: Decimal,
        currency: impl Into<String>,
        date: Date,
    ) -> Self {
        Self {
            case_id: case_id.into(),
            transaction_id: transaction_id.into(),
            amount,
            currency: currency.into(),
            fee: None,
            reason: String::new(),
            date,
            resolved_on: None,
            stage: ChargebackStage::Opened,
        }
    }

    /// Sets the reason.
    #[must_use]
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = reason.into();
        self
    }

    /// Sets the fee.
    #[must_use]
    pub fn fee(mut self, fee: Decimal) -> Self {
        self.fee = Some(fee);
        self
    }

    /// Sets the stage, resolved on `resolved_on` (won or lost).
    #[must_use]
    pub fn stage(mut self, stage: ChargebackStage, resolved_on: Option<Date>) -> Self {
        self.stage = stage;
        self.resolved_on = resolved_on;
        self
    }

    /// Checks the record; an error names the field (`case_id`, `transaction_id`, `amount`,
    /// `currency`, `fee`, `resolved_on`): ids not blank, the currency US dollars, the amount
    /// more than zero and the fee not negative, both with at most two decimals, a resolution not
    /// before the chargeback.
    pub fn check(&self) -> Result<(), MappingError> {
        self.money()?;
        self.fee_money()?;
        Ok(())
    }

    /// The amount as money; see [`Self::check`].
    pub fn money(&self) -> Result<Money, MappingError> {
        for (value, field) in [
            (&self.case_id, "case_id"),
            (&self.transaction_id, "transaction_id"),
        ] {
            if value.trim().is_empty() {
                return Err(MappingError::MissingField {
                    field: field.to_owned(),
                });
            }
        }
        let currency = self.currency()?;
        let amount = Money::from_major(self.amount, currency, "amount")?;
        if amount.minor() <= 0 {
            return Err(MappingError::AmountOutOfRange {
                field: "amount".to_owned(),
                value: self.amount.to_string(),
                reason: "a chargeback takes more than zero",
            });
        }
        if self.resolved_on.is_some_and(|on| on < self.date) {
            return Err(MappingError::InvalidValue {
                field: "resolved_on".to_owned(),
                value: self.resolved_on.map(|d| d.to_string()).unwrap_or_default(),
                expected: "a date on or after the chargeback's date",
            });
        }
        Ok(amount)
    }

    /// The fee as money (`None` without one, or a zero one); see [`Self::check`].
    pub fn fee_money(&self) -> Result<Option<Money>, MappingError> {
        let Some(fee) = self.fee else {
            return Ok(None);
        };
        let fee = Money::from_major(fee, self.currency()?, "fee")?;
        if fee.is_negative() {
            return Err(MappingError::AmountOutOfRange {
                field: "fee".to_owned(),
                value: fee.to_string(),
                reason: "a fee is not negative",
            });
        }
        Ok(Some(fee).filter(|f| !f.is_zero()))
    }

    /// US dollars, the one currency PayTrace settles.
    fn currency(&self) -> Result<Currency, MappingError> {
        let currency = crate::currency::parse_currency(self.currency.trim(), "currency")?;
        if currency != Currency::USD {
            return Err(MappingError::CurrencyMismatch {
                field: "currency".to_owned(),
                left: Currency::USD.code().to_owned(),
                right: currency.code().to_owned(),
            });
        }
        Ok(currency)
    }

    /// The canonical dispute: PayTrace's, under the case id, of the disputed transaction, with
    /// the stage's status. Errors as [`Self::check`].
    pub fn dispute(&self) -> Result<Dispute, MappingError> {
        let amount = self.money()?;
        Ok(Dispute {
            ids: ExternalIds::new().with(System::Paytrace, self.case_id.trim()),
            gateway: System::Paytrace,
            payment_transaction_id: self.transaction_id.trim().to_owned(),
            order_number: None,
            amount,
            reason: Some(self.reason.clone()).filter(|r| !r.trim().is_empty()),
            status: self.stage.status(),
            evidence_due_by: None,
        })
    }
}

/// The settlement lines of the money `chargebacks` moved, as batches of their own (PayTrace's
/// batches list no chargebacks: see [`parse_chargeback_report`]), for [`crate::erp::to_erp_settlement_journal`]
/// and reconciliation:
///
/// - the withdrawal, batch `chargeback-{case}`, dated [`Chargeback::date`]: a
///   [`SettlementKind::Dispute`] line of minus the amount, whose transaction id is the case id
///   (the id the ledger lists the dispute's withdrawal under), and, with a fee, a
///   [`SettlementKind::Adjustment`] line of minus the fee (transaction id `{case}/fee`), which
///   lands on clearing where the dispute record put the fee (see below);
/// - a win's reinstatement, batch `chargeback-{case}-won`, dated [`Chargeback::resolved_on`]
///   (else the chargeback's date): a [`SettlementKind::DisputeReversal`] line of the amount.
///
/// A loss moves no money at the gateway and has no line. Times are the start of the day in the
/// account's offset. The lines of one case come out the same however often it is read, so a
/// batch's journal (keyed by the batch) is booked once.
///
/// # The fee: on the dispute record, and on clearing in the settlement
///
/// A chargeback's fee is booked once, with the dispute's `Opened` record (debit chargebacks,
/// the account the ledger keeps for dispute fees, credit PayTrace's clearing account). Its
/// settlement line ([`chargeback_batches`]) is therefore an adjustment of the clearing account,
/// not a fee line: with PayTrace the settlement journal books line fees to gateway fees
/// ([`crate::erp::SettlementFees::InSettlement`]), which would count the fee a second time.
pub fn chargeback_batches(
    chargebacks: &[Chargeback],
    account_utc_offset: UtcOffset,
) -> Result<Vec<Vec<SettlementLine>>, MappingError> {
    let mut batches = Vec::new();
    for (i, chargeback) in chargebacks.iter().enumerate() {
        let at = format!("chargebacks[{i}]");
        let amount = chargeback.money().map_err(|e| e.at(&at))?;
        let fee = chargeback.fee_money().map_err(|e| e.at(&at))?;
        let case = chargeback.case_id.trim();
        let line = |batch: String, id: String, kind: SettlementKind, gross: Money, on: Date| {
            SettlementLine {
                gateway: System::Paytrace,
                batch_id: batch,
                transaction_id: id,
                reference: None,
                kind,
                gross,
                fee: Money::zero(gross.currency()),
                net: gross,
                settled_at: Some(on.midnight().assume_offset(account_utc_offset)),
            }
        };
        let batch = format!("chargeback-{case}");
        let mut withdrawal = vec![line(
            batch.clone(),
            case.to_owned(),
            SettlementKind::Dispute,
            amount.checked_neg().map_err(|e| e.at(&at))?,
            chargeback.date,
        )];
        if let Some(fee) = fee {
            withdrawal.push(line(
                batch,
                format!("{case}{CHARGEBACK_FEE_SUFFIX}"),
                SettlementKind::Adjustment,
                fee.checked_neg().map_err(|e| e.at(&at))?,
                chargeback.date,
            ));
        }
        batches.push(withdrawal);
        if chargeback.stage == ChargebackStage::Won {
            batches.push(vec![line(
                format!("chargeback-{case}-won"),
                case.to_owned(),
                SettlementKind::DisputeReversal,
                amount,
                chargeback.resolved_on.unwrap_or(chargeback.date),
            )]);
        }
    }
    Ok(batches)
}

/// The columns of the report (see [`parse_chargeback_report`]).
#[derive(Clone, Copy)]
enum Column {
    Case,
    Transaction,
    Amount,
    Currency,
    ReasonCode,
    Reason,
    Date,
    Resolved,
    Status,
    Fee,
}

impl Column {
    const ALL: [Self; 10] = [
        Self::Case,
        Self::Transaction,
        Self::Amount,
        Self::Currency,
        Self::ReasonCode,
        Self::Reason,
        Self::Date,
        Self::Resolved,
        Self::Status,
        Self::Fee,
    ];

    /// The headers that name it, lower case; the first is the name errors use.
    const fn headers(self) -> &'static [&'static str] {
        match self {
            Self::Case => &["case number", "case id", "case #", "case"],
            Self::Transaction => &["transaction id", "transactionid", "original transaction id"],
            Self::Amount => &["amount", "chargeback amount"],
            Self::Currency => &["currency"],
            Self::ReasonCode => &["reason code"],
            Self::Reason => &["reason", "reason description"],
            Self::Date => &["date received", "received date", "date"],
            Self::Resolved => &["date resolved", "resolved date"],
            Self::Status => &["status"],
            Self::Fee => &["fee", "chargeback fee"],
        }
    }

    /// The name errors use, as a report writes it.
    const fn name(self) -> &'static str {
        match self {
            Self::Case => "Case Number",
            Self::Transaction => "Transaction ID",
            Self::Amount => "Amount",
            Self::Currency => "Currency",
            Self::ReasonCode => "Reason Code",
            Self::Reason => "Reason",
            Self::Date => "Date Received",
            Self::Resolved => "Date Resolved",
            Self::Status => "Status",
            Self::Fee => "Fee",
        }
    }

    const fn required(self) -> bool {
        matches!(
            self,
            Self::Case | Self::Transaction | Self::Amount | Self::Date
        )
    }
}

/// Reads the merchant's chargeback report (the columns below are assumed: PayTrace publishes no
/// layout). Every row is checked ([`Chargeback::check`]); the first bad one fails the whole
/// report, naming its line and column, so that an import books all of a report or none of it.
///
/// # No API, no published report layout
///
/// PayTrace has no chargeback or retrieval API and sends no webhooks: its v1 docs, the v3 spec
/// and every client read for this workspace show none, and its e-mail types list no chargeback
/// notice (the workspace's PayTrace notes, section 5, "Settlement and chargebacks"; chargebacks
/// are probably reported by the processor rather than PayTrace, unconfirmed). A chargeback
/// reaches the books one of two ways: a person types it in (`payops chargeback record`), or the
/// merchant downloads the chargeback report from PayTrace's virtual terminal and imports it
/// (`payops chargeback import`), which [`parse_chargeback_report`] reads.
///
/// PayTrace publishes no specification of that report. Searches of the stored PayTrace help
/// pages and documentation ("PayTrace chargeback report CSV export columns virtual terminal",
/// "PayTrace chargeback API retrieval dispute") found only the virtual terminal's quick
/// reference guides, which show no chargeback report. **The layout below is assumed**: a header
/// row, then one row per chargeback case; header names are matched case-insensitively, ignoring
/// surrounding spaces, and columns may come in any order; other columns are ignored.
///
/// | column (any of these headers) | required | read as |
/// |---|---|---|
/// | `Case Number`, `Case ID`, `Case #`, `Case` | yes | [`Chargeback::case_id`] |
/// | `Transaction ID`, `Transaction Id`, `TransactionID`, `Original Transaction ID` | yes | [`Chargeback::transaction_id`]: the disputed PayTrace transaction |
/// | `Amount`, `Chargeback Amount` | yes | [`Chargeback::amount`]: exact decimal, `$` and thousands separators allowed; a sign or parentheses are ignored (the stage says which way the money went) |
/// | `Currency` | no (`USD`) | [`Chargeback`]'s `currency` |
/// | `Reason Code` | no | the start of [`Chargeback::reason`] |
/// | `Reason`, `Reason Description` | no | the rest of [`Chargeback::reason`] |
/// | `Date Received`, `Received Date`, `Date` | yes | [`Chargeback::date`]: `MM/DD/YYYY` (PayTrace's date format elsewhere) or `YYYY-MM-DD` |
/// | `Date Resolved`, `Resolved Date` | no | [`Chargeback::resolved_on`] |
/// | `Status` | no (`opened`) | [`Chargeback::stage`]: see [`ChargebackStage::parse`] |
/// | `Fee`, `Chargeback Fee` | no | [`Chargeback::fee`] |
///
/// A required column missing from the header is [`MappingError::MissingField`] naming the
/// column (`report.column "Case Number"`). A bad value names its line (the header is line 1)
/// and column: `report.line 3."Amount"`. Blank lines are skipped.
///
/// ```
/// use mapping::paytrace::{ChargebackStage, parse_chargeback_report};
/// let report = "Case Number,Transaction ID,Amount,Reason Code,Reason,Date Received,Status\n\
///              CB-1001,125391271,$25.00,10.4,Fraud - card absent,12/01/2026,Open\n";
/// let rows = parse_chargeback_report(report.as_bytes())?;
/// assert_eq!(rows[0].case_id, "CB-1001");
/// assert_eq!(rows[0].amount.to_string(), "25.00");
/// assert_eq!(rows[0].reason, "10.4 Fraud - card absent");
/// assert_eq!(rows[0].stage, ChargebackStage::Opened);
/// # Ok::<(), mapping::MappingError>(())
/// ```
pub fn parse_chargeback_report(report: &[u8]) -> Result<Vec<Chargeback>, MappingError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(report);
    let headers = reader
        .headers()
        .map_err(|e| csv_error(&e, "report.header"))?
        .clone();
    let mut index = [None; Column::ALL.len()];
    for (i, header) in headers.iter().enumerate() {
        let name = header.trim().trim_start_matches('\u{feff}').to_lowercase();
        if let Some(column) = Column::ALL
            .iter()
            .position(|c| c.headers().contains(&name.as_str()))
        {
            // The first column of a name wins.
            index[column].get_or_insert(i);
        }
    }
    for column in Column::ALL {
        if column.required() && index[column as usize].is_none() {
            return Err(MappingError::MissingField {
                field: format!("report.column {:?}", column.name()),
            });
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&e, "report"))?;
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let cell = |column: Column| -> &str {
            index[column as usize]
                .and_then(|i| record.get(i))
                .map_or("", str::trim)
        };
        let row = read_row(&cell).map_err(|e| e.at(&format!("report.line {line}")))?;
        rows.push(row);
    }
    Ok(rows)
}

/// One row; errors name the column as the report writes it (`"Amount"`).
fn read_row<'a>(cell: &dyn Fn(Column) -> &'a str) -> Result<Chargeback, MappingError> {
    let named = |column: Column| format!("{:?}", column.name());
    let required = |column: Column| {
        let value = cell(column);
        if value.is_empty() {
            Err(MappingError::MissingField {
                field: named(column),
            })
        } else {
            Ok(value)
        }
    };
    let amount = report_amount(required(Column::Amount)?, &named(Column::Amount))?;
    let fee = match cell(Column::Fee) {
        "" => None,
        text => Some(report_amount(text, &named(Column::Fee))?),
    };
    let date = report_date(required(Column::Date)?, &named(Column::Date))?;
    let resolved_on = match cell(Column::Resolved) {
        "" => None,
        text => Some(report_date(text, &named(Column::Resolved))?),
    };
    let stage = match cell(Column::Status) {
        "" => ChargebackStage::Opened,
        text => ChargebackStage::parse(text).ok_or_else(|| MappingError::InvalidValue {
            field: named(Column::Status),
            value: text.to_owned(),
            expected: "chargeback status (open, won, lost, ...)",
        })?,
    };
    let reason = [cell(Column::ReasonCode), cell(Column::Reason)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let currency = match cell(Column::Currency) {
        "" => Currency::USD.code(),
        code => code,
    };
    let chargeback = Chargeback {
        case_id: required(Column::Case)?.to_owned(),
        transaction_id: required(Column::Transaction)?.to_owned(),
        amount,
        currency: currency.to_owned(),
        fee,
        reason,
        date,
        resolved_on,
        stage,
    };
    // The record's own checks, named by the report's columns.
    chargeback.check().map_err(|e| {
        let column = match e.field() {
            "case_id" => Column::Case,
            "transaction_id" => Column::Transaction,
            "currency" => Column::Currency,
            "fee" => Column::Fee,
            "resolved_on" => Column::Resolved,
            _ => Column::Amount,
        };
        rename(e, named(column))
    })?;
    Ok(chargeback)
}

/// `err` naming `field` instead.
fn rename(mut err: MappingError, field: String) -> MappingError {
    match &mut err {
        MappingError::MissingField { field: f }
        | MappingError::UnknownCurrency { field: f, .. }
        | MappingError::InvalidAmount { field: f, .. }
        | MappingError::PrecisionLoss { field: f, .. }
        | MappingError::AmountOutOfRange { field: f, .. }
        | MappingError::Unrepresentable { field: f, .. }
        | MappingError::CurrencyMismatch { field: f, .. }
        | MappingError::UnknownStatus { field: f, .. }
        | MappingError::InvalidValue { field: f, .. }
        | MappingError::NotYetKnown { field: f, .. } => *f = field,
    }
    err
}

/// An amount as a report writes it: `25.00`, `$1,025.00`, `-25.00`, `(25.00)`; exact.
fn report_amount(text: &str, field: &str) -> Result<Decimal, MappingError> {
    let invalid = |reason| MappingError::InvalidAmount {
        field: field.to_owned(),
        value: text.to_owned(),
        reason,
    };
    let unsigned = text
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .or_else(|| text.strip_prefix('-'))
        .unwrap_or(text)
        .trim();
    let digits: String = unsigned
        .strip_prefix('$')
        .unwrap_or(unsigned)
        .chars()
        .filter(|&c| c != ',')
        .collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(invalid("not a plain decimal amount"));
    }
    payops_core::decimal::parse_exact(&digits).map_err(|_| invalid("not an exact decimal"))
}

/// A date as a report writes it: `MM/DD/YYYY` (also `M/D/YYYY`) or `YYYY-MM-DD`.
fn report_date(text: &str, field: &str) -> Result<Date, MappingError> {
    let iso = time::macros::format_description!("[year]-[month]-[day]");
    let us = time::macros::format_description!("[month padding:none]/[day padding:none]/[year]");
    // A time after the date (`12/01/2026 3:04:05 PM`) is dropped: the books keep days.
    let day = text.split_whitespace().next().unwrap_or(text);
    Date::parse(day, iso)
        .or_else(|_| Date::parse(day, us))
        .map_err(|_| MappingError::InvalidValue {
            field: field.to_owned(),
            value: text.to_owned(),
            expected: "date (MM/DD/YYYY or YYYY-MM-DD)",
        })
}

fn csv_error(err: &csv::Error, field: &str) -> MappingError {
    let field = match err.position() {
        Some(p) => format!("{field}.line {}", p.line()),
        None => field.to_owned(),
    };
    MappingError::InvalidValue {
        field,
        value: err.to_string(),
        expected: "CSV row",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::{date, offset};

    const REPORT: &str = "\u{feff}case number , TRANSACTION ID,Amount,Reason Code,Reason,\
        Date Received,Date Resolved,Status,Fee,Card\n\
        CB-1,125391271,\"$1,025.00\",10.4,Fraud,12/01/2026,,Open,15.00,xxxx5439\n\
        ,,,,,,,,,\n\
        CB-2,125391272,(40.5),13.1,Not received,2026-11-20,12/03/2026,Closed - Won,,\n\
        CB-3,125391273,-7.25,,,11/2/2026,12/04/2026,LOST,0,\n";

    #[test]
    fn a_report_reads_into_chargebacks_whatever_the_header_case_and_order() {
        let rows = parse_chargeback_report(REPORT.as_bytes()).unwrap();
        assert_eq!(rows.len(), 3, "the blank line is skipped");
        assert_eq!(
            rows[0],
            Chargeback::new(
                "CB-1",
                "125391271",
                "1025.00".parse().unwrap(),
                "USD",
                date!(2026 - 12 - 01)
            )
            .reason("10.4 Fraud")
            .fee("15.00".parse().unwrap())
        );
        assert_eq!(rows[1].amount.to_string(), "40.5");
        assert_eq!(rows[1].stage, ChargebackStage::Won);
        assert_eq!(rows[1].resolved_on, Some(date!(2026 - 12 - 03)));
        assert_eq!(rows[2].stage, ChargebackStage::Lost);
        assert_eq!(rows[2].date, date!(2026 - 11 - 02));
        assert_eq!(rows[2].reason, "");
        assert_eq!(rows[2].fee_money().unwrap(), None, "a zero fee is none");
    }

    #[test]
    fn a_missing_column_or_a_bad_cell_is_named_with_its_line() {
        let err = parse_chargeback_report(b"Case Number,Amount,Date\nCB-1,1.00,12/01/2026\n")
            .unwrap_err();
        assert_eq!(err.field(), "report.column \"Transaction ID\"", "{err}");
        let header = "Case Number,Transaction ID,Amount,Date Received,Status\n";
        let cases = [
            ("CB-1,1,25.001,12/01/2026,open", "report.line 3.\"Amount\""),
            ("CB-1,1,25.0x,12/01/2026,open", "report.line 3.\"Amount\""),
            ("CB-1,1,0.00,12/01/2026,open", "report.line 3.\"Amount\""),
            (
                "CB-1,1,25.00,13/01/2026,open",
                "report.line 3.\"Date Received\"",
            ),
            (
                "CB-1,1,25.00,12/01/2026,appealed",
                "report.line 3.\"Status\"",
            ),
            (",1,25.00,12/01/2026,open", "report.line 3.\"Case Number\""),
            (
                "CB-1,,25.00,12/01/2026,open",
                "report.line 3.\"Transaction ID\"",
            ),
        ];
        for (row, field) in cases {
            // Line 2 is good: the bad row is line 3.
            let report = format!("{header}CB-0,9,1.00,12/01/2026,open\n{row}\n");
            let err = parse_chargeback_report(report.as_bytes()).unwrap_err();
            assert_eq!(err.field(), field, "{row}: {err}");
        }
        let euro = "Case Number,Transaction ID,Amount,Date,Currency\nCB-1,1,5.00,12/01/2026,EUR\n";
        let err = parse_chargeback_report(euro.as_bytes()).unwrap_err();
        assert_eq!(err.field(), "report.line 2.\"Currency\"", "{err}");
    }

    #[test]
    fn stages_are_read_from_the_words_reports_use_and_nothing_is_guessed() {
        for (text, stage) in [
            ("Open", Some(ChargebackStage::Opened)),
            ("under_review", Some(ChargebackStage::Opened)),
            ("Closed - Won", Some(ChargebackStage::Won)),
            ("REVERSED", Some(ChargebackStage::Won)),
            ("merchant lost", Some(ChargebackStage::Lost)),
            ("appealed", None),
            ("", None),
        ] {
            assert_eq!(ChargebackStage::parse(text), stage, "{text}");
        }
    }

    #[test]
    fn a_chargeback_is_a_paytrace_dispute_and_its_own_settlement_batches() {
        let rows = parse_chargeback_report(REPORT.as_bytes()).unwrap();
        let dispute = rows[1].dispute().unwrap();
        assert_eq!(dispute.ids.get(System::Paytrace), Some("CB-2"));
        assert_eq!(dispute.payment_transaction_id, "125391272");
        assert_eq!(dispute.amount, Money::from_minor(4050, Currency::USD));
        assert_eq!(dispute.status, DisputeStatus::Won);

        let batches = chargeback_batches(&rows, offset!(-7)).unwrap();
        let summary: Vec<Vec<(&str, &str, SettlementKind, i64)>> = batches
            .iter()
            .map(|b| {
                b.iter()
                    .map(|l| {
                        (
                            l.batch_id.as_str(),
                            l.transaction_id.as_str(),
                            l.kind.clone(),
                            l.gross.minor(),
                        )
                    })
                    .collect()
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                vec![
                    ("chargeback-CB-1", "CB-1", SettlementKind::Dispute, -102_500),
                    (
                        "chargeback-CB-1",
                        "CB-1/fee",
                        SettlementKind::Adjustment,
                        -1500
                    ),
                ],
                vec![("chargeback-CB-2", "CB-2", SettlementKind::Dispute, -4050)],
                vec![(
                    "chargeback-CB-2-won",
                    "CB-2",
                    SettlementKind::DisputeReversal,
                    4050
                )],
                vec![("chargeback-CB-3", "CB-3", SettlementKind::Dispute, -725)],
            ]
        );
        for line in batches.iter().flatten() {
            line.check().unwrap();
        }
        assert_eq!(
            batches[2][0].settled_at.map(|t| t.date()),
            Some(date!(2026 - 12 - 03))
        );
    }
}
