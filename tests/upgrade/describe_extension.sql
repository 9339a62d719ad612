-- Everything the resonance extension defines, one line per fact, in a stable order: its
-- member objects, each routine's full definition (search_path included), and the columns,
-- constraints, indexes and triggers of its tables. Two databases whose outputs are equal
-- have the same extension schema, however they got it (fresh install or upgrade).
WITH ext AS (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'resonance'),
members AS (
  SELECT d.classid, d.objid, d.objsubid FROM pg_catalog.pg_depend d, ext
  WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e')
SELECT 'member ' || pg_catalog.pg_describe_object(classid, objid, objsubid) FROM members
UNION ALL
SELECT 'routine ' || p.oid::regprocedure::text || ' ' || pg_catalog.pg_get_functiondef(p.oid)
FROM members m JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = m.objid
UNION ALL
SELECT 'column ' || c.table_name || '.' || c.column_name || ' ' || c.ordinal_position || ' ' || c.data_type || ' '
       || coalesce(c.column_default, '-') || ' ' || c.is_nullable
FROM information_schema.columns c WHERE c.table_schema = 'resonance'
UNION ALL
SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_catalog.pg_get_constraintdef(oid)
FROM pg_catalog.pg_constraint WHERE connamespace = 'resonance'::regnamespace
UNION ALL
SELECT 'index ' || indexdef FROM pg_catalog.pg_indexes WHERE schemaname = 'resonance'
UNION ALL
SELECT 'trigger ' || pg_catalog.pg_get_triggerdef(oid) FROM pg_catalog.pg_trigger
WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_catalog.pg_class WHERE relnamespace = 'resonance'::regnamespace)
ORDER BY 1;
