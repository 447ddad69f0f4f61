//! Running the service: `payops serve`'s entry point, and serving a router while a worker runs
//! until the process is told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use flows::Worker;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

use crate::allow;
use crate::config::{Config, ServeArgs};
use crate::database::{open_ledger, open_store};
use crate::error::Error;
use crate::metrics;

/// `payops serve`: with `--check`, validates the file and exits 0 (valid) or 2 (invalid,
/// every problem printed); otherwise runs the service until SIGTERM or Ctrl-C (exit 0), or
/// until it cannot start or its worker fails (exit 2, the error printed).
pub fn main(args: &ServeArgs) -> ExitCode {
    let config = match Config::load(&args.config) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("payops: {err}");
            return ExitCode::from(2);
        }
    };
    if args.check {
        let pairs = [
            config
                .pairs
                .shopify_paytrace
                .as_ref()
                .map(|_| "shopify_paytrace"),
            config
                .pairs
                .magento_stripe
                .as_ref()
                .map(|_| "magento_stripe"),
        ];
        let pairs: Vec<&str> = pairs.into_iter().flatten().collect();
        println!(
            "{}: valid (pairs: {}; routes: {})",
            args.config.display(),
            pairs.join(", "),
            config.paths().join(", ")
        );
        return ExitCode::SUCCESS;
    }
    let ran = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::io("starting the async runtime"))
        .and_then(|runtime| runtime.block_on(run(config)));
    match ran {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Logged for the collector, printed for whoever started the process.
            tracing::error!(error = %err, "payops serve stopped");
            eprintln!("payops: {err}");
            ExitCode::from(2)
        }
    }
}

/// Runs the service `config` describes until SIGTERM or Ctrl-C. The logger and the metrics
/// recorder are installed by the first call in a process and shared by later ones.
pub async fn run(config: Config) -> Result<(), Error> {
    // A second service in one process (a test, an embedding) keeps the first one's logger.
    let logger = config.log.install();
    if let Err(err) = &logger {
        tracing::warn!(error = %err, "logs go to the logger installed before");
    }
    let concurrency = config.runtime.worker.concurrency;
    let store = open_store(&config.store.location, config.store.pool_for(concurrency)).await?;
    let ledger = open_ledger(&config.ledger.location, config.ledger.pool_for(concurrency)).await?;
    let service = config
        .pairs
        .assemble(Arc::clone(&store), ledger, config.runtime.worker.clone())
        .await?;

    // Bound first: the console's address, which notices link to, may be the listening one.
    let listener = TcpListener::bind(config.runtime.listen)
        .await
        .map_err(Error::io("listening"))?;
    let address = listener.local_addr().map_err(Error::io("listening"))?;
    let console = config.console.as_ref().map(|c| c.address(address));

    let mut router = service.router;
    let mut worker = service.worker;
    if let Some(settings) = &config.console {
        let mut state = ops_console::ConsoleState::new(Arc::clone(&store), settings.token.clone())?
            .breakers(worker.breakers());
        if let Some(url) = &settings.public_url {
            state = state.public_base(url.as_str())?;
        }
        router = router.merge(ops_console::router(state));
    }
    if let Some(notify) = &config.notify {
        worker = worker.notify(notify.notices(console.clone()));
    }
    let (stop_gauges, gauges_stopped) = watch::channel(false);
    if config.metrics.enabled {
        let handle = metrics::prometheus()?;
        let render = handle.clone();
        router = router.route(
            metrics::PATH,
            get(move || std::future::ready(render.render())),
        );
        tokio::spawn(metrics::refresh_jobs(
            Arc::clone(&store),
            handle,
            config.metrics.jobs_refresh,
            gauges_stopped,
        ));
    }
    // The allowlist inside the counting, so that refused requests are counted too.
    let router = router
        .layer(axum::middleware::from_fn_with_state(
            config.allow.clone(),
            allow::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::<[String]>::from(config.paths()),
            metrics::count,
        ));

    tracing::info!(
        %address,
        routes = ?config.paths(),
        console = console.as_deref().unwrap_or("not served"),
        notices = config.notify.is_some(),
        worker = %config.runtime.worker.id,
        "payops serve listening"
    );
    let served = serve_until_stopped(listener, router, worker).await;
    let _ = stop_gauges.send(true);
    tracing::info!("payops serve stopped");
    served
}

/// Serves `router` on `listener` (each request's peer address available as
/// `ConnectInfo<SocketAddr>`) while `worker` runs, until SIGTERM or Ctrl-C, or until the
/// worker ends by itself (its store failed). Then stops taking requests, tells the worker to
/// stop and waits for it: in-flight jobs finish, or are released after its shutdown grace.
pub async fn serve_until_stopped(
    listener: TcpListener,
    router: Router,
    worker: Worker,
) -> Result<(), Error> {
    // Installed before serving, so that a signal sent as soon as the address is known counts.
    let signal = stop_signal().map_err(Error::io("installing the signal handlers"))?;
    let (stop, shutdown) = watch::channel(false);
    let (ended, worker_ended) = oneshot::channel::<()>();
    let worker = tokio::spawn(async move {
        let result = worker.run(shutdown).await;
        let _ = ended.send(());
        result
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        tokio::select! {
            () = signal => {}
            _ = worker_ended => {}
        }
    })
    .await
    .map_err(Error::io("serving"))?;
    let _ = stop.send(true);
    worker.await??;
    Ok(())
}

/// Resolves on SIGTERM (a service manager's stop) or SIGINT (Ctrl-C). The handlers are
/// installed when this is called.
#[cfg(unix)]
fn stop_signal() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

/// Elsewhere the service stops with the process (tokio's signals are enabled on Unix only).
#[cfg(not(unix))]
fn stop_signal() -> std::io::Result<impl Future<Output = ()>> {
    Ok(std::future::pending())
}
