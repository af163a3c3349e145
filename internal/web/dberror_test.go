package web

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestErrorDatabaseDown: an error of a database that is down or restarting
// reaches the client as 503 with Retry-After and a Chinese message, never
// as a 500 or with the driver's text, wherever the handler got it from.
func TestErrorDatabaseDown(t *testing.T) {
	a := &App{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for name, err := range map[string]error{
		"refused":  fmt.Errorf("list letters: %w", fmt.Errorf("dial tcp 127.0.0.1:5432: connect: connection refused")),
		"shutdown": fmt.Errorf("insert: %w", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}),
		"reset":    fmt.Errorf("commit: read tcp 127.0.0.1:40000->127.0.0.1:5432: read: connection reset by peer"),
	} {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/letters", nil)
		w := httptest.NewRecorder()
		a.Error(w, r, err)
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s: status %d, Retry-After %q; want 503 with Retry-After", name, w.Code, w.Header().Get("Retry-After"))
		}
		var p struct {
			Detail string `json:"detail"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatalf("%s: body %q: %v", name, w.Body, err)
		}
		if !strings.Contains(p.Detail, "数据库暂时不可用") || strings.Contains(w.Body.String(), "5432") || strings.Contains(w.Body.String(), "administrator") {
			t.Errorf("%s: body %s", name, w.Body)
		}
	}
	// Any other error stays what it was.
	w := httptest.NewRecorder()
	a.Error(w, httptest.NewRequest(http.MethodGet, "/api/v1/letters", nil), fmt.Errorf("a bug"))
	if w.Code != http.StatusInternalServerError || w.Header().Get("Retry-After") != "" {
		t.Errorf("plain error: %d %q", w.Code, w.Header().Get("Retry-After"))
	}
}
