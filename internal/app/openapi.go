package app

import _ "embed"

// openAPIDocument describes /api/v1. It is written by hand, and a test keeps
// it in step with the routes the application registers.
//
//go:embed openapi.json
var openAPIDocument []byte
