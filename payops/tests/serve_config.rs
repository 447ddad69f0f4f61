//! `payops serve --config` run as an operator runs it, with files that are wrong: each fails at
//! start, exit 2, naming the key (and the file), never showing a secret, and opening nothing.
//! `--check` passes on the repository's `payops.example.toml`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The secrets the files below reference, by environment variable.
const SECRETS: [(&str, &str); 5] = [
    ("T_SHOPIFY_TOKEN", "shpat_test_token_5d0e"),
    ("T_SHOPIFY_WEBHOOK", "shpss_test_secret_77a1"),
    ("T_PAYTRACE_USER", "paytrace-user-3b9c"),
    ("T_PAYTRACE_PASSWORD", "paytrace-password-e4f2"),
    ("T_PAYTRACE_INTEGRATOR", "INTEGRATOR1c8d"),
];

/// A valid Shopify + PayTrace file whose store and ledger are in `dir`; `shopify` replaces the
/// `[shopify_paytrace.shopify]` table's body and `extra` is appended.
fn config(dir: &Path, shopify: &str, extra: &str) -> String {
    let db = |name: &str| dir.join(name).display().to_string();
    format!(
        r#"[store]
sqlite = "{store}"
[ledger]
sqlite = "{ledger}"
[runtime]
listen = "127.0.0.1:0"
[shopify_paytrace.shopify]
{shopify}
[shopify_paytrace.paytrace]
username = {{ env = "T_PAYTRACE_USER" }}
password = {{ env = "T_PAYTRACE_PASSWORD" }}
integrator_id = {{ env = "T_PAYTRACE_INTEGRATOR" }}
account = "merchant-7"
{extra}"#,
        store = db("flows.sqlite"),
        ledger = db("ledger.sqlite"),
    )
}

const SHOPIFY: &str = r#"shop = "demo.myshopify.com"
access_token = { env = "T_SHOPIFY_TOKEN" }
webhook_secret = { env = "T_SHOPIFY_WEBHOOK" }"#;

/// Writes `text` as the config file in `dir` and runs `payops serve` on it with `args`.
fn serve(dir: &Path, text: &str, args: &[&str]) -> Output {
    let path = dir.join("payops.toml");
    std::fs::write(&path, text).unwrap();
    run(&path, args)
}

fn run(path: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_payops"));
    command.args(["serve", "--config"]).arg(path).args(args);
    for (name, value) in SECRETS {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts that the service refused to start (exit 2) with `expected` in its error, showed no
/// secret, and created neither database.
fn refused(dir: &Path, out: &Output, expected: &[&str]) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for part in expected {
        assert!(stderr.contains(part), "`{part}` not in:\n{stderr}");
    }
    for (_, secret) in SECRETS {
        assert!(!stderr.contains(secret), "a secret in:\n{stderr}");
    }
    assert!(!dir.join("flows.sqlite").exists(), "the store was opened");
    assert!(!dir.join("ledger.sqlite").exists(), "the ledger was opened");
}

#[test]
fn a_valid_file_passes_check_and_opens_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = serve(dir.path(), &config(dir.path(), SHOPIFY, ""), &["--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "valid (pairs: shopify_paytrace; routes: /webhooks/shopify, /ready, /metrics)"
        ),
        "{stdout}"
    );
    assert!(!dir.path().join("flows.sqlite").exists());
}

#[test]
fn an_unknown_key_is_refused_with_its_path_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = config(
        dir.path(),
        SHOPIFY,
        "pasword = { env = \"T_PAYTRACE_PASSWORD\" }\n",
    );
    let out = serve(dir.path(), &text, &[]);
    refused(
        dir.path(),
        &out,
        &["line 16: shopify_paytrace.paytrace.pasword: unknown field `pasword`"],
    );
    let out = serve(
        dir.path(),
        &format!("{text}[metrcs]\nenabled = true\n"),
        &["--check"],
    );
    refused(dir.path(), &out, &["unknown field"]);
}

#[test]
fn a_missing_secret_variable_is_named_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let shopify = SHOPIFY.replace("T_SHOPIFY_TOKEN", "T_UNSET_TOKEN_VAR");
    let out = serve(dir.path(), &config(dir.path(), &shopify, ""), &[]);
    refused(
        dir.path(),
        &out,
        &[
            "shopify_paytrace.shopify.access_token: environment variable T_UNSET_TOKEN_VAR is not set",
        ],
    );
}

