//! The models the fake knows, their fields, and stored values.

use std::cmp::Ordering;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Number, Value, json};

/// A field's type, with what relational types point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Char,
    Integer,
    Boolean,
    Float,
    Monetary,
    Date,
    Datetime,
    Selection(&'static [&'static str]),
    Many2one(&'static str),
    /// Comodel and the comodel's many2one back to this record.
    One2many(&'static str, &'static str),
    Many2many(&'static str),
}

impl Kind {
    pub(crate) fn type_name(self) -> &'static str {
        match self {
            Kind::Char => "char",
            Kind::Integer => "integer",
            Kind::Boolean => "boolean",
            Kind::Float => "float",
            Kind::Monetary => "monetary",
            Kind::Date => "date",
            Kind::Datetime => "datetime",
            Kind::Selection(_) => "selection",
            Kind::Many2one(_) => "many2one",
            Kind::One2many(..) => "one2many",
            Kind::Many2many(_) => "many2many",
        }
    }

    /// The value of an unset field.
    pub(crate) fn empty(self) -> Val {
        match self {
            Kind::Integer => Val::Int(0),
            Kind::Float | Kind::Monetary => Val::Dec(Decimal::ZERO),
            Kind::One2many(..) | Kind::Many2many(_) => Val::Ids(Vec::new()),
            _ => Val::False,
        }
    }
}

/// One field of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) string: String,
    pub(crate) required: bool,
    /// Computed by the fake (amounts, states, sequence names): ignored in `create`/`write`,
    /// as Odoo ignores values for computed fields.
    pub(crate) computed: bool,
}

/// A model: its description, default order and fields.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub(crate) description: &'static str,
    pub(crate) order: &'static str,
    pub(crate) fields: Vec<Field>,
}

