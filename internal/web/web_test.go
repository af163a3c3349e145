package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/apperr"
)

func TestMasks(t *testing.T) {
	for in, want := range map[string]string{"张三": "张*", "欧阳娜娜": "欧阳**", "李": "*", "": "", " 王小明 ": "王**"} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"13812341234": "138****1234", "138-1234-1234": "138****1234", "021-63210000": "*******0000", "110": "***", "": ""} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"zhang.san@example.com": "z***@example.com", "张三@例子.中国": "张***@例子.中国",
		" a@b.cn ": "a***@b.cn", "@example.com": "***", "zhangsan@": "***", "zhangsan": "***", "": ""} {
		if got := MaskEmail(in); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSafeReturn(t *testing.T) {
	for in, want := range map[string]string{
		"/o/mzzj/about":        "/o/mzzj/about",
		"/search?q=宗教":         "/search?q=宗教",
		"":                     "/",
		"https://evil.example": "/",
		"//evil.example/x":     "/",
		"/\\evil.example":      "/",
		"javascript:alert(1)":  "/",
		"relative/path":        "/",
	} {
		if got := SafeReturn(in); got != want {
			t.Errorf("SafeReturn(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSafeReturn(f *testing.F) {
	for _, s := range []string{"/", "//x", "/\\x", "https://x", "/a?b=c", "/%2f%2fevil", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeReturn(s)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("SafeReturn(%q) = %q leaves the site", s, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("SafeReturn(%q) = %q is not a local path", s, got)
		}
	})
}

func TestClientIP(t *testing.T) {
	a := &App{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	cases := []struct {
		remote, xff, want string
	}{
		{"203.0.113.9:5555", "", "203.0.113.9"},
		{"203.0.113.9:5555", "1.2.3.4", "203.0.113.9"},   // an untrusted peer cannot claim an address
		{"10.0.0.5:5555", "1.2.3.4", "1.2.3.4"},          // the proxy's word is taken
		{"10.0.0.5:5555", "6.6.6.6, 1.2.3.4", "1.2.3.4"}, // the client cannot prepend a fake hop
		{"10.0.0.5:5555", "1.2.3.4, 10.0.0.7", "1.2.3.4"},
		{"10.0.0.5:5555", "garbage", "10.0.0.5"},
		{"[::ffff:198.51.100.1]:80", "", "198.51.100.1"},
		{"[2001:db8::1]:80", "", "2001:db8::1"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := a.clientIP(r); got != tc.want {
			t.Errorf("%s + %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestStatusMapping(t *testing.T) {
	for code, want := range map[apperr.Code]int{
		apperr.Invalid: 400, apperr.Unauthorized: 401, apperr.Forbidden: 403, apperr.NotFound: 404,
		apperr.Conflict: 409, apperr.TooLarge: 413, apperr.RateLimited: 429, apperr.Internal: 500, apperr.Unavailable: 503,
	} {
		if got := Status(code); got != want {
			t.Errorf("%s → %d, want %d", code, got, want)
		}
		if StatusTitle(want) == "" || StatusMessage(want) == "" {
			t.Errorf("no Chinese title or message for %d", want)
		}
	}
}

func TestRoutesMustDeclareAKnownPermission(t *testing.T) {
	a, err := NewApp(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a route with an undeclared permission was accepted")
		}
	}()
	a.Handle("GET /x", "whatever", func(http.ResponseWriter, *http.Request) {})
}
