package breach

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"math/bits"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/extract"
	"tocsin/internal/breach/pii"
)

// benchCSV writes a delimited export of at least size bytes: the corpus
// table (a column per category and decoy columns: order numbers, creation
// dates, product codes, amounts, statuses), French headers, ';'.
func benchCSV(tb testing.TB, dir string, size int) string {
	p := filepath.Join(dir, "export.csv")
	if st, err := os.Stat(p); err == nil && st.Size() >= int64(size) {
		return p
	}
	// Every row is a different person: repeated rows would flatter the
	// hash cache.
	return writeBlocks(tb, p, size, func(block *bytes.Buffer, k int) {
		header, cells, _ := corpus.Table(int64(2+2*k), 2000)
		if k == 0 {
			block.WriteString(strings.Join(header, ";") + "\n")
		}
		for _, row := range cells {
			block.WriteString(strings.Join(row, ";"))
			block.WriteByte('\n')
		}
	})
}

// benchOrdersCSV writes a realistic export of at least size bytes: an
// order table of 20 columns of which 4 are personal data (last and given
// name, e-mail, phone); the rest are order numbers, order and delivery
// dates, product codes, quantities, amounts, statuses, carriers, tracking
// numbers and a free comment, as most columns of a real breach file are.
func benchOrdersCSV(tb testing.TB, dir string, size int) string {
	return writeOrdersCSV(tb, filepath.Join(dir, "orders.csv"), size)
}

// writeOrdersCSV writes benchOrdersCSV's table to p: every 2,000 rows are
// customers of their own, and the first size bytes of a larger table are
// the smaller one.
func writeOrdersCSV(tb testing.TB, p string, size int) string {
	o := newOrders(3)
	return writeBlocks(tb, p, size, func(block *bytes.Buffer, k int) {
		if k == 0 {
			block.WriteString(ordersHeader)
		}
		o.write(block, corpus.Identities(int64(11+k), 2000))
	})
}

