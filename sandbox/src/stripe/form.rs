//! Stripe's form encoding read back: `a[b][c]=v`, `list[]=v`, `items[0][k]=v` into a tree, and
//! typed accessors that answer with Stripe's own validation errors.

use std::collections::BTreeMap;

use super::error::ApiErr;

/// One parameter value: text, a hash (`a[b]=`) or a list (`a[]=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Param {
    Str(String),
    Map(BTreeMap<String, Param>),
    List(Vec<Param>),
}

impl Param {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Param::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// A time filter: `created=123` or `created[gte]=123`...
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Range {
    gt: Option<i64>,
    gte: Option<i64>,
    lt: Option<i64>,
    lte: Option<i64>,
}

impl Range {
    pub(crate) fn contains(&self, t: i64) -> bool {
        self.gt.is_none_or(|b| t > b)
            && self.gte.is_none_or(|b| t >= b)
            && self.lt.is_none_or(|b| t < b)
            && self.lte.is_none_or(|b| t <= b)
    }
}

/// The decoded parameters of one request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params {
    root: BTreeMap<String, Param>,
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses `application/x-www-form-urlencoded` text (a POST body or a query string).
    pub(crate) fn parse(raw: &[u8]) -> Result<Self, ApiErr> {
        let mut params = Params::default();
        for (key, value) in url::form_urlencoded::parse(raw) {
            let key = key.into_owned();
            let value = value.into_owned();
            let path = split_key(&key).ok_or_else(|| {
                ApiErr::invalid(Some(&key), None, &format!("Invalid parameter name: {key}"))
            })?;
            insert(&mut params.root, &path, value.clone())
                .map_err(|at| ApiErr::invalid(Some(&at), None, "Invalid hash"))?;
            params.pairs.push((key, value));
        }
        Ok(params)
    }

    /// Every `(key, value)` pair, sorted: what an idempotency key's parameters are compared by.
    pub(crate) fn canonical(&self) -> Vec<(String, String)> {
        let mut pairs = self.pairs.clone();
        pairs.sort();
        pairs
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Param> {
        self.root.get(key)
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.root.contains_key(key)
    }

    /// `400 parameter_unknown` for the first top-level key outside `allowed` (`expand` is
    /// always allowed).
    pub(crate) fn only(&self, allowed: &[&str]) -> Result<(), ApiErr> {
        match self
            .root
            .keys()
            .find(|k| *k != "expand" && !allowed.contains(&k.as_str()))
        {
            None => Ok(()),
            Some(k) => Err(ApiErr::unknown_param(k)),
        }
    }

    /// Whether any top-level key outside `keys` (and `expand`) was sent.
    pub(crate) fn has_other_than(&self, keys: &[&str]) -> bool {
        self.root
            .keys()
            .any(|k| k != "expand" && !keys.contains(&k.as_str()))
    }

    /// A text parameter; a hash or list there is `400`.
    pub(crate) fn str(&self, key: &str) -> Result<Option<&str>, ApiErr> {
        match self.root.get(key) {
            None => Ok(None),
            Some(Param::Str(s)) => Ok(Some(s)),
            Some(_) => Err(ApiErr::invalid(
                Some(key),
                None,
                &format!("Invalid string: {key}"),
            )),
        }
    }

    /// A text parameter as an owned value, where an empty string means "unset".
    pub(crate) fn opt_string(&self, key: &str) -> Result<Option<Option<String>>, ApiErr> {
        Ok(self.str(key)?.map(|s| {
            if s.is_empty() {
                None
            } else {
                Some(s.to_owned())
            }
        }))
    }

    pub(crate) fn required_str(&self, key: &str) -> Result<&str, ApiErr> {
        match self.str(key)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(ApiErr::missing_param(key)),
        }
    }

    pub(crate) fn int(&self, key: &str) -> Result<Option<i64>, ApiErr> {
        match self.str(key)? {
            None => Ok(None),
            Some(s) => parse_int(s).map(Some).ok_or_else(|| {
                ApiErr::invalid(
                    Some(key),
                    Some("parameter_invalid_integer"),
                    &format!("Invalid integer: {s}"),
                )
            }),
        }
    }

    pub(crate) fn bool(&self, key: &str) -> Result<Option<bool>, ApiErr> {
        match self.str(key)? {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(s) => Err(ApiErr::invalid(
                Some(key),
                Some("parameter_invalid_boolean"),
                &format!("Invalid boolean: {s}"),
            )),
        }
    }

