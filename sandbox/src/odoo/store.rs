//! The in-memory database: a generic record store (create, write, read, search, fields_get)
//! with the accounting and sales rules of the models the connector uses.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value, json};

use super::domain::{self, Node};
use super::error::{OdooError, OdooResult};
use super::schema::{
    Field, Kind, Model, Val, decimal, models, now_utc, plain_json, valid_date, valid_datetime,
};

/// One record's stored values; keys starting with `_` are internal and never served.
pub(crate) type Record = BTreeMap<String, Val>;

/// The records of one model.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub(crate) records: BTreeMap<i64, Record>,
    next_id: i64,
}

/// What a `create` or `write` will store, checked before anything changes.
#[derive(Debug, Clone, Default)]
struct Prepared {
    vals: Record,
    children: Vec<ChildOp>,
}

#[derive(Debug, Clone)]
enum ChildOp {
    Create {
        comodel: &'static str,
        inverse: &'static str,
        vals: Prepared,
    },
    Update {
        comodel: &'static str,
        id: i64,
        vals: Prepared,
    },
    Delete {
        comodel: &'static str,
        id: i64,
    },
}

/// Internal key of the amount already paid on a move.
const PAID: &str = "_paid";
/// Internal key of the invoices a payment wizard was opened on.
const WIZARD_MOVES: &str = "_active_ids";

const READ_METHODS: [&str; 5] = [
    "fields_get",
    "search",
    "search_read",
    "search_count",
    "read",
];

/// The fake's database.
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub(crate) models: BTreeMap<&'static str, Model>,
    pub(crate) tables: BTreeMap<&'static str, Table>,
    sequences: HashMap<String, u32>,
    pub(crate) denied: HashSet<(String, String)>,
    pub(crate) calls: Vec<(String, String)>,
    /// One2many index: `(comodel, parent id)` to the children's ids.
    links: HashMap<(&'static str, i64), BTreeSet<i64>>,
}

/// The many2one fields that one2many fields read back, indexed in [`State::links`].
const INVERSES: [(&str, &str); 2] = [
    ("sale.order.line", "order_id"),
    ("account.move.line", "move_id"),
];

fn round(amount: Decimal, places: u32) -> Decimal {
    amount.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
}

fn args_error(model: &str, method: &str, message: &str) -> OdooError {
    OdooError::type_error(format!("{model}.{method}() {message}"))
}

impl State {
    /// A database with currencies, a generic chart of accounts and journals.
    pub(crate) fn new() -> Self {
        let models: BTreeMap<&'static str, Model> = models().into_iter().collect();
        let tables = models
            .keys()
            .map(|k| {
                (
                    *k,
                    Table {
                        records: BTreeMap::new(),
                        next_id: 1,
                    },
                )
            })
            .collect();
        let mut state = Self {
            models,
            tables,
            sequences: HashMap::new(),
            denied: HashSet::new(),
            calls: Vec::new(),
            links: HashMap::new(),
        };
        for (code, symbol, places) in [
            ("USD", "$", 2),
            ("EUR", "€", 2),
            ("GBP", "£", 2),
            ("CAD", "$", 2),
            ("JPY", "¥", 0),
        ] {
            state.insert(
                "res.currency",
                [
                    ("name", Val::Str(code.into())),
                    ("symbol", Val::Str(symbol.into())),
                    ("decimal_places", Val::Int(places)),
                    ("active", Val::Bool(true)),
                ],
            );
        }
        for (code, name, kind) in [
            ("101401", "Bank", "asset_cash"),
            ("101402", "Bank Suspense Account", "asset_current"),
            ("101403", "Outstanding Receipts", "asset_current"),
            ("101404", "Outstanding Payments", "asset_current"),
            ("101501", "Cash", "asset_cash"),
            ("121000", "Account Receivable", "asset_receivable"),
            ("211000", "Account Payable", "liability_payable"),
            ("251000", "Tax Received", "liability_current"),
            ("400000", "Product Sales", "income"),
            ("600000", "Expenses", "expense"),
            (
                "999999",
                "Undistributed Profits/Losses",
                "equity_unaffected",
            ),
        ] {
            state.add_account(code, name, kind);
        }
        for (name, code, kind) in [
            ("Customer Invoices", "INV", "sale"),
            ("Vendor Bills", "BILL", "purchase"),
            ("Miscellaneous Operations", "MISC", "general"),
            ("Bank", "BNK1", "bank"),
            ("Cash", "CSH1", "cash"),
        ] {
            state.add_journal(name, code, kind);
        }
        state
    }

    fn insert<const N: usize>(&mut self, model: &'static str, vals: [(&str, Val); N]) -> i64 {
        let record: Record = vals.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        self.insert_record(model, record)
    }

    fn insert_record(&mut self, model: &'static str, record: Record) -> i64 {
        let table = self.tables.entry(model).or_default();
        let id = table.next_id.max(1);
        table.next_id = id + 1;
        self.link(model, id, &record, true);
        if let Some(table) = self.tables.get_mut(model) {
            table.records.insert(id, record);
        }
        id
    }

    /// Adds (or removes) `id` to the children index of its parent.
    fn link(&mut self, model: &'static str, id: i64, record: &Record, add: bool) {
        for (child, inverse) in INVERSES {
            if child != model {
                continue;
            }
            if let Some(parent) = record.get(inverse).and_then(Val::as_id) {
                let set = self.links.entry((child, parent)).or_default();
                if add {
                    set.insert(id);
                } else {
                    set.remove(&id);
                }
            }
        }
    }

    fn remove_record(&mut self, model: &'static str, id: i64) {
        if let Some(record) = self
            .tables
            .get_mut(model)
            .and_then(|t| t.records.remove(&id))
        {
            self.link(model, id, &record, false);
        }
    }

    /// Adds an `account.account`.
    pub(crate) fn add_account(&mut self, code: &str, name: &str, kind: &str) -> i64 {
        self.insert(
            "account.account",
            [
                ("code", Val::Str(code.into())),
                ("name", Val::Str(name.into())),
                ("account_type", Val::Str(kind.into())),
            ],
        )
    }

    /// Adds an `account.analytic.plan`.
    pub(crate) fn add_analytic_plan(&mut self, name: &str) -> i64 {
        self.insert("account.analytic.plan", [("name", Val::Str(name.into()))])
    }

    /// Adds an `account.journal`.
    pub(crate) fn add_journal(&mut self, name: &str, code: &str, kind: &str) -> i64 {
        let sequence = i64::try_from(
            self.tables
                .get("account.journal")
                .map_or(0, |t| t.records.len()),
        )
        .unwrap_or(0);
        self.insert(
            "account.journal",
            [
                ("name", Val::Str(name.into())),
                ("code", Val::Str(code.into())),
                ("type", Val::Str(kind.into())),
                ("sequence", Val::Int(sequence + 1)),
            ],
        )
    }

    /// Adds a `product.product`.
    pub(crate) fn add_product(&mut self, default_code: &str, name: &str, price: Decimal) -> i64 {
        self.insert(
            "product.product",
            [
                ("default_code", Val::Str(default_code.into())),
                ("name", Val::Str(name.into())),
                ("list_price", Val::Dec(price)),
            ],
        )
    }

    /// Adds a `res.currency`.
    pub(crate) fn add_currency(&mut self, code: &str, decimal_places: u32) -> i64 {
        self.insert(
            "res.currency",
            [
                ("name", Val::Str(code.into())),
                ("symbol", Val::Str(code.into())),
                ("decimal_places", Val::Int(i64::from(decimal_places))),
                ("active", Val::Bool(true)),
            ],
        )
    }

    /// Adds a custom char field (`x_...`) to a model.
    pub(crate) fn add_char_field(&mut self, model: &str, name: &str) -> bool {
        let Some(m) = self.models.get_mut(model) else {
            return false;
        };
        if m.field(name).is_none() {
            m.fields.push(Field {
                name: name.into(),
                kind: Kind::Char,
                string: name.into(),
                required: false,
                computed: false,
            });
        }
        true
    }

