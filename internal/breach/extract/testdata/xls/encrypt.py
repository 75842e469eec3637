#!/usr/bin/python3
"""Saves people-lo.xls again through LibreOffice Calc with an open password,
as Excel 97-2003 encrypts (RC4, [MS-XLS] 2.2.10):

    people-velvet.xls  under "VelvetSweatshop", the password Excel uses when
                       none is set: read
    people-secret.xls  under "secret": reported, not read

Not run by the tests: it needs libreoffice-calc-nogui and python3-uno. Run
from this folder:

    /usr/bin/python3 encrypt.py
"""
import os
import subprocess
import time

import uno
from com.sun.star.beans import PropertyValue

def pv(n, v):
    x = PropertyValue(); x.Name = n; x.Value = v; return x

office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--accept=socket,host=localhost,port=2002;urp;"])
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
for _ in range(60):
    try:
        ctx = resolver.resolve("uno:socket,host=localhost,port=2002;urp;StarOffice.ComponentContext")
        break
    except Exception:
        time.sleep(0.5)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
try:
    here = os.path.abspath(os.path.dirname(__file__))
    src = os.path.join(here, "people-lo.xls")
    for name, password in (("people-velvet.xls", "VelvetSweatshop"), ("people-secret.xls", "secret")):
        dst = os.path.join(here, name)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (pv("Hidden", True),))
        doc.storeToURL(uno.systemPathToFileUrl(dst), (pv("FilterName", "MS Excel 97"), pv("Password", password)))
        doc.close(True)
finally:
    try:
        desktop.terminate()
    except Exception:
        pass
    office.wait(timeout=30)
