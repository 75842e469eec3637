package notify

import (
	"time"
)

// Status is a group's or an item's state, as in Alertmanager.
type Status string

// The two states.
const (
	Firing   Status = "firing"
	Resolved Status = "resolved"
)

// Language selects the templates a message is rendered with.
type Language string

// The languages with templates. French is the default.
const (
	French  Language = "fr"
	English Language = "en"
)

// Valid reports whether templates exist for the language.
func (l Language) Valid() bool { return l == French || l == English }

// Item is one notification within a group, with its state in the group.
type Item struct {
	Notification
	Status   Status
	StartsAt time.Time         // when it started firing (its first Since in the group)
	EndsAt   time.Time         // when it resolved; zero while firing
	Labels   map[string]string // the full label set (Notification.LabelSet)
	Text     string            // the item rendered alone, plain text
}

// Message is one rendered group, ready for one receiver. A receiver may be
// handed the same Message again (a retry): ID stays the same, so a
// receiver that can be idempotent (Matrix transaction IDs) is.
type Message struct {
	ID          string // unique per message, reused on retry
	Receiver    string
	GroupKey    string            // the group's stable identity
	GroupLabels map[string]string // the labels the group is formed on
	Status      Status            // firing if any item fires
	Reason      string            // why it is sent: first, updated, resolved, repeat
	Items       []Item            // firing first, then by level (highest first)
	ExternalURL string            // the server's base URL, when known
	Language    Language
	Time        time.Time // when the message was rendered
	Subject     string    // short: e-mail subject, first line
	Text        string    // plain text body
	HTML        string    // HTML fragment (e-mail, Matrix formatted_body)
}
