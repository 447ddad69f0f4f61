//! Conversions from the canonical model into the `erp` crate's documents.
//!
//! | canonical | ERP document | function |
//! |---|---|---|
//! | [`Customer`] (vault ids from [`ExternalIds`] under [`System::Paytrace`] / [`System::Stripe`]) | [`erp::Customer`] | [`to_erp_customer`], [`to_erp_order_customer`] (guests too) |
//! | [`Order`] | [`erp::SalesOrder`], [`erp::Invoice`] | [`to_erp_sales_order`], [`to_erp_invoice`] |
//! | [`Payment`] | [`erp::Payment`] (`Received`) | [`to_erp_payment`] |
//! | [`Refund`] | [`erp::CreditMemo`] and the refund [`erp::Payment`] (`Refunded`) | [`to_erp_credit_memo`], [`to_erp_refund_payment`] |
//! | [`SettlementLine`]s of one batch or payout | a balanced [`erp::JournalEntry`] | [`to_erp_settlement_journal`] |
//! | [`Dispute`] | [`erp::Dispute`] | [`to_erp_dispute`], [`to_erp_dispute_at`] |
//! | [`Subscription`], [`BillingInvoice`], its payment, write-off and void, [`BillingCreditNote`] | [`erp::Contract`], [`erp::BillingInvoice`], [`erp::Payment`], [`erp::WriteOff`], [`erp::InvoiceVoid`], [`erp::CreditMemo`] | see [Subscription billing](self#subscription-billing) |
//!
//! What the canonical model does not hold (which shop, which gateway merchant account, the
//! document date, payment terms) comes from [`ErpCtx`]; this crate has no clock.
//!
//! # External references
//!
//! Every ERP create is idempotent by its external reference (`erp` crate README), so each
//! reference is derived only from source ids, after `shared/DESIGN.md` ("Exactly-once effects",
//! `shopify/{shop}/order/{id}/sale`):
//!
//! | document | reference |
//! |---|---|
//! | customer | `{store}/{shop}/customer/{store customer id}`; a guest: `{store}/{shop}/order/{order id}/customer` |
//! | sales order | `{store}/{shop}/order/{order id}` |
//! | invoice | `{store}/{shop}/order/{order id}/invoice` |
//! | payment | `{gateway}/{account}/txn/{transaction id}` |
//! | refund payment | `{gateway}/{account}/refund/{refund transaction id}` |
//! | credit memo | `{gateway}/{account}/refund/{refund transaction id}/credit_memo` |
//! | settlement journal | `{gateway}/{account}/settlement/{batch or payout id}` |
//! | dispute stage | `{gateway}/{account}/dispute/{dispute id}/{opened,won,lost}` |
//! | contract, billing invoice, credit memo of a credit note | `stripe/{account}/subscription/{id}`, `stripe/{account}/invoice/{id}`, `stripe/{account}/credit_note/{id}` |
//! | write-off, void of a billing invoice | `{invoice ref}/uncollectible`, `{invoice ref}/void` |
//!
//! Payments, refunds and disputes are keyed by the gateway's ids (scoped by the merchant
//! account, since PayTrace ids are only known to be unique within one account): those ids exist
//! on every path that reaches the ERP (a Shopify `refunds/create` after the PayTrace refund, a
//! Stripe `charge.refunded` before the Magento credit memo), so both paths derive the same key.
//! A `/` or `%` inside an id is percent-encoded so a reference always splits back into its ids.
//!
//! # Product codes
//!
//! Every ERP line needs a product code (`erp::LineItem::sku`, Odoo's `default_code`), and an
//! order is charged before it is booked, so every order a store can send must get one. A line's
//! code is the first of:
//!
//! | the line has | ERP product code | description |
//! |---|---|---|
//! | a non-blank `sku` | the SKU | the line's name |
//! | a `variant_id` (a catalog product without a SKU) | `shopify-variant-{variant_id}`; a Magento order's `magento-product-{product_id}` | the line's name |
//! | neither (a Shopify custom item: `sku`, `variant_id` and `product_id` all `null`) | [`CUSTOM_ITEM_CODE`] (`CUSTOM`) | the line's name, which is then required (`order.line_items[i].name`) |
//!
//! A variant id is stable and names exactly what was sold, so a merchant whose variants have no
//! SKU can still map it (in Odoo, give the product that internal reference). A custom item has
//! no identity beyond its title, which is free text typed at the till or in a draft order: a
//! code per title (`custom:{title}`) would be a new, unknown product for every spelling, and
//! Odoo refuses a line whose code it does not know. So all custom items share one code, created
//! once in the ERP, and the title travels as the line's description, where both the ledger
//! (`document_lines.description`) and Odoo (the line's name) keep it. The product id alone is
//! not used: it names a product, not which of its variants was sold.
//!
//! # Adjustments
//!
//! An order's [`Adjustment`]s (tips, duties, cash rounding) are part of its total, so they are
//! booked with it, each positive one as a line of its own after the product lines, quantity 1:
//!
//! | adjustment | ERP product code | description |
//! |---|---|---|
//! | [`AdjustmentKind::Tip`] | [`TIP_CODE`] (`TIP`) | `Tip` |
//! | [`AdjustmentKind::Duties`] | [`DUTIES_CODE`] (`DUTIES`) | `Duties` |
//! | [`AdjustmentKind::CashRounding`], positive | [`CASH_ROUNDING_CODE`] (`CASH-ROUNDING`) | `Cash rounding` |
//!
//! The ERP refuses negative unit prices (`SalesOrder::validate`, `Invoice::validate`), and
//! posting an invoice credits revenue with its lines, tax payable with its tax and shipping
//! income with its shipping (`ledger/post.rs`): every credit must stay positive and tax must stay
//! exactly what was charged. A negative cash rounding (the customer paid a little less than the
//! total) is therefore a reduction of revenue: it is shared among the product lines together
//! with the order discount, by the same largest-remainder rule, and the invoice total is the
//! amount paid. One that exceeds the product lines (an order of shipping only) is an error
//! naming `order.adjustments[i].amount`; a negative tip or duty is refused the same way.
//!
//! In the embedded ledger, tip and duty lines are revenue like every line: it has one revenue
//! account for lines. A merchant who carries tips owed to staff or duties owed to customs as
//! liabilities moves them with a journal entry; in Odoo, the `TIP` and `DUTIES` products' own
//! income accounts do it. The total check is unchanged: lines + adjustments + tax + shipping
//! must equal `order.total` exactly, else [`MappingError::InvalidValue`] naming `order.total`.
//!
//! # Subscription billing
//!
//! | canonical | ERP document | reference |
//! |---|---|---|
//! | the billed customer's [`ExternalIds`] | [`erp::Customer`] ([`to_erp_billing_customer`]) | the store's customer `{store}/{shop}/customer/{id}` when the ids hold one (the customer sync's reference), else `stripe/{account}/customer/{cus id}` |
//! | [`Subscription`] | [`erp::Contract`] ([`to_erp_contract`]) | `stripe/{account}/subscription/{sub id}` |
//! | [`BillingInvoice`] | [`erp::BillingInvoice`] ([`to_erp_billing_invoice`]) | `stripe/{account}/invoice/{in id}` |
//! | the [`Payment`] of a paid invoice | [`erp::Payment`] ([`to_erp_billing_payment`]) | `stripe/{account}/txn/{charge id}`, as an order's payment |
//! | an uncollectible invoice | [`erp::WriteOff`] ([`to_erp_write_off`]) | `{invoice ref}/uncollectible` |
//! | a voided invoice | [`erp::InvoiceVoid`] ([`to_erp_invoice_void`]) | `{invoice ref}/void` |
//! | an invoice paid or voided after its write-off | [`erp::WriteOffReversal`] ([`to_erp_write_off_reversal`]) | `{invoice ref}/uncollectible/reversed` |
//! | [`BillingCreditNote`] | [`erp::CreditMemo`] ([`to_erp_billing_credit_memo`]) | `stripe/{account}/credit_note/{cn id}` |
//! | each refund of a [`BillingCreditNote`] | a refund [`erp::Payment`] ([`to_erp_billing_refund_payments`]) | `stripe/{account}/credit_note/{cn id}/refund/{re id}` |
//!
//! An invoice's payment takes the reference, transaction id and fee of an order's payment
//! ([`to_erp_payment`]): payout reconciliation pairs a payout's charge lines with
//! payments by that reference, so invoice charges pair like order charges.
//!
//! ## Lines
//!
//! Each invoice line is one ERP line: the price (`price_...`, else the product, else
//! [`CUSTOM_ITEM_CODE`]) as product code, the line's description, its quantity when the
//! amount divides by it exactly (else quantity 1 and the amount as unit price: never a rounded
//! unit price), its discounts, its service period as dates in [`ErpCtx::utc_offset`]. A
//! proration credit is a negative line. A period that starts and ends on the same date (a
//! change minutes before a renewal) has no whole day to defer over: the line is revenue at once.
//!
//! A price with tax included is booked net: the line's unit price is its amount less the taxes
//! it includes ([`crate::BillingLine::inclusive_tax`]), so the revenue deferred and recognised
//! is never the tax. The ERP's tax is what the invoice's total adds to its lines' net amounts
//! less their discounts (the taxes added on top and those included), and must be
//! [`BillingInvoice::tax_total`]: an invoice whose discounts are not all on its lines does not
//! add up and is refused naming `invoice.total`. An invoice whose total is not above zero (a
//! trial's, one of proration credits only) is refused naming `invoice.total`: it owes nothing,
//! and the ERP books no such invoice.
//!
//! # Sources and unconfirmed points
//!
//! - The ERP documents' rules (non-negative unit prices, whole quantities, no discount field,
//!   positive invoice totals, credit memo and payment postings, dispute stages): the `erp` crate's
//!   `models/` and `ledger/post.rs`, read in this workspace.
//! - Odoo finds products by `default_code` and refuses a line whose code it does not know
//!   (`erp/src/odoo/erp_impl.rs`, `connector.rs`): the codes above (`CUSTOM`, `TIP`, `DUTIES`,
//!   `CASH-ROUNDING`, each `shopify-variant-{id}` used) must exist there as products before such
//!   orders book; otherwise the ERP answers `NotFound` naming the code.
//! - Chargeback flow (funds withdrawn when a chargeback opens, returned when won; inquiries move
//!   no money): Stripe's disputes docs (<https://docs.stripe.com/disputes/how-disputes-work>).
//!   That PayTrace transaction ids are unique only per merchant account is an assumption
//!   (unconfirmed); the account segment makes it harmless either way.
//! - Tax-inclusive prices (Shopify `taxes_included`) are not supported: the order's total must
//!   equal lines less discounts plus adjustments, tax and shipping, or the mapping fails.

