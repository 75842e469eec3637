#!/bin/sh
# The same support tickets (the first 40 KB of what ScanText's generator
# writes, whole lines) as LibreOffice Writer saves them in each format.
# Not run by the tests; needs Debian's libreoffice-writer-nogui. From
# this folder: sh make.sh
set -e
for f in docx doc rtf html pdf; do
	soffice --headless --convert-to "$f" tickets.txt >/dev/null
done
