package breach

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"tocsin/internal/breach/extract"
	"tocsin/internal/breach/pii"
)

// Sentinel errors of a scan.
var (
	ErrNoInput = errors.New("nothing to scan")
)

// Options configure a scan.
type Options struct {
	Paths []string // files and folders (recursive)
	DSNs  []string // databases (see extract.ParseDSN)
	// Workers scan documents in parallel (0: one per core).
	Workers int
	// Findings, if not nil, receives one JSON line per finding.
	Findings io.Writer
	// Progress, if not nil, is called about every ProgressEvery (default
	// 200 ms) from the scan's own goroutine, and once at the end.
	Progress      func(Progress)
	ProgressEvery time.Duration
	// Problem, if not nil, is called with each problem as it is met (its
	// path masked like the report's), by one scanning goroutine at a time.
	Problem func(ProblemEntry)
	// Extract bounds the readers (archive limits); the hooks are set by
	// the scan.
	Extract extract.Options
	// MaxHashes bounds the keyed hashes kept for exact counts (default
	// DefaultMaxHashes): half for people and their identifiers (NIR,
	// e-mail, phone), half for the distinct values of the other
	// categories, shared among the workers; past it, counts are
	// estimated.
	MaxHashes int
	// SplitSize: with more than one worker, delimited and text files at
	// least this big are cut into chunks scanned on every core (default
	// 16 MiB; < 0: never).
	SplitSize int64
	// ChunkSize bounds the size of those chunks (default 8 MiB); a file
	// is cut into at least two chunks per worker, of 1 MiB or more.
	ChunkSize int
	// Now stamps the report (default time.Now).
	Now func() time.Time
	// Scanner is the detector (default pii.New()).
	Scanner *pii.Scanner
	// rowByRow hands each table's rows over one at a time, as the readers
	// without batches do: tests check that batches scan alike.
	rowByRow bool
	// noMemo keeps the columns of a category from remembering what their
	// values gave (cellmemo.go): tests check that they count alike. The
	// memos' answers of their trials are added to memoFound, if not nil.
	noMemo    bool
	memoFound *atomic.Int64
	// byColumn, if not nil, counts the values found a column at a time
	// (bycolumn.go): tests check that those columns are.
	byColumn *atomic.Int64
	// runKey, if not nil, is the keyed hashes' key instead of one drawn
	// for the run, cleared at its end: tests compare the estimates of
	// two scans.
	runKey []byte
}

// Defaults of Options.
const (
	DefaultMaxHashes = 3 << 20
	DefaultSplitSize = 16 << 20
	DefaultChunkSize = 8 << 20
)

// Progress is a scan's progress.
type Progress struct {
	Bytes      int64 // bytes read from input files (as stored) and databases
	TotalBytes int64 // size of the input files
	Documents  int64 // documents finished
	Files      int64 // input files finished
	TotalFiles int64
	Elapsed    time.Duration
	Done       bool
}

// maxProblems caps the problems the report lists.
const maxProblems = 1000

// sampleRows is how many rows of a table are held back to classify its
// columns.
const sampleRows = 64

// scan is the state shared by a scan's goroutines.
type scan struct {
	o       Options
	pii     *pii.Scanner
	ex      *extract.Extractor
	tally   *tally
	key     []byte
	seeds   *hashSeeds
	start   time.Time
	read    atomic.Int64
	total   int64 // the input files' size, as read counts them
	docs    atomic.Int64
	files   atomic.Int64
	outMu   sync.Mutex
	out     io.Writer
	outErr  error
	probMu  sync.Mutex
	probs   []ProblemEntry
	omitted int
	skipped int
	errs    int
	chunks  chan []byte
	// headers: what the first-row fields of the delimited files name,
	// read by every worker's sniffing.
	headerMu sync.Mutex
	headers  memo[pii.Category]
}

type job struct {
	path  string
	db    *extract.Database
	chunk *chunkJob
}

// chunkJob is a piece of a big delimited or text file.
type chunkJob struct {
	file *splitFile
	c    extract.Chunk // its Data goes back to scan.chunks when scanned
}

