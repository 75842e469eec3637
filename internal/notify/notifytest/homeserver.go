package notifytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Homeserver is a minimal Matrix homeserver: the one client-server
// endpoint a notifier uses (PUT …/rooms/{roomId}/send/m.room.message/{txnId}),
// with bearer-token authentication, transaction-ID idempotency and rate
// limiting (429 M_LIMIT_EXCEEDED with retry_after_ms). It is a real HTTPS
// server on loopback; it stands in for Synapse, which this machine does
// not run.
type Homeserver struct {
	*httptest.Server
	Token  string
	RoomID string

	mu           sync.Mutex
	events       []MatrixEvent
	txns         map[string]string // txnId → event ID
	requests     []MatrixRequest
	rateLimit    int
	retryAfterMS int64
	echoToken    bool
}

// MatrixEvent is a stored m.room.message.
type MatrixEvent struct {
	EventID string
	TxnID   string
	Content map[string]any
	Raw     string
}

// MatrixRequest is one request as received.
type MatrixRequest struct {
	TxnID, Authorization string
	Status               int
}

// NewHomeserver starts a homeserver over TLS (the client must trust
// Server.Certificate()) knowing one access token and one room.
func NewHomeserver(t testing.TB, token, roomID string) *Homeserver {
	h := &Homeserver{Token: token, RoomID: roomID, txns: map[string]string{}}
	h.Server = httptest.NewTLSServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	return h
}

// RateLimit makes the next n requests fail with 429 M_LIMIT_EXCEEDED
// and retry_after_ms.
func (h *Homeserver) RateLimit(n int, retryAfterMS int64) {
	h.mu.Lock()
	h.rateLimit, h.retryAfterMS = n, retryAfterMS
	h.mu.Unlock()
}

// EchoTokenInErrors makes authentication errors quote the token they
// got, as a careless server might, to test that clients never repeat it.
func (h *Homeserver) EchoTokenInErrors() {
	h.mu.Lock()
	h.echoToken = true
	h.mu.Unlock()
}

// Events returns the stored events.
func (h *Homeserver) Events() []MatrixEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]MatrixEvent(nil), h.events...)
}

// Requests returns every request received.
func (h *Homeserver) Requests() []MatrixRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]MatrixRequest(nil), h.requests...)
}

func (h *Homeserver) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	req := MatrixRequest{Authorization: r.Header.Get("Authorization")}
	status, body := h.handle(r, &req)
	req.Status = status
	h.requests = append(h.requests, req)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func matrixError(code, msg string) map[string]any {
	return map[string]any{"errcode": code, "error": msg}
}

func (h *Homeserver) handle(r *http.Request, req *MatrixRequest) (int, map[string]any) {
	const prefix = "/_matrix/client/v3/rooms/"
	path := r.URL.EscapedPath()
	if !strings.HasPrefix(path, prefix) {
		return http.StatusNotFound, matrixError("M_UNRECOGNIZED", "Unrecognized request")
	}
	parts := strings.Split(strings.TrimPrefix(path, prefix), "/")
	if len(parts) != 4 || parts[1] != "send" || parts[2] != "m.room.message" {
		return http.StatusNotFound, matrixError("M_UNRECOGNIZED", "Unrecognized request")
	}
	if r.Method != http.MethodPut {
		return http.StatusMethodNotAllowed, matrixError("M_UNRECOGNIZED", "Method not allowed")
	}
	if r.URL.Query().Has("access_token") {
		return http.StatusBadRequest, matrixError("M_UNKNOWN", "tokens go in the Authorization header here")
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || got != h.Token {
		msg := "Unrecognised access token."
		if h.echoToken {
			msg = fmt.Sprintf("Unrecognised access token %q (header %q).", got, r.Header.Get("Authorization"))
		}
		return http.StatusUnauthorized, matrixError("M_UNKNOWN_TOKEN", msg)
	}
	room, err1 := url.PathUnescape(parts[0])
	txn, err2 := url.PathUnescape(parts[3])
	if err1 != nil || err2 != nil || txn == "" {
		return http.StatusBadRequest, matrixError("M_INVALID_PARAM", "bad path")
	}
	req.TxnID = txn
	if h.rateLimit > 0 {
		h.rateLimit--
		e := matrixError("M_LIMIT_EXCEEDED", "Too many requests")
		e["retry_after_ms"] = h.retryAfterMS
		return http.StatusTooManyRequests, e
	}
	if room != h.RoomID {
		return http.StatusForbidden, matrixError("M_FORBIDDEN", "You are not in this room.")
	}
	if id, ok := h.txns[txn]; ok {
		return http.StatusOK, map[string]any{"event_id": id} // the same transaction: no second event
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var content map[string]any
	if err != nil || json.Unmarshal(raw, &content) != nil {
		return http.StatusBadRequest, matrixError("M_NOT_JSON", "Content not JSON.")
	}
	if _, ok := content["msgtype"].(string); !ok {
		return http.StatusBadRequest, matrixError("M_BAD_JSON", "msgtype missing")
	}
	id := fmt.Sprintf("$event%d:test", len(h.events)+1)
	h.txns[txn] = id
	h.events = append(h.events, MatrixEvent{EventID: id, TxnID: txn, Content: content, Raw: string(raw)})
	return http.StatusOK, map[string]any{"event_id": id}
}
