#!/usr/bin/python3
# Writes usagers.bson as mongodump does (a collection's documents one
# after another, BSON as pymongo's bson module encodes it), its gzipped
# copy (mongodump --gzip), and the same documents as mongoexport writes
# them, one Extended JSON v2 document a line, relaxed (the default) and
# canonical (bson.json_util). Debian: apt-get install python3-pymongo.
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
