//! `[routes]`: per-route IP allowlists.
//!
//! ```toml
//! [routes]
//! trusted_proxies = ["10.0.0.5"]          # optional: see below
//! [routes.allow]
//! "/webhooks/shopify" = ["203.0.113.0/24", "2001:db8::/32"]
//! "/metrics" = ["127.0.0.1"]
//! ```
//!
//! A request to a listed route from an address outside its networks is answered `403` before
//! its handler runs: a webhook refused so is neither verified nor stored. Routes not listed are
//! open. The address is the TCP peer's. Behind a reverse proxy every request comes from the
//! proxy: give the proxy its own rule, or list it in `trusted_proxies`, and then (only for
//! requests whose peer is a trusted proxy) the client is read from `X-Forwarded-For`: the
//! nearest address in it that is not itself a trusted proxy. `X-Forwarded-For` from anyone else
//! is ignored, since any client can write it; an unreadable entry counts as an unknown client,
//! refused. The proxy must append the peer it saw to the header (nginx's
//! `$proxy_add_x_forwarded_for`, HAProxy's `option forwardfor`).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use serde::Deserialize;

use crate::issues::Issues;

/// `[routes]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RoutesSection {
    allow: BTreeMap<String, Vec<String>>,
    trusted_proxies: Vec<String>,
}

/// Which networks may call which routes. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    routes: Arc<BTreeMap<String, Vec<IpNet>>>,
    trusted_proxies: Arc<Vec<IpNet>>,
}

