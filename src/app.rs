//! Building the service from its configuration, running it until SIGTERM or Ctrl-C, and
//! draining it then (within `SHUTDOWN_TIMEOUT`).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

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
    store::connect_with(
        &config.database_url,
        config.database_max_connections,
        config.scale.progress_shards,
    )
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

/// A gateway for each organization: the default one's ([`gateway`]) and, for each of
/// `ORGANIZATIONS`, one with its own key (or the same sandbox, in sandbox mode).
pub fn gateways(config: &Config) -> Result<crate::payments::Gateways, StartError> {
    let default = gateway(config)?;
    let mut others = Vec::new();
    for o in &config.organizations {
        let g: Arc<dyn Gateway> = match &o.payments {
            PaymentsMode::Sandbox => default.clone(),
            PaymentsMode::Stripe { secret_key, .. } => Arc::new(
                StripeGateway::new(
                    secret_key,
                    o.stripe_api_base
                        .as_deref()
                        .or(config.stripe_api_base.as_deref()),
                    config.stripe_timeout,
                )
                .map_err(|e| StartError::Stripe(format!("organization {}: {e}", o.org.slug)))?,
            ),
        };
        others.push((o.org.slug.clone(), g));
    }
    Ok(crate::payments::Gateways { default, others })
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
        let gateways = Arc::new(gateways(&config)?);
        let gateway = gateways.default.clone();
        let self_ip = if addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            addr.ip().to_string()
        };
        let self_url: Arc<str> = format!("http://{self_ip}:{}", addr.port()).into();
        let limits = Arc::new(crate::http::limits::Limits::new(&config, store.clone()));
        let link_secret = link_secret(store.as_ref(), &config).await?;
        let public_reads = Arc::new(crate::http::public_reads::PublicReads::new(
            config.scale.progress_cache_ttl,
        ));
        let state = AppState {
            store,
            gateway,
            gateways,
            config: Arc::new(config),
            self_url,
            limits,
            metrics: Arc::new(crate::metrics::Metrics::new()),
            link_secret,
            readiness: Arc::default(),
            tasks: tokio_util::task::TaskTracker::new(),
            public_reads,
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

    /// Serves until `shutdown` resolves, then drains within `SHUTDOWN_TIMEOUT`: the listener
    /// closes, the requests in flight finish, the mail worker finishes the message it is
    /// sending and releases the rest of its claim, and the reconciler the event it is on. An
    /// error of kind `TimedOut` if the deadline passed first (what was abandoned is logged).
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
        // Cancelled on the shutdown signal: the listener, the connections, the mail worker
        // and the reconciler are told to stop, not aborted.
        let stop = CancellationToken::new();
        let reconciler = config
            .reconcile_interval
            .map(|every| spawn_reconciler(&state, every, stop.clone()));
        let mailer = config.mail.worker_interval.map(|every| {
            tracing::info!(transport = mail.transport.name(), "mail worker started");
            mail.spawn(every, state.tasks.clone(), stop.clone())
        });
        tracing::info!(%addr, database = %redact_url(&config.database_url), "listening");
        let store = state.store.clone();
        let tasks = state.tasks.clone();
        let mut serving = tokio::spawn(crate::http::serve::serve(
            listener,
            router(state),
            config.connections,
            config.database_max_connections,
            stop.clone().cancelled_owned(),
        ));
        let ended = tokio::select! {
            _ = shutdown => None,
            ended = &mut serving => Some(ended),
        };
        stop.cancel();
        let deadline = config.shutdown_timeout;
        tracing::info!(
            shutdown_timeout = %humantime::format_duration(deadline),
            "shutting down: finishing the requests, the mail round and the reconcile run in progress"
        );
        let (mut mailer, mut reconciler) = (mailer, reconciler);
        let drain = async {
            let served = match ended {
                Some(ended) => ended,
                None => (&mut serving).await,
            };
            if let Some(m) = mailer.as_mut() {
                let _ = m.await;
            }
            if let Some(r) = reconciler.as_mut() {
                let _ = r.await;
            }
            // Handlers whose clients hung up run on detached (`http::completion`), as does the
            // background round in progress: let them finish their writes before the database
            // closes under them.
            tasks.close();
            tasks.wait().await;
            served
        };
        match tokio::time::timeout(deadline, drain).await {
            Ok(served) => {
                store.close().await;
                tracing::info!("stopped");
                served.map_err(std::io::Error::other)?
            }
            Err(_) => {
                // The database is left as it is (closing it would wait for the work abandoned):
                // a message being sent is sent again when its lease lapses.
                let unfinished = |h: &Option<tokio::task::JoinHandle<()>>| {
                    h.as_ref().is_some_and(|h| !h.is_finished())
                };
                tracing::error!(
                    shutdown_timeout = %humantime::format_duration(deadline),
                    requests_in_flight = !serving.is_finished(),
                    mail_round = unfinished(&mailer),
                    reconcile_run = unfinished(&reconciler),
                    background_tasks = tasks.len(),
                    "SHUTDOWN_TIMEOUT passed: abandoning the work still running"
                );
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "SHUTDOWN_TIMEOUT ({}) passed before the work in progress finished",
                        humantime::format_duration(deadline)
                    ),
                ))
            }
        }
    }
}