// TestWriteBenchInputs writes the inputs of the breach scan's figures in
// docs/PERFORMANCE.md into the directory TOCSIN_BENCH_INPUTS names, for
// the command to be timed on them; without it, it is skipped.
func TestWriteBenchInputs(t *testing.T) {
	dir := os.Getenv("TOCSIN_BENCH_INPUTS")
	if dir == "" {
		t.Skip("TOCSIN_BENCH_INPUTS names the directory to write the inputs into")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Log(benchOrdersCSV(t, dir, 32<<20), writeOrdersCSV(t, filepath.Join(dir, "orders128.csv"), 128<<20),
		benchCSV(t, dir, 32<<20), benchText(t, dir, 16<<20), benchProse(t, dir, 32<<20), benchAccessLog(t, dir, 32<<20))
}

// benchSmallFiles writes n order tables of rows rows each into dir, as a
// folder of small exports (one per customer, day or branch office) is.
func benchSmallFiles(tb testing.TB, dir string, n, rows int) string {
	o := newOrders(4)
	ids := corpus.Identities(12, n*rows)
	var block bytes.Buffer
	for i := range n {
		block.Reset()
		block.WriteString(ordersHeader)
		o.write(&block, ids[i*rows:(i+1)*rows])
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("commandes-%04d.csv", i)), block.Bytes(), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

const ordersHeader = "num_commande;date_commande;nom;prénom;courriel;téléphone;code_produit;libellé;catégorie;quantité;prix_unitaire;montant_ht;taux_tva;montant_ttc;moyen_paiement;statut;transporteur;num_suivi;date_livraison;commentaire\n"

// orders writes the rows of an order table from a seeded source.
type orders struct{ r *rand.Rand }

func newOrders(seed int64) *orders { return &orders{rand.New(rand.NewSource(seed))} }

func (o *orders) write(block *bytes.Buffer, ids []corpus.Identity) {
	comments := []string{"", "", "", "livraison en point relais", "client absent, repasser jeudi", "colis endommagé à l'arrivée",
		"remboursement partiel accordé", "Offert pour la fête des pères", "merci de sonner deux fois", "retour sous 30 jours"}
	statuses := []string{"payée", "expédiée", "livrée", "annulée", "en attente", "remboursée"}
	carriers := []string{"Colissimo", "Chronopost", "DPD", "Mondial Relay", "GLS", "retrait magasin"}
	pay := []string{"CB", "PayPal", "virement", "chèque cadeau"}
	cats := []string{"Maison", "Jardin", "Bricolage", "Cuisine", "Livres", "Jouets", "Informatique"}
	r := o.r
	for _, id := range ids {
		q := 1 + r.Intn(5)
		unit := 100 + r.Intn(20000)
		ht := q * unit
		y, m, d := 2023+r.Intn(3), 1+r.Intn(12), 1+r.Intn(28)
		fmt.Fprintf(block, "CMD-%d%07d;%04d-%02d-%02d %02d:%02d:%02d;%s;%s;%s;%s;%c%c-%04d;Article %d;%s;%d;%d,%02d;%d,%02d;20,0;%d,%02d;%s;%s;%s;%d%09d;%02d/%02d/%04d;%s\n",
			y, r.Intn(1e7), y, m, d, r.Intn(24), r.Intn(60), r.Intn(60), id.Surname, id.Given, id.Email, id.Phone,
			'A'+r.Intn(26), 'A'+r.Intn(26), r.Intn(10000), r.Intn(5000), cats[r.Intn(len(cats))], q, unit/100, unit%100, ht/100, ht%100,
			ht*12/1000, ht*12/10%100, pay[r.Intn(len(pay))], statuses[r.Intn(len(statuses))], carriers[r.Intn(len(carriers))],
			1+r.Intn(9), r.Intn(1e9), min(d+3, 28), m, y, comments[r.Intn(len(comments))])
	}
}

// benchText writes free text of at least size bytes: support tickets and
// application logs from the corpus, with their decoys.
func benchText(tb testing.TB, dir string, size int) string {
	return writeBlocks(tb, filepath.Join(dir, "tickets.log"), size, func(block *bytes.Buffer, k int) {
		for _, d := range corpus.Generate(int64(5+k), 2000) {
			if d.Shape == "ticket" || d.Shape == "log" {
				block.WriteString(d.Text)
				block.WriteByte('\n')
			}
		}
	})
}

// benchProse writes ordinary French documents of at least size bytes:
// minutes, notices and mail in which about one byte in a hundred is
// personal data (corpus.Prose), as most of the text of a breach is.
func benchProse(tb testing.TB, dir string, size int) string {
	return writeBlocks(tb, filepath.Join(dir, "prose.txt"), size, func(block *bytes.Buffer, k int) {
		for _, l := range corpus.Prose(int64(1+k), 1<<20) {
			block.WriteString(l)
			block.WriteByte('\n')
		}
	})
}

// benchAccessLog writes a web server's access log of at least size bytes
// in the combined format, the free text a breach most often touches: an
// address on every line, request paths, user agents full of capitals and
// version numbers, and now and then an e-mail address or a phone number
// in a query string (personal data on about one line in twenty).
func benchAccessLog(tb testing.TB, dir string, size int) string {
	r := rand.New(rand.NewSource(7))
	agents := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.178 Mobile Safari/537.36",
		"curl/8.5.0", "Uptime-Kuma/1.23.11", "sqlmap/1.8#stable (https://sqlmap.org)",
	}
	pages := []string{"/", "/services", "/services/etat-civil", "/demarches/inscription-cantine", "/actualites/conseil-municipal",
		"/static/css/site.css", "/static/js/app.js", "/static/img/logo.png", "/favicon.ico", "/recherche?q=horaires+mairie",
		"/agenda/2025/03", "/contact", "/.env", "/wp-login.php", "/api/v1/rendez-vous/4821"}
	ids := corpus.Identities(7, 4000)
	months := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	return writeBlocks(tb, filepath.Join(dir, "access.log"), size, func(block *bytes.Buffer, _ int) {
		for range 2000 {
			path := pages[r.Intn(len(pages))]
			if r.Intn(20) == 0 {
				id := ids[r.Intn(len(ids))]
				if r.Intn(2) == 0 {
					path = "/api/v1/compte?email=" + id.Email
				} else {
					path = "/rappel?tel=" + strings.ReplaceAll(id.Phone, " ", "")
				}
			}
			fmt.Fprintf(block, "%d.%d.%d.%d - - [%02d/%s/2025:%02d:%02d:%02d +0100] \"%s %s HTTP/1.1\" %d %d \"%s\" \"%s\"\n",
				1+r.Intn(223), r.Intn(256), r.Intn(256), 1+r.Intn(254), 1+r.Intn(28), months[r.Intn(12)], r.Intn(24), r.Intn(60), r.Intn(60),
				[]string{"GET", "GET", "GET", "POST"}[r.Intn(4)], path, []int{200, 200, 200, 304, 404, 302}[r.Intn(6)], r.Intn(60000),
				[]string{"-", "https://www.ville-exemple.fr/", "https://www.google.com/"}[r.Intn(3)], agents[r.Intn(len(agents))])
		}
	})
}

// writeBlocks writes to p the blocks fill makes (the k-th with k) until
// the file holds at least size bytes, and returns p.
func writeBlocks(tb testing.TB, p string, size int, fill func(block *bytes.Buffer, k int)) string {
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var block bytes.Buffer
	for written, k := 0, 0; written < size; k++ {
		fill(&block, k)
		n, err := f.Write(block.Bytes())
		if err != nil {
			tb.Fatal(err)
		}
		written += n
		block.Reset()
	}
	return p
}

// cpuClock reports throughput per second of CPU time (user and system)
// besides the wall-clock MB/s: on a shared machine the wall clock counts
// the time other processes took, the CPU time only this one's.
type cpuClock struct {
	start float64
	bytes int64
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// minorFaults is the process's count of page faults served without I/O.
func minorFaults(b *testing.B) int64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return u.Minflt
}

func startCPU(b *testing.B, bytes int64) *cpuClock {
	b.SetBytes(bytes)
	b.ReportAllocs()
	b.ResetTimer()
	return &cpuClock{start: cpuSeconds(), bytes: bytes}
}

func (c *cpuClock) stop(b *testing.B) {
	b.StopTimer()
	if s := cpuSeconds() - c.start; s > 0 {
		b.ReportMetric(float64(c.bytes)*float64(b.N)/1e6/s, "MB/cpu-s")
	}
}

// benchScan scans p with that many workers, the findings written to
// io.Discard or, without findings, not asked for (the default command).
func benchScan(b *testing.B, p string, workers int, findings bool) {
	st, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	benchScanSize(b, p, st.Size(), workers, findings)
}

// benchScanSize is benchScan given the size of p (a folder's files).
func benchScanSize(b *testing.B, p string, size int64, workers int, findings bool) {
	o := Options{Paths: []string{p}, Workers: workers}
	if findings {
		o.Findings = io.Discard
	}
	clock := startCPU(b, size)
	defer clock.stop(b)
	for i := 0; i < b.N; i++ {
		rep, err := Scan(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		if rep.RecordsAffected == 0 {
			b.Fatal("nothing found")
		}
	}
}

// BenchmarkScanCSV: one core, one CSV file, findings written.
func BenchmarkScanCSV(b *testing.B) {
	benchScan(b, benchCSV(b, b.TempDir(), 32<<20), 1, true)
}

// BenchmarkScanCSVNoFindings: the same without a findings file, as the
// default command runs.
func BenchmarkScanCSVNoFindings(b *testing.B) {
	benchScan(b, benchCSV(b, b.TempDir(), 32<<20), 1, false)
}

// BenchmarkScanOrdersCSV: one core, a realistic CSV where 4 columns of 20
// are personal data.
func BenchmarkScanOrdersCSV(b *testing.B) {
	benchScan(b, benchOrdersCSV(b, b.TempDir(), 32<<20), 1, true)
}

// BenchmarkScanOrdersCSVNoFindings: the same without a findings file.
func BenchmarkScanOrdersCSVNoFindings(b *testing.B) {
	benchScan(b, benchOrdersCSV(b, b.TempDir(), 32<<20), 1, false)
}

// BenchmarkScanText: one core, free text (tickets and logs).
func BenchmarkScanText(b *testing.B) {
	benchScan(b, benchText(b, b.TempDir(), 16<<20), 1, true)
}

// BenchmarkScanTextNoFindings: the same without a findings file.
func BenchmarkScanTextNoFindings(b *testing.B) {
	benchScan(b, benchText(b, b.TempDir(), 16<<20), 1, false)
}

// BenchmarkScanProseNoFindings: one core, French prose with about 1 %
// personal data, the default command.
func BenchmarkScanProseNoFindings(b *testing.B) {
	benchScan(b, benchProse(b, b.TempDir(), 32<<20), 1, false)
}

// BenchmarkScanAccessLogNoFindings: one core, a web server's access log,
// the default command.
func BenchmarkScanAccessLogNoFindings(b *testing.B) {
	benchScan(b, benchAccessLog(b, b.TempDir(), 32<<20), 1, false)
}

// BenchmarkScanSmallFiles: one core, a folder of 2,000 order tables of 15
// rows (3.5 KB each): what each file costs besides its bytes (opening,
// sniffing, classifying its columns).
func BenchmarkScanSmallFiles(b *testing.B) {
	dir := benchSmallFiles(b, b.TempDir(), 2000, 15)
	var size int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			size += fi.Size()
		}
	}
	benchScanSize(b, dir, size, 1, false)
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/2000, "µs/file")
}

