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
# NAME.dbf.expected: "path<TAB>category<TAB>values" for nir, email, phone
# and iban, counted exactly by the breach scan's tests (written by hand).