    /// `limit`: 1 to 100, 10 by default.
    pub(crate) fn limit(&self) -> Result<usize, ApiErr> {
        match self.int("limit")? {
            None => Ok(10),
            Some(n) if (1..=100).contains(&n) => Ok(usize::try_from(n).unwrap_or(10)),
            Some(n) => Err(ApiErr::invalid(
                Some("limit"),
                Some("parameter_invalid_integer"),
                &format!("This value must be between 1 and 100 (it currently is '{n}')."),
            )),
        }
    }

    /// A list of strings (`types[]=a&types[]=b`, also `types[0]=a`).
    pub(crate) fn str_list(&self, key: &str) -> Result<Vec<String>, ApiErr> {
        let bad = || ApiErr::invalid(Some(key), None, &format!("Invalid array: {key}"));
        match self.root.get(key) {
            None => Ok(Vec::new()),
            Some(Param::Str(s)) if s.is_empty() => Ok(Vec::new()),
            Some(Param::Str(_)) => Err(bad()),
            Some(Param::List(items)) => items
                .iter()
                .map(|p| p.as_str().map(str::to_owned).ok_or_else(bad))
                .collect(),
            Some(Param::Map(map)) => {
                let mut items: Vec<(usize, String)> = Vec::new();
                for (k, v) in map {
                    let index = k.parse::<usize>().map_err(|_| bad())?;
                    items.push((index, v.as_str().ok_or_else(bad)?.to_owned()));
                }
                items.sort();
                Ok(items.into_iter().map(|(_, v)| v).collect())
            }
        }
    }

    /// `expand[]`.
    pub(crate) fn expand(&self) -> Result<Vec<String>, ApiErr> {
        self.str_list("expand")
    }

    /// A hash of strings (`metadata[k]=v`); `key=` (empty) is `Some(None)`: "clear it".
    pub(crate) fn string_map(
        &self,
        key: &str,
    ) -> Result<Option<Option<BTreeMap<String, String>>>, ApiErr> {
        match self.root.get(key) {
            None => Ok(None),
            Some(Param::Str(s)) if s.is_empty() => Ok(Some(None)),
            Some(Param::Map(map)) => {
                let mut out = BTreeMap::new();
                for (k, v) in map {
                    let Param::Str(v) = v else {
                        return Err(ApiErr::invalid(
                            Some(&format!("{key}[{k}]")),
                            None,
                            "Invalid string",
                        ));
                    };
                    out.insert(k.clone(), v.clone());
                }
                Ok(Some(Some(out)))
            }
            Some(_) => Err(ApiErr::invalid(Some(key), None, "Invalid hash")),
        }
    }

    /// `metadata`, validated with Stripe's limits (50 keys, keys up to 40 characters, values
    /// up to 500).
    pub(crate) fn metadata(&self) -> Result<Option<Option<BTreeMap<String, String>>>, ApiErr> {
        let map = self.string_map("metadata")?;
        if let Some(Some(m)) = &map {
            if m.len() > 50 {
                return Err(ApiErr::invalid(
                    Some("metadata"),
                    None,
                    "You can only specify up to 50 metadata keys.",
                ));
            }
            if let Some(k) = m.keys().find(|k| k.chars().count() > 40 || k.is_empty()) {
                return Err(ApiErr::invalid(
                    Some(&format!("metadata[{k}]")),
                    None,
                    "Metadata keys must be between 1 and 40 characters.",
                ));
            }
            if let Some(k) = m
                .iter()
                .find(|(_, v)| v.chars().count() > 500)
                .map(|(k, _)| k)
            {
                return Err(ApiErr::invalid(
                    Some(&format!("metadata[{k}]")),
                    None,
                    "Metadata values can have up to 500 characters.",
                ));
            }
        }
        Ok(map)
    }

    /// A time filter parameter.
    pub(crate) fn range(&self, key: &str) -> Result<Option<Range>, ApiErr> {
        let bad = |k: &str, s: &str| {
            ApiErr::invalid(
                Some(k),
                Some("parameter_invalid_integer"),
                &format!("Invalid integer: {s}"),
            )
        };
        match self.root.get(key) {
            None => Ok(None),
            Some(Param::Str(s)) => {
                let t = parse_int(s).ok_or_else(|| bad(key, s))?;
                Ok(Some(Range {
                    gte: Some(t),
                    lte: Some(t),
                    ..Range::default()
                }))
            }
            Some(Param::Map(map)) => {
                let mut range = Range::default();
                for (k, v) in map {
                    let name = format!("{key}[{k}]");
                    let s = v.as_str().ok_or_else(|| bad(&name, ""))?;
                    let t = parse_int(s).ok_or_else(|| bad(&name, s))?;
                    match k.as_str() {
                        "gt" => range.gt = Some(t),
                        "gte" => range.gte = Some(t),
                        "lt" => range.lt = Some(t),
                        "lte" => range.lte = Some(t),
                        _ => return Err(ApiErr::unknown_param(&name)),
                    }
                }
                Ok(Some(range))
            }
            Some(Param::List(_)) => Err(ApiErr::invalid(Some(key), None, "Invalid hash")),
        }
    }
}

