package dispatch

import (
	"errors"
	"fmt"
	"time"
)

// ErrSilence reports an invalid silence or an unknown silence ID.
var ErrSilence = errors.New("silence")

// Silence mutes the notifications its matchers select between StartsAt
// and EndsAt (Alertmanager's silence). A muted notification is not sent;
// the audit trail records it with the silence's ID.
type Silence struct {
	ID        string
	Matchers  Matchers
	StartsAt  time.Time // zero: from now
	EndsAt    time.Time
	CreatedBy string
	Comment   string
}

func (s *Silence) validate() error {
	var errs []error
	if len(s.Matchers) == 0 {
		errs = append(errs, errors.New("matchers: at least one (a silence never mutes everything)"))
	}
	if s.EndsAt.IsZero() {
		errs = append(errs, errors.New("ends_at: required"))
	} else if !s.StartsAt.IsZero() && !s.EndsAt.After(s.StartsAt) {
		errs = append(errs, errors.New("ends_at: must be after starts_at"))
	}
	if s.CreatedBy == "" {
		errs = append(errs, errors.New("created_by: required"))
	}
	if s.Comment == "" {
		errs = append(errs, errors.New("comment: required (say why)"))
	}
	return errors.Join(errs...)
}

// Active reports whether the silence mutes at time now.
func (s *Silence) Active(now time.Time) bool {
	return !now.Before(s.StartsAt) && now.Before(s.EndsAt)
}

// silences returns a copy of the silences, for callers.
func (d *Dispatcher) Silences() []Silence {
	d.smu.RLock()
	defer d.smu.RUnlock()
	out := make([]Silence, len(d.silences))
	copy(out, d.silences)
	return out
}

// AddSilence validates s, gives it an ID and starts applying it: from the
// next flush of every group, including notifications already pending.
func (d *Dispatcher) AddSilence(s Silence) (string, error) {
	if err := s.validate(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrSilence, err)
	}
	if s.StartsAt.IsZero() {
		s.StartsAt = d.clock.Now()
	}
	s.ID = newID()
	d.smu.Lock()
	d.silences = append(d.silences, s)
	d.smu.Unlock()
	d.log.Info("silence added", "silence", s.ID, "matchers", s.Matchers.String(),
		"ends_at", s.EndsAt, "created_by", s.CreatedBy)
	return s.ID, nil
}

// ExpireSilence ends a silence now.
func (d *Dispatcher) ExpireSilence(id string) error {
	now := d.clock.Now()
	d.smu.Lock()
	defer d.smu.Unlock()
	for i := range d.silences {
		if d.silences[i].ID == id {
			if d.silences[i].EndsAt.After(now) {
				d.silences[i].EndsAt = now
			}
			return nil
		}
	}
	return fmt.Errorf("%w: no silence %q", ErrSilence, id)
}

// silencedBy returns the ID of an active silence muting labels, or "".
func (d *Dispatcher) silencedBy(labels map[string]string, now time.Time) string {
	d.smu.RLock()
	defer d.smu.RUnlock()
	for i := range d.silences {
		s := &d.silences[i]
		if s.Active(now) && s.Matchers.Matches(labels) {
			return s.ID
		}
	}
	return ""
}
