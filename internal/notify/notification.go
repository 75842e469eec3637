package notify

import (
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"

	"tocsin/internal/level"
)

// ErrInvalidNotification reports a Notification that cannot be routed.
var ErrInvalidNotification = errors.New("invalid notification")

// Level is a vigilance level (package level).
type Level = level.Level

// The four levels, named after the vigilance colours.
const (
	Vert   = level.Vert   // nothing notable
	Jaune  = level.Jaune  // suspicious activity
	Orange = level.Orange // an attack confirmed
	Rouge  = level.Rouge  // an attack with impact
)

// ParseLevel reads a level name (case-insensitive).
func ParseLevel(s string) (Level, error) {
	l, err := level.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInvalidNotification, err)
	}
	return l, nil
}

// Kind says what a notification is about.
type Kind string

// The kinds of notification.
const (
	KindLevel    Kind = "level"    // a tenant's or the platform's level changed
	KindCampaign Kind = "campaign" // one attacker or technique across tenants
	KindAlert    Kind = "alert"    // a single alert worth telling someone about
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == KindLevel || k == KindCampaign || k == KindAlert }

// Reason is one thing behind a notification: an alert, a campaign, an
// operator's decision.
type Reason struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Standard label names, set by Labels from the notification's fields.
const (
	LabelKind     = "kind"
	LabelTenant   = "tenant"
	LabelScope    = "scope" // "platform" or "tenant"
	LabelLevel    = "level"
	LabelSeverity = "severity"
	LabelTags     = "tags" // rule tags, sorted and comma-separated
)

// Notification is what a producer (the level engine, campaign detection)
// hands to the dispatcher.
//
// Its identity is Fingerprint: a later notification with the same
// fingerprint replaces the earlier one in its group (a tenant going from
// orange to rouge is one item whose level changed, not two). A level
// notification whose level is vert, or any notification with Resolved
// set, is resolved, as in Alertmanager.
type Notification struct {
	Kind       Kind
	Tenant     string // tenant ID; "" is the platform as a whole
	TenantName string // display name; Tenant when empty
	Level      Level
	Previous   Level  // the level before the change (KindLevel)
	Severity   string // derived from Level when empty
	Title      string
	Summary    string // one human sentence: what happened
	Reasons    []Reason
	Tags       []string // rule tags (attack.t1490, …)
	Since      time.Time
	// Labels are extra labels for routing, grouping and silences. The
	// standard labels (kind, tenant, scope, level, severity, tags) are
	// derived from the fields above and win over these.
	Labels      map[string]string
	URL         string // the server's page about it, when known
	Fingerprint string // stable identity; derived by Key when empty
	Resolved    bool   // an alert or campaign that ended
}

// IsResolved reports whether the notification ends what it is about.
func (n *Notification) IsResolved() bool {
	return n.Resolved || (n.Kind == KindLevel && n.Level == Vert)
}

// IsPlatform reports whether the notification is about the whole platform.
func (n *Notification) IsPlatform() bool { return n.Tenant == "" }

// Key is the notification's identity: Fingerprint, or for a level change
// the tenant (one level per tenant), or kind, tenant and title.
func (n *Notification) Key() string {
	if n.Fingerprint != "" {
		return n.Fingerprint
	}
	if n.Kind == KindLevel {
		return "level/" + n.Tenant
	}
	return string(n.Kind) + "/" + n.Tenant + "/" + n.Title
}

// HexFingerprint is Key hashed to 16 hex digits, the shape Alertmanager
// receivers expect.
func (n *Notification) HexFingerprint() string {
	h := fnv.New64a()
	h.Write([]byte(n.Key()))
	return fmt.Sprintf("%016x", h.Sum64())
}

// SeverityOrDefault is Severity, or the level's severity when empty.
func (n *Notification) SeverityOrDefault() string {
	if n.Severity != "" {
		return n.Severity
	}
	return n.Level.Severity()
}

// Validate checks what routing needs, naming the field at fault.
func (n *Notification) Validate() error {
	switch {
	case !n.Kind.Valid():
		return fmt.Errorf("%w: kind %q (want level, campaign or alert)", ErrInvalidNotification, n.Kind)
	case !n.Level.Valid():
		return fmt.Errorf("%w: level %d", ErrInvalidNotification, n.Level)
	case n.Kind == KindLevel && !n.Previous.Valid():
		return fmt.Errorf("%w: previous level %d", ErrInvalidNotification, n.Previous)
	}
	for k := range n.Labels {
		if k == "" {
			return fmt.Errorf("%w: labels: empty label name", ErrInvalidNotification)
		}
	}
	return nil
}

// LabelSet returns the notification's labels: Labels plus the standard
// ones. Empty values are left out (an absent label and an empty one are
// the same, as in Alertmanager).
func (n *Notification) LabelSet() map[string]string {
	out := make(map[string]string, len(n.Labels)+6)
	for k, v := range n.Labels {
		if v != "" {
			out[k] = v
		}
	}
	out[LabelKind] = string(n.Kind)
	out[LabelLevel] = n.Level.String()
	out[LabelSeverity] = n.SeverityOrDefault()
	if n.Tenant != "" {
		out[LabelTenant] = n.Tenant
		out[LabelScope] = "tenant"
	} else {
		delete(out, LabelTenant)
		out[LabelScope] = "platform"
	}
	if len(n.Tags) > 0 {
		tags := append([]string(nil), n.Tags...)
		sort.Strings(tags)
		out[LabelTags] = strings.Join(tags, ",")
	} else {
		delete(out, LabelTags)
	}
	return out
}
