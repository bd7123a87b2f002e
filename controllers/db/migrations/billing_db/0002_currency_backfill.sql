-- Up Migration
-- Billing accounts per tenant with their currency, and the checkpoints of resumable backfill jobs. Invoices
-- written before currencies were recorded have none; the currency backfill fills them from the tenant.
CREATE TABLE tenant_accounts (
  tenant         text PRIMARY KEY,
  currency       char(3),
  backfilled_at  timestamptz
);

CREATE TABLE backfill_checkpoints (
  job          text PRIMARY KEY,
  phase        text NOT NULL,
  last_key     text NOT NULL DEFAULT '',
  rows_done    bigint NOT NULL DEFAULT 0,
  finished_at  timestamptz,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE invoices ALTER COLUMN currency DROP NOT NULL;

-- An issued invoice stays final, with one exception: a missing currency may be filled in, once.
CREATE OR REPLACE FUNCTION invoices_issued_are_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'Issued' THEN
    IF TG_OP = 'UPDATE' AND OLD.currency IS NULL AND NEW.currency IS NOT NULL
       AND to_jsonb(NEW) - 'currency' - 'updated_at' = to_jsonb(OLD) - 'currency' - 'updated_at' THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'invoice % is issued and cannot change; issue a credit note instead', OLD.id USING ERRCODE = '42501';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

-- Down Migration
ALTER TABLE invoices ALTER COLUMN currency SET NOT NULL;
DROP TABLE backfill_checkpoints;
DROP TABLE tenant_accounts;
