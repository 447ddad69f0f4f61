//! A gateway batch or payout as one balanced journal entry.

use super::{ErpCtx, SettlementFees, segment};
use crate::{MappingError, Money, SettlementKind, SettlementLine, System};

/// `{gateway}/{account}/settlement/{batch or payout id}`.
pub fn settlement_ref(
    gateway: System,
    batch_id: &str,
    ctx: &ErpCtx,
) -> Result<String, MappingError> {
    Ok(format!(
        "{}/settlement/{}",
        ctx.gateway_prefix(gateway, "settlement_lines[0]")?,
        segment(batch_id, "settlement_lines[0].batch_id")?
    ))
}

/// Where a line's money sits in the journal.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Bucket {
    Charges,
    Refunds,
    Disputes,
    DisputeReversals,
    Adjustments,
    Fees,
    Bank,
}

impl Bucket {
    const ALL: [Self; 7] = [
        Self::Charges,
        Self::Refunds,
        Self::Disputes,
        Self::DisputeReversals,
        Self::Adjustments,
        Self::Fees,
        Self::Bank,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Charges => "gross charges",
            Self::Refunds => "refunds",
            Self::Disputes => "disputes",
            Self::DisputeReversals => "dispute reversals",
            Self::Adjustments => "adjustments",
            Self::Fees => "gateway fees",
            Self::Bank => "net to bank",
        }
    }
}

