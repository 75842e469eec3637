#!/usr/bin/python3
"""Writes the e-mail fixtures of the breach scan's tests, with Python's
email and mailbox packages, and what each holds.

Run from this folder: /usr/bin/python3 make.py (any Python 3).

plain.eml   a plain UTF-8 message, encoded words in its header
mixed.eml   multipart/mixed: a quoted-printable Latin-1 text and its HTML,
            a CSV and an .xls workbook in base64, a forwarded message
boite.mbox  three messages in an mbox: a quoted-printable Latin-1 body, a
            "From " line escaped in a body, a CSV attached

NAME.expected lists, for each document of NAME (the file, or an
attachment after "!/"), "path<TAB>category<TAB>values" for the
categories whose values the test counts exactly: nir, email, phone, iban.
"""
import csv
import io
import mailbox
import random
from email.message import EmailMessage
from email.headerregistry import Address
from email.policy import SMTP

r = random.Random(27112026)


def nir():
    body = "%s%02d%02d%02d%03d%03d" % (r.choice("12"), r.randint(40, 99), r.randint(1, 12),
                                       r.randint(1, 95), r.randint(1, 990), r.randint(1, 999))
    return body + "%02d" % (97 - int(body) % 97)


def phone():
    return "06 %02d %02d %02d %02d" % tuple(r.randint(0, 99) for _ in range(4))


def iban():
    bank, branch, account = r.randint(10000, 99999), r.randint(10000, 99999), r.randint(0, 10**11 - 1)
    key = 97 - (89 * bank + 15 * branch + 3 * account) % 97  # the RIB key
    bban = "%05d%05d%011d%02d" % (bank, branch, account, key)
    digits = "".join(str(int(c, 36)) for c in bban + "FR00")
    return "FR%02d%s" % (98 - int(digits) % 97, bban)


expected = {}


def expect(name, path, **counts):
    for cat, n in counts.items():
        expected.setdefault(name, []).append("%s\t%s\t%d\n" % (path, cat, n))


# plain.eml
m = EmailMessage(policy=SMTP)
m["From"] = Address("Jérôme Dupont", addr_spec="jerome.dupont@exemple.fr")
m["To"] = "etat-civil@mairie-exemple.fr"
m["Subject"] = "Demande d'acte de naissance"
m["Date"] = "Fri, 27 Nov 2026 08:00:00 +0100"
m["Message-ID"] = "<20261127080000.4242@mail.exemple.fr>"
m.set_content("Bonjour,\n\nMon numéro de sécurité sociale est %s.\nVous pouvez me joindre au %s.\n\nCordialement,\nJérôme Dupont\n" % (nir(), phone()),
              charset="utf-8", cte="8bit")
open("plain.eml", "wb").write(m.as_bytes())
expect("plain.eml", "plain.eml", nir=1, email=1, phone=1)  # etat-civil@ names a service, not a person

# mixed.eml
m = EmailMessage(policy=SMTP)
m["From"] = "Service RH <rh@mairie-exemple.fr>"
m["To"] = "Comptabilité <compta@mairie-exemple.fr>, paie@mairie-exemple.fr"
m["Cc"] = "=?iso-8859-1?q?Ren=E9e_Faure?= <renee.faure@exemple.fr>"
m["Subject"] = "Export des agents"
m["Date"] = "Fri, 27 Nov 2026 09:00:00 +0100"
m["Message-ID"] = "<export.4243@mail.mairie-exemple.fr>"
tel = phone()
m.set_content("Bonjour Renée,\n\nVoici l'export. Téléphone du service : %s.\n" % tel, charset="iso-8859-1", cte="quoted-printable")
m.add_alternative("<p>Bonjour Ren&eacute;e,</p><p>Voici l'export. T&eacute;l&eacute;phone du service : %s.</p>" % tel, subtype="html")
rows = io.StringIO()
w = csv.writer(rows, delimiter=";", lineterminator="\n")
w.writerow(["nom", "num_secu", "courriel"])
for i in range(20):
    w.writerow(["Agent%d" % i, nir(), "agent%d@mairie-exemple.fr" % i])
m.add_attachment(rows.getvalue().encode("utf-8"), maintype="text", subtype="csv", filename="export.csv", cte="base64")
m.add_attachment(open("../xls/small-xlwt.xls", "rb").read(), maintype="application", subtype="vnd.ms-excel", filename="ancien.xls")
fwd = EmailMessage(policy=SMTP)
fwd["From"] = "banque@exemple.fr"
fwd["To"] = "rh@mairie-exemple.fr"
fwd["Subject"] = "RIB"
fwd["Date"] = "Thu, 26 Nov 2026 17:00:00 +0100"
fwd.set_content("Le RIB de l'agent : %s\n" % iban())
m.add_attachment(fwd)
open("mixed.eml", "wb").write(m.as_bytes())
# The header's four addresses and the forwarded message's two, the phone
# of the plain text (its HTML alternative is not read twice), the IBAN of
# the forwarded message: lines of the message.
expect("mixed.eml", "mixed.eml", email=3, phone=1, iban=1)  # not rh@ nor compta@: services
expect("mixed.eml", "mixed.eml!/2 export.csv", nir=20, email=20)
expect("mixed.eml", "mixed.eml!/3 ancien.xls", nir=5, email=5, phone=10)

# boite.mbox
box = mailbox.mbox("boite.mbox", create=True)
box.lock()
for k in range(3):
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "usager%d@exemple.fr" % k
    msg["To"] = "accueil@mairie-exemple.fr"
    msg["Subject"] = "Question %d" % k
    msg["Date"] = "Wed, 25 Nov 2026 1%d:00:00 +0100" % k
    body = "Rappelez-moi au %s.\n" % phone()
    if k == 1:
        body += "\nFrom the desk of the mayor: NIR %s\n" % nir()
    if k == 0:
        msg.set_content(body + "Bien à vous, Renée\n", charset="iso-8859-1", cte="quoted-printable")
    else:
        msg.set_content(body)
    if k == 2:
        msg.add_attachment("num_secu\n%s\n%s\n%s\n" % (nir(), nir(), nir()), subtype="csv", filename="liste.csv")
    box.add(msg)
expect("boite.mbox", "boite.mbox", email=3, phone=3, nir=1)  # not accueil@, a service
expect("boite.mbox", "boite.mbox!/3/2 liste.csv", nir=3)
box.flush()
box.unlock()

for name, lines in expected.items():
    open(name + ".expected", "w").writelines(lines)