// splitFile is what the chunks of one file share: its dialect and the
// classes of its columns, decided once from its start.
type splitFile struct {
	path    string
	format  extract.Format
	dialect extract.Dialect
	cols    []fixedColumn
	left    atomic.Int32 // chunks not yet scanned, +1 until all are cut
}

type fixedColumn struct {
	name   string
	header bool
	class  pii.Column
}

// Scan reads every input and returns the report.
func Scan(ctx context.Context, o Options) (*Report, error) {
	if len(o.Paths) == 0 && len(o.DSNs) == 0 {
		return nil, ErrNoInput
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 200 * time.Millisecond
	}
	if o.MaxHashes <= 0 {
		o.MaxHashes = DefaultMaxHashes
	}
	if o.SplitSize == 0 {
		o.SplitSize = DefaultSplitSize
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = DefaultChunkSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Scanner == nil {
		o.Scanner = pii.New()
	}
	if o.runKey == nil {
		o.runKey = newRunKey()
	}
	s := &scan{o: o, pii: o.Scanner, tally: newTally(), key: o.runKey, seeds: newHashSeeds(), start: time.Now(), out: o.Findings}
	defer clear(s.key)
	eo := o.Extract
	eo.Read = &s.read
	eo.IsHeaderWord = func(f []byte) bool {
		s.headerMu.Lock()
		defer s.headerMu.Unlock()
		return s.headers.get(string(f), s.pii.HeaderCategory) != ""
	}
	eo.IsData = func(f []byte) bool { return len(s.pii.Text(f, &pii.Findings{})) > 0 }
	s.ex = extract.New(eo)
	s.chunks = make(chan []byte, o.Workers+2)
	for i := 0; i < cap(s.chunks); i++ {
		s.chunks <- nil
	}

	red := newRedactor(s.pii)
	files, total := s.walk(o.Paths, red)
	s.total = total
	var dbs []extract.Database
	for _, dsn := range o.DSNs {
		d, err := extract.ParseDSN(dsn)
		if err != nil {
			s.problem(ProblemEntry{Path: "--db", Message: err.Error()})
			continue
		}
		dbs = append(dbs, d)
	}

	// Progress runs on its own goroutine, stopped and waited for below.
	stopProgress := make(chan struct{})
	var progWG sync.WaitGroup
	if o.Progress != nil {
		progWG.Add(1)
		go func() {
			defer progWG.Done()
			t := time.NewTicker(o.ProgressEvery)
			defer t.Stop()
			for {
				select {
				case <-stopProgress:
					return
				case <-t.C:
					o.Progress(s.progress(total, int64(len(files)), false))
				}
			}
		}()
	}

	jobs := make(chan job, o.Workers)
	workers := make([]*worker, o.Workers)
	var wg sync.WaitGroup
	for i := range workers {
		w := s.newWorker()
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(ctx, jobs)
		}()
	}
	err := s.dispatch(ctx, jobs, files, dbs, red)
	close(jobs)
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	close(stopProgress)
	progWG.Wait()
	if o.Progress != nil {
		o.Progress(s.progress(total, int64(len(files)), true))
	}
	if err != nil {
		return nil, err
	}
	for _, w := range workers {
		w.finish()
	}
	if s.outErr != nil {
		return nil, fmt.Errorf("writing findings: %w", s.outErr)
	}
	rep := s.report(workers, red, dbs)
	return rep, nil
}

// projected is how many of something the input holds when n were met in
// what has been read of it so far: 0 when unknown (no files, a database)
// or before a thirty-second of it.
func (s *scan) projected(n int) int {
	read, total := s.read.Load(), s.total
	if total <= 0 || read <= 0 || read < total/32 {
		return 0
	}
	return int(min(float64(n)*float64(total)/float64(read), 1<<30))
}

func (s *scan) progress(total, totalFiles int64, done bool) Progress {
	return Progress{Bytes: s.read.Load(), TotalBytes: total, Documents: s.docs.Load(), Files: s.files.Load(), TotalFiles: totalFiles,
		Elapsed: time.Since(s.start), Done: done}
}

type inputFile struct {
	path string
	size int64
}

