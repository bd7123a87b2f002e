-- Up Migration
-- Resource labels on metered events, for cost by tags; and reserved capacity bought for a term, amortised
-- over it day by day.
ALTER TABLE metered_events ADD COLUMN labels jsonb NOT NULL DEFAULT '{}'::jsonb;

CREATE TABLE reservations (
  id          text PRIMARY KEY,
  tenant      text NOT NULL,
  amount      numeric(20, 4) NOT NULL CHECK (amount >= 0),
  currency    char(3) NOT NULL,
  term_start  timestamptz NOT NULL,
  term_end    timestamptz NOT NULL,
  CHECK (term_end > term_start)
);
CREATE INDEX reservations_by_tenant ON reservations (tenant, term_start);

-- Down Migration
DROP TABLE reservations;
ALTER TABLE metered_events DROP COLUMN labels;
