package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"tocsin/internal/breach"
	"tocsin/internal/breach/extract"
	"tocsin/internal/breach/notification"
)

const breachUsage = `Usage:
  tocsin breach scan [flags] PATH...      find French personal data in files, folders, archives, databases
  tocsin breach notify --report FILE      draft the GDPR article 33 notification and the article 34 letter

Run 'tocsin breach scan -h' or 'tocsin breach notify -h' for the flags.
`

func runBreach(ctx context.Context, args []string, s Streams) int {
	if len(args) == 0 {
		fmt.Fprint(s.Err, breachUsage)
		return 2
	}
	switch args[0] {
	case "scan":
		return runBreachScan(ctx, args[1:], s)
	case "notify":
		return runBreachNotify(ctx, args[1:], s)
	case "-h", "--help", "help":
		fmt.Fprint(s.Out, breachUsage)
		return 0
	}
	fmt.Fprintf(s.Err, "tocsin breach: unknown command %q\n\n%s", args[0], breachUsage)
	return 2
}

// The collector during a scan. The scan's live heap is mostly
// pointer-free hash tables that grow by doubling, and its garbage is the
// tables they replace: at the default GOGC of 100 each doubling starts a
// collection, whose mark phase turns on the write barrier of the
// detectors' hot loops. At 400, `tocsin breach scan` runs 4 to 6 % fewer
// instructions (tickets, order table, corpus table) and a 1 GiB table of
// unique people peaks at 180 MB resident instead of 154; past the hash
// budget the sketches bound the live heap, and the soft limit bounds the
// rest. GOGC and GOMEMLIMIT, when set, decide instead.
const (
	breachGCPercent   = 400
	breachMemoryLimit = 512 << 20
)