#[cfg(unix)]
#[test]
fn a_secret_file_others_may_read_is_refused_naming_the_file_and_the_key() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("webhook-secret");
    std::fs::write(&secret, "shpss_from_a_file_0a9b\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let shopify = SHOPIFY.replace(
        "{ env = \"T_SHOPIFY_WEBHOOK\" }",
        &format!("{{ file = \"{}\" }}", secret.display()),
    );
    let text = config(dir.path(), &shopify, "");
    let out = serve(dir.path(), &text, &[]);
    let expected = format!(
        "shopify_paytrace.shopify.webhook_secret: secret file {} is readable by its group and others (mode 0644); chmod 600 it",
        secret.display()
    );
    refused(dir.path(), &out, &[&expected]);
    assert!(!text_of(&out).contains("shpss_from_a_file_0a9b"));

    // Once only its owner may read it, the same file is taken.
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = serve(dir.path(), &text, &["--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
}

fn text_of(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

#[test]
fn a_plain_string_secret_is_refused_without_being_shown() {
    let dir = tempfile::tempdir().unwrap();
    let shopify = SHOPIFY.replace(
        "{ env = \"T_SHOPIFY_WEBHOOK\" }",
        "\"shpss_written_in_the_file_6e2f\"",
    );
    let out = serve(dir.path(), &config(dir.path(), &shopify, ""), &[]);
    refused(
        dir.path(),
        &out,
        &[
            "shopify_paytrace.shopify.webhook_secret: a secret cannot be written in the config file; give it as { env = \"NAME\" } or { file = \"/path\" }",
        ],
    );
    assert!(!text_of(&out).contains("shpss_written_in_the_file_6e2f"));
}

#[test]
fn a_bad_network_and_a_bad_url_are_named_together_with_every_other_problem() {
    let dir = tempfile::tempdir().unwrap();
    let shopify = format!("{SHOPIFY}\napi_url = \"not a url\"");
    let extra = r#"[routes.allow]
"/webhooks/shopify" = ["203.0.113.0/24", "10.0.0.0/33"]
"/webhooks/stripe" = ["127.0.0.1"]
"#;
    let text = config(dir.path(), &shopify, extra).replace(
        "listen = \"127.0.0.1:0\"",
        "listen = \"127.0.0.1:0\"\nconcurrency = 0",
    );
    let out = serve(dir.path(), &text, &[]);
    refused(
        dir.path(),
        &out,
        &[
            "runtime.concurrency: must be at least 1",
            "shopify_paytrace.shopify.api_url: not a URL",
            "routes.allow.\"/webhooks/shopify\"[1]: `10.0.0.0/33` is not an IP network",
        ],
    );
    // With the pair valid, the routes are known: one the service lacks is named.
    let out = serve(dir.path(), &config(dir.path(), SHOPIFY, extra), &[]);
    refused(
        dir.path(),
        &out,
        &[
            "routes.allow.\"/webhooks/stripe\": the service has no such route (its routes: /webhooks/shopify, /ready, /metrics)",
        ],
    );
}

#[test]
fn a_file_without_a_pair_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[store]\nsqlite = \"{0}/flows.sqlite\"\n[ledger]\nsqlite = \"{0}/ledger.sqlite\"\n",
        dir.path().display()
    );
    let out = serve(dir.path(), &text, &[]);
    refused(
        dir.path(),
        &out,
        &[".: no pair to run: add a [shopify_paytrace] or a [magento_stripe] section, or both"],
    );
}