mod billing;
mod documents;
mod payments;
mod settlement;
#[cfg(test)]
mod test_support;

pub use billing::{
    billing_credit_memo_ref, billing_customer_ref, billing_invoice_ref, contract_ref,
    to_erp_billing_credit_memo, to_erp_billing_customer, to_erp_billing_invoice,
    to_erp_billing_payment, to_erp_billing_refund_payments, to_erp_contract, to_erp_invoice_void,
    to_erp_write_off, to_erp_write_off_reversal,
};
pub use documents::{
    CASH_ROUNDING_CODE, CUSTOM_ITEM_CODE, DUTIES_CODE, TIP_CODE, customer_ref, invoice_ref,
    order_id_of_invoice_ref, order_ref, to_erp_customer, to_erp_invoice, to_erp_order_customer,
    to_erp_sales_order,
};
pub use payments::{
    credit_memo_ref, dispute_ref, payment_ref, refund_payment_ref, to_erp_credit_memo,
    to_erp_dispute, to_erp_dispute_at, to_erp_payment, to_erp_refund_payment,
};
pub use settlement::{settlement_ref, to_erp_settlement_journal};

use time::{Date, OffsetDateTime, UtcOffset};

#[cfg(doc)]
use crate::{
    Adjustment, AdjustmentKind, BillingCreditNote, BillingInvoice, Customer, Dispute, ExternalIds,
    Order, Payment, Refund, SettlementLine, Subscription,
};
use crate::{Currency, DisputeStatus, MappingError, Money, System};