// BenchmarkScanCSVAllCores: the same CSV cut into chunks for every core.
func BenchmarkScanCSVAllCores(b *testing.B) {
	p := benchCSV(b, b.TempDir(), 128<<20)
	st, _ := os.Stat(p)
	clock := startCPU(b, st.Size())
	defer clock.stop(b)
	for i := 0; i < b.N; i++ {
		if _, err := Scan(context.Background(), Options{Paths: []string{p}, Workers: runtime.GOMAXPROCS(0), SplitSize: 16 << 20, Findings: io.Discard}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanCSVOneFileAllCores: the 32 MB CSV of BenchmarkScanCSV on
// every core with the default options and no findings file: what a user
// of the default command waits for with one file (its wall-clock MB/s).
func BenchmarkScanCSVOneFileAllCores(b *testing.B) {
	benchScan(b, benchCSV(b, b.TempDir(), 32<<20), runtime.GOMAXPROCS(0), false)
}

// detectOnly reads a delimited file and runs the detectors on every cell,
// without counting, hashing or writing anything: the ceiling of
// BenchmarkScanCSV, measured in the same run.
type detectOnly struct {
	s     *pii.Scanner
	cols  map[int]pii.Column
	buf   pii.Findings
	found int
}

func (d *detectOnly) Column(i int, name string, header bool) {
	d.cols[i] = d.s.ClassifyColumn(name, nil)
}

func (d *detectOnly) Row(r *extract.Row) {
	for _, c := range r.Cells {
		d.buf.Reset()
		d.found += len(d.s.Cell(d.cols[c.Col], c.Value, &d.buf))
	}
}

func (d *detectOnly) End() {}

// BenchmarkDetectCSV: the CSV reader and the detectors alone, one core.
func BenchmarkDetectCSV(b *testing.B) {
	benchDetectCSV(b, benchCSV(b, b.TempDir(), 32<<20))
}

// BenchmarkDetectOrdersCSV: the same on the realistic order table.
func BenchmarkDetectOrdersCSV(b *testing.B) {
	benchDetectCSV(b, benchOrdersCSV(b, b.TempDir(), 32<<20))
}

func benchDetectCSV(b *testing.B, p string) {
	st, _ := os.Stat(p)
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	s := pii.New()
	dialect, _ := extract.SniffCSV(data[:64<<10], false, extract.Options{IsHeaderWord: func(f []byte) bool { return s.ClassifyColumn(string(f), nil).Category != "" }})
	clock := startCPU(b, st.Size())
	defer clock.stop(b)
	for i := 0; i < b.N; i++ {
		d := &detectOnly{s: s, cols: map[int]pii.Column{}}
		if err := extract.ReadCSV(context.Background(), bytes.NewReader(data), dialect, 1, dialect.Header, d, func(extract.Problem) {}, "", extract.Options{}); err != nil {
			b.Fatal(err)
		}
		if d.found == 0 {
			b.Fatal("nothing found")
		}
	}
}

// BenchmarkDetectText: the detectors alone on the text of BenchmarkScanText.
func BenchmarkDetectText(b *testing.B) {
	benchDetectText(b, benchText(b, b.TempDir(), 16<<20))
}

// BenchmarkDetectAccessLog: the same on the access log.
func BenchmarkDetectAccessLog(b *testing.B) {
	benchDetectText(b, benchAccessLog(b, b.TempDir(), 32<<20))
}

func benchDetectText(b *testing.B, p string) {
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	s := pii.New()
	clock := startCPU(b, int64(len(data)))
	defer clock.stop(b)
	var buf pii.Findings
	for i := 0; i < b.N; i++ {
		for rest := data; len(rest) > 0; {
			var line []byte
			line, rest = nextLine(rest)
			buf.Reset()
			s.Text(line, &buf)
		}
	}
}

// BenchmarkCountingBound is not the scanner: it bounds what any scan of
// the corpus table can reach on this machine. Each pass only splits the
// table's cells and hashes each one, then either stops there, files the
// hash in an exact set per column (as distinct values are counted), or
// updates a HyperLogLog of 2^14 registers per column. The gap between the
// last two is the price of exact distinct counts on a dense table: a set
// insert misses the processor's cache, a sketch's registers stay in it.
func BenchmarkCountingBound(b *testing.B) {
	data, err := os.ReadFile(benchCSV(b, b.TempDir(), 32<<20))
	if err != nil {
		b.Fatal(err)
	}
	seed := maphash.MakeSeed()
	const setBits = 19 // 512 Ki slots a column: at most half full
	passes := []struct {
		name string
		file func(cols *countingCols, col int, h uint64)
	}{
		{"hash", func(*countingCols, int, uint64) {}},
		{"exact-set", func(c *countingCols, col int, h uint64) {
			s := c.set(col, setBits)
			h |= 1
			for k := h & (1<<setBits - 1); ; k = (k + 1) & (1<<setBits - 1) {
				if s[k] == h {
					return
				}
				if s[k] == 0 {
					s[k] = h
					return
				}
			}
		}},
		{"hyperloglog", func(c *countingCols, col int, h uint64) {
			r := c.regs(col)
			k := h >> 50
			if rank := uint8(bits.LeadingZeros64(h<<14|1<<13) + 1); rank > r[k] {
				r[k] = rank
			}
		}},
	}
	for _, p := range passes {
		b.Run(p.name, func(b *testing.B) {
			clock := startCPU(b, int64(len(data)))
			defer clock.stop(b)
			for i := 0; i < b.N; i++ {
				var cols countingCols
				for rest := data; len(rest) > 0; {
					var line []byte
					line, rest = nextLine(rest)
					for col := 0; ; col++ {
						j := bytes.IndexByte(line, ';')
						if j < 0 {
							p.file(&cols, col, maphash.Bytes(seed, line))
							break
						}
						p.file(&cols, col, maphash.Bytes(seed, line[:j]))
						line = line[j+1:]
					}
				}
			}
		})
	}
}

// countingCols holds BenchmarkCountingBound's per-column sets or sketches.
type countingCols struct {
	sets [][]uint64
	hll  [][1 << 14]uint8
}

func (c *countingCols) set(col, bits int) []uint64 {
	for len(c.sets) <= col {
		c.sets = append(c.sets, make([]uint64, 1<<bits))
	}
	return c.sets[col]
}

func (c *countingCols) regs(col int) *[1 << 14]uint8 {
	for len(c.hll) <= col {
		c.hll = append(c.hll, [1 << 14]uint8{})
	}
	return &c.hll[col]
}

// nextLine cuts data at its first newline.
func nextLine(data []byte) (line, rest []byte) {
	if j := bytes.IndexByte(data, '\n'); j >= 0 {
		return data[:j], data[j+1:]
	}
	return data, nil
}
