package disclosure

// SetSitemapLimits lowers the sitemap limits for a test and returns the
// function that restores them.
func SetSitemapLimits(maxURLs, chunk int) (restore func()) {
	m, c := sitemapMaxURLs, sitemapChunk
	sitemapMaxURLs, sitemapChunk = maxURLs, chunk
	return func() { sitemapMaxURLs, sitemapChunk = m, c }
}
