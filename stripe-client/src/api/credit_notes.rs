//! `/v1/credit_notes`: create, retrieve, list, void.
//!
//! Parameters are those of stripe-python 16.1.0 (`CreditNoteCreateParams`,
//! `CreditNoteListParams`, API `2026-10-28.endive`), of which this crate sends the ones an
//! order-to-cash integration needs. A credit note says how much of an invoice is given back
//! (`lines`, or one `amount`) and where the money goes: `refund_amount` (refunded to the
//! invoice's payment), `credit_amount` (the customer's balance), `out_of_band_amount` (settled
//! outside Stripe); for a paid invoice those must add up to the credit note's total
//! (docs.stripe.com/api/credit_notes/create; Stripe checks it, this crate does not).

use reqwest::Method;
use serde::Serialize;

use super::{handler, list_ops, request_enum};
use crate::error::Error;
use crate::list::{PageParams, RangeQuery};
use crate::models::{CreditNote, Metadata};

handler! {
    /// Credit notes.
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use stripe_client::{CreateCreditNote, CreateCreditNoteLine, CreateCreditNoteReason};
    /// let mut params = CreateCreditNote::new("in_123");
    /// params.lines = vec![CreateCreditNoteLine::invoice_line("il_456", 1)];
    /// params.reason = Some(CreateCreditNoteReason::ProductUnsatisfactory);
    /// params.refund_amount = Some(1_500);
    /// let note = client
    ///     .credit_notes()
    ///     .idempotency_key("magento/creditmemo/77/credit_note")
    ///     .create(&params)
    ///     .await?;
    /// println!("{} {} {}", note.number, note.total, note.status);
    /// let voided = client.credit_notes().void(&note.id).await?;
    /// println!("{:?}", voided.voided_at);
    /// # Ok(()) }
    /// ```
    CreditNotesApi, credit_notes
}

list_ops!(
    CreditNotesApi,
    ListCreditNotes,
    CreditNote,
    ["v1", "credit_notes"]
);

impl<E> CreditNotesApi<'_, E> {
    /// `POST /v1/credit_notes`. Give `lines` or `amount`.
    pub async fn create(&self, params: &CreateCreditNote) -> Result<CreditNote, Error> {
        self.client
            .call(Method::POST, &["v1", "credit_notes"], params, &self.opts)
            .await
    }

    /// `GET /v1/credit_notes/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<CreditNote, Error> {
        self.client
            .call(Method::GET, &["v1", "credit_notes", id], &(), &self.opts)
            .await
    }

    /// `POST /v1/credit_notes/{id}/void`: marks an issued credit note void. Refunds it made are
    /// not reversed.
    pub async fn void(&self, id: &str) -> Result<CreditNote, Error> {
        self.client
            .call(
                Method::POST,
                &["v1", "credit_notes", id, "void"],
                &(),
                &self.opts,
            )
            .await
    }
}

/// Parameters of `POST /v1/credit_notes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateCreditNote {
    /// The invoice credited (`in_...`).
    pub invoice: String,
    /// The lines credited; give these or [`amount`](Self::amount).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<CreateCreditNoteLine>,
    /// Total credited, in minor units, when no lines are given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// The part to refund to the invoice's payment, in minor units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<i64>,
    /// The part to credit to the customer's balance, in minor units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_amount: Option<i64>,
    /// The part settled outside Stripe, in minor units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_of_band_amount: Option<i64>,
    /// Why it is issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<CreateCreditNoteReason>,
    /// Memo printed on the PDF.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    /// Your key/value pairs.
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
}

impl CreateCreditNote {
    /// A credit note on `invoice`, without lines or amounts yet.
    pub fn new(invoice: impl Into<String>) -> Self {
        CreateCreditNote {
            invoice: invoice.into(),
            ..CreateCreditNote::default()
        }
    }
}

/// One line of a credit note being created (`lines[]`): part of an invoice line, or a custom
/// line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateCreditNoteLine {
    /// What the line credits.
    #[serde(rename = "type")]
    pub line_type: CreateCreditNoteLineType,
    /// The invoice line credited (type `invoice_line_item`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_line_item: Option<String>,
    /// Amount credited on the invoice line, in minor units (type `invoice_line_item`; instead
    /// of `quantity`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Quantity credited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u64>,
    /// Description (type `custom_line_item`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Unit amount in minor units (type `custom_line_item`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_amount: Option<i64>,
    /// Your key/value pairs.
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
}

impl CreateCreditNoteLine {
    /// `quantity` units of invoice line `invoice_line_item` (`il_...`).
    pub fn invoice_line(invoice_line_item: impl Into<String>, quantity: u64) -> Self {
        CreateCreditNoteLine {
            line_type: CreateCreditNoteLineType::InvoiceLineItem,
            invoice_line_item: Some(invoice_line_item.into()),
            amount: None,
            quantity: Some(quantity),
            description: None,
            unit_amount: None,
            metadata: Metadata::new(),
        }
    }

    /// `amount` (minor units) of invoice line `invoice_line_item` (`il_...`).
    pub fn invoice_line_amount(invoice_line_item: impl Into<String>, amount: i64) -> Self {
        CreateCreditNoteLine {
            line_type: CreateCreditNoteLineType::InvoiceLineItem,
            invoice_line_item: Some(invoice_line_item.into()),
            amount: Some(amount),
            quantity: None,
            description: None,
            unit_amount: None,
            metadata: Metadata::new(),
        }
    }

    /// A custom line: `quantity` times `unit_amount` (minor units), described.
    pub fn custom(description: impl Into<String>, unit_amount: i64, quantity: u64) -> Self {
        CreateCreditNoteLine {
            line_type: CreateCreditNoteLineType::CustomLineItem,
            invoice_line_item: None,
            amount: None,
            quantity: Some(quantity),
            description: Some(description.into()),
            unit_amount: Some(unit_amount),
            metadata: Metadata::new(),
        }
    }
}

request_enum! {
    /// What a credit note line being created credits.
    pub enum CreateCreditNoteLineType {
        /// A custom amount, not tied to an invoice line.
        CustomLineItem = "custom_line_item",
        /// (Part of) an invoice line.
        InvoiceLineItem = "invoice_line_item",
    }
}

request_enum! {
    /// The reasons a caller may give for a credit note.
    pub enum CreateCreditNoteReason {
        /// The invoice was a duplicate.
        Duplicate = "duplicate",
        /// The invoice was fraudulent.
        Fraudulent = "fraudulent",
        /// The order changed.
        OrderChange = "order_change",
        /// The customer was not satisfied with the product.
        ProductUnsatisfactory = "product_unsatisfactory",
    }
}

/// Filters of `GET /v1/credit_notes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListCreditNotes {
    /// Only this invoice's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice: Option<String>,
    /// Only this customer's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Creation time filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<RangeQuery>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageParams,
}
