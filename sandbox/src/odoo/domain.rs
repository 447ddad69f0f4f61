//! Odoo search domains: prefix-notation `&`, `|`, `!` over `[field, operator, value]` leaves,
//! the leaves of one list being implicitly and-ed.

use std::cmp::Ordering;

use serde_json::Value;

use super::error::{OdooError, OdooResult};
use super::schema::{Kind, Val, decimal};

/// The operators the fake evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    In,
    NotIn,
    Lt,
    Le,
    Gt,
    Ge,
    Like { insensitive: bool, negated: bool },
    EqLike { insensitive: bool },
}

impl Op {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "=" | "==" => Op::Eq,
            "!=" | "<>" => Op::Ne,
            "in" => Op::In,
            "not in" => Op::NotIn,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "like" => Op::Like {
                insensitive: false,
                negated: false,
            },
            "ilike" => Op::Like {
                insensitive: true,
                negated: false,
            },
            "not like" => Op::Like {
                insensitive: false,
                negated: true,
            },
            "not ilike" => Op::Like {
                insensitive: true,
                negated: true,
            },
            "=like" => Op::EqLike { insensitive: false },
            "=ilike" => Op::EqLike { insensitive: true },
            _ => return None,
        })
    }
}

/// A parsed domain.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    True,
    False,
    Leaf { path: String, op: Op, value: Value },
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
}

fn invalid(domain: &Value) -> OdooError {
    OdooError::value(format!("Invalid domain: {domain}"))
}

/// Longest domain accepted (bounds the depth of the parsed tree).
const MAX_TERMS: usize = 512;
/// Most relations a dotted path may cross.
const MAX_PATH: usize = 8;

/// Parses a domain (`[]`, `false` and `null` match everything).
pub(crate) fn parse(domain: &Value) -> OdooResult<Node> {
    let items = match domain {
        Value::Null | Value::Bool(false) => return Ok(Node::True),
        Value::Array(items) => items,
        _ => return Err(invalid(domain)),
    };
    if items.len() > MAX_TERMS {
        return Err(OdooError::value(format!(
            "Domains of more than {MAX_TERMS} terms are not supported"
        )));
    }
    let mut stack: Vec<Node> = Vec::new();
    for item in items.iter().rev() {
        match item {
            Value::String(op) if op == "!" => {
                let a = stack.pop().ok_or_else(|| invalid(domain))?;
                stack.push(Node::Not(Box::new(a)));
            }
            Value::String(op) if op == "&" || op == "|" => {
                let a = stack.pop().ok_or_else(|| invalid(domain))?;
                let b = stack.pop().ok_or_else(|| invalid(domain))?;
                stack.push(if op == "&" {
                    Node::And(Box::new(a), Box::new(b))
                } else {
                    Node::Or(Box::new(a), Box::new(b))
                });
            }
            Value::Array(leaf) if leaf.len() == 3 => stack.push(parse_leaf(leaf, item)?),
            _ => return Err(OdooError::value(format!("Invalid leaf {item}"))),
        }
    }
    let mut node = Node::True;
    // The stack holds the top-level terms last-first: and them in order.
    while let Some(term) = stack.pop() {
        node = if node == Node::True {
            term
        } else {
            Node::And(Box::new(node), Box::new(term))
        };
    }
    Ok(node)
}

fn parse_leaf(leaf: &[Value], item: &Value) -> OdooResult<Node> {
    let op = leaf[1]
        .as_str()
        .and_then(Op::parse)
        .ok_or_else(|| OdooError::value(format!("Invalid leaf {item}")))?;
    match &leaf[0] {
        Value::String(path) if path.split('.').count() > MAX_PATH => Err(OdooError::value(
            format!("Invalid leaf {item}: path too long"),
        )),
        Value::String(path) if !path.is_empty() => {
            if matches!(op, Op::In | Op::NotIn) && !leaf[2].is_array() {
                return Err(OdooError::value(format!(
                    "Invalid leaf {item}: 'in' needs a list"
                )));
            }
            Ok(Node::Leaf {
                path: path.clone(),
                op,
                value: leaf[2].clone(),
            })
        }
        // TRUE_LEAF `[1, "=", 1]` and FALSE_LEAF `[0, "=", 1]`.
        Value::Number(n) if op == Op::Eq && leaf[2].as_i64() == Some(1) => {
            Ok(if n.as_i64() == Some(1) {
                Node::True
            } else {
                Node::False
            })
        }
        _ => Err(OdooError::value(format!("Invalid leaf {item}"))),
    }
}

/// A query value in the shape of a stored value of `kind`.
fn coerce(kind: Kind, value: &Value) -> Option<Val> {
    Some(match value {
        Value::Bool(false) | Value::Null => Val::False,
        Value::Bool(true) => Val::Bool(true),
        Value::String(s) => Val::Str(s.clone()),
        Value::Number(n) => match kind {
            Kind::Float | Kind::Monetary => Val::Dec(decimal(value)?),
            _ => n
                .as_i64()
                .map_or_else(|| decimal(value).map(Val::Dec), |i| Some(Val::Int(i)))?,
        },
        _ => return None,
    })
}

fn equal(kind: Kind, stored: &Val, query: &Val) -> bool {
    match (stored, query) {
        (Val::Ids(ids), Val::Int(id)) => ids.contains(id),
        (Val::Ids(ids), Val::False) => ids.is_empty(),
        (Val::Bool(false) | Val::False, Val::False) => true,
        (Val::False, _) | (_, Val::False) => {
            // Empty numbers read as 0 but are NULL for `= False`.
            matches!(kind, Kind::Integer | Kind::Float | Kind::Monetary)
                && !stored.truthy()
                && !query.truthy()
        }
        (Val::Str(a), Val::Str(b)) => a == b,
        (Val::Bool(a), Val::Bool(b)) => a == b,
        (Val::Str(_), _) | (_, Val::Str(_)) => false,
        (a, b) => a.as_dec() == b.as_dec(),
    }
}