impl Model {
    pub(crate) fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

const MOVE_TYPES: &[&str] = &[
    "entry",
    "out_invoice",
    "out_refund",
    "in_invoice",
    "in_refund",
    "out_receipt",
    "in_receipt",
];
const MOVE_STATES: &[&str] = &["draft", "posted", "cancel"];
const PAYMENT_STATES: &[&str] = &[
    "not_paid",
    "in_payment",
    "paid",
    "partial",
    "reversed",
    "blocked",
    "invoicing_legacy",
];
const ORDER_STATES: &[&str] = &["draft", "sent", "sale", "cancel"];
const PAY_STATES: &[&str] = &["draft", "in_process", "paid", "canceled", "rejected"];
const JOURNAL_TYPES: &[&str] = &["sale", "purchase", "cash", "bank", "credit", "general"];
const ACCOUNT_TYPES: &[&str] = &[
    "asset_receivable",
    "asset_cash",
    "asset_current",
    "liability_payable",
    "liability_current",
    "income",
    "income_other",
    "expense",
    "equity_unaffected",
];
const LINE_TYPES: &[&str] = &[
    "product",
    "payment_term",
    "tax",
    "line_section",
    "line_note",
];

/// `(name, kind, string, required, computed)`.
type Spec = (&'static str, Kind, &'static str, bool, bool);

fn model(description: &'static str, order: &'static str, specs: &[Spec]) -> Model {
    let mut fields = vec![
        Field {
            name: "id".into(),
            kind: Kind::Integer,
            string: "ID".into(),
            required: false,
            computed: true,
        },
        Field {
            name: "display_name".into(),
            kind: Kind::Char,
            string: "Display Name".into(),
            required: false,
            computed: true,
        },
    ];
    fields.extend(
        specs
            .iter()
            .map(|&(name, kind, string, required, computed)| Field {
                name: name.into(),
                kind,
                string: string.into(),
                required,
                computed,
            }),
    );
    Model {
        description,
        order,
        fields,
    }
}

/// Every model the fake serves.
pub(crate) fn models() -> Vec<(&'static str, Model)> {
    use Kind::*;
    vec![
        (
            "res.partner",
            model(
                "Contact",
                "name asc, id desc",
                &[
                    ("name", Char, "Name", true, false),
                    ("email", Char, "Email", false, false),
                    ("ref", Char, "Reference", false, false),
                    ("customer_rank", Integer, "Customer Rank", false, false),
                    ("is_company", Boolean, "Is a Company", false, false),
                ],
            ),
        ),
        (
            "res.currency",
            model(
                "Currency",
                "name asc, id asc",
                &[
                    ("name", Char, "Currency", true, false),
                    ("symbol", Char, "Symbol", false, false),
                    ("decimal_places", Integer, "Decimal Places", false, false),
                    ("active", Boolean, "Active", false, false),
                ],
            ),
        ),
        (
            "product.product",
            model(
                "Product Variant",
                "default_code asc, name asc, id asc",
                &[
                    ("name", Char, "Name", true, false),
                    ("default_code", Char, "Internal Reference", false, false),
                    ("list_price", Float, "Sales Price", false, false),
                ],
            ),
        ),
        (
            "account.account",
            model(
                "Account",
                "code asc, id asc",
                &[
                    ("code", Char, "Code", true, false),
                    ("name", Char, "Account Name", true, false),
                    (
                        "account_type",
                        Selection(ACCOUNT_TYPES),
                        "Type",
                        true,
                        false,
                    ),
                ],
            ),
        ),
        (
            "account.journal",
            model(
                "Journal",
                "sequence asc, type asc, code asc, id asc",
                &[
                    ("name", Char, "Journal Name", true, false),
                    ("code", Char, "Short Code", true, false),
                    ("type", Selection(JOURNAL_TYPES), "Type", true, false),
                    ("sequence", Integer, "Sequence", false, false),
                ],
            ),
        ),
        (
            "account.analytic.plan",
            model(
                "Analytic Plans",
                "sequence asc, id",
                &[
                    ("name", Char, "Name", true, false),
                    ("sequence", Integer, "Sequence", false, false),
                ],
            ),
        ),
        (
            // Module `analytic`: what the connector keeps contracts in.
            "account.analytic.account",
            model(
                "Analytic Account",
                "plan_id, name asc",
                &[
                    ("name", Char, "Analytic Account", true, false),
                    ("code", Char, "Reference", false, false),
                    ("active", Boolean, "Active", false, false),
                    (
                        "plan_id",
                        Many2one("account.analytic.plan"),
                        "Plan",
                        true,
                        false,
                    ),
                    (
                        "partner_id",
                        Many2one("res.partner"),
                        "Customer",
                        false,
                        false,
                    ),
                ],
            ),
        ),
        (
            "account.tax",
            model(
                "Tax",
                "sequence asc, id asc",
                &[("name", Char, "Tax Name", true, false)],
            ),
        ),
        (
            "sale.order",
            model(
                "Sales Order",
                "date_order desc, id desc",
                &[
                    ("name", Char, "Order Reference", false, true),
                    (
                        "partner_id",
                        Many2one("res.partner"),
                        "Customer",
                        true,
                        false,
                    ),
                    ("client_order_ref", Char, "Customer Reference", false, false),
                    ("date_order", Datetime, "Order Date", false, false),
                    (
                        "currency_id",
                        Many2one("res.currency"),
                        "Currency",
                        false,
                        false,
                    ),
                    (
                        "order_line",
                        One2many("sale.order.line", "order_id"),
                        "Order Lines",
                        false,
                        false,
                    ),
                    ("state", Selection(ORDER_STATES), "Status", false, true),
                    ("amount_untaxed", Monetary, "Untaxed Amount", false, true),
                    ("amount_tax", Monetary, "Taxes", false, true),
                    ("amount_total", Monetary, "Total", false, true),
                ],
            ),
        ),
        (
            "sale.order.line",
            model(
                "Sales Order Line",
                "order_id asc, sequence asc, id asc",
                &[
                    (
                        "order_id",
                        Many2one("sale.order"),
                        "Order Reference",
                        true,
                        false,
                    ),
                    ("sequence", Integer, "Sequence", false, false),
                    (
                        "product_id",
                        Many2one("product.product"),
                        "Product",
                        false,
                        false,
                    ),
                    ("name", Char, "Description", false, false),
                    ("product_uom_qty", Float, "Quantity", false, false),
                    ("price_unit", Float, "Unit Price", false, false),
                    ("tax_ids", Many2many("account.tax"), "Taxes", false, false),
                    ("price_subtotal", Monetary, "Subtotal", false, true),
                ],
            ),
        ),
        (
            "account.move",
            model(
                "Journal Entry",
                "date desc, name desc, id desc",
                &[
                    ("name", Char, "Number", false, true),
                    ("move_type", Selection(MOVE_TYPES), "Type", true, false),
                    (
                        "partner_id",
                        Many2one("res.partner"),
                        "Partner",
                        false,
                        false,
                    ),
                    ("ref", Char, "Reference", false, false),
                    ("date", Date, "Date", false, false),
                    ("invoice_date", Date, "Invoice/Bill Date", false, false),
                    ("invoice_date_due", Date, "Due Date", false, false),
                    ("invoice_origin", Char, "Origin", false, false),
                    (
                        "journal_id",
                        Many2one("account.journal"),
                        "Journal",
                        false,
                        false,
                    ),
                    (
                        "currency_id",
                        Many2one("res.currency"),
                        "Currency",
                        false,
                        false,
                    ),
                    (
                        "invoice_line_ids",
                        One2many("account.move.line", "move_id"),
                        "Invoice lines",
                        false,
                        false,
                    ),
                    (
                        "line_ids",
                        One2many("account.move.line", "move_id"),
                        "Journal Items",
                        false,
                        false,
                    ),
                    (
                        "reversed_entry_id",
                        Many2one("account.move"),
                        "Reversal of",
                        false,
                        false,
                    ),
                    ("state", Selection(MOVE_STATES), "Status", false, true),
                    (
                        "payment_state",
                        Selection(PAYMENT_STATES),
                        "Payment Status",
                        false,
                        true,
                    ),
                    ("amount_untaxed", Monetary, "Untaxed Amount", false, true),
                    ("amount_tax", Monetary, "Tax", false, true),
                    ("amount_total", Monetary, "Total", false, true),
                    ("amount_residual", Monetary, "Amount Due", false, true),
                ],
            ),
        ),
        (
            "account.move.line",
            model(
                "Journal Item",
                "date desc, move_id desc, id asc",
                &[
                    (
                        "move_id",
                        Many2one("account.move"),
                        "Journal Entry",
                        true,
                        false,
                    ),
                    ("date", Date, "Date", false, true),
                    ("name", Char, "Label", false, false),
                    (
                        "display_type",
                        Selection(LINE_TYPES),
                        "Display Type",
                        false,
                        false,
                    ),
                    (
                        "account_id",
                        Many2one("account.account"),
                        "Account",
                        false,
                        false,
                    ),
                    (
                        "partner_id",
                        Many2one("res.partner"),
                        "Partner",
                        false,
                        false,
                    ),
                    (
                        "product_id",
                        Many2one("product.product"),
                        "Product",
                        false,
                        false,
                    ),
                    ("quantity", Float, "Quantity", false, false),
                    ("price_unit", Float, "Unit Price", false, false),
                    ("tax_ids", Many2many("account.tax"), "Taxes", false, false),
                    ("price_subtotal", Monetary, "Subtotal", false, true),
                    ("debit", Monetary, "Debit", false, false),
                    ("credit", Monetary, "Credit", false, false),
                ],
            ),
        ),
        (
            "account.payment",
            model(
                "Payments",
                "date desc, name desc, id desc",
                &[
                    ("name", Char, "Number", false, true),
                    (
                        "payment_type",
                        Selection(&["outbound", "inbound"]),
                        "Payment Type",
                        true,
                        false,
                    ),
                    (
                        "partner_type",
                        Selection(&["customer", "supplier"]),
                        "Partner Type",
                        true,
                        false,
                    ),
                    (
                        "partner_id",
                        Many2one("res.partner"),
                        "Customer/Vendor",
                        false,
                        false,
                    ),
                    ("amount", Monetary, "Amount", false, false),
                    (
                        "currency_id",
                        Many2one("res.currency"),
                        "Currency",
                        false,
                        false,
                    ),
                    (
                        "journal_id",
                        Many2one("account.journal"),
                        "Journal",
                        true,
                        false,
                    ),
                    ("date", Date, "Date", false, false),
                    ("memo", Char, "Memo", false, false),
                    ("payment_reference", Char, "Payment Reference", false, false),
                    ("state", Selection(PAY_STATES), "Status", false, true),
                    (
                        "reconciled_invoice_ids",
                        Many2many("account.move"),
                        "Reconciled Invoices",
                        false,
                        true,
                    ),
                ],
            ),
        ),
        (
            "account.payment.register",
            model(
                "Pay",
                "id asc",
                &[
                    ("amount", Monetary, "Amount", false, false),
                    (
                        "journal_id",
                        Many2one("account.journal"),
                        "Journal",
                        false,
                        false,
                    ),
                    ("payment_date", Date, "Payment Date", false, false),
                    ("communication", Char, "Memo", false, false),
                    (
                        "currency_id",
                        Many2one("res.currency"),
                        "Currency",
                        false,
                        true,
                    ),
                    (
                        "partner_id",
                        Many2one("res.partner"),
                        "Customer/Vendor",
                        false,
                        true,
                    ),
                ],
            ),
        ),
    ]
}

/// A stored value. Many2one values are `Int(id)` or `False`; dates are `Str`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    False,
    Bool(bool),
    Int(i64),
    Dec(Decimal),
    Str(String),
    Ids(Vec<i64>),
}

