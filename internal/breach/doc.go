// Package breach measures a personal data breach: it scans what an
// incident exposed (files, folders, archives, databases) for French
// personal data, counts values, records and people, rates the risk for
// the people concerned, and renders the report (json, text, markdown,
// html). Package breach/notification drafts the GDPR article 33
// notification and the article 34 letter from the JSON report.
//
// The scan never becomes a second leak: no raw value reaches a report, a
// finding, a log line or an error message. Reports carry counts, masked
// samples (pii.Mask) and names (paths, tables, columns) whose detected
// personal data is masked too; distinct values and people are counted
// from keyed hashes (SipHash-2-4 for the identifiers) under a key drawn
// for the run and kept only in memory; problems name the file and the
// line or byte offset.
//
// Readers (package breach/extract) stream, so memory stays bounded whatever
// the size of a file; one worker per core takes files, and big delimited or
// text files are cut at record boundaries (quotes respected) so that one
// file also uses every core.
//
// # Findings file
//
// With Options.Findings, one JSON object per line and per finding:
//
//	{"path":"dump.zip!/export/users.csv","line":12,"start":40,"end":55,
//	 "category":"nir","confidence":0.99,"table":"usagers","column":"num_secu"}
//
// line is 1-based: the line of the text, or the line where a table row
// starts (a spreadsheet's or database's row number). start and end are
// byte offsets in that line as stored (a row that spans lines counts from
// its first line, line endings included; a UTF-16 file counts bytes of its
// UTF-8 conversion; for spreadsheets and databases they are offsets in the
// cell's value). table is absent for text and for the single table of a
// delimited file; column is present for every table cell.
//
// # JSON report (schema "tocsin.breach.report/v1")
//
// Fields are only ever added; readers must ignore unknown fields.
//
//	{
//	  "schema": "tocsin.breach.report/v1",
//	  "generated": "2026-11-26T10:00:00Z",
//	  "inputs": ["/srv/dump", "postgres://app:xxxxx@db/app"],
//	  "scanned": {
//	    "documents": 12,          // files, archive members, databases
//	    "bytes": 123456,          // content bytes read (uncompressed)
//	    "records": 5000,          // rows, lines and JSON objects read
//	    "tables": 7,
//	    "by_format": {"csv": 3, "zip": 1, …},
//	    "skipped": 1,             // parts left out on purpose (limits, binary)
//	    "errors": 0,              // parts that could not be read
//	    "seconds": 1.2
//	  },
//	  "records_affected": 4200,   // records with at least one finding
//	  "people": {"count": 3900, "exact": true, "records": 4100, "shared_identifiers": 1, "shared_by_kind": {"phone": 1}},
//	  "categories": [             // every category, in pii.Categories order
//	    {"category": "nir", "validated": true, "values": 4000, "distinct": 3900,
//	     "distinct_exact": true, "records": 4000, "samples": ["1 85 05 ** *** *** 36"]},
//	    …,
//	    {"category": "credential", "validated": false, "values": 4000, …,
//	     "samples": ["$2y$10$****", "********"],
//	     "kinds": {"plaintext": 0, "weak_hash": 0, "strong_hash": 4000}}
//	  ],
//	  "locations": [              // documents and tables with findings
//	    {"path": "dump.zip!/users.csv", "table": "", "format": "csv",
//	     "records": 4000, "records_affected": 4000, "values": {"nir": 4000, …},
//	     "columns": [{"name": "num_secu", "class": "nir", "confidence": 0.99, "values": {"nir": 4000}}]}
//	  ],
//	  "special_categories": [     // columns naming GDPR art. 9/10 data
//	    {"path": "…", "table": "…", "column": "pathologie", "kind": "health"}
//	  ],
//	  "risk": {
//	    "level": "high",          // low, high or very_high
//	    "severity": {"score": 3.5, "dpc": 3, "ei": 1, "cb": 0.5, "level": "high"},
//	    "reasons": [{"code": "nir", "fr": "…", "en": "…"}, …],
//	    "article34": true         // high risk: tell the people (before art. 34(3) exemptions)
//	  },
//	  "problems": [{"path": "…", "line": 3, "offset": 0, "skipped": false, "message": "…"}],
//	  "problems_omitted": 0
//	}
//
// People are counted by joining, in a union-find of keyed hashes, the
// identifiers each record carries together: NIR, e-mail and phone; a
// record with none of them is a person by its name with date of birth. A
// person found with NIR and e-mail in one table and with the e-mail alone
// in a log counts once; two people sharing one mailbox count once too.
// An identifier that joins the people of more than a few records apart
// (hubLinks: a town hall's switchboard in every signature, a placeholder)
// stops joining anyone: it counts as one person, and the report says how
// many such identifiers it met ("shared_identifiers").
// Each worker keeps its own union-find; they are joined at the end, so a
// person met by two workers counts once.
// The same union-find counts the distinct NIRs, e-mail addresses and
// phone numbers (a hash's low bits tell its kind); the other categories'
// distinct values have a set each.
// Past its share of the hash budget (Options.MaxHashes) the count becomes
// a HyperLogLog estimate of each record's main identifier (NIR, else
// e-mail, else phone, else name with date of birth) and "exact" turns
// false; distinct values likewise ("distinct_exact").
//
// The risk rating is ENISA's severity method (see rate), with the
// reasons written in French and English.
package breach
