# The PostgreSQL installation every script uses, named once. Sourced, not run.
# PG_MAJOR is the server version setup.sh installs (Debian's postgresql-$PG_MAJOR); every
# path comes from its pg_config (set PG_CONFIG to use another installation).
PG_MAJOR="${PG_MAJOR:-15}"
PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}"
# pg_path bindir|sharedir|pkglibdir|pgxs: a directory of that installation.
pg_path() { "$PG_CONFIG" "--$1"; }
