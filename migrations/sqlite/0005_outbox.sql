-- Email, written in the same transaction as the fact that causes it and sent later by the mail
-- worker. `message_key` names the cause ('receipt:<payment id>', 'tribute:<donation id>', ...),
-- so a cause seen again (a duplicate or reordered event) cannot queue a second message.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    message_key     TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    donation_id     TEXT,
    payment_id      TEXT,
    recipient       TEXT    NOT NULL,
    -- What a message needs beyond its donation and payment (a statement's year), as JSON.
    payload         TEXT,
    -- pending, sent, or failed (given up after MAIL_MAX_ATTEMPTS).
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    -- A worker's claim: until then no other worker takes the message.
    locked_until    INTEGER,
    last_error      TEXT,
    subject         TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_donation ON outbox (donation_id);

-- Secrets the server makes for itself when none is configured (the self-service link key), so
-- that every process sharing the database uses the same one and a restart keeps it.
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Whether the donor is emailed a receipt: always for card gifts; staff choose for offline gifts.
ALTER TABLE donations ADD COLUMN email_receipt BOOLEAN NOT NULL DEFAULT 1;

-- A tribute notification tells the amount only when the donor chose so.
ALTER TABLE donations ADD COLUMN tribute_show_amount BOOLEAN NOT NULL DEFAULT 0;
