-- Up Migration
-- The anti-affinity selectors an instance was placed with. They bind instances placed after it too (nothing
-- matching them may join its host), so the scheduler must get them back when it rebuilds its indexes from
-- these rows; instances placed before this column existed restore with none.
ALTER TABLE instances ADD COLUMN anti_affinity jsonb NOT NULL DEFAULT '[]'::jsonb;

-- Down Migration
ALTER TABLE instances DROP COLUMN anti_affinity;
