//! Running a fake on an ephemeral loopback port.

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

use crate::SandboxError;
use crate::faults::{self, FaultLayer, Faults};

/// One fake serving HTTP on `127.0.0.1`; stops when dropped or [`Server::stop`]ped.
#[derive(Debug)]
pub struct Server {
    base_url: Url,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `router` (wrapped in the fault middleware for `service`) on a free loopback port.
    pub async fn start(
        service: &'static str,
        router: Router,
        faults: Faults,
    ) -> Result<Self, SandboxError> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let app = router.layer(axum::middleware::from_fn_with_state(
            FaultLayer { faults, service },
            faults::apply,
        ));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serving = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(err) = serving.await {
                tracing::error!(service, error = %err, "sandbox server stopped with an error");
            }
        });
        let base_url =
            Url::parse(&format!("http://{addr}/")).map_err(|e| SandboxError::Url(e.to_string()))?;
        Ok(Self {
            base_url,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// Stops accepting connections and waits for open ones to finish.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
