//! How gifts are paid: through Stripe with a secret key, or the built-in sandbox. Variables:
//! `STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`, `STRIPE_API_BASE`, `STRIPE_TIMEOUT` (read in
//! `Config::from_lookup`, which keeps them beside the rest of the payment settings).

/// How gifts are paid: through Stripe with a secret key, or through the built-in sandbox.
#[derive(Clone)]
pub enum PaymentsMode {
    /// No `STRIPE_SECRET_KEY`: checkout pages and signed events come from this server itself.
    Sandbox,
    Stripe {
        secret_key: String,
        live: bool,
    },
}

impl PaymentsMode {
    pub fn is_live(&self) -> bool {
        matches!(self, PaymentsMode::Stripe { live: true, .. })
    }
    pub fn is_sandbox(&self) -> bool {
        matches!(self, PaymentsMode::Sandbox)
    }
}

// Secrets stay out of logs and panics, even through `{:?}`.
impl std::fmt::Debug for PaymentsMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaymentsMode::Sandbox => write!(f, "Sandbox"),
            PaymentsMode::Stripe { live, .. } => {
                write!(f, "Stripe {{ live: {live}, secret_key: <redacted> }}")
            }
        }
    }
}

/// The webhook signing secret used by the sandbox when `STRIPE_WEBHOOK_SECRET` is not set.
/// It signs only events this server sends to itself, so it need not be secret.
pub const SANDBOX_WEBHOOK_SECRET: &str = "whsec_sandbox_local_only";