    /// Removes a field from a model's schema (not `id` or `display_name`); `false` when the
    /// model or field is unknown.
    pub(crate) fn remove_field(&mut self, model: &str, name: &str) -> bool {
        let Some(m) = self.models.get_mut(model) else {
            return false;
        };
        let before = m.fields.len();
        m.fields
            .retain(|f| f.name != name || f.name == "id" || f.name == "display_name");
        m.fields.len() < before
    }

    fn model(&self, model: &str) -> OdooResult<(&'static str, &Model)> {
        self.models
            .iter()
            .find(|(k, _)| **k == model)
            .map(|(k, m)| (*k, m))
            .ok_or_else(|| OdooError::not_found(format!("the model {model:?} does not exist")))
    }

    pub(crate) fn record(&self, model: &str, id: i64) -> Option<&Record> {
        self.tables.get(model).and_then(|t| t.records.get(&id))
    }

    fn record_mut(&mut self, model: &str, id: i64) -> Option<&mut Record> {
        self.tables
            .get_mut(model)
            .and_then(|t| t.records.get_mut(&id))
    }

    pub(crate) fn ids(&self, model: &str) -> Vec<i64> {
        self.tables
            .get(model)
            .map(|t| t.records.keys().copied().collect())
            .unwrap_or_default()
    }

    pub(crate) fn exists(&self, model: &str, id: i64) -> bool {
        self.record(model, id).is_some()
    }

    /// A stored field, or its empty value.
    pub(crate) fn stored(&self, model: &str, id: i64, field: &str) -> Val {
        self.record(model, id)
            .and_then(|r| r.get(field).cloned())
            .unwrap_or(Val::False)
    }

    pub(crate) fn text(&self, model: &str, id: i64, field: &str) -> Option<String> {
        self.stored(model, id, field).as_str().map(str::to_owned)
    }

    pub(crate) fn dec(&self, model: &str, id: i64, field: &str) -> Decimal {
        self.stored(model, id, field).as_dec()
    }

    /// Children of `id` through a one2many.
    pub(crate) fn children(&self, comodel: &str, inverse: &str, id: i64, field: &str) -> Vec<i64> {
        let Some((child, _)) = INVERSES
            .iter()
            .find(|(c, i)| *c == comodel && *i == inverse)
        else {
            return Vec::new();
        };
        let Some(ids) = self.links.get(&(*child, id)) else {
            return Vec::new();
        };
        ids.iter()
            .copied()
            .filter(|cid| {
                field != "invoice_line_ids"
                    || self.stored(comodel, *cid, "display_type").as_str() == Some("product")
            })
            .collect()
    }

    /// A field's value as read (computed relational and name fields included).
    fn get(&self, model: &str, id: i64, field: &Field) -> Val {
        match (field.name.as_str(), field.kind) {
            ("id", _) => Val::Int(id),
            ("display_name", _) => Val::Str(self.display_name(model, id)),
            (name, Kind::One2many(comodel, inverse)) => {
                Val::Ids(self.children(comodel, inverse, id, name))
            }
            (name, kind) => self
                .record(model, id)
                .and_then(|r| r.get(name).cloned())
                .unwrap_or_else(|| kind.empty()),
        }
    }

    pub(crate) fn display_name(&self, model: &str, id: i64) -> String {
        let text = |f: &str| self.text(model, id, f).unwrap_or_default();
        match model {
            "product.product" => match self.text(model, id, "default_code") {
                Some(code) => format!("[{code}] {}", text("name")),
                None => text("name"),
            },
            "account.account" => format!("{} {}", text("code"), text("name")),
            "account.move" if text("name") == "/" || text("name").is_empty() => {
                let kind = match text("move_type").as_str() {
                    "out_invoice" => "Invoice",
                    "out_refund" => "Credit Note",
                    "in_invoice" => "Bill",
                    "in_refund" => "Refund",
                    _ => "Entry",
                };
                format!("Draft {kind} (* {id})")
            }
            "account.payment.register" => "Pay".into(),
            _ => text("name"),
        }
    }

    fn currency_places(&self, currency: Option<i64>) -> u32 {
        currency
            .and_then(|c| self.stored("res.currency", c, "decimal_places").as_id())
            .and_then(|p| u32::try_from(p).ok())
            .unwrap_or(2)
    }

    fn find(&self, model: &str, field: &str, value: &str) -> Option<i64> {
        self.tables
            .get(model)?
            .records
            .iter()
            .find(|(_, r)| r.get(field).and_then(Val::as_str) == Some(value))
            .map(|(id, _)| *id)
    }

    fn company_currency(&self) -> Val {
        self.find("res.currency", "name", "USD")
            .map_or(Val::False, Val::Int)
    }

    fn journal_of_type(&self, kinds: &[&str]) -> Val {
        let table = self.tables.get("account.journal");
        table
            .and_then(|t| {
                t.records.iter().find(|(_, r)| {
                    r.get("type")
                        .and_then(Val::as_str)
                        .is_some_and(|k| kinds.contains(&k))
                })
            })
            .map_or(Val::False, |(id, _)| Val::Int(*id))
    }

    fn next_name(&mut self, prefix: &str, date: &str) -> String {
        let year = date.get(0..4).unwrap_or("2026");
        let counter = self
            .sequences
            .entry(format!("{prefix}/{year}"))
            .or_insert(0);
        *counter += 1;
        format!("{prefix}/{year}/{:05}", *counter)
    }

    // ---------------------------------------------------------------- calls

    /// Serves `model.method(**args)`.
    pub(crate) fn call(
        &mut self,
        model: &str,
        method: &str,
        args: &Map<String, Value>,
    ) -> OdooResult<Value> {
        self.calls.push((model.to_owned(), method.to_owned()));
        if method.starts_with('_') {
            return Err(OdooError::access(format!(
                "Private methods (such as {model}.{method}) cannot be called remotely."
            )));
        }
        let (model, def) = self.model(model)?;
        let description = def.description;
        let allowed: &[&str] = match (model, method) {
            (_, "fields_get") => &["allfields", "attributes"],
            (_, "search") => &["domain", "offset", "limit", "order"],
            (_, "search_read") => &["domain", "fields", "offset", "limit", "order", "load"],
            (_, "search_count") => &["domain", "limit"],
            (_, "read") => &["fields", "load"],
            (_, "create") => &["vals_list"],
            (_, "write") => &["vals"],
            ("sale.order", "action_confirm")
            | ("account.move" | "account.payment", "action_post")
            | ("account.move", "button_draft" | "button_cancel")
            | ("account.payment.register", "action_create_payments") => &[],
            _ => {
                return Err(OdooError::not_found(format!(
                    "the method {method:?} does not exist on the model {model:?}"
                )));
            }
        };
        if let Some(bad) = args
            .keys()
            .find(|k| !allowed.contains(&k.as_str()) && *k != "ids" && *k != "context")
        {
            return Err(args_error(
                model,
                method,
                &format!("got an unexpected keyword argument '{bad}'"),
            ));
        }
        if self.denied.contains(&(model.to_owned(), method.to_owned())) {
            let verb = match method {
                "create" => "create",
                m if READ_METHODS.contains(&m) => "access",
                _ => "modify",
            };
            return Err(OdooError::access(format!(
                "You are not allowed to {verb} '{description}' ({model}) records."
            )));
        }
        let ids = parse_ids(model, method, args.get("ids"))?;
        let required = |name: &str| {
            args.get(name).ok_or_else(|| {
                args_error(
                    model,
                    method,
                    &format!("missing 1 required positional argument: '{name}'"),
                )
            })
        };
        match method {
            "fields_get" => Ok(self.fields_get(model, args.get("attributes"))?),
            "search" => {
                let ids = self.search(model, required("domain")?, args)?;
                Ok(json!(ids))
            }
            "search_count" => Ok(json!(self.search(model, required("domain")?, args)?.len())),
            "search_read" => {
                let domain = args
                    .get("domain")
                    .cloned()
                    .unwrap_or(Value::Array(Vec::new()));
                let ids = self.search(model, &domain, args)?;
                self.read(model, &ids, args.get("fields"))
            }
            "read" => {
                self.check_exist(model, &ids)?;
                self.read(model, &ids, args.get("fields"))
            }
            "create" => {
                let vals = required("vals_list")?;
                let list: Vec<&Map<String, Value>> = match vals {
                    Value::Object(one) => vec![one],
                    Value::Array(many) => many
                        .iter()
                        .map(|v| {
                            v.as_object()
                                .ok_or_else(|| OdooError::value(format!("Invalid vals {v}")))
                        })
                        .collect::<OdooResult<_>>()?,
                    other => return Err(OdooError::value(format!("Invalid vals_list {other}"))),
                };
                let ids = if model == "account.payment.register" {
                    self.create_wizards(&list, args.get("context"))?
                } else {
                    self.create(model, &list)?
                };
                Ok(json!(ids))
            }
            "write" => {
                let vals = required("vals")?
                    .as_object()
                    .ok_or_else(|| OdooError::value("vals must be a dictionary"))?;
                self.check_exist(model, &ids)?;
                self.write(model, &ids, vals)?;
                Ok(Value::Bool(true))
            }
            "action_confirm" => {
                self.check_exist(model, &ids)?;
                self.confirm_orders(&ids)?;
                Ok(Value::Bool(true))
            }
            "button_draft" if model == "account.move" => {
                self.check_exist(model, &ids)?;
                self.reset_moves(&ids)?;
                Ok(Value::Null)
            }
            "button_cancel" if model == "account.move" => {
                self.check_exist(model, &ids)?;
                self.cancel_moves(&ids)?;
                Ok(Value::Null)
            }
            "action_post" if model == "account.move" => {
                self.check_exist(model, &ids)?;
                self.post_moves(&ids)?;
                Ok(Value::Bool(false))
            }
            "action_post" => {
                self.check_exist(model, &ids)?;
                self.post_payments(&ids)?;
                Ok(Value::Null)
            }
            _ => {
                self.check_exist(model, &ids)?;
                self.create_payments(&ids)
            }
        }
    }

