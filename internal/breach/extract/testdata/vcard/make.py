#!/usr/bin/python3
# Writes contacts.vcf as address books export contacts (vCard 3.0,
# RFC 2426), with vobject's serializer: lines folded at 75 octets,
# structured names and addresses, commas and semicolons escaped, a photo
# in base64. Debian: apt-get install python3-vobject. Run from this
# folder: /usr/bin/python3 make.py
import vobject

cards = []
c = vobject.vCard()
c.add("n").value = vobject.vcard.Name(family="Faure", given="Renée", prefix="Mme")
c.add("fn").value = "Renée Faure"
t = c.add("tel"); t.value = "06 98 76 54 32"; t.type_param = "CELL"
e = c.add("email"); e.value = "renee.faure@exemple.fr"; e.type_param = "INTERNET"
a = c.add("adr"); a.value = vobject.vcard.Address(street="12 rue de la Paix", city="Paris", code="75002", country="France"); a.type_param = "HOME"
c.add("bday").value = "1985-05-12"
c.add("note").value = "Carte Vitale 1 85 05 78 006 084 91; rappeler le matin, pas le mercredi"
c.add("org").value = ["Mairie d'Exemple", "État civil"]
p = c.add("photo"); p.value = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"; p.encoding_param = "b"; p.type_param = "JPEG"
cards.append(c)
c = vobject.vCard()
c.add("n").value = vobject.vcard.Name(family="Martin", given="Jean")
c.add("fn").value = "Jean Martin"
c.add("tel").value = "+33 6 12 34 56 78"
c.add("email").value = "jean.martin@exemple.fr"
c.add("bday").value = "19920503"
cards.append(c)
with open("contacts.vcf", "w", newline="") as f:
    for c in cards:
        f.write(c.serialize())
