//! `donations ready-check`: asks a running server's `/ready` (which makes a test write) and
//! succeeds only on a 200, for container health checks and scripts; no curl in the image.

use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::Empty;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// The URL of the local server's readiness check: `BIND_ADDR`, with an unspecified address
/// (`0.0.0.0`, `[::]`) asked on loopback.
pub fn ready_url(bind: SocketAddr) -> String {
    let ip = match bind.ip() {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => "127.0.0.1".to_string(),
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => "[::1]".to_string(),
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
    };
    format!("http://{ip}:{}/ready", bind.port())
}

/// Ok when `url` answers 200 within `timeout`; otherwise what went wrong, in a line.
pub async fn ready_check(url: &str, timeout: Duration) -> Result<(), String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!("{url}: only http:// is asked (the local server)"));
    }
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let response = tokio::time::timeout(timeout, client.get(uri))
        .await
        .map_err(|_| {
            format!(
                "{url}: no answer within {}",
                humantime::format_duration(timeout)
            )
        })?
        .map_err(|e| format!("{url}: {e}"))?;
    match response.status().as_u16() {
        200 => Ok(()),
        status => Err(format!("{url}: answered {status}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_bind_address_is_asked_on_loopback() {
        assert_eq!(
            ready_url("0.0.0.0:8080".parse().unwrap()),
            "http://127.0.0.1:8080/ready"
        );
        assert_eq!(
            ready_url("[::]:80".parse().unwrap()),
            "http://[::1]:80/ready"
        );
        assert_eq!(
            ready_url("10.1.2.3:9000".parse().unwrap()),
            "http://10.1.2.3:9000/ready"
        );
    }

    #[tokio::test]
    async fn nothing_listening_is_a_failure_not_a_hang() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = ready_check(&ready_url(addr), Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(err.contains(&addr.port().to_string()), "{err}");
        assert!(
            ready_check("https://example.org/ready", Duration::from_secs(1))
                .await
                .is_err()
        );
    }
}
