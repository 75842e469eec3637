package winmix

import (
	"os"
	"strconv"
	"testing"
)

func TestTmpDump(t *testing.T) {
	out := os.Getenv("WINMIX_DUMP")
	if out == "" {
		t.Skip()
	}
	n, _ := strconv.Atoi(os.Getenv("WINMIX_N"))
	f, _ := os.Create(out)
	defer f.Close()
	lf, _ := os.Create(out + ".labels")
	defer lf.Close()
	g := New(1)
	if r := os.Getenv("WINMIX_MAL"); r != "" {
		x, _ := strconv.ParseFloat(r, 64)
		g.SetMaliciousRate(x)
	}
	for range n {
		f.Write(append(g.Mix(), '\n'))
		lf.WriteString(g.LastMalicious() + "\n")
	}
}
