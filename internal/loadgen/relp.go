package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"time"
)

// relpWindow is how many commands may wait for their answer, like
// rsyslog omrelp's windowSize.
const relpWindow = 1024

// sendRELP is a minimal RELP client (open, syslog with a window, close):
// it counts an event as sent once the server acknowledged it.
func sendRELP(ctx context.Context, addr string, lines stride, rate int, sent *atomic.Int64) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	w := bufio.NewWriterSize(c, 256<<10)
	r := bufio.NewReaderSize(c, 64<<10)
	offer := "relp_version=0\nrelp_software=tocsin-load\ncommands=syslog"
	fmt.Fprintf(w, "1 open %d %s\n", len(offer), offer)
	if err := w.Flush(); err != nil {
		return err
	}
	if _, code, err := readRsp(r); err != nil || code != 200 {
		return fmt.Errorf("RELP open refused: %d %v", code, err)
	}
	txnr := 1
	inflight := 0
	acks := make(chan error, 1)
	acked := make(chan int, relpWindow)
	go func() {
		// Reads answers in order until the connection closes.
		for {
			n, code, err := readRsp(r)
			if err != nil {
				acks <- err
				return
			}
			if code != 200 {
				acks <- fmt.Errorf("RELP txnr %d refused with %d", n, code)
				return
			}
			acked <- n
		}
	}()
	p := &pacer{rate: rate, start: time.Now()}
	drain := func(block bool) error {
		for {
			if block {
				select {
				case <-acked:
					inflight--
					sent.Add(1)
					block = false
					continue
				case err := <-acks:
					return err
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			select {
			case <-acked:
				inflight--
				sent.Add(1)
			default:
				return nil
			}
		}
	}
	for i := 0; i < lines.n; i++ {
		l := lines.at(i)
		for inflight >= relpWindow {
			if err := w.Flush(); err != nil {
				return err
			}
			if err := drain(true); err != nil {
				return err
			}
		}
		txnr++
		w.WriteString(strconv.Itoa(txnr))
		w.WriteString(" syslog ")
		w.WriteString(strconv.Itoa(len(l)))
		w.WriteByte(' ')
		w.Write(l)
		w.WriteByte('\n')
		inflight++
		if i%256 == 255 {
			if err := w.Flush(); err != nil {
				return err
			}
			if err := drain(false); err != nil {
				return err
			}
			if err := p.wait(ctx, 256); err != nil {
				return err
			}
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for inflight > 0 {
		if err := drain(true); err != nil {
			return err
		}
	}
	txnr++
	fmt.Fprintf(w, "%d close 0\n", txnr)
	return w.Flush()
}

// readRsp reads one "TXNR rsp LEN [DATA]\n" frame and the code in DATA.
func readRsp(r *bufio.Reader) (txnr, code int, err error) {
	tok := func() (string, byte, error) {
		var b []byte
		for {
			c, err := r.ReadByte()
			if err != nil {
				return "", 0, err
			}
			if c == ' ' || c == '\n' {
				return string(b), c, nil
			}
			b = append(b, c)
		}
	}
	t, _, err := tok()
	if err != nil {
		return 0, 0, err
	}
	txnr, _ = strconv.Atoi(t)
	cmd, _, err := tok()
	if err != nil {
		return 0, 0, err
	}
	l, delim, err := tok()
	if err != nil {
		return 0, 0, err
	}
	if cmd != "rsp" {
		return txnr, 0, fmt.Errorf("unexpected RELP command %q", cmd)
	}
	if delim == '\n' {
		return txnr, 0, nil
	}
	n, _ := strconv.Atoi(l)
	data := make([]byte, n+1)
	if _, err := io.ReadFull(r, data); err != nil {
		return 0, 0, err
	}
	if f := bytes.Fields(data); len(f) > 0 {
		code, _ = strconv.Atoi(string(f[0]))
	}
	return txnr, code, nil
}
