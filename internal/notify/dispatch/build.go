package dispatch

import (
	"log/slog"

	"tocsin/internal/notify"
	"tocsin/internal/notify/email"
	"tocsin/internal/notify/matrix"
	"tocsin/internal/notify/webhook"
)

// buildReceiver makes the receiver a validated ReceiverConfig describes.
func buildReceiver(rc *ReceiverConfig, log *slog.Logger) (notify.Receiver, error) {
	switch {
	case rc.Webhook != nil:
		return webhook.New(rc.Name, *rc.Webhook, log)
	case rc.Email != nil:
		return email.New(rc.Name, *rc.Email, log)
	default:
		return matrix.New(rc.Name, *rc.Matrix, log)
	}
}
