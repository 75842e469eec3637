package sigma

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every rule problem, so callers can tell a bad rule
// from an I/O failure with errors.Is.
var ErrInvalid = errors.New("invalid rule")

// Error is one problem in a rule file, at a position.
type Error struct {
	File    string
	Line    int
	Column  int
	Msg     string
	Warning bool // the rule still loads
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *Error) Unwrap() error { return ErrInvalid }

// problems collects the errors of one document.
type problems struct {
	file string
	list []*Error
}

func (p *problems) at(pos Pos, format string, args ...any) {
	p.list = append(p.list, &Error{File: p.file, Line: pos.Line, Column: pos.Column, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) warn(pos Pos, format string, args ...any) {
	p.list = append(p.list, &Error{File: p.file, Line: pos.Line, Column: pos.Column, Msg: fmt.Sprintf(format, args...), Warning: true})
}

// failed reports whether any problem other than a warning was recorded.
func (p *problems) failed() bool {
	for _, e := range p.list {
		if !e.Warning {
			return true
		}
	}
	return false
}
