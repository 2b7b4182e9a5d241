//! Where email goes: an SMTP server (lettre) or a folder of `.eml` files. Every message carries a
//! `Message-ID` derived from its outbox key, so a message sent twice (a crash between sending and
//! recording it) is recognizably the same message; the file transport even overwrites it.

use std::path::PathBuf;

use async_trait::async_trait;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use super::Letter;
use crate::config::MailConfig;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    /// May work later: the server is down, busy, or answered 4xx.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Will not work as it is: a rejected recipient or an unbuildable message.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

#[async_trait]
pub trait Transport: Send + Sync {
    fn name(&self) -> &'static str;
    /// Sends `letter` as the message called `key` (its outbox key).
    async fn send(&self, letter: &Letter, key: &str) -> Result<(), SendError>;
}

/// The `Message-ID` of the message queued under `key`: the same on every attempt.
pub fn message_id(key: &str, from: &str) -> String {
    let domain = from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').trim())
        .filter(|d| !d.is_empty())
        .unwrap_or("localhost");
    let digest = hex::encode(&Sha256::digest(key.as_bytes())[..16]);
    format!("<{digest}@{domain}>")
}

/// A body part in `encoding`. lettre refuses 8-bit for lines over 76 characters (its limit
/// for 7-bit); RFC 5322 allows up to 998, so such text is passed as already encoded, with CRLF
/// line ends. Anything longer falls back to quoted-printable.
fn encode(text: &str, encoding: ContentTransferEncoding) -> Body {
    if encoding == ContentTransferEncoding::EightBit
        && !text.contains('\0')
        && text.lines().all(|l| l.len() <= 998)
    {
        let crlf = text.lines().collect::<Vec<_>>().join("\r\n");
        return Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::EightBit);
    }
    Body::new_with_encoding(text.to_string(), ContentTransferEncoding::QuotedPrintable)
        .unwrap_or_else(|_| Body::new(text.to_string()))
}

/// Builds the MIME message: plain text and HTML alternatives in `encoding`.
pub fn build(
    letter: &Letter,
    key: &str,
    from: &str,
    reply_to: Option<&str>,
    encoding: ContentTransferEncoding,
) -> Result<Message, SendError> {
    let mailbox = |v: &str, what: &str| {
        v.parse::<Mailbox>()
            .map_err(|e| SendError::Permanent(format!("{what} {v:?}: {e}")))
    };
    let mut b = Message::builder()
        .from(mailbox(from, "sender")?)
        .to(mailbox(&letter.to, "recipient")?)
        .subject(letter.subject.clone())
        .message_id(Some(message_id(key, from)));
    if let Some(r) = reply_to {
        b = b.reply_to(mailbox(r, "reply-to")?);
    }
    b.multipart(
        MultiPart::alternative()
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(encode(&letter.text, encoding)),
            )
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(encode(&letter.html, encoding)),
            ),
    )
    .map_err(|e| SendError::Permanent(format!("message: {e}")))
}

pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
    from: String,
    reply_to: Option<String>,
}

impl SmtpTransport {
    pub fn new(url: &str, mail: &MailConfig) -> Result<Self, String> {
        let inner = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        Ok(Self {
            inner,
            from: mail.from.clone(),
            reply_to: mail.reply_to.clone(),
        })
    }
}

#[async_trait]
impl Transport for SmtpTransport {
    fn name(&self) -> &'static str {
        "smtp"
    }

    async fn send(&self, letter: &Letter, key: &str) -> Result<(), SendError> {
        // Quoted-printable passes any relay, whatever script the donor's name is written in.
        let encoding = ContentTransferEncoding::QuotedPrintable;
        let message = build(letter, key, &self.from, self.reply_to.as_deref(), encoding)?;
        self.inner.send(message).await.map(|_| ()).map_err(|e| {
            if e.is_permanent() {
                SendError::Permanent(e.to_string())
            } else {
                SendError::Transient(e.to_string())
            }
        })
    }
}

/// Writes each message to `<dir>/<key>.eml` (written to a temporary name, then renamed, so a
/// reader never sees half a file and a repeat replaces the same file).
pub struct FileTransport {
    dir: PathBuf,
    from: String,
    reply_to: Option<String>,
}

impl FileTransport {
    pub fn new(mail: &MailConfig) -> Self {
        Self {
            dir: mail.outbox_dir.clone(),
            from: mail.from.clone(),
            reply_to: mail.reply_to.clone(),
        }
    }

    /// The file a message is written to: its key with anything but `[A-Za-z0-9_-]` made `_`.
    pub fn file_name(key: &str) -> String {
        format!("{}.eml", super::file_safe(key, &['_']))
    }
}

#[async_trait]
impl Transport for FileTransport {
    fn name(&self) -> &'static str {
        "file"
    }

    async fn send(&self, letter: &Letter, key: &str) -> Result<(), SendError> {
        // 8-bit: the file is read by people as well as mail clients, and its links stay whole on
        // one line (quoted-printable would break them every 76 characters).
        let encoding = ContentTransferEncoding::EightBit;
        let message = build(letter, key, &self.from, self.reply_to.as_deref(), encoding)?;
        let io = |e: std::io::Error| SendError::Transient(format!("{}: {e}", self.dir.display()));
        tokio::fs::create_dir_all(&self.dir).await.map_err(io)?;
        let name = Self::file_name(key);
        let tmp = self.dir.join(format!(".{name}.tmp"));
        tokio::fs::write(&tmp, message.formatted())
            .await
            .map_err(io)?;
        tokio::fs::rename(&tmp, self.dir.join(name))
            .await
            .map_err(io)?;
        Ok(())
    }
}

/// The transport the configuration names: SMTP with `SMTP_URL`, else the outbox folder.
pub fn from_config(mail: &MailConfig) -> Result<std::sync::Arc<dyn Transport>, String> {
    Ok(match &mail.smtp_url {
        Some(url) => std::sync::Arc::new(SmtpTransport::new(url, mail)?),
        None => std::sync::Arc::new(FileTransport::new(mail)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_stable_per_key_and_name_the_sender_domain() {
        let a = message_id("receipt:in_1", "Giving <giving@example.org>");
        assert_eq!(a, message_id("receipt:in_1", "Giving <giving@example.org>"));
        assert_ne!(a, message_id("receipt:in_2", "Giving <giving@example.org>"));
        assert!(a.ends_with("@example.org>"), "{a}");
    }

    #[test]
    fn the_file_transport_keeps_long_links_whole_and_smtp_encodes_them() {
        let link = format!("https://donate.example.org/manage/{}", "a".repeat(150));
        let letter = Letter {
            to: "ana@example.org".into(),
            subject: "Receipt".into(),
            text: format!("Dear Ana Pérez,\n{link}\n"),
            html: format!("<a href=\"{link}\">manage</a>"),
        };
        let from = "Giving <giving@example.org>";
        let file = build(&letter, "k", from, None, ContentTransferEncoding::EightBit).unwrap();
        let raw = String::from_utf8(file.formatted()).unwrap();
        assert!(raw.contains(&link) && raw.contains("Ana Pérez"), "{raw}");
        assert!(raw.contains("Content-Transfer-Encoding: 8bit"));
        let smtp = build(
            &letter,
            "k",
            from,
            None,
            ContentTransferEncoding::QuotedPrintable,
        )
        .unwrap();
        let raw = String::from_utf8(smtp.formatted()).unwrap();
        assert!(raw.is_ascii() && !raw.contains(&link), "{raw}");
    }

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(
            FileTransport::file_name("receipt:donation:don_1/../x"),
            "receipt_donation_don_1____x.eml"
        );
    }
}
