package disclosure

// SetPublicEntryBatch lowers EachPublicEntry's batch size for a test and
// returns the function that restores it.
func SetPublicEntryBatch(n int) (restore func()) {
	old := publicEntryBatch
	publicEntryBatch = n
	return func() { publicEntryBatch = old }
}
