//! Building the service from its configuration and running it until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::config::{Config, PaymentsMode, redact_url};
use crate::http::{AppState, router};
use crate::payments::Gateway;
use crate::payments::sandbox::SandboxGateway;
use crate::payments::stripe::StripeGateway;
use crate::services::campaign_admin::ensure_demo;
use crate::store::{self, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("database ({url}): {source}")]
    Store { url: String, source: StoreError },
    #[error("STRIPE_SECRET_KEY: {0}")]
    Stripe(String),
    #[error("{0}")]
    Mail(String),
    #[error("BIND_ADDR {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, StartError> {
    store::connect(&config.database_url, config.database_max_connections)
        .await
        .map_err(|source| StartError::Store {
            url: redact_url(&config.database_url),
            source,
        })
}

pub fn gateway(config: &Config) -> Result<Arc<dyn Gateway>, StartError> {
    Ok(match &config.payments {
        PaymentsMode::Sandbox => Arc::new(SandboxGateway::new(&config.public_base_url)),
        PaymentsMode::Stripe { secret_key, .. } => Arc::new(
            StripeGateway::new(
                secret_key,
                config.stripe_api_base.as_deref(),
                config.stripe_timeout,
            )
            .map_err(StartError::Stripe)?,
        ),
    })
}

/// The key of donors' self-service links: `MANAGE_LINK_SECRET`, or else a random one made on
/// first start and kept in the database, so links survive restarts and work on every server.
pub async fn link_secret(store: &dyn Store, config: &Config) -> Result<Arc<[u8]>, StartError> {
    let secret = match &config.manage_link_secret {
        Some(s) => s.clone(),
        None => {
            let candidate = hex::encode(rand::random::<[u8; 32]>());
            store
                .server_secret("manage_link", &candidate)
                .await
                .map_err(|source| StartError::Store {
                    url: redact_url(&config.database_url),
                    source,
                })?
        }
    };
    Ok(Arc::from(secret.into_bytes()))
}

/// The mail worker for this configuration (SMTP with `SMTP_URL`, else the outbox folder).
pub fn mail_worker(
    store: Arc<dyn Store>,
    config: &Config,
    link_secret: Arc<[u8]>,
) -> Result<crate::mail::worker::Worker, StartError> {
    Ok(crate::mail::worker::Worker {
        store,
        transport: crate::mail::transport::from_config(&config.mail).map_err(StartError::Mail)?,
        ctx: crate::mail::render::MailContext::new(config, link_secret),
        max_attempts: config.mail.max_attempts,
    })
}

/// A mail worker on its own (for the command line), without binding the server's address.
pub async fn open_mail_worker(config: &Config) -> Result<crate::mail::worker::Worker, StartError> {
    let store = open_store(config).await?;
    let secret = link_secret(store.as_ref(), config).await?;
    mail_worker(store, config, secret)
}

/// A service bound to its address, ready to serve.
pub struct Server {
    pub state: AppState,
    pub listener: TcpListener,
    pub addr: SocketAddr,
    /// Sends the outbox while the server runs (with `MAIL_WORKER_INTERVAL`).
    pub mail: crate::mail::worker::Worker,
}

impl Server {
    /// Opens the database (migrating it), binds the address and prepares the routes.
    pub async fn bind(mut config: Config) -> Result<Server, StartError> {
        let listener =
            crate::http::serve::bind(config.bind_addr).map_err(|source| StartError::Bind {
                addr: config.bind_addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.bind_addr,
            source,
        })?;
        // With port 0 (tests), the default public URL must name the port actually bound.
        if config.public_base_url == format!("http://{}", config.bind_addr) {
            config.public_base_url = format!("http://{addr}");
        }
        let store = open_store(&config).await?;
        let gateway = gateway(&config)?;
        let self_ip = if addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            addr.ip().to_string()
        };
        let self_url: Arc<str> = format!("http://{self_ip}:{}", addr.port()).into();
        let limits = Arc::new(crate::http::limits::Limits::new(&config));
        let link_secret = link_secret(store.as_ref(), &config).await?;
        let state = AppState {
            store,
            gateway,
            config: Arc::new(config),
            self_url,
            limits,
            metrics: Arc::new(crate::metrics::Metrics::new()),
            link_secret,
            readiness: Arc::default(),
            tasks: tokio_util::task::TaskTracker::new(),
        };
        // A bad SMTP_URL stops start-up here rather than failing every email later.
        let mail = mail_worker(
            state.store.clone(),
            &state.config,
            state.link_secret.clone(),
        )?;
        Ok(Server {
            state,
            listener,
            addr,
            mail,
        })
    }

    /// Serves until `shutdown` resolves, then finishes the requests in flight.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Server {
            state,
            listener,
            addr,
            mail,
        } = self;
        let config = state.config.clone();
        match &config.payments {
            PaymentsMode::Sandbox => tracing::warn!(
                "SANDBOX MODE: no STRIPE_SECRET_KEY is set; checkouts use the built-in sandbox and no money moves"
            ),
            PaymentsMode::Stripe { live, .. } => {
                tracing::info!(
                    live,
                    "Stripe payments; configure the webhook endpoint with API version {}",
                    crate::STRIPE_API_VERSION
                )
            }
        }
        match ensure_demo(state.store.as_ref(), &config).await {
            Ok(true) => tracing::info!(
                "first run: created the demo campaign; see {}/api/v1/campaigns/demo",
                config.public_base_url
            ),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "could not create the demo campaign"),
        }
        let reconciler = config.reconcile_interval.map(|every| {
            let store = state.store.clone();
            let gateway = state.gateway.clone();
            let config = config.clone();
            let metrics = state.metrics.clone();
            let rounds = state.tasks.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    // A run in a task of its own: aborting this loop on shutdown lets the run
                    // in progress finish its events (`http::completion` does the same for
                    // requests), and the server waits for it.
                    let (store, gateway, config) = (store.clone(), gateway.clone(), config.clone());
                    let run = rounds.spawn(async move {
                        crate::services::reconcile::run(
                            store.as_ref(),
                            gateway.as_ref(),
                            &config,
                            every * 2,
                        )
                        .await
                    });
                    match run.await {
                        Ok(Ok(report)) => {
                            metrics.reconcile(true);
                            tracing::info!(?report, "reconcile")
                        }
                        Ok(Err(e)) => {
                            metrics.reconcile(false);
                            tracing::warn!(error = %e, "reconcile failed; will try again")
                        }
                        Err(e) => {
                            metrics.reconcile(false);
                            tracing::error!(error = %e, "reconcile run failed; will try again")
                        }
                    }
                }
            })
        });
        let mailer = config.mail.worker_interval.map(|every| {
            tracing::info!(transport = mail.transport.name(), "mail worker started");
            mail.spawn(every, state.tasks.clone())
        });
        tracing::info!(%addr, database = %redact_url(&config.database_url), "listening");
        let store = state.store.clone();
        let tasks = state.tasks.clone();
        let result = crate::http::serve::serve(
            listener,
            router(state),
            config.connections,
            config.database_max_connections,
            shutdown,
        )
        .await;
        if let Some(r) = reconciler {
            r.abort();
        }
        if let Some(m) = mailer {
            m.abort();
        }
        // Handlers whose clients hung up run on detached (`http::completion`), as does the
        // background round in progress: let them finish their writes before the database
        // closes under them.
        tasks.close();
        tasks.wait().await;
        store.close().await;
        tracing::info!("stopped");
        result
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}
