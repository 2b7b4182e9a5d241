//! Counters served at `GET /metrics` in the Prometheus (OpenMetrics) text format.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabels {
    r#type: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    limit: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

pub struct Metrics {
    registry: Registry,
    http: Family<HttpLabels, Counter>,
    webhooks: Family<WebhookLabels, Counter>,
    rate_limited: Family<LimitLabels, Counter>,
    reconcile: Family<OutcomeLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("donations");
        let http = Family::<HttpLabels, Counter>::default();
        let webhooks = Family::<WebhookLabels, Counter>::default();
        let rate_limited = Family::<LimitLabels, Counter>::default();
        let reconcile = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by matched route, method and status",
            http.clone(),
        );
        registry.register(
            "webhook_events",
            "Stripe webhook deliveries by event type and outcome",
            webhooks.clone(),
        );
        registry.register(
            "rate_limited",
            "Checkouts refused by a rate limit (ip or email)",
            rate_limited.clone(),
        );
        registry.register(
            "reconcile_runs",
            "Reconcile runs by outcome (ok or error)",
            reconcile.clone(),
        );
        Metrics {
            registry,
            http,
            webhooks,
            rate_limited,
            reconcile,
        }
    }

    /// `route` is the matched route template (`/api/v1/campaigns/{slug}`), never the raw path,
    /// so that the label set stays small and carries no donor input.
    pub fn http(&self, route: &str, method: &str, status: u16) {
        self.http
            .get_or_create(&HttpLabels {
                route: route.to_string(),
                method: method.to_string(),
                status,
            })
            .inc();
    }

    /// `kind` is a verified event's type (only Stripe's signature lets one in) or `unknown`.
    pub fn webhook(&self, kind: &str, outcome: &str) {
        self.webhooks
            .get_or_create(&WebhookLabels {
                r#type: kind.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    pub fn rate_limited(&self, limit: &str) {
        self.rate_limited
            .get_or_create(&LimitLabels {
                limit: limit.to_string(),
            })
            .inc();
    }

    pub fn reconcile(&self, ok: bool) {
        self.reconcile
            .get_or_create(&OutcomeLabels {
                outcome: if ok { "ok" } else { "error" }.to_string(),
            })
            .inc();
    }

    /// The text exposition of every counter.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
