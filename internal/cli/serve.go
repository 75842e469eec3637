package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"tocsin/internal/app"
	"tocsin/internal/config"
)

const serveUsage = `usage: tocsin serve [--config FILE] [flags]

Collects the logs of every tenant (syslog UDP/TCP/TLS, RELP, HTTP, files),
detects attacks, stores events and alerts, and serves the API. Without a
configuration file it runs on embedded defaults: data in ./tocsin-data,
HTTP on 127.0.0.1:8080, syslog UDP and TCP on 127.0.0.1:5514, one tenant
"default". SIGHUP reloads the configuration and rules. TOCSIN_ADMIN_TOKEN,
when set, is the admin token; otherwise one is made at first start and
printed once.

Flags:
`

func runServe(ctx context.Context, args []string, s Streams) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(s.Err)
	fs.Usage = func() { fmt.Fprint(s.Err, serveUsage); fs.PrintDefaults() }
	cfgFile := fs.String("config", "", "configuration `FILE` (YAML)")
	var o app.Overrides
	str := func(dst **string, name, usage string) {
		fs.Func(name, usage, func(v string) error { *dst = &v; return nil })
	}
	str(&o.Data, "data", "data `DIR` (SQLite database and state)")
	str(&o.HTTP, "http", "API listen `ADDR` (empty: off)")
	str(&o.Syslog, "syslog", "syslog UDP and TCP listen `ADDR` (empty: off)")
	str(&o.SyslogTLS, "syslog-tls", "syslog over TLS (RFC 5425) listen `ADDR`; needs cert and key in the file")
	str(&o.RELP, "relp", "RELP listen `ADDR`")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to `FILE` (for performance work)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(s.Err, "tocsin serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	a, err := app.New(ctx, app.Options{ConfigFile: *cfgFile, Overrides: o, Out: s.Out, Log: s.Err})
	if err != nil {
		fmt.Fprintf(s.Err, "tocsin serve: %v\n", err)
		return 1
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(s.Err, "tocsin serve: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(s.Err, "tocsin serve: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				_ = a.Reload(ctx) // logged by Reload
			}
		}
	}()
	if err := a.Run(ctx); err != nil {
		fmt.Fprintf(s.Err, "tocsin serve: %v\n", err)
		return 1
	}
	return 0
}

func runConfig(ctx context.Context, args []string, s Streams) int {
	if len(args) != 2 || args[0] != "check" {
		fmt.Fprint(s.Err, "usage: tocsin config check FILE\n")
		return 2
	}
	if _, err := config.Load(args[1]); err != nil {
		fmt.Fprintln(s.Err, err)
		return 1
	}
	fmt.Fprintf(s.Out, "%s: ok\n", args[1])
	return 0
}
