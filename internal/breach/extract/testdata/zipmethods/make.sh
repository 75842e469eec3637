#!/bin/sh
# Writes zip archives of fixtures of the other readers with the methods
# 7-Zip offers besides deflate: bzip2, LZMA and Deflate64 (read), PPMd
# (reported). Run from this folder: sh make.sh
set -e
rm -f *.zip
t=$(mktemp -d)
cp ../vcard/contacts.vcf ../ldif/annuaire.ldif "$t"/
for m in BZip2 LZMA Deflate64 PPMd; do
	(cd "$t" && 7zz a -bso0 -bsp0 -tzip -mm=$m "$m.zip" contacts.vcf annuaire.ldif)
done
mv "$t"/*.zip .
rm -r "$t"
