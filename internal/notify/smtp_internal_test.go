package notify

import (
	"errors"
	"net/smtp"
	"strings"
	"testing"
)

// The AUTH mechanisms themselves refuse to run in the clear to a host that
// is not loopback, whatever Send checked before.
func TestCredentialsRefuseCleartextToRemoteHost(t *testing.T) {
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		a := &credentials{mech: mech, host: "mail.example.gov.cn", user: "u", pass: "p"}
		if _, _, err := a.Start(&smtp.ServerInfo{Name: "mail.example.gov.cn", TLS: false, Auth: []string{mech}}); !errors.Is(err, ErrInsecureAuth) {
			t.Errorf("%s in the clear to a remote host: %v", mech, err)
		}
		if got, resp, err := a.Start(&smtp.ServerInfo{Name: "mail.example.gov.cn", TLS: true, Auth: []string{mech}}); err != nil || got != mech ||
			(mech == "PLAIN" && string(resp) != "\x00u\x00p") {
			t.Errorf("%s over TLS: %q %q %v", mech, got, resp, err)
		}
		for _, host := range []string{"127.0.0.1", "::1", "localhost", "127.0.0.2"} {
			a := &credentials{mech: mech, host: host, user: "u", pass: "p"}
			if _, _, err := a.Start(&smtp.ServerInfo{Name: host, TLS: false}); err != nil {
				t.Errorf("%s in the clear to loopback %s: %v", mech, host, err)
			}
		}
	}
	for _, host := range []string{"10.0.0.1", "mail.example.gov.cn", "localhost.example.com", ""} {
		if isLoopback(host) {
			t.Errorf("isLoopback(%q)", host)
		}
	}
}

func TestLoginAnswersPrompts(t *testing.T) {
	a := &credentials{mech: "LOGIN", host: "h", user: "user", pass: "pass"}
	if r, err := a.Next([]byte("Username:"), true); err != nil || string(r) != "user" {
		t.Errorf("username: %q %v", r, err)
	}
	if r, err := a.Next([]byte("Password:"), true); err != nil || string(r) != "pass" {
		t.Errorf("password: %q %v", r, err)
	}
	if _, err := a.Next([]byte("what?"), true); err == nil {
		t.Error("answered a third prompt")
	}
}

func TestFoldKeepsLinesShortAndContent(t *testing.T) {
	line := "To: " + "=?utf-8?b?5YWz5LqO5Y2w5Y+R44CKMjAyMuW5tOS4iua1t+W4guawkeaXj+Wul+aVmQ==?= <a@example.cn>,  b@example.cn, " +
		"\"a quoted  name\" <c@example.cn>"
	got := fold(line)
	if unfolded := strings.ReplaceAll(got, "\r\n", ""); unfolded != line {
		t.Errorf("unfolding changes the line:\n%q\n%q", unfolded, line)
	}
	for _, l := range strings.Split(got, "\r\n") {
		if len(l) > 78 || (len(l) > 0 && l[0] == ' ' && strings.TrimSpace(l) == "") {
			t.Errorf("bad folded line %q", l)
		}
	}
}
