-- Floor of shape A: what a hand-written server would send for one package
-- page: the package by name with its owners (user or organization name) and
-- its 10 latest releases (SemVer order via version_key) with retirements,
-- plus the latest release, in one statement that returns the JSON answer.
--
-- pgbench has no string variables, so the name is picked by a random offset
-- into packages.id inside the same statement (two primary-key probes, a few
-- microseconds), then looked up by name like the server does.
-- Run: pgbench -n -f A.sql -D npackages=10000 -c 16 -j 1 -T 20 URL
\set i random(0, :npackages - 1)
WITH p AS (
  SELECT id, name, description, downloads, latest_version
  FROM packages
  WHERE repository_id = (SELECT id FROM repositories WHERE organization_id IS NULL)
    AND private_org_id IS NULL
    AND name = (SELECT name FROM packages
                WHERE id >= (SELECT min(id) FROM packages) + :i ORDER BY id LIMIT 1)
)
SELECT json_build_object(
  'name', p.name, 'description', p.description, 'downloads', p.downloads,
  'latestRelease', json_build_object('version', p.latest_version),
  'owners', (SELECT coalesce(json_agg(json_build_object('level', o.level, 'account', coalesce(u.username, g.name)) ORDER BY o.id), '[]')
             FROM package_owners o
             LEFT JOIN users u ON u.id = o.user_id
             LEFT JOIN organizations g ON g.id = o.organization_id
             WHERE o.package_id = p.id),
  'versions', (SELECT coalesce(json_agg(json_build_object('version', r.version, 'outerChecksum', r.outer_checksum,
                 'publishedAt', r.first_published_at, 'retirement',
                 CASE WHEN t.id IS NULL THEN NULL ELSE json_build_object('reason', t.reason, 'message', t.message) END)
                 ORDER BY r.version_key DESC), '[]')
               FROM (SELECT id, version, outer_checksum, first_published_at, version_key FROM releases
                     WHERE package_id = p.id AND private_org_id IS NULL
                     ORDER BY version_key DESC LIMIT 10) r
               LEFT JOIN retirements t ON t.release_id = r.id)
) FROM p;
