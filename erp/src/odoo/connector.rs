//! The Odoo connector: schema check at start-up and the lookups its operations share.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Value, json};

use super::client::OdooClient;
use super::config::{OdooErpConfig, REQUIRED_FIELDS};
use super::wire::{CreatedIds, number};
use crate::error::Error;
use crate::models::{
    Account, DocumentId, DocumentKind, DocumentRef, Gateway, JournalLine, Payment, Recorded, Side,
    journal::check_balanced,
};
use crate::money::{CurrencyCode, Money};

/// The [`Erp`](crate::Erp) trait over Odoo (19+ JSON-2).
///
/// Where documents go:
/// * customer: `res.partner`, `ref` = external reference, `customer_rank` 1;
/// * sales order: `sale.order`, `client_order_ref` = external reference, then `action_confirm`;
///   lines resolve their product by `default_code` = SKU (tax and shipping are left to
///   Odoo's own tax and delivery rules);
/// * invoice: `account.move` `out_invoice`, `ref` = external reference, tax and shipping as
///   lines on the configured accounts, every line with `tax_ids` cleared so that Odoo adds no
///   tax of its own (the tax line is then a plain line, outside Odoo's tax report), then
///   `action_post`;
/// * payment received: the `account.payment.register` wizard on the invoice (so Odoo
///   reconciles it), `communication` = external reference, then `action_create_payments`.
///   The wizard has no field for the gateway's transaction id, and writing
///   `payment_reference` on the payment once posted would make Odoo re-synchronise its
///   reconciled journal items (which it refuses), so a received payment carries no
///   transaction id in Odoo;
/// * refund paid: an outbound `account.payment` with `payment_reference` = the gateway's
///   transaction id (when the database has the field), then `action_post`;
/// * a payment's fee: an `entry` move (gateway fees / clearing) with reference
///   `<external_ref>/fee`;
/// * credit memo: `account.move` `out_refund` with `reversed_entry_id`, then `action_post`;
/// * journal entry and dispute stages: `account.move` `entry`, then `action_post`.
///
/// [`Erp::payment_entries`](crate::Erp::payment_entries) reads them back from the gateway's
/// payment journal. Received payments come without a transaction id, so a settlement pairs them
/// in its second pass (invoice reference, amount, currency); refunds pair by transaction id.
///
/// Idempotency is search-then-create, so after an ambiguous failure (say a timeout of a
/// `create`) calling the same operation again is safe: it finds the record if it was made.
/// JSON-2 runs each call in its own transaction, so two writers racing on the same new
/// reference could both create; run one writer per reference (the workflow runtime does).
///
/// ```no_run
/// use erp::{Account, Erp, Gateway};
/// use erp::odoo::{OdooClient, OdooErp, OdooErpConfig};
/// use secrecy::SecretString;
/// # async fn run() -> Result<(), erp::Error> {
/// let client = OdooClient::builder("https://mycompany.odoo.com", SecretString::from("key"))
///     .database("mycompany")
///     .build()?;
/// let config = OdooErpConfig::new()
///     .account(Account::TaxPayable, "251000")
///     .account(Account::ShippingIncome, "400100")
///     .payment_journal(Gateway::new("stripe")?, 7);
/// let odoo = OdooErp::connect(client, config).await?;
/// for r in odoo.open_receivables().await? {
///     println!("{} owes {}", r.customer_ref, r.open);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct OdooErp {
    pub(super) client: OdooClient,
    pub(super) config: OdooErpConfig,
    pub(super) payment_memo_field: &'static str,
    /// `account.payment.payment_reference` (Odoo 14+), where refunds keep their transaction id;
    /// `None` when the database lacks it.
    pub(super) payment_reference_field: Option<&'static str>,
    ids: Mutex<HashMap<String, i64>>,
}

pub(super) fn doc(kind: DocumentKind, id: i64, external_ref: &str) -> DocumentRef {
    DocumentRef {
        kind,
        id: DocumentId(id.to_string()),
        external_ref: external_ref.to_owned(),
    }
}

pub(super) fn recorded(kind: DocumentKind, id: i64, external_ref: &str, created: bool) -> Recorded {
    Recorded {
        document: doc(kind, id, external_ref),
        created,
    }
}

/// The x2many command `(6, 0, [])` ("set to nothing"): the documents carry their tax as an
/// explicit line, so Odoo must not add the product's or the company's default sale tax on top.
pub(super) const NO_TAXES: [(u8, u8, [i64; 0]); 1] = [(6, 0, [])];

/// `account.payment`'s char field "Reference of the document used to issue this payment"
/// (Odoo 14 and later).
const PAYMENT_REFERENCE: &str = "payment_reference";

pub(super) fn money(m: Money) -> Value {
    number(m.to_major())
}