// walk lists the regular files under the inputs, in a stable order.
func (s *scan) walk(paths []string, red *redactor) ([]inputFile, int64) {
	var files []inputFile
	var total int64
	add := func(p string, size int64) {
		files = append(files, inputFile{p, size})
		total += size
	}
	for _, root := range paths {
		st, err := os.Stat(root)
		if err != nil {
			s.problem(ProblemEntry{Path: red.path(root), Message: errText(err)})
			continue
		}
		if !st.IsDir() {
			if st.Mode().IsRegular() {
				add(root, st.Size())
			} else {
				s.problem(ProblemEntry{Path: red.path(root), Skipped: true, Message: "not a regular file"})
			}
			continue
		}
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				s.problem(ProblemEntry{Path: red.path(p), Message: errText(err)})
				return nil
			}
			if d.IsDir() {
				return nil
			}
			info, err := os.Stat(p) // follows symbolic links to files
			if err != nil {
				s.problem(ProblemEntry{Path: red.path(p), Message: errText(err)})
				return nil
			}
			if info.Mode().IsRegular() {
				add(p, info.Size())
			}
			return nil
		})
	}
	return files, total
}

// errText is an error's text without the path that os errors repeat.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// dispatch hands the work to the workers: whole files, big delimited or
// text files cut into chunks, databases.
func (s *scan) dispatch(ctx context.Context, jobs chan<- job, files []inputFile, dbs []extract.Database, red *redactor) error {
	send := func(j job) error {
		select {
		case jobs <- j:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for _, f := range files {
		// A compressed file is tried at a quarter of the size: what it
		// holds is several times bigger (4 to 10 times for tables and
		// logs).
		if s.o.Workers > 1 && s.o.SplitSize > 0 && (f.size >= s.o.SplitSize || f.size >= s.o.SplitSize/4 && extract.MaybeCompressed(f.path)) {
			split, err := s.trySplit(ctx, f, send, red)
			if err != nil {
				return err
			}
			if split {
				continue
			}
		}
		if err := send(job{path: f.path}); err != nil {
			return err
		}
	}
	for i := range dbs {
		if err := send(job{db: &dbs[i]}); err != nil {
			return err
		}
	}
	return nil
}

// trySplit cuts a big delimited or text file into chunks; false when the
// file is of another kind (it is then scanned whole). A compressed one
// (orders.csv.gz, access.log.xz) is decompressed here, as the workers
// scan the chunks of what it holds.
func (s *scan) trySplit(ctx context.Context, f inputFile, send func(job) error, red *redactor) (bool, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return false, nil // the whole-file path reports it
	}
	defer fh.Close()
	// What is read before the file is known to be split is counted only
	// then: otherwise the whole-file path counts it.
	pr := &progressReader{r: fh}
	var r io.Reader = pr
	name := f.path
	if doc, docName, done, ok := s.ex.Decompress(f.path, pr); ok {
		defer done()
		r, name = doc, docName
	} else if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return false, nil
	} else {
		pr.held = 0 // read again from the start
	}
	head := make([]byte, 64<<10)
	n, err := io.ReadFull(r, head)
	if n == 0 || err != nil && err != io.ErrUnexpectedEOF {
		return false, nil // empty, or broken at once: the whole-file path reports it
	}
	head = head[:n]
	format := extract.Sniff(name, head)
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return false, nil // UTF-16: converted as a stream
	case format == extract.FormatCSV || format == extract.FormatText || format == extract.FormatMbox:
	case format == extract.FormatJSON && extract.IsNDJSON(head):
	default:
		return false, nil
	}
	sf := &splitFile{path: f.path, format: format}
	quote := byte(0)
	if format == extract.FormatCSV {
		sf.dialect, _ = extract.SniffCSV(head, false, s.ex.Options())
		sf.cols = s.classifyHead(ctx, head, sf.dialect)
		quote = sf.dialect.Quote
	}
	sf.left.Store(1)
	pr.count(&s.read)
	var sp *extract.Splitter
	if format == extract.FormatMbox {
		sp = extract.NewMboxSplitter(io.MultiReader(bytes.NewReader(head), r), chunkSize(f.size, s.o.Workers, s.o.ChunkSize), s.ex.Options().MaxLine)
	} else {
		sp = extract.NewSplitter(io.MultiReader(bytes.NewReader(head), r), quote, chunkSize(f.size, s.o.Workers, s.o.ChunkSize))
	}
	for {
		var buf []byte
		select {
		case buf = <-s.chunks:
		case <-ctx.Done():
			return true, ctx.Err()
		}
		c, err := sp.Next(buf)
		if err == io.EOF {
			s.chunks <- buf
			break
		}
		if err != nil {
			s.chunks <- buf
			// As a reader of the whole file reports it (extract's endDoc).
			skipped := errors.Is(err, extract.ErrLimit) || errors.Is(err, extract.ErrEncrypted)
			s.problem(ProblemEntry{Path: red.path(f.path), Offset: sp.Offset(), Skipped: skipped, Message: errText(err)})
			break
		}
		sf.left.Add(1)
		if err := send(job{chunk: &chunkJob{file: sf, c: c}}); err != nil {
			return true, err
		}
	}
	if sf.left.Add(-1) == 0 {
		s.fileDone()
	}
	return true, nil
}

