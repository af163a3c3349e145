package app_test

import (
	"os"
	"testing"

	"github.com/gongkai/gongkai/internal/app/apptest"
)

// TestMain removes the demo templates the tests copy (apptest).
func TestMain(m *testing.M) {
	code := m.Run()
	apptest.Cleanup()
	os.Exit(code)
}
