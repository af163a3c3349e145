package app_test

import (
	"context"
	"fmt"
	"mime"
	"strings"
	"testing"
	"time"

	"github.com/gongkai/gongkai/internal/app/apptest"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/notify"
	"github.com/gongkai/gongkai/internal/notify/smtptest"
)

// TestMailIsWired queues a message the way a capability will and checks that
// the application's own job delivers it over a real SMTP conversation.
func TestMailIsWired(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{})
	e := apptest.NewWith(t, db.SQLite, map[string]string{
		"GONGKAI_SMTP_HOST":     "127.0.0.1",
		"GONGKAI_SMTP_PORT":     fmt.Sprint(srv.Port()),
		"GONGKAI_SMTP_SECURITY": "none",
		"GONGKAI_SMTP_FROM":     "政务公开 <gongkai@mzzj.example.gov.cn>",
	})
	ctx := context.Background()
	err := e.App.DB.Tx(ctx, func(tx db.Tx) error {
		_, err := notify.Queue(ctx, tx, notify.Message{To: []string{"张三 <zhang@example.com>"}, Subject: "答复通知", Text: "您的申请已办结。"},
			notify.QueueOptions{AgencyID: e.Agency("mzzj").ID, Purpose: "test"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.App.Jobs.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	to := func(addr string) []smtptest.Message {
		var out []smtptest.Message
		for _, m := range srv.Messages() {
			if len(m.To) == 1 && m.To[0] == addr {
				out = append(out, m)
			}
		}
		return out
	}
	for i := 0; i < 200 && len(to("zhang@example.com")) == 0; i++ {
		time.Sleep(20 * time.Millisecond)
		e.App.Jobs.RunOnce(ctx)
	}
	msgs := to("zhang@example.com")
	if len(msgs) != 1 || msgs[0].From != "gongkai@mzzj.example.gov.cn" {
		t.Fatalf("delivered: %+v", msgs)
	}
	// The demo's applications told their applicants by mail too: each
	// notice with its application number, over the same SMTP conversation.
	var dec mime.WordDecoder
	found := false
	for _, m := range to("applicant@example.com") {
		subject, _ := dec.DecodeHeader(m.Header.Get("Subject"))
		if strings.HasPrefix(subject, "【政府信息公开申请 ") && strings.Contains(subject, "答复书") {
			found = true
		}
	}
	if !found {
		t.Errorf("no reply notice mailed to a demo applicant among %d messages", len(srv.Messages()))
	}
}
