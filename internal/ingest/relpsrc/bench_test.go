package relpsrc

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"tocsin/internal/ingest/ingesttest"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRELP sends 200-byte messages from a pipelining client (window
// 1024, like omrelp's) over loopback into a server whose sink counts and
// acknowledges at once; a message counts once its "rsp 200" is read.
func BenchmarkRELP(b *testing.B) {
	const window = 1024
	var sink ingesttest.Counter
	s, err := New(Config{Addr: "127.0.0.1:0", Logger: ingesttest.Logger(b)})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = s.Run(ctx, &sink) })
	defer func() { cancel(); wg.Wait() }()
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	scratch := make([]byte, 1<<16)
	fr := newFrameReader(conn, 64<<10, 1<<16, func(n int) []byte { return scratch[:n] })
	w := bufio.NewWriterSize(conn, 64<<10)
	w.Write(appendFrame(nil, 1, "open", []byte("relp_version=0\ncommands=syslog")))
	w.Flush()
	if _, err := fr.next(); err != nil {
		b.Fatal(err)
	}
	bodies := make([][]byte, 4096)
	for i := range bodies {
		body := fmt.Sprintf("<38>1 2026-11-26T10:00:01.%06dZ web01 sshd 811 - - Failed password for invalid user admin from 192.0.2.%d port %d ssh2", i, i%250+1, 40000+i)
		for len(body) < 199 {
			body += "."
		}
		bodies[i] = []byte(body[:199] + "\n") // 200 bytes with the template's LF
	}
	sink.Expect(int64(b.N))
	credit := make(chan struct{}, window)
	for range window {
		credit <- struct{}{}
	}
	b.ReportAllocs()
	b.ResetTimer()
	c0, t0 := cpuTime(), time.Now()
	var acks sync.WaitGroup
	acks.Go(func() {
		for range b.N {
			f, err := fr.next()
			if err != nil || string(f.data) != rspOK {
				b.Errorf("answer %q: %v", f.data, err)
				return
			}
			credit <- struct{}{}
		}
	})
	var frame []byte
	for i := range b.N {
		select {
		case <-credit:
		default:
			w.Flush()
			<-credit
		}
		frame = appendFrame(frame[:0], i%999999999+2, "syslog", bodies[i%len(bodies)])
		w.Write(frame)
	}
	w.Flush()
	acks.Wait()
	wall, cpu := time.Since(t0), cpuTime()-c0
	b.ReportMetric(float64(b.N)/wall.Seconds(), "msg/s")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "msg/cpu-s")
	if sink.Count() != int64(b.N) {
		b.Fatalf("%d messages, want %d", sink.Count(), b.N)
	}
}
