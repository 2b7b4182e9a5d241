//! Database outage: a private PostgreSQL that this test starts itself (initdb + pg_ctl from
//! /usr/lib/postgresql/15/bin, in a temp dir, on its own port; never the shared server) is
//! stopped while webhooks arrive: they answer 5xx (so Stripe retries), /ready fails, /health
//! still answers, nothing panics. Restarted, the same server process recovers without a restart
//! of its own, the refused events are redelivered, and the totals are exact.

#[path = "api/helpers/mod.rs"]
mod helpers;

use std::path::{Path, PathBuf};
use std::process::Command;

use helpers::scenario::{DisputeEnd, GiftSpec, events_of, expected, total_for};
use helpers::{Backend, TestDb, gift_vars, pending_donation};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A PostgreSQL cluster in a temp dir, run as the `postgres` user when we are root.
struct PrivatePg {
    dir: tempfile::TempDir,
    port: u16,
    as_root: bool,
}

impl PrivatePg {
    fn run(&self, tool: &str, args: &[&str]) -> bool {
        let exe = PathBuf::from(PG_BIN).join(tool);
        let mut cmd = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn start() -> Option<PrivatePg> {
        if !Path::new(PG_BIN).join("initdb").exists() {
            eprintln!("{PG_BIN}/initdb not found: outage test skipped");
            return None;
        }
        let as_root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let dir = tempfile::Builder::new()
            .prefix("donations-outage-")
            .tempdir()
            .unwrap();
        if as_root {
            let ok = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown the temp dir to postgres");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let pg = PrivatePg { dir, port, as_root };
        let data = pg.data();
        assert!(
            pg.run(
                "initdb",
                &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"]
            ),
            "initdb"
        );
        assert!(pg.up(), "pg_ctl start");
        Some(pg)
    }

    fn up(&self) -> bool {
        let data = self.data();
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        self.run(
            "pg_ctl",
            &["-D", &data, "-o", &opts, "-l", &log, "-w", "start"],
        )
    }

    fn down(&self) -> bool {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        )
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let _ = self.run("pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"]);
    }
}

fn gifts() -> Vec<GiftSpec> {
    (0..12)
        .map(|i| {
            if i % 3 == 0 {
                GiftSpec::Recurring {
                    gift: 2_500 + i,
                    annual: false,
                    installments: 2,
                    fail_first: false,
                    refund_of: None,
                    new_total: None,
                    cancel: i % 2 == 0,
                }
            } else {
                GiftSpec::OneTime {
                    gift: 5_000 + i,
                    fail_first: i % 4 == 1,
                    fee: true,
                    refunds: if i % 5 == 0 { vec![250] } else { vec![] },
                    full: false,
                    undone: None,
                    dispute: DisputeEnd::None,
                }
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_5xx_and_recovers_without_restart() {
    let Some(pg) = PrivatePg::start() else {
        return;
    };
    let db = TestDb::new(&Backend::Postgres(pg.url())).await;
    let app = helpers::spawn_on(db, &[("DATABASE_MAX_CONNECTIONS", "4")]).await;
    let campaign = helpers::campaign(&app, "outage", 1_000_000).await;
    let gifts = gifts();
    let mut events = Vec::new();
    let mut clock = 1_700_000_000;
    for (i, g) in gifts.iter().enumerate() {
        let (freq, gift) = match g {
            GiftSpec::OneTime { gift, .. } => ("one_time", *gift),
            GiftSpec::Recurring { gift, .. } => ("monthly", *gift),
        };
        let email = format!("donor{}@example.org", i % 2);
        let d = pending_donation(
            app.store.as_ref(),
            &campaign,
            freq,
            gift,
            total_for(gift),
            &email,
        )
        .await;
        let tag = format!("outage_{i}");
        events.extend(events_of(
            g,
            &gift_vars(&d, "outage", &tag),
            &tag,
            &mut clock,
        ));
    }
    let half = events.len() / 2;
    for e in &events[..half] {
        assert_eq!(app.deliver(e).await.0, 200);
    }

    assert!(pg.down(), "pg_ctl stop");
    let (s, _) = app.get_json("/ready").await;
    assert_eq!(s, 503, "/ready while the database is down");
    // All at once: each waits for the pool's acquire timeout before answering.
    let answers = futures::future::join_all(events[half..].iter().map(|e| app.deliver(e))).await;
    for (s, body) in &answers {
        assert!(
            *s >= 500,
            "a webhook answered {s} with the database down: {body}"
        );
        assert_eq!(*s, 503, "{body}");
    }
    let refused: Vec<&String> = events[half..].iter().collect();
    let (s, _) = app.get_json("/api/v1/campaigns/outage").await;
    assert!(s >= 500, "progress answered {s} with the database down");
    let (s, _) = app.get_json("/health").await;
    assert_eq!(s, 200, "the process is alive");

    assert!(pg.up(), "pg_ctl start again");
    // The same process reconnects: wait (no time limit asserted) until it is ready again.
    let mut ready = false;
    for _ in 0..600 {
        if app.get_json("/ready").await.0 == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "/ready never recovered");
    // Redeliver what was refused, as Stripe does, retrying any 5xx left from stale connections.
    for e in refused {
        let mut ok = false;
        for _ in 0..20 {
            let (s, _) = app.deliver(e).await;
            if s == 200 {
                ok = true;
                break;
            }
            assert!(s >= 500, "{s}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(ok, "an event was never accepted after the restart");
    }
    let (_, p) = app
        .store
        .campaign_progress("outage")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (p.raised_minor, p.gifts, p.donors, p.recurring_active),
        expected(&gifts)
    );
    drop(app);
}
