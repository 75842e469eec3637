package dispatch

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"tocsin/internal/notify"
)

// route is a compiled RouteConfig: its inherited settings resolved.
type route struct {
	key            string // stable identity in group keys: {}/1{level>="orange"}
	matchers       Matchers
	receivers      []string
	groupBy        []string
	groupByAll     bool
	groupWait      time.Duration
	groupInterval  time.Duration
	repeatInterval time.Duration
	urgentLevel    notify.Level
	urgentWait     time.Duration
	sendResolved   bool
	cont           bool
	children       []*route
}

// match returns the routes that handle labels, as Alertmanager does: the
// deepest matching routes, the first matching child stopping the search
// among its siblings unless it has continue set.
func (r *route) match(labels map[string]string) []*route {
	if !r.matchers.Matches(labels) {
		return nil
	}
	var all []*route
	for _, c := range r.children {
		m := c.match(labels)
		all = append(all, m...)
		if m != nil && !c.cont {
			break
		}
	}
	if len(all) == 0 {
		all = append(all, r)
	}
	return all
}

// groupLabels are the labels the route groups on.
func (r *route) groupLabels(labels map[string]string) map[string]string {
	out := map[string]string{}
	if r.groupByAll {
		for k, v := range labels {
			out[k] = v
		}
		return out
	}
	for _, name := range r.groupBy {
		if v, ok := labels[name]; ok {
			out[name] = v
		}
	}
	return out
}

// labelString writes labels sorted, as Alertmanager prints a label set.
func labelString(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(labels[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// compileRoute resolves inheritance; cfg has been validated.
func compileRoute(cfg *RouteConfig, parent *route, key string) *route {
	r := &route{key: key, cont: cfg.Continue}
	r.matchers, _ = ParseMatchers(cfg.Matchers)
	if parent != nil {
		*r = route{
			key: key, matchers: r.matchers, cont: cfg.Continue,
			receivers: parent.receivers, groupBy: parent.groupBy, groupByAll: parent.groupByAll,
			groupWait: parent.groupWait, groupInterval: parent.groupInterval, repeatInterval: parent.repeatInterval,
			urgentLevel: parent.urgentLevel, urgentWait: parent.urgentWait, sendResolved: parent.sendResolved,
		}
	} else {
		r.groupBy = []string{notify.LabelTenant}
		r.groupWait, r.groupInterval, r.repeatInterval = DefaultGroupWait, DefaultGroupInterval, DefaultRepeatInterval
		r.urgentLevel, r.urgentWait, r.sendResolved = DefaultUrgentLevel, DefaultUrgentWait, true
	}
	if len(cfg.Receivers) > 0 {
		r.receivers = cfg.Receivers
	}
	if cfg.GroupBy != nil {
		r.groupByAll = slices.Contains(cfg.GroupBy, "...")
		r.groupBy = slices.Sorted(slices.Values(cfg.GroupBy))
	}
	set := func(dst *time.Duration, src *time.Duration) {
		if src != nil {
			*dst = *src
		}
	}
	set(&r.groupWait, cfg.GroupWait)
	set(&r.groupInterval, cfg.GroupInterval)
	set(&r.repeatInterval, cfg.RepeatInterval)
	set(&r.urgentWait, cfg.UrgentWait)
	if cfg.UrgentLevel != nil {
		r.urgentLevel = *cfg.UrgentLevel
	}
	if cfg.SendResolved != nil {
		r.sendResolved = *cfg.SendResolved
	}
	for i := range cfg.Routes {
		c := &cfg.Routes[i]
		ms, _ := ParseMatchers(c.Matchers)
		r.children = append(r.children, compileRoute(c, r, key+"/"+strconv.Itoa(i)+ms.String()))
	}
	return r
}
