//! Query strings the PHP way, `searchCriteria` evaluation over JSON rows, and the `fields`
//! response filter.

use std::cmp::Ordering;

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::reply::Fail;

/// Percent-decodes like PHP: `rawurldecode` (`plus_is_space == false`) or `urldecode`.
/// Invalid escapes are kept as they are.
pub(crate) fn decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// RFC 3986 encoding (PHP `rawurlencode`, `~` kept): what OAuth signs.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// PHP's default `max_input_nesting_level`, also the deepest `fields` selection accepted.
const MAX_NESTING: usize = 64;

/// A PHP request parameter: a string or an ordered array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Leaf(String),
    Map(Vec<(String, Node)>),
}

impl Node {
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Self::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            Self::Leaf(_) => None,
        }
    }

    /// The first of several spellings (`filterGroups` / `filter_groups`).
    fn get_any(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().find_map(|k| self.get(k))
    }

    fn leaf(&self) -> Option<&str> {
        match self {
            Self::Leaf(s) => Some(s),
            Self::Map(_) => None,
        }
    }

    fn entries(&self) -> &[(String, Node)] {
        match self {
            Self::Map(entries) => entries,
            Self::Leaf(_) => &[],
        }
    }

    fn insert(&mut self, path: &[String], value: String) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        if !matches!(self, Self::Map(_)) {
            *self = Self::Map(Vec::new());
        }
        let Self::Map(entries) = self else { return };
        let key = if first.is_empty() {
            entries.len().to_string()
        } else {
            first.clone()
        };
        let slot = match entries.iter().position(|(k, _)| *k == key) {
            Some(pos) => &mut entries[pos].1,
            None => {
                entries.push((key, Self::Leaf(String::new())));
                let last = entries.len() - 1;
                &mut entries[last].1
            }
        };
        if rest.is_empty() {
            *slot = Self::Leaf(value);
        } else {
            slot.insert(rest, value);
        }
    }
}

/// Parses a raw query string like PHP's `parse_str` (`a[b][0]=c` nests).
pub(crate) fn parse_query(raw: &str) -> Node {
    let mut root = Node::Map(Vec::new());
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(k, true);
        let value = decode(v, true);
        let path = match key.find('[') {
            Some(open) if key.ends_with(']') && open > 0 => {
                let mut path = vec![key[..open].to_owned()];
                let inner = &key[open + 1..key.len() - 1];
                path.extend(inner.split("][").map(str::to_owned));
                path
            }
            _ => vec![key],
        };
        // PHP drops variables nested deeper than `max_input_nesting_level` (64).
        if path.len() <= MAX_NESTING {
            root.insert(&path, value);
        }
    }
    root
}

/// One filter of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilterSpec {
    pub(crate) field: String,
    pub(crate) value: String,
    pub(crate) condition: String,
}

/// A parsed `searchCriteria`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Criteria {
    pub(crate) groups: Vec<Vec<FilterSpec>>,
    pub(crate) sorts: Vec<(String, String)>,
    pub(crate) page_size: Option<u64>,
    pub(crate) current_page: Option<u64>,
}

fn int_param(node: &Node) -> Result<u64, Fail> {
    let text = node.leaf().unwrap_or_default();
    text.trim()
        .parse::<u64>()
        .map_err(|_| Fail::type_error(text, "int"))
}

/// `searchCriteria` from the query; `None` when the request has none.
pub(crate) fn criteria(query: &Node) -> Result<Option<Criteria>, Fail> {
    let Some(sc) = query.get("searchCriteria") else {
        return Ok(None);
    };
    if let Node::Leaf(text) = sc {
        if text.is_empty() {
            return Ok(Some(Criteria::default()));
        }
        return Err(Fail::type_error(
            text,
            "Magento\\Framework\\Api\\SearchCriteriaInterface",
        ));
    }
    let mut out = Criteria::default();
    if let Some(groups) = sc.get_any(&["filterGroups", "filter_groups"]) {
        for (_, group) in groups.entries() {
            let mut filters = Vec::new();
            if let Some(list) = group.get("filters") {
                for (_, f) in list.entries() {
                    let field = f
                        .get("field")
                        .and_then(Node::leaf)
                        .unwrap_or_default()
                        .to_owned();
                    if field.is_empty() {
                        return Err(Fail::required("field"));
                    }
                    let condition = f
                        .get_any(&["conditionType", "condition_type"])
                        .and_then(Node::leaf)
                        .filter(|c| !c.is_empty())
                        .unwrap_or("eq")
                        .to_ascii_lowercase();
                    let value = f
                        .get("value")
                        .and_then(Node::leaf)
                        .unwrap_or_default()
                        .to_owned();
                    filters.push(FilterSpec {
                        field,
                        value,
                        condition,
                    });
                }
            }
            if !filters.is_empty() {
                out.groups.push(filters);
            }
        }
    }
    if let Some(sorts) = sc.get_any(&["sortOrders", "sort_orders"]) {
        for (_, s) in sorts.entries() {
            let field = s
                .get("field")
                .and_then(Node::leaf)
                .unwrap_or_default()
                .to_owned();
            let direction = s
                .get("direction")
                .and_then(Node::leaf)
                .unwrap_or("ASC")
                .to_ascii_uppercase();
            if direction != "ASC" && direction != "DESC" {
                return Err(Fail::bad_request_with(
                    "Sort order \"%1\" is not supported",
                    json!([direction]),
                ));
            }
            if !field.is_empty() {
                out.sorts.push((field, direction));
            }
        }
    }
    if let Some(size) = sc.get_any(&["pageSize", "page_size"]) {
        out.page_size = Some(int_param(size)?).filter(|n| *n > 0);
    }
    if let Some(page) = sc.get_any(&["currentPage", "current_page"]) {
        out.current_page = Some(int_param(page)?.max(1));
    }
    Ok(Some(out))
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "1".into() } else { "0".into() }),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