#[test]
fn the_example_file_passes_check_with_its_secrets_set() {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../payops.example.toml");
    let mut command = Command::new(env!("CARGO_BIN_EXE_payops"));
    command.args(["serve", "--check", "--config"]).arg(&example);
    for name in [
        "SHOPIFY_ACCESS_TOKEN",
        "SHOPIFY_WEBHOOK_SECRET",
        "PAYTRACE_USERNAME",
        "PAYTRACE_PASSWORD",
        "PAYTRACE_INTEGRATOR_ID",
        "MAGENTO_CONSUMER_KEY",
        "MAGENTO_CONSUMER_SECRET",
        "MAGENTO_ACCESS_TOKEN",
        "MAGENTO_ACCESS_TOKEN_SECRET",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "PAYOPS_CONSOLE_TOKEN",
        "PAYOPS_NOTIFY_SECRET",
    ] {
        command.env(name, format!("{name}-value"));
    }
    command.env(
        "PAYOPS_NOTIFY_WEBHOOK_URL",
        "https://hooks.slack.com/services/T000/B000/XXXX",
    );
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("valid (pairs: shopify_paytrace, magento_stripe; routes: /webhooks/shopify, /webhooks/stripe, /ready, /metrics, /console)"),
        "{stdout}"
    );

    // Without them, every missing variable is named at once.
    let out = Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["serve", "--check", "--config"])
        .arg(&example)
        .env_remove("STRIPE_SECRET_KEY")
        .env_remove("PAYTRACE_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    for line in [
        "shopify_paytrace.paytrace.password: environment variable PAYTRACE_PASSWORD is not set",
        "magento_stripe.stripe.secret_key: environment variable STRIPE_SECRET_KEY is not set",
    ] {
        assert!(stderr.contains(line), "{stderr}");
    }
}

#[test]
fn console_and_notifier_mistakes_are_named_by_key_and_never_show_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let extra = r#"[console]
token = { env = "T_CONSOLE_SHORT" }
public_url = "ftp://ops.example.com"
[[notify.webhook]]
url = "https://hooks.slack.com/services/T000/B000/plain-in-the-file"
secret = { env = "T_NOTIFY_SECRET" }
timeout_ms = 0
[[notify.email]]
host = "smtp.example.com"
security = "plain"
user = "payops"
password = { env = "T_SMTP_PASSWORD" }
from = "not an address"
to = ["ops@example.com"]
[[notify.email]]
host = "smtp.example.com"
security = "ssl"
from = "payops@example.com"
to = []
[[notify.email]]
host = "smtp.example.com"
security = "plain"
user = "payops"
password = { env = "T_SMTP_PASSWORD" }
from = "payops@example.com"
to = ["ops@example.com"]
"#;
    let path = dir.path().join("payops.toml");
    std::fs::write(&path, config(dir.path(), SHOPIFY, extra)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["serve", "--config"])
        .arg(&path)
        .envs(SECRETS)
        .env("T_CONSOLE_SHORT", "short-token")
        .env("T_NOTIFY_SECRET", "notify-secret-9f2e")
        .env("T_SMTP_PASSWORD", "smtp-password-41aa")
        .output()
        .unwrap();
    refused(
        dir.path(),
        &out,
        &[
            "console.token: environment variable T_CONSOLE_SHORT is shorter than 16 characters",
            "console.public_url: `ftp:` is not http or https",
            "notify.webhook[0].url: a secret cannot be written in the config file",
            "notify.webhook[0].timeout_ms: must be at least 1",
            "notify.email[0].from: \"not an address\"",
            "notify.email[1].security: `ssl` is not tls, starttls or plain",
            "notify.email[2].credentials: a password is never sent without TLS",
        ],
    );
    let stderr = text(&out.stderr);
    for secret in [
        "short-token",
        "plain-in-the-file",
        "notify-secret-9f2e",
        "smtp-password-41aa",
    ] {
        assert!(!stderr.contains(secret), "{secret} in:\n{stderr}");
    }
}

#[test]
fn a_console_and_notifiers_pass_check_and_the_console_is_a_route() {
    let dir = tempfile::tempdir().unwrap();
    let extra = r#"[console]
token = { env = "T_CONSOLE_TOKEN" }
[[notify.webhook]]
url = { env = "T_SLACK_URL" }
secret = { env = "T_NOTIFY_SECRET" }
[[notify.email]]
host = "127.0.0.1"
port = 2525
security = "plain"
from = "payops <payops@example.com>"
to = ["ops@example.com"]
[routes.allow]
"/console" = ["127.0.0.1/32"]
"#;
    let path = dir.path().join("payops.toml");
    std::fs::write(&path, config(dir.path(), SHOPIFY, extra)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["serve", "--check", "--config"])
        .arg(&path)
        .envs(SECRETS)
        .env("T_CONSOLE_TOKEN", "a-console-token-of-32-characters")
        .env(
            "T_SLACK_URL",
            "https://hooks.slack.com/services/T000/B000/XXXX",
        )
        .env("T_NOTIFY_SECRET", "notify-secret-9f2e")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(stdout.contains("/console"), "{stdout}");
    assert!(
        !stdout.contains("XXXX") && !stdout.contains("a-console-token"),
        "{stdout}"
    );
}

