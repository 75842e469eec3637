#!/bin/sh
# Writes the flat OpenDocument fixtures of flat_test.go: LibreOffice Calc,
# Writer and Impress (7.4) save the zipped fixtures as one XML file each.
# Not run by the tests; needs libreoffice-{writer,calc,impress}-nogui.
# From this folder:
#
#   sh make.sh
#
# lettre.fodt     ../document/lettre.odt: a header, a footnote, a comment,
#                 a deleted paragraph (kept in place, between a
#                 change-start and a change-end), a table
# diaporama.fodp  ../document/diaporama.odp: two slides and their notes
# small-xlwt.fods ../xls/small-xlwt.xls: five people, dates by their format
set -e
soffice --headless --convert-to fodt --outdir . ../document/lettre.odt
soffice --headless --convert-to fodp --outdir . ../document/diaporama.odp
soffice --headless --convert-to fods --outdir . ../xls/small-xlwt.xls
