-- /ready proves that a write can be made, not only a read: each readiness check rewrites this
-- one row in a write transaction of its own.
CREATE TABLE heartbeat (
    id INTEGER PRIMARY KEY,
    checked_at BIGINT NOT NULL
);