impl OdooErp {
    /// Checks with `fields_get` that every field this connector uses exists (and whether
    /// payments call their reference `memo`, as since Odoo 18, or `ref`, and whether they have
    /// the char field `payment_reference` for a refund's transaction id), then returns the
    /// connector. A missing field is [`Error::Config`] naming the model and fields; a missing
    /// `payment_reference` is not: refunds are then listed without their transaction id.
    pub async fn connect(client: OdooClient, config: OdooErpConfig) -> Result<Self, Error> {
        let mut missing = Vec::new();
        let mut payment_memo_field = "memo";
        let mut payment_reference_field = None;
        for (model, fields) in REQUIRED_FIELDS {
            let known: serde_json::Map<String, Value> = client
                .call(model, "fields_get", json!({"attributes": ["type"]}))
                .await?;
            let mut wanted: Vec<&str> = fields.to_vec();
            if model == "res.partner" {
                wanted.extend(config.vault_id_field.as_deref());
            }
            if model == "account.payment" {
                payment_memo_field = if known.contains_key("memo") {
                    "memo"
                } else if known.contains_key("ref") {
                    "ref"
                } else {
                    missing.push(format!("{model}.memo"));
                    "memo"
                };
                payment_reference_field = known
                    .get(PAYMENT_REFERENCE)
                    .and_then(|attrs| attrs.get("type"))
                    .is_some_and(|t| t == "char")
                    .then_some(PAYMENT_REFERENCE);
            }
            missing.extend(
                wanted
                    .into_iter()
                    .filter(|f| !known.contains_key(*f))
                    .map(|f| format!("{model}.{f}")),
            );
        }
        if !missing.is_empty() {
            return Err(Error::Config(format!(
                "the Odoo database lacks fields: {}",
                missing.join(", ")
            )));
        }
        Ok(Self {
            client,
            config,
            payment_memo_field,
            payment_reference_field,
            ids: Mutex::new(HashMap::new()),
        })
    }

    /// Builds the connector without checking the schema, assuming Odoo 19's field names
    /// (`account.payment` with `memo` and `payment_reference`).
    pub fn new_unchecked(client: OdooClient, config: OdooErpConfig) -> Self {
        Self {
            client,
            config,
            payment_memo_field: "memo",
            payment_reference_field: Some(PAYMENT_REFERENCE),
            ids: Mutex::new(HashMap::new()),
        }
    }

    /// The underlying client.
    pub fn client(&self) -> &OdooClient {
        &self.client
    }

    pub(super) async fn search_one(
        &self,
        model: &str,
        domain: Value,
    ) -> Result<Option<i64>, Error> {
        let ids: Vec<i64> = self
            .client
            .call(model, "search", json!({"domain": domain, "limit": 1}))
            .await?;
        Ok(ids.first().copied())
    }

    pub(super) async fn create(&self, model: &str, vals: Value) -> Result<i64, Error> {
        let ids: CreatedIds = self
            .client
            .call(model, "create", json!({"vals_list": [vals]}))
            .await?;
        ids.first()
    }

    pub(super) async fn action(&self, model: &str, method: &str, id: i64) -> Result<(), Error> {
        // Actions return `true`, `null` or a client action dict: nothing to use.
        let _: Value = self
            .client
            .call(model, method, json!({"ids": [id]}))
            .await?;
        Ok(())
    }

    /// Resolves (and caches) the id of the record of `model` whose `field` equals `value`.
    pub(super) async fn lookup(
        &self,
        model: &'static str,
        field: &str,
        value: &str,
        kind: &'static str,
    ) -> Result<i64, Error> {
        let key = format!("{model}/{field}/{value}");
        if let Some(id) = self.cached(&key) {
            return Ok(id);
        }
        let id = self
            .search_one(model, json!([[field, "=", value]]))
            .await?
            .ok_or_else(|| Error::NotFound {
                kind,
                reference: value.to_owned(),
            })?;
        if let Ok(mut ids) = self.ids.lock() {
            ids.insert(key, id);
        }
        Ok(id)
    }

    fn cached(&self, key: &str) -> Option<i64> {
        self.ids.lock().ok().and_then(|ids| ids.get(key).copied())
    }

    pub(super) async fn partner(&self, customer_ref: &str) -> Result<i64, Error> {
        self.lookup("res.partner", "ref", customer_ref, "customer")
            .await
    }

    pub(super) async fn currency(&self, code: CurrencyCode) -> Result<i64, Error> {
        self.lookup("res.currency", "name", code.as_str(), "currency")
            .await
    }

    fn account_code(&self, account: &Account) -> Result<String, Error> {
        match account {
            Account::Other(code) => Ok(code.clone()),
            named => self
                .config
                .account_codes
                .get(named)
                .cloned()
                .ok_or_else(|| {
                    Error::Config(format!("no Odoo account code configured for {named:?}"))
                }),
        }
    }

