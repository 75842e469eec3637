#!/bin/sh
# usagers-etree.xml: Python 3.11's xml.etree.ElementTree writes two
# records with an attribute, five fields and a nested address.
# usagers-mariadb.xml: `mariadb --xml` (MariaDB 10.11) prints a table of
# the same people: <resultset><row><field name="nom">…
# Not run by the tests. The second needs a server: scripts/start-mariadb.sh.
set -e
cd "$(dirname "$0")"
/usr/bin/python3 - <<'PY'
import xml.etree.ElementTree as ET
root = ET.Element("usagers", {"export": "2026-11-27"})
rows = [("Faure", "Renée", "renee.faure@exemple.fr", "06 98 76 54 32", "1 85 05 78 006 084 91", "12 rue de la Paix", "75002", "Paris"),
        ("Martin", "Jean", "jean.martin@exemple.fr", "0612345678", "2 92 05 70 858 151 89", "3 avenue Foch", "69003", "Lyon")]
for i, (n, p, e, t, nir, rue, cp, ville) in enumerate(rows):
    u = ET.SubElement(root, "usager", {"id": str(i + 1)})
    for tag, v in (("nom", n), ("prenom", p), ("courriel", e), ("telephone", t), ("nir", nir)):
        ET.SubElement(u, tag).text = v
    a = ET.SubElement(u, "adresse")
    for tag, v in (("rue", rue), ("cp", cp), ("ville", ville)):
        ET.SubElement(a, tag).text = v
ET.indent(root)
ET.ElementTree(root).write("usagers-etree.xml", encoding="utf-8", xml_declaration=True)
PY
M="mariadb -h 127.0.0.1 -P ${MYSQL_PORT:-33069} -u tocsin -ptocsin-test tocsin"
$M -e "DROP TABLE IF EXISTS usagers; CREATE TABLE usagers (nom VARCHAR(40), prenom VARCHAR(40), courriel VARCHAR(80), telephone VARCHAR(20), nir VARCHAR(25)) CHARACTER SET utf8mb4;
INSERT INTO usagers VALUES ('Faure','Renée','renee.faure@exemple.fr','06 98 76 54 32','1 85 05 78 006 084 91'), ('Martin','Jean','jean.martin@exemple.fr','0612345678','2 92 05 70 858 151 89');"
$M --xml -e "SELECT * FROM usagers" > usagers-mariadb.xml
# NAME.xml.expected: "path<TAB>category<TAB>values" for nir, email, phone
# and iban, counted exactly by the breach scan's tests (written by hand).