/// A whole decimal integer (optional `-`), nothing else: `10.99` and `1e3` are rejected.
fn parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `a[b][]` into `["a", "b", ""]`; `None` when the brackets do not balance.
fn split_key(key: &str) -> Option<Vec<String>> {
    let (name, mut rest) = match key.find('[') {
        None => return (!key.is_empty() && !key.contains(']')).then(|| vec![key.to_owned()]),
        Some(i) => (&key[..i], &key[i..]),
    };
    if name.is_empty() || name.contains(']') {
        return None;
    }
    let mut path = vec![name.to_owned()];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        let segment = &inner[..close];
        if segment.contains('[') {
            return None;
        }
        path.push(segment.to_owned());
        rest = &inner[close + 1..];
    }
    Some(path)
}

/// Puts `value` at `path`; on a clash of shapes, the key where it happened.
fn insert(map: &mut BTreeMap<String, Param>, path: &[String], value: String) -> Result<(), String> {
    let Some((head, rest)) = path.split_first() else {
        return Ok(());
    };
    let Some((next, after)) = rest.split_first() else {
        // A scalar: the last one of repeated keys wins, but it may not replace a hash or list.
        return match map.get(head) {
            Some(Param::Map(_) | Param::List(_)) => Err(head.clone()),
            _ => {
                map.insert(head.clone(), Param::Str(value));
                Ok(())
            }
        };
    };
    if next.is_empty() {
        // `head[]=value`: only lists of scalars are written this way.
        if !after.is_empty() {
            return Err(head.clone());
        }
        let entry = map
            .entry(head.clone())
            .or_insert_with(|| Param::List(Vec::new()));
        return match entry {
            Param::List(items) => {
                items.push(Param::Str(value));
                Ok(())
            }
            _ => Err(head.clone()),
        };
    }
    let entry = map
        .entry(head.clone())
        .or_insert_with(|| Param::Map(BTreeMap::new()));
    match entry {
        Param::Map(inner) => insert(inner, rest, value).map_err(|k| format!("{head}[{k}]")),
        _ => Err(head.clone()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn brackets_nest_and_empty_brackets_make_lists() {
        let p = Params::parse(b"metadata%5Border_id%5D=1001&expand%5B%5D=a&expand%5B%5D=b&shipping[address][city]=Paris&amount=10").unwrap();
        assert_eq!(p.int("amount").unwrap(), Some(10));
        assert_eq!(p.expand().unwrap(), vec!["a", "b"]);
        let meta = p.metadata().unwrap().unwrap().unwrap();
        assert_eq!(meta.get("order_id").map(String::as_str), Some("1001"));
        let Some(Param::Map(shipping)) = p.get("shipping") else {
            panic!()
        };
        assert!(matches!(shipping.get("address"), Some(Param::Map(_))));
    }

    #[test]
    fn malformed_keys_and_clashes_are_errors_not_panics() {
        for raw in [
            "a[b=1",
            "a]=1",
            "[a]=1",
            "a=1&a[b]=2",
            "a[b]=1&a=2",
            "a[][b]=1",
            "a[x[y]]=1",
        ] {
            assert!(Params::parse(raw.as_bytes()).is_err(), "{raw}");
        }
        let p = Params::parse(b"amount=10.5&flag=yes").unwrap();
        assert!(p.int("amount").is_err());
        assert!(p.bool("flag").is_err());
        assert!(p.only(&["amount"]).is_err());
    }

    #[test]
    fn ranges_filter_by_bounds() {
        let p = Params::parse(b"created[gte]=10&created[lt]=20").unwrap();
        let r = p.range("created").unwrap().unwrap();
        assert!(r.contains(10) && r.contains(19) && !r.contains(20) && !r.contains(9));
        assert!(
            Params::parse(b"created[foo]=1")
                .unwrap()
                .range("created")
                .is_err()
        );
    }
}
