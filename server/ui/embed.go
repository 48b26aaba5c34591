// Package ui holds the web explorer's files (HTML, CSS and plain JavaScript
// modules in static/: no build step, no framework, nothing fetched from the
// network) and embeds them in the binary. Package server serves them;
// "latent serve --dev-ui server/ui/static" serves the folder from disk
// instead, so that an edit shows on reload.
//
// static/scatter.js is the WebGL renderer (points in GPU buffers, a palette
// texture, picking through an offscreen id framebuffer, a CPU lasso);
// static/app.js is the page (state, API calls, panels). Both are tested in
// headless Chromium by package server's browser test.
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
