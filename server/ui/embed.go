// Package ui holds the web explorer's files (HTML, CSS and plain JavaScript
// modules, no build step and nothing fetched from the network) and embeds
// them in the binary. Package server serves them; "latent serve --dev-ui
// server/ui" serves the folder from disk instead, for editing.
package ui

import (
	"embed"
	"io/fs"
)

//go:embed static
var files embed.FS

// FS is the explorer's files, index.html at the root.
var FS fs.FS

func init() {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic("ui: " + err.Error())
	}
	FS = sub
}