/// How gateway fees reach the ledger, which decides how a settlement journal treats them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SettlementFees {
    /// Payments were posted without their fee (PayTrace reports fees only in batches): the
    /// settlement journal credits the clearing account with the gross and books every fee to
    /// gateway fees.
    #[default]
    InSettlement,
    /// Payments were posted with their fee (the clearing account already holds net amounts): the
    /// settlement journal credits clearing with the net of each line and books only the fees of
    /// stand-alone fee lines, so no fee is counted twice.
    OnPayments,
}

/// What the ERP documents need and the canonical model does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErpCtx {
    /// The store the orders and customers come from ([`System::Shopify`] or [`System::Magento`]).
    pub store: System,
    /// Which store of that kind: the Shopify shop (`shop1.myshopify.com` or its handle), the
    /// Magento store code. A segment of every store-side reference.
    pub shop: String,
    /// The merchant's account at the gateway (PayTrace merchant id, Stripe account id). A segment
    /// of every gateway-side reference.
    pub gateway_account: String,
    /// The document date when the canonical entity carries none (orders, disputes), typically
    /// the date of the source event; the caller decides, this crate has no clock.
    pub date: Date,
    /// Days from the invoice date to its due date (0: due on receipt).
    pub payment_terms_days: u16,
    /// The offset in which a timestamp (`processed_at`, `settled_at`) becomes an accounting date.
    pub utc_offset: UtcOffset,
    /// Where gateway fees are booked.
    pub settlement_fees: SettlementFees,
}

