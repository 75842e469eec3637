package app

import (
	"context"
	"errors"
)

func openPostgres(ctx context.Context, a *App, dsn string) error {
	return errors.New("the PostgreSQL store is not built into this version")
}
