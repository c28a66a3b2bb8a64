-- The answers to writes sent with an `Idempotency-Key`, kept for a day so that a client that
-- lost one can send the write again and get the same answer instead of a second write. A row
-- is written in the transaction of the write it answers: both are there, or neither.

-- migrate:up
CREATE TABLE idempotency_keys (
    -- Whose key: the signed-in user, or the client's address ("user:7", "address:192.0.2.1").
    client text NOT NULL,
    key text NOT NULL CHECK (octet_length(key) BETWEEN 1 AND 255),
    -- SHA-256 of the method, the route and the body: the same key with another request is refused.
    fingerprint bytea NOT NULL CHECK (octet_length(fingerprint) = 32),
    status smallint NOT NULL CHECK (status BETWEEN 200 AND 399),
    content_type text,
    location text,
    body bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client, key)
);
-- The pruning deletes the oldest first.
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);

-- migrate:down
DROP TABLE idempotency_keys;
