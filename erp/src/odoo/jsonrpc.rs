//! The legacy `/jsonrpc` transport (cargo feature `jsonrpc`), for Odoo 17 and 18.
//!
//! A JSON-RPC 2.0 `call` of the `object` service's
//! `execute_kw(db, uid, password, model, method, args, kwargs)`. The JSON-2 body (named
//! arguments plus `ids`) is translated: `ids` becomes the first positional argument, and for
//! `create` the `vals_list` too, because Odoo's `call_kw` for `create` reads `args[0]`
//! (`odoo/api.py`, `_call_kw_model_create`). Errors arrive as HTTP 200 with
//! `{"error": {"code", "message", "data": {name, message, arguments, context, debug}}}`, the
//! `data` being `serialize_exception` of `odoo/http.py`. The endpoint is deprecated since
//! Odoo 19 and scheduled for removal in Odoo 22.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::{Error, OdooErrorBody, OdooErrorKind};

pub(crate) fn execute_kw_request(
    database: &str,
    uid: i64,
    key: &str,
    model: &str,
    method: &str,
    body: Value,
) -> Value {
    let mut kwargs = match body {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    let mut args = Vec::new();
    if let Some(ids) = kwargs.remove("ids") {
        args.push(ids);
    }
    if method == "create" {
        if let Some(vals) = kwargs.remove("vals_list") {
            args.push(vals);
        }
    }
    json!({
        "jsonrpc": "2.0",
        "method": "call",
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [database, uid, key, model, method, args, kwargs],
        },
        "id": 1,
    })
}

pub(crate) fn login_request(database: &str, login: &str, key: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "method": "call",
        "params": {"service": "common", "method": "login", "args": [database, login, key]},
        "id": 1,
    })
}

/// Unwraps `result`, or maps `error.data` to a typed error.
pub(crate) fn response<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let mut envelope: serde_json::Map<String, Value> =
        serde_path_to_error::deserialize(de).map_err(Error::decode)?;
    if let Some(error) = envelope.remove("error") {
        let mut body = error
            .get("data")
            .cloned()
            .and_then(|d| serde_json::from_value::<OdooErrorBody>(d).ok())
            .unwrap_or_default();
        if body.message.is_empty() {
            body.message = error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("JSON-RPC error")
                .to_owned();
        }
        return Err(if body.kind() == OdooErrorKind::AccessDenied {
            Error::Auth {
                message: body.message,
            }
        } else {
            Error::Api {
                status: 200,
                body: Box::new(body),
            }
        });
    }
    let result = envelope.remove("result").ok_or_else(|| Error::Decode {
        path: "result".into(),
        message: "neither result nor error in the JSON-RPC response".into(),
    })?;
    serde_path_to_error::deserialize(result).map_err(|e| {
        let path = e.path().to_string();
        Error::Decode {
            path: format!(
                "result{}",
                if path == "." {
                    String::new()
                } else {
                    format!(".{path}")
                }
            ),
            message: e.into_inner().to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ids_and_vals_list_become_positional() {
        let body = execute_kw_request(
            "db",
            2,
            "k",
            "res.partner",
            "create",
            json!({"vals_list": [{"name": "x"}], "context": {"lang": "en_US"}}),
        );
        assert_eq!(
            body["params"]["args"],
            json!(["db", 2, "k", "res.partner", "create", [[{"name": "x"}]], {"context": {"lang": "en_US"}}])
        );
        let body = execute_kw_request(
            "db",
            2,
            "k",
            "account.move",
            "read",
            json!({"ids": [1, 2], "fields": ["ref"]}),
        );
        assert_eq!(
            body["params"]["args"],
            json!(["db", 2, "k", "account.move", "read", [[1, 2]], {"fields": ["ref"]}])
        );
    }

    #[test]
    fn errors_in_a_200_body_are_typed() {
        let err = response::<Value>(br#"{"jsonrpc": "2.0", "id": 1, "error": {"code": 200, "message": "Odoo Server Error",
            "data": {"name": "odoo.exceptions.UserError", "message": "No.", "arguments": ["No."], "context": {}, "debug": "tb"}}}"#).unwrap_err();
        assert_eq!(err.odoo_kind(), Some(OdooErrorKind::UserError));
        let err = response::<Value>(
            br#"{"error": {"code": 200, "message": "Odoo Server Error",
            "data": {"name": "odoo.exceptions.AccessDenied", "message": "Access Denied"}}}"#,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Auth { .. }));
        let err = response::<Vec<i64>>(br#"{"result": [1, "x"]}"#).unwrap_err();
        assert!(
            matches!(&err, Error::Decode { path, .. } if path == "result.[1]"),
            "{err:?}"
        );
        assert_eq!(
            response::<Vec<i64>>(br#"{"jsonrpc": "2.0", "id": 1, "result": [3]}"#).unwrap(),
            vec![3]
        );
    }
}
