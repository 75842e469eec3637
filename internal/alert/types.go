package alert

import (
	"slices"
	"time"
)

// Status of an alert: open → acknowledged → resolved, or open → resolved.
// A detection within the window of a resolved alert reopens it.
type Status string

// The statuses.
const (
	StatusOpen         Status = "open"
	StatusAcknowledged Status = "acknowledged"
	StatusResolved     Status = "resolved"
)

func (s Status) valid() bool {
	return s == StatusOpen || s == StatusAcknowledged || s == StatusResolved
}

// Comment is an operator's note on an alert.
type Comment struct {
	Author string    `json:"author"`
	At     time.Time `json:"at"`
	Text   string    `json:"text"`
}

// Alert groups the detections of one rule about one entity on one tenant.
type Alert struct {
	ID     string `json:"id"` // A1, A2, … in creation order
	Tenant string `json:"tenant"`
	Kind   string `json:"kind"` // detection or correlation
	Rule   Rule   `json:"rule"`
	// EntityKind names the field the alert is about (src_ip, user, host;
	// see AlertPolicy.Entities) and Entity its value; both empty when the
	// detections had none.
	EntityKind string `json:"entity_kind,omitempty"`
	Entity     string `json:"entity,omitempty"`
	SrcIP      string `json:"src_ip,omitempty"`
	// First and Last are the event times of the first and last detection.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Count sums the detections' counts (events); Detections counts them.
	Count        int     `json:"count"`
	Detections   int     `json:"detections"`
	DetectionIDs []int64 `json:"detection_ids,omitempty"`
	// Raises is the tenant level this alert justifies.
	Raises   Level     `json:"raises"`
	Status   Status    `json:"status"`
	StatusAt time.Time `json:"status_at"`
	StatusBy string    `json:"status_by,omitempty"`
	Assignee string    `json:"assignee,omitempty"`
	Comments []Comment `json:"comments,omitempty"`
	// Campaigns lists the campaigns this alert belongs to.
	Campaigns []string `json:"campaigns,omitempty"`
}

func (a *Alert) clone() Alert {
	c := *a
	c.Rule.Tags = slices.Clone(a.Rule.Tags)
	c.DetectionIDs = slices.Clone(a.DetectionIDs)
	c.Comments = slices.Clone(a.Comments)
	c.Campaigns = slices.Clone(a.Campaigns)
	return c
}

// Campaign status.
const (
	CampaignStatusOpen   = "open"
	CampaignStatusClosed = "closed"
)

// Campaign links the alerts of several tenants that share an attacker, a
// rule or a technique.
type Campaign struct {
	ID     string      `json:"id"` // C1, C2, …
	Key    CampaignKey `json:"key"`
	Status string      `json:"status"` // open, closed
	// First and Last are the event times of the first and last hit of the
	// key by a linked tenant; ClosedAt is Last + the campaign window.
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	ClosedAt time.Time `json:"closed_at,omitzero"`
	Tenants  []string  `json:"tenants"` // sorted
	// Rules are the titles of the rules that fired (at most 10).
	Rules []string `json:"rules"`
	// Severity is the highest Sigma level among the linked alerts.
	Severity   string   `json:"severity"`
	Alerts     []string `json:"alerts"` // at most CampaignPolicy.MaxAlerts
	AlertCount int      `json:"alert_count"`
}

func (c *Campaign) clone() *Campaign {
	d := *c
	d.Tenants = slices.Clone(c.Tenants)
	d.Rules = slices.Clone(c.Rules)
	d.Alerts = slices.Clone(c.Alerts)
	return &d
}

// maxCampaignRules caps Campaign.Rules.
const maxCampaignRules = 10

// ChangeKind says what a Change is about.
type ChangeKind string

// The changes. Alert changes carry Tenant, AlertID and Count; campaign
// changes CampaignID, and Tenant and AlertID for the alert that opened or
// joined it; a copy of the campaign comes with campaign_opened,
// campaign_closed, and campaign_joined when the alert's tenant is new to
// the campaign (Engine.Campaign has it otherwise); level changes carry
// Level (Tenant empty for the platform).
const (
	AlertOpened     ChangeKind = "alert_opened"
	AlertUpdated    ChangeKind = "alert_updated"
	AlertReopened   ChangeKind = "alert_reopened" // a detection on a resolved alert
	AlertExpired    ChangeKind = "alert_expired"  // dropped after the retention period
	CampaignOpened  ChangeKind = "campaign_opened"
	CampaignJoined  ChangeKind = "campaign_joined" // a new alert linked
	CampaignClosed  ChangeKind = "campaign_closed" // nothing joined it for a window
	CampaignExpired ChangeKind = "campaign_expired"
	LevelChanged    ChangeKind = "level_changed"
)

// Change is one thing that happened, at event time At.
type Change struct {
	Kind       ChangeKind   `json:"kind"`
	At         time.Time    `json:"at"`
	Tenant     string       `json:"tenant,omitempty"`
	AlertID    string       `json:"alert_id,omitempty"`
	CampaignID string       `json:"campaign_id,omitempty"`
	Count      int          `json:"count,omitempty"`
	Campaign   *Campaign    `json:"campaign,omitempty"`
	Level      *LevelChange `json:"level,omitempty"`
}

// Scope of a level.
type Scope string

// The scopes.
const (
	ScopeTenant   Scope = "tenant"
	ScopePlatform Scope = "platform"
)

// LevelChange is a level going up or down (From may equal To for an
// override that confirms the level).
type LevelChange struct {
	Scope   Scope    `json:"scope"`
	From    Level    `json:"from"`
	To      Level    `json:"to"`
	Reasons []Reason `json:"reasons"`
}

// Reason kinds.
const (
	ReasonAlert    = "alert"
	ReasonCampaign = "campaign"
	ReasonOverride = "override"
	ReasonTenants  = "tenants"
)

// Reason is why a level is what it is: an alert, a campaign, an operator's
// override, or the tenants behind the platform's level (ID: their names,
// comma-separated). Text is a sentence in the policy's language.
type Reason struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Text string `json:"text"`
}

// LevelState is a level now.
type LevelState struct {
	Level Level `json:"level"`
	// Since is when the level last changed; nil when it never did.
	Since   *time.Time `json:"since"`
	Reasons []Reason   `json:"reasons"` // never nil
}

// TenantLevel is a tenant's level.
type TenantLevel struct {
	Tenant string `json:"tenant"`
	LevelState
}

// Levels is the answer of GET /api/v1/levels:
// {"platform":{"level","since","reasons"},"tenants":[{"tenant","level","since","reasons"},…]}.
type Levels struct {
	Platform LevelState    `json:"platform"`
	Tenants  []TenantLevel `json:"tenants"` // sorted by name, never nil
}

// AlertFilter selects alerts; zero fields do not filter.
type AlertFilter struct {
	Tenant   string
	Status   Status
	Campaign string
}
