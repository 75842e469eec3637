#!/bin/sh
# people-utf8.dbf: LibreOffice Calc 7.4 (with libreoffice-base-drivers, its
# dBASE driver) saves the first sheet of ../xls/people-lo.xls as a dBASE
# III table. It writes UTF-8 whatever encoding the command line asks for,
# and no language driver in the header: the reader tells UTF-8 by the
# text.
# people-850.dbf, people-1252.dbf: python3-dbf 0.96 (Debian's python3-dbf)
# copies it into dBASE III tables in the DOS code page 850 and in
# Windows-1252, each with its language driver (0x02, 0x03); the letters a
# code page lacks (Nguyễn, Łukasz) become '?'.
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
soffice --headless --convert-to dbf:dBase:UTF8 --outdir "$tmp" ../xls/people-lo.xls
mv "$tmp/people-lo.dbf" people-utf8.dbf
rmdir "$tmp"
rm -f people-850.dbf people-1252.dbf
/usr/bin/python3 - <<'PY'
import dbf
src = dbf.Table("people-utf8.dbf", codepage="utf8")
src.open()
for cp, name in (("cp850", "people-850.dbf"), ("cp1252", "people-1252.dbf")):
    t = dbf.Table(name, "; ".join(src.structure()), codepage=cp, dbf_type="db3")
    t.open(dbf.READ_WRITE)
    for r in src:
        t.append(tuple(v.encode(cp, "replace").decode(cp) if isinstance(v, str) else v for v in r))
    t.close()
src.close()
PY

# notes3.dbf + .dbt (dBASE III), notesfp.dbf + .fpt (FoxPro 2),
# notesvfp.dbf + .fpt (Visual FoxPro): python3-dbf writes three records
# whose memo field holds notes (the second's is empty).
/usr/bin/python3 - <<'PY'
import dbf
for typ, name in (("db3", "notes3"), ("fp", "notesfp"), ("vfp", "notesvfp")):
    t = dbf.Table(name, "nom C(20); note M; tel C(10)", codepage="cp1252", dbf_type=typ)
    t.open(dbf.READ_WRITE)
    t.append(("Renée Faure", "Dossier suivi par Mme Faure.\r\nNIR 1 85 05 78 006 084 91, rappeler au 06 98 76 54 32.", "0698765432"))
    t.append(("Jean Martin", "", "0612345678"))
    t.append(("Zoé Dupont", "IBAN FR76 3000 6000 0112 3456 7890 189", "0145678912"))
    t.close()
PY
# NAME.dbf.expected: "path<TAB>category<TAB>values" for nir, email, phone
# and iban, counted exactly by the breach scan's tests (written by hand).
