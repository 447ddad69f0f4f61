//! The frame every page shares (title, navigation, style), the error page, and the headers
//! every console response carries.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// The pages of the navigation, as (path, label).
const NAV: [(&str, &str); 8] = [
    ("/console", "Status"),
    ("/console/events", "Events"),
    ("/console/jobs", "Jobs"),
    ("/console/dead-letters", "Dead letters"),
    ("/console/breakers", "Breakers"),
    ("/console/checkpoints", "Checkpoints"),
    ("/console/reconciliations", "Reconciliations"),
    ("/console/fraud", "Fraud screen"),
];

/// Plain, readable on a phone, nothing fetched.
const STYLE: &str = "
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1f2328; }
header { background: #24292f; padding: .5rem 1rem; }
header a { color: #fff; margin-right: 1rem; text-decoration: none; }
header form { display: inline; }
header button { background: none; border: 1px solid #8c959f; color: #fff; cursor: pointer; }
main { padding: 1rem; max-width: 80rem; }
table { border-collapse: collapse; display: block; overflow-x: auto; }
th, td { text-align: left; padding: .25rem .75rem .25rem 0; border-bottom: 1px solid #d0d7de; vertical-align: top; }
td.n, th.n { text-align: right; }
pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; }
.notice { background: #dafbe1; border: 1px solid #2da44e; padding: .5rem .75rem; }
.error { background: #ffebe9; border: 1px solid #cf222e; padding: .5rem .75rem; }
.replay { font-size: 1rem; padding: .3rem 1rem; }
code { overflow-wrap: anywhere; }
";

/// A page of the console titled `title`, with the navigation (and the logout button).
pub(crate) fn frame(title: &str, body: Markup) -> Markup {
    document(title, true, body)
}

/// A page without the navigation (the login form: nothing else shows without the token).
pub(crate) fn bare(title: &str, body: Markup) -> Markup {
    document(title, false, body)
}

fn document(title: &str, navigation: bool, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · payops console" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                @if navigation {
                    header {
                        nav {
                            @for (path, label) in NAV {
                                a href=(path) { (label) }
                            }
                            form method="post" action="/console/logout" {
                                button type="submit" { "Log out" }
                            }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The page of an error answered with `status`.
pub(crate) fn error(status: StatusCode, message: &str) -> Markup {
    let title = status.canonical_reason().unwrap_or("Error");
    frame(
        title,
        html! {
            p.error { (message) }
        },
    )
}

/// The headers of every console response: nothing cached (the pages show live operations), no
/// script run, no framing, no referrer, no content sniffing.
pub(crate) async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
