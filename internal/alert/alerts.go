package alert

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// maxComments bounds the comments of one alert.
const maxComments = 1000

func (e *Engine) alert(id string) (*Alert, error) {
	a := e.alerts[id]
	if a == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownAlert, id)
	}
	return a, nil
}

func checkActor(who string, at time.Time) error {
	if strings.TrimSpace(who) == "" || len(who) > 256 {
		return invalid("who", "required, at most 256 bytes")
	}
	if at.IsZero() {
		return invalid("at", "required")
	}
	return nil
}

// Ack acknowledges an open alert: someone is on it. Detections keep
// updating it; it stays acknowledged.
func (e *Engine) Ack(id, who string, at time.Time) error {
	a, err := e.alert(id)
	if err != nil {
		return err
	}
	if err := checkActor(who, at); err != nil {
		return err
	}
	if a.Status != StatusOpen {
		return fmt.Errorf("%w: alert %s is %s; only an open alert can be acknowledged", ErrTransition, id, a.Status)
	}
	a.Status, a.StatusAt, a.StatusBy = StatusAcknowledged, at, who
	return nil
}

// Resolve closes an open or acknowledged alert. Resolving does not lower
// a level (only the quiet period or an override does); a detection within
// the alert's window reopens it, as Alertmanager fires again.
func (e *Engine) Resolve(id, who string, at time.Time) error {
	a, err := e.alert(id)
	if err != nil {
		return err
	}
	if err := checkActor(who, at); err != nil {
		return err
	}
	if a.Status == StatusResolved {
		return fmt.Errorf("%w: alert %s is already resolved", ErrTransition, id)
	}
	a.Status, a.StatusAt, a.StatusBy = StatusResolved, at, who
	return nil
}

// Assign gives an alert to someone ("" unassigns), whatever its status.
func (e *Engine) Assign(id, assignee string) error {
	a, err := e.alert(id)
	if err != nil {
		return err
	}
	if len(assignee) > 256 {
		return invalid("assignee", "longer than 256 bytes")
	}
	a.Assignee = strings.TrimSpace(assignee)
	return nil
}

// Comment adds an operator's note to an alert, whatever its status.
func (e *Engine) Comment(id, author, text string, at time.Time) error {
	a, err := e.alert(id)
	if err != nil {
		return err
	}
	if err := checkActor(author, at); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(text) == "":
		return invalid("text", "required")
	case len(text) > maxText:
		return invalid("text", "longer than %d bytes", maxText)
	case len(a.Comments) >= maxComments:
		return invalid("comments", "alert %s already has %d comments", id, maxComments)
	}
	a.Comments = append(a.Comments, Comment{Author: author, At: at, Text: text})
	return nil
}

// Alert returns a copy of one alert.
func (e *Engine) Alert(id string) (Alert, error) {
	a, err := e.alert(id)
	if err != nil {
		return Alert{}, err
	}
	return a.clone(), nil
}

// Alerts returns copies of the alerts f selects, in creation order.
func (e *Engine) Alerts(f AlertFilter) []Alert {
	var out []Alert
	for _, a := range e.order {
		if f.Tenant != "" && a.Tenant != f.Tenant || f.Status != "" && a.Status != f.Status {
			continue
		}
		if f.Campaign != "" && !slices.Contains(a.Campaigns, f.Campaign) {
			continue
		}
		out = append(out, a.clone())
	}
	return out
}

// Campaign returns a copy of one campaign.
func (e *Engine) Campaign(id string) (Campaign, error) {
	c := e.campByID[id]
	if c == nil {
		return Campaign{}, fmt.Errorf("%w: %q", ErrUnknownCampaign, id)
	}
	return *c.clone(), nil
}

// Campaigns returns copies of every campaign, in creation order.
func (e *Engine) Campaigns() []Campaign {
	out := make([]Campaign, 0, len(e.campaigns))
	for _, c := range e.campaigns {
		out = append(out, *c.clone())
	}
	return out
}
