//! The configuration read from given variables: defaults, each bad value named.

use super::*;
use std::collections::HashMap;

fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|k| map.get(k).cloned())
}

#[test]
fn defaults_are_a_sandbox_on_sqlite() {
    let c = load(&[]).unwrap();
    assert_eq!(c.database_url, "sqlite://donations.db");
    assert_eq!(c.bind_addr.to_string(), "127.0.0.1:8080");
    assert_eq!(c.public_base_url, "http://127.0.0.1:8080");
    assert!(c.payments.is_sandbox());
    assert_eq!(c.webhook_secrets, vec![SANDBOX_WEBHOOK_SECRET.to_string()]);
    assert_eq!(c.max_gift_minor(Currency::USD), 100_000_000);
    assert_eq!(c.default_fee, FeeRate::stripe_standard());
    assert_eq!(c.reconcile_interval, Some(Duration::from_secs(15 * 60)));
    assert_eq!(c.checkout_rate_per_ip, Rate::parse("10/min").unwrap());
    assert_eq!(c.checkout_rate_per_email, Rate::parse("5/hour").unwrap());
    assert!(c.trusted_proxies.is_empty());
    assert!(c.mail.smtp_url.is_none());
    assert_eq!(c.mail.outbox_dir, std::path::PathBuf::from("mail-outbox"));
    assert!(c.manage_link_secret.is_none());
}

#[test]
fn mail_and_organization_errors_name_the_variable() {
    assert_eq!(
        load(&[("ORG_EIN", "123456789")]).unwrap_err().var,
        "ORG_EIN"
    );
    for bad in ["-05:00", "Eastern", "America/Nowhere", "/etc/localtime"] {
        assert_eq!(
            load(&[("ORG_TIMEZONE", bad)]).unwrap_err().var,
            "ORG_TIMEZONE"
        );
    }
    // The fixed offset is gone: an old configuration is told what replaced it.
    let old = load(&[("ORG_UTC_OFFSET", "-05:00")]).unwrap_err();
    assert_eq!(old.var, "ORG_UTC_OFFSET");
    assert!(old.detail.contains("ORG_TIMEZONE"), "{}", old.detail);
    let east = load(&[("ORG_TIMEZONE", "America/New_York")]).unwrap();
    assert_eq!(east.org.zone.name(), "America/New_York");
    assert_eq!(load(&[]).unwrap().org.zone.name(), "UTC");
    assert_eq!(
        load(&[("SMTP_URL", "mail.example.org")]).unwrap_err().var,
        "SMTP_URL"
    );
    assert_eq!(
        load(&[("MAIL_FROM", "not an address")]).unwrap_err().var,
        "MAIL_FROM"
    );
    assert_eq!(
        load(&[("MANAGE_LINK_SECRET", "short")]).unwrap_err().var,
        "MANAGE_LINK_SECRET"
    );
    let c = load(&[
        ("ORG_EIN", "12-3456789"),
        ("SMTP_URL", "smtp://127.0.0.1:2525"),
    ])
    .unwrap();
    assert_eq!(c.org.ein.as_deref(), Some("12-3456789"));
    let shown = format!(
        "{:?}",
        load(&[("SMTP_URL", "smtps://u:hunter2@mail.example.org")]).unwrap()
    );
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn rates_and_proxies_are_parsed() {
    let c = load(&[
        ("CHECKOUT_RATE_PER_IP", "off"),
        ("CHECKOUT_RATE_PER_EMAIL", "3/day"),
        ("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1"),
    ])
    .unwrap();
    assert_eq!(c.checkout_rate_per_ip, None);
    let r = c.checkout_rate_per_email.unwrap();
    assert_eq!((r.count.get(), r.per), (3, Duration::from_secs(86_400)));
    assert_eq!(c.trusted_proxies.len(), 3);
    assert!(c.trusted_proxies[1].contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()));
    assert_eq!(c.checkout_ipv6_prefix, 64);
    let c = load(&[("CHECKOUT_IPV6_PREFIX", "56")]).unwrap();
    assert_eq!(c.checkout_ipv6_prefix, 56);
    for bad in ["0", "129", "/64", "x"] {
        let e = load(&[("CHECKOUT_IPV6_PREFIX", bad)]).unwrap_err();
        assert_eq!(e.var, "CHECKOUT_IPV6_PREFIX", "{bad}");
    }
}

