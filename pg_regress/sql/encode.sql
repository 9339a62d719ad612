-- resonance_encode(text): all-MiniLM-L6-v2, mean-pooled, L2-normalised.
-- sentence-transformers gives 0.0677, 0.0635, 0.0487, 0.0793, 0.0374 for this sentence;
-- f32 products reproduce it to 4 decimals.
SET resonance.bf16_matmul = off;
SELECT (SELECT array_agg(round(x::numeric, 4)) FROM unnest((resonance_encode('This is an example sentence')::real[])[1:5]) x) AS head;
CREATE TEMP TABLE f32_embedding AS SELECT resonance_encode('This is an example sentence') AS e;
-- bf16 products (the default, where the CPU has AVX-512 BF16; f32 elsewhere) stay within a
-- cosine of 0.9999 of f32's.
RESET resonance.bf16_matmul;
SELECT 1 - (e <=> resonance_encode('This is an example sentence')) > 0.9999 AS bf16_within_cosine_of_f32 FROM f32_embedding;
SELECT vector_dims(resonance_encode('hello')) AS dims,
       round(vector_norm(resonance_encode('hello'))::numeric, 5) AS norm;
-- Related texts are closer than unrelated ones.
SELECT resonance_encode('Python backend developer') <=> resonance_encode('Django web engineer')
     < resonance_encode('Python backend developer') <=> resonance_encode('pastry chef') AS related_is_closer;

-- NULL in, NULL out; empty and blank texts are errors.
SELECT resonance_encode(NULL::text) IS NULL AS null_gives_null;
SELECT resonance_encode('');
SELECT resonance_encode(E'  \n\t ');
-- 1 MB of text is truncated at resonance.max_seq_length tokens, not refused.
SELECT vector_dims(resonance_encode(repeat('kubernetes ', 100000))) AS dims_of_1mb;
-- Truncation: texts equal in their first 256 tokens embed identically.
SELECT resonance_encode(repeat('word ', 300) || 'alpha') = resonance_encode(repeat('word ', 300) || 'omega') AS truncated;
SET resonance.max_seq_length = 512;
SELECT resonance_encode(repeat('word ', 300) || 'alpha') = resonance_encode(repeat('word ', 300) || 'omega') AS truncated_at_512;
RESET resonance.max_seq_length;
SET resonance.max_seq_length = 100000;

-- resonance_encode(text[]): one batched call, input order kept, NULL elements stay NULL.
SELECT cardinality(resonance_encode(ARRAY['nurse', NULL, 'chef'])) AS n,
       (resonance_encode(ARRAY['nurse', NULL, 'chef']))[2] IS NULL AS null_kept,
       (resonance_encode(ARRAY['nurse', NULL, 'chef']))[3] = resonance_encode('chef') AS order_kept;
SELECT resonance_encode(ARRAY[]::text[]) AS empty_array;
SELECT resonance_encode(NULL::text[]) IS NULL AS null_array;
SELECT resonance_encode(ARRAY['fine', '']);
-- Batched results equal one-at-a-time results, whatever the batch size.
SET resonance.batch_size = 2;
SELECT bool_and(b = resonance_encode(t)) AS batch_equals_single
FROM unnest(ARRAY['short', 'a much longer text about data pipelines in Spark and Airflow', 'mid length text'],
            resonance_encode(ARRAY['short', 'a much longer text about data pipelines in Spark and Airflow', 'mid length text'])) AS u(t, b);
RESET resonance.batch_size;
-- 10,000 elements in one call.
SELECT cardinality(e) AS n, vector_dims(e[10000]) AS dims
FROM (SELECT resonance_encode(array_agg('skill ' || i)) AS e FROM generate_series(1, 10000) i) s;

-- statement_timeout and cancel are honoured inside a batch too (cancel.sql); the backend lives on.
SET statement_timeout = '200ms';
SELECT cardinality(resonance_encode(array_agg(repeat('long text ', 100) || i))) FROM generate_series(1, 2000) i;
RESET statement_timeout;
SELECT vector_dims(resonance_encode('still alive')) AS after_timeout;

-- A missing model directory is a clear error, and the setting is superuser-only.
SET resonance.model_dir = '/nonexistent/models';
SELECT resonance_encode('anything');
RESET resonance.model_dir;
SELECT vector_dims(resonance_encode('back to the installed model')) AS dims;
CREATE ROLE resonance_regress_user;
SET ROLE resonance_regress_user;
SET resonance.model_dir = '/tmp';
SELECT vector_dims(resonance_encode('a non-superuser may encode')) AS dims;
RESET ROLE;
DROP ROLE resonance_regress_user;
