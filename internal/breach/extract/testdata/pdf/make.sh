#!/bin/sh
# Writes the PDF fixtures of pdf_test.go, and what pdftotext (Poppler)
# reads in each, with Debian's libreoffice-writer-nogui, qpdf,
# pango1.0-tools and poppler-utils. Not run by the tests. From this folder:
#
#   sh make.sh
#
# lettre.pdf      the letter of ../document, as LibreOffice Writer exports it
#                 (TrueType subsets with ToUnicode maps, a cross-reference table)
# lettre-os.pdf   the same rewritten by qpdf with object streams and a
#                 cross-reference stream
# chiffre.pdf     the same encrypted by qpdf (AES-256, an empty user password)
# courrier.pdf    a letter Cairo writes through pango-view (a Type0 font,
#                 Identity-H, two bytes a code)
# NAME.pdftotext  what pdftotext reads in NAME.pdf
set -e
soffice --headless --convert-to pdf ../document/lettre.fodt >/dev/null
qpdf --object-streams=generate lettre.pdf lettre-os.pdf
qpdf --encrypt "" proprio 256 -- lettre.pdf chiffre.pdf
printf 'Courrier de Zoé Nguyễn\nNIR 1 85 05 78 006 084 91 — tél. 06 12 34 56 78\nCourriel : zoe.nguyen@exemple.fr\n' > courrier.txt
pango-view --no-display --output=courrier.pdf courrier.txt
rm courrier.txt
for f in lettre lettre-os courrier; do pdftotext "$f.pdf" "$f.pdftotext"; done
