#!/bin/sh
# Writes compressed streams of fixtures of the other readers, as xz,
# bzip2 and zstd write them: xz with each kind of check (CRC64 by
# default, CRC32, SHA-256, none), in blocks of 1 KiB, and as two streams
# one after the other; tars packed by tar itself. Run from this folder:
# sh make.sh
set -e
rm -f *.xz *.bz2 *.zst *.txz *.tbz2 *.tzst
t=$(mktemp -d)
cp ../ldif/annuaire.ldif ../vcard/contacts.vcf "$t"/
xz -k -c "$t/annuaire.ldif" >annuaire.ldif.xz
xz -k -c -C crc32 "$t/contacts.vcf" >contacts-crc32.vcf.xz
xz -k -c -C sha256 "$t/contacts.vcf" >contacts-sha256.vcf.xz
xz -k -c -C none "$t/contacts.vcf" >contacts-none.vcf.xz
xz -k -c -9e --block-size=1KiB "$t/annuaire.ldif" >annuaire-blocs.ldif.xz
head -c 500 "$t/annuaire.ldif" | xz -c >annuaire-deux.ldif.xz
tail -c +501 "$t/annuaire.ldif" | xz -c >>annuaire-deux.ldif.xz
bzip2 -k -c "$t/annuaire.ldif" >annuaire.ldif.bz2
zstd -q -19 -c "$t/annuaire.ldif" >annuaire.ldif.zst
(cd "$t" && tar -cf - annuaire.ldif contacts.vcf) | xz -c >fuite.txz
(cd "$t" && tar -cf - annuaire.ldif contacts.vcf) | bzip2 -c >fuite.tbz2
(cd "$t" && tar -cf - annuaire.ldif contacts.vcf) | zstd -q -c >fuite.tzst
rm -r "$t"