impl ErpCtx {
    /// A context with due-on-receipt invoices, UTC accounting dates and fees booked from
    /// settlements.
    pub fn new(
        store: System,
        shop: impl Into<String>,
        gateway_account: impl Into<String>,
        date: Date,
    ) -> Self {
        Self {
            store,
            shop: shop.into(),
            gateway_account: gateway_account.into(),
            date,
            payment_terms_days: 0,
            utc_offset: UtcOffset::UTC,
            settlement_fees: SettlementFees::InSettlement,
        }
    }

    /// Builder form of [`ErpCtx::payment_terms_days`].
    #[must_use]
    pub fn with_payment_terms_days(mut self, days: u16) -> Self {
        self.payment_terms_days = days;
        self
    }

    /// Builder form of [`ErpCtx::utc_offset`].
    #[must_use]
    pub fn with_utc_offset(mut self, offset: UtcOffset) -> Self {
        self.utc_offset = offset;
        self
    }

    /// Builder form of [`ErpCtx::settlement_fees`].
    #[must_use]
    pub fn with_settlement_fees(mut self, fees: SettlementFees) -> Self {
        self.settlement_fees = fees;
        self
    }

    /// `{store}/{shop}`, the start of every store-side reference.
    fn store_prefix(&self) -> Result<String, MappingError> {
        if !matches!(self.store, System::Shopify | System::Magento) {
            return Err(MappingError::InvalidValue {
                field: "ctx.store".to_owned(),
                value: self.store.as_str().to_owned(),
                expected: "store (shopify or magento)",
            });
        }
        Ok(format!(
            "{}/{}",
            self.store.as_str(),
            segment(&self.shop, "ctx.shop")?
        ))
    }

    /// `{gateway}/{account}`, the start of every gateway-side reference.
    /// `parent` is the entity holding the gateway field (`payment`, `settlement_lines[0]`).
    fn gateway_prefix(&self, gateway: System, parent: &str) -> Result<String, MappingError> {
        let gateway = erp::Gateway::try_from(gateway).map_err(|e| e.at(parent))?;
        Ok(format!(
            "{gateway}/{}",
            segment(&self.gateway_account, "ctx.gateway_account")?
        ))
    }

    /// The accounting date of a timestamp, or the context's date when there is none.
    fn date_of(&self, at: Option<OffsetDateTime>) -> Date {
        at.map_or(self.date, |at| at.to_offset(self.utc_offset).date())
    }
}

/// One segment of an external reference: non-empty, with `%` and `/` percent-encoded so the
/// reference splits back into its ids.
fn segment(id: &str, field: &str) -> Result<String, MappingError> {
    if id.trim().is_empty() {
        return Err(MappingError::MissingField {
            field: field.to_owned(),
        });
    }
    Ok(id.replace('%', "%25").replace('/', "%2F"))
}

/// The store's id of an entity: a store that sent it always gives one, so its absence is
/// permanent.
fn store_id<'a>(
    ids: &'a crate::ExternalIds,
    store: System,
    parent: &str,
) -> Result<&'a str, MappingError> {
    ids.get(store).ok_or_else(|| MappingError::MissingField {
        field: format!("{parent}.ids.{}", store.as_str()),
    })
}

/// The same minor units in the same currency: both crates hold the same
/// [`payops_core::Currency`], so nothing is parsed or converted in between.
impl From<Money> for erp::Money {
    fn from(money: Money) -> Self {
        Self::new(money.minor(), erp::CurrencyCode::from(money.currency()))
    }
}

/// The ERP's gateway name for a payment gateway; stores and the ERP itself are not gateways.
impl TryFrom<System> for erp::Gateway {
    type Error = MappingError;

