//! Slow clients cannot starve the server (issue 12, item 6): half-sent requests beyond the
//! open-files limit, heads trickled byte by byte, bodies that stall, idle keep-alive
//! connections. The server's own accept loop (`src/http/serve.rs`) closes each in time and a
//! normal request is still answered. Waits are bounded polls, generous for a slow machine.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::{Backend, TestDb, WEBHOOK_SECRET, spawn_app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

/// The start of a request whose head never ends.
const HALF_SENT: &[u8] = b"GET /api/v1/campaigns/demo HTTP/1.1\r\nHost: x\r\n";

/// The server binary, killed and waited for on drop.
struct Proc {
    child: Child,
    url: String,
    addr: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port()
}

/// Starts the binary with the open-files limit `soft`:`hard` and `vars`, and waits for /health.
async fn start(db_url: &str, (soft, hard): (u64, u64), vars: &[(&str, &str)]) -> Proc {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_donations"));
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db_url)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env("DATABASE_MAX_CONNECTIONS", "4")
        .env("MAIL_WORKER_INTERVAL", "off")
        .env("RUST_LOG", "error")
        .envs(vars.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    let limit = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: setrlimit is async-signal-safe and touches nothing of the parent's.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let proc = Proc {
        child: cmd.spawn().expect("server binary"),
        url: format!("http://127.0.0.1:{port}"),
        addr: format!("127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..3000 {
        if let Ok(r) = client.get(format!("{}/health", proc.url)).send().await
            && r.status().is_success()
        {
            return proc;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("server on port {port} did not start");
}

/// Reads until the peer closes (`true`), or gives up after `within` (`false`). A reset counts
/// as closed; bytes before the end (a 408) are allowed.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        match timeout(
            deadline.saturating_duration_since(Instant::now()),
            stream.read(&mut buf),
        )
        .await
        {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// One HTTP/1.1 response read off `stream`: its status, headers (lowercased) and body.
async fn read_response(stream: &mut TcpStream) -> Option<(u16, String, String)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match timeout(Duration::from_secs(20), stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => data.extend_from_slice(&buf[..n]),
            _ => return None,
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap_or(0))
        .unwrap_or(0);
    while data.len() < head_end + length {
        match timeout(Duration::from_secs(20), stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => data.extend_from_slice(&buf[..n]),
            _ => return None,
        }
    }
    let body = String::from_utf8_lossy(&data[head_end..head_end + length]).into_owned();
    Some((status, head, body))
}

const PROGRESS: &[u8] = b"GET /api/v1/campaigns/demo HTTP/1.1\r\nHost: x\r\n\r\n";

/// 400 connections that each send half a request head, against a server allowed 256 open
/// files and 150 connections: every one is accepted in turn and closed after its header
/// timeout, and a normal progress read is answered.
async fn half_sent_connections_beyond_the_file_limit_do_not_starve_a_progress_read(
    backend: Backend,
) {
    const FILES: u64 = 256;
    const ATTACKERS: usize = 400;
    let db = TestDb::new(&backend).await;
    let server = start(
        &db.url,
        (FILES, FILES),
        &[("MAX_CONNECTIONS", "150"), ("HEADER_READ_TIMEOUT", "2s")],
    )
    .await;
    let mut attackers = Vec::with_capacity(ATTACKERS);
    for _ in 0..ATTACKERS {
        let mut s = TcpStream::connect(&server.addr).await.expect("connect");
        s.write_all(HALF_SENT).await.expect("half a head");
        attackers.push(s);
    }
    assert!(ATTACKERS as u64 > FILES);

    // A normal read, retried for up to 30 s: the header timeout frees the slots.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let answer = loop {
        match client
            .get(format!("{}/api/v1/campaigns/demo", server.url))
            .send()
            .await
        {
            Ok(r) => break Some((r.status().as_u16(), r.text().await.unwrap_or_default())),
            Err(_) if Instant::now() < deadline => continue,
            Err(_) => break None,
        }
    };
    let (status, body) = answer.expect("a progress read was answered within 30 s");
    assert_eq!(status, 200, "{body}");
    let progress: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(progress["raised_minor"].is_i64(), "{progress}");

    // Every half-sent connection was closed by the server, none left to hold a descriptor.
    let closed = futures::future::join_all(
        attackers
            .iter_mut()
            .map(|s| closed_within(s, Duration::from_secs(60))),
    )
    .await;
    assert_eq!(
        closed.iter().filter(|c| **c).count(),
        ATTACKERS,
        "half-sent connections still open"
    );
    // And the server is still whole.
    let r = client
        .get(format!("{}/ready", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

backend_tests!(half_sent_connections_beyond_the_file_limit_do_not_starve_a_progress_read);

/// A head trickled one byte every 100 ms, slower than the 1 s header timeout allows, is cut
/// off: the timeout runs from the first byte, not from the last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_sent_slower_than_the_header_timeout_is_closed() {
    let app = spawn_app(&Backend::Sqlite, &[("HEADER_READ_TIMEOUT", "1s")]).await;
    let addr = app.url.trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&addr).await.unwrap();
    let started = Instant::now();
    let trickle = b"GET /api/v1/campaigns/demo HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut cut_off = false;
    for byte in trickle.iter() {
        if s.write_all(&[*byte]).await.is_err() {
            cut_off = true;
            break;
        }
        // A read that ends (EOF or reset) within the pause: the server closed the connection.
        let mut buf = [0u8; 512];
        match timeout(Duration::from_millis(100), s.read(&mut buf)).await {
            Err(_) => {}
            Ok(Ok(0)) | Ok(Err(_)) => {
                cut_off = true;
                break;
            }
            Ok(Ok(_)) => {
                // A 408 before the close is allowed; the close must follow.
                cut_off = closed_within(&mut s, Duration::from_secs(5)).await;
                break;
            }
        }
    }
    assert!(
        cut_off,
        "a head trickled over {:?} was not cut off",
        started.elapsed()
    );
    // Not before the timeout, and well before the whole head could have been sent.
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert!(started.elapsed() < Duration::from_secs(14));
    // A client that sends its head at once is served as before.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(PROGRESS).await.unwrap();
    let (status, _, _) = read_response(&mut s).await.expect("an answer");
    assert_eq!(status, 200);
}

/// A body declared as 100 bytes of which 10 arrive: `408` in the API's error format once
/// BODY_READ_TIMEOUT (1 s) has passed, for the JSON API and for the donation form alike, and
/// the connection is closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stalls_past_the_body_timeout_gets_408() {
    let app = spawn_app(&Backend::Sqlite, &[("BODY_READ_TIMEOUT", "1s")]).await;
    let addr = app.url.trim_start_matches("http://").to_string();
    for (path, content_type, start) in [
        (
            "/api/v1/campaigns/demo/checkout",
            "application/json",
            &br#"{"amount":"#[..],
        ),
        (
            "/donate/demo",
            "application/x-www-form-urlencoded",
            &b"amount=25&"[..],
        ),
    ] {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: 100\r\n\r\n"
        );
        s.write_all(head.as_bytes()).await.unwrap();
        s.write_all(start).await.unwrap();
        let (status, headers, body) = read_response(&mut s)
            .await
            .unwrap_or_else(|| panic!("{path}: no answer to a stalled body"));
        assert_eq!(status, 408, "{path}: {body}");
        assert!(headers.contains("application/json"), "{path}: {headers}");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["errors"][0]["field"], "body", "{path}: {body}");
        assert!(body["errors"][0]["detail"].is_string(), "{path}: {body}");
        assert!(
            closed_within(&mut s, Duration::from_secs(10)).await,
            "{path}: the connection stayed open after the 408"
        );
    }
    // A body that arrives whole, in pieces within the timeout, is read as usual (422 or 4xx
    // for an incomplete gift, never 408).
    let mut s = TcpStream::connect(&addr).await.unwrap();
    let body = br#"{"amount":"25.00"}"#;
    let head = format!(
        "POST /api/v1/campaigns/demo/checkout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    for piece in body.chunks(6) {
        s.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, _, answer) = read_response(&mut s).await.expect("an answer");
    assert_eq!(status, 422, "{answer}");
}