/// `=like` patterns: `%` any run, `_` one character (greedy with backtracking to the last
/// `%`, linear in practice and never exponential).
fn like(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('%') => {
                star = Some((p, t));
                p += 1;
            }
            Some(c) if *c == '_' || *c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|c| *c == '%')
}

/// Whether a stored value of `kind` satisfies `op value`.
pub(crate) fn matches(kind: Kind, stored: &Val, op: Op, value: &Value) -> OdooResult<bool> {
    let bad = || {
        OdooError::value(format!(
            "Invalid value {value} for a {} field",
            kind.type_name()
        ))
    };
    let one = |v: &Value| coerce(kind, v).ok_or_else(bad);
    Ok(match op {
        Op::Eq => equal(kind, stored, &one(value)?),
        Op::Ne => !equal(kind, stored, &one(value)?),
        Op::In | Op::NotIn => {
            let list = value.as_array().ok_or_else(bad)?;
            let mut found = false;
            for v in list {
                found |= equal(kind, stored, &one(v)?);
            }
            found == (op == Op::In)
        }
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let query = one(value)?;
            if matches!(stored, Val::False) || matches!(query, Val::False) {
                false
            } else {
                let ord = stored.compare(&query);
                match op {
                    Op::Lt => ord == Ordering::Less,
                    Op::Le => ord != Ordering::Greater,
                    Op::Gt => ord == Ordering::Greater,
                    _ => ord != Ordering::Less,
                }
            }
        }
        Op::Like {
            insensitive,
            negated,
        } => {
            let needle = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return Err(bad()),
            };
            let hit = match stored.as_str() {
                Some(text) if insensitive => text.to_lowercase().contains(&needle.to_lowercase()),
                Some(text) => text.contains(&needle),
                None => false,
            };
            hit != negated
        }
        Op::EqLike { insensitive } => {
            let pattern = value.as_str().ok_or_else(bad)?;
            let fold = |s: &str| {
                if insensitive {
                    s.to_lowercase()
                } else {
                    s.to_owned()
                }
            };
            stored.as_str().is_some_and(|text| {
                let p: Vec<char> = fold(pattern).chars().collect();
                let t: Vec<char> = fold(text).chars().collect();
                like(&p, &t)
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn prefix_operators_and_implicit_and() {
        let d = parse(&json!([
            "|",
            ["a", "=", 1],
            ["b", "=", 2],
            ["c", "in", [3]]
        ]))
        .unwrap_or(Node::False);
        let Node::And(first, second) = d else {
            panic!("{d:?}")
        };
        assert!(matches!(*first, Node::Or(..)));
        assert!(matches!(*second, Node::Leaf { op: Op::In, .. }));
        assert!(parse(&json!(["&", ["a", "=", 1]])).is_err());
        assert!(parse(&json!([["a", "~", 1]])).is_err());
        assert!(parse(&json!("x")).is_err());
        assert_eq!(parse(&json!([])).ok(), Some(Node::True));
    }

    #[test]
    fn leaves_compare_like_odoo() {
        let s = Val::Str("INV/2026/00001".into());
        assert_eq!(
            matches(Kind::Char, &s, Op::Eq, &json!("INV/2026/00001")).ok(),
            Some(true)
        );
        assert_eq!(
            matches(
                Kind::Char,
                &s,
                Op::Like {
                    insensitive: true,
                    negated: false
                },
                &json!("inv")
            )
            .ok(),
            Some(true)
        );
        assert_eq!(
            matches(
                Kind::Char,
                &s,
                Op::EqLike { insensitive: false },
                &json!("INV/%/0000_")
            )
            .ok(),
            Some(true)
        );
        assert_eq!(
            matches(Kind::Char, &Val::False, Op::Eq, &json!(false)).ok(),
            Some(true)
        );
        assert_eq!(
            matches(
                Kind::Many2one("res.partner"),
                &Val::Int(4),
                Op::In,
                &json!([3, 4])
            )
            .ok(),
            Some(true)
        );
        assert_eq!(
            matches(
                Kind::Monetary,
                &Val::Dec(rust_decimal::Decimal::new(374, 1)),
                Op::Gt,
                &json!(37)
            )
            .ok(),
            Some(true)
        );
        assert!(matches(Kind::Char, &s, Op::In, &json!("x")).is_err());
    }

    #[test]
    fn like_patterns_match_in_linear_time() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert!(like(&chars("a%c"), &chars("abbbc")));
        assert!(like(&chars("%"), &chars("")));
        assert!(like(&chars("a_c%"), &chars("abc")));
        assert!(!like(&chars("a_c"), &chars("ac")));
        assert!(!like(&chars("%b"), &chars("abc")));
        let pattern = format!("{}x", "%".repeat(200));
        assert!(!like(&chars(&pattern), &chars(&"a".repeat(5000))));
    }

    #[test]
    fn oversized_domains_are_refused() {
        let mut long = vec![json!("!"); 600];
        long.push(json!(["a", "=", 1]));
        assert!(parse(&Value::Array(long)).is_err());
        let path = vec!["partner_id"; 20].join(".");
        assert!(parse(&json!([[path, "=", 1]])).is_err());
    }
}
