//! Shutdown and logs of the real binary (issue 17), on both backends: each test starts
//! `donations serve` as a process of its own and signals it.
//!
//! - `a_sigterm_mid_round_sends_each_message_once`: receipts are queued, the server's mail
//!   worker sends them to a slow SMTP server (tests/support/smtp_sink.py, each DATA held a
//!   second), and SIGTERM arrives while one is being received. The process finishes that one,
//!   records it, gives back the rest of its claim and exits 0 well within `SHUTDOWN_TIMEOUT`;
//!   started again, it sends the rest at once (not after the 300 s lease). The SMTP server
//!   receives every message exactly once (counted per `Message-ID`).
//! - `the_drain_deadline_abandons_what_is_left`: with a server slower than `SHUTDOWN_TIMEOUT`,
//!   the process logs what it abandons and exits (code 1) at the deadline.
//! - `a_request_in_flight_is_answered_after_sigterm`: SIGTERM arrives while a request's body is
//!   half sent. New connections are refused at once, the request is answered once its body
//!   is in, and then the process exits 0.
//! - `json_logs_are_one_object_per_line`: with `LOG_FORMAT=json` every line the process writes
//!   from start to stop is a JSON object with a `message`; a bad `LOG_FORMAT` stops start-up
//!   with an error naming it.

#[path = "api/helpers/mod.rs"]
mod helpers;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use donations::store::Store;
use helpers::{Backend, TestDb, campaign_in, event, gift_vars, ingest, pending_donation, with};

backend_tests!(
    a_sigterm_mid_round_sends_each_message_once,
    the_drain_deadline_abandons_what_is_left,
    a_request_in_flight_is_answered_after_sigterm,
    json_logs_are_one_object_per_line,
);

// ---- a slow SMTP server ----

