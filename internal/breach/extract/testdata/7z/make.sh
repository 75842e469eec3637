#!/bin/sh
# Writes 7-Zip archives with Debian's 7zip (7zz 25.01), from fixtures of
# the other readers: the default (LZMA2, solid), PPMd (reported, not
# read), a member whose content is encrypted under a password, one whose
# names are too, and one whose block declares a 4 GiB dictionary (read:
# the block is 10 KiB, all the dictionary it needs).
# Run from this folder: sh make.sh
set -e
rm -f *.7z
t=$(mktemp -d)
cp ../bson/usagers.bson ../vcard/contacts.vcf ../ldif/annuaire.ldif "$t"/
mkdir "$t/courrier" && cp ../mail/plain.eml "$t/courrier/"
(cd "$t" && 7zz a -bso0 -bsp0 fuite.7z usagers.bson contacts.vcf annuaire.ldif courrier)
(cd "$t" && 7zz a -bso0 -bsp0 -m0=PPMd ppmd.7z contacts.vcf)
# The other methods 7-Zip offers for data, each block apart (-ms=off),
# with an empty file and an empty folder.
mkdir "$t/vide" && : >"$t/vide.txt"
for m in Copy LZMA Deflate BZip2; do
	(cd "$t" && 7zz a -bso0 -bsp0 -ms=off -m0=$m "methode-$m.7z" contacts.vcf annuaire.ldif vide.txt vide)
done
(cd "$t" && 7zz a -bso0 -bsp0 -pSecret chiffre.7z contacts.vcf)
(cd "$t" && 7zz a -bso0 -bsp0 -pSecret -mhe=on noms-chiffres.7z contacts.vcf)
(cd "$t" && 7zz a -bso0 -bsp0 -pSecret -m0=Copy -ms=off chiffre-copie.7z contacts.vcf annuaire.ldif)
# An archive that asks for a 4 GiB LZMA2 dictionary (property byte 40),
# as a crafted one would: made from one with an uncompressed header, its
# CRCs written again.
(cd "$t" && 7zz a -bso0 -bsp0 -m0=LZMA2 -mhc=off dictionnaire-4gio.7z contacts.vcf)
python3 - "$t/dictionnaire-4gio.7z" <<'PY'
import struct, sys, zlib
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
off, size, _ = struct.unpack("<QQI", b[12:32])
h = 32 + off
i = b.find(bytes([0x21, 0x21, 0x01]), h, h + size)  # coder: id 0x21 (LZMA2), one property byte
b[i + 3] = 40
b[28:32] = struct.pack("<I", zlib.crc32(bytes(b[h:h + size])))
b[8:12] = struct.pack("<I", zlib.crc32(bytes(b[12:32])))
open(p, "wb").write(b)
PY
mv "$t"/*.7z .
rm -r "$t"
