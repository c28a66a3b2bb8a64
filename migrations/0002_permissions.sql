-- What the staff area lets a staff member do, as Auth's permissions: superusers have them all;
-- other staff get them through groups (`ballot groups set editors polls.add_question ...`).

-- migrate:up
INSERT INTO auth_permissions (codename, name) VALUES
    ('polls.view_question', 'See every question in the staff area, scheduled ones included'),
    ('polls.add_question', 'Create questions'),
    ('polls.change_question', 'Close questions to votes'),
    ('polls.delete_question', 'Delete questions and their votes');

-- migrate:down
DELETE FROM auth_permissions WHERE codename LIKE 'polls.%';