/// `file` parsed in this process, whose secrets come from files in `dir` rather than from its
/// environment.
fn parsed(dir: &Path, file: &str) -> payops::Config {
    let mut file = file.to_owned();
    for (name, value) in SECRETS {
        use std::os::unix::fs::PermissionsExt;
        let secret = dir.join(name);
        std::fs::write(&secret, value).unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        file = file.replace(
            &format!("{{ env = \"{name}\" }}"),
            &format!("{{ file = \"{}\" }}", secret.display()),
        );
    }
    payops::Config::parse(&file, Path::new("payops.toml")).unwrap()
}

/// A `[fraud]` section with `body`, after the pair's.
fn with_fraud(dir: &Path, body: &str) -> String {
    config(dir, SHOPIFY, &format!("[fraud]\n{body}\n"))
}

#[test]
fn a_fraud_section_passes_check_and_its_settings_reach_the_pair() {
    let dir = tempfile::tempdir().unwrap();
    let velocity = dir.path().join("velocity.sqlite");
    let body = format!(
        "velocity = \"{}\"\nhigh_amount_minor = 50000\nreview_at = 40.0\nrefuse_at = 80.0",
        velocity.display()
    );
    let file = with_fraud(dir.path(), &body);

    let out = serve(dir.path(), &file, &["--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!velocity.exists(), "--check opened the velocity store");

    let config = parsed(dir.path(), &file);
    let fraud = config.pairs.fraud.clone().expect("no fraud screen");
    assert_eq!(fraud.model, None);
    assert_eq!(fraud.velocity, velocity);
    assert_eq!(fraud.high_amount_minor, 50_000);
    assert!(
        !fraud.velocity_index,
        "the index is asked for, never a default"
    );
    assert_eq!(
        fraud.thresholds,
        Some(fraud::Thresholds::new(40.0, 80.0).unwrap())
    );
    // Built with the screen: its velocity store is opened (made) with the workflows.
    let ledger: std::sync::Arc<dyn erp::Erp> =
        std::sync::Arc::new(erp::LocalLedger::open_in_memory().unwrap());
    let store: std::sync::Arc<dyn flows::Store> =
        std::sync::Arc::new(flows::SqliteStore::open(dir.path().join("flows.sqlite")).unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(
        config
            .pairs
            .assemble(store, ledger, flows::WorkerConfig::new("test")),
    )
    .unwrap();
    assert!(velocity.exists(), "the pairs were built without the screen");
}

#[test]
fn a_bad_fraud_section_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let velocity = dir.path().join("velocity.sqlite").display().to_string();
    let missing = dir.path().join("no-model.json").display().to_string();
    let cases = [
        (
            format!("velocity = \"{velocity}\"\nhigh_amount_minor = 0"),
            "fraud.high_amount_minor: must be at least 1",
        ),
        (
            format!("velocity = \"{velocity}\"\nhigh_amount_minor = 100\nmodel = \"{missing}\""),
            "fraud.model: no file at",
        ),
        (
            format!("velocity = \"{velocity}\"\nhigh_amount_minor = 100\nreview_at = 50.0"),
            "fraud.refuse_at: is missing",
        ),
        (
            format!(
                "velocity = \"{velocity}\"\nhigh_amount_minor = 100\nreview_at = 90.0\nrefuse_at = 50.0"
            ),
            "fraud.review_at: thresholds: review 90 must be finite and at most refuse 50",
        ),
        (
            "velocity = \"\"\nhigh_amount_minor = 100".to_owned(),
            "fraud.velocity: is empty",
        ),
        (
            "high_amount_minor = 100".to_owned(),
            "fraud: missing field `velocity`",
        ),
        (
            format!(
                "velocity = \"{velocity}\"\nhigh_amount_minor = 100\nhigh_risk_categories = [\" \"]"
            ),
            "fraud.high_risk_categories: has an empty category",
        ),
    ];
    for (body, expected) in cases {
        let out = serve(dir.path(), &with_fraud(dir.path(), &body), &["--check"]);
        refused(dir.path(), &out, &[expected]);
    }
}

/// An order on the card `fingerprint`, placed now, with nothing else the rules look at.
fn card_order(fingerprint: &str) -> fraud::OrderFacts {
    fraud::OrderFacts {
        placed_at: time::OffsetDateTime::now_utc(),
        amount: mapping::Money::from_minor(1_000, mapping::Currency::USD),
        card: Some(fraud::CardFacts {
            fingerprint: fingerprint.to_owned(),
            last4: None,
        }),
        avs: None,
        cvv: None,
        radar: None,
        shopify: None,
        email: None,
        ip: None,
        ip_country: None,
        billing: None,
        shipping: None,
        account: None,
        customer: fraud::CustomerHistory::default(),
        categories: Default::default(),
    }
}

#[test]
fn velocity_index_screens_from_memory_loaded_from_the_velocity_file() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let card_hour = fraud::Signal::Velocity {
        key: fraud::KeyKind::Card,
        window: fraud::Window::Hour,
    };
    for index in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let velocity = dir.path().join("velocity.sqlite");
        let body = format!(
            "velocity = \"{}\"\nvelocity_index = {index}\nhigh_amount_minor = 50000",
            velocity.display()
        );
        let config = parsed(dir.path(), &with_fraud(dir.path(), &body));
        let fraud = config.pairs.fraud.clone().expect("no fraud screen");
        assert_eq!(fraud.velocity_index, index);
        // Two orders of one card an hour before, in the file before the screen opens it; two of
        // another card written by another process once it is open.
        let other_process = fraud::SqliteVelocity::open(&velocity).unwrap();
        let earlier = |card: &str| {
            let keys = fraud::VelocityKeys::from_facts(&card_order(card));
            for _ in 0..2 {
                let at = time::OffsetDateTime::now_utc() - time::Duration::MINUTE;
                fraud::VelocityStore::record(&other_process, &keys, at).unwrap();
            }
        };
        earlier("fp_before");
        let screener = fraud.screener().unwrap();
        earlier("fp_after");

        // The standard rules add 30 points for a card's third order in an hour: from the file
        // for both stores; the orders written since it opened only without the index, which
        // answers from memory.
        let fired = |card: &str| {
            let screened = rt.block_on(screener.screen(card_order(card))).unwrap();
            screened
                .decision
                .contributions
                .iter()
                .any(|c| c.signal == card_hour)
        };
        assert!(fired("fp_before"), "index {index}: the file's orders count");
        assert_eq!(
            fired("fp_after"),
            !index,
            "index {index}: another process's new orders"
        );
    }
}