// chunkSize is the size of the chunks of a file: at least two per worker,
// so that a file of a few times ChunkSize keeps every core busy to its
// end, but no smaller than 1 MiB nor larger than max.
func chunkSize(size int64, workers, max int) int {
	n := size / int64(2*workers)
	if n < 1<<20 {
		n = 1 << 20
	}
	return int(min(n, int64(max)))
}

// progressReader counts bytes read into the progress counter; until it
// has one, in held.
type progressReader struct {
	r    io.Reader
	n    *atomic.Int64
	held int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if p.n == nil {
		p.held += int64(n)
	} else {
		p.n.Add(int64(n))
	}
	return n, err
}

// count counts into n from now on, with what was read before.
func (p *progressReader) count(n *atomic.Int64) {
	n.Add(p.held)
	p.n, p.held = n, 0
}

// classifyHead classifies the columns of a big delimited file from the
// rows at its start.
func (s *scan) classifyHead(ctx context.Context, head []byte, d extract.Dialect) []fixedColumn {
	c := &collector{}
	if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
		head = head[:i+1]
	}
	extract.ReadCSV(ctx, bytes.NewReader(head), d, 1, d.Header, c, func(extract.Problem) {}, "", s.ex.Options())
	cols := make([]fixedColumn, len(c.names))
	for i, n := range c.names {
		cols[i] = fixedColumn{name: n.name, header: n.header}
		hdr := ""
		if n.header {
			hdr = n.name
		}
		cols[i].class = s.pii.ClassifyColumn(hdr, c.sample(i))
	}
	return cols
}

// collector keeps the first rows of a table, for classification.
type collector struct {
	names []struct {
		name   string
		header bool
	}
	rows [][][]byte
}

func (c *collector) Column(i int, name string, header bool) {
	for len(c.names) <= i {
		c.names = append(c.names, struct {
			name   string
			header bool
		}{})
	}
	c.names[i].name, c.names[i].header = name, header
}

func (c *collector) Row(r *extract.Row) {
	if len(c.rows) >= sampleRows {
		return
	}
	row := make([][]byte, len(c.names))
	for _, cell := range r.Cells {
		if cell.Col < len(row) {
			row[cell.Col] = append([]byte(nil), cell.Value...)
		}
	}
	c.rows = append(c.rows, row)
}

func (c *collector) End() {}

func (c *collector) sample(col int) [][]byte {
	var out [][]byte
	for _, r := range c.rows {
		if col < len(r) && len(r[col]) > 0 {
			out = append(out, r[col])
		}
	}
	return out
}

func (s *scan) fileDone() { s.files.Add(1) }

// problem records a problem (its path already masked).
func (s *scan) problem(p ProblemEntry) {
	s.probMu.Lock()
	if p.Skipped {
		s.skipped++
	} else {
		s.errs++
	}
	if len(s.probs) < maxProblems {
		s.probs = append(s.probs, p)
	} else {
		s.omitted++
	}
	if s.o.Problem != nil {
		s.o.Problem(p)
	}
	s.probMu.Unlock()
}

// writeFindings appends a worker's buffered findings to the output.
func (s *scan) writeFindings(b []byte) {
	if len(b) == 0 {
		return
	}
	s.outMu.Lock()
	defer s.outMu.Unlock()
	if s.outErr != nil {
		return
	}
	if _, err := s.out.Write(b); err != nil {
		s.outErr = err
	}
}

