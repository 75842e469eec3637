// Writes the Outlook (.msg) fixtures of the breach scan's tests with
// oxmsg, the port of MsgKit that Tuta uses to export mail to Outlook,
// and what each holds. Not run by the tests. From this folder:
//
//   npm install --prefix /tmp/oxmsg @tutao/oxmsg@0.2.3
//   NODE_PATH=/tmp/oxmsg/node_modules node make.mjs
//
// demande.msg   a message with a sender, recipients, a plain and an HTML
//               body, a CSV and an .xls workbook attached
// NAME.expected "path<TAB>category<TAB>values" for nir, email, phone, iban;
// NAME.values   the values written, one a line (but the workbook's).
import { createRequire } from "module"
import { readFileSync, writeFileSync } from "fs"

const require = createRequire(import.meta.url)
const { Email, Attachment } = require("@tutao/oxmsg")

let seed = 27112026
function rand(n) {
	seed = (seed * 1103515245 + 12345) % 2147483648
	return seed % n
}
function pad(v, n) {
	return String(v).padStart(n, "0")
}
function nir() {
	const body = String(1 + rand(2)) + pad(40 + rand(60), 2) + pad(1 + rand(12), 2) + pad(1 + rand(95), 2) + pad(1 + rand(990), 3) + pad(1 + rand(999), 3)
	return body + pad(97 - Number(BigInt(body) % 97n), 2)
}
function phone() {
	return "06 " + [0, 0, 0, 0].map(() => pad(rand(100), 2)).join(" ")
}
function iban() {
	const bank = 10000 + rand(90000), branch = 10000 + rand(90000), account = rand(100000000000)
	const key = 97 - Number((89n * BigInt(bank) + 15n * BigInt(branch) + 3n * BigInt(account)) % 97n)
	const bban = pad(bank, 5) + pad(branch, 5) + pad(account, 11) + pad(key, 2)
	const digits = [...(bban + "FR00")].map((c) => parseInt(c, 36)).join("")
	return "FR" + pad(98 - Number(BigInt(digits) % 97n), 2) + bban
}

const values = ["jerome.dupont@exemple.fr", "renee.faure@exemple.fr", "Jérôme Dupont", "Renée Faure"]
const csv = ["nom;num_secu;courriel"]
for (let i = 0; i < 5; i++) {
	const n = nir()
	values.push(n, `agent${i}@mairie-exemple.fr`)
	csv.push(`Agent${i};${n};agent${i}@mairie-exemple.fr`)
}
const [n, rib, tel] = [nir(), iban(), phone()]
values.push(n, rib, tel)
const text = `Bonjour,\r\n\r\nMon numéro de sécurité sociale est ${n}.\r\nMon RIB : ${rib}\r\nVous pouvez me joindre au ${tel}.\r\n\r\nCordialement,\r\nJérôme Dupont\r\n`
const email = new Email()
	.sender("jerome.dupont@exemple.fr", "Jérôme Dupont")
	.to("etat-civil@mairie-exemple.fr", "État civil")
	.cc("renee.faure@exemple.fr", "Renée Faure")
	.subject("Demande d'acte de naissance")
	.bodyText(text)
	.bodyHtml("<html><body><p>" + text.replaceAll("\r\n", "<br>") + "</p></body></html>")
	.sentOn(new Date("2026-11-27T08:00:00Z"))
	.attach(new Attachment(new TextEncoder().encode(csv.join("\r\n") + "\r\n"), "export.csv"))
	.attach(new Attachment(readFileSync("../xls/small-xlwt.xls"), "ancien.xls"))
writeFileSync("demande.msg", email.msg())
writeFileSync(
	"demande.msg.expected",
	[
		"demande.msg\temail\t2", // the sender and a recipient (the other, a service's, is no one's)
		"demande.msg\tnir\t1",
		"demande.msg\tphone\t1",
		"demande.msg\tiban\t1",
		"demande.msg!/export.csv\tnir\t5",
		"demande.msg!/export.csv\temail\t5",
		"demande.msg!/ancien.xls\tnir\t5",
		"demande.msg!/ancien.xls\temail\t5",
		"demande.msg!/ancien.xls\tphone\t10",
	].join("\n") + "\n",
)
writeFileSync("demande.msg.values", values.join("\n") + "\n")
