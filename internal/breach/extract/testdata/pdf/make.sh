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
# courrier.pdf    a letter Cairo writes through pango-view (a Type0 font,
#                 Identity-H, two bytes a code)
# chiffre-*.pdf   courrier.pdf encrypted by qpdf with an owner password and
#                 an empty user password (what "protected" PDFs are): RC4
#                 40 bits (revision 2), RC4 128 (3), AES-128 (4), AES-256
#                 with object streams (6)
# motdepasse*.pdf courrier.pdf encrypted with the user password "secret":
#                 AES-256 (revision 6), RC4 128 (3), AES-128 (4)
# paragraphe.pdf  a paragraph Cairo wraps at 250 points, values cut by
#                 the wraps (a NIR, an IBAN, words at their hyphen)
# NAME.pdftotext  what pdftotext reads in NAME.pdf
set -e
soffice --headless --convert-to pdf ../document/lettre.fodt >/dev/null
qpdf --object-streams=generate lettre.pdf lettre-os.pdf
printf 'Courrier de Zoé Nguyễn\nNIR 1 85 05 78 006 084 91 — tél. 06 12 34 56 78\nCourriel : zoe.nguyen@exemple.fr\n' > courrier.txt
pango-view --no-display --output=courrier.pdf courrier.txt
rm courrier.txt
qpdf --allow-weak-crypto --encrypt "" proprio 40 -- courrier.pdf chiffre-rc4-40.pdf
qpdf --allow-weak-crypto --encrypt "" proprio 128 --use-aes=n -- courrier.pdf chiffre-rc4-128.pdf
qpdf --encrypt "" proprio 128 --use-aes=y -- courrier.pdf chiffre-aes-128.pdf
qpdf --object-streams=generate --encrypt "" proprio 256 -- courrier.pdf chiffre-aes-256.pdf
qpdf --encrypt secret proprio 256 -- courrier.pdf motdepasse.pdf
qpdf --allow-weak-crypto --encrypt secret proprio 128 --use-aes=n -- courrier.pdf motdepasse-rc4.pdf
qpdf --encrypt secret proprio 128 --use-aes=y -- courrier.pdf motdepasse-aes128.pdf
printf 'Madame Renée Faure, demeurant à Saint-Exemple, a communiqué son numéro de sécurité sociale 1 85 05 78 006 084 91 ainsi que son RIB FR76 3000 6000 0112 3456 7890 189 et son adresse jean-pierre.faure@exemple.fr pour être rappelée au 06 12 34 56 78 dans la journée\n' > paragraphe.txt
pango-view --no-display --width=250 --output=paragraphe.pdf paragraphe.txt
rm paragraphe.txt
for f in lettre lettre-os courrier paragraphe; do pdftotext "$f.pdf" "$f.pdftotext"; done