    fn try_from(system: System) -> Result<Self, Self::Error> {
        let invalid = || MappingError::InvalidValue {
            field: "gateway".to_owned(),
            value: system.as_str().to_owned(),
            expected: "payment gateway (paytrace or stripe)",
        };
        match system {
            System::Paytrace | System::Stripe => Self::new(system.as_str()).map_err(|_| invalid()),
            _ => Err(invalid()),
        }
    }
}

/// The ERP dispute stage a canonical status has reached.
///
/// Open chargebacks (`needs_response`, `under_review`) are `Opened`: the gateway has withdrawn
/// the funds. `won` is `Won`; `lost` and `accepted` are `Lost` (the amount held since `Opened`
/// is written off). Inquiries and prevented disputes move no money and have no ERP record: they are
/// [`MappingError::UnknownStatus`], as is an `Unknown` status.
impl TryFrom<&DisputeStatus> for erp::DisputeStage {
    type Error = MappingError;

    fn try_from(status: &DisputeStatus) -> Result<Self, Self::Error> {
        match status {
            DisputeStatus::NeedsResponse | DisputeStatus::UnderReview => Ok(Self::Opened),
            DisputeStatus::Won => Ok(Self::Won),
            DisputeStatus::Lost | DisputeStatus::Accepted => Ok(Self::Lost),
            other => Err(MappingError::UnknownStatus {
                field: "status".to_owned(),
                value: other.as_str().to_owned(),
                target: "erp",
            }),
        }
    }
}

/// A canonical amount as an ERP amount in `currency`, refusing another currency.
fn erp_money(money: Money, currency: Currency, field: &str) -> Result<erp::Money, MappingError> {
    if money.currency() != currency {
        return Err(MappingError::CurrencyMismatch {
            field: field.to_owned(),
            left: currency.code().to_owned(),
            right: money.currency().code().to_owned(),
        });
    }
    Ok(erp::Money::from(money))
}

