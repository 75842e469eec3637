package app

import (
	"context"
	"errors"
	"fmt"

	"tocsin/internal/config"
	"tocsin/internal/ingest/filesrc"
	"tocsin/internal/ingest/relpsrc"
	"tocsin/internal/store"
)

// openMoreSources opens RELP and the file tails.
func (a *App) openMoreSources(c *config.Config) error {
	if c.RELP.Addr != "" {
		s, err := relpsrc.New(relpsrc.Config{Addr: c.RELP.Addr, MaxMessageSize: int(c.Syslog.MaxMessage), Logger: a.log})
		if err != nil {
			return fmt.Errorf("RELP: %w", err)
		}
		a.sources = append(a.sources, s)
	}
	for i, f := range c.Files {
		s, err := filesrc.NewTail(filesrc.TailConfig{Name: fmt.Sprintf("files-%d", i), Paths: f.Paths, Tenant: f.Tenant, Offsets: offsets{a.store}, Logger: a.log})
		if err != nil {
			return fmt.Errorf("files[%d]: %w", i, err)
		}
		a.sources = append(a.sources, s)
	}
	return nil
}

// offsets gives the file tails the offsets stored with their events.
type offsets struct{ s store.Store }

func (o offsets) Offset(ctx context.Context, key string) (int64, error) {
	v, err := o.s.Offset(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return 0, filesrc.ErrNoOffset
	}
	return v, err
}
