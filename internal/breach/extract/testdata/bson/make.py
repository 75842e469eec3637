#!/usr/bin/python3
# Writes usagers.bson as mongodump does (a collection's documents one
# after another, BSON as pymongo's bson module encodes it), its gzipped
# copy (mongodump --gzip), and the same documents as mongoexport writes
# them, one Extended JSON v2 document a line, relaxed (the default) and
# canonical (bson.json_util), and with a second collection as mongodump
# --archive writes a dump in one file (usagers.archive, and gzipped).
# Debian: apt-get install python3-pymongo.
# Run from this folder: /usr/bin/python3 make.py
import datetime, gzip
from bson import encode, ObjectId, Int64, Decimal128, Binary, Code, Regex
from bson.codec_options import CodecOptions
from bson import json_util
from collections import OrderedDict as O

utc = datetime.timezone.utc
docs = [
    O([("_id", ObjectId("65a1b2c3d4e5f60718293a4b")),
       ("nom", "Faure"), ("prenom", "Renée"),
       ("courriel", "renee.faure@exemple.fr"),
       ("telephone", "06 98 76 54 32"),
       ("nir", "1 85 05 78 006 084 91"),
       # a date picked in Paris, stored at its midnight in UTC
       ("dateNaissance", datetime.datetime(1985, 5, 11, 22, 0, tzinfo=utc)),
       ("adresse", O([("rue", "12 rue de la Paix"), ("cp", "75002"), ("ville", "Paris")])),
       ("enfants", [O([("prenom", "Lucie"), ("age", 7)]), O([("prenom", "Hugo"), ("age", Int64(4))])]),
       ("tags", ["famille", "cantine"]),
       ("actif", True), ("solde", Decimal128("-12.50")), ("note", None),
       ("photo", Binary(b"\x89PNG\r\n\x1a\n\x00\x00", 0)),
       ("commentaire", Binary("Rappeler Mme Faure au 06 98 76 54 32".encode(), 0)),
       ("creeLe", datetime.datetime(2024, 3, 14, 9, 26, 53, 589000, tzinfo=utc)),
       ("valide", Code("function() { return true; }")),
       ("motif", Regex("^F", "i")),
       ("score", 12.75)]),
    O([("_id", ObjectId("65a1b2c3d4e5f60718293a4c")),
       ("nom", "Martin"), ("prenom", "Jean"),
       ("courriel", "jean.martin@exemple.fr"),
       ("telephone", Int64(612345678)),
       ("nir", "2 92 05 70 858 151 89"),
       ("dateNaissance", datetime.datetime(1992, 5, 3, tzinfo=utc)),
       ("adresse", O([("rue", "3 avenue Foch"), ("cp", "69003"), ("ville", "Lyon")])),
       ("iban", "FR76 3000 6000 0112 3456 7890 189"),
       ("solde", Decimal128("1234567.891")), ("score", 3.0)]),
]
opts = CodecOptions(tz_aware=True)
data = b"".join(encode(d, codec_options=opts) for d in docs)
with open("usagers.bson", "wb") as f:
    f.write(data)
with gzip.GzipFile("usagers.bson.gz", "wb", mtime=0) as f:
    f.write(data)
# A date of birth before 1970, which relaxed mode writes in milliseconds.
docs[1]["dateNaissance"] = datetime.datetime(1952, 5, 2, 23, 0, tzinfo=utc)
for name, mode in (("usagers-relaxed.json", json_util.RELAXED_JSON_OPTIONS), ("usagers-canonical.json", json_util.CANONICAL_JSON_OPTIONS)):
    with open(name, "w") as f:
        for d in docs:
            f.write(json_util.dumps(d, json_options=mode) + "\n")

# The same documents as mongodump --archive writes them (the archive format
# specification of mongo-tools, docs/archive-spec.md): its magic number,
# a header, the collections' metadata, a terminator, then segments of each
# collection's documents, interleaved as parallel dumps leave them, and an
# EOF header per collection with the CRC-64-ECMA of its documents.
# usagers.archive.gz is mongodump --archive --gzip: the whole archive gzipped.
import struct
from bson import SON


def crc64_ecma(data, crc=0):
    # CRC-64/XZ: ECMA-182's polynomial, reflected, as Go's hash/crc64 with
    # crc64.ECMA computes it (mongo-tools' archive package).
    poly = 0xC96C5795D7870F42
    crc ^= 0xFFFFFFFFFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (poly if crc & 1 else 0)
    return crc ^ 0xFFFFFFFFFFFFFFFF


def int64(u):
    return Int64(u - (1 << 64) if u >= 1 << 63 else u)


docs[1]["dateNaissance"] = datetime.datetime(1992, 5, 3, tzinfo=utc)
agents = [O([("_id", ObjectId("65a1b2c3d4e5f60718293b01")), ("nom", "Petit"), ("prenom", "Claire"),
             ("courriel", "claire.petit@mairie-exemple.fr"), ("poste", "accueil")])]
usagers = [encode(d, codec_options=opts) for d in docs]
agent_docs = [encode(d, codec_options=opts) for d in agents]
term = b"\xff\xff\xff\xff"
out = struct.pack("<I", 0x8199E26D)
out += encode(SON([("concurrent_collections", 4), ("version", "0.1"), ("server_version", "7.0.14"), ("tool_version", "100.10.0")]))
for coll, body in (("usagers", usagers), ("agents", agent_docs)):
    meta = '{"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"}],"uuid":"","collectionName":"%s","type":"collection"}' % coll
    out += encode(SON([("db", "mairie"), ("collection", coll), ("metadata", meta), ("size", sum(map(len, body)))]))
out += term


def segment(coll, body):
    return encode(SON([("db", "mairie"), ("collection", coll), ("EOF", False), ("CRC", Int64(0))])) + b"".join(body) + term


def eof(coll, body):
    return encode(SON([("db", "mairie"), ("collection", coll), ("EOF", True), ("CRC", int64(crc64_ecma(b"".join(body))))])) + term


out += segment("usagers", usagers[:1]) + segment("agents", agent_docs) + eof("agents", agent_docs)
out += segment("usagers", usagers[1:]) + eof("usagers", usagers)
with open("usagers.archive", "wb") as f:
    f.write(out)
with gzip.GzipFile("usagers.archive.gz", "wb", mtime=0) as f:
    f.write(out)
