package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"tocsin/internal/alert"
	"tocsin/internal/app"
	"tocsin/internal/config"
	"tocsin/internal/demo"
)

const demoUsage = `usage: tocsin demo [flags]

Starts tocsin serve with three fictional communes sharing one platform and
replays an attack on them: scanning of their websites, SSH and web login
brute force against all three from one address, then ransomware
preparation on one commune's file server. Watch the levels climb from vert
to rouge, as they print here or through the API:

  curl -H "Authorization: Bearer TOKEN" http://127.0.0.1:8080/api/v1/levels

It takes the flags of tocsin serve; without --data the demo's data goes to
a new temporary folder. Ctrl-C stops it.

Flags:
`

func runDemo(ctx context.Context, args []string, s Streams) int {
	f := newServeFlags("demo", demoUsage, s)
	if code := f.parse(args, s); code >= 0 {
		return code
	}
	if f.o.Data == nil && *f.config == "" {
		dir, err := os.MkdirTemp("", "tocsin-demo-")
		if err != nil {
			fmt.Fprintf(s.Err, "tocsin demo: %v\n", err)
			return 1
		}
		f.o.Data = &dir
	}
	var tenants []config.Tenant
	for _, t := range demo.Tenants() {
		tenants = append(tenants, config.Tenant{ID: t.ID, Name: t.Name})
	}
	a, stop, err := f.start(ctx, app.Options{Tenants: tenants}, s)
	defer stop()
	if err != nil {
		fmt.Fprintf(s.Err, "tocsin demo: %v\n", err)
		return 1
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	go watchLevels(runCtx, a, s)
	start := time.Now()
	if err := a.Replay(runCtx, demo.Script(start), func(st demo.Step) {
		if st.After == 0 {
			start = time.Now()
		}
		fmt.Fprintf(s.Out, "%5.1fs  ▶ %s\n", time.Since(start).Seconds(), st.What)
	}); err != nil && runCtx.Err() == nil {
		fmt.Fprintf(s.Err, "tocsin demo: %v\n", err)
	}
	fmt.Fprintln(s.Out, "       the attack is replayed; the server keeps running (Ctrl-C to stop)")
	if err := <-done; err != nil {
		fmt.Fprintf(s.Err, "tocsin demo: %v\n", err)
		return 1
	}
	return 0
}

// watchLevels prints every level change, as an operator's screen would.
func watchLevels(ctx context.Context, a *app.App, s Streams) {
	start := time.Now()
	last := map[string]string{}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		l := a.Levels()
		show := func(who, level string, reason string) {
			if last[who] == level {
				return
			}
			last[who] = level
			fmt.Fprintf(s.Out, "%5.1fs  %-14s %-7s %s\n", time.Since(start).Seconds(), who, strings.ToUpper(level), reason)
		}
		for _, t := range l.Tenants {
			show(t.Tenant, t.Level.String(), firstReason(t.Reasons))
		}
		show("PLATEFORME", l.Platform.Level.String(), firstReason(l.Platform.Reasons))
	}
}

func firstReason(rs []alert.Reason) string {
	if len(rs) == 0 {
		return ""
	}
	return rs[0].Text
}
