//! A subset of Stripe's search query language for `GET /v1/customers/search`:
//! `field:'value'` (exact, case-insensitive) and `field~'value'` (substring, 3 characters or
//! more) on `email`, `name`, `phone`, `description` and `metadata['key']`, a leading `-` to
//! negate, clauses joined by `AND` or by `OR` (not both, as in Stripe).

use super::state::Customer;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Email,
    Name,
    Phone,
    Description,
    Metadata(String),
}

#[derive(Debug, Clone)]
struct Clause {
    field: Field,
    substring: bool,
    negate: bool,
    value: String,
}

/// A parsed query.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    clauses: Vec<Clause>,
    any: bool,
}

impl Query {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let (parts, joiners) = split(text)?;
        let any = match (joiners.contains(&"AND"), joiners.contains(&"OR")) {
            (true, true) => return Err("AND and OR cannot be combined in one query".into()),
            (_, or) => or,
        };
        let clauses = parts
            .iter()
            .map(|p| clause(p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Query { clauses, any })
    }

    pub(crate) fn matches(&self, c: &Customer) -> bool {
        let test = |cl: &Clause| {
            let value = match &cl.field {
                Field::Email => c.email.clone(),
                Field::Name => c.name.clone(),
                Field::Phone => c.phone.clone(),
                Field::Description => c.description.clone(),
                Field::Metadata(k) => c.metadata.get(k).cloned(),
            };
            let hit = value.is_some_and(|v| {
                let v = v.to_lowercase();
                let want = cl.value.to_lowercase();
                if cl.substring {
                    v.contains(&want)
                } else {
                    v == want
                }
            });
            hit != cl.negate
        };
        if self.any {
            self.clauses.iter().any(test)
        } else {
            self.clauses.iter().all(test)
        }
    }
}

/// Splits on ` AND ` / ` OR ` outside quotes.
fn split(text: &str) -> Result<(Vec<String>, Vec<&'static str>), String> {
    let mut parts = Vec::new();
    let mut joiners = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for word in text.split(' ') {
        if quote.is_none() && (word == "AND" || word == "OR") {
            if current.trim().is_empty() {
                return Err(format!("'{word}' needs a clause on each side"));
            }
            parts.push(std::mem::take(&mut current));
            joiners.push(if word == "AND" { "AND" } else { "OR" });
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        for ch in word.chars() {
            match (quote, ch) {
                (None, '\'' | '"') => quote = Some(ch),
                (Some(q), c) if c == q => quote = None,
                _ => {}
            }
        }
    }
    if quote.is_some() {
        return Err("unterminated quote".into());
    }
    if current.trim().is_empty() {
        return Err("empty clause".into());
    }
    parts.push(current);
    Ok((parts, joiners))
}

fn unquote(s: &str) -> Option<&str> {
    let s = s.trim();
    let first = s.chars().next()?;
    if (first == '\'' || first == '"') && s.len() >= 2 && s.ends_with(first) {
        Some(&s[1..s.len() - 1])
    } else {
        None
    }
}

fn clause(text: &str) -> Result<Clause, String> {
    let text = text.trim();
    let (negate, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let at = text
        .find([':', '~'])
        .ok_or_else(|| format!("'{text}' is not of the form field:'value'"))?;
    // `metadata['k']:'v'`: the operator is the first ':'/'~' after the closing bracket.
    let (field_text, op, value_text) = if let Some(rest) = text.strip_prefix("metadata[") {
        let close = rest.find(']').ok_or("unclosed metadata[")?;
        let key = unquote(&rest[..close]).ok_or("metadata keys must be quoted")?;
        let after = &rest[close + 1..];
        let op = after.chars().next().ok_or("missing operator")?;
        (Field::Metadata(key.to_owned()), op, &after[op.len_utf8()..])
    } else {
        let op = text[at..].chars().next().ok_or("missing operator")?;
        let field = match &text[..at] {
            "email" => Field::Email,
            "name" => Field::Name,
            "phone" => Field::Phone,
            "description" => Field::Description,
            other => return Err(format!("unsupported field '{other}'")),
        };
        (field, op, &text[at + op.len_utf8()..])
    };
    let substring = match op {
        ':' => false,
        '~' => true,
        other => return Err(format!("unsupported operator '{other}'")),
    };
    let value = unquote(value_text)
        .ok_or("values must be quoted")?
        .to_owned();
    if substring && value.chars().count() < 3 {
        return Err("substring matches need at least 3 characters".into());
    }
    Ok(Clause {
        field: field_text,
        substring,
        negate,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_supported_forms_and_rejects_the_rest() {
        assert!(Query::parse("email:'jenny@example.com'").is_ok());
        assert!(Query::parse("metadata['erp_id']:'C-42' AND name~\"Jen Ro\"").is_ok());
        assert!(Query::parse("-email:'a@b.c' OR phone:'1'").is_ok());
        for bad in [
            "",
            "email",
            "email:jenny",
            "a:'b'",
            "x:'1' AND y:'2' OR z:'3'",
            "email:'x",
            "name~'ab'",
            "AND email:'x'",
        ] {
            assert!(Query::parse(bad).is_err(), "{bad}");
        }
    }
}
