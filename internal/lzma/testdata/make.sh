#!/bin/sh
# Writes the streams the tests decode, with xz-utils: a text of this
# repository (the breach packages' Go source, 100 KB) as raw LZMA2
# (xz --format=raw) with default and unusual properties, with a small
# dictionary (matches that reach its start) and as the .lzma format
# (LZMA, its 13-byte header, an end marker: the size is not known when
# it reads from a pipe); and 20 KB of random bytes, which LZMA2 stores.
# The file sha256 gives what each holds. Run from this folder: sh make.sh
set -e
rm -f *.lzma2 *.lzma sha256
t=$(mktemp -d)
cat ../../*.go ../../../*.go | head -c 100000 >"$t/texte.txt"
head -c 20000 /dev/urandom >"$t/hasard.bin"
xz --format=raw --lzma2=preset=6 -c "$t/texte.txt" >defaut.lzma2
xz --format=raw --lzma2=preset=1,lc=0,lp=2,pb=0 -c "$t/texte.txt" >lc0-lp2-pb0.lzma2
xz --format=raw --lzma2=preset=9e,lc=4,lp=0,pb=4,dict=4KiB -c "$t/texte.txt" >dict-4k.lzma2
xz --format=raw --lzma2=preset=0,mode=fast,nice=8 -c "$t/texte.txt" >rapide.lzma2
xz --format=raw --lzma2=preset=6 -c "$t/hasard.bin" >hasard.lzma2
cat "$t/texte.txt" | xz --format=lzma --lzma1=preset=6,lc=3,lp=0,pb=2 -c >texte.lzma
# What each stream holds, by its SHA-256.
(cd "$t" && sha256sum texte.txt hasard.bin) >sha256
rm -r "$t"
