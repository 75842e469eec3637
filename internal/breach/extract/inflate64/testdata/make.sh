#!/bin/sh
# Writes zips whose members 7-Zip packs with Deflate64 (7zz a -tzip
# -mm=Deflate64): a text of this repository (the extract package's Go
# source, 200 KB); the same 40 KB of random bytes twice, which only a
# 64 KiB window finds again, between runs of one byte longer than
# deflate's 258-byte matches.
# Needs 7zz (Debian's 7zip). Run from this folder: sh make.sh
set -e
rm -f *.zip
t=$(mktemp -d)
cat ../../*.go | head -c 200000 >"$t/texte.txt"
head -c 40000 /dev/urandom >"$t/bloc"
(cat "$t/bloc"; head -c 5000 /dev/zero; cat "$t/bloc"; head -c 70000 /dev/zero | tr '\0' 'a') >"$t/loin.bin"
(cd "$t" && 7zz a -bd -tzip -mm=Deflate64 -mx=9 deflate64.zip texte.txt loin.bin >/dev/null)
mv "$t/deflate64.zip" .
rm -r "$t"