/// With IDLE_TIMEOUT 1 s (and a header timeout of 30 s, so that it is not what closes it), a
/// keep-alive connection left idle after its answer is closed; one that keeps sending requests
/// every 300 ms for 4 s keeps being answered on the same connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_and_a_busy_one_is_not() {
    let app = spawn_app(
        &Backend::Sqlite,
        &[("IDLE_TIMEOUT", "1s"), ("HEADER_READ_TIMEOUT", "30s")],
    )
    .await;
    let addr = app.url.trim_start_matches("http://").to_string();

    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(PROGRESS).await.unwrap();
    let (status, headers, _) = read_response(&mut idle).await.expect("an answer");
    assert_eq!(status, 200);
    assert!(!headers.contains("connection: close"), "{headers}");
    let started = Instant::now();

    let mut busy = TcpStream::connect(&addr).await.unwrap();
    let mut answered = 0;
    while started.elapsed() < Duration::from_secs(4) {
        busy.write_all(PROGRESS)
            .await
            .expect("the busy connection is open");
        let (status, _, _) = read_response(&mut busy)
            .await
            .expect("the busy connection was answered");
        assert_eq!(status, 200);
        answered += 1;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(answered >= 5, "{answered}");

    assert!(
        closed_within(&mut idle, Duration::from_secs(10)).await,
        "the idle connection is still open"
    );
    assert!(started.elapsed() < Duration::from_secs(15));
}

/// Started with a soft limit of 128 open files under a hard limit of 512, the server runs with
/// 512: the soft limit is raised at start-up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_open_files_soft_limit_is_raised_to_the_hard_limit() {
    let db = TestDb::new(&Backend::Sqlite).await;
    let server = start(&db.url, (128, 512), &[]).await;
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.child.id()))
        .expect("/proc/PID/limits (Linux)");
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("an open-files line");
    let numbers: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(numbers, ["512", "512"], "{line}");
}

// ---- clients that give up while waiting their turn ----