    fn check_exist(&self, model: &str, ids: &[i64]) -> OdooResult<()> {
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !self.exists(model, *id))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(OdooError::missing(model, &missing))
        }
    }

    fn fields_get(&self, model: &str, attributes: Option<&Value>) -> OdooResult<Value> {
        let (_, def) = self.model(model)?;
        let wanted: Option<Vec<&str>> = match attributes {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => Some(a.iter().filter_map(Value::as_str).collect()),
            Some(other) => return Err(OdooError::value(format!("Invalid attributes {other}"))),
        };
        let mut out = Map::new();
        for f in &def.fields {
            let mut attrs = Map::new();
            attrs.insert("type".into(), json!(f.kind.type_name()));
            attrs.insert("string".into(), json!(f.string));
            attrs.insert("required".into(), json!(f.required));
            attrs.insert("readonly".into(), json!(f.computed));
            attrs.insert("store".into(), json!(f.name != "display_name"));
            match f.kind {
                Kind::Many2one(c) | Kind::Many2many(c) => {
                    attrs.insert("relation".into(), json!(c));
                }
                Kind::One2many(c, inverse) => {
                    attrs.insert("relation".into(), json!(c));
                    attrs.insert("relation_field".into(), json!(inverse));
                }
                Kind::Selection(values) => {
                    attrs.insert(
                        "selection".into(),
                        json!(values.iter().map(|v| [v, v]).collect::<Vec<_>>()),
                    );
                }
                _ => {}
            }
            if let Some(wanted) = &wanted {
                attrs.retain(|k, _| wanted.contains(&k.as_str()));
            }
            out.insert(f.name.clone(), Value::Object(attrs));
        }
        Ok(Value::Object(out))
    }

    // ---------------------------------------------------------------- search and read

    fn search(
        &self,
        model: &str,
        domain: &Value,
        args: &Map<String, Value>,
    ) -> OdooResult<Vec<i64>> {
        let node = domain::parse(domain)?;
        self.check_domain(model, &node)?;
        let (_, def) = self.model(model)?;
        let order = match args.get("order") {
            None | Some(Value::Null | Value::Bool(false)) => def.order.to_owned(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(OdooError::value(format!(
                    "Invalid \"order\" specified ({other})"
                )));
            }
        };
        let mut keys: Vec<(Field, bool)> = Vec::new();
        for part in order.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let mut words = part.split_whitespace();
            let name = words.next().unwrap_or_default();
            let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                _ => {
                    return Err(OdooError::value(format!(
                        "Invalid \"order\" specified ({order})"
                    )));
                }
            };
            let field = def.field(name).ok_or_else(|| {
                OdooError::value(format!("Invalid \"order\" specified ({order})"))
            })?;
            keys.push((field.clone(), desc));
        }
        let offset = usize_arg(args.get("offset"), "offset")?.unwrap_or(0);
        let limit = usize_arg(args.get("limit"), "limit")?;
        // Odoo hides archived records unless the domain names `active` (`active_test`).
        let active = def
            .field("active")
            .filter(|_| !names_field(domain, "active"))
            .cloned();
        let mut ids = Vec::new();
        for id in self.ids(model) {
            if active
                .as_ref()
                .is_some_and(|f| !self.get(model, id, f).truthy())
            {
                continue;
            }
            if self.eval(model, id, &node)? {
                ids.push(id);
            }
        }
        let sort_key = |id: i64| {
            keys.iter()
                .map(|(f, _)| self.get(model, id, f))
                .collect::<Vec<_>>()
        };
        let mut rows: Vec<(Vec<Val>, i64)> = ids.into_iter().map(|id| (sort_key(id), id)).collect();
        rows.sort_by(|(a, ia), (b, ib)| {
            for (i, (_, desc)) in keys.iter().enumerate() {
                let ord = a[i].compare(&b[i]);
                let ord = if *desc { ord.reverse() } else { ord };
                if ord.is_ne() {
                    return ord;
                }
            }
            ia.cmp(ib)
        });
        Ok(rows
            .into_iter()
            .map(|(_, id)| id)
            .skip(offset)
            .take(limit.unwrap_or(usize::MAX))
            .collect())
    }

    /// Every leaf names real fields, whether or not any record is there to test.
    fn check_domain(&self, model: &str, node: &Node) -> OdooResult<()> {
        match node {
            Node::True | Node::False => Ok(()),
            Node::Not(a) => self.check_domain(model, a),
            Node::And(a, b) | Node::Or(a, b) => {
                self.check_domain(model, a)?;
                self.check_domain(model, b)
            }
            Node::Leaf { path, .. } => {
                let mut current = model;
                let mut parts = path.split('.').peekable();
                while let Some(part) = parts.next() {
                    let (_, def) = self.model(current)?;
                    let field = def.field(part).ok_or_else(|| {
                        OdooError::value(format!(
                            "Invalid field {current}.{part} in leaf ({path:?}, ...)"
                        ))
                    })?;
                    if parts.peek().is_some() {
                        current = match field.kind {
                            Kind::Many2one(c) | Kind::One2many(c, _) | Kind::Many2many(c) => c,
                            _ => {
                                return Err(OdooError::value(format!(
                                    "Invalid field {model}.{path} in leaf"
                                )));
                            }
                        };
                    }
                }
                Ok(())
            }
        }
    }

    fn eval(&self, model: &str, id: i64, node: &Node) -> OdooResult<bool> {
        Ok(match node {
            Node::True => true,
            Node::False => false,
            Node::Not(a) => !self.eval(model, id, a)?,
            Node::And(a, b) => self.eval(model, id, a)? && self.eval(model, id, b)?,
            Node::Or(a, b) => self.eval(model, id, a)? || self.eval(model, id, b)?,
            Node::Leaf { path, op, value } => self.eval_leaf(model, id, path, *op, value)?,
        })
    }

    fn eval_leaf(
        &self,
        model: &str,
        id: i64,
        path: &str,
        op: domain::Op,
        value: &Value,
    ) -> OdooResult<bool> {
        let (head, rest) = match path.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (path, None),
        };
        let (_, def) = self.model(model)?;
        let field = def
            .field(head)
            .filter(|f| !f.name.starts_with('_'))
            .ok_or_else(|| {
                OdooError::value(format!(
                    "Invalid field {model}.{head} in leaf ({path:?}, ...)"
                ))
            })?;
        let stored = self.get(model, id, field);
        match (rest, field.kind) {
            (None, Kind::Many2one(comodel))
                if value.is_string()
                    || value
                        .as_array()
                        .is_some_and(|a| a.iter().any(Value::is_string)) =>
            {
                let name = stored
                    .as_id()
                    .map_or(Val::False, |cid| Val::Str(self.display_name(comodel, cid)));
                domain::matches(Kind::Char, &name, op, value)
            }
            (None, kind) => domain::matches(kind, &stored, op, value),
            (Some(rest), Kind::Many2one(comodel)) => match stored.as_id() {
                Some(cid) => self.eval_leaf(comodel, cid, rest, op, value),
                None => Ok(false),
            },
            (Some(rest), Kind::One2many(comodel, _) | Kind::Many2many(comodel)) => {
                for cid in stored.as_ids() {
                    if self.eval_leaf(comodel, *cid, rest, op, value)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            (Some(_), _) => Err(OdooError::value(format!(
                "Invalid field {model}.{path} in leaf"
            ))),
        }
    }

    fn read(&self, model: &str, ids: &[i64], fields: Option<&Value>) -> OdooResult<Value> {
        let (_, def) = self.model(model)?;
        let names: Vec<&Field> = match fields {
            None | Some(Value::Null) => def.fields.iter().collect(),
            Some(Value::Array(list)) if list.is_empty() => def.fields.iter().collect(),
            Some(Value::Array(list)) => list
                .iter()
                .map(|n| {
                    n.as_str().and_then(|n| def.field(n)).ok_or_else(|| {
                        OdooError::value(format!("Invalid field {n} on model {model}"))
                    })
                })
                .collect::<OdooResult<_>>()?,
            Some(other) => return Err(OdooError::value(format!("Invalid fields {other}"))),
        };
        let rows = ids
            .iter()
            .map(|&id| {
                let mut row = Map::new();
                row.insert("id".into(), json!(id));
                for f in &names {
                    let v = self.get(model, id, f);
                    let out = match (f.kind, &v) {
                        (Kind::Many2one(comodel), Val::Int(cid)) => {
                            json!([cid, self.display_name(comodel, *cid)])
                        }
                        _ => plain_json(&v),
                    };
                    row.insert(f.name.clone(), out);
                }
                Value::Object(row)
            })
            .collect();
        Ok(Value::Array(rows))
    }

    // ---------------------------------------------------------------- create and write

    fn convert(&self, model: &str, field: &Field, v: &Value) -> OdooResult<Val> {
        let wrong = || OdooError::value(format!("Wrong value for {model}.{}: {v}", field.name));
        Ok(match field.kind {
            Kind::Char => match v {
                Value::String(s) => Val::Str(s.clone()),
                Value::Bool(false) | Value::Null => Val::False,
                _ => return Err(wrong()),
            },
            Kind::Integer => match v {
                Value::Bool(false) | Value::Null => Val::Int(0),
                Value::Number(n) => Val::Int(n.as_i64().ok_or_else(wrong)?),
                _ => return Err(wrong()),
            },
            Kind::Boolean => Val::Bool(match v {
                Value::Bool(b) => *b,
                Value::Null => false,
                Value::Number(n) => n.as_i64() != Some(0),
                _ => return Err(wrong()),
            }),
            // Bounded so that sums and products of amounts cannot overflow.
            Kind::Float | Kind::Monetary => Val::Dec(
                decimal(v)
                    .filter(|d| d.abs() <= Decimal::from(1_000_000_000_000_i64))
                    .ok_or_else(wrong)?,
            ),
            Kind::Date => match v {
                Value::String(s) if valid_date(s) => Val::Str(s.clone()),
                Value::Bool(false) | Value::Null => Val::False,
                _ => {
                    return Err(OdooError::value(format!(
                        "time data {v} does not match format '%Y-%m-%d'"
                    )));
                }
            },
            Kind::Datetime => match v {
                Value::String(s) if valid_datetime(s) => Val::Str(s.clone()),
                Value::String(s) if valid_date(s) => Val::Str(format!("{s} 00:00:00")),
                Value::Bool(false) | Value::Null => Val::False,
                _ => {
                    return Err(OdooError::value(format!(
                        "time data {v} does not match format '%Y-%m-%d %H:%M:%S'"
                    )));
                }
            },
            Kind::Selection(allowed) => match v {
                Value::String(s) if allowed.contains(&s.as_str()) => Val::Str(s.clone()),
                Value::Bool(false) | Value::Null => Val::False,
                _ => return Err(wrong()),
            },
            Kind::Many2one(comodel) => match v {
                Value::Bool(false) | Value::Null => Val::False,
                Value::Number(n) => {
                    let id = n.as_i64().ok_or_else(wrong)?;
                    if !self.exists(comodel, id) {
                        return Err(foreign_key(model, field, comodel, id));
                    }
                    Val::Int(id)
                }
                _ => return Err(wrong()),
            },
            Kind::One2many(..) | Kind::Many2many(_) => return Err(wrong()),
        })
    }

    /// Checks `vals` for a new record (`current` is `None`) or an existing one.
    fn prepare(
        &self,
        model: &'static str,
        vals: &Map<String, Value>,
        current: Option<i64>,
        inverse: Option<&str>,
    ) -> OdooResult<Prepared> {
        let (_, def) = self.model(model)?;
        let mut out = Prepared::default();
        for (name, v) in vals {
            let field = def.field(name).ok_or_else(|| {
                OdooError::value(format!("Invalid field '{name}' on model '{model}'"))
            })?;
            if field.computed {
                continue;
            }
            match field.kind {
                Kind::One2many(comodel, inverse) => {
                    for command in commands(model, field, v)? {
                        out.children
                            .push(self.child_op(comodel, inverse, current, &command)?);
                    }
                }
                Kind::Many2many(comodel) => {
                    let mut ids: Vec<i64> = current
                        .map(|id| self.stored(model, id, name).as_ids().to_vec())
                        .unwrap_or_default();
                    for command in commands(model, field, v)? {
                        let num = |i: usize| command.get(i).and_then(Value::as_i64);
                        match (num(0), command.len()) {
                            (Some(6), 3) => {
                                ids = command[2]
                                    .as_array()
                                    .map(|a| a.iter().filter_map(Value::as_i64).collect())
                                    .ok_or_else(|| bad_command(model, field, &command))?;
                            }
                            (Some(4), 2 | 3) => ids.extend(num(1)),
                            (Some(3), 2 | 3) => ids.retain(|i| Some(*i) != num(1)),
                            (Some(5), _) => ids.clear(),
                            _ => return Err(bad_command(model, field, &command)),
                        }
                    }
                    ids.dedup();
                    if let Some(bad) = ids.iter().find(|id| !self.exists(comodel, **id)) {
                        return Err(foreign_key(model, field, comodel, *bad));
                    }
                    out.vals.insert(name.clone(), Val::Ids(ids));
                }
                _ => {
                    out.vals
                        .insert(name.clone(), self.convert(model, field, v)?);
                }
            }
        }
        if current.is_none() {
            self.defaults(model, &mut out.vals);
        }
        for f in def
            .fields
            .iter()
            .filter(|f| f.required && !f.computed && Some(f.name.as_str()) != inverse)
        {
            let value = match (out.vals.get(&f.name), current) {
                (Some(v), _) => v.clone(),
                (None, Some(id)) => self.stored(model, id, &f.name),
                (None, None) => Val::False,
            };
            if !value.truthy() {
                return Err(OdooError::validation(format!(
                    "The operation cannot be completed: a mandatory field is not set.\n\nModel: {} ({model})\nField: {} ({})",
                    def.description, f.string, f.name
                )));
            }
        }
        Ok(out)
    }

    fn child_op(
        &self,
        comodel: &'static str,
        inverse: &'static str,
        parent: Option<i64>,
        command: &[Value],
    ) -> OdooResult<ChildOp> {
        let bad = || {
            OdooError::value(format!(
                "Invalid one2many command {}",
                Value::Array(command.to_vec())
            ))
        };
        let code = command.first().and_then(Value::as_i64).ok_or_else(bad)?;
        let owned = |id: i64| {
            let belongs =
                parent.is_some_and(|p| self.stored(comodel, id, inverse).as_id() == Some(p));
            if belongs {
                Ok(id)
            } else {
                Err(OdooError::missing(comodel, &[id]))
            }
        };
        match code {
            0 => {
                let vals = command.get(2).and_then(Value::as_object).ok_or_else(bad)?;
                Ok(ChildOp::Create {
                    comodel,
                    inverse,
                    vals: self.prepare(comodel, vals, None, Some(inverse))?,
                })
            }
            1 => {
                let id = owned(command.get(1).and_then(Value::as_i64).ok_or_else(bad)?)?;
                let vals = command.get(2).and_then(Value::as_object).ok_or_else(bad)?;
                Ok(ChildOp::Update {
                    comodel,
                    id,
                    vals: self.prepare(comodel, vals, Some(id), Some(inverse))?,
                })
            }
            2 => Ok(ChildOp::Delete {
                comodel,
                id: owned(command.get(1).and_then(Value::as_i64).ok_or_else(bad)?)?,
            }),
            _ => Err(bad()),
        }
    }

    fn defaults(&self, model: &str, vals: &mut Record) {
        let (today, now) = now_utc();
        let mut default = |k: &str, v: Val| {
            if !vals.get(k).is_some_and(Val::truthy) {
                vals.insert(k.to_owned(), v);
            }
        };
        match model {
            "sale.order" => {
                default("date_order", Val::Str(now));
                default("currency_id", self.company_currency());
            }
            "account.move" => {
                default("move_type", Val::Str("entry".into()));
                default("currency_id", self.company_currency());
            }
            "account.payment" => {
                default("payment_type", Val::Str("inbound".into()));
                default("partner_type", Val::Str("customer".into()));
                default("date", Val::Str(today));
                default("currency_id", self.company_currency());
            }
            "account.move.line" => default("display_type", Val::Str("product".into())),
            _ => {}
        }
        // Defaults that depend on other values.
        match model {
            "account.move" => {
                let kind = vals
                    .get("move_type")
                    .and_then(Val::as_str)
                    .unwrap_or("entry")
                    .to_owned();
                let journal = match kind.as_str() {
                    "out_invoice" | "out_refund" | "out_receipt" => self.journal_of_type(&["sale"]),
                    "in_invoice" | "in_refund" | "in_receipt" => {
                        self.journal_of_type(&["purchase"])
                    }
                    _ => self.journal_of_type(&["general"]),
                };
                if !vals.get("journal_id").is_some_and(Val::truthy) {
                    vals.insert("journal_id".into(), journal);
                }
                if !vals.get("date").is_some_and(Val::truthy) {
                    let date = vals
                        .get("invoice_date")
                        .filter(|v| v.truthy())
                        .cloned()
                        .unwrap_or(Val::Str(now_utc().0));
                    vals.insert("date".into(), date);
                }
            }
            "sale.order.line" => {
                if let Some(product) = vals.get("product_id").and_then(Val::as_id) {
                    if !vals.get("name").is_some_and(Val::truthy) {
                        vals.insert(
                            "name".into(),
                            Val::Str(self.display_name("product.product", product)),
                        );
                    }
                    if !vals.contains_key("price_unit") {
                        vals.insert(
                            "price_unit".into(),
                            Val::Dec(self.dec("product.product", product, "list_price")),
                        );
                    }
                }
                vals.entry("product_uom_qty".into())
                    .or_insert(Val::Dec(Decimal::ONE));
            }
            _ => {}
        }
    }

    /// Model rules checked on a prepared create, before anything is stored.
    fn check_create(&self, model: &str, p: &Prepared) -> OdooResult<()> {
        match model {
            "account.move" => {
                let kind = p
                    .vals
                    .get("move_type")
                    .and_then(Val::as_str)
                    .unwrap_or("entry");
                let lines: Vec<&Record> = p
                    .children
                    .iter()
                    .filter_map(|c| match c {
                        ChildOp::Create { vals, .. } => Some(&vals.vals),
                        _ => None,
                    })
                    .collect();
                if kind == "entry" {
                    let currency = p.vals.get("currency_id").and_then(Val::as_id);
                    self.check_entry_lines(&lines, currency)?;
                }
                Ok(())
            }
            "account.move.line" => {
                self.check_line_parent(p.vals.get("move_id").and_then(Val::as_id))
            }
            "account.payment" => self.check_payment(&p.vals),
            _ => Ok(()),
        }
    }

    fn check_line_parent(&self, move_id: Option<i64>) -> OdooResult<()> {
        match move_id {
            Some(m) if self.text("account.move", m, "state").as_deref() == Some("posted") => Err(
                OdooError::user("You cannot modify a posted entry; reset it to draft first."),
            ),
            _ => Ok(()),
        }
    }

    fn check_entry_lines(&self, lines: &[&Record], currency: Option<i64>) -> OdooResult<()> {
        let places = self.currency_places(currency);
        let (mut debit, mut credit) = (Decimal::ZERO, Decimal::ZERO);
        for line in lines {
            if !line.get("account_id").is_some_and(Val::truthy) {
                return Err(OdooError::validation(
                    "The operation cannot be completed: a mandatory field is not set.\n\nModel: Journal Item (account.move.line)\nField: Account (account_id)",
                ));
            }
            let d = line.get("debit").map_or(Decimal::ZERO, Val::as_dec);
            let c = line.get("credit").map_or(Decimal::ZERO, Val::as_dec);
            if d.is_sign_negative() || c.is_sign_negative() || (!d.is_zero() && !c.is_zero()) {
                return Err(OdooError::validation(
                    "Wrong credit or debit value in accounting entry!",
                ));
            }
            debit = debit.saturating_add(round(d, places));
            credit = credit.saturating_add(round(c, places));
        }
        if debit == credit {
            Ok(())
        } else {
            Err(OdooError::user(format!(
                "The entry is not balanced.\nThe total of debits equals {debit} and the total of credits equals {credit}."
            )))
        }
    }

    fn check_payment(&self, vals: &Record) -> OdooResult<()> {
        if vals
            .get("amount")
            .is_some_and(|a| a.as_dec().is_sign_negative() && !a.as_dec().is_zero())
        {
            return Err(OdooError::validation(
                "The payment amount cannot be negative.",
            ));
        }
        if let Some(journal) = vals.get("journal_id").and_then(Val::as_id) {
            let kind = self
                .text("account.journal", journal, "type")
                .unwrap_or_default();
            if !matches!(kind.as_str(), "bank" | "cash" | "credit") {
                return Err(OdooError::user(
                    "A payment must always belongs to a bank or cash journal.",
                ));
            }
        }
        Ok(())
    }

    fn create(
        &mut self,
        model: &'static str,
        list: &[&Map<String, Value>],
    ) -> OdooResult<Vec<i64>> {
        let mut prepared = Vec::with_capacity(list.len());
        for vals in list {
            let p = self.prepare(model, vals, None, None)?;
            self.check_create(model, &p)?;
            prepared.push(p);
        }
        let mut ids = Vec::with_capacity(prepared.len());
        for p in prepared {
            let id = self.commit_create(model, p, None);
            self.assign_create_names(model, id);
            self.recompute(model, id);
            ids.push(id);
        }
        Ok(ids)
    }

    fn assign_create_names(&mut self, model: &str, id: i64) {
        let name = match model {
            "sale.order" => {
                let counter = self.sequences.entry("sale.order".into()).or_insert(0);
                *counter += 1;
                format!("S{:05}", *counter)
            }
            "account.move" | "account.payment" => "/".to_owned(),
            _ => return,
        };
        if let Some(r) = self.record_mut(model, id) {
            r.insert("name".into(), Val::Str(name));
            r.insert("state".into(), Val::Str("draft".into()));
        }
    }

    fn commit_create(
        &mut self,
        model: &'static str,
        p: Prepared,
        parent: Option<(&str, i64)>,
    ) -> i64 {
        let mut vals = p.vals;
        if let Some((inverse, pid)) = parent {
            vals.insert(inverse.to_owned(), Val::Int(pid));
        }
        let id = self.insert_record(model, vals);
        self.commit_children(id, p.children);
        id
    }

    fn commit_children(&mut self, parent: i64, children: Vec<ChildOp>) {
        for child in children {
            match child {
                ChildOp::Create {
                    comodel,
                    inverse,
                    vals,
                } => {
                    self.commit_create(comodel, vals, Some((inverse, parent)));
                }
                ChildOp::Update { comodel, id, vals } => self.commit_write(comodel, id, vals),
                ChildOp::Delete { comodel, id } => self.remove_record(comodel, id),
            }
        }
    }

    fn commit_write(&mut self, model: &'static str, id: i64, p: Prepared) {
        let relinks = INVERSES
            .iter()
            .any(|(c, i)| *c == model && p.vals.contains_key(*i));
        let old = if relinks {
            self.record(model, id).cloned()
        } else {
            None
        };
        if let Some(old) = old {
            self.link(model, id, &old, false);
        }
        if let Some(r) = self.record_mut(model, id) {
            r.extend(p.vals);
        }
        let new = if relinks {
            self.record(model, id).cloned()
        } else {
            None
        };
        if let Some(new) = new {
            self.link(model, id, &new, true);
        }
        self.commit_children(id, p.children);
    }

    fn write(
        &mut self,
        model: &'static str,
        ids: &[i64],
        vals: &Map<String, Value>,
    ) -> OdooResult<()> {
        let mut prepared = Vec::with_capacity(ids.len());
        for &id in ids {
            let p = self.prepare(model, vals, Some(id), None)?;
            self.check_write(model, id, &p)?;
            prepared.push((id, p));
        }
        for (id, p) in prepared {
            self.commit_write(model, id, p);
            self.recompute(model, id);
        }
        Ok(())
    }

    fn check_write(&self, model: &str, id: i64, p: &Prepared) -> OdooResult<()> {
        let state = self.text(model, id, "state").unwrap_or_default();
        match model {
            "account.move" if state == "posted" => {
                let locked: Vec<&str> = p
                    .vals
                    .keys()
                    .map(String::as_str)
                    .filter(|k| {
                        !matches!(*k, "ref" | "invoice_origin" | "invoice_date_due")
                            && !k.starts_with("x_")
                    })
                    .collect();
                if !locked.is_empty() || !p.children.is_empty() {
                    return Err(OdooError::user(format!(
                        "You cannot modify a posted entry; reset it to draft first. (fields: {})",
                        if locked.is_empty() {
                            "line_ids".to_owned()
                        } else {
                            locked.join(", ")
                        }
                    )));
                }
                Ok(())
            }
            "account.move.line" => {
                self.check_line_parent(self.stored(model, id, "move_id").as_id())
            }
            "account.payment" if state != "draft" && p.vals.keys().any(|k| k != "memo") => Err(
                OdooError::user("You cannot modify a payment that is not in draft."),
            ),
            "account.payment" => {
                let mut merged = self.record(model, id).cloned().unwrap_or_default();
                merged.extend(p.vals.clone());
                self.check_payment(&merged)
            }
            _ => Ok(()),
        }
    }

    // ---------------------------------------------------------------- computed fields

    fn recompute(&mut self, model: &str, id: i64) {
        match model {
            "sale.order" => self.recompute_order(id),
            "sale.order.line" => {
                if let Some(order) = self.stored(model, id, "order_id").as_id() {
                    self.recompute_order(order);
                }
            }
            "account.move" => self.recompute_move(id),
            "account.move.line" => {
                if let Some(m) = self.stored(model, id, "move_id").as_id() {
                    self.recompute_move(m);
                }
            }
            _ => {}
        }
    }

    fn recompute_order(&mut self, order: i64) {
        let places = self.currency_places(self.stored("sale.order", order, "currency_id").as_id());
        let mut total = Decimal::ZERO;
        for line in self.children("sale.order.line", "order_id", order, "order_line") {
            let qty = self.dec("sale.order.line", line, "product_uom_qty");
            let price = self.dec("sale.order.line", line, "price_unit");
            let subtotal = round(qty.saturating_mul(price), places);
            total = total.saturating_add(subtotal);
            if let Some(r) = self.record_mut("sale.order.line", line) {
                r.insert("price_subtotal".into(), Val::Dec(subtotal));
            }
        }
        if let Some(r) = self.record_mut("sale.order", order) {
            r.insert("amount_untaxed".into(), Val::Dec(total));
            r.insert("amount_tax".into(), Val::Dec(Decimal::ZERO));
            r.insert("amount_total".into(), Val::Dec(total));
        }
    }

    fn recompute_move(&mut self, id: i64) {
        const M: &str = "account.move";
        const L: &str = "account.move.line";
        let kind = self
            .text(M, id, "move_type")
            .unwrap_or_else(|| "entry".into());
        let places = self.currency_places(self.stored(M, id, "currency_id").as_id());
        let date = self.stored(M, id, "date");
        let lines = self.children(L, "move_id", id, "line_ids");
        let (total, residual) = if kind == "entry" {
            let mut debit = Decimal::ZERO;
            for line in &lines {
                debit = debit.saturating_add(self.dec(L, *line, "debit"));
                if let Some(r) = self.record_mut(L, *line) {
                    r.insert("date".into(), date.clone());
                }
            }
            (debit, Decimal::ZERO)
        } else {
            // Product lines on the income (or expense) side, one receivable (payable) line.
            let outgoing = kind.starts_with("out_");
            let product_credit =
                matches!(kind.as_str(), "out_invoice" | "out_receipt" | "in_refund");
            let default_account = self.find(
                "account.account",
                "code",
                if outgoing { "400000" } else { "600000" },
            );
            let term_account = self.find(
                "account.account",
                "code",
                if outgoing { "121000" } else { "211000" },
            );
            let mut total = Decimal::ZERO;
            let mut term_line = None;
            for line in &lines {
                if self.text(L, *line, "display_type").as_deref() == Some("payment_term") {
                    term_line = Some(*line);
                    continue;
                }
                let subtotal = round(
                    self.dec(L, *line, "quantity")
                        .saturating_mul(self.dec(L, *line, "price_unit")),
                    places,
                );
                total = total.saturating_add(subtotal);
                let missing_account = !self.stored(L, *line, "account_id").truthy();
                if let Some(r) = self.record_mut(L, *line) {
                    r.insert("price_subtotal".into(), Val::Dec(subtotal));
                    let (d, c) = if product_credit {
                        (Decimal::ZERO, subtotal)
                    } else {
                        (subtotal, Decimal::ZERO)
                    };
                    r.insert("debit".into(), Val::Dec(d));
                    r.insert("credit".into(), Val::Dec(c));
                    r.insert("date".into(), date.clone());
                    if missing_account {
                        r.insert(
                            "account_id".into(),
                            default_account.map_or(Val::False, Val::Int),
                        );
                    }
                }
            }
            let (d, c) = if product_credit {
                (total, Decimal::ZERO)
            } else {
                (Decimal::ZERO, total)
            };
            let partner = self.stored(M, id, "partner_id");
            let term: Record = [
                ("move_id", Val::Int(id)),
                ("display_type", Val::Str("payment_term".into())),
                ("name", self.stored(M, id, "ref")),
                ("account_id", term_account.map_or(Val::False, Val::Int)),
                ("partner_id", partner),
                ("debit", Val::Dec(d)),
                ("credit", Val::Dec(c)),
                ("date", date),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
            match term_line.and_then(|t| self.record_mut(L, t)) {
                Some(r) => r.extend(term),
                None => {
                    self.insert_record(L, term);
                }
            }
            let paid = self.dec(M, id, PAID);
            (total, total.saturating_sub(paid).max(Decimal::ZERO))
        };
        let posted = self.text(M, id, "state").as_deref() == Some("posted");
        let paid = self.dec(M, id, PAID);
        let payment_state = if kind == "entry" || !posted || paid.is_zero() {
            "not_paid"
        } else if residual.is_zero() {
            "in_payment"
        } else {
            "partial"
        };
        if let Some(r) = self.record_mut(M, id) {
            r.insert("amount_untaxed".into(), Val::Dec(total));
            r.insert("amount_tax".into(), Val::Dec(Decimal::ZERO));
            r.insert("amount_total".into(), Val::Dec(total));
            r.insert("amount_residual".into(), Val::Dec(residual));
            r.insert("payment_state".into(), Val::Str(payment_state.into()));
        }
    }

    // ---------------------------------------------------------------- actions

    fn confirm_orders(&mut self, ids: &[i64]) -> OdooResult<()> {
        for &id in ids {
            if !matches!(
                self.text("sale.order", id, "state").as_deref(),
                Some("draft" | "sent")
            ) {
                return Err(OdooError::user(
                    "Some orders are not in a state requiring confirmation.",
                ));
            }
            let lines = self.children("sale.order.line", "order_id", id, "order_line");
            if lines
                .iter()
                .any(|l| !self.stored("sale.order.line", *l, "product_id").truthy())
            {
                return Err(OdooError::user(
                    "A line on these orders missing a product, you cannot confirm it.",
                ));
            }
        }
        for &id in ids {
            if let Some(r) = self.record_mut("sale.order", id) {
                r.insert("state".into(), Val::Str("sale".into()));
            }
        }
        Ok(())
    }

    fn post_moves(&mut self, ids: &[i64]) -> OdooResult<()> {
        const M: &str = "account.move";
        for &id in ids {
            if self.text(M, id, "state").as_deref() != Some("draft") {
                return Err(OdooError::user(format!(
                    "The entry {} (id {id}) is already posted.",
                    self.display_name(M, id)
                )));
            }
            let kind = self.text(M, id, "move_type").unwrap_or_default();
            let lines = self.children("account.move.line", "move_id", id, "line_ids");
            if kind != "entry" && !self.stored(M, id, "partner_id").truthy() {
                let (who, what) = if kind.starts_with("in_") {
                    ("Vendor", "Vendor Bill")
                } else {
                    ("Customer", "Customer Invoice")
                };
                return Err(OdooError::user(format!(
                    "The field '{who}' is required, please complete it to validate the {what}."
                )));
            }
            let product_lines = if kind == "entry" {
                lines.len()
            } else {
                self.children("account.move.line", "move_id", id, "invoice_line_ids")
                    .len()
            };
            if product_lines == 0 {
                return Err(OdooError::user("You need to add a line before posting."));
            }
            if kind == "entry" {
                let records: Vec<&Record> = lines
                    .iter()
                    .filter_map(|l| self.record("account.move.line", *l))
                    .collect();
                self.check_entry_lines(&records, self.stored(M, id, "currency_id").as_id())?;
            }
        }
        let (today, _) = now_utc();
        for &id in ids {
            let kind = self.text(M, id, "move_type").unwrap_or_default();
            if kind != "entry" {
                let invoice_date = self
                    .text(M, id, "invoice_date")
                    .unwrap_or_else(|| today.clone());
                let due = self
                    .text(M, id, "invoice_date_due")
                    .unwrap_or_else(|| invoice_date.clone());
                if let Some(r) = self.record_mut(M, id) {
                    r.insert("invoice_date".into(), Val::Str(invoice_date.clone()));
                    r.insert("invoice_date_due".into(), Val::Str(due));
                    r.insert("date".into(), Val::Str(invoice_date));
                }
            }
            let journal = self.stored(M, id, "journal_id").as_id();
            let code = journal
                .and_then(|j| self.text("account.journal", j, "code"))
                .unwrap_or_else(|| "MISC".into());
            let prefix = match kind.as_str() {
                "out_refund" | "in_refund" => format!("R{code}"),
                _ => code,
            };
            let date = self.text(M, id, "date").unwrap_or_else(|| today.clone());
            let name = self.next_name(&prefix, &date);
            if let Some(r) = self.record_mut(M, id) {
                r.insert("name".into(), Val::Str(name));
                r.insert("state".into(), Val::Str("posted".into()));
            }
            self.recompute_move(id);
        }
        Ok(())
    }

    /// `account.move.button_draft`: posted or cancelled moves back to draft (Odoo's
    /// `addons/account/models/account_move.py`; the same message for any other state).
    fn reset_moves(&mut self, ids: &[i64]) -> OdooResult<()> {
        const M: &str = "account.move";
        if ids.iter().any(|id| {
            !matches!(
                self.text(M, *id, "state").as_deref(),
                Some("posted" | "cancel")
            )
        }) {
            return Err(OdooError::user(
                "Only posted/cancelled journal entries can be reset to draft.",
            ));
        }
        self.set_move_state(ids, "draft");
        Ok(())
    }

    /// `account.move.button_cancel`: posted moves are reset to draft first, then every move
    /// must be a draft (Odoo's message otherwise) and is cancelled.
    fn cancel_moves(&mut self, ids: &[i64]) -> OdooResult<()> {
        const M: &str = "account.move";
        let posted: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| self.text(M, *id, "state").as_deref() == Some("posted"))
            .collect();
        if ids.iter().any(|id| {
            !posted.contains(id) && self.text(M, *id, "state").as_deref() != Some("draft")
        }) {
            return Err(OdooError::user(
                "Only draft journal entries can be cancelled.",
            ));
        }
        self.set_move_state(ids, "cancel");
        Ok(())
    }

    fn set_move_state(&mut self, ids: &[i64], state: &str) {
        for &id in ids {
            if let Some(r) = self.record_mut("account.move", id) {
                r.insert("state".into(), Val::Str(state.into()));
            }
            self.recompute_move(id);
        }
    }

    fn post_payments(&mut self, ids: &[i64]) -> OdooResult<()> {
        for &id in ids {
            if self.text("account.payment", id, "state").as_deref() != Some("draft") {
                return Err(OdooError::user("Only a draft payment can be posted."));
            }
        }
        for &id in ids {
            self.name_payment(id);
            if let Some(r) = self.record_mut("account.payment", id) {
                r.insert("state".into(), Val::Str("in_process".into()));
            }
        }
        Ok(())
    }

    fn name_payment(&mut self, id: i64) {
        let journal = self.stored("account.payment", id, "journal_id").as_id();
        let code = journal
            .and_then(|j| self.text("account.journal", j, "code"))
            .unwrap_or_else(|| "BNK1".into());
        let date = self
            .text("account.payment", id, "date")
            .unwrap_or_else(|| now_utc().0);
        let name = self.next_name(&format!("P{code}"), &date);
        if let Some(r) = self.record_mut("account.payment", id) {
            r.insert("name".into(), Val::Str(name));
        }
    }

    /// `account.payment.register` `create`: the wizard opened on the invoices of the context.
    fn create_wizards(
        &mut self,
        list: &[&Map<String, Value>],
        context: Option<&Value>,
    ) -> OdooResult<Vec<i64>> {
        const W: &str = "account.payment.register";
        let context = context.and_then(Value::as_object);
        if context
            .and_then(|c| c.get("active_model"))
            .and_then(Value::as_str)
            != Some("account.move")
        {
            return Err(OdooError::user(
                "The register payment wizard should only be called on account.move or account.move.line records.",
            ));
        }
        let moves: Vec<i64> = match context.and_then(|c| c.get("active_ids")) {
            Some(Value::Array(ids)) => ids
                .iter()
                .map(|v| {
                    v.as_i64()
                        .ok_or_else(|| OdooError::value(format!("Invalid active_ids {v}")))
                })
                .collect::<OdooResult<_>>()?,
            Some(Value::Number(n)) => n.as_i64().into_iter().collect(),
            _ => Vec::new(),
        };
        if moves.is_empty() {
            return Err(OdooError::user(
                "You can't open the register payment wizard without at least one record.",
            ));
        }
        self.check_exist("account.move", &moves)?;
        self.check_payable(&moves)?;
        let Some(&first) = moves.first() else {
            return Ok(Vec::new());
        };
        let residual: Decimal = moves
            .iter()
            .map(|m| self.dec("account.move", *m, "amount_residual"))
            .fold(Decimal::ZERO, Decimal::saturating_add);
        let communication = moves
            .iter()
            .map(|m| {
                self.text("account.move", *m, "ref")
                    .unwrap_or_else(|| self.display_name("account.move", *m))
            })
            .collect::<Vec<_>>()
            .join(" ");
        let mut prepared = Vec::new();
        for vals in list {
            let mut p = self.prepare(W, vals, None, None)?;
            let mut default = |k: &str, v: Val| {
                if !p.vals.get(k).is_some_and(Val::truthy) {
                    p.vals.insert(k.to_owned(), v);
                }
            };
            default("journal_id", self.journal_of_type(&["bank"]));
            default("payment_date", Val::Str(now_utc().0));
            default("communication", Val::Str(communication.clone()));
            if !p.vals.contains_key("amount") {
                p.vals.insert("amount".into(), Val::Dec(residual));
            }
            p.vals.insert(
                "currency_id".into(),
                self.stored("account.move", first, "currency_id"),
            );
            p.vals.insert(
                "partner_id".into(),
                self.stored("account.move", first, "partner_id"),
            );
            p.vals.insert(WIZARD_MOVES.into(), Val::Ids(moves.clone()));
            self.check_payment(&p.vals)?;
            prepared.push(p);
        }
        Ok(prepared
            .into_iter()
            .map(|p| self.commit_create(W, p, None))
            .collect())
    }

    fn check_payable(&self, moves: &[i64]) -> OdooResult<()> {
        const M: &str = "account.move";
        for &m in moves {
            if self.text(M, m, "state").as_deref() != Some("posted") {
                return Err(OdooError::user(
                    "You can only register payment for posted journal entries.",
                ));
            }
            if self.text(M, m, "move_type").as_deref() == Some("entry")
                || self.dec(M, m, "amount_residual").is_zero()
            {
                return Err(OdooError::user(
                    "You can't register a payment because there is nothing left to pay on the selected journal items.",
                ));
            }
        }
        let key = |m: i64| {
            (
                self.stored(M, m, "partner_id"),
                self.stored(M, m, "currency_id"),
                self.text(M, m, "move_type")
                    .is_some_and(|t| t.starts_with("out_")),
            )
        };
        if moves.iter().any(|m| key(*m) != key(moves[0])) {
            return Err(OdooError::user(
                "The sandbox registers one payment at a time: select moves of one partner, currency and direction.",
            ));
        }
        Ok(())
    }

    /// `account.payment.register` `action_create_payments`.
    fn create_payments(&mut self, wizards: &[i64]) -> OdooResult<Value> {
        const W: &str = "account.payment.register";
        const M: &str = "account.move";
        for &w in wizards {
            self.check_payable(self.stored(W, w, WIZARD_MOVES).as_ids())?;
        }
        let mut payments = Vec::new();
        for &w in wizards {
            let moves = self.stored(W, w, WIZARD_MOVES).as_ids().to_vec();
            let Some(&first) = moves.first() else {
                continue;
            };
            let kind = self.text(M, first, "move_type").unwrap_or_default();
            let amount = self.dec(W, w, "amount");
            let inbound = matches!(kind.as_str(), "out_invoice" | "out_receipt" | "in_refund");
            let mut left = amount;
            let mut reconciled = Vec::new();
            for &m in &moves {
                let take = left.min(self.dec(M, m, "amount_residual"));
                if take.is_sign_positive() && !take.is_zero() {
                    left = left.saturating_sub(take);
                    let paid = self.dec(M, m, PAID).saturating_add(take);
                    if let Some(r) = self.record_mut(M, m) {
                        r.insert(PAID.into(), Val::Dec(paid));
                    }
                    self.recompute_move(m);
                    reconciled.push(m);
                }
            }
            let payment: Record = [
                (
                    "payment_type",
                    Val::Str(if inbound { "inbound" } else { "outbound" }.into()),
                ),
                (
                    "partner_type",
                    Val::Str(
                        if kind.starts_with("out_") {
                            "customer"
                        } else {
                            "supplier"
                        }
                        .into(),
                    ),
                ),
                ("partner_id", self.stored(W, w, "partner_id")),
                ("amount", Val::Dec(amount)),
                ("currency_id", self.stored(W, w, "currency_id")),
                ("journal_id", self.stored(W, w, "journal_id")),
                ("date", self.stored(W, w, "payment_date")),
                ("memo", self.stored(W, w, "communication")),
                // The wizard has no field for it (Odoo's `account.payment.register`).
                ("payment_reference", Val::False),
                ("state", Val::Str("in_process".into())),
                ("reconciled_invoice_ids", Val::Ids(reconciled)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
            let id = self.insert_record("account.payment", payment);
            self.name_payment(id);
            payments.push(id);
        }
        Ok(match payments.as_slice() {
            [one] => json!({
                "name": "Payments", "type": "ir.actions.act_window", "res_model": "account.payment",
                "context": {"create": false}, "view_mode": "form", "res_id": one,
            }),
            many => json!({
                "name": "Payments", "type": "ir.actions.act_window", "res_model": "account.payment",
                "context": {"create": false}, "view_mode": "list,form", "domain": [["id", "in", many]],
            }),
        })
    }
}

/// Whether a domain has a leaf on `field`.
fn names_field(domain: &Value, field: &str) -> bool {
    domain.as_array().is_some_and(|items| {
        items.iter().any(|item| {
            item.as_array()
                .and_then(|leaf| leaf.first())
                .and_then(Value::as_str)
                == Some(field)
        })
    })
}

fn foreign_key(model: &str, field: &Field, comodel: &str, id: i64) -> OdooError {
    OdooError::validation(format!(
        "The operation cannot be completed: {model}.{} refers to {comodel}({id},), which does not exist.",
        field.name
    ))
}

fn bad_command(model: &str, field: &Field, command: &[Value]) -> OdooError {
    OdooError::value(format!(
        "Invalid command {} for {model}.{}",
        Value::Array(command.to_vec()),
        field.name
    ))
}

/// An x2many value: a list of commands (`[0, 0, {...}]`, `[6, 0, [ids]]`, ...); a bare list of ids
/// is `[6, 0, ids]`.
fn commands(model: &str, field: &Field, v: &Value) -> OdooResult<Vec<Vec<Value>>> {
    let list = match v {
        Value::Bool(false) | Value::Null => return Ok(Vec::new()),
        Value::Array(list) => list,
        _ => {
            return Err(OdooError::value(format!(
                "Wrong value for {model}.{}: {v}",
                field.name
            )));
        }
    };
    if !list.is_empty()
        && list.iter().all(Value::is_i64)
        && matches!(field.kind, Kind::Many2many(_))
    {
        return Ok(vec![vec![json!(6), json!(0), v.clone()]]);
    }
    list.iter()
        .map(|c| {
            c.as_array()
                .cloned()
                .ok_or_else(|| bad_command(model, field, std::slice::from_ref(c)))
        })
        .collect()
}

fn parse_ids(model: &str, method: &str, v: Option<&Value>) -> OdooResult<Vec<i64>> {
    match v {
        None | Some(Value::Null | Value::Bool(false)) => Ok(Vec::new()),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(|i| vec![i])
            .ok_or_else(|| args_error(model, method, "got invalid ids")),
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| {
                v.as_i64()
                    .ok_or_else(|| args_error(model, method, &format!("got an invalid id {v}")))
            })
            .collect(),
        Some(other) => Err(args_error(
            model,
            method,
            &format!("got invalid ids {other}"),
        )),
    }
}

fn usize_arg(v: Option<&Value>, name: &str) -> OdooResult<Option<usize>> {
    match v {
        None | Some(Value::Null | Value::Bool(false)) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| OdooError::value(format!("Invalid {name} {n}"))),
        Some(other) => Err(OdooError::value(format!("Invalid {name} {other}"))),
    }
}
