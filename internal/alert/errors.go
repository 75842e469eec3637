package alert

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalid wraps a refused detection or argument; the message names
	// the field (rule.level, tenant, who).
	ErrInvalid = errors.New("invalid input")
	// ErrPolicy wraps every policy problem (see PolicyError).
	ErrPolicy = errors.New("invalid alert policy")
	// ErrUnknownAlert is returned for an alert id the engine does not hold
	// (never created, or dropped after the retention period).
	ErrUnknownAlert = errors.New("unknown alert")
	// ErrUnknownCampaign is returned for a campaign id the engine does not hold.
	ErrUnknownCampaign = errors.New("unknown campaign")
	// ErrUnknownTenant is returned by Override for a tenant neither declared
	// nor seen.
	ErrUnknownTenant = errors.New("unknown tenant")
	// ErrTransition is returned for a status change the state machine
	// forbids (acknowledging a resolved alert, resolving it twice).
	ErrTransition = errors.New("forbidden status transition")
	// ErrNoReason is returned by an override without a written reason.
	ErrNoReason = errors.New("an override needs a written reason")
	// ErrSnapshot wraps a snapshot Restore refuses.
	ErrSnapshot = errors.New("invalid snapshot")
)

// PolicyError is one policy problem. Field is the YAML path
// (campaigns.min_tenants.rule); Line and Column are set when the policy
// was read by ParsePolicy.
type PolicyError struct {
	Field        string
	Line, Column int
	Msg          string
}

func (e *PolicyError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%d:%d: %s: %s", e.Line, e.Column, e.Field, e.Msg)
	}
	return e.Field + ": " + e.Msg
}

// Unwrap makes errors.Is(err, ErrPolicy) hold.
func (e *PolicyError) Unwrap() error { return ErrPolicy }

// invalid builds an ErrInvalid naming the field.
func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
}
