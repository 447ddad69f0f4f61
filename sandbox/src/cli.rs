//! The `sandbox` command line: runs sandbox fakes standalone on loopback until SIGTERM or
//! Ctrl-C, so that tests can keep the fakes' state in one process while restarting another (the
//! runtime under test).
//!
//! ```text
//! cargo run -p sandbox --bin sandbox -- [--control ADDR] [--seed N] [--webhook-retries MS,MS,...]
//!                                       [paytrace] [shopify] [stripe] [magento] [odoo]
//! ```
//!
//! - services: the fakes to start (all of them when none is named), each on a free
//!   `127.0.0.1` port;
//! - `--control ADDR` (e.g. `127.0.0.1:0`): serves the control API of `sandbox::control`
//!   (faults, seeding, inspection) there;
//! - `--seed N`: seed of the fault plan's per-mille draws (0);
//! - `--webhook-retries MS,MS,...`: delays in milliseconds between the Shopify and Stripe fakes'
//!   webhook retries (an empty list: no retries; default: each provider's own schedule).
//!
//! The first line on stdout is one JSON object, flushed: `Sandbox::describe_json` (each fake's
//! `url` and credentials) plus `"control"`, the control API's URL or `null`, e.g.
//! `{"control":"http://127.0.0.1:41234/control","paytrace":{"url":"http://127.0.0.1:41235/",
//! "username":"…",…},"shopify":{…}}`. Nothing else is written to stdout; a human-readable
//! summary goes to stderr. Stdin is never read. Exits 0 on SIGTERM or Ctrl-C, 2 on bad
//! arguments, 1 when a socket cannot be bound.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use crate::{Sandbox, Service, StartOptions};
use serde_json::Value;

const USAGE: &str = "usage: sandbox [--control ADDR] [--seed N] [--webhook-retries MS,MS,...] \
                     [paytrace] [shopify] [stripe] [magento] [odoo]";

/// The command line, parsed.
#[derive(Debug, Default, PartialEq)]
struct Args {
    control: Option<String>,
    seed: u64,
    webhook_retries: Option<Vec<Duration>>,
    services: Vec<Service>,
    help: bool,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => parsed.help = true,
            "--control" => parsed.control = Some(value("--control")?),
            "--seed" => {
                let text = value("--seed")?;
                parsed.seed = text
                    .parse()
                    .map_err(|_| format!("--seed: not a number: {text:?}"))?;
            }
            "--webhook-retries" => {
                let text = value("--webhook-retries")?;
                let delays = text
                    .split(',')
                    .map(str::trim)
                    .filter(|ms| !ms.is_empty())
                    .map(|ms| {
                        ms.parse::<u64>()
                            .map(Duration::from_millis)
                            .map_err(|_| format!("--webhook-retries: not milliseconds: {ms:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                parsed.webhook_retries = Some(delays);
            }
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            name => parsed.services.push(name.parse()?),
        }
    }
    Ok(parsed)
}

/// Resolves when SIGTERM or SIGINT (Ctrl-C) arrives. The handlers are installed when this is
/// called, so a signal sent right after the description line is printed is not missed.
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = interrupt.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let services = if args.services.is_empty() {
        Service::ALL.to_vec()
    } else {
        args.services
    };
    let mut options = StartOptions::default().seed(args.seed);
    if let Some(delays) = args.webhook_retries {
        options = options.webhook_retries(delays);
    }
    let stopped = stop_signal()?;
    let sandbox = Sandbox::start_with(&services, options).await?;
    let mut description = sandbox.describe_json();
    let mut control_url = Value::Null;
    if let Some(addr) = &args.control {
        let listener = tokio::net::TcpListener::bind(addr.as_str())
            .await
            .map_err(|e| format!("--control {addr}: {e}"))?;
        control_url = Value::from(format!("http://{}/control", listener.local_addr()?));
        let app = crate::control::router(&sandbox);
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                eprintln!("sandbox: control API stopped: {err}");
            }
        });
    }
    if let Some(map) = description.as_object_mut() {
        map.insert("control".to_owned(), control_url.clone());
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{description}")?;
    stdout.flush()?;
    drop(stdout);
    for line in sandbox.describe() {
        eprintln!("{line}");
    }
    if let Some(url) = control_url.as_str() {
        eprintln!("control   {url}");
    }
    eprintln!("running; SIGTERM or Ctrl-C to stop");
    stopped.await;
    Ok(())
}

/// Runs the command line with the process's arguments (what the `sandbox` binary does): the
/// exit code says how it ended.
pub fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("sandbox: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run_command_line(std::env::args().skip(1)))
}

async fn run_command_line(args: impl IntoIterator<Item = String>) -> ExitCode {
    let args = match parse_args(args) {
        Ok(args) => args,
        Err(err) => {
            eprintln!("sandbox: {err}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if args.help {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("sandbox: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, String> {
        parse_args(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn flags_and_services_parse() {
        let parsed = args(&[
            "--control",
            "127.0.0.1:0",
            "--seed=7",
            "--webhook-retries",
            "10, 20,30",
            "paytrace",
            "Shopify",
        ])
        .unwrap();
        assert_eq!(parsed.control.as_deref(), Some("127.0.0.1:0"));
        assert_eq!(parsed.seed, 7);
        assert_eq!(
            parsed.webhook_retries,
            Some(vec![
                Duration::from_millis(10),
                Duration::from_millis(20),
                Duration::from_millis(30)
            ])
        );
        assert_eq!(parsed.services, vec![Service::Paytrace, Service::Shopify]);
        assert_eq!(
            args(&["--webhook-retries="]).unwrap().webhook_retries,
            Some(vec![])
        );
        assert_eq!(args(&[]).unwrap(), Args::default());
    }

    #[test]
    fn bad_arguments_are_refused_with_the_reason() {
        assert_eq!(args(&["--seed"]).unwrap_err(), "--seed needs a value");
        assert!(args(&["--seed", "x"]).unwrap_err().contains("--seed"));
        assert!(
            args(&["--webhook-retries", "5,a"])
                .unwrap_err()
                .contains("\"a\"")
        );
        assert!(args(&["--verbose"]).unwrap_err().contains("unknown option"));
        assert!(args(&["square"]).unwrap_err().contains("unknown service"));
    }
}
