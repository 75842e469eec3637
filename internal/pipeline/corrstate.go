package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"tocsin/internal/correlate"
	"tocsin/internal/store"
)

// firstSeenSetting is the store setting holding what the first_seen
// correlations learnt, per tenant.
const firstSeenSetting = "correlation_first_seen"

// saveEvery is how often the writer saves that state when it changed.
const saveEvery = 30 * time.Second

// settings is the part of a store that keeps small values; a Writer
// without it keeps correlation state in memory only.
type settings interface {
	Setting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error
}

// corrState carries the correlation engines' long memory (first_seen)
// across restarts: loaded once, given to each tenant's engine when it is
// built, saved every saveEvery and at the end.
type corrState struct {
	st        settings
	pending   map[string]json.RawMessage // tenant -> state not yet given to an engine
	last      []byte
	lastSave  time.Time
	logFailed func(msg string, err error)
}

func newCorrState(ctx context.Context, w Writer, logFailed func(string, error)) *corrState {
	cs := &corrState{pending: map[string]json.RawMessage{}, logFailed: logFailed}
	st, ok := w.(settings)
	if !ok {
		return cs
	}
	cs.st = st
	data, err := st.Setting(ctx, firstSeenSetting)
	if errors.Is(err, store.ErrNotFound) {
		return cs
	}
	if err == nil {
		err = json.Unmarshal([]byte(data), &cs.pending)
		cs.last = []byte(data)
	}
	if err != nil {
		// Learning starts over; the events themselves are stored.
		logFailed("first_seen state not restored; learning starts over", err)
		cs.pending = map[string]json.RawMessage{}
	}
	return cs
}

// restore gives a new engine what its tenant learnt before.
func (cs *corrState) restore(tenant string, eng *correlate.Engine) {
	data, ok := cs.pending[tenant]
	if !ok {
		return
	}
	delete(cs.pending, tenant)
	if err := eng.RestoreFirstSeen(data); err != nil {
		cs.logFailed("first_seen state of a tenant not restored; it learns again", err)
	}
}

// save writes the state of the engines, and of tenants not seen since
// the start, when it changed; force skips the wait between saves.
func (cs *corrState) save(ctx context.Context, engines map[string]*correlate.Engine, force bool) {
	if cs.st == nil || !force && time.Since(cs.lastSave) < saveEvery {
		return
	}
	cs.lastSave = time.Now()
	all := map[string]json.RawMessage{}
	for t, data := range cs.pending {
		all[t] = data
	}
	for t, eng := range engines {
		data, err := eng.FirstSeenState()
		if err != nil {
			cs.logFailed("first_seen state not saved", err)
			return
		}
		if data != nil {
			all[t] = data
		}
	}
	if len(all) == 0 && cs.last == nil {
		return
	}
	data, err := json.Marshal(all)
	if err == nil && bytes.Equal(data, cs.last) {
		return
	}
	if err == nil {
		err = cs.st.PutSetting(ctx, firstSeenSetting, string(data))
	}
	if err != nil {
		cs.logFailed("first_seen state not saved", err)
		return
	}
	cs.last = data
}
