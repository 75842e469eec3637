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

// serveFlags are the flags tocsin serve and tocsin demo share.
type serveFlags struct {
	fs         *flag.FlagSet
	config     *string
	cpuProfile *string
	o          app.Overrides
}

func newServeFlags(name, usage string, s Streams) *serveFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(s.Err)
	fs.Usage = func() { fmt.Fprint(s.Err, usage); fs.PrintDefaults() }
	f := &serveFlags{fs: fs}
	f.config = fs.String("config", "", "configuration `FILE` (YAML)")
	str := func(dst **string, name, usage string) {
		fs.Func(name, usage, func(v string) error { *dst = &v; return nil })
	}
	str(&f.o.Data, "data", "data `DIR` (SQLite database and state)")
	str(&f.o.HTTP, "http", "API listen `ADDR` (empty: off)")
	str(&f.o.Syslog, "syslog", "syslog UDP and TCP listen `ADDR` (empty: off)")
	str(&f.o.SyslogTLS, "syslog-tls", "syslog over TLS (RFC 5425) listen `ADDR`; needs cert and key in the file")
	str(&f.o.RELP, "relp", "RELP listen `ADDR`")
	f.cpuProfile = fs.String("cpuprofile", "", "write a CPU profile of the whole run to `FILE` (for performance work)")
	return f
}

// parse reads the flags; code >= 0 means stop with that status.
func (f *serveFlags) parse(args []string, s Streams) (code int) {
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if f.fs.NArg() > 0 {
		fmt.Fprintf(s.Err, "tocsin %s: unexpected argument %q\n", f.fs.Name(), f.fs.Arg(0))
		return 2
	}
	return -1
}

// start builds the app, with the CPU profile and SIGHUP reloads; stop
// releases them.
func (f *serveFlags) start(ctx context.Context, o app.Options, s Streams) (a *app.App, stop func(), err error) {
	o.ConfigFile, o.Overrides = *f.config, f.o
	if o.Out == nil {
		o.Out = s.Out
	}
	if o.Log == nil {
		o.Log = s.Err
	}
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if *f.cpuProfile != "" {
		pf, err := os.Create(*f.cpuProfile)
		if err != nil {
			return nil, stop, err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			pf.Close()
			return nil, stop, err
		}
		stops = append(stops, func() { pprof.StopCPUProfile(); pf.Close() })
	}
	a, err = app.New(ctx, o)
	if err != nil {
		return nil, stop, err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	hupCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-hupCtx.Done():
				return
			case <-hup:
				_ = a.Reload(hupCtx) // logged by Reload
			}
		}
	}()
	stops = append(stops, func() { signal.Stop(hup); cancel(); <-done })
	return a, stop, nil
}

func runServe(ctx context.Context, args []string, s Streams) int {
	f := newServeFlags("serve", serveUsage, s)
	if code := f.parse(args, s); code >= 0 {
		return code
	}
	a, stop, err := f.start(ctx, app.Options{}, s)
	defer stop()
	if err != nil {
		fmt.Fprintf(s.Err, "tocsin serve: %v\n", err)
		return 1
	}
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
