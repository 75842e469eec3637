package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"tocsin/internal/alert"
	"tocsin/internal/store"
)

// Alerting is the alert engine as the API uses it. tenant is the token's
// tenant, "" for the admin; an alert of another tenant does not exist for
// a tenant's token.
type Alerting interface {
	Levels(tenant string) any
	Alerts(tenants []string, q store.Query, status string) (int, []alert.Alert)
	Alert(tenant, id string) (alert.Alert, error)
	Act(tenant, id, action, who, arg string) (alert.Alert, error)
	Campaigns(tenant string) []alert.Campaign
	History(tenant string) []alert.Change
	Override(r *http.Request, tenant, level, reason, who string) error
}

func (s *Server) alerting(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/alerts", s.auth(s.getAlerts, Admin, Read))
	mux.Handle("GET /api/v1/alerts/{id}", s.auth(s.getAlert, Admin, Read))
	for _, action := range []string{"ack", "resolve", "assign", "comments"} {
		mux.Handle("POST /api/v1/alerts/{id}/"+action, s.auth(s.actOn(action), Admin, Read))
	}
	mux.Handle("GET /api/v1/campaigns", s.auth(s.getCampaigns, Admin, Read))
	mux.Handle("GET /api/v1/levels", s.auth(s.getLevels, Admin, Read))
	mux.Handle("POST /api/v1/levels/override", s.auth(s.postOverride, Admin))
	mux.Handle("GET /api/v1/levels/history", s.auth(s.getHistory, Admin, Read))
}

func (s *Server) getLevels(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, s.o.Alerting.Levels(principalOf(r).Tenant))
}

// getAlerts lists alerts (detections grouped per tenant, rule and entity),
// with the filters of /events plus status, newest activity first.
func (s *Server) getAlerts(w http.ResponseWriter, r *http.Request) {
	q, ok := s.query(w, r)
	if !ok {
		return
	}
	status := r.URL.Query().Get("status")
	switch alert.Status(status) {
	case "", alert.StatusOpen, alert.StatusAcknowledged, alert.StatusResolved:
	default:
		writeError(w, http.StatusBadRequest, "parameter status: open, acknowledged or resolved")
		return
	}
	total, items := s.o.Alerting.Alerts(q.Tenants, q, status)
	writeJSON(w, 200, map[string]any{"total": total, "items": items})
}

func (s *Server) getAlert(w http.ResponseWriter, r *http.Request) {
	a, err := s.o.Alerting.Alert(principalOf(r).Tenant, r.PathValue("id"))
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	writeJSON(w, 200, a)
}

// actOn: POST …/ack and …/resolve take no body; …/assign takes
// {"assignee":"…"} and …/comments {"text":"…"}. The token's name is the
// operator recorded.
func (s *Server) actOn(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principalOf(r)
		var body struct {
			Assignee string `json:"assignee"`
			Text     string `json:"text"`
		}
		if action == "assign" || action == "comments" {
			if err := decodeBody(r, &body); err != nil {
				writeError(w, http.StatusBadRequest, err.Error())
				return
			}
		}
		arg := body.Assignee
		if action == "comments" {
			action, arg = "comment", body.Text
		}
		a, err := s.o.Alerting.Act(p.Tenant, r.PathValue("id"), action, who(p), arg)
		if err != nil {
			s.alertError(w, r, err)
			return
		}
		writeJSON(w, 200, a)
	}
}

func (s *Server) getCampaigns(w http.ResponseWriter, r *http.Request) {
	items := s.o.Alerting.Campaigns(principalOf(r).Tenant)
	writeJSON(w, 200, map[string]any{"total": len(items), "items": items})
}

// getHistory lists every level change with its reasons, oldest first.
func (s *Server) getHistory(w http.ResponseWriter, r *http.Request) {
	items := s.o.Alerting.History(principalOf(r).Tenant)
	writeJSON(w, 200, map[string]any{"total": len(items), "items": items})
}

// postOverride sets a level by hand: {"tenant":"ville-a" (omit for the
// platform), "level":"orange", "reason":"…"}. The reason is required.
func (s *Server) postOverride(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Tenant string `json:"tenant"`
		Level  string `json:"level"`
		Reason string `json:"reason"`
	}
	if err := decodeBody(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.o.Alerting.Override(r, body.Tenant, body.Level, body.Reason, who(principalOf(r))); err != nil {
		s.alertError(w, r, err)
		return
	}
	writeJSON(w, 200, s.o.Alerting.Levels(""))
}

func who(p Principal) string {
	if p.Tenant != "" {
		return p.Tenant + "/" + p.Name
	}
	return p.Name
}

// decodeBody reads a small strict JSON body.
func decodeBody(r *http.Request, dst any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return errors.New("body: " + strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// alertError maps the engine's errors to statuses; their messages are
// about the request (ids, fields), never internal.
func (s *Server) alertError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, alert.ErrUnknownAlert), errors.Is(err, alert.ErrUnknownCampaign), errors.Is(err, alert.ErrUnknownTenant):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, alert.ErrTransition):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, alert.ErrInvalid), errors.Is(err, alert.ErrNoReason):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		s.internal(w, r, err)
	}
}
