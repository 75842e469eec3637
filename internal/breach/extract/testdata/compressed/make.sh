#!/bin/sh
# Writes compressed streams of fixtures of the other readers, as xz,
# bzip2, zstd, lz4, lzma (xz --format=lzma) and lzip write them: xz with each
# kind of check (CRC64 by default, CRC32, SHA-256, none), in blocks of
# 1 KiB, and as two streams
# one after the other; lz4 as frames (by default, and in dependent blocks
# of 1 KiB with their checksums and the content's size), in its legacy
# format, and as two frames one after the other; tars packed by tar
# itself. Run from this folder:
# sh make.sh
set -e
rm -f *.xz *.bz2 *.zst *.lz4 *.lzma *.lz *.txz *.tbz2 *.tzst *.tlz
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
xz --format=lzma -c "$t/annuaire.ldif" >annuaire.ldif.lzma
lzip -c "$t/annuaire.ldif" >annuaire.ldif.lz
head -c 300 "$t/contacts.vcf" | lzip -c >contacts-membres.vcf.lz
tail -c +301 "$t/contacts.vcf" | lzip -c >>contacts-membres.vcf.lz
zstd -q -19 -c "$t/annuaire.ldif" >annuaire.ldif.zst
lz4 -q -9 -c "$t/annuaire.ldif" >annuaire.ldif.lz4
lz4 -q -B1024 -BD -BX --content-size -c "$t/contacts.vcf" >contacts-blocs.vcf.lz4
lz4 -q -l -c "$t/annuaire.ldif" >annuaire-legacy.ldif.lz4
head -c 500 "$t/annuaire.ldif" | lz4 -q -c >annuaire-deux.ldif.lz4
tail -c +501 "$t/annuaire.ldif" | lz4 -q -c >>annuaire-deux.ldif.lz4
(cd "$t" && tar -cf - annuaire.ldif contacts.vcf) | xz -c >fuite.txz
(cd "$t" && tar -cf - annuaire.ldif contacts.vcf) | bzip2 -c >fuite.tbz2
(cd "$t" && tar -cf - annuaire.ldif contacts.vcf) | zstd -q -c >fuite.tzst
(cd "$t" && tar -cf - annuaire.ldif contacts.vcf) | lz4 -q -c >fuite.tar.lz4
(cd "$t" && tar -cf - annuaire.ldif contacts.vcf) | xz --format=lzma -c >fuite.tlz
(cd "$t" && tar -cf - annuaire.ldif contacts.vcf) | lzip -c >fuite.tar.lz
rm -r "$t"
