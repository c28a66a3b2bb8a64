-- The login throttle, shared by every replica: failed logins counted per key, and the
-- browsers ("devices") that have logged in before, whose owners an attacker cannot lock out.

-- migrate:up
CREATE TABLE login_failures (
    -- "user:<lowercased username>", "client:<address>" or "device:<digest>".
    key text PRIMARY KEY,
    failures integer NOT NULL CHECK (failures > 0),
    last_failure_at timestamptz NOT NULL
);
-- Pruning finds the old rows without reading the table.
CREATE INDEX login_failures_last_failure_at_idx ON login_failures (last_failure_at);

CREATE TABLE login_devices (
    -- SHA-256 of the device cookie's token, as sessions store theirs.
    id text PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_login_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_devices_last_login_at_idx ON login_devices (last_login_at);

-- migrate:down
DROP TABLE login_devices;
DROP TABLE login_failures;
