#!/bin/sh
# Writes the HTML fixtures of html_test.go with LibreOffice (Debian's
# libreoffice-writer-nogui and libreoffice-calc-nogui). Not run by the
# tests. From this folder: sh make.sh
#
# lettre.html   the letter of ../document, exported by Writer
# tableau.xls   ../xls/small-xlwt.xls exported by Calc as an HTML table,
#               under the name business applications give such exports
set -e
soffice --headless --convert-to html ../document/lettre.fodt >/dev/null
soffice --headless --convert-to html ../xls/small-xlwt.xls >/dev/null
mv small-xlwt.html tableau.xls
