-- Floor of shape B: the first 50 public packages by name, each with its 10
-- latest releases (SemVer order via version_key), in one statement: a
-- LATERAL subquery applies the limit per package, and the answer comes back
-- as the JSON the server would send.
-- Run: pgbench -n -f B.sql -c 16 -j 1 -T 20 URL
SELECT json_agg(json_build_object('name', p.name, 'versions', v.versions) ORDER BY p.name, p.id)
FROM (SELECT id, name FROM packages WHERE private_org_id IS NULL ORDER BY name, id LIMIT 50) p
CROSS JOIN LATERAL (
  SELECT coalesce(json_agg(r.version ORDER BY r.version_key DESC), '[]') AS versions
  FROM (SELECT version, version_key FROM releases
        WHERE package_id = p.id AND private_org_id IS NULL
        ORDER BY version_key DESC LIMIT 10) r
) v;