// setBreachCollector sets the collector for a scan and returns what
// puts it back.
func setBreachCollector() (restore func()) {
	gc, limit := -2, int64(-1)
	if os.Getenv("GOGC") == "" {
		gc = debug.SetGCPercent(breachGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		limit = debug.SetMemoryLimit(breachMemoryLimit)
	}
	return func() {
		if gc != -2 {
			debug.SetGCPercent(gc)
		}
		if limit >= 0 {
			debug.SetMemoryLimit(limit)
		}
	}
}

func runBreachScan(ctx context.Context, args []string, s Streams) int {
	fs := flag.NewFlagSet("tocsin breach scan", flag.ContinueOnError)
	fs.SetOutput(s.Err)
	var dsns multiFlag
	output := fs.String("output", "text", "report format: json, text, markdown or html")
	lang := fs.String("lang", "en", "language of the text, markdown and html reports: en or fr (json holds both)")
	findings := fs.String("findings", "", "write one JSON line per finding to `FILE` (path, line, offsets, category; never a value)")
	fs.Var(&dsns, "db", "scan the database at `DSN`: postgres://…, mysql://user:pass@host/db, sqlite:///path or a SQLite file (repeatable)")
	quiet := fs.Bool("quiet", false, "no progress bar and no notes on stderr (errors are still printed)")
	workers := fs.Int("workers", 0, "scanning goroutines (0: one per core)")
	maxArchive := fs.String("max-archive-bytes", "8G", "uncompressed bytes read through the archives of one input file (zip bombs); K, M, G suffixes")
	maxDepth := fs.Int("max-depth", extract.DefaultMaxDepth, "archive nesting levels opened")
	var passwords multiFlag
	fs.Var(&passwords, "password", "try `PASS` on files protected by a password (7-Zip, zip, RAR, PDF, .xls, .doc, Office 2007+), as a leak is often published (repeatable; other users see it in the process list: prefer --password-file)")
	passwordFile := fs.String("password-file", "", "try each line of `FILE` as a password, after those of --password")
	fs.Usage = func() {
		fmt.Fprint(s.Err, `Usage: tocsin breach scan [flags] PATH...

Scans files and folders (recursive) and databases (--db) for French personal
data, and prints a report: counts per category, distinct people, where the
data is, and the risk rating. No value is ever printed: only counts and
masked samples. Exit status 0 when the scan ran.

Read, by their content whatever their names:
  tables      CSV/TSV, JSON/NDJSON, XML exports, MySQL and PostgreSQL dumps
              (SQL, and pg_dump's -Fc archives with their large objects,
              -Fd folders and -Ft tars; zlib, LZ4 or zstd; mysqldump --tab
              folders),
              MongoDB dumps (.bson, --archive), LDAP exports (LDIF),
              address books (vCard .vcf), calendars (.ics), SQLite files,
              dBASE and FoxPro .dbf
  workbooks   XLSX, XLSB, ODS, Excel 97-2003 .xls (also encrypted under
              Excel's default password or one given), XML Spreadsheet 2003
  documents   DOCX, Word 97-2003 .doc (also encrypted, with the password
              given), ODT, RTF, PPTX, PowerPoint 97-2003 .ppt, ODP, PDF,
              HTML
              (OpenDocument also as flat XML: .fodt, .fods, .fodp)
  mail        .eml, Maildir, mbox, Outlook .msg and winmail.dat (attachments
              by their format)
  archives    zip (also Deflate64, bzip2, LZMA, xz, Zstandard), 7-Zip
              (LZMA, LZMA2, deflate, bzip2), RAR (1.5 to 5),
              tar; streams compressed with gzip, xz, lzma, lzip, bzip2,
              zstd or LZ4 (nested, as a dump.sql.xz or a .tar.zst)
  text        logs and any other text (UTF-8, else Windows-1252)
What cannot be read (encrypted files, scanned pages, images, 7-Zip
members packed with PPMd) is listed in the report's problems with the
reason. Zip, 7-Zip and RAR archives, PDFs, .xls workbooks, .doc
documents and Office 2007+ documents (.xlsx, .docx, .pptx) protected by a
password are read with the password given (--password, --password-file),
which no output shows.

Categories: nir, france_travail_id, iban, payment_card, email, phone,
date_of_birth, postal_address, person_name, id_document, ip_address, and
credential (a password or its hash: in a password column, after a
password key in text, in a URL, or a hash that names its scheme). Not
counted: addresses of services (contact@, accueil@, noreply@…), names
borne by streets, schools and halls (collège Jules Ferry), SIRETs.

`)
		fs.PrintDefaults()
	}
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(paths) == 0 && len(dsns) == 0 {
		fs.Usage()
		return 2
	}
	switch *output {
	case breach.FormatJSON, breach.FormatText, breach.FormatMarkdown, breach.FormatHTML:
	default:
		fmt.Fprintf(s.Err, "tocsin breach scan: --output must be json, text, markdown or html, not %q\n", *output)
		return 2
	}
	if *lang != "en" && *lang != "fr" {
		fmt.Fprintf(s.Err, "tocsin breach scan: --lang must be en or fr, not %q\n", *lang)
		return 2
	}
	limit, err := parseSize(*maxArchive)
	if err != nil {
		fmt.Fprintf(s.Err, "tocsin breach scan: --max-archive-bytes: %v\n", err)
		return 2
	}
	if *maxDepth < 1 {
		fmt.Fprintln(s.Err, "tocsin breach scan: --max-depth must be at least 1")
		return 2
	}
	for _, d := range dsns {
		if _, err := extract.ParseDSN(d); err != nil {
			fmt.Fprintf(s.Err, "tocsin breach scan: --db: %v\n", err)
			return 2
		}
	}

	if *passwordFile != "" {
		b, err := os.ReadFile(*passwordFile)
		if err != nil {
			fmt.Fprintf(s.Err, "tocsin breach scan: --password-file: %v\n", err)
			return 2
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSuffix(line, "\r"); line != "" {
				passwords = append(passwords, line)
			}
		}
	}

	opts := breach.Options{Paths: paths, DSNs: dsns, Workers: *workers,
		Extract: extract.Options{MaxArchiveBytes: limit, MaxDepth: *maxDepth, Passwords: passwords}}
	var fout *os.File
	var fbuf *bufio.Writer
	if *findings != "" {
		// Findings name files and offsets: private to the user.
		fout, err = os.OpenFile(*findings, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			fmt.Fprintf(s.Err, "tocsin breach scan: --findings: %v\n", err)
			return 2
		}
		defer fout.Close()
		fbuf = bufio.NewWriterSize(fout, 256<<10)
		opts.Findings = fbuf
	}

	// The progress bar and the problem lines share stderr.
	var errMu sync.Mutex
	var bar *progressbar.ProgressBar
	if !*quiet && isTerminal(s.Err) {
		opts.Progress = func(p breach.Progress) {
			errMu.Lock()
			defer errMu.Unlock()
			if bar == nil {
				total := p.TotalBytes
				if total == 0 {
					total = -1 // databases only: bytes as they come
				}
				// No spinner: its ticker would be a goroutine nobody waits for.
				bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(s.Err), progressbar.OptionShowBytes(true),
					progressbar.OptionSetDescription("scanning"), progressbar.OptionThrottle(200*time.Millisecond),
					progressbar.OptionClearOnFinish(), progressbar.OptionSetWidth(30), progressbar.OptionUseANSICodes(true),
					progressbar.OptionSetSpinnerChangeInterval(0))
			}
			bar.Describe(fmt.Sprintf("files %d/%d", p.Files, p.TotalFiles))
			if p.TotalBytes > 0 && p.Bytes > p.TotalBytes {
				bar.ChangeMax64(p.Bytes) // database rows add to the files' size
			}
			bar.Set64(p.Bytes)
			if p.Done {
				bar.Finish()
			}
		}
	}
	opts.Problem = func(p breach.ProblemEntry) {
		if p.Skipped && *quiet {
			return
		}
		errMu.Lock()
		defer errMu.Unlock()
		if bar != nil {
			fmt.Fprint(s.Err, "\r\x1b[K")
		}
		fmt.Fprintf(s.Err, "tocsin breach scan: %s\n", breachProblemLine(p))
	}

	restore := setBreachCollector()
	rep, err := breach.Scan(ctx, opts)
	restore()
	if fbuf != nil {
		if ferr := fbuf.Flush(); err == nil && ferr != nil {
			err = fmt.Errorf("--findings: %w", ferr)
		}
		if cerr := fout.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("--findings: %w", cerr)
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(s.Err, "tocsin breach scan: interrupted")
			return 130
		}
		fmt.Fprintf(s.Err, "tocsin breach scan: %v\n", err)
		return 1
	}
	out := bufio.NewWriterSize(s.Out, 64<<10)
	if err := breach.Render(out, rep, *output, *lang); err != nil {
		fmt.Fprintf(s.Err, "tocsin breach scan: %v\n", err)
		return 1
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(s.Err, "tocsin breach scan: %v\n", err)
		return 1
	}
	if !*quiet {
		fmt.Fprintf(s.Err, "tocsin breach scan: %d documents, %.1f MB in %.1fs; %d records with personal data; risk %s\n",
			rep.Scanned.Documents, float64(rep.Scanned.Bytes)/1e6, rep.Scanned.Seconds, rep.RecordsAffected, rep.Risk.Level)
	}
	return 0
}

