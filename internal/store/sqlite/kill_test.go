package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tocsin/internal/store"
)

// TestKillKeepsCommittedWrites checks the durability this package
// promises: a child process writes 100-event batches and says so after
// each Write returns; it is killed with SIGKILL in the middle; every batch
// it reported is there after reopening, and no batch is there in part.
func TestKillKeepsCommittedWrites(t *testing.T) {
	if path := os.Getenv("TOCSIN_SQLITE_KILL_CHILD"); path != "" {
		killChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "tocsin.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillKeepsCommittedWrites$")
	cmd.Env = append(os.Environ(), "TOCSIN_SQLITE_KILL_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reported := -1
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		var i int
		if _, err := fmt.Sscanf(lines.Text(), "stored %d", &i); err == nil {
			reported = i
		}
		if reported >= 30 {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // killed: an error is expected
	if reported < 30 {
		t.Fatalf("the child reported %d batches before it ended", reported+1)
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, _, err := s.Events(context.Background(), store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if n < (reported+1)*100 || n%100 != 0 {
		t.Fatalf("%d events after the kill; %d batches of 100 were reported stored", n, reported+1)
	}
	t.Logf("%d batches reported, %d events found", reported+1, n)
}

// killChild writes until it is killed.
func killChild(path string) {
	s, err := Open(context.Background(), path)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	raw := strings.Repeat("x", 180)
	for i := 0; ; i++ {
		b := &store.Batch{}
		for j := range 100 {
			b.Events = append(b.Events, store.Event{Tenant: []string{"a", "b"}[j%2], Time: time.Now(), Raw: raw, Dedup: uint64(i*100 + j + 1)})
		}
		if err := s.Write(context.Background(), b); err != nil {
			fmt.Println("write:", err)
			os.Exit(1)
		}
		fmt.Printf("stored %d\n", i)
	}
}
