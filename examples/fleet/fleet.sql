-- Fleet rollups over many ctsleuth analyses, for DuckDB.
--
-- Each case is analysed on its own, anywhere, with
--     ctsleuth analyze --format json,parquet --case NAME -o cases/NAME PATHS...
-- which writes cases/NAME/parquet/*.parquet (schema ctsleuth.parquet/v1).
-- Then, from the folder that holds cases/:
--     duckdb -c "SET VARIABLE dataset = 'cases/*/parquet'" -c ".read examples/fleet/fleet.sql"
-- The glob may be an S3 or GCS prefix (DuckDB's httpfs extension):
--     SET VARIABLE dataset = 's3://bucket/ctsleuth/*/parquet';
-- Every table carries `case`, `node` and a UTC timestamp, so the cases read
-- as one dataset. examples/fleet/fleet_spark.py computes the same rollups.

CREATE OR REPLACE VIEW snapshots AS
    SELECT * FROM read_parquet(getvariable('dataset') || '/snapshots.parquet', union_by_name = true);
CREATE OR REPLACE VIEW workloads AS
    SELECT * FROM read_parquet(getvariable('dataset') || '/workloads.parquet', union_by_name = true);
CREATE OR REPLACE VIEW bursts AS
    SELECT * FROM read_parquet(getvariable('dataset') || '/bursts.parquet', union_by_name = true);
CREATE OR REPLACE VIEW findings AS
    SELECT * FROM read_parquet(getvariable('dataset') || '/findings.parquet', union_by_name = true);

-- Nodes by peak fill: the fullest table each node reached.
CREATE OR REPLACE TABLE nodes_by_peak_fill AS
    SELECT "case", node,
           count(*)             AS snapshots,
           max(entries)         AS peak_entries,
           max("limit")         AS "limit",
           max(utilization)     AS peak_utilization
    FROM snapshots
    GROUP BY "case", node
    ORDER BY peak_utilization DESC NULLS LAST, peak_entries DESC, "case", node;

-- Workloads by share across the fleet: entries held as a source, of every
-- entry of every snapshot read.
CREATE OR REPLACE TABLE workloads_by_share AS
    SELECT workload, kind,
           count(DISTINCT "case")                                   AS cases,
           count(DISTINCT node)                                     AS nodes,
           sum(entries)                                             AS entries,
           round(sum(entries) / (SELECT sum(entries) FROM snapshots), 6) AS fleet_share,
           max(share)                                               AS peak_share
    FROM workloads
    WHERE direction = 'source'
    GROUP BY workload, kind
    ORDER BY entries DESC, workload;

-- Bursts of drops by hour of day (UTC): when tables fill.
CREATE OR REPLACE TABLE bursts_by_hour AS
    SELECT hour(start AT TIME ZONE 'UTC') AS hour_utc,
           count(*)                       AS bursts,
           sum(logged)                    AS logged,
           count(DISTINCT node)           AS nodes
    FROM bursts
    WHERE start IS NOT NULL
    GROUP BY hour_utc
    ORDER BY hour_utc;

-- Findings by kind: how many cases and nodes each finding was made for.
CREATE OR REPLACE TABLE findings_by_kind AS
    SELECT id, severity,
           count(DISTINCT "case") AS cases,
           count(DISTINCT node)   AS nodes
    FROM findings
    GROUP BY id, severity
    ORDER BY cases DESC, nodes DESC, id;

-- Growth between two dates: each node's peak on the first and the last day
-- it was captured (UTC), and the change.
CREATE OR REPLACE TABLE growth AS
    WITH daily AS (
        SELECT "case", node, CAST(captured_at AT TIME ZONE 'UTC' AS DATE) AS day,
               max(entries) AS peak_entries
        FROM snapshots
        WHERE captured_at IS NOT NULL
        GROUP BY ALL
    ), span AS (
        SELECT "case", node, min(day) AS first_day, max(day) AS last_day
        FROM daily GROUP BY ALL
    )
    SELECT s."case", s.node, s.first_day, s.last_day,
           f.peak_entries                  AS first_peak,
           l.peak_entries                  AS last_peak,
           l.peak_entries - f.peak_entries AS growth
    FROM span s
    JOIN daily f ON f."case" = s."case" AND f.node IS NOT DISTINCT FROM s.node AND f.day = s.first_day
    JOIN daily l ON l."case" = s."case" AND l.node IS NOT DISTINCT FROM s.node AND l.day = s.last_day
    ORDER BY growth DESC, s."case", s.node;

SELECT * FROM nodes_by_peak_fill LIMIT 20;
SELECT * FROM workloads_by_share LIMIT 20;
SELECT * FROM bursts_by_hour;
SELECT * FROM findings_by_kind;
SELECT * FROM growth LIMIT 20;
