package dispatch

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"
	_ "time/tzdata" // Europe/Paris must load on hosts without a zone database

	"tocsin/internal/notify"
	"tocsin/internal/notify/email"
	"tocsin/internal/notify/matrix"
	"tocsin/internal/notify/webhook"
)

// ErrConfig reports an invalid configuration; the message names the field.
var ErrConfig = errors.New("notification config")

// Defaults, as in Alertmanager, except for the urgent path: a
// notification at rouge (or above urgent_level) that says something new
// is sent after urgent_wait (0s) instead of waiting for group_wait or
// group_interval, so a level change reaches people within the issue's
// two seconds.
const (
	DefaultGroupWait      = 30 * time.Second
	DefaultGroupInterval  = 5 * time.Minute
	DefaultRepeatInterval = 4 * time.Hour
	DefaultUrgentLevel    = notify.Rouge
	DefaultUrgentWait     = 0 * time.Second

	DefaultInitialBackoff = time.Second
	DefaultMaxBackoff     = time.Minute
	DefaultRetryDeadline  = 5 * time.Minute
	DefaultAttemptTimeout = 15 * time.Second

	DefaultTimezone = "Europe/Paris"
)

// Config is the notification section of the server's configuration. The
// caller decodes it strictly; Validate names every field at fault.
type Config struct {
	// Language of the messages: fr (default) or en.
	Language notify.Language `yaml:"language"`
	// Timezone the messages give times in (default Europe/Paris).
	Timezone string `yaml:"timezone"`
	// ExternalURL is the server's base URL, for links.
	ExternalURL string           `yaml:"external_url"`
	Receivers   []ReceiverConfig `yaml:"receivers"`
	Route       RouteConfig      `yaml:"route"`
	Silences    []SilenceConfig  `yaml:"silences"`
	Retry       RetryConfig      `yaml:"retry"`
}

// ReceiverConfig is one named destination: exactly one of webhook, email,
// matrix.
type ReceiverConfig struct {
	Name     string          `yaml:"name"`
	Language notify.Language `yaml:"language"` // overrides Config.Language
	Retry    *RetryConfig    `yaml:"retry"`    // overrides Config.Retry
	Webhook  *webhook.Config `yaml:"webhook"`
	Email    *email.Config   `yaml:"email"`
	Matrix   *matrix.Config  `yaml:"matrix"`
}

// RouteConfig is a node of the routing tree (Alertmanager's route). Unset
// fields inherit from the parent; the root's defaults are group_by
// [tenant], group_wait 30s, group_interval 5m, repeat_interval 4h,
// urgent_level rouge, urgent_wait 0s, send_resolved true.
type RouteConfig struct {
	Receivers []string `yaml:"receivers"`
	// Matchers, all of which must hold: `tenant = ville-a`,
	// `level >= orange`, `tags =~ "attack\\.t1486"`. The root has none.
	Matchers []string `yaml:"matchers"`
	// GroupBy lists the labels a group is formed on; ["..."] groups by
	// every label (one group per notification).
	GroupBy  []string `yaml:"group_by"`
	Continue bool     `yaml:"continue"`
	// GroupWait: how long a new group waits for more before its first message.
	GroupWait *time.Duration `yaml:"group_wait"`
	// GroupInterval: how long a group that has sent waits before telling
	// about what changed in it.
	GroupInterval *time.Duration `yaml:"group_interval"`
	// RepeatInterval: when an unchanged firing group is sent again.
	RepeatInterval *time.Duration `yaml:"repeat_interval"`
	// UrgentLevel and UrgentWait: a firing notification at UrgentLevel or
	// above that the receiver has not been told yet is sent after
	// UrgentWait, cutting group_wait, group_interval and a retry of an
	// older message short.
	UrgentLevel  *notify.Level  `yaml:"urgent_level"`
	UrgentWait   *time.Duration `yaml:"urgent_wait"`
	SendResolved *bool          `yaml:"send_resolved"`
	Routes       []RouteConfig  `yaml:"routes"`
}

// SilenceConfig is a silence known at start (Alertmanager's silence).
type SilenceConfig struct {
	Matchers  []string  `yaml:"matchers"`
	StartsAt  time.Time `yaml:"starts_at"`
	EndsAt    time.Time `yaml:"ends_at"`
	CreatedBy string    `yaml:"created_by"`
	Comment   string    `yaml:"comment"`
}

// RetryConfig bounds the retries of one message to one receiver:
// exponential backoff from InitialBackoff, doubled per attempt up to
// MaxBackoff, each wait drawn between half and all of it (jitter), until
// Deadline after the first attempt. AttemptTimeout bounds one attempt.
type RetryConfig struct {
	InitialBackoff time.Duration `yaml:"initial_backoff"`
	MaxBackoff     time.Duration `yaml:"max_backoff"`
	Deadline       time.Duration `yaml:"deadline"`
	AttemptTimeout time.Duration `yaml:"attempt_timeout"`
}

func (r RetryConfig) withDefaults(base RetryConfig) RetryConfig {
	if r.InitialBackoff == 0 {
		r.InitialBackoff = base.InitialBackoff
	}
	if r.MaxBackoff == 0 {
		r.MaxBackoff = base.MaxBackoff
	}
	if r.Deadline == 0 {
		r.Deadline = base.Deadline
	}
	if r.AttemptTimeout == 0 {
		r.AttemptTimeout = base.AttemptTimeout
	}
	return r
}

var defaultRetry = RetryConfig{
	InitialBackoff: DefaultInitialBackoff, MaxBackoff: DefaultMaxBackoff,
	Deadline: DefaultRetryDeadline, AttemptTimeout: DefaultAttemptTimeout,
}

