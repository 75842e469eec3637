#!/bin/sh
# Writes Office 2007+ documents encrypted under the password "Secret" as
# Office does (an OLE compound file holding EncryptionInfo and
# EncryptedPackage, [MS-OFFCRYPTO] 2.3.4): the letter and the slides of
# the document fixtures and the people workbook (people-lo.xls saved as
# .xlsx by LibreOffice), with agile encryption (AES-256, SHA-512, 100,000 spins)
# as Office 2010 and later write it, and the workbook with standard
# encryption (AES-128, SHA-1) as Office 2007 did. The encryption is
# officecrypto-tool's (npm), an implementation apart from the reader's.
# Not run by the tests: it needs soffice, node and npm. Run from this
# folder: sh make.sh
set -e
rm -f *.docx *.xlsx *.pptx
t=$(mktemp -d)
soffice --headless --convert-to xlsx --outdir "$t" ../xls/people-lo.xls >/dev/null
cp ../document/lettre.docx ../document/diaporama.pptx "$t"/
(cd "$t" && npm install --silent --no-audit --no-fund officecrypto-tool@0.0.19 >/dev/null && node -e '
const fs = require("fs"), oc = require("officecrypto-tool");
const enc = (src, dst, o) => fs.writeFileSync(dst, oc.encrypt(fs.readFileSync(src), Object.assign({password: "Secret"}, o)));
enc("lettre.docx", "lettre-agile.docx", {});
enc("diaporama.pptx", "diaporama-agile.pptx", {});
enc("people-lo.xlsx", "people-agile.xlsx", {});
enc("people-lo.xlsx", "people-standard.xlsx", {type: "standard"});
')
mv "$t"/lettre-agile.docx "$t"/diaporama-agile.pptx "$t"/people-agile.xlsx "$t"/people-standard.xlsx "$t"/people-lo.xlsx .
rm -r "$t"
