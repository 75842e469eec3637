package syslogsrc

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"testing"
	"time"

	"tocsin/internal/ingest/ingesttest"
)

// msgSize is the size of a benchmark message, a typical sshd line in
// RFC 5424.
const msgSize = 200

// frames builds n distinct framed 200-byte messages; every frame has the
// same length, so any whole number of them can be cut from the stream.
func frames(n int, octet bool) (data []byte, frameLen int) {
	for i := range n {
		body := fmt.Sprintf("<38>1 2026-11-26T10:00:01.%06dZ web01 sshd 811 - - Failed password for invalid user admin from 192.0.2.%d port %d ssh2", i%1000000, i%250+1, 40000+i%20000)
		for len(body) < msgSize {
			body += "."
		}
		body = body[:msgSize]
		if octet {
			data = fmt.Appendf(data, "%d %s", msgSize, body)
		} else {
			data = append(append(data, body...), '\n')
		}
	}
	return data, len(data) / n
}

// streamReader serves total bytes of a repeating corpus in reads of at
// most 64 KiB, like a busy socket.
type streamReader struct {
	data []byte
	pos  int
	left int
}

func (r *streamReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.left, 64<<10)], r.data[r.pos:])
	r.pos = (r.pos + n) % len(r.data)
	r.left -= n
	return n, nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report adds messages per second (wall) and per CPU-second (the whole
// process: sender, kernel and receiver on loopback).
func report(b *testing.B, n int, wall, cpu time.Duration) {
	b.ReportMetric(float64(n)/wall.Seconds(), "msg/s")
	if cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "msg/cpu-s")
	}
}

// BenchmarkFraming measures framing alone: a connection's reads cut into
// messages, copied into slabs and submitted to a sink that only counts.
func BenchmarkFraming(b *testing.B) {
	for _, framing := range []string{"octet", "lf"} {
		b.Run(framing, func(b *testing.B) {
			data, frameLen := frames(4096, framing == "octet")
			s, err := NewTCP(TCPConfig{Addr: "127.0.0.1:0", Logger: ingesttest.Logger(b)})
			if err != nil {
				b.Fatal(err)
			}
			s.Close()
			var sink ingesttest.Counter
			sink.Expect(int64(b.N))
			r := &streamReader{data: data, left: b.N * frameLen}
			b.SetBytes(int64(frameLen))
			b.ReportAllocs()
			b.ResetTimer()
			c0, t0 := cpuTime(), time.Now()
			if err := s.consume(context.Background(), r, &sink, netip.MustParseAddr("192.0.2.1"), "", "bench"); err != nil {
				b.Fatal(err)
			}
			report(b, b.N, time.Since(t0), cpuTime()-c0)
			if got := sink.Count(); got != int64(b.N) {
				b.Fatalf("%d messages, want %d", got, b.N)
			}
		})
	}
}

// BenchmarkTCP sends 200-byte messages over loopback connections into a
// TCP source whose sink only counts.
func BenchmarkTCP(b *testing.B) {
	for _, framing := range []string{"octet", "lf"} {
		for _, conns := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/conns=%d", framing, conns), func(b *testing.B) {
				data, frameLen := frames(4096, framing == "octet")
				var sink ingesttest.Counter
				s, err := NewTCP(TCPConfig{Addr: "127.0.0.1:0", Logger: ingesttest.Logger(b)})
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				wg.Go(func() { _ = s.Run(ctx, &sink) })
				defer func() { cancel(); wg.Wait() }()
				clients := make([]net.Conn, conns)
				for i := range clients {
					c, err := net.Dial("tcp", s.Addr().String())
					if err != nil {
						b.Fatal(err)
					}
					defer c.Close()
					clients[i] = c
				}
				reached := sink.Expect(int64(b.N))
				b.SetBytes(int64(frameLen))
				b.ReportAllocs()
				b.ResetTimer()
				c0, t0 := cpuTime(), time.Now()
				var senders sync.WaitGroup
				for i, c := range clients {
					share := b.N / conns
					if i == 0 {
						share += b.N % conns
					}
					senders.Go(func() {
						r := &streamReader{data: data, left: share * frameLen}
						if _, err := io.Copy(c, r); err != nil {
							b.Error(err)
						}
					})
				}
				senders.Wait()
				select {
				case <-reached:
				case <-time.After(time.Minute):
					b.Fatalf("%d of %d messages after a minute", sink.Count(), b.N)
				}
				report(b, b.N, time.Since(t0), cpuTime()-c0)
			})
		}
	}
}

// BenchmarkUDP sends 200-byte datagrams over loopback into a UDP source
// whose sink only counts. UDP drops what the receiver cannot take; the
// drops (kernel and ours) are reported, and msg/s counts what arrived.
func BenchmarkUDP(b *testing.B) {
	data, _ := frames(4096, false)
	var sink ingesttest.Counter
	u, err := NewUDP(UDPConfig{Addr: "127.0.0.1:0", Logger: ingesttest.Logger(b)})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = u.Run(ctx, &sink) })
	defer func() { cancel(); wg.Wait() }()
	c, err := net.Dial("udp", u.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	sink.Expect(int64(b.N))
	drops0 := u.Stats().KernelDrops
	b.ReportAllocs()
	b.ResetTimer()
	c0, t0 := cpuTime(), time.Now()
	for i := range b.N {
		j := i % 4096 * (msgSize + 1)
		if _, err := c.Write(data[j : j+msgSize]); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(time.Minute)
	var drops uint64
	for {
		drops = u.Stats().KernelDrops - drops0
		if sink.Count()+int64(drops) >= int64(b.N) || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	got := int(sink.Count())
	report(b, got, time.Since(t0), cpuTime()-c0)
	b.ReportMetric(float64(drops)/float64(b.N)*100, "%kernel-drops")
}