#[test]
fn the_rules_high_risk_categories_are_configured_and_a_model_keeps_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let velocity = dir.path().join("velocity.sqlite");
    let body = format!(
        "velocity = \"{}\"\nhigh_amount_minor = 50000\nhigh_risk_categories = [\"gift_card\"]",
        velocity.display()
    );
    let config = parsed(dir.path(), &with_fraud(dir.path(), &body));
    let fraud = config.pairs.fraud.clone().expect("no fraud screen");
    assert_eq!(fraud.high_risk_categories, ["gift_card"]);
    let screener = fraud.screener().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut order = card_order("fp_1");
    order.categories = ["Gift_Card".to_owned()].into();
    let screened = rt.block_on(screener.screen(order)).unwrap();
    let high_risk: Vec<f64> = screened
        .decision
        .contributions
        .iter()
        .filter(|c| c.signal == fraud::Signal::HighRiskCategory)
        .map(|c| c.contribution)
        .collect();
    assert_eq!(high_risk, [15.0], "{:#?}", screened.decision);

    // With a model file the categories are the model's: a list here is refused.
    let model = dir.path().join("model.json");
    std::fs::write(&model, "{}").unwrap();
    let body = format!("{body}\nmodel = \"{}\"", model.display());
    let out = serve(dir.path(), &with_fraud(dir.path(), &body), &["--check"]);
    refused(
        dir.path(),
        &out,
        &["fraud.high_risk_categories: are the rules'"],
    );
}
