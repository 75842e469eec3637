package detect

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"testing"

	"tocsin/internal/event"
	"tocsin/internal/parse/jsonlog"
	"tocsin/internal/sigma"
	"tocsin/internal/winlog"
	"tocsin/internal/winmix"
)

func TestDiag(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip()
	}
	var paths []string
	for _, d := range []string{"rules", "rules-emerging-threats", "rules-threat-hunting"} {
		paths = append(paths, "../../../shared/sigma/"+d)
	}
	set := sigma.LoadPaths(paths...)
	eng, _ := Compile(set.Rules, Options{})
	var buf bytes.Buffer
	winmix.New(1).WriteMix(&buf, 5000)
	dec := jsonlog.NewDecoder()
	win := winlog.Default()
	litHits := map[string]int{}
	ruleCand := map[string]int{}
	always := map[string]int{}
	total := 0
	n := 0
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		ev := event.New()
		dec.Decode(line, ev)
		win.Apply(ev)
		b := eng.bucketFor(ev.Logsource)
		var h hits
		h.reset(len(b.litRules))
		if b.ac != nil {
			for i := 0; i < ev.Len(); i++ {
				b.ac.scan(ev.At(i).Value, &h)
			}
		}
		cand := map[int32]bool{}
		for _, ri := range b.always {
			cand[ri] = true
			always[b.rules[ri].rule.Title]++
		}
		lits := make([]string, 0)
		for l := range b.litRules {
			_ = l
		}
		for _, id := range h.ids {
			for _, ri := range b.litRules[id] {
				if !cand[ri] {
					ruleCand[b.rules[ri].rule.Title]++
				}
				cand[ri] = true
			}
		}
		_ = lits
		total += len(cand)
		n++
	}
	// literal frequency: rebuild from a bucket
	fmt.Printf("avg candidates/event %.1f\n", float64(total)/float64(n))
	type kv struct {
		k string
		v int
	}
	var l []kv
	for k, v := range ruleCand {
		l = append(l, kv{k, v})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v })
	for _, x := range l[:min(40, len(l))] {
		fmt.Printf("%6d %s\n", x.v, x.k)
	}
	l = nil
	for k, v := range always {
		l = append(l, kv{k, v})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v })
	fmt.Println("always:", len(l))
	for _, x := range l[:min(30, len(l))] {
		fmt.Printf("%6d %s\n", x.v, x.k)
	}
	_ = litHits
}
