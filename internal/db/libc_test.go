package db_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// TestLibcMatchesSQLite guards against a modernc.org/libc that differs from
// the one modernc.org/sqlite was generated against (a known source of
// memory corruption): the versions must be equal.
func TestLibcMatchesSQLite(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-json", "modernc.org/sqlite", "modernc.org/libc").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	mods := map[string]struct{ Version, GoMod string }{}
	for dec.More() {
		var m struct{ Path, Version, GoMod string }
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		mods[m.Path] = struct{ Version, GoMod string }{m.Version, m.GoMod}
	}
	gomod, err := os.ReadFile(mods["modernc.org/sqlite"].GoMod)
	if err != nil {
		t.Fatalf("read sqlite go.mod: %v", err)
	}
	m := regexp.MustCompile(`modernc\.org/libc (v\S+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("modernc.org/sqlite's go.mod names no libc")
	}
	if want, got := string(m[1]), mods["modernc.org/libc"].Version; want != got {
		t.Fatalf("modernc.org/libc is %s but modernc.org/sqlite %s wants %s; run: go get modernc.org/libc@%s",
			got, mods["modernc.org/sqlite"].Version, want, want)
	}
}