/// The journal entry of one settlement batch (a PayTrace batch, a Stripe payout's balance
/// transactions): every line must belong to the same gateway, batch and currency, and satisfy
/// `net = gross - fee`.
///
/// Lines, one per non-zero amount, in this order:
/// - the clearing account (`1200-<gateway>`) is credited with the gross of the charges and
///   debited with the refunds and disputes (labels `gross charges`, `refunds`, `disputes`,
///   `dispute reversals`, `adjustments`; a negative sum flips the side). Refunds and disputes
///   land on clearing, not on the refunds and chargebacks accounts, because the credit memo and
///   the dispute record already booked those (and took the money out of clearing); booking them
///   again here would count them twice;
/// - gateway fees are debited with every line's fee and every stand-alone fee line
///   (`gateway fees`). With [`SettlementFees::OnPayments`] the payments already booked their
///   fees, so clearing takes each line's net instead and only stand-alone fee lines are booked;
/// - the bank is debited with the sum of the nets (`net to bank`).
///
/// A `payout` line (the payout itself, as Stripe lists it among the payout's balance
/// transactions) books nothing; its net must be minus the sum of the other nets. An `Unknown`
/// kind is [`MappingError::UnknownStatus`]. The entry's date is the latest `settled_at`, else
/// [`ErpCtx::date`]. The entry is checked with the `erp` crate's own balance check before it is
/// returned.
pub fn to_erp_settlement_journal(
    lines: &[SettlementLine],
    ctx: &ErpCtx,
) -> Result<erp::JournalEntry, MappingError> {
    let first = lines.first().ok_or_else(|| MappingError::MissingField {
        field: "settlement_lines".to_owned(),
    })?;
    let currency = first.gross.currency();
    let zero = Money::zero(currency);
    let mut sums = [zero; Bucket::ALL.len()];
    let mut payout: Option<Money> = None;
    let mut settled_at = None;
    for (i, line) in lines.iter().enumerate() {
        let at = |f: &str| format!("settlement_lines[{i}].{f}");
        if line.gateway != first.gateway {
            return Err(MappingError::InvalidValue {
                field: at("gateway"),
                value: line.gateway.as_str().to_owned(),
                expected: "the batch's gateway",
            });
        }
        if line.batch_id != first.batch_id {
            return Err(MappingError::InvalidValue {
                field: at("batch_id"),
                value: line.batch_id.clone(),
                expected: "the batch's id",
            });
        }
        for (money, name) in [(line.gross, "gross"), (line.fee, "fee"), (line.net, "net")] {
            if money.currency() != currency {
                return Err(MappingError::CurrencyMismatch {
                    field: at(name),
                    left: currency.code().to_owned(),
                    right: money.currency().code().to_owned(),
                });
            }
        }
        let net = line
            .gross
            .checked_sub(line.fee)
            .map_err(|e| e.at(&format!("settlement_lines[{i}]")))?;
        if net != line.net {
            return Err(MappingError::InvalidValue {
                field: at("net"),
                value: line.net.to_string(),
                expected: "net equal to gross minus fee",
            });
        }
        if let Some(when) = line.settled_at {
            settled_at = settled_at.max(Some(when));
        }
        let add = |sums: &mut [Money; 7], bucket: Bucket, amount: Money| {
            let slot = &mut sums[bucket as usize];
            *slot = slot.checked_add(amount).map_err(|e| e.at(&at("gross")))?;
            Ok::<(), MappingError>(())
        };
        let clearing = match &line.kind {
            SettlementKind::Charge => Bucket::Charges,
            SettlementKind::Refund => Bucket::Refunds,
            SettlementKind::Dispute => Bucket::Disputes,
            SettlementKind::DisputeReversal => Bucket::DisputeReversals,
            SettlementKind::Adjustment => Bucket::Adjustments,
            SettlementKind::Fee => {
                // The fee never passed through clearing: it comes off the payout.
                add(&mut sums, Bucket::Fees, line.net.checked_neg()?)?;
                add(&mut sums, Bucket::Bank, line.net)?;
                continue;
            }
            SettlementKind::Payout => {
                let so_far = payout.unwrap_or(zero);
                payout = Some(so_far.checked_add(line.net).map_err(|e| e.at(&at("net")))?);
                continue;
            }
            SettlementKind::Unknown(raw) => {
                return Err(MappingError::UnknownStatus {
                    field: at("kind"),
                    value: raw.clone(),
                    target: "erp",
                });
            }
        };
        match ctx.settlement_fees {
            SettlementFees::InSettlement => {
                add(&mut sums, clearing, line.gross)?;
                add(&mut sums, Bucket::Fees, line.fee)?;
            }
            SettlementFees::OnPayments => add(&mut sums, clearing, line.net)?,
        }
        add(&mut sums, Bucket::Bank, line.net)?;
    }
    let bank = sums[Bucket::Bank as usize];
    if payout.is_some_and(|p| p.checked_add(bank) != Ok(zero)) {
        return Err(MappingError::InvalidValue {
            field: "settlement_lines.payout".to_owned(),
            value: payout.map(|p| p.to_string()).unwrap_or_default(),
            expected: "payout equal to minus the sum of the batch's nets",
        });
    }
    let gateway = erp::Gateway::try_from(first.gateway).map_err(|e| e.at("settlement_lines[0]"))?;
    let mut journal_lines = Vec::new();
    for bucket in Bucket::ALL {
        let sum = sums[bucket as usize];
        if sum.is_zero() {
            continue;
        }
        // Clearing buckets hold credits; fees and bank hold debits. A negative sum flips the side.
        let (account, credit_when_positive) = match bucket {
            Bucket::Fees => (erp::Account::GatewayFees, false),
            Bucket::Bank => (erp::Account::Bank, false),
            _ => (erp::Account::Clearing(gateway.clone()), true),
        };
        let side = if sum.is_negative() == credit_when_positive {
            erp::Side::Debit
        } else {
            erp::Side::Credit
        };
        let amount = if sum.is_negative() {
            sum.checked_neg()?
        } else {
            sum
        };
        journal_lines.push(erp::JournalLine {
            account,
            side,
            amount: erp::Money::from(amount),
            label: Some(bucket.label().to_owned()),
        });
    }
    let entry = erp::JournalEntry {
        external_ref: settlement_ref(first.gateway, &first.batch_id, ctx)?,
        date: ctx.date_of(settled_at),
        memo: format!("{} settlement {}", gateway, first.batch_id),
        lines: journal_lines,
    };
    entry.validate().map_err(|e| MappingError::InvalidValue {
        field: "settlement_lines".to_owned(),
        value: e.to_string(),
        expected: "lines that make a balanced journal entry",
    })?;
    Ok(entry)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Currency;
    use crate::erp::test_support::{ctx, settlement as line, usd};
    use time::macros::datetime;

    fn summary(entry: &erp::JournalEntry) -> Vec<(String, erp::Side, i64, String)> {
        entry
            .lines
            .iter()
            .map(|l| {
                (
                    l.account.code(),
                    l.side,
                    l.amount.minor,
                    l.label.clone().unwrap_or_default(),
                )
            })
            .collect()
    }

    fn batch() -> Vec<SettlementLine> {
        vec![
            line(SettlementKind::Charge, 10_000, 320),
            line(SettlementKind::Charge, 5_000, 175),
            line(SettlementKind::Refund, -2_000, 0),
            line(SettlementKind::Dispute, -1_000, 1_500),
            line(SettlementKind::Fee, -300, 0),
            line(SettlementKind::Payout, -9_705, 0),
        ]
    }

    #[test]
    fn batch_becomes_a_balanced_entry_with_fees_from_the_settlement() {
        use erp::Side::{Credit, Debit};
        let entry = to_erp_settlement_journal(&batch(), &ctx()).unwrap();
        assert_eq!(entry.external_ref, "stripe/acct-9/settlement/po_1");
        assert_eq!(entry.memo, "stripe settlement po_1");
        let s =
            |code: &str, side, minor, label: &str| (code.to_owned(), side, minor, label.to_owned());
        assert_eq!(
            summary(&entry),
            [
                s("1200-stripe", Credit, 15_000, "gross charges"),
                s("1200-stripe", Debit, 2_000, "refunds"),
                s("1200-stripe", Debit, 1_000, "disputes"),
                s("6100", Debit, 320 + 175 + 1_500 + 300, "gateway fees"),
                s("1000", Debit, 9_705, "net to bank"),
            ]
        );
        assert_eq!(entry.validate().unwrap().as_str(), "USD");
        assert_eq!(serde_json::to_value(&entry).unwrap()["date"], "2026-11-23");
    }

    #[test]
    fn fees_already_on_payments_are_not_booked_twice() {
        use erp::Side::{Credit, Debit};
        let ctx = ctx().with_settlement_fees(SettlementFees::OnPayments);
        let entry = to_erp_settlement_journal(&batch(), &ctx).unwrap();
        let s =
            |code: &str, side, minor, label: &str| (code.to_owned(), side, minor, label.to_owned());
        assert_eq!(
            summary(&entry),
            [
                s("1200-stripe", Credit, 15_000 - 495, "gross charges"),
                s("1200-stripe", Debit, 2_000, "refunds"),
                s("1200-stripe", Debit, 2_500, "disputes"),
                s("6100", Debit, 300, "gateway fees"),
                s("1000", Debit, 9_705, "net to bank"),
            ]
        );
    }

    #[test]
    fn negative_payouts_flip_sides_and_the_date_is_the_latest_settlement() {
        let mut lines = vec![
            line(SettlementKind::Refund, -5_000, 0),
            line(SettlementKind::Charge, 1_000, 59),
        ];
        lines[0].settled_at = Some(datetime!(2026-11-20 10:00 UTC));
        lines[1].settled_at = Some(datetime!(2026-11-21 23:30 UTC));
        let entry = to_erp_settlement_journal(&lines, &ctx()).unwrap();
        let bank = entry
            .lines
            .iter()
            .find(|l| l.account == erp::Account::Bank)
            .unwrap();
        assert_eq!((bank.side, bank.amount.minor), (erp::Side::Credit, 4_059));
        assert_eq!(serde_json::to_value(&entry).unwrap()["date"], "2026-11-21");
    }

    #[test]
    fn errors_name_the_line_and_field() {
        type Edit = fn(&mut Vec<SettlementLine>);
        let cases: [(Edit, &str); 8] = [
            (|l| l.clear(), "settlement_lines"),
            (|l| l[2].net = usd(-1_999), "settlement_lines[2].net"),
            (
                |l| l[1].fee = Money::from_minor(175, Currency::EUR),
                "settlement_lines[1].fee",
            ),
            (
                |l| l[3].batch_id = "po_2".into(),
                "settlement_lines[3].batch_id",
            ),
            (
                |l| l[4].gateway = System::Paytrace,
                "settlement_lines[4].gateway",
            ),
            (
                |l| l[1].kind = SettlementKind::Unknown("climate".into()),
                "settlement_lines[1].kind",
            ),
            (
                |l| {
                    l[5].gross = usd(-9_704);
                    l[5].net = usd(-9_704)
                },
                "settlement_lines.payout",
            ),
            (
                |l| l.iter_mut().for_each(|x| x.gateway = System::Magento),
                "settlement_lines[0].gateway",
            ),
        ];
        for (edit, field) in cases {
            let mut lines = batch();
            edit(&mut lines);
            let err = to_erp_settlement_journal(&lines, &ctx()).unwrap_err();
            assert_eq!(err.field(), field, "{err}");
        }
        let mut lines = batch();
        lines[1].kind = SettlementKind::Unknown("climate".into());
        assert!(matches!(
            to_erp_settlement_journal(&lines, &ctx()),
            Err(MappingError::UnknownStatus { .. })
        ));
        // Only a payout line: nothing to book, which the erp crate's balance check refuses.
        let only = vec![line(SettlementKind::Payout, 0, 0)];
        assert_eq!(
            to_erp_settlement_journal(&only, &ctx())
                .unwrap_err()
                .field(),
            "settlement_lines"
        );
    }
}
