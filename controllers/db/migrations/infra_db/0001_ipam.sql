-- Up Migration
-- Networks, subnets and addresses. Exclusion constraints make overlapping ranges impossible whatever the
-- callers do: two operators racing for the same block get one row and one constraint violation.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE networks (
  uid           uuid PRIMARY KEY,
  scope         text NOT NULL,  -- the tenant's namespace: one tenant's networks never overlap, so they can peer
  name          text NOT NULL,
  region        text NOT NULL,
  cidr          cidr NOT NULL,
  phase         text NOT NULL DEFAULT 'Allocating',
  provider_id   text,
  operation_id  text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (scope, name),
  EXCLUDE USING gist (scope WITH =, cidr inet_ops WITH &&)
);

CREATE TABLE subnets (
  network_uid  uuid NOT NULL REFERENCES networks (uid) ON DELETE CASCADE,
  name         text NOT NULL,
  zone         text NOT NULL,
  cidr         cidr NOT NULL,
  PRIMARY KEY (network_uid, name),
  EXCLUDE USING gist (network_uid WITH =, cidr inet_ops WITH &&)
);

-- A subnet lies inside its network; a CHECK cannot look at another table, so a trigger does.
CREATE FUNCTION subnet_inside_network() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM networks n WHERE n.uid = NEW.network_uid AND NEW.cidr <<= n.cidr) THEN
    RAISE EXCEPTION 'subnet % (%) is not inside its network', NEW.name, NEW.cidr USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER subnets_inside_network BEFORE INSERT OR UPDATE ON subnets
  FOR EACH ROW EXECUTE FUNCTION subnet_inside_network();

CREATE TABLE addresses (
  network_uid  uuid NOT NULL,
  subnet       text NOT NULL,
  address      inet NOT NULL,
  owner_uid    uuid NOT NULL UNIQUE,  -- one address per instance: a retried allocation finds its own
  allocated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (network_uid, address),
  FOREIGN KEY (network_uid, subnet) REFERENCES subnets (network_uid, name) ON DELETE RESTRICT
);

-- Down Migration
DROP TABLE addresses;
DROP TABLE subnets;
DROP FUNCTION subnet_inside_network;
DROP TABLE networks;
