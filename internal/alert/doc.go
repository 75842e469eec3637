// Package alert turns detections into what people act on: alerts
// (detections grouped and deduplicated, with a status, an assignee and
// comments), campaigns (the same attack on several tenants of the shared
// platform) and vigilance levels — vert, jaune, orange, rouge — per tenant
// and for the platform, each with the reasons behind it.
//
// The Engine is the domain core only: synchronous, on event time, with no
// goroutine, no I/O and no package-level state. Its state is plain data
// that Snapshot and Restore carry across restarts. It is not safe for
// concurrent use.
//
// # Time
//
// Time is event time, never the wall clock: the engine's clock (Now) is the
// latest time seen in a detection, Advance or Override. Observe first
// advances the clock to the detection's time, so that what expired before
// it is recorded first, and Advance processes every expiry at its own
// time: a replay gives the same history however often Advance is called.
// Windows include both ends: a detection exactly Window after the last one
// still joins. A quiet period ends exactly QuietPeriod after the last
// evidence: Advance(last + QuietPeriod) lowers the level, a nanosecond less
// does not.
//
// Event time is trusted: evidence already older than the quiet period
// when it arrives makes alerts but raises no level, so a clock far ahead
// (a sender's broken clock) would silence later evidence. The caller
// refuses or clamps times it cannot trust (beyond the wall clock plus a
// few minutes of skew) before Observe.
//
// # Alerts
//
// Detections are grouped per (tenant, rule, entity). The entity is the
// first field of AlertPolicy.Entities a detection has a value for: by
// default the source address, else the user, else the host — the attacker
// first, because that is what is blocked, then what is attacked. A
// detection at most Window (1 h) after the alert's last detection updates
// it (count, last time, detection ids up to a bound); a later one opens a
// new alert. Status: open → acknowledged → resolved (or open → resolved);
// anything else is ErrTransition. A detection within the window of a
// resolved alert reopens it, as Alertmanager fires again: the attack has
// not stopped. Alerts are dropped from the engine Retention (7 d) after
// their last detection (AlertExpired); the store keeps them.
//
// # Campaigns
//
// Each detection has campaign keys, from the most specific: its source
// address and the address's range (/24 in IPv4, /48 in IPv6; public
// addresses only unless PrivateAddresses, because tenants' private
// networks overlap), its user agent, its file hash, its rule, and the
// ATT&CK techniques of its tags (attack.t1110.001 counts as t1110). A key
// hit by MinTenants distinct tenants within the campaign window opens one
// campaign that links their recent alerts: by default 2 tenants for an
// attacker key (address, range, user agent, hash) and 3 for a rule or a
// technique, which fire on several tenants every day. Precedence keeps
// campaigns few:
//
//  1. an alert already in an open campaign stays there;
//  2. else it joins the open campaign of its most specific key;
//  3. else the most specific key that qualifies opens a campaign — one per
//     detection at most.
//
// So the same address on two tenants is an address campaign, not also a
// range one; and once a rule campaign is open, every further attacker of
// that rule joins it rather than opening a campaign of its own. A
// campaign opened by a rule may link alerts that already belong to an
// address campaign (two tenants hit by one address, a third by another):
// an alert may be in several campaigns, a key in one open campaign only. A
// campaign closes when nothing joined it for a window; the key may then
// open a new one.
//
// # Levels
//
// A tenant's level is the highest level its alerts justify: by the rule's
// severity (informational and low: vert, medium: jaune, high: orange,
// critical: rouge), and rouge for the impact tags (attack.t1490: shadow
// copies and backups deleted; attack.t1486: data encrypted) whatever the
// severity. Correlations count like detections: a high correlation (SSH
// brute force) is an attack confirmed.
//
// The platform's level is CampaignLevel (rouge) while a campaign of at
// least CampaignMinSeverity (high) holds — scanners probe every tenant all
// day, so a campaign of medium alerts is listed but does not paint the
// platform red —, rouge when OrangeTenants (2) tenants are at orange or
// above at once, else the highest tenant's level capped at OneTenantMax
// (orange): one commune's ransomware is that commune's rouge, and the
// platform's orange.
//
// Escalation is immediate. De-escalation waits: an alert holds its level
// for QuietPeriod (24 h) after its last detection, a campaign the
// platform's likewise, and a tenant comes down when every reason for its
// level has been quiet that long — straight to the level its remaining
// reasons justify (often vert), not one step per quiet period: the quiet
// period already showed the higher level is stale. The platform follows
// its tenants and campaigns, whose quiet periods it inherits. Resolving
// an alert does not lower a level.
//
// An operator may set a level with Override (OverridePlatform) and a
// written reason (none: ErrNoReason). The override holds, without decay,
// until evidence newer than it raises the level to the override's or
// above; evidence from before the override is set aside for good. Every
// change is kept in History with its reasons — the alerts, campaigns,
// tenants or override behind it, with a sentence in French (Lang "fr", the
// default: the operators are French local governments) or English.
package alert
