#!/usr/bin/env bash
# Writes the pg_dump archives the tests read, with Debian's PostgreSQL 15
# (apt-get install postgresql): usagers.dump (pg_dump -Fc, its data
# compressed with zlib), usagers-z0.dump (-Fc -Z0, not compressed),
# usagers-dir (-Fd: toc.dat and a gzipped file per table) and usagers.tar
# (-Ft: the same in a tar, not compressed). The database holds two tables, one with the escapes COPY
# writes (a tab, a line break, a backslash, a NULL), a sequence and a
# large object. Run from this folder: ./make.sh
set -euo pipefail
cd "$(dirname "$0")"
# A new cluster each time, so that the large object's OID stays 16400.
runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /tmp/tocsin-pgdump-fixture stop -m fast >/dev/null 2>&1 || true
rm -rf /tmp/tocsin-pgdump-fixture
dsn="$(PGPORT=54339 ../../../../../scripts/start-postgres.sh /tmp/tocsin-pgdump-fixture | tail -n 1)"
psql -q "$dsn" >/dev/null <<'SQL'
DROP TABLE IF EXISTS usagers, agents;
SELECT lo_unlink(oid) FROM pg_largeobject_metadata;
CREATE TABLE usagers (id serial PRIMARY KEY, nom text, prenom text, courriel text, telephone text, nir text, naissance date, note text);
INSERT INTO usagers (nom, prenom, courriel, telephone, nir, naissance, note) VALUES
  ('Faure', 'Renée', 'renee.faure@exemple.fr', '06 98 76 54 32', '1 85 05 78 006 084 91', '1985-05-12', 'Rappeler Mme Faure au 06 98 76 54 32'),
  ('Martin', 'Jean', 'jean.martin@exemple.fr', '0612345678', '2 92 05 70 858 151 89', '1992-05-03', E'un\ttab, une\nligne, un \\ et rien après'),
  ('Durand', 'Luc', NULL, NULL, NULL, NULL, NULL);
CREATE TABLE agents (nom text, courriel text);
INSERT INTO agents VALUES ('Petit', 'claire.petit@mairie-exemple.fr');
SELECT lo_from_bytea(0, convert_to('Note de Mme Faure, 06 98 76 54 32', 'UTF8'));
SQL
pg_dump -Fc "$dsn" > usagers.dump
pg_dump -Fc -Z0 "$dsn" > usagers-z0.dump
rm -rf usagers-dir
pg_dump -Fd -f usagers-dir "$dsn"
pg_dump -Ft "$dsn" > usagers.tar
runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /tmp/tocsin-pgdump-fixture stop -m fast >/dev/null
