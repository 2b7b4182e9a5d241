-- Dashboard sessions: a browser logs in with a staff token and gets a random session id in a
-- cookie. Only the id's SHA-256 hash is stored. A session ends at its expiry, at logout, or when
-- its token is revoked (every lookup joins the token and requires it unrevoked).
CREATE TABLE staff_sessions (
    id_hash      TEXT    PRIMARY KEY,
    token_id     BIGINT NOT NULL REFERENCES staff_tokens (id),
    csrf_token   TEXT    NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX staff_sessions_token ON staff_sessions (token_id);
