-- Reference (b): the 7.x measures on MiDAS as ONE hand-written DuckDB query over the Parquet
-- file — the near-limit reference for the engine. Run by bench/duckdb_reference.py, which
-- fills in :PERIODER (path of midas/perioder.parquet), :DATA_AS_OF (a date literal) and
-- :PERIODS (VALUES rows ('2020', DATE '2020-01-01', DATE '2020-12-31'), …).
-- Output: measure_id, variant, period, region_code, sex, age_group, diagnosis_group,
-- numerator, denominator — every non-empty cell of the strata cube with margins.
WITH periods(period, ps, pe) AS (VALUES :PERIODS),
raw AS (
    SELECT person_id AS pid, startdatum AS s, slutdatum AS e, omfattning AS grade,
           row_number() OVER () AS ord,
           nullif(upper(replace(replace(diagnoskod, '.', ''), ' ', '')), '') AS dx,
           CASE upper(trim(kon)) WHEN 'K' THEN 'K' WHEN 'M' THEN 'M' WHEN '2' THEN 'K' WHEN '1' THEN 'M'
                WHEN 'KVINNA' THEN 'K' WHEN 'MAN' THEN 'M' WHEN 'F' THEN 'K' WHEN 'KVINNOR' THEN 'K'
                WHEN 'MÄN' THEN 'M' ELSE 'U' END AS sex,
           fodelsear AS birth_year,
           CASE WHEN lpad(trim(hemlan_kod), 2, '0') IN ('01','03','04','05','06','07','08','09','10','12','13',
                     '14','17','18','19','20','21','22','23','24','25') THEN lpad(trim(hemlan_kod), 2, '0')
                ELSE '99' END AS region_code
    FROM read_parquet(:PERIODER)
),
-- running maximum of the person's earlier ends: a new case when the gap to it is > 5 days
w AS (
    SELECT *, max(e) OVER (PARTITION BY pid ORDER BY s, e, ord
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pm
    FROM raw
),
cp AS (
    SELECT pid, s, e, grade, dx, sex, birth_year, region_code,
           (pm IS NULL OR s - pm - 1 > 5) AS first_period,
           sum(CASE WHEN pm IS NULL OR s - pm - 1 > 5 THEN 1 ELSE 0 END)
               OVER (PARTITION BY pid ORDER BY s, e, ord ROWS UNBOUNDED PRECEDING) AS seq,
           CASE WHEN pm IS NULL THEN e - s + 1 ELSE greatest(0, e - greatest(s, pm + 1) + 1) END AS new_days
    FROM w
),
cases0 AS (
    SELECT pid, seq, min(s) AS s, max(e) AS e, sum(new_days) AS gross,
           first(dx) FILTER (WHERE first_period) AS dx, first(sex) FILTER (WHERE first_period) AS sex,
           first(birth_year) FILTER (WHERE first_period) AS birth_year,
           first(region_code) FILTER (WHERE first_period) AS region_code
    FROM cp GROUP BY pid, seq
),
cases AS (
    SELECT pid, seq, s, e, gross, sex, region_code,
           CASE WHEN age BETWEEN 16 AND 29 THEN '16-29' WHEN age BETWEEN 30 AND 39 THEN '30-39'
                WHEN age BETWEEN 40 AND 49 THEN '40-49' WHEN age BETWEEN 50 AND 59 THEN '50-59'
                WHEN age BETWEEN 60 AND 67 THEN '60-67' END AS age_group,
           CASE WHEN NOT coalesce(regexp_full_match(dx, '[A-Z][0-9][0-9][0-9A-Z]{0,5}'), false) THEN 'OGILTIG'
                WHEN substr(dx, 1, 3) BETWEEN 'F00' AND 'F99' THEN 'F'
                WHEN substr(dx, 1, 3) BETWEEN 'M00' AND 'M99' THEN 'M' ELSE 'OVR' END AS diag_main,
           CASE WHEN NOT coalesce(regexp_full_match(dx, '[A-Z][0-9][0-9][0-9A-Z]{0,5}'), false) THEN NULL
                WHEN substr(dx, 1, 3) = 'F43' THEN 'F43'
                WHEN substr(dx, 1, 3) BETWEEN 'F32' AND 'F33' THEN 'F32-F33'
                WHEN substr(dx, 1, 3) = 'F41' THEN 'F41'
                WHEN substr(dx, 1, 3) = 'M54' THEN 'M54' END AS diag_sub,
           e + 5 < :DATA_AS_OF AS ended,
           lead(s) OVER (PARTITION BY pid ORDER BY seq) - e AS resick
    FROM (SELECT *, year(s) - birth_year AS age FROM cases0)
),
-- The cubes below: GROUP BY period, CUBE (region, sex, age), GROUPING SETS (main group, sub-group, all)
-- gives every cell with its margins. Counts and sums are first aggregated to the finest cells
-- (few thousand rows), then cubed. Distinct persons: a person whose rows in the period all
-- fall in one finest cell adds 1 to exactly that cell's cube cells (additive, pre-aggregated);
-- only persons spread over several finest cells need count(DISTINCT) over their own rows.
--
-- 7.1, 7.2a-c: cases ended in the period (ages 16-67)
ended AS (
    SELECT p.period, c.* FROM cases c JOIN periods p ON c.e BETWEEN p.ps AND p.pe
    WHERE c.ended AND c.age_group IS NOT NULL
),
ended_fine AS (
    SELECT period, region_code, sex, age_group, diag_main, diag_sub,
           count(*) AS n, sum(gross) AS days,
           count(*) FILTER (WHERE gross >= 15) AS n15, coalesce(sum(gross) FILTER (WHERE gross >= 15), 0) AS days15,
           count(*) FILTER (WHERE gross BETWEEN 91 AND 180) AS a,
           count(*) FILTER (WHERE gross BETWEEN 181 AND 365) AS b,
           count(*) FILTER (WHERE gross >= 366) AS c
    FROM ended GROUP BY ALL
),
ended_cube AS (
    SELECT period, grouping(region_code) AS g_r, region_code, grouping(sex) AS g_s, sex,
           grouping(age_group) AS g_a, age_group, grouping(diag_main) AS g_m, diag_main,
           grouping(diag_sub) AS g_d, diag_sub,
           sum(n) AS n, sum(days) AS days, sum(n15) AS n15, sum(days15) AS days15, sum(a) AS a, sum(b) AS b,
           sum(c) AS c
    FROM ended_fine
    GROUP BY period, CUBE (region_code, sex, age_group), GROUPING SETS ((diag_main), (diag_sub), ())
),
-- 7.1 variant persons: days and distinct persons of the cell (cases >= 15 days)
p15 AS (
    SELECT period, pid, region_code, sex, age_group, diag_main, diag_sub, sum(gross) AS days
    FROM ended WHERE gross >= 15 GROUP BY ALL
),
p15_spread AS (SELECT period, pid FROM p15 GROUP BY ALL HAVING count(*) > 1),
p15_fine AS (
    SELECT period, region_code, sex, age_group, diag_main, diag_sub, sum(days) AS days, count(*) AS persons
    FROM p15 ANTI JOIN p15_spread USING (period, pid) GROUP BY ALL
),
persons_cube AS (
    SELECT period, g_r, region_code, g_s, sex, g_a, age_group, g_m, diag_main, g_d, diag_sub,
           sum(days) AS days, sum(persons) AS persons
    FROM (
        SELECT period, grouping(region_code) AS g_r, region_code, grouping(sex) AS g_s, sex,
               grouping(age_group) AS g_a, age_group, grouping(diag_main) AS g_m, diag_main,
               grouping(diag_sub) AS g_d, diag_sub, sum(days) AS days, sum(persons) AS persons
        FROM p15_fine
        GROUP BY period, CUBE (region_code, sex, age_group), GROUPING SETS ((diag_main), (diag_sub), ())
        UNION ALL
        SELECT period, grouping(region_code), region_code, grouping(sex), sex,
               grouping(age_group), age_group, grouping(diag_main), diag_main,
               grouping(diag_sub), diag_sub, sum(days), count(DISTINCT pid)
        FROM p15 SEMI JOIN p15_spread USING (period, pid)
        GROUP BY period, CUBE (region_code, sex, age_group), GROUPING SETS ((diag_main), (diag_sub), ())
    ) GROUP BY ALL
),
-- 7.3: persons with a case overlapping the period; women among them; not by sex
ov AS (
    SELECT DISTINCT p.period, c.pid, c.region_code, c.age_group, c.diag_main, c.diag_sub, c.sex = 'K' AS woman
    FROM cases c JOIN periods p ON c.s <= p.pe AND c.e >= p.ps
    WHERE c.age_group IS NOT NULL AND c.sex IN ('K', 'M')
),
ov_spread AS (SELECT period, pid FROM ov GROUP BY ALL HAVING count(*) > 1),
ov_fine AS (
    SELECT period, region_code, age_group, diag_main, diag_sub,
           count(*) FILTER (WHERE woman) AS women, count(*) AS persons
    FROM ov ANTI JOIN ov_spread USING (period, pid) GROUP BY ALL
),
overlap_cube AS (
    SELECT period, g_r, region_code, 1 AS g_s, CAST(NULL AS VARCHAR) AS sex, g_a, age_group, g_m, diag_main,
           g_d, diag_sub, sum(women) AS women, sum(persons) AS persons
    FROM (
        SELECT period, grouping(region_code) AS g_r, region_code, grouping(age_group) AS g_a, age_group,
               grouping(diag_main) AS g_m, diag_main, grouping(diag_sub) AS g_d, diag_sub,
               sum(women) AS women, sum(persons) AS persons
        FROM ov_fine
        GROUP BY period, CUBE (region_code, age_group), GROUPING SETS ((diag_main), (diag_sub), ())
        UNION ALL
        SELECT period, grouping(region_code), region_code, grouping(age_group), age_group,
               grouping(diag_main), diag_main, grouping(diag_sub), diag_sub,
               count(DISTINCT pid) FILTER (WHERE woman), count(DISTINCT pid)
        FROM ov SEMI JOIN ov_spread USING (period, pid)
        GROUP BY period, CUBE (region_code, age_group), GROUPING SETS ((diag_main), (diag_sub), ())
    ) GROUP BY ALL
),
-- 7.4: cases with a period covering the reference date (the period's last day)
cover AS (
    SELECT p.period, cp.pid, cp.seq, max(cp.grade) AS grade
    FROM cp JOIN periods p ON cp.s <= p.pe AND cp.e >= p.pe
    GROUP BY ALL
),
ongoing_fine AS (
    SELECT v.period, region_code, sex, age_group, diag_main, diag_sub,
           count(*) FILTER (WHERE v.grade < 100) AS part, count(*) AS n
    FROM cover v JOIN cases c USING (pid, seq)
    WHERE c.age_group IS NOT NULL
    GROUP BY ALL
),
ongoing_cube AS (
    SELECT period, grouping(region_code) AS g_r, region_code, grouping(sex) AS g_s, sex,
           grouping(age_group) AS g_a, age_group, grouping(diag_main) AS g_m, diag_main,
           grouping(diag_sub) AS g_d, diag_sub, sum(part) AS part, sum(n) AS n
    FROM ongoing_fine
    GROUP BY period, CUBE (region_code, sex, age_group), GROUPING SETS ((diag_main), (diag_sub), ())
),
-- 7.5: a person's index case = first case ended in the period; re-sick within 730 days
idx AS (
    SELECT p.period, c.*
    FROM cases c JOIN periods p ON c.e BETWEEN p.ps AND p.pe
    WHERE c.ended
    QUALIFY row_number() OVER (PARTITION BY p.period, c.pid ORDER BY c.e, c.s, c.seq) = 1
),
resick_fine AS (
    SELECT period, region_code, sex, age_group, diag_main, diag_sub,
           count(*) FILTER (WHERE resick <= 730) AS resick, count(*) AS n
    FROM idx WHERE age_group IS NOT NULL
    GROUP BY ALL
),
resick_cube AS (
    SELECT period, grouping(region_code) AS g_r, region_code, grouping(sex) AS g_s, sex,
           grouping(age_group) AS g_a, age_group, grouping(diag_main) AS g_m, diag_main,
           grouping(diag_sub) AS g_d, diag_sub, sum(resick) AS resick, sum(n) AS n
    FROM resick_fine
    GROUP BY period, CUBE (region_code, sex, age_group), GROUPING SETS ((diag_main), (diag_sub), ())
),
-- one row per measure variant and cell (the cell's keys and grouping flags, numerator, denominator)
cells AS (
    SELECT '7.1' AS measure_id, 'midas' AS variant, COLUMNS('^(period|g_r|region_code|g_s|sex|g_a|age_group|g_m|diag_main|g_d|diag_sub)$'), days15 AS num, n15 AS den FROM ended_cube
    UNION ALL SELECT '7.1', 'midas:all-lengths', COLUMNS('^(period|g_r|region_code|g_s|sex|g_a|age_group|g_m|diag_main|g_d|diag_sub)$'), days, n FROM ended_cube
    UNION ALL SELECT '7.1', 'midas:persons', COLUMNS('^(period|g_r|region_code|g_s|sex|g_a|age_group|g_m|diag_main|g_d|diag_sub)$'), days, persons FROM persons_cube
    UNION ALL SELECT '7.2a', 'midas', COLUMNS('^(period|g_r|region_code|g_s|sex|g_a|age_group|g_m|diag_main|g_d|diag_sub)$'), a, n15 FROM ended_cube
    UNION ALL SELECT '7.2b', 'midas', COLUMNS('^(period|g_r|region_code|g_s|sex|g_a|age_group|g_m|diag_main|g_d|diag_sub)$'), b, n15 FROM ended_cube
    UNION ALL SELECT '7.2c', 'midas', COLUMNS('^(period|g_r|region_code|g_s|sex|g_a|age_group|g_m|diag_main|g_d|diag_sub)$'), c, n15 FROM ended_cube
    UNION ALL SELECT '7.3', 'midas', COLUMNS('^(period|g_r|region_code|g_s|sex|g_a|age_group|g_m|diag_main|g_d|diag_sub)$'), women, persons FROM overlap_cube
    UNION ALL SELECT '7.4', 'midas', COLUMNS('^(period|g_r|region_code|g_s|sex|g_a|age_group|g_m|diag_main|g_d|diag_sub)$'), part, n FROM ongoing_cube
    UNION ALL SELECT '7.5', 'midas', COLUMNS('^(period|g_r|region_code|g_s|sex|g_a|age_group|g_m|diag_main|g_d|diag_sub)$'), resick, n FROM resick_cube
)
SELECT measure_id, variant, period,
       CASE WHEN g_r = 1 THEN '00' ELSE region_code END AS region_code,
       CASE WHEN g_s = 1 THEN 'T' ELSE sex END AS sex,
       CASE WHEN g_a = 1 THEN 'T' ELSE age_group END AS age_group,
       CASE WHEN g_m = 0 THEN diag_main WHEN g_d = 0 THEN diag_sub ELSE 'T' END AS diagnosis_group,
       CAST(num AS DOUBLE) AS numerator, CAST(den AS DOUBLE) AS denominator
FROM cells
WHERE (g_s = 1 OR sex IN ('K', 'M')) AND (g_d = 1 OR diag_sub IS NOT NULL)