/// The reconciler's loop: a run every `every` until `stop`, each in a task of its own in the
/// server's tasks and told of `stop` too, so a shutdown lets it finish the event it is on.
fn spawn_reconciler(
    state: &AppState,
    every: std::time::Duration,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let store = state.store.clone();
    let gateways = state.gateways.clone();
    let config = state.config.clone();
    let metrics = state.metrics.clone();
    let rounds = state.tasks.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tokio::select! {
                biased;
                _ = stop.cancelled() => return,
                _ = tick.tick() => {}
            }
            let (store, gateways, config) = (store.clone(), gateways.clone(), config.clone());
            let stop = stop.clone();
            // Each organization's account with its own client, for its own records.
            let run = rounds.spawn(async move {
                let mut reports = Vec::new();
                for (org, gateway) in gateways.all() {
                    let report = crate::services::reconcile::run_for(
                        store.as_ref(),
                        gateway.as_ref(),
                        &config,
                        every * 2,
                        &stop,
                        org,
                    )
                    .await?;
                    reports.push((org.to_string(), report));
                }
                Ok::<_, crate::services::reconcile::ReconcileError>(reports)
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
}

/// The token the process's SIGTERM and Ctrl-C handlers cancel ([`listen_for_shutdown`]).
static SHUTDOWN: std::sync::OnceLock<CancellationToken> = std::sync::OnceLock::new();

/// Installs the handlers of SIGTERM and Ctrl-C (SIGINT), once per process, and returns the
/// token the first signal cancels. The binary calls this before start-up when it serves, so a
/// signal during the migrations is neither lost nor fatal: the server starts and drains at
/// once. A second signal ends the process at once, with exit code 1. Needs a tokio runtime.
pub fn listen_for_shutdown() -> CancellationToken {
    SHUTDOWN
        .get_or_init(|| {
            let token = CancellationToken::new();
            let mut signals = Signals::install();
            let cancel = token.clone();
            tokio::spawn(async move {
                let first = signals.next().await;
                tracing::info!(signal = first, "shutting down");
                cancel.cancel();
                let again = signals.next().await;
                tracing::error!(
                    signal = again,
                    "a second signal: stopping now, without draining"
                );
                std::process::exit(1);
            });
            token
        })
        .clone()
}

/// SIGTERM and SIGINT, listened to from the moment they are installed (not from a first poll).
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let installed = |kind| match signal(kind) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!(error = %e, "could not listen for a shutdown signal");
                    None
                }
            };
            Signals {
                term: installed(SignalKind::terminate()),
                int: installed(SignalKind::interrupt()),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The next signal's name.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
                if let Some(s) = s
                    && s.recv().await.is_some()
                {
                    return;
                }
                std::future::pending().await
            }
            tokio::select! {
                _ = recv(&mut self.term) => "SIGTERM",
                _ = recv(&mut self.int) => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

/// Resolves on the first Ctrl-C or SIGTERM of the process (see [`listen_for_shutdown`]).
pub async fn shutdown_signal() {
    listen_for_shutdown().cancelled_owned().await
}