/// An IP network (`203.0.113.0/24`, `2001:db8::/32`) or a single address.
fn network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}` is not an IP network like 203.0.113.0/24 or 2001:db8::/32"))
}

fn networks(key: &str, texts: &[String], issues: &mut Issues) -> Vec<IpNet> {
    texts
        .iter()
        .enumerate()
        .filter_map(|(i, text)| issues.check(&format!("{key}[{i}]"), network(text)))
        .collect()
}

impl RoutesSection {
    /// The section checked: every network parsed, and every listed route one the service
    /// serves (`paths`; `None` when the pairs are invalid and the routes unknown).
    pub(crate) fn validate(&self, paths: Option<&[String]>, issues: &mut Issues) -> Allowlist {
        let mut routes = BTreeMap::new();
        for (path, texts) in &self.allow {
            let key = format!("routes.allow.\"{path}\"");
            if let Some(paths) = paths.filter(|paths| !paths.contains(path)) {
                issues.push(
                    &key,
                    format!(
                        "the service has no such route (its routes: {})",
                        paths.join(", ")
                    ),
                );
            }
            routes.insert(path.clone(), networks(&key, texts, issues));
        }
        let trusted_proxies = networks("routes.trusted_proxies", &self.trusted_proxies, issues);
        Allowlist {
            routes: Arc::new(routes),
            trusted_proxies: Arc::new(trusted_proxies),
        }
    }
}

impl Allowlist {
    /// Whether any route is restricted.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Whether a request to `path` from the TCP peer `peer` (with these headers) may go on.
    pub fn allows(&self, path: &str, peer: IpAddr, headers: &HeaderMap) -> bool {
        let Some(networks) = route_of(self.routes.keys(), path).and_then(|r| self.routes.get(r))
        else {
            return true;
        };
        self.client(peer, headers)
            .is_some_and(|client| networks.iter().any(|net| net.contains(&client)))
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the nearest
    /// untrusted address of `X-Forwarded-For`. `None`: an entry there cannot be read.
    fn client(&self, peer: IpAddr, headers: &HeaderMap) -> Option<IpAddr> {
        // A dual-stack socket shows IPv4 peers as ::ffff:a.b.c.d.
        let mut client = peer.to_canonical();
        if !self.trusted(client) {
            return Some(client);
        }
        // Hops in the order they were added, across repeated headers; read from the nearest.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(|value| value.to_str().ok().unwrap_or("?").split(','))
            .collect();
        for hop in hops.iter().rev() {
            client = hop.trim().parse::<IpAddr>().ok()?.to_canonical();
            if !self.trusted(client) {
                break;
            }
        }
        Some(client)
    }

    fn trusted(&self, address: IpAddr) -> bool {
        self.trusted_proxies
            .iter()
            .any(|net| net.contains(&address))
    }
}

/// The route of `path` among `routes`: the one equal to it, else the longest one it is under
/// (`/console` for `/console/dead-letters/7`).
pub(crate) fn route_of<'a>(
    routes: impl IntoIterator<Item = &'a String>,
    path: &str,
) -> Option<&'a str> {
    routes
        .into_iter()
        .map(String::as_str)
        .filter(|route| {
            path == *route
                || path
                    .strip_prefix(route)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|route| route.len())
}

/// The middleware: `403` for a request the allowlist refuses. A request without a peer address
/// (a server started without `ConnectInfo`) to a listed route is refused too.
pub(crate) async fn guard(
    State(allow): State<Allowlist>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let allowed = match peer {
        Some(peer) => allow.allows(path, peer, request.headers()),
        None => route_of(allow.routes.keys(), path).is_none(),
    };
    if allowed {
        return next.run(request).await;
    }
    tracing::warn!(
        route = %path,
        peer = ?peer,
        "request refused: its address is not on the route's allowlist"
    );
    StatusCode::FORBIDDEN.into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn allowlist(text: &str, paths: &[&str]) -> (Allowlist, Issues) {
        let section: RoutesSection = toml::from_str(text).unwrap();
        let paths: Vec<String> = paths.iter().map(|p| (*p).to_owned()).collect();
        let mut issues = Issues::default();
        let allow = section.validate(Some(&paths), &mut issues);
        (allow, issues)
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn a_listed_route_takes_its_networks_only_and_others_stay_open() {
        let (allow, issues) = allowlist(
            r#"[allow]
            "/webhooks/shopify" = ["203.0.113.0/24", "2001:db8::/32", "198.51.100.7"]"#,
            &["/webhooks/shopify", "/ready"],
        );
        assert!(issues.is_empty(), "{issues}");
        let none = HeaderMap::new();
        for peer in [
            "203.0.113.9",
            "2001:db8::1",
            "198.51.100.7",
            "::ffff:203.0.113.200",
        ] {
            assert!(allow.allows("/webhooks/shopify", ip(peer), &none), "{peer}");
        }
        for peer in ["127.0.0.1", "198.51.100.8", "2001:db9::1"] {
            assert!(
                !allow.allows("/webhooks/shopify", ip(peer), &none),
                "{peer}"
            );
        }
        assert!(allow.allows("/ready", ip("127.0.0.1"), &none));
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let (allow, issues) = allowlist(
            r#"trusted_proxies = ["10.0.0.0/8"]
            [allow]
            "/metrics" = ["203.0.113.0/24"]"#,
            &["/metrics"],
        );
        assert!(issues.is_empty(), "{issues}");
        let spoofed = forwarded(&["203.0.113.5"]);
        // Straight from a client: its header is its own word, not evidence.
        assert!(!allow.allows("/metrics", ip("198.51.100.1"), &spoofed));
        // Through the proxy: the nearest untrusted hop, past a second proxy.
        assert!(allow.allows("/metrics", ip("10.1.1.1"), &spoofed));
        let chain = forwarded(&["203.0.113.5, 198.51.100.1", "10.2.2.2"]);
        assert!(!allow.allows("/metrics", ip("10.1.1.1"), &chain));
        let chain = forwarded(&["198.51.100.1, 203.0.113.5", "10.2.2.2"]);
        assert!(allow.allows("/metrics", ip("10.1.1.1"), &chain));
        assert!(!allow.allows("/metrics", ip("10.1.1.1"), &forwarded(&["junk"])));
        assert!(!allow.allows("/metrics", ip("10.1.1.1"), &HeaderMap::new()));
    }

    #[test]
    fn bad_networks_and_unknown_routes_are_named() {
        let (_, issues) = allowlist(
            r#"trusted_proxies = ["10.0.0.0/33"]
            [allow]
            "/webhooks/shopfy" = ["203.0.113.0/24", "not-an-ip"]"#,
            &["/webhooks/shopify", "/ready"],
        );
        let lines: Vec<String> = issues.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "routes.allow.\"/webhooks/shopfy\": the service has no such route (its routes: /webhooks/shopify, /ready)",
                "routes.allow.\"/webhooks/shopfy\"[1]: `not-an-ip` is not an IP network like 203.0.113.0/24 or 2001:db8::/32",
                "routes.trusted_proxies[0]: `10.0.0.0/33` is not an IP network like 203.0.113.0/24 or 2001:db8::/32",
            ]
        );
    }
}
