package input

import (
	"bytes"
	"compress/bzip2"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"tocsin/internal/lzma"
)

// ErrBinary is reported for a file that holds binary data (an .evtx file,
// an image…): it is skipped after its first batch is sniffed.
var ErrBinary = errors.New("binary data, not a text log: skipped")

// ErrEVTX is reported for a Windows .evtx file: binary, to be converted
// first. It wraps ErrBinary.
var ErrEVTX = fmt.Errorf("%w (a Windows .evtx file: convert it first with evtx_dump -o jsonl FILE)", ErrBinary)

// errSymlinkDir is reported for a symbolic link to a folder met while
// walking: following it could loop.
var errSymlinkDir = errors.New("symbolic link to a folder: not followed")

var errNotRegular = errors.New("not a regular file: skipped")

// Batch is a run of consecutive records of one file, in a buffer it owns.
// Batches of a run are numbered by Seq from 0 in input order, so workers
// can process them in any order and results be put back in order.
type Batch struct {
	Seq     uint64
	File    string
	Format  Format // sniffed from the file's first records
	Records []Record
	// Err is a problem met after Records: reading the file failed (the
	// file ends there), or a record was skipped (the file goes on).
	Err error

	buf []byte
}

// Reader reads hunt inputs into batches. One Run at a time; Release may be
// called from any goroutine.
type Reader struct {
	opt   Options
	stdin io.Reader
	free  chan *Batch // released batches, to reuse their memory
	sp    Splitter
	gz    *gzip.Reader
	zstd  *zstd.Decoder
	seq   uint64
}

// freeBatches bounds the memory kept for reuse: batches beyond that are
// left to the garbage collector.
const freeBatches = 64

// maxXZDict bounds the dictionary an xz log may ask for (xz -9 uses
// 64 MiB; a block may declare 4 GiB).
const maxXZDict = 256 << 20

// NewReader returns a reader; stdin is read for the path "-" (nil: os.Stdin).
func NewReader(opt Options, stdin io.Reader) *Reader {
	if stdin == nil {
		stdin = os.Stdin
	}
	return &Reader{opt: opt.withDefaults(), stdin: stdin, free: make(chan *Batch, freeBatches)}
}

// Release gives a batch back for reuse once its records are no longer used.
func (r *Reader) Release(b *Batch) {
	b.Records, b.Err = b.Records[:0], nil
	select {
	case r.free <- b:
	default:
	}
}

func (r *Reader) batch() *Batch {
	select {
	case b := <-r.free:
		return b
	default:
		return &Batch{}
	}
}

// Run reads each path in order — a file, a folder (recursively, in
// lexical order), a gzip file (recognised by its magic bytes) or "-" for
// stdin — and sends its batches on out. A problem with one input (missing,
// unreadable, bad gzip, binary, a record too long) is sent in order as a
// batch with Err set, and reading goes on. Run closes out when it returns:
// after the last input (nil) or when ctx is done (ctx.Err()).
func (r *Reader) Run(ctx context.Context, paths []string, out chan<- *Batch) error {
	defer close(out)
	defer func() {
		if r.zstd != nil {
			r.zstd.Close() // its goroutines, if any
			r.zstd = nil
		}
	}()
	r.seq = 0
	for _, p := range paths {
		if err := r.readPath(ctx, p, out); err != nil {
			return err
		}
	}
	return nil
}

// readPath reads one argument; it returns only ctx's error.
func (r *Reader) readPath(ctx context.Context, p string, out chan<- *Batch) error {
	if p == StdinName {
		return r.readStream(ctx, r.stdin, StdinName, true, out)
	}
	fi, err := os.Stat(p)
	if err != nil {
		return r.report(ctx, out, p, err)
	}
	if !fi.IsDir() {
		return r.readFile(ctx, p, out)
	}
	root := p
	if li, err := os.Lstat(p); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		root += string(filepath.Separator) // a folder named on the command line is followed
	}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil { // an unreadable folder: report it, go on with the rest
			return r.report(ctx, out, path, err)
		}
		switch t := d.Type(); {
		case t.IsDir():
			return nil
		case t&fs.ModeSymlink != 0:
			fi, err := os.Stat(path)
			if err != nil {
				return r.report(ctx, out, path, err)
			}
			if fi.IsDir() {
				return r.report(ctx, out, path, errSymlinkDir)
			}
		case !t.IsRegular():
			return r.report(ctx, out, path, errNotRegular)
		}
		return r.readFile(ctx, path, out)
	})
}

