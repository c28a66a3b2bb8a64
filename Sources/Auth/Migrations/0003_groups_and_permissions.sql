-- Who may do what, as django.contrib.auth has it: permissions named "<app>.<action>_<thing>",
-- granted to groups or to users directly; a superuser has every permission; an inactive user
-- cannot sign in.

-- migrate:up
ALTER TABLE users
    ADD COLUMN is_superuser boolean NOT NULL DEFAULT false,
    ADD COLUMN is_active boolean NOT NULL DEFAULT true,
    ADD COLUMN last_login_at timestamptz;
-- Before permissions, every staff member could do everything in the staff area: they keep it.
UPDATE users SET is_superuser = true WHERE is_staff;

CREATE TABLE auth_permissions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- "polls.add_question": the app's label, a dot, what it allows.
    codename text NOT NULL UNIQUE CHECK (codename ~ '^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$'),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200)
);

CREATE TABLE auth_groups (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 150)
);
CREATE UNIQUE INDEX auth_groups_name_key ON auth_groups (lower(name));

CREATE TABLE auth_group_permissions (
    group_id bigint NOT NULL REFERENCES auth_groups (id) ON DELETE CASCADE,
    permission_id bigint NOT NULL REFERENCES auth_permissions (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, permission_id)
);

CREATE TABLE auth_user_groups (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id bigint NOT NULL REFERENCES auth_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
);
CREATE INDEX auth_user_groups_group_id_idx ON auth_user_groups (group_id);

CREATE TABLE auth_user_permissions (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission_id bigint NOT NULL REFERENCES auth_permissions (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, permission_id)
);

INSERT INTO auth_permissions (codename, name) VALUES
    ('auth.view_user', 'See the users and their groups'),
    ('auth.add_user', 'Create users'),
    ('auth.change_user', 'Deactivate users and change their groups'),
    ('auth.view_auditentry', 'See the audit log of staff actions');

-- migrate:down
DROP TABLE auth_user_permissions;
DROP TABLE auth_user_groups;
DROP TABLE auth_group_permissions;
DROP TABLE auth_groups;
DROP TABLE auth_permissions;
ALTER TABLE users DROP COLUMN last_login_at, DROP COLUMN is_active, DROP COLUMN is_superuser;