#[test]
fn each_bad_value_names_its_variable() {
    let cases: &[(&str, &str)] = &[
        ("DATABASE_URL", "mysql://x"),
        ("BIND_ADDR", "localhost"),
        ("PUBLIC_BASE_URL", "example.org"),
        ("MAX_GIFT_AMOUNT", "-5"),
        ("DEFAULT_FEE_PERCENT", "abc"),
        ("DEFAULT_FEE_FIXED_MINOR", "0.3"),
        ("STRIPE_SECRET_KEY", "pk_test_123"),
        ("STRIPE_API_BASE", "localhost:12111"),
        ("ALLOWED_ORIGINS", "https://a.org/path"),
        ("RECONCILE_INTERVAL", "soon"),
        ("PENDING_RECHECK_AFTER", "0s"),
        ("DATABASE_MAX_CONNECTIONS", "0"),
        ("DEMO_CAMPAIGN", "maybe"),
        ("CHECKOUT_RATE_PER_IP", "10"),
        ("CHECKOUT_RATE_PER_IP", "0/min"),
        ("CHECKOUT_RATE_PER_EMAIL", "5/fortnight"),
        ("TRUSTED_PROXIES", "10.0.0.0/33"),
        ("TRUSTED_PROXIES", "proxy.local"),
        ("HEADER_READ_TIMEOUT", "0s"),
        ("HEADER_READ_TIMEOUT", "soon"),
        ("BODY_READ_TIMEOUT", "-1s"),
        ("IDLE_TIMEOUT", "forever"),
        ("MAX_CONNECTIONS", "0"),
        ("MAX_CONNECTIONS", "many"),
        ("MAX_CONNECTIONS", "1000001"),
        ("MAX_REQUESTS_IN_FLIGHT", "0"),
        ("MAX_REQUESTS_IN_FLIGHT", "lots"),
    ];
    for (var, value) in cases {
        let e = load(&[(var, value)])
            .err()
            .unwrap_or_else(|| panic!("{var}={value} accepted"));
        assert_eq!(e.var, *var, "{var}={value} gave {e}");
        assert!(e.to_string().starts_with(var));
    }
}

