#!/usr/bin/python3
# Writes annuaire.ldif as an LDAP directory export (RFC 2849), with
# python-ldap's ldif.LDIFWriter: values that are not safe ASCII (accents,
# a leading space) in base64, binary attributes too, lines folded at 76
# columns. Debian: apt-get install python3-ldap. Run from this folder:
# /usr/bin/python3 make.py
import io, ldif

entries = [
    ("ou=Agents,dc=mairie-exemple,dc=fr", {"objectClass": [b"organizationalUnit"], "ou": [b"Agents"]}),
    ("cn=Service \u00c9tat civil,ou=Groupes,dc=mairie-exemple,dc=fr", {
        "objectClass": [b"groupOfNames"], "cn": ["Service \u00c9tat civil".encode()],
        "member": [b"uid=rfaure,ou=Agents,dc=mairie-exemple,dc=fr"]}),
    ("uid=rfaure,ou=Agents,dc=mairie-exemple,dc=fr", {
        "objectClass": [b"inetOrgPerson"], "uid": [b"rfaure"],
        "cn": ["Ren\u00e9e Faure".encode()], "sn": [b"Faure"], "givenName": ["Ren\u00e9e".encode()],
        "mail": [b"renee.faure@mairie-exemple.fr"],
        "telephoneNumber": [b"+33 1 23 45 67 89"], "mobile": [b"06 98 76 54 32"],
        "postalAddress": [b"12 rue de la Paix$75002 Paris"],
        "employeeNumber": [b"A1234"],
        "description": ["Agent d'accueil depuis 2019, NIR 1 85 05 78 006 084 91 \u00e0 v\u00e9rifier avec le service des ressources humaines".encode()],
        "jpegPhoto": [b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"]}),
    ("uid=jmartin,ou=Agents,dc=mairie-exemple,dc=fr", {
        "objectClass": [b"inetOrgPerson"], "uid": [b"jmartin"],
        "cn": [b"Jean Martin"], "sn": [b"Martin"], "givenName": [b"Jean"],
        "mail": [b"jean.martin@mairie-exemple.fr"], "mobile": [b"0612345678"],
        "postalAddress": [b" 3 avenue Foch$69003 Lyon"]}),
]
out = io.StringIO()
w = ldif.LDIFWriter(out, cols=76)
for dn, attrs in entries:
    w.unparse(dn, attrs)
with open("annuaire.ldif", "w") as f:
    f.write("version: 1\n# export de l'annuaire des agents\n" + out.getvalue())