func (r *Reader) readFile(ctx context.Context, path string, out chan<- *Batch) error {
	f, err := os.Open(path)
	if err != nil {
		return r.report(ctx, out, path, err)
	}
	defer f.Close()
	return r.readStream(ctx, f, path, false, out)
}

// readStream splits one input, decompressed when it starts with the magic
// bytes of gzip, zstd, bzip2 or xz (what logrotate's compresscmd writes).
func (r *Reader) readStream(ctx context.Context, src io.Reader, name string, eager bool, out chan<- *Batch) error {
	var head [8]byte
	n, err := io.ReadFull(src, head[:])
	switch {
	case err == io.EOF:
		return nil // empty: nothing to say
	case err != nil && err != io.ErrUnexpectedEOF:
		return r.report(ctx, out, name, err)
	}
	magic := head[:n]
	src = io.MultiReader(bytes.NewReader(magic), src)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		if r.gz == nil {
			r.gz, err = gzip.NewReader(src)
		} else {
			err = r.gz.Reset(src)
		}
		if err != nil {
			return r.report(ctx, out, name, err)
		}
		src = r.gz
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		if r.zstd == nil {
			r.zstd, err = zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		} else {
			err = r.zstd.Reset(src)
		}
		if err != nil {
			return r.report(ctx, out, name, fmt.Errorf("zstd: %w", err))
		}
		src = r.zstd
	case len(magic) >= 4 && string(magic[:3]) == "BZh" && magic[3] >= '1' && magic[3] <= '9':
		src = bzip2.NewReader(src)
	case bytes.HasPrefix(magic, []byte{0x04, 0x22, 0x4d, 0x18}), bytes.HasPrefix(magic, []byte{0x02, 0x21, 0x4c, 0x18}):
		src = lz4.NewReader(src) // a frame, or lz4's legacy format; its errors say "lz4: ..."
	case bytes.HasPrefix(magic, lzma.XZMagic):
		src = lzma.NewXZReader(src, maxXZDict) // its errors say "xz: ..."
	case bytes.HasPrefix(magic, []byte("ElfFile\x00")):
		return r.report(ctx, out, name, ErrEVTX)
	}
	opt := r.opt
	opt.Eager = opt.Eager || eager
	r.sp.reset(src, name, opt)
	format := Format("")
	for {
		b := r.batch()
		if err := r.sp.NextBatch(b); err != nil { // io.EOF
			r.Release(b)
			return nil
		}
		if format == "" && len(b.Records) > 0 {
			format = Sniff(b.Records)
		}
		b.Format = format
		if format == FormatBinary {
			b.Records, b.Err = b.Records[:0], &FileError{File: name, Err: ErrBinary}
		}
		if err := r.send(ctx, out, b); err != nil {
			return err
		}
		if format == FormatBinary {
			return nil
		}
	}
}

// report sends a problem with one input as a batch of its own.
func (r *Reader) report(ctx context.Context, out chan<- *Batch, name string, err error) error {
	var fe *FileError
	var pe *fs.PathError
	switch {
	case errors.As(err, &fe):
	case errors.As(err, &pe): // os errors already name the path
		fe = &FileError{File: name, Err: pe.Err}
	default:
		fe = &FileError{File: name, Err: err}
	}
	b := r.batch()
	b.File, b.Format, b.Records, b.Err = name, "", b.Records[:0], fe
	return r.send(ctx, out, b)
}

func (r *Reader) send(ctx context.Context, out chan<- *Batch, b *Batch) error {
	b.Seq = r.seq
	select {
	case out <- b:
		r.seq++
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
