#!/bin/sh
# Writes zip archives whose members are encrypted under the password
# "Secret", from fixtures of the other readers: the traditional PKWARE
# encryption by Info-ZIP's zip (a data descriptor: its check byte is the
# time's) and by 7-Zip (the CRC's), and WinZip's AES (128 and 256 bits,
# AE-2, deflated) by 7-Zip. Run from this folder: sh make.sh
set -e
rm -f *.zip
t=$(mktemp -d)
cp ../vcard/contacts.vcf ../ldif/annuaire.ldif "$t"/
(cd "$t" && zip -q -P Secret infozip.zip contacts.vcf annuaire.ldif)
(cd "$t" && 7zz a -bso0 -bsp0 -tzip -pSecret zipcrypto.zip contacts.vcf annuaire.ldif)
(cd "$t" && 7zz a -bso0 -bsp0 -tzip -pSecret -mem=AES128 aes128.zip contacts.vcf annuaire.ldif)
(cd "$t" && 7zz a -bso0 -bsp0 -tzip -pSecret -mem=AES256 aes256.zip contacts.vcf annuaire.ldif)
mv "$t"/*.zip .
rm -r "$t"