/// aiosmtpd on a free loopback port, answering each DATA `delay` seconds after it arrived and
/// writing what it accepts to a folder; stopped on drop.
struct SmtpSink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    /// `None` (and a note) when aiosmtpd is missing on a developer's machine; under CI a
    /// missing server fails the test instead.
    fn start(delay: f64) -> Option<SmtpSink> {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir.path())
            .arg("0")
            .arg(delay.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        match line.trim().strip_prefix("ready ") {
            Some(port) => Some(SmtpSink {
                port: port.parse().unwrap(),
                child,
                dir,
            }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                assert!(
                    std::env::var_os("CI").is_none(),
                    "the SMTP test server did not start (pip install aiosmtpd)"
                );
                eprintln!("skipping: python3 with aiosmtpd is needed for this test");
                None
            }
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// True while the server holds a message's DATA (before answering it).
    fn receiving(&self) -> bool {
        self.dir.path().join(".receiving").exists()
    }

    /// How many times each `Message-ID` was accepted.
    fn received(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if !name.ends_with(".eml") || name.starts_with('.') {
                continue;
            }
            let raw = std::fs::read_to_string(self.dir.path().join(&name)).unwrap();
            let id = raw
                .lines()
                .find_map(|l| {
                    l.split_once(':')
                        .filter(|(k, _)| k.eq_ignore_ascii_case("message-id"))
                        .map(|(_, v)| v.trim().to_string())
                })
                .unwrap_or_else(|| panic!("{name} has no Message-ID"));
            *counts.entry(id).or_default() += 1;
        }
        counts
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- the server as a process ----

struct Proc {
    child: Child,
    url: String,
    /// Where its standard output (the log) goes.
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Proc {
    /// `donations serve` on `db_url` with `vars`; returns once `/health` answers.
    async fn start(db_url: &str, vars: &[(&str, &str)]) -> Proc {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("stdout.log");
        let child = Command::new(env!("CARGO_BIN_EXE_donations"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", db_url)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("DATABASE_MAX_CONNECTIONS", "4")
            .env("DEMO_CAMPAIGN", "false")
            .env("MAIL_OUTBOX_DIR", dir.path().join("outbox"))
            .env("RUST_LOG", "info,sqlx=warn")
            .envs(vars.iter().copied())
            .current_dir(dir.path())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::piped())
            .spawn()
            .expect("server binary");
        let mut proc = Proc {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        };
        let client = reqwest::Client::new();
        for _ in 0..3000 {
            if let Ok(r) = client.get(format!("{}/health", proc.url)).send().await
                && r.status().is_success()
            {
                return proc;
            }
            if let Ok(Some(status)) = proc.child.try_wait() {
                panic!("server exited at start ({status}): {}", proc.output());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("server on port {port} did not start: {}", proc.output());
    }

    fn sigterm(&self) {
        // SAFETY: kill only sends a signal to the child this test started.
        assert_eq!(
            unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) },
            0
        );
    }

    /// Waits up to `within` for the process to exit: its status and how long it took.
    async fn exit_within(&mut self, within: Duration) -> (ExitStatus, Duration) {
        let started = Instant::now();
        while started.elapsed() < within {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "still running {within:?} after SIGTERM; log:\n{}",
            self.output()
        );
    }

    /// Its log so far, and its standard error once it has exited.
    fn output(&mut self) -> String {
        let mut out = std::fs::read_to_string(&self.log).unwrap_or_default();
        if let Ok(Some(_)) = self.child.try_wait()
            && let Some(mut err) = self.child.stderr.take()
        {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut err, &mut s);
            out.push_str(&s);
        }
        out
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `gifts` paid one-time gifts, whose receipts wait in the outbox; the store stays open.
async fn queue_receipts(db: &TestDb, gifts: usize) -> Arc<dyn Store> {
    let store = donations::store::connect(&db.url, 2).await.unwrap();
    let c = campaign_in(store.as_ref(), "drain", 1_000_000).await;
    for i in 0..gifts {
        let email = format!("donor{i}@example.org");
        let d = pending_donation(store.as_ref(), &c, "one_time", 2500, 2500, &email).await;
        let tag = format!("drain{i}");
        let vars = with(
            &gift_vars(&d, &c.slug, &tag),
            &[("EVENT_ID", format!("evt_{tag}"))],
        );
        ingest(store.as_ref(), &event("checkout.session.completed", &vars)).await;
    }
    store
}

async fn wait_for(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < within, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---- the tests ----

async fn a_sigterm_mid_round_sends_each_message_once(b: Backend) {
    let Some(sink) = SmtpSink::start(1.0) else {
        return;
    };
    let db = TestDb::new(&b).await;
    let store = queue_receipts(&db, 4).await;
    let queued = store.outbox(None).await.unwrap();
    assert!(queued.len() >= 4, "{queued:?}");
    let vars = [
        ("SMTP_URL", sink.url()),
        ("MAIL_WORKER_INTERVAL", "200ms".to_string()),
        ("SHUTDOWN_TIMEOUT", "20s".to_string()),
    ];
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = Proc::start(&db.url, &vars).await;

    // One round claims every message; SIGTERM while the first is being received.
    wait_for(
        "the first message to reach SMTP",
        Duration::from_secs(30),
        || sink.receiving(),
    )
    .await;
    server.sigterm();
    let (status, took) = server.exit_within(Duration::from_secs(20)).await;
    let log = server.output();
    assert!(status.success(), "exit {status}; log:\n{log}");
    assert!(took < Duration::from_secs(10), "took {took:?}; log:\n{log}");

    // The message being sent was finished and recorded; the rest were released, not sent.
    let after = store.outbox(None).await.unwrap();
    let sent: Vec<_> = after.iter().filter(|m| m.status == "sent").collect();
    assert!(
        !sent.is_empty() && sent.len() < queued.len(),
        "stopped mid-round: {after:?}\n{log}"
    );
    assert_eq!(sink.received().len(), sent.len(), "{log}");
    for m in after.iter().filter(|m| m.status != "sent") {
        assert_eq!(
            (m.status.as_str(), m.attempts, m.locked_until),
            ("pending", 0, None),
            "released unattempted: {m:?}"
        );
    }
    assert!(log.contains("released"), "{log}");

    // Started again, the server sends the rest at once, not after the 300 s lease.
    let mut again = Proc::start(&db.url, &vars).await;
    let started = Instant::now();
    loop {
        let out = store.outbox(None).await.unwrap();
        if out.iter().all(|m| m.status == "sent") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "not all sent: {out:?}\n{}",
            again.output()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    again.sigterm();
    let (status, _) = again.exit_within(Duration::from_secs(20)).await;
    assert!(status.success(), "exit {status}: {}", again.output());

    // Every message reached the SMTP server exactly once.
    let received = sink.received();
    assert_eq!(received.len(), queued.len(), "{received:?}");
    assert!(
        received.values().all(|n| *n == 1),
        "a message went out twice: {received:?}"
    );
    store.close().await;
}

async fn the_drain_deadline_abandons_what_is_left(b: Backend) {
    let Some(sink) = SmtpSink::start(8.0) else {
        return;
    };
    let db = TestDb::new(&b).await;
    let store = queue_receipts(&db, 1).await;
    let vars = [
        ("SMTP_URL", sink.url()),
        ("MAIL_WORKER_INTERVAL", "200ms".to_string()),
        ("SHUTDOWN_TIMEOUT", "1s".to_string()),
    ];
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = Proc::start(&db.url, &vars).await;
    wait_for("the message to reach SMTP", Duration::from_secs(30), || {
        sink.receiving()
    })
    .await;
    server.sigterm();
    let (status, took) = server.exit_within(Duration::from_secs(6)).await;
    let log = server.output();
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "took {took:?}: {log}"
    );
    assert!(log.contains("SHUTDOWN_TIMEOUT passed"), "{log}");
    assert!(log.contains("mail_round=true"), "{log}");
    store.close().await;
}

async fn a_request_in_flight_is_answered_after_sigterm(b: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = TestDb::new(&b).await;
    let mut server = Proc::start(&db.url, &[]).await;
    let addr = server.url.trim_start_matches("http://").to_string();
    let body = br#"{"amount":"25.00","email":"ana@example.org"}"#;
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/campaigns/nothing-here/checkout HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    server.sigterm();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        tokio::net::TcpStream::connect(&addr).await.is_err(),
        "no longer accepting"
    );
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "still serving the request in flight: {}",
        server.output()
    );
    stream.write_all(&body[10..]).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("answered")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    // The body's second half (sent after the signal) was read: its unknown field is named.
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
    assert!(answer.contains(r#""field":"email""#), "{answer}");
    let (status, _) = server.exit_within(Duration::from_secs(20)).await;
    assert!(status.success(), "exit {status}: {}", server.output());
}

async fn json_logs_are_one_object_per_line(b: Backend) {
    let db = TestDb::new(&b).await;
    let mut server = Proc::start(&db.url, &[("LOG_FORMAT", "json")]).await;
    let r = reqwest::get(format!("{}/api/v1/campaigns/nothing-here", server.url))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    server.sigterm();
    let (status, _) = server.exit_within(Duration::from_secs(20)).await;
    let output = server.output();
    assert!(status.success(), "exit {status}: {output}");
    let lines: Vec<&str> = output.lines().collect();
    assert!(lines.len() >= 3, "{output}");
    let mut messages = Vec::new();
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        let message = v["message"].as_str().unwrap_or_else(|| panic!("{line}"));
        assert!(
            v["level"].is_string() && v["timestamp"].is_string(),
            "{line}"
        );
        messages.push(message.to_string());
    }
    for expected in ["listening", "shutting down", "stopped"] {
        assert!(messages.iter().any(|m| m == expected), "{messages:?}");
    }

    // A bad value stops start-up, naming the variable.
    let bad = Command::new(env!("CARGO_BIN_EXE_donations"))
        .arg("serve")
        .env_clear()
        .env("DATABASE_URL", &db.url)
        .env("LOG_FORMAT", "xml")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("LOG_FORMAT") && stderr.contains("xml"),
        "{stderr}"
    );
}
