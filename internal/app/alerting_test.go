package app

import (
	"strings"
	"testing"
	"time"
)

// TestAlertsThroughTheAPI: grouped alerts with status, assignee and
// comments; campaigns; levels and an operator's override — and a tenant's
// token never reaches another tenant's alerts.
func TestAlertsThroughTheAPI(t *testing.T) {
	s := startServer(t, "", "")
	var a, b []string
	for i := range 12 {
		a = append(a, sshEvent(i, "203.0.113.5"))
		b = append(b, sshEvent(i, "203.0.113.5"))
	}
	for tok, lines := range map[string][]string{ingestA: a, ingestB: b} {
		if code, m := s.do("POST", "/api/v1/events", tok, ndjson(lines...)); code != 200 {
			t.Fatalf("%d %v", code, m)
		}
	}
	var id string
	for i := 0; ; i++ {
		_, m := s.do("GET", "/api/v1/alerts?rule=SSH%20Brute%20Force", readA, nil)
		if total(t, m) == 1 {
			it := m["items"].([]any)[0].(map[string]any)
			id = it["id"].(string)
			if it["tenant"] != "ville-a" || it["status"] != "open" || it["src_ip"] != "203.0.113.5" {
				t.Fatalf("alert %v", it)
			}
			break
		}
		if i > 300 {
			t.Fatalf("no alert: %v", m)
		}
		time.Sleep(10 * time.Millisecond)
	}
	steps := []struct {
		name, method, path, token, body string
		want                            int
		check                           string
	}{
		{"B cannot see A's alert", "GET", "/api/v1/alerts/" + id, readB, "", 404, "unknown alert"},
		{"B cannot act on it", "POST", "/api/v1/alerts/" + id + "/ack", readB, "", 404, "unknown alert"},
		{"A acknowledges", "POST", "/api/v1/alerts/" + id + "/ack", readA, "", 200, `"status":"acknowledged"`},
		{"twice is a conflict", "POST", "/api/v1/alerts/" + id + "/ack", readA, "", 409, "only an open alert"},
		{"assign", "POST", "/api/v1/alerts/" + id + "/assign", readA, `{"assignee":"astreinte"}`, 200, `"assignee":"astreinte"`},
		{"comment", "POST", "/api/v1/alerts/" + id + "/comments", readA, `{"text":"adresse bloquée au pare-feu"}`, 200, `"author":"ville-a/soc"`},
		{"empty comment", "POST", "/api/v1/alerts/" + id + "/comments", readA, `{"text":" "}`, 400, "text"},
		{"unknown field", "POST", "/api/v1/alerts/" + id + "/assign", readA, `{"who":"x"}`, 400, "unknown field"},
		{"resolve", "POST", "/api/v1/alerts/" + id + "/resolve", adminToken, "", 200, `"status":"resolved"`},
		{"filter by status", "GET", "/api/v1/alerts?status=resolved", readA, "", 200, `"total":1`},
		{"bad status", "GET", "/api/v1/alerts?status=done", readA, "", 400, "status"},
		{"A's campaigns hide B", "GET", "/api/v1/campaigns", readA, "", 200, `"tenants":["ville-a","+1"]`},
		{"admin sees both", "GET", "/api/v1/campaigns", adminToken, "", 200, `"tenants":["ville-a","ville-b"]`},
		{"A's levels", "GET", "/api/v1/levels", readA, "", 200, `"tenant":"ville-a"`},
		{"override needs the admin", "POST", "/api/v1/levels/override", readA, `{"tenant":"ville-a","level":"vert","reason":"x"}`, 403, ""},
		{"override needs a reason", "POST", "/api/v1/levels/override", adminToken, `{"tenant":"ville-a","level":"vert"}`, 400, "reason"},
		{"override", "POST", "/api/v1/levels/override", adminToken, `{"tenant":"ville-a","level":"jaune","reason":"attaque bloquée, mots de passe changés"}`, 200, `"kind":"override"`},
		{"A's history: its override", "GET", "/api/v1/levels/history", readA, "", 200, `"kind":"override"`},
		{"bad level", "POST", "/api/v1/levels/override", adminToken, `{"level":"violet","reason":"x"}`, 400, "violet"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			code, m := s.do(st.method, st.path, st.token, []byte(st.body))
			if code != st.want {
				t.Fatalf("%d, want %d: %v", code, st.want, m)
			}
			if st.check != "" && !strings.Contains(jsonText(m), st.check) {
				t.Errorf("%q not in %s", st.check, jsonText(m))
			}
		})
	}
	// A's levels and history never show B.
	for _, path := range []string{"/api/v1/levels", "/api/v1/levels/history"} {
		if strings.Contains(s.raw("GET", path, readA, nil), "ville-b") {
			t.Errorf("A's %s names ville-b", path)
		}
	}
}
