package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"tocsin/internal/ingest"
)

// The HTTP contract's edge answers, with a sink that is full or stopping.
// (Full round trips through the real pipeline and store are in
// internal/app.)
type fullSink struct{ err error }

func (s fullSink) Submit(ctx context.Context, b *ingest.Batch) error { return s.err }
func (s fullSink) TrySubmit(b *ingest.Batch) error                   { return s.err }

type dir struct{}

func (dir) Authenticate(tok string) (Principal, bool) {
	switch tok {
	case "ingest-a":
		return Principal{Role: Ingest, Tenant: "a"}, true
	case "admin":
		return Principal{Role: Admin}, true
	}
	return Principal{}, false
}
func (dir) Tenants() []Tenant    { return []Tenant{{ID: "a"}, {ID: "b"}} }
func (dir) Known(id string) bool { return id == "a" || id == "b" }

func post(t *testing.T, s *Server, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/events", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w
}

func TestIngestBusyAndStopping(t *testing.T) {
	for _, c := range []struct {
		err   error
		code  int
		retry string
	}{
		{ingest.ErrFull, http.StatusTooManyRequests, "1"},
		{context.Canceled, http.StatusServiceUnavailable, "5"},
	} {
		s := New(Options{Sink: fullSink{c.err}, Directory: func() Directory { return dir{} }})
		w := post(t, s, "ingest-a", `{"message":"x"}`)
		if w.Code != c.code || w.Header().Get("Retry-After") != c.retry {
			t.Errorf("%v: %d Retry-After %q: %s", c.err, w.Code, w.Header().Get("Retry-After"), w.Body)
		}
	}
}

func TestIngestRefusals(t *testing.T) {
	s := New(Options{Sink: fullSink{ingest.ErrFull}, Directory: func() Directory { return dir{} }, MaxBody: 64})
	cases := []struct {
		name, token, body string
		code              int
		want              string
	}{
		{"too large", "ingest-a", strings.Repeat(`{"message":"x"}`+"\n", 10), 413, "at most 64 bytes"},
		{"unknown tenant by admin", "admin", `{"tenant":"z"}`, 400, `no such tenant \"z\"`},
		{"tenant not a string", "admin", `{"tenant":3}`, 400, "tenant is not a string"},
		{"empty array", "ingest-a", `[]`, 200, `"accepted":0`},
		{"array of non-objects", "ingest-a", `[1]`, 400, "an event is a JSON object"},
		{"broken array", "ingest-a", `[{"a":`, 400, "not a JSON array"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := post(t, s, c.token, c.body)
			if w.Code != c.code || !strings.Contains(w.Body.String(), c.want) {
				t.Errorf("%d %s", w.Code, w.Body)
			}
		})
	}
}

func TestUnknownEndpoint(t *testing.T) {
	s := New(Options{Directory: func() Directory { return dir{} }})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/nothing", nil))
	if w.Code != 404 || !strings.Contains(w.Body.String(), "no such endpoint: GET /api/v1/nothing") {
		t.Errorf("%d %s", w.Code, w.Body)
	}
}