fn as_decimal(s: &str) -> Option<Decimal> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    Decimal::from_str_exact(s)
        .ok()
        .or_else(|| Decimal::from_scientific(s).ok())
}

/// MySQL-like comparison: numbers by value, text case-insensitively.
fn compare(a: &str, b: &str) -> Ordering {
    match (as_decimal(a), as_decimal(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.to_lowercase().cmp(&b.to_lowercase()),
    }
}

/// SQL `LIKE` with `%` and `_`, case-insensitive, `\` escapes.
fn like(text: &str, pattern: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Any,
        One,
        Lit(char),
    }
    let mut tokens = Vec::new();
    let mut chars = pattern
        .to_lowercase()
        .chars()
        .collect::<Vec<_>>()
        .into_iter();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' => Tok::Any,
            '_' => Tok::One,
            '\\' => Tok::Lit(chars.next().unwrap_or('\\')),
            c => Tok::Lit(c),
        });
    }
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Iterative wildcard matching: remember the last `%` and retry from one character later.
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match tokens.get(pi) {
            Some(Tok::Any) => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(Tok::One) => {
                ti += 1;
                pi += 1;
            }
            Some(Tok::Lit(c)) if *c == t[ti] => {
                ti += 1;
                pi += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    tokens[pi.min(tokens.len())..]
        .iter()
        .all(|tok| *tok == Tok::Any)
}

const CONDITIONS: &[&str] = &[
    "eq", "neq", "gt", "gteq", "lt", "lteq", "moreq", "like", "nlike", "in", "nin", "null",
    "notnull", "from", "to", "finset", "nfinset",
];

fn matches(row: &Map<String, Value>, f: &FilterSpec) -> bool {
    let field = row.get(&f.field).and_then(text_of);
    let Some(field) = field else {
        return f.condition == "null";
    };
    let ord = || compare(&field, &f.value);
    match f.condition.as_str() {
        "eq" => ord() == Ordering::Equal,
        "neq" => ord() != Ordering::Equal,
        "gt" => ord() == Ordering::Greater,
        "gteq" | "moreq" | "from" => ord() != Ordering::Less,
        "lt" => ord() == Ordering::Less,
        "lteq" | "to" => ord() != Ordering::Greater,
        "like" => like(&field, &f.value),
        "nlike" => !like(&field, &f.value),
        "in" => f
            .value
            .split(',')
            .any(|v| compare(&field, v) == Ordering::Equal),
        "nin" => !f
            .value
            .split(',')
            .any(|v| compare(&field, v) == Ordering::Equal),
        "notnull" => true,
        "finset" => field.split(',').any(|v| v == f.value),
        "nfinset" => !field.split(',').any(|v| v == f.value),
        _ => false,
    }
}

/// Filters, sorts and pages `rows` (each a JSON object). `known` are the columns that exist:
/// anything else is an SQL error in Magento, which answers a masked 500.
pub(crate) fn run(
    criteria: &Criteria,
    rows: Vec<Map<String, Value>>,
    known: &dyn Fn(&str) -> bool,
) -> Result<(Vec<Map<String, Value>>, usize), Fail> {
    for f in criteria.groups.iter().flatten() {
        if !known(&f.field) || !CONDITIONS.contains(&f.condition.as_str()) {
            return Err(Fail::masked_internal());
        }
    }
    for (field, _) in &criteria.sorts {
        if !known(field) {
            return Err(Fail::masked_internal());
        }
    }
    let mut hits: Vec<Map<String, Value>> = rows
        .into_iter()
        .filter(|row| {
            criteria
                .groups
                .iter()
                .all(|group| group.iter().any(|f| matches(row, f)))
        })
        .collect();
    hits.sort_by(|a, b| {
        for (field, direction) in &criteria.sorts {
            let (x, y) = (
                a.get(field).and_then(text_of),
                b.get(field).and_then(text_of),
            );
            let ord = match (x, y) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(x), Some(y)) => compare(&x, &y),
            };
            let ord = if direction == "DESC" {
                ord.reverse()
            } else {
                ord
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
    let total = hits.len();
    let page = match criteria.page_size {
        None => hits,
        Some(size) => {
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            let last_page = total.div_ceil(size).max(1);
            // Magento answers a page past the end with the last page.
            let current = usize::try_from(criteria.current_page.unwrap_or(1))
                .unwrap_or(usize::MAX)
                .min(last_page);
            hits.into_iter()
                .skip((current - 1).saturating_mul(size))
                .take(size)
                .collect()
        }
    };
    Ok((page, total))
}

/// The `search_criteria` echoed in a search result.
pub(crate) fn echo(criteria: &Criteria) -> Value {
    let groups: Vec<Value> = criteria
        .groups
        .iter()
        .map(|g| {
            json!({"filters": g.iter().map(|f| json!({"field": f.field, "value": f.value, "condition_type": f.condition})).collect::<Vec<_>>()})
        })
        .collect();
    let mut out = json!({ "filter_groups": groups });
    if let Some(map) = out.as_object_mut() {
        if !criteria.sorts.is_empty() {
            let sorts: Vec<Value> = criteria
                .sorts
                .iter()
                .map(|(f, d)| json!({"field": f, "direction": d}))
                .collect();
            map.insert("sort_orders".into(), Value::Array(sorts));
        }
        if let Some(size) = criteria.page_size {
            map.insert("page_size".into(), json!(size));
        }
        if let Some(page) = criteria.current_page {
            map.insert("current_page".into(), json!(page));
        }
    }
    out
}

/// A parsed `fields` parameter: names, each with an optional nested selection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fields(Vec<(String, Option<Fields>)>);

/// Parses `items[entity_id,increment_id],total_count`; `None` when the brackets do not balance.
pub(crate) fn parse_fields(spec: &str) -> Option<Fields> {
    fn level(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, depth: usize) -> Option<Fields> {
        let nested = depth > 0;
        if depth > MAX_NESTING {
            return None;
        }
        let mut out = Vec::new();
        let mut name = String::new();
        while let Some(c) = chars.next() {
            match c {
                ',' => {
                    if !name.trim().is_empty() {
                        out.push((name.trim().to_owned(), None));
                    }
                    name.clear();
                }
                '[' => {
                    let sub = level(chars, depth + 1)?;
                    out.push((name.trim().to_owned(), Some(sub)));
                    name.clear();
                    if chars.peek() == Some(&',') {
                        chars.next();
                    }
                }
                ']' => {
                    if !nested {
                        return None;
                    }
                    if !name.trim().is_empty() {
                        out.push((name.trim().to_owned(), None));
                    }
                    return Some(Fields(out));
                }
                c => name.push(c),
            }
        }
        if nested {
            return None;
        }
        if !name.trim().is_empty() {
            out.push((name.trim().to_owned(), None));
        }
        Some(Fields(out))
    }
    level(&mut spec.chars().peekable(), 0)
}

/// Keeps only the selected fields (applied to every element of a list).
pub(crate) fn apply_fields(value: Value, fields: &Fields) -> Value {
    match value {
        Value::Array(list) => {
            Value::Array(list.into_iter().map(|v| apply_fields(v, fields)).collect())
        }
        Value::Object(mut map) => {
            let mut out = Map::new();
            for (name, sub) in &fields.0 {
                if let Some(v) = map.remove(name) {
                    let v = match sub {
                        Some(sub) => apply_fields(v, sub),
                        None => v,
                    };
                    out.insert(name.clone(), v);
                }
            }
            Value::Object(out)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_query_parsing_nests_and_decodes() {
        let q = parse_query(
            "searchCriteria%5BfilterGroups%5D%5B0%5D%5Bfilters%5D%5B0%5D%5Bfield%5D=status&searchCriteria[filter_groups][0][filters][0][value]=a+b%20c&x=%zz",
        );
        let c = criteria(&q).ok().flatten().unwrap_or_default();
        assert_eq!(c.groups.len(), 1);
        assert_eq!(c.groups[0][0].field, "status");
        assert_eq!(q.get("x"), Some(&Node::Leaf("%zz".into())));
        assert_eq!(decode("a+b%2B", false), "a+b+");
        assert_eq!(encode("a b~[é]"), "a%20b~%5B%C3%A9%5D");
    }

    #[test]
    fn like_and_fields() {
        assert!(like("jdoe@Example.com", "%example%"));
        assert!(!like("abc", "a_"));
        assert!(like("abc", "a_c") && like("a%c", "a\\%c") && !like("abc", "a\\%c"));
        assert!(like("", "%") && !like("", "_") && like("xaxb", "%a%b"));
        assert!(like(&"a".repeat(5000), &"%a".repeat(3000)));
        assert!(!like(&"a".repeat(5000), &format!("{}b", "%a".repeat(3000))));
        assert!(parse_fields(&"a[".repeat(10_000)).is_none());
        let f = parse_fields("items[entity_id,payment[method]],total_count").unwrap_or_default();
        let v = apply_fields(
            json!({"items":[{"entity_id":1,"x":2,"payment":{"method":"m","y":1}}],"total_count":1,"search_criteria":{}}),
            &f,
        );
        assert_eq!(
            v,
            json!({"items":[{"entity_id":1,"payment":{"method":"m"}}],"total_count":1})
        );
        assert!(parse_fields("items[a").is_none());
        assert!(parse_fields("a]").is_none());
    }
}
