#!/usr/bin/env bash
# Writes what mysqldump --tab writes for a table of residents, with
# MariaDB's mariadb-dump (Debian's mariadb-server): usagers.sql (its
# CREATE TABLE) and usagers.txt (its rows: tab-separated, \N for NULL, a
# tab, a line break and a backslash escaped). The server writes the data
# file itself (SELECT … INTO OUTFILE), into a folder it may write to.
# Run from this folder: ./make.sh
set -euo pipefail
cd "$(dirname "$0")"
data=/tmp/tocsin-tab-mariadb
MYSQL_PORT=33071 ../../../../../scripts/start-mariadb.sh "$data" >/dev/null
sql=(mariadb --socket="$data/mysqld.sock" -uroot)
"${sql[@]}" <<'SQL'
CREATE DATABASE IF NOT EXISTS tabdump;
USE tabdump;
DROP TABLE IF EXISTS usagers;
CREATE TABLE usagers (id INT PRIMARY KEY, nom VARCHAR(50), prenom VARCHAR(50), courriel VARCHAR(80), telephone VARCHAR(20), nir CHAR(21), naissance DATE, note TEXT) CHARACTER SET utf8mb4;
INSERT INTO usagers VALUES
  (1, 'Faure', 'Renée', 'renee.faure@exemple.fr', '06 98 76 54 32', '1 85 05 78 006 084 91', '1985-05-12', 'Rappeler Mme Faure au 06 98 76 54 32'),
  (2, 'Martin', 'Jean', 'jean.martin@exemple.fr', '0612345678', '2 92 05 70 858 151 89', '1992-05-03', 'un\ttab, une\nligne, un \\ et rien après'),
  (3, 'Durand', 'Luc', NULL, NULL, NULL, NULL, NULL);
SQL
out=$(mktemp -d)
chmod 777 "$out"
mariadb-dump --socket="$data/mysqld.sock" -uroot --skip-dump-date --tab="$out" tabdump usagers
cp "$out"/usagers.sql "$out"/usagers.txt .
rm -r "$out"
