-- Up Migration
-- Prices for volumes (per GiB-hour, by type) and public addresses (per hour held), in the catalogue's two
-- regions and two currencies, on the same footing as the first catalogue. Other currencies convert from USD.
INSERT INTO prices (resource_class, region, currency, unit, unit_price, effective_from)
SELECT c.class, r.region, p.currency, c.unit, round(c.usd * r.factor * p.factor, 8), '2026-01-01T00:00:00Z'
FROM (VALUES ('storage-standard', 0.00011, 'GiB-hour'), ('storage-ssd', 0.00022, 'GiB-hour'),
             ('public-ip', 0.0050, 'hour')) AS c(class, usd, unit)
CROSS JOIN (VALUES ('eu-west-1', 1.10), ('us-east-1', 1.00)) AS r(region, factor)
CROSS JOIN (VALUES ('USD', 1.00), ('EUR', 0.92)) AS p(currency, factor);

-- Down Migration
DELETE FROM prices WHERE resource_class IN ('storage-standard', 'storage-ssd', 'public-ip');