    pub(super) async fn account(&self, account: &Account) -> Result<i64, Error> {
        let code = self.account_code(account)?;
        self.lookup("account.account", "code", &code, "account")
            .await
    }

    pub(super) fn journal(&self, gateway: &Gateway) -> Result<i64, Error> {
        self.config
            .payment_journals
            .get(gateway)
            .copied()
            .ok_or_else(|| Error::Config(format!("no Odoo payment journal for gateway {gateway}")))
    }

    pub(super) async fn find_move(
        &self,
        move_type: &str,
        external_ref: &str,
    ) -> Result<Option<i64>, Error> {
        self.search_one(
            "account.move",
            json!([["move_type", "=", move_type], ["ref", "=", external_ref]]),
        )
        .await
    }

    /// The `move_type` move with this reference, as an idempotent create finds it: a draft,
    /// left by a call cut between `create` and `action_post`, is posted now, so a document is
    /// never left out of the books (a cancelled one is a person's doing and stays as it is).
    pub(super) async fn recorded_move(
        &self,
        move_type: &str,
        external_ref: &str,
    ) -> Result<Option<i64>, Error> {
        let Some(id) = self.find_move(move_type, external_ref).await? else {
            return Ok(None);
        };
        self.post_if_draft("account.move", id).await?;
        Ok(Some(id))
    }

    /// Posts a record of `model` (`account.move`, `account.payment`) still in `draft`.
    pub(super) async fn post_if_draft(&self, model: &str, id: i64) -> Result<(), Error> {
        #[derive(serde::Deserialize)]
        struct State {
            state: String,
        }
        let rows: Vec<State> = self
            .client
            .call(model, "read", json!({"ids": [id], "fields": ["state"]}))
            .await?;
        if rows.first().is_some_and(|r| r.state == "draft") {
            self.action(model, "action_post", id).await?;
        }
        Ok(())
    }

    pub(super) async fn invoice(&self, invoice_ref: &str) -> Result<i64, Error> {
        self.find_move("out_invoice", invoice_ref)
            .await?
            .ok_or_else(|| Error::NotFound {
                kind: "invoice",
                reference: invoice_ref.to_owned(),
            })
    }

    /// Creates and posts an `entry` move from balanced lines; `origin` (`invoice_origin`) names
    /// the document it belongs to, when one does.
    pub(super) async fn post_entry(
        &self,
        external_ref: &str,
        date: time::Date,
        memo: &str,
        lines: &[JournalLine],
        origin: Option<&str>,
    ) -> Result<i64, Error> {
        check_balanced(lines)?;
        let mut line_ids = Vec::with_capacity(lines.len());
        for line in lines {
            let (debit, credit) = match line.side {
                Side::Debit => (money(line.amount), json!(0)),
                Side::Credit => (json!(0), money(line.amount)),
            };
            line_ids.push(json!([0, 0, {
                "account_id": self.account(&line.account).await?,
                "name": line.label.as_deref().unwrap_or(memo),
                "debit": debit,
                "credit": credit,
            }]));
        }
        let mut vals = json!({
            "move_type": "entry",
            "ref": external_ref,
            "date": super::wire::date(date),
            "line_ids": line_ids,
        });
        if let Some(origin) = origin {
            vals["invoice_origin"] = json!(origin);
        }
        let id = self.create("account.move", vals).await?;
        self.action("account.move", "action_post", id).await?;
        Ok(id)
    }

    pub(super) async fn post_fee(&self, p: &Payment, fee: Money) -> Result<(), Error> {
        let fee_ref = super::payments::fee_ref(&p.external_ref);
        if fee.minor == 0 || self.recorded_move("entry", &fee_ref).await?.is_some() {
            return Ok(());
        }
        let clearing = Account::Clearing(p.gateway.clone());
        let memo = format!("{} fee {}", p.gateway, p.transaction_id);
        let line = |account, side| JournalLine {
            account,
            side,
            amount: fee,
            label: None,
        };
        self.post_entry(
            &fee_ref,
            p.date,
            &memo,
            &[
                line(Account::GatewayFees, Side::Debit),
                line(clearing, Side::Credit),
            ],
            None,
        )
        .await?;
        Ok(())
    }

    /// The partner of an invoice.
    pub(super) async fn partner_of(&self, move_id: i64) -> Result<i64, Error> {
        #[derive(serde::Deserialize)]
        struct MovePartner {
            partner_id: super::wire::Many2one,
        }
        let rows: Vec<MovePartner> = self
            .client
            .call(
                "account.move",
                "read",
                json!({"ids": [move_id], "fields": ["partner_id"]}),
            )
            .await?;
        rows.first()
            .and_then(|r| r.partner_id.0.as_ref().map(|p| p.0))
            .ok_or_else(|| Error::NotFound {
                kind: "invoice partner",
                reference: move_id.to_string(),
            })
    }
}
