-- Up Migration
-- Billing: lifecycle events as metered (once each, by event id), prices with effective dates, exchange rates
-- with history, per-tenant billing terms, and invoices. Money is numeric, never float; times are timestamptz.

-- Every lifecycle event that matters for metering, once. Usage is derived from these in time order, so
-- events that arrive late or out of order change nothing but what they should.
CREATE TABLE metered_events (
  event_id        uuid PRIMARY KEY,
  resource_uid    uuid NOT NULL,
  tenant          text NOT NULL,
  resource_kind   text NOT NULL,
  resource_class  text NOT NULL,
  region          text NOT NULL,
  state           text NOT NULL,          -- the phase the resource entered
  occurred_at     timestamptz NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX metered_events_by_resource ON metered_events (resource_uid, occurred_at, event_id);
CREATE INDEX metered_events_by_tenant ON metered_events (tenant, occurred_at);

-- Prices per resource class, region and currency, per unit (hour), valid over [effective_from, effective_to).
CREATE TABLE prices (
  resource_class  text NOT NULL,
  region          text NOT NULL,
  currency        char(3) NOT NULL,
  unit            text NOT NULL DEFAULT 'hour',
  unit_price      numeric(20, 8) NOT NULL CHECK (unit_price >= 0),
  effective_from  timestamptz NOT NULL,
  effective_to    timestamptz,
  PRIMARY KEY (resource_class, region, currency, effective_from),
  CHECK (effective_to IS NULL OR effective_to > effective_from)
);

-- How many units of `currency` one US dollar buys, from `effective_from` on.
CREATE TABLE exchange_rates (
  currency        char(3) NOT NULL,
  per_usd         numeric(24, 10) NOT NULL CHECK (per_usd > 0),
  effective_from  timestamptz NOT NULL,
  PRIMARY KEY (currency, effective_from)
);

-- Per-tenant terms: tax rate, discounts and credits (see the invoice module for the order they apply in).
CREATE TABLE billing_terms (
  tenant     text PRIMARY KEY,
  tax_rate   numeric(8, 6) NOT NULL DEFAULT 0 CHECK (tax_rate >= 0 AND tax_rate < 1),
  discounts  jsonb NOT NULL DEFAULT '[]'::jsonb,
  credits    jsonb NOT NULL DEFAULT '[]'::jsonb
);

-- Invoices as issued (or the latest draft). An issued invoice never changes: corrections are credit notes.
CREATE TABLE invoices (
  id              text PRIMARY KEY,          -- namespace/name of the Invoice object
  uid             uuid NOT NULL UNIQUE,
  tenant          text NOT NULL,
  period_start    timestamptz NOT NULL,
  period_end      timestamptz NOT NULL,
  currency        char(3) NOT NULL,
  status          text NOT NULL CHECK (status IN ('Draft', 'Issued')),
  subtotal        numeric(20, 4) NOT NULL,
  discount_total  numeric(20, 4) NOT NULL,
  tax_total       numeric(20, 4) NOT NULL,
  credit_total    numeric(20, 4) NOT NULL,
  total           numeric(20, 4) NOT NULL,
  per_usd         numeric(24, 10),           -- the exchange rate at issue time
  lines           jsonb NOT NULL,
  issued_at       timestamptz,
  presented       jsonb NOT NULL,            -- the invoice exactly as shown and exported
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (period_end > period_start)
);
CREATE UNIQUE INDEX invoices_one_issued_per_period ON invoices (tenant, period_start, period_end) WHERE status = 'Issued';

CREATE FUNCTION invoices_issued_are_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'Issued' THEN
    RAISE EXCEPTION 'invoice % is issued and cannot change; issue a credit note instead', OLD.id USING ERRCODE = '42501';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER invoices_issued_are_final BEFORE UPDATE OR DELETE ON invoices
  FOR EACH ROW EXECUTE FUNCTION invoices_issued_are_final();

CREATE TABLE credit_notes (
  id          uuid PRIMARY KEY,
  invoice_id  text NOT NULL REFERENCES invoices (id),
  amount      numeric(20, 4) NOT NULL CHECK (amount > 0),
  currency    char(3) NOT NULL,
  reason      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Default prices from 2026-01-01, per hour: instance sizes, vCPU of custom instances, networks; USD and EUR.
INSERT INTO prices (resource_class, region, currency, unit_price, effective_from)
SELECT c.class, r.region, p.currency, round(c.usd * r.factor * p.factor, 8), '2026-01-01T00:00:00Z'
FROM (VALUES ('small', 0.0230), ('medium', 0.0460), ('large', 0.1840), ('xlarge', 0.3680), ('vcpu', 0.0230), ('network', 0.0100)) AS c(class, usd)
CROSS JOIN (VALUES ('eu-west-1', 1.10), ('us-east-1', 1.00)) AS r(region, factor)
CROSS JOIN (VALUES ('USD', 1.00), ('EUR', 0.92)) AS p(currency, factor);

INSERT INTO exchange_rates (currency, per_usd, effective_from) VALUES
  ('USD', 1, '2026-01-01T00:00:00Z'),
  ('EUR', 0.92, '2026-01-01T00:00:00Z'),
  ('GBP', 0.79, '2026-01-01T00:00:00Z'),
  ('JPY', 154.0, '2026-01-01T00:00:00Z'),
  ('KWD', 0.307, '2026-01-01T00:00:00Z'),
  ('CHF', 0.88, '2026-01-01T00:00:00Z');

-- Down Migration
DROP TABLE credit_notes;
DROP TABLE invoices;
DROP FUNCTION invoices_issued_are_final;
DROP TABLE billing_terms;
DROP TABLE exchange_rates;
DROP TABLE prices;
DROP TABLE metered_events;
