package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

type asset struct {
	body    []byte
	gz      []byte
	ctype   string
	version string
}

var assets = loadAssets()

// startTime is the Last-Modified of every embedded asset.
var startTime = time.Now().UTC().Truncate(time.Second)

func loadAssets() map[string]*asset {
	out := map[string]*asset{}
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a := &asset{body: b, version: hex.EncodeToString(sum[:6])}
		a.ctype = mime.TypeByExtension(path.Ext(p))
		if a.ctype == "" {
			a.ctype = http.DetectContentType(b)
		}
		switch path.Ext(p) {
		case ".css", ".js", ".svg", ".txt", ".json":
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(b)
			zw.Close()
			a.gz = buf.Bytes()
		}
		out[strings.TrimPrefix(p, "static/")] = a
		return nil
	})
	return out
}

// assetURL returns the URL of an embedded asset with its content hash, so
// that it can be cached for a year and still change with each release.
func assetURL(name string) string {
	if a, ok := assets[name]; ok {
		return "/static/" + name + "?v=" + a.version
	}
	return "/static/" + name
}

func (a *App) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	as, ok := assets[name]
	if !ok {
		a.ErrorPage(w, r, http.StatusNotFound, "")
		return
	}
	h := w.Header()
	etag := `"` + as.version + `"`
	h.Set("ETag", etag)
	h.Set("Content-Type", as.ctype)
	h.Set("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == as.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	if match := r.Header.Get("If-None-Match"); match == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := as.body
	if as.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = as.gz
	}
	http.ServeContent(w, r, "", startTime, bytes.NewReader(body))
}

// ServeDownload sends a private file for download (no caching by the
// browser or proxies), with its name in the Content-Disposition; size < 0
// leaves the length to the transfer.
func ServeDownload(w http.ResponseWriter, name, contentType string, size int64, body io.Reader) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	if size >= 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	}
	io.Copy(w, body)
}

// NoStore keeps a response out of every cache (a receipt with a query
// code, a page with a fresh form token or personal data).
func NoStore(w http.ResponseWriter) { w.Header().Set("Cache-Control", "no-store") }
