-- resonance_ab_variant: deterministic, persisted, stable across calls.
SELECT resonance_ab_variant('user-1', 'ranker') = resonance_ab_variant('user-1', 'ranker') AS stable;
SELECT count(*) AS stored FROM resonance.ab_test_assignments WHERE user_id = 'user-1' AND experiment = 'ranker';
-- The stored variant wins even if the weights change later.
SELECT resonance_ab_variant('user-1', 'ranker', '{"control": 0, "treatment": 1}')
     = (SELECT variant FROM resonance.ab_test_assignments WHERE user_id = 'user-1') AS sticky;
-- Weights steer the split (1,000 users, 90/10).
SELECT count(*) FILTER (WHERE variant = 'a') BETWEEN 850 AND 950 AS a_near_900,
       count(*) FILTER (WHERE variant = 'b') BETWEEN 50 AND 150 AS b_near_100
FROM (SELECT resonance_ab_variant('u' || i, 'split', '{"a": 0.9, "b": 0.1}') AS variant FROM generate_series(1, 1000) i) s;
-- Bad input.
SELECT resonance_ab_variant('u', 'bad1', '{}');
SELECT resonance_ab_variant('u', 'bad2', '{"a": -1, "b": 1}');
SELECT resonance_ab_variant('u', 'bad3', '{"a": "half"}');
SELECT resonance_ab_variant('u', 'bad4', '["a", "b"]');
SELECT resonance_ab_variant(NULL, 'x') IS NULL AS null_user;