func (r RetryConfig) validate(path string) []error {
	var errs []error
	for _, f := range []struct {
		name string
		v    time.Duration
	}{{"initial_backoff", r.InitialBackoff}, {"max_backoff", r.MaxBackoff}, {"deadline", r.Deadline}, {"attempt_timeout", r.AttemptTimeout}} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("%s.%s: must not be negative", path, f.name))
		}
	}
	if r.MaxBackoff > 0 && r.InitialBackoff > r.MaxBackoff {
		errs = append(errs, fmt.Errorf("%s.initial_backoff: above max_backoff", path))
	}
	return errs
}

// location loads Timezone.
func (c *Config) location() (*time.Location, error) {
	tz := c.Timezone
	if tz == "" {
		tz = DefaultTimezone
	}
	return time.LoadLocation(tz)
}

// Validate checks the configuration and names every field at fault
// (receivers[1].webhook.url, route.routes[0].matchers[2], …).
func (c *Config) Validate() error {
	return c.validate(nil)
}

// validate checks c; extra are receiver names supplied in code.
func (c *Config) validate(extra []string) error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Language != "" && !c.Language.Valid() {
		add("language: %q (want fr or en)", c.Language)
	}
	if _, err := c.location(); err != nil {
		add("timezone: %q: %v", c.Timezone, err)
	}
	if c.ExternalURL != "" {
		if u, err := url.Parse(c.ExternalURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("external_url: want an http or https URL")
		}
	}
	errs = append(errs, c.Retry.validate("retry")...)
	names := map[string]bool{}
	for _, n := range extra {
		names[n] = true
	}
	for i := range c.Receivers {
		rc := &c.Receivers[i]
		path := fmt.Sprintf("receivers[%d]", i)
		switch {
		case rc.Name == "":
			add("%s.name: required", path)
		case names[rc.Name]:
			add("%s.name: %q defined twice", path, rc.Name)
		default:
			names[rc.Name] = true
			path += " (" + rc.Name + ")"
		}
		if rc.Language != "" && !rc.Language.Valid() {
			add("%s.language: %q (want fr or en)", path, rc.Language)
		}
		if rc.Retry != nil {
			errs = append(errs, rc.Retry.validate(path+".retry")...)
		}
		kinds := 0
		if rc.Webhook != nil {
			kinds++
			errs = append(errs, prefixed(path+".webhook.", rc.Webhook.Validate())...)
		}
		if rc.Email != nil {
			kinds++
			errs = append(errs, prefixed(path+".email.", rc.Email.Validate())...)
		}
		if rc.Matrix != nil {
			kinds++
			errs = append(errs, prefixed(path+".matrix.", rc.Matrix.Validate())...)
		}
		if kinds != 1 {
			add("%s: want exactly one of webhook, email, matrix (found %d)", path, kinds)
		}
	}
	if len(c.Route.Matchers) > 0 {
		add("route.matchers: the root route matches everything; put matchers on child routes")
	}
	if len(c.Route.Receivers) == 0 {
		add("route.receivers: the root route needs at least one receiver")
	}
	errs = append(errs, validateRoute(&c.Route, "route", names)...)
	for i := range c.Silences {
		_, err := c.Silences[i].silence()
		errs = append(errs, prefixed(fmt.Sprintf("silences[%d].", i), err)...)
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrConfig, errors.Join(errs...))
}

func validateRoute(r *RouteConfig, path string, receivers map[string]bool) []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	for i, name := range r.Receivers {
		if !receivers[name] {
			add("%s.receivers[%d]: unknown receiver %q", path, i, name)
		}
	}
	for i, s := range r.Matchers {
		if _, err := ParseMatcher(s); err != nil {
			add("%s.matchers[%d]: %w", path, i, err)
		}
	}
	for i, g := range r.GroupBy {
		if g == "..." {
			if len(r.GroupBy) > 1 {
				add("%s.group_by: \"...\" groups by every label and stands alone", path)
			}
			continue
		}
		if m, err := ParseMatcher(g + "=x"); err != nil || m.Name != g {
			add("%s.group_by[%d]: %q is not a label name", path, i, g)
		}
	}
	if slices.Contains(r.GroupBy, "") {
		add("%s.group_by: empty label name", path)
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		min  time.Duration
	}{
		{"group_wait", r.GroupWait, 0},
		{"group_interval", r.GroupInterval, time.Second},
		{"repeat_interval", r.RepeatInterval, time.Second},
		{"urgent_wait", r.UrgentWait, 0},
	} {
		if d.v != nil && *d.v < d.min {
			add("%s.%s: %v is below %v", path, d.name, *d.v, d.min)
		}
	}
	if r.UrgentLevel != nil && !r.UrgentLevel.Valid() {
		add("%s.urgent_level: not a level", path)
	}
	for i := range r.Routes {
		errs = append(errs, validateRoute(&r.Routes[i], fmt.Sprintf("%s.routes[%d]", path, i), receivers)...)
	}
	return errs
}

// silence turns a configured silence into a Silence.
func (s *SilenceConfig) silence() (Silence, error) {
	ms, err := ParseMatchers(s.Matchers)
	if err != nil {
		return Silence{}, errors.Join(prefixed("matchers", err)...)
	}
	sil := Silence{Matchers: ms, StartsAt: s.StartsAt, EndsAt: s.EndsAt, CreatedBy: s.CreatedBy, Comment: s.Comment}
	return sil, sil.validate()
}

// prefixed splits a joined error and prefixes each part with path, so
// every line of the final message names its field.
func prefixed(path string, err error) []error {
	if err == nil {
		return nil
	}
	var parts []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		parts = j.Unwrap()
	} else {
		parts = []error{err}
	}
	out := make([]error, len(parts))
	for i, e := range parts {
		out[i] = fmt.Errorf("%s%w", path, e)
	}
	return out
}
