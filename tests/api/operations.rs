//! What an operator runs beside a server: `deploy/backup.sh` on a running server's database
//! (the restored copy, served by a server of its own, shows the same totals; SQLite through
//! `donations backup`, PostgreSQL through `pg_dump` and `pg_restore`), and `donations
//! ready-check`, the container's health check.

use std::process::Command;

use crate::helpers::{Backend, TestDb, event, gift_vars, pending_donation, spawn_app, spawn_on};

backend_tests!(
    a_backup_of_a_running_server_restores_to_the_same_totals,
    ready_check_passes_only_while_the_server_is_ready,
);

fn script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/backup.sh")
}

async fn a_backup_of_a_running_server_restores_to_the_same_totals(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let demo = app.store.campaign_by_slug("demo").await.unwrap().unwrap();
    for (i, (frequency, gift)) in [("one_time", 5000), ("one_time", 2500), ("one_time", 1234)]
        .into_iter()
        .enumerate()
    {
        let email = format!("donor{i}@example.org");
        let d = pending_donation(app.store.as_ref(), &demo, frequency, gift, gift, &email).await;
        let v = gift_vars(&d, "demo", &format!("b{i}"));
        let (status, body) = app.deliver(&event("checkout.session.completed", &v)).await;
        assert_eq!(status, 200, "{body}");
    }
    let before = app.progress("demo").await;
    assert_eq!(before["raised_minor"], 8734, "{before}");
    assert_eq!(before["donors"], 3, "{before}");

    // The server keeps running while the script backs its database up.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(script())
        .arg(dir.path())
        .arg("2")
        .env("DATABASE_URL", &app.db.url)
        .env("DONATIONS_BIN", env!("CARGO_BIN_EXE_donations"))
        .output()
        .expect("deploy/backup.sh runs");
    assert!(
        out.status.success(),
        "backup.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let backup = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(std::path::Path::new(&backup).is_file(), "{backup}");
    assert!(app.progress("demo").await == before, "the server went on");

    let restored = match &b {
        Backend::Sqlite => {
            let db = TestDb::new(&b).await;
            let path = db.url.trim_start_matches("sqlite://").to_string();
            std::fs::copy(&backup, &path).expect("restore by copying the file");
            db
        }
        Backend::Postgres(_) => {
            let db = TestDb::new(&b).await;
            let out = Command::new("pg_restore")
                .args(["--no-owner", "--exit-on-error", "--dbname"])
                .arg(&db.url)
                .arg(&backup)
                .output()
                .expect("pg_restore (PostgreSQL's client tools) is installed");
            assert!(
                out.status.success(),
                "pg_restore failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            db
        }
    };
    let copy = spawn_on(restored, &[]).await;
    assert_eq!(copy.progress("demo").await, before);
    copy.stop().await.unwrap();
    app.stop().await.unwrap();
}

async fn ready_check_passes_only_while_the_server_is_ready(b: Backend) {
    let app = spawn_app(&b, &[]).await;
    let db_url = app.db.url.clone();
    let check = |url: String| {
        Command::new(env!("CARGO_BIN_EXE_donations"))
            .args(["ready-check", "--timeout", "5s", "--url"])
            .arg(url)
            .env("DATABASE_URL", &db_url)
            .output()
            .expect("donations ready-check runs")
    };
    let up = check(app.at("/ready"));
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let url = app.at("/ready");
    app.stop().await.unwrap();
    let down = check(url);
    assert!(!down.status.success(), "a stopped server is not ready");
    assert!(
        String::from_utf8_lossy(&down.stderr).contains("/ready"),
        "the failure names what was asked"
    );
}
