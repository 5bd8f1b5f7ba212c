-- Floor of shape C (one-word search, first 20 with the latest release): the
-- 20 most downloaded public packages whose name starts with a family prefix,
-- walked in result order on packages_search_order, and each one's latest
-- release. Run with -M prepared.
\set i random(1, 30)
SELECT p.name, r.version
FROM (SELECT id, name FROM packages
      WHERE private_org_id IS NULL
        AND name LIKE (ARRAY['phoenix','ecto','plug','absinthe','ash','nerves','oban','broadway','telemetry','ex','membrane','surface','commanded','tesla','nimble','cowboy','ranch','finch','mint','swoosh','guardian','credo','exq','bamboo','postgrex','horde','libcluster','req','jason','timex'])[:i] || '%'
      ORDER BY downloads DESC, name COLLATE "C", id LIMIT 20) p
CROSS JOIN LATERAL (SELECT version FROM releases WHERE package_id = p.id ORDER BY prerelease, version_key DESC LIMIT 1) r;
