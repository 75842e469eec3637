package syslogsrc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// ErrProcNet reports a /proc/net/udp table that does not read as expected.
var ErrProcNet = errors.New("unexpected /proc/net/udp format")

// udpDrops reads a /proc/net/udp or /proc/net/udp6 table and returns the
// drops column of the socket with this inode. Columns:
//
//	sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
func udpDrops(r io.Reader, inode uint64) (drops uint64, found bool, err error) {
	sc := bufio.NewScanner(r)
	want := strconv.AppendUint(nil, inode, 10)
	line := 0
	for sc.Scan() {
		line++
		if line == 1 {
			continue // header
		}
		f := bytes.Fields(sc.Bytes())
		if len(f) == 0 {
			continue
		}
		if len(f) < 13 {
			return 0, false, fmt.Errorf("%w: line %d: %d columns, want 13", ErrProcNet, line, len(f))
		}
		if !bytes.Equal(f[9], want) {
			continue
		}
		d, err := strconv.ParseUint(string(f[12]), 10, 64)
		if err != nil {
			return 0, false, fmt.Errorf("%w: line %d: column 13 (drops) %q: %w", ErrProcNet, line, f[12], err)
		}
		return d, true, nil
	}
	if err := sc.Err(); err != nil {
		return 0, false, fmt.Errorf("%w: line %d: %w", ErrProcNet, line+1, err)
	}
	return 0, false, nil
}
