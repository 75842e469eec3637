package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"tocsin/internal/notify/dispatch"
)

// auditFile is the notifications' audit trail: one JSON line per attempt
// and outcome (sent, failed, gave_up, silenced, …), appended to a file of
// the data folder, readable by the operator (`tail notifications.jsonl`).
// Entries never hold a secret (dispatch.Entry's promise).
type auditFile struct {
	mu sync.Mutex
	f  *os.File
}

func openAudit(path string) (*auditFile, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("notification audit trail: %w", err)
	}
	return &auditFile{f: f}, nil
}

// Record appends one entry; a line is written whole in one call.
func (a *auditFile) Record(_ context.Context, e dispatch.Entry) error {
	line, err := json.Marshal(struct {
		dispatch.Entry
		RetryIn string `json:"RetryIn,omitempty"`
		Level   string
	}{e, durationText(e.RetryIn), e.Level.String()})
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	_, err = a.f.Write(append(line, '\n'))
	return err
}

func (a *auditFile) Close() error { return a.f.Close() }

func durationText(d interface{ String() string }) string {
	if s := d.String(); s != "0s" {
		return s
	}
	return ""
}
