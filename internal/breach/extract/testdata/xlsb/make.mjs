// Writes the Excel binary workbook (.xlsb) fixtures of xlsb_test.go with
// SheetJS, which writes the format Excel reads, from an .xls fixture
// (../xls/make.py). Not run by the tests. From this folder:
//
//   npm install --prefix /tmp/sheetjs xlsx@0.18.5
//   NODE_PATH=/tmp/sheetjs/node_modules node make.mjs
//
// people-sst.xlsb     people-lo.xls: the text in the shared strings
//                     (short cells after the first of each row), dates
//                     and the 0######### phone numbers by their formats
// people-inline.xlsb  the same with the text in the cells
//
// LibreOffice reads in each exactly the cells xlrd reads in people-lo.xls,
// so the test compares them with ../xls/people-lo.golden. Checked with
// Calc 7.4 and xlrd 1.2:
//
//   soffice --headless --convert-to xls --outdir lo people-sst.xlsb
//   then golden() of ../xls/make.py on lo/people-sst.xls: the same lines
import { createRequire } from "module"

const require = createRequire(import.meta.url)
const XLSX = require("xlsx")

const src = XLSX.readFile("../xls/people-lo.xls", { cellNF: true, cellStyles: true, cellDates: false })
XLSX.writeFile(src, "people-sst.xlsb", { bookType: "xlsb", bookSST: true })
XLSX.writeFile(src, "people-inline.xlsb", { bookType: "xlsb", bookSST: false })
