//! The store's contract, without HTTP: every sub-trait of [`Store`] and of [`LedgerTx`], run on
//! both backends through `Arc<dyn Store>`, each test on a database of its own: a fresh SQLite
//! file, and when `TEST_DATABASE_URL` names a PostgreSQL server, a fresh database on it (dropped
//! afterwards). With `CI` set, a missing `TEST_DATABASE_URL` fails the PostgreSQL half rather
//! than skipping it.
//!
//! `records` has the tests of the sub-traits of `Store`, `ledger` those of `LedgerTx` and of
//! the reads of what a ledger transaction wrote, `locks` how ledger transactions wait for each
//! other (or do not), `allowances` the rate allowances servers share, `follow_ups` those of
//! `FollowUpStore`, `fundraisers` those of `FundraiserStore` and `FundraiserTx`, `memberships`
//! those of `MembershipStore` and `MembershipTx`.

mod allowances;
mod donor_links;
mod follow_ups;
mod fundraisers;
mod ledger;
mod locks;
mod memberships;
mod records;
mod staff;

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

impl Fresh {
    /// The store itself, for a task of its own.
    fn shared(&self) -> Arc<dyn Store> {
        self.store.clone()
    }
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

/// A pending Stripe gift of $10 to `campaign`, made at `at`.
fn gift(id: &str, campaign: &Campaign, at: i64) -> Donation {
    Donation {
        gift_minor: 1_000,
        total_minor: 1_000,
        donor_key: format!("donor-{id}"),
        ..Donation::pending(id.into(), campaign, at)
    }
}
