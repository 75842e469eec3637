// Package notify turns alert-level changes, campaigns and alerts into
// messages people act on, and delivers them through receivers.
//
// The package holds what every part shares: the Notification a producer
// hands in, the Message a receiver sends (one rendered group), the
// Receiver contract with its error classes, the Secret type that never
// prints, the Clock the dispatcher schedules with, TLS settings, and the
// Renderer with its embedded French and English templates.
//
// Delivery is split by concern: package dispatch routes, groups, silences,
// retries and audits (Alertmanager semantics); packages webhook, email and
// matrix each speak one protocol. No package here imports another tocsin
// package.
package notify
