// Package input reads the inputs of `tocsin hunt`: files, folders, .gz
// files and stdin, split into records that remember the line they start on.
//
// A record is one line, except in a stream of concatenated pretty-printed
// JSON objects (what evtx_dump writes), where it is one whole object.
// Records are delivered in batches that own their memory, so a caller can
// decode and match batches on several goroutines and still print results
// in input order (Batch.Seq).
package input

import (
	"bytes"
	"errors"
	"fmt"
)

// Format names what a file holds, spelled as `tocsin hunt --format` does.
type Format string

// Formats that Sniff tells apart.
const (
	FormatJSONL    Format = "jsonl"     // one JSON object per record
	FormatEvtxJSON Format = "evtx-json" // evtx_dump's {"Event":{"System":…}} objects
	FormatLines    Format = "lines"     // text that is not JSON
	FormatBinary   Format = "binary"    // NUL bytes: not a log we can read as text
)

// StdinName is the path that means standard input, and the File of its records.
const StdinName = "-"

// Record is one record of an input file. Data is a view into a buffer that
// is reused: it stays valid until the next Splitter.Next call, or until the
// Batch holding the record is released.
type Record struct {
	File string
	Line int // 1-based line where the record starts
	Data []byte
}

// ErrRecordTooLong is wrapped by the error reported when a record exceeds
// Options.MaxRecord; the record is skipped and reading goes on.
var ErrRecordTooLong = errors.New("record too long")

// FileError is a problem reading one input; Line is 0 when it is not about
// one record.
type FileError struct {
	File string
	Line int
	Err  error
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// sniffSample is how many records Sniff looks at: enough to see past a
// header line, few enough to stay cheap.
const sniffSample = 16

// Sniff tells the format of a file from its first records: JSON objects
// (evtx_dump's shape or any other), text lines, or binary data.
func Sniff(records []Record) Format {
	if len(records) > sniffSample {
		records = records[:sniffSample]
	}
	if len(records) == 0 {
		return FormatLines
	}
	for _, r := range records {
		if bytes.IndexByte(r.Data, 0) >= 0 {
			return FormatBinary
		}
	}
	// A file of JSON objects stays one when a few of its records are
	// broken (a truncated last line, an interrupted export): those are
	// then reported as malformed instead of the whole file being read as
	// text. Text logs practically never start a line with '{'.
	objects := 0
	var first []byte
	for _, r := range records {
		d := bytes.TrimSpace(r.Data)
		if len(d) > 0 && d[0] == '{' {
			objects++
			if first == nil {
				first = d
			}
		}
	}
	if objects*2 <= len(records) {
		return FormatLines
	}
	if isEvtxJSON(first) {
		return FormatEvtxJSON
	}
	return FormatJSONL
}

// isEvtxJSON reports whether an object's first key is "Event" holding an
// object whose content mentions "System": evtx_dump's layout. It does not
// parse the object; the decoder will.
func isEvtxJSON(d []byte) bool {
	d = bytes.TrimLeft(d, " \t\r\n")
	if len(d) == 0 || d[0] != '{' {
		return false
	}
	d = bytes.TrimLeft(d[1:], " \t\r\n")
	if !bytes.HasPrefix(d, []byte(`"Event"`)) {
		return false
	}
	d = bytes.TrimLeft(d[len(`"Event"`):], " \t\r\n")
	if len(d) == 0 || d[0] != ':' {
		return false
	}
	d = bytes.TrimLeft(d[1:], " \t\r\n")
	if len(d) == 0 || d[0] != '{' {
		return false
	}
	return bytes.Contains(d, []byte(`"System"`))
}
