-- In-database encode speed. Texts come from the same generator as crates/offline/bin/encode_bench.rs:
-- 'text ' || i || ' ' || the 15-token sentence repeated (4x: exactly 64 tokens, 17x: cut at 256).
DO $$
DECLARE
  sentence constant text := 'experienced engineer building reliable data pipelines with python and sql for analytics teams. ';
  t0 timestamptz;
  ms double precision[] := '{}';
  texts text[];
  cfg record;
BEGIN
  -- single-text latency, 64 tokens: 5 warm-up calls, then 100 timed calls
  FOR i IN 0..104 LOOP
    t0 := clock_timestamp();
    PERFORM resonance_encode('text ' || i || ' ' || repeat(sentence, 4));
    IF i >= 5 THEN ms := ms || extract(epoch FROM clock_timestamp() - t0) * 1000; END IF;
  END LOOP;
  RAISE NOTICE 'in_pg threads=% single_64tok_p50_ms=%', current_setting('resonance.threads'),
    (SELECT round(percentile_disc(0.5) WITHIN GROUP (ORDER BY x)::numeric, 2) FROM unnest(ms) x);
  RAISE NOTICE 'in_pg threads=% single_64tok_p99_ms=%', current_setting('resonance.threads'),
    (SELECT round(percentile_disc(0.99) WITHIN GROUP (ORDER BY x)::numeric, 2) FROM unnest(ms) x);
  -- throughput in batches of 32 (resonance.batch_size)
  FOR cfg IN SELECT * FROM (VALUES ('64tok', 4, 256), ('256tok', 17, 128)) AS c(label, repeats, n) LOOP
    texts := ARRAY(SELECT 'text ' || i || ' ' || repeat(sentence, cfg.repeats) FROM generate_series(0, cfg.n - 1) i);
    PERFORM resonance_encode(texts[1:32]);
    t0 := clock_timestamp();
    PERFORM resonance_encode(texts);
    RAISE NOTICE 'in_pg threads=% batch32_%_texts_per_s=%', current_setting('resonance.threads'), cfg.label,
      round((cfg.n / extract(epoch FROM clock_timestamp() - t0))::numeric, 1);
  END LOOP;
END
$$;