func breachProblemLine(p breach.ProblemEntry) string {
	where := p.Path
	switch {
	case p.Line > 0:
		where += ":" + strconv.Itoa(p.Line)
	case p.Offset > 0:
		where += fmt.Sprintf(" (byte %d)", p.Offset)
	}
	if p.Skipped {
		return where + ": skipped: " + p.Message
	}
	return where + ": " + p.Message
}

// parseSize reads 123, 64K, 512M, 8G (powers of 1024).
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for suffix, m := range map[string]int64{"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40} {
		if strings.HasSuffix(s, suffix) || strings.HasSuffix(s, suffix+"B") || strings.HasSuffix(s, suffix+"IB") {
			s = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, "IB"), "B"), suffix)
			mult = m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size (64M, 8G…)", s)
	}
	return n * mult, nil
}

func runBreachNotify(ctx context.Context, args []string, s Streams) int {
	fs := flag.NewFlagSet("tocsin breach notify", flag.ContinueOnError)
	fs.SetOutput(s.Err)
	reportPath := fs.String("report", "", "the JSON report of tocsin breach scan --output json (`FILE`)")
	configPath := fs.String("config", "", "a YAML `FILE` with the controller, the DPO, the breach's nature, origin and awareness time, the measures")
	output := fs.String("output", "markdown", "markdown, html or pdf (PDF to a file: > notification.pdf)")
	lang := fs.String("lang", "fr", "fr or en")
	fs.Usage = func() {
		fmt.Fprint(s.Err, `Usage: tocsin breach notify --report REPORT.json [--config FILE] [--output markdown|html|pdf] [--lang fr|en]

Drafts the GDPR article 33 notification to the CNIL from a scan report, with
the article 34 letter to the people concerned. Whatever the configuration
does not give is left as a visible [À COMPLÉTER : …] placeholder.

Configuration (every key optional; unknown keys are errors):
`)
		fmt.Fprint(s.Err, notification.ExampleConfig)
		fmt.Fprintln(s.Err)
		fs.PrintDefaults()
	}
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(rest) > 0 {
		fmt.Fprintf(s.Err, "tocsin breach notify: unexpected argument %q\n", rest[0])
		return 2
	}
	if *reportPath == "" {
		fs.Usage()
		return 2
	}
	if *output != "markdown" && *output != "html" && *output != "pdf" {
		fmt.Fprintf(s.Err, "tocsin breach notify: --output must be markdown, html or pdf, not %q\n", *output)
		return 2
	}
	if *lang != "fr" && *lang != "en" {
		fmt.Fprintf(s.Err, "tocsin breach notify: --lang must be fr or en, not %q\n", *lang)
		return 2
	}
	f, err := os.Open(*reportPath)
	if err != nil {
		fmt.Fprintf(s.Err, "tocsin breach notify: --report: %v\n", err)
		return 2
	}
	rep, err := breach.ReadReport(f)
	f.Close()
	if err != nil {
		fmt.Fprintf(s.Err, "tocsin breach notify: %s: %v\n", *reportPath, err)
		return 1
	}
	cfg := &notification.Config{}
	if *configPath != "" {
		cfg, err = notification.LoadConfig(*configPath)
		if err != nil {
			fmt.Fprintf(s.Err, "tocsin breach notify: %v\n", err)
			return 1
		}
	}
	out := bufio.NewWriter(s.Out)
	if err := notification.Render(out, rep, cfg, notification.Options{Format: *output, Lang: *lang, Now: time.Now()}); err != nil {
		fmt.Fprintf(s.Err, "tocsin breach notify: %v\n", err)
		return 1
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(s.Err, "tocsin breach notify: %v\n", err)
		return 1
	}
	_ = ctx
	return 0
}