/// Answers Checkout Session creations after `delay`, counting them.
#[derive(Clone)]
struct SlowStripe {
    delay: Duration,
    created: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl wiremock::Respond for SlowStripe {
    fn respond(&self, _: &wiremock::Request) -> wiremock::ResponseTemplate {
        let n = self
            .created
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let s = crate::helpers::fake_stripe::open_session(&format!("cs_test_slow_{n}"), "payment");
        wiremock::ResponseTemplate::new(200)
            .set_body_json(s)
            .set_delay(self.delay)
    }
}

/// With one turn (`MAX_REQUESTS_IN_FLIGHT=1`) held by a checkout waiting on a slow Stripe, 30
/// more checkouts whose clients give up after 300 ms are never started: once the server is idle
/// again, only the slow gift and one sent afterwards exist (without admission all 32 would run
/// to their end for clients that had gone, each holding the database and Stripe).
async fn requests_whose_clients_give_up_while_waiting_are_never_started(b: Backend) {
    let slow = SlowStripe {
        delay: Duration::from_secs(3),
        created: Default::default(),
    };
    let (app, stripe) = crate::helpers::fake_stripe::spawn_with_stripe(
        &b,
        &[("MAX_REQUESTS_IN_FLIGHT", "1")],
        slow.clone(),
    )
    .await;
    let campaign = app.store.campaign_by_slug("policy").await.unwrap().unwrap();
    let gift = |n: usize| {
        serde_json::json!({
            "amount": "10.00", "frequency": "one_time", "cover_fee": false,
            "donor": {"name": "Ana Pérez", "email": format!("giver{n}@example.org")},
        })
    };
    let url = app.at("/api/v1/campaigns/policy/checkout");
    let first = {
        let (client, url, body) = (app.client.clone(), url.clone(), gift(0));
        tokio::spawn(async move { client.post(url).json(&body).send().await })
    };
    // The first checkout holds the turn once it is talking to Stripe.
    let deadline = Instant::now() + Duration::from_secs(20);
    while stripe
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            Instant::now() < deadline,
            "the first checkout never reached Stripe"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let gave_up = futures::future::join_all((1..=30).map(|n| {
        let (client, url, body) = (impatient.clone(), url.clone(), gift(n));
        async move { client.post(url).json(&body).send().await.is_err() }
    }))
    .await;
    assert!(
        gave_up.iter().all(|g| *g),
        "every impatient client timed out"
    );
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status(), 201);
    // A donor after them is served (behind whatever did start), then the count is taken.
    let last = app.client.post(&url).json(&gift(99)).send().await.unwrap();
    assert_eq!(last.status(), 201);
    let donations = app
        .store
        .campaign_records(campaign.id)
        .await
        .unwrap()
        .donations;
    assert_eq!(
        donations.len(),
        2,
        "only the two patient gifts were started"
    );
    assert_eq!(slow.created.load(std::sync::atomic::Ordering::SeqCst), 2);
}

backend_tests!(requests_whose_clients_give_up_while_waiting_are_never_started);

/// At the cap, connections wait in the kernel's accept queue, and that queue is deep: with one
/// slot held by a half-sent request, 400 more connections all complete their handshake (the
/// listen backlog is 1024, not the 128 a plain `TcpListener::bind` asks for, beyond which
/// Linux drops SYNs and clients wait for retransmissions of 1 s, 3 s, 7 s, ...). Then the slot
/// is freed and a queued connection is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_wait_in_a_deep_accept_queue() {
    let app = spawn_app(
        &Backend::Sqlite,
        &[
            ("MAX_CONNECTIONS", "1"),
            ("HEADER_READ_TIMEOUT", "60s"),
            ("IDLE_TIMEOUT", "1s"),
        ],
    )
    .await;
    let addr = app.url.trim_start_matches("http://").to_string();
    let mut holder = TcpStream::connect(&addr).await.unwrap();
    holder.write_all(HALF_SENT).await.unwrap();
    // The harness's kept-alive connection goes idle after 1 s; then the holder has the slot.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let connects: Vec<_> = (0..400)
        .map(|_| {
            let addr = addr.clone();
            tokio::spawn(async move {
                timeout(Duration::from_secs(5), TcpStream::connect(addr))
                    .await
                    .ok()
                    .and_then(Result::ok)
            })
        })
        .collect();
    let mut queued = Vec::new();
    for c in connects {
        if let Some(s) = c.await.unwrap() {
            queued.push(s);
        }
    }
    eprintln!(
        "{} of 400 connections over the cap completed their handshake",
        queued.len()
    );
    // The kernel caps the queue at net.core.somaxconn (4096 since Linux 5.4, 128 before).
    let somaxconn: usize = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(4096);
    assert!(
        queued.len() >= 400.min(somaxconn),
        "connections over the cap were not queued (somaxconn {somaxconn})"
    );
    // Once the holder and the others go (each queued connection is then accepted, reads its
    // end and frees the slot), the one kept is served.
    let mut kept = queued.pop().unwrap();
    drop(holder);
    drop(queued);
    kept.write_all(PROGRESS).await.unwrap();
    let (status, _, _) = read_response(&mut kept).await.expect("an answer");
    assert_eq!(status, 200);
}
