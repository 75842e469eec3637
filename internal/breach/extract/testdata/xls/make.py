#!/usr/bin/python3
"""Writes the .xls fixtures of xls_test.go and what xlrd reads in them.

Not run by the tests: it needs Debian's python3-xlwt, python3-xlrd,
gnumeric (ssconvert) and libreoffice-calc-nogui. Run from this folder:

    /usr/bin/python3 make.py

people-xlwt.xls   written by xlwt (BIFF8: shared strings, RK, formulas)
people-lo.xls     the same re-saved by LibreOffice Calc
people-gnumeric.xls  re-saved by Gnumeric (BIFF8)
people-biff5.xls  re-saved by Gnumeric as Excel 95 (BIFF5: byte strings)
small-xlwt.xls    a workbook under 4 KiB (its stream in the mini stream)
small-lo.xml      small-xlwt.xls saved by LibreOffice Calc as an XML Spreadsheet 2003
                  (soffice --headless --convert-to 'xml:MS Excel 2003 XML' small-xlwt.xls)

Each NAME.xls but the BIFF5 one gets NAME.golden: one line per non-empty cell,
"sheet<TAB>row<TAB>col<TAB>kind<TAB>value" as xlrd reads it; kind is s
(text), n (a number: repr of the float), d (a number whose format is a
date: the date as ISO 8601) or b (a boolean or an error).
"""
import datetime
import os
import random
import subprocess

import xlrd
import xlwt

GIVEN = ["Jean", "Marie", "Élodie", "François", "Chloé", "Noël", "Zoé", "Hélène",
         "Jérôme", "Anaïs", "Łukasz", "Thảo", "Ægir", "Gaëlle", "Benoît", "Loïc"]
FAMILY = ["Martin", "Bernard", "Dubois", "Lefèvre", "Garçon", "Nguyễn", "Müller",
          "Œuvray", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy"]


def nir(r):
    sex = r.choice("12")
    yy, mm = r.randint(40, 99), r.randint(1, 12)
    dep, com, order = r.randint(1, 95), r.randint(1, 990), r.randint(1, 999)
    body = "%s%02d%02d%02d%03d%03d" % (sex, yy, mm, dep, com, order)
    return body + "%02d" % (97 - int(body) % 97), 1900 + yy, mm


def people(r, n):
    rows = []
    for i in range(n):
        g, f = r.choice(GIVEN), r.choice(FAMILY)
        code, yy, mm = nir(r)
        dob = datetime.date(yy, mm, r.randint(1, 28))
        mail = "%s.%s%d@exemple.fr" % (g.lower(), f.lower(), i)
        phone = "06%08d" % r.randint(0, 99999999)
        rows.append((f, g, mail, phone, code, dob, round(r.uniform(1, 999), 2), r.randint(1, 40)))
    return rows


def write_xlwt(path, rows, extra_sheet=True):
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Usagers")
    date = xlwt.easyxf(num_format_str="dd/mm/yyyy")
    padded = xlwt.easyxf(num_format_str="0#########")
    for c, h in enumerate(["Nom", "Prénom", "Courriel", "Téléphone", "NIR",
                           "Date de naissance", "Montant", "Quantité", "Nom complet", "Mobile"]):
        ws.write(0, c, h)
    for i, (f, g, mail, phone, code, dob, amount, qty) in enumerate(rows, 1):
        ws.write(i, 0, f)
        ws.write(i, 1, g)
        ws.write(i, 2, mail)
        ws.write(i, 3, phone)
        ws.write(i, 4, code)
        ws.write(i, 5, dob, date)
        ws.write(i, 6, amount)
        ws.write(i, 7, qty)
        ws.write(i, 8, xlwt.Formula('B%d&" "&A%d' % (i + 1, i + 1)))
        ws.write(i, 9, int(phone), padded)
    if extra_sheet:
        ws2 = wb.add_sheet("Notes été")
        ws2.write(0, 0, "Remarque")
        ws2.write(1, 0, "Rappeler %s au %s" % (rows[0][1], rows[0][3]))
        ws2.write(2, 0, True)
        ws2.write(3, 2, 12345678901234)
        ws2.write(4, 1, 0.1)
        ws2.write(5, 3, -2.5e-7)
    wb.save(path)


def golden(path):
    book = xlrd.open_workbook(path, formatting_info=True)
    out = []
    for sh in book.sheets():
        for r in range(sh.nrows):
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    continue
                if cell.ctype == xlrd.XL_CELL_TEXT:
                    if cell.value == "":
                        continue
                    kind, v = "s", cell.value
                elif cell.ctype == xlrd.XL_CELL_NUMBER:
                    kind, v = "n", repr(cell.value)
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    t = xlrd.xldate_as_tuple(cell.value, book.datemode)
                    kind, v = "d", "%04d-%02d-%02d" % t[:3]
                else:
                    kind, v = "b", str(cell.value)
                out.append("%s\t%d\t%d\t%s\t%s\n" % (sh.name, r + 1, c, kind, v))
    with open(os.path.splitext(path)[0] + ".golden", "w", encoding="utf-8") as f:
        f.writelines(out)


def main():
    r = random.Random(20261127)
    rows = people(r, 250)
    write_xlwt("people-xlwt.xls", rows)
    write_xlwt("small-xlwt.xls", rows[:5], extra_sheet=False)
    subprocess.run(["soffice", "--headless", "--convert-to", "xls", "--outdir", "lo", "people-xlwt.xls"], check=True)
    os.replace("lo/people-xlwt.xls", "people-lo.xls")
    os.rmdir("lo")
    subprocess.run(["ssconvert", "--recalc", "-T", "Gnumeric_Excel:excel_biff8", "people-xlwt.xls", "people-gnumeric.xls"], check=True)
    subprocess.run(["ssconvert", "--recalc", "-T", "Gnumeric_Excel:excel_biff7", "people-xlwt.xls", "people-biff5.xls"], check=True)
    # xlrd cannot read Gnumeric's BIFF5 (its strings are UTF-16 under code
    # page 1200): the test compares it with people-gnumeric.golden.
    for p in ["people-xlwt.xls", "small-xlwt.xls", "people-lo.xls", "people-gnumeric.xls"]:
        golden(p)


main()