/// Refuses a negative amount (or a zero one when `positive`): ERP documents carry signs in
/// their kind (payment direction, debit or credit), never in amounts.
fn require_sign(money: Money, positive: bool, field: &str) -> Result<(), MappingError> {
    let bad = if positive {
        money.minor() <= 0
    } else {
        money.is_negative()
    };
    if bad {
        return Err(MappingError::AmountOutOfRange {
            field: field.to_owned(),
            value: money.to_string(),
            reason: if positive {
                "must be greater than zero"
            } else {
                "must not be negative"
            },
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::currency::parse_currency;
    use time::macros::{date, datetime, offset};

    #[test]
    fn money_keeps_minor_units_and_currency() {
        let cases = [
            (Money::from_minor(3645, Currency::USD), 3645, "USD"),
            (Money::from_minor(-5, Currency::EUR), -5, "EUR"),
            (Money::from_minor(1000, Currency::JPY), 1000, "JPY"),
            (
                Money::from_minor(1500, Currency::parse("BHD").unwrap()),
                1500,
                "BHD",
            ),
            (Money::from_minor(i64::MAX, Currency::GBP), i64::MAX, "GBP"),
        ];
        for (money, minor, code) in cases {
            let out = erp::Money::from(money);
            assert_eq!(out.minor, minor, "{money}");
            assert_eq!(out.currency.as_str(), code);
            assert_eq!(out.to_major(), money.to_major(), "{money}");
        }
    }

    #[test]
    fn erp_money_refuses_another_currency_naming_the_field() {
        let err = erp_money(
            Money::from_minor(1, Currency::EUR),
            Currency::USD,
            "order.tax",
        )
        .unwrap_err();
        assert_eq!(
            err,
            MappingError::CurrencyMismatch {
                field: "order.tax".into(),
                left: "USD".into(),
                right: "EUR".into()
            }
        );
    }

    #[test]
    fn gateways_are_only_payment_gateways() {
        assert_eq!(
            erp::Gateway::try_from(System::Paytrace).unwrap().as_str(),
            "paytrace"
        );
        assert_eq!(
            erp::Gateway::try_from(System::Stripe).unwrap().as_str(),
            "stripe"
        );
        for system in [System::Shopify, System::Magento, System::Erp] {
            let err = erp::Gateway::try_from(system).unwrap_err();
            assert_eq!(err.field(), "gateway");
            assert_eq!(err.value(), Some(system.as_str()));
        }
    }

    #[test]
    fn dispute_stages_from_statuses() {
        use erp::DisputeStage::{Lost, Opened, Won};
        let cases = [
            (DisputeStatus::NeedsResponse, Some(Opened)),
            (DisputeStatus::UnderReview, Some(Opened)),
            (DisputeStatus::Won, Some(Won)),
            (DisputeStatus::Lost, Some(Lost)),
            (DisputeStatus::Accepted, Some(Lost)),
            (DisputeStatus::InquiryNeedsResponse, None),
            (DisputeStatus::InquiryUnderReview, None),
            (DisputeStatus::InquiryClosed, None),
            (DisputeStatus::Prevented, None),
            (DisputeStatus::Unknown("charge_refunded".into()), None),
        ];
        assert_eq!(cases.len(), DisputeStatus::KNOWN.len() + 1);
        for (status, expected) in cases {
            match (erp::DisputeStage::try_from(&status), expected) {
                (Ok(stage), Some(want)) => assert_eq!(stage, want, "{status}"),
                (Err(err), None) => {
                    assert!(
                        matches!(&err, MappingError::UnknownStatus { value, target: "erp", .. } if value == status.as_str()),
                        "{err}"
                    );
                }
                (got, want) => panic!("{status}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn segments_are_escaped_and_never_empty() {
        assert_eq!(segment("450789469", "f").unwrap(), "450789469");
        assert_eq!(
            segment("gid://shopify/Order/1", "f").unwrap(),
            "gid:%2F%2Fshopify%2FOrder%2F1"
        );
        assert_eq!(segment("50%off", "f").unwrap(), "50%25off");
        assert_eq!(
            segment(" ", "ctx.shop").unwrap_err(),
            MappingError::MissingField {
                field: "ctx.shop".into()
            }
        );
    }

    #[test]
    fn dates_use_the_context_offset() {
        let ctx = ErpCtx::new(System::Shopify, "shop1", "acct", date!(2026 - 11 - 23));
        assert_eq!(ctx.date_of(None), date!(2026 - 11 - 23));
        let late = datetime!(2026-11-24 02:00 UTC);
        assert_eq!(ctx.date_of(Some(late)), date!(2026 - 11 - 24));
        let ny = ctx.with_utc_offset(offset!(-5));
        assert_eq!(ny.date_of(Some(late)), date!(2026 - 11 - 23));
    }

    /// One currency table: what `mapping` accepts, `erp` accepts with the same exponent, and a
    /// code without a minor unit is refused by both (`erp` used to answer 0 for it, `mapping` 2).
    #[test]
    fn erp_and_mapping_agree_on_every_currency() {
        for currency in Currency::all() {
            let code = erp::CurrencyCode::new(currency.code()).unwrap();
            assert_eq!(code.exponent(), currency.exponent(), "{currency}");
            assert_eq!(erp::CurrencyCode::from(currency), code);
            assert_eq!(parse_currency(code.as_str(), "c").unwrap(), currency);
            let money = Money::from_minor(12345, currency);
            assert_eq!(erp::Money::from(money).to_major(), money.to_major());
        }
        for (code, exponent) in [("BHD", 3), ("JPY", 0), ("CLF", 4)] {
            assert_eq!(parse_currency(code, "c").unwrap().exponent(), exponent);
            assert_eq!(erp::CurrencyCode::new(code).unwrap().exponent(), exponent);
        }
        for code in ["XAU", "XXX", "XDR", "ZZZ"] {
            assert!(parse_currency(code, "c").is_err(), "{code}");
            assert!(erp::CurrencyCode::new(code).is_err(), "{code}");
        }
    }

    #[test]
    fn store_prefix_needs_a_store() {
        let ctx = ErpCtx::new(System::Stripe, "shop1", "acct", date!(2026 - 11 - 23));
        assert_eq!(ctx.store_prefix().unwrap_err().field(), "ctx.store");
        let ctx = ErpCtx::new(System::Magento, "default", "acct", date!(2026 - 11 - 23));
        assert_eq!(ctx.store_prefix().unwrap(), "magento/default");
    }

    #[test]
    fn signs() {
        let usd = |m| Money::from_minor(m, Currency::USD);
        assert!(require_sign(usd(0), false, "f").is_ok());
        assert!(require_sign(usd(1), true, "f").is_ok());
        assert_eq!(
            require_sign(usd(0), true, "a.b").unwrap_err().field(),
            "a.b"
        );
        assert!(matches!(
            require_sign(usd(-1), false, "f"),
            Err(MappingError::AmountOutOfRange { .. })
        ));
    }
}
