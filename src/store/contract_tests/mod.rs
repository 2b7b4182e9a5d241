//! The store's contract, without HTTP: every sub-trait of [`Store`] and of [`LedgerTx`], run on
//! both backends through `Arc<dyn Store>`, each test on a database of its own: a fresh SQLite
//! file, and when `TEST_DATABASE_URL` names a PostgreSQL server, a fresh database on it (dropped
//! afterwards). With `CI` set, a missing `TEST_DATABASE_URL` fails the PostgreSQL half rather
//! than skipping it.
//!
//! `records` has the tests of the sub-traits of `Store`, `ledger` those of `LedgerTx` and of
//! the reads of what a ledger transaction wrote.

mod ledger;
mod records;

use std::ops::Deref;
use std::sync::Arc;

use crate::store::{Campaign, Donation, Store, connect};

/// Runs each `async fn name(store: Fresh)` as `name::sqlite` and `name::postgres`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::store::contract_tests::Fresh::sqlite().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(store) = $crate::store::contract_tests::Fresh::postgres().await {
                    super::$name(store).await
                }
            }
        }
    )*};
}
use on_both_backends;

/// A store on a database made for one test, which goes away with it.
pub(super) struct Fresh {
    store: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
    /// The admin URL and the name of the PostgreSQL database to drop.
    postgres: Option<(String, String)>,
}

impl Fresh {
    async fn sqlite() -> Fresh {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("store.db").display());
        Fresh {
            store: connect(&url, 4).await.expect("open SQLite"),
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// `None` (and a note) when no PostgreSQL server is named, unless `CI` is set.
    async fn postgres() -> Option<Fresh> {
        let admin = match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => url,
            _ => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "CI is set but TEST_DATABASE_URL is not: the PostgreSQL half must run"
                );
                eprintln!("TEST_DATABASE_URL is not set: PostgreSQL half skipped on this machine");
                return None;
            }
        };
        let name = format!("donations_store_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin_connection(&admin).await)
            .await
            .expect("create the test database");
        // The `dbname` parameter overrides the database in the URL's path.
        let separator = if admin.contains('?') { '&' } else { '?' };
        let store = connect(&format!("{admin}{separator}dbname={name}"), 4)
            .await
            .expect("open PostgreSQL");
        Some(Fresh {
            store,
            _dir: None,
            postgres: Some((admin, name)),
        })
    }
}

async fn admin_connection(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(url).await.unwrap_or_else(|e| {
        panic!("TEST_DATABASE_URL is set but PostgreSQL cannot be reached: {e}")
    })
}

impl Deref for Fresh {
    type Target = dyn Store;
    fn deref(&self) -> &dyn Store {
        &*self.store
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        // Drop is not async, and the test's runtime may be shutting down: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin_connection(&admin).await)
                    .await
                    .map(|_| ())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("the test database was not dropped");
        }
    }
}

/// A campaign of `slug`, made through the store.
async fn campaign(store: &Fresh, slug: &str) -> Campaign {
    store
        .create_campaign(&Campaign::sample(slug, slug, 100_000).fields())
        .await
        .expect("create campaign")
}

/// A pending Stripe gift of $10 to `campaign`, made at `at`. (Every field is written out only
/// until `Donation::pending` lands in `domain::donation`; this is then that, plus the amounts.)
fn gift(id: &str, campaign: &Campaign, at: i64) -> Donation {
    Donation {
        id: id.into(),
        campaign_id: campaign.id,
        source: "stripe".into(),
        frequency: "one_time".into(),
        currency: campaign.currency.clone(),
        gift_minor: 1_000,
        fee_minor: 0,
        total_minor: 1_000,
        donor_name: None,
        donor_email: None,
        donor_key: format!("donor-{id}"),
        anonymous: false,
        tribute_kind: None,
        tribute_honoree: None,
        tribute_notify_email: None,
        tribute_message: None,
        tribute_show_amount: false,
        email_receipt: true,
        comment: None,
        status: "pending".into(),
        failure_reason: None,
        checkout_session_id: None,
        checkout_url: None,
        subscription_id: None,
        customer_id: None,
        plan_status: None,
        plan_status_at: 0,
        plan_status_rank: 0,
        cancel_at: None,
        canceled_at: None,
        counted_raised_minor: 0,
        counted_gifts: 0,
        counted_donor: 0,
        counted_recurring: 0,
        counted_recurring_gift_minor: 0,
        plan_amount_minor: None,
        plan_amount_at: 0,
        refunded_minor: 0,
        disputed_minor: 0,
        fee_actual_minor: None,
        offline_method: None,
        note: None,
        gift_date: None,
        voided_at: None,
        created_at: at,
        updated_at: at,
    }
}