// report merges what the workers counted.
func (s *scan) report(workers []*worker, red *redactor, dbs []extract.Database) *Report {
	rep := &Report{Schema: Schema, Generated: s.o.Now().UTC().Truncate(time.Second), Inputs: []string{},
		Categories: []CategoryStat{}, Locations: []Location{}, Special: []SpecialColumn{}, Problems: []ProblemEntry{}}
	for _, p := range s.o.Paths {
		rep.Inputs = append(rep.Inputs, red.path(p))
	}
	for _, d := range dbs {
		rep.Inputs = append(rep.Inputs, red.path(d.Display))
	}
	var cats [numCats]catStats
	var credKinds [len(credentialKinds)]int64
	locs := map[locKey]*locStats{}
	var order []locKey
	rep.Scanned.ByFormat = map[string]int{}
	var peopleRecords int64
	for _, w := range workers {
		for i := range cats {
			cats[i].values += w.cats[i].values
			cats[i].records += w.cats[i].records
		}
		for i, n := range w.credKinds {
			credKinds[i] += n
		}
		rep.Scanned.Documents += w.docs
		rep.Scanned.Bytes += w.bytes
		rep.Scanned.Records += w.records
		rep.Scanned.Tables += w.tables
		rep.RecordsAffected += w.affected
		peopleRecords += w.peopleRecords
		for f, n := range w.byFormat {
			rep.Scanned.ByFormat[f] += n
		}
		for _, k := range w.locOrder {
			l := w.locs[k]
			m, ok := locs[k]
			if !ok {
				locs[k] = l
				order = append(order, k)
				continue
			}
			m.merge(l)
		}
	}
	ps := make([]*people, len(workers))
	for k, w := range workers {
		ps[k] = &w.people
	}
	all := mergePeople(ps, s.o.MaxHashes/2)
	rep.People.Count, rep.People.Exact = all.count()
	rep.People.Records = peopleRecords
	for tag, n := range all.sharedCount() {
		if n > 0 {
			rep.People.SharedIdentifiers += n
			if rep.People.SharedByKind == nil {
				rep.People.SharedByKind = map[string]int64{}
			}
			rep.People.SharedByKind[tagKind(uint64(tag))] += n
		}
	}
	s.tally.mu.Lock()
	for i, c := range pii.Categories() {
		st := CategoryStat{Category: string(c), Validated: pii.Validated(c), Values: cats[i].values, Records: cats[i].records, Samples: []string{}, DistinctExact: true}
		if identifies(i) {
			st.Distinct, st.DistinctExact = all.distinct(idTag(i))
		} else {
			sets := make([]*distinct, len(workers))
			for k, w := range workers {
				sets[k] = &w.dist[i]
			}
			st.Distinct, st.DistinctExact = mergeDistinct(sets, s.o.MaxHashes/2)
		}
		st.Samples = append(st.Samples, sortedSamples(s.tally.samples[c])...)
		if c == pii.Credential && st.Values > 0 {
			st.Kinds = map[string]int64{}
			for k, n := range credKinds {
				st.Kinds[credentialKinds[k]] = n
			}
		}
		rep.Categories = append(rep.Categories, st)
	}
	s.tally.mu.Unlock()
	sort.Slice(order, func(i, j int) bool {
		if order[i].path != order[j].path {
			return order[i].path < order[j].path
		}
		return order[i].table < order[j].table
	})
	for _, k := range order {
		l := locs[k]
		for _, c := range l.cols {
			if c != nil && c.special != "" {
				rep.Special = append(rep.Special, SpecialColumn{Path: l.path, Table: l.table, Column: c.name, Kind: c.special})
			}
		}
		if loc, ok := l.location(); ok {
			rep.Locations = append(rep.Locations, loc)
		}
	}
	s.probMu.Lock()
	rep.Problems = append(rep.Problems, s.probs...)
	rep.ProblemsOmitted = s.omitted
	rep.Scanned.Skipped, rep.Scanned.Errors = s.skipped, s.errs
	s.probMu.Unlock()
	rep.Scanned.Seconds = round2(time.Since(s.start).Seconds())
	rep.Risk = rate(rep)
	return rep
}