#[test]
fn stripe_key_needs_a_webhook_secret_and_sets_the_mode() {
    let e = load(&[("STRIPE_SECRET_KEY", "sk_test_abc")]).err().unwrap();
    assert_eq!(e.var, "STRIPE_WEBHOOK_SECRET");
    let c = load(&[
        ("STRIPE_SECRET_KEY", "sk_live_abc"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_a, whsec_b"),
    ])
    .unwrap();
    assert!(c.payments.is_live());
    assert_eq!(c.webhook_secrets, vec!["whsec_a", "whsec_b"]);
    let e = load(&[
        ("STRIPE_SECRET_KEY", "sk_test_abc"),
        ("STRIPE_WEBHOOK_SECRET", "secret"),
    ])
    .err()
    .unwrap();
    assert_eq!(e.var, "STRIPE_WEBHOOK_SECRET");
}

#[test]
fn secrets_never_show_in_debug_output() {
    let c = load(&[
        ("STRIPE_SECRET_KEY", "sk_live_supersecret"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_topsecret"),
        ("DATABASE_URL", "postgres://app:hunter2@db/donations"),
    ])
    .unwrap();
    let shown = format!("{c:?}");
    for secret in ["supersecret", "topsecret", "hunter2"] {
        assert!(!shown.contains(secret), "{secret} leaked in {shown}");
    }
}

#[test]
fn values_are_parsed() {
    let c = load(&[
        ("STRIPE_API_BASE", "http://127.0.0.1:9999"),
        (
            "ALLOWED_ORIGINS",
            "https://coalition.org, http://localhost:3000",
        ),
        ("RECONCILE_INTERVAL", "15m"),
        ("MAX_GIFT_AMOUNT", "5000"),
        ("DEFAULT_FEE_PERCENT", "2.2"),
    ])
    .unwrap();
    assert_eq!(c.stripe_api_base.as_deref(), Some("http://127.0.0.1:9999/"));
    assert_eq!(
        c.allowed_origins,
        vec!["https://coalition.org", "http://localhost:3000"]
    );
    assert_eq!(c.reconcile_interval, Some(Duration::from_secs(900)));
    assert_eq!(c.max_gift_minor(Currency::USD), 500_000);
    assert_eq!(c.default_fee, FeeRate::stripe_nonprofit());
}

#[test]
fn recovery_is_on_by_default_and_off_only_on_purpose() {
    let live = [
        ("STRIPE_SECRET_KEY", "sk_live_123"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_123"),
    ];
    let interval = |value: Option<&str>| {
        let mut vars = live.to_vec();
        vars.extend(value.map(|v| ("RECONCILE_INTERVAL", v)));
        load(&vars).unwrap().reconcile_interval
    };
    // Unset or left empty (a blank line in .env), recovery runs.
    assert_eq!(interval(None), Some(DEFAULT_RECONCILE_INTERVAL));
    assert_eq!(interval(Some("")), Some(DEFAULT_RECONCILE_INTERVAL));
    assert_eq!(DEFAULT_RECONCILE_INTERVAL, Duration::from_secs(900));
    for off in ["off", "0", " off "] {
        assert_eq!(interval(Some(off)), None, "{off:?}");
    }
    assert_eq!(interval(Some("5m")), Some(Duration::from_secs(300)));
}

#[test]
fn connection_limits_have_defaults_and_are_parsed() {
    assert_eq!(
        load(&[]).unwrap().connections,
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            max_requests_in_flight: 64,
        }
    );
    let c = load(&[
        ("HEADER_READ_TIMEOUT", "1s"),
        ("BODY_READ_TIMEOUT", "500ms"),
        ("IDLE_TIMEOUT", "2m"),
        ("MAX_CONNECTIONS", "200"),
        ("MAX_REQUESTS_IN_FLIGHT", "16"),
    ])
    .unwrap()
    .connections;
    assert_eq!(c.header_read_timeout, Duration::from_secs(1));
    assert_eq!(c.body_read_timeout, Duration::from_millis(500));
    assert_eq!(c.idle_timeout, Duration::from_secs(120));
    assert_eq!(c.max_connections, 200);
    assert_eq!(c.max_requests_in_flight, 16);
}

#[test]
fn shutdown_timeout_has_a_default_and_names_its_variable() {
    assert_eq!(
        load(&[]).unwrap().shutdown_timeout,
        super::DEFAULT_SHUTDOWN_TIMEOUT
    );
    assert_eq!(
        load(&[("SHUTDOWN_TIMEOUT", "90s")])
            .unwrap()
            .shutdown_timeout,
        Duration::from_secs(90)
    );
    for bad in ["soon", "0s", "-5s"] {
        let e = load(&[("SHUTDOWN_TIMEOUT", bad)]).unwrap_err();
        assert_eq!(e.var, "SHUTDOWN_TIMEOUT", "{bad}: {e}");
    }
}

#[test]
fn log_format_is_text_or_json() {
    use super::LogFormat;
    assert_eq!(LogFormat::parse(None), Ok(LogFormat::Text));
    assert_eq!(LogFormat::parse(Some(" ")), Ok(LogFormat::Text));
    assert_eq!(LogFormat::parse(Some("text")), Ok(LogFormat::Text));
    assert_eq!(LogFormat::parse(Some("JSON")), Ok(LogFormat::Json));
    let e = LogFormat::parse(Some("xml")).unwrap_err();
    assert_eq!(e.var, "LOG_FORMAT");
    assert!(e.to_string().contains("\"xml\""), "{e}");
}

#[test]
fn one_organization_unless_more_are_named() {
    let c = load(&[("ORG_NAME", "Coalition")]).unwrap();
    assert!(c.organizations.is_empty());
    assert_eq!(c.org.slug, "default");
    assert_eq!(c.org.tax_status, crate::domain::organization::TaxStatus::C3);
    assert_eq!(c.org.receipt_wording, None);
    assert_eq!(
        c.organization("default").map(|o| o.name.as_str()),
        Some("Coalition")
    );
    assert!(c.organization("action").is_none());
    assert_eq!(
        c.webhook_secrets_of("default"),
        Some(c.webhook_secrets.as_slice())
    );
    assert_eq!(c.all_organizations().count(), 1);
    let c4 = load(&[
        ("ORG_TAX_STATUS", "501c4"),
        ("ORG_RECEIPT_WORDING", "Paid for by us."),
    ]);
    let c4 = c4.unwrap();
    assert_eq!(
        c4.org.tax_status,
        crate::domain::organization::TaxStatus::C4
    );
    assert_eq!(c4.org.receipt_wording.as_deref(), Some("Paid for by us."));
}

#[test]
fn a_second_organization_has_its_own_terms_and_secrets() {
    let c = load(&[
        ("ORGANIZATIONS", "action, fund-2"),
        ("ORG_ACTION_NAME", "Coalition Action"),
        ("ORG_ACTION_EIN", "98-7654321"),
        ("ORG_ACTION_TAX_STATUS", "501c4"),
        ("ORG_ACTION_STRIPE_SECRET_KEY", "sk_test_action"),
        ("ORG_ACTION_STRIPE_WEBHOOK_SECRET", "whsec_action"),
        ("ORG_FUND_2_NAME", "Fund Two"),
        ("ORG_FUND_2_TAX_STATUS", "other"),
    ])
    .unwrap();
    let action = c.organization("action").unwrap();
    assert_eq!(action.name, "Coalition Action");
    assert_eq!(action.ein.as_deref(), Some("98-7654321"));
    assert!(!action.tax_status.deductible());
    assert_eq!(
        c.webhook_secrets_of("action"),
        Some(&["whsec_action".to_string()][..])
    );
    // A sandbox deployment: the organization uses the sandbox too.
    assert!(c.organizations[0].payments.is_sandbox());
    // Without a secret of its own, the sandbox's.
    assert_eq!(
        c.webhook_secrets_of("fund-2"),
        Some(c.webhook_secrets.as_slice())
    );
    assert_eq!(c.organization("fund-2").unwrap().name, "Fund Two");
    assert_eq!(c.all_organizations().count(), 3);

    // With Stripe, each organization's own key.
    let live = load(&[
        ("STRIPE_SECRET_KEY", "sk_test_default"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_default"),
        ("ORGANIZATIONS", "action"),
        ("ORG_ACTION_NAME", "Coalition Action"),
        ("ORG_ACTION_STRIPE_SECRET_KEY", "sk_test_action"),
        ("ORG_ACTION_STRIPE_WEBHOOK_SECRET", "whsec_action"),
    ])
    .unwrap();
    assert!(matches!(
        &live.organizations[0].payments,
        PaymentsMode::Stripe { secret_key, live: false } if secret_key == "sk_test_action"
    ));
}

#[test]
fn organization_errors_name_the_variable() {
    let base = [("ORGANIZATIONS", "action"), ("ORG_ACTION_NAME", "A")];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut v: Vec<(&str, &str)> = base.to_vec();
        v.extend_from_slice(extra);
        load(&v).unwrap_err().var
    };
    assert_eq!(with(&[("ORGANIZATIONS", "Action")]), "ORGANIZATIONS");
    assert_eq!(with(&[("ORGANIZATIONS", "action,action")]), "ORGANIZATIONS");
    assert_eq!(with(&[("ORGANIZATIONS", "default")]), "ORGANIZATIONS");
    assert_eq!(
        with(&[("ORGANIZATIONS", "action,fund-2")]),
        "ORG_FUND_2_NAME"
    );
    assert_eq!(with(&[("ORG_ACTION_EIN", "987654321")]), "ORG_ACTION_EIN");
    assert_eq!(
        with(&[("ORG_ACTION_TAX_STATUS", "c4")]),
        "ORG_ACTION_TAX_STATUS"
    );
    assert_eq!(with(&[("ORG_TAX_STATUS", "501(c)(3)")]), "ORG_TAX_STATUS");
    assert_eq!(
        with(&[("ORG_ACTION_TIMEZONE", "Mars")]),
        "ORG_ACTION_TIMEZONE"
    );
    // The Stripe pair: both or neither.
    assert_eq!(
        with(&[("ORG_ACTION_STRIPE_SECRET_KEY", "sk_test_a")]),
        "ORG_ACTION_STRIPE_WEBHOOK_SECRET"
    );
    assert_eq!(
        with(&[("ORG_ACTION_STRIPE_WEBHOOK_SECRET", "whsec_a")]),
        "ORG_ACTION_STRIPE_SECRET_KEY"
    );
    assert_eq!(
        with(&[
            ("ORG_ACTION_STRIPE_SECRET_KEY", "sk_test_a"),
            ("ORG_ACTION_STRIPE_WEBHOOK_SECRET", "not-a-secret"),
        ]),
        "ORG_ACTION_STRIPE_WEBHOOK_SECRET"
    );
    // With Stripe, an organization needs its own account, in the same mode.
    let stripe = [
        ("STRIPE_SECRET_KEY", "sk_test_default"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_default"),
    ];
    assert_eq!(with(&stripe), "ORG_ACTION_STRIPE_SECRET_KEY");
    let mut live = stripe.to_vec();
    live.extend([
        ("ORG_ACTION_STRIPE_SECRET_KEY", "sk_live_a"),
        ("ORG_ACTION_STRIPE_WEBHOOK_SECRET", "whsec_a"),
    ]);
    assert_eq!(with(&live), "ORG_ACTION_STRIPE_SECRET_KEY");
}