impl Val {
    pub(crate) fn as_id(&self) -> Option<i64> {
        match self {
            Val::Int(id) => Some(*id),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_dec(&self) -> Decimal {
        match self {
            Val::Dec(d) => *d,
            Val::Int(i) => Decimal::from(*i),
            _ => Decimal::ZERO,
        }
    }

    pub(crate) fn as_ids(&self) -> &[i64] {
        match self {
            Val::Ids(ids) => ids,
            _ => &[],
        }
    }

    pub(crate) fn truthy(&self) -> bool {
        match self {
            Val::False => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Dec(d) => !d.is_zero(),
            Val::Str(s) => !s.is_empty(),
            Val::Ids(ids) => !ids.is_empty(),
        }
    }

    /// Order used by `order` clauses: unset first, then by value.
    pub(crate) fn compare(&self, other: &Val) -> Ordering {
        match (self, other) {
            (Val::False, Val::False) => Ordering::Equal,
            (Val::False, _) => Ordering::Less,
            (_, Val::False) => Ordering::Greater,
            (Val::Str(a), Val::Str(b)) => a.cmp(b),
            (Val::Bool(a), Val::Bool(b)) => a.cmp(b),
            (Val::Ids(a), Val::Ids(b)) => a.cmp(b),
            (a, b) => a.as_dec().cmp(&b.as_dec()),
        }
    }
}

/// A decimal as an exact JSON number.
pub(crate) fn number(d: Decimal) -> Value {
    Number::from_str(&d.normalize().to_string()).map_or(Value::Null, Value::Number)
}

/// A JSON number (or numeric string) as an exact decimal.
pub(crate) fn decimal(v: &Value) -> Option<Decimal> {
    let s = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        Value::Bool(false) | Value::Null => return Some(Decimal::ZERO),
        _ => return None,
    };
    Decimal::from_str(&s)
        .or_else(|_| Decimal::from_scientific(&s))
        .ok()
}

/// `YYYY-MM-DD` with a real month and day.
pub(crate) fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| s.get(r).and_then(|p| p.parse::<u32>().ok());
    match (digits(0..4), digits(5..7), digits(8..10)) {
        (Some(y), Some(m), Some(d)) if (1..=12).contains(&m) && d >= 1 => {
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let days = match m {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            d <= days
        }
        _ => false,
    }
}

/// `YYYY-MM-DD HH:MM:SS`.
pub(crate) fn valid_datetime(s: &str) -> bool {
    let Some((date, time)) = s.split_once(' ') else {
        return false;
    };
    let parts: Vec<Option<u32>> = time
        .split(':')
        .map(|p| if p.len() == 2 { p.parse().ok() } else { None })
        .collect();
    valid_date(date)
        && matches!(parts.as_slice(), [Some(h), Some(m), Some(sec)] if *h < 24 && *m < 60 && *sec < 60)
}

/// Today's date and the current time in UTC, as Odoo writes them.
pub(crate) fn now_utc() -> (String, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let date = format!("{y:04}-{m:02}-{d:02}");
    let time = format!(
        "{date} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    (date, time)
}

/// A stored value as JSON-2 answers it (many2one values are resolved by the caller).
pub(crate) fn plain_json(v: &Val) -> Value {
    match v {
        Val::False => Value::Bool(false),
        Val::Bool(b) => Value::Bool(*b),
        Val::Int(i) => json!(i),
        Val::Dec(d) => number(*d),
        Val::Str(s) => Value::String(s.clone()),
        Val::Ids(ids) => json!(ids),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked() {
        assert!(valid_date("2024-02-29"));
        assert!(!valid_date("2026-02-29"));
        assert!(!valid_date("2026-13-01"));
        assert!(!valid_date("26-1-1"));
        assert!(valid_datetime("2026-11-01 00:00:00"));
        assert!(!valid_datetime("2026-11-01T00:00:00"));
        let (today, now) = now_utc();
        assert!(valid_date(&today), "{today}");
        assert!(valid_datetime(&now), "{now}");
    }

    #[test]
    fn amounts_round_trip_exactly() {
        let d = decimal(&serde_json::from_str::<Value>("37.40").unwrap_or(Value::Null));
        assert_eq!(d, Some(Decimal::new(3740, 2)));
        assert_eq!(number(Decimal::new(3740, 2)).to_string(), "37.4");
        assert_eq!(decimal(&json!("1e2")), Some(Decimal::from(100)));
        assert_eq!(decimal(&json!([1])), None);
    }
}
