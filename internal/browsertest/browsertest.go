// Package browsertest starts headless Chromium for tests that check a page
// in a real browser (driven with chromedp) and collects what the page
// reports as wrong: console errors and warnings, failed assertions and
// uncaught exceptions.
//
// Tests skip, rather than fail, when no Chromium is installed ("make test"
// installs Debian's chromium through scripts/setup.sh). The browser runs
// WebGL on SwiftShader, so no GPU is needed.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// EnvPath names the environment variable that can point at a Chromium
// binary to use before the usual places.
const EnvPath = "LATENT_CHROMIUM"

// Chromium returns the path of a Chromium to drive ($LATENT_CHROMIUM,
// /usr/bin/chromium, /usr/bin/chromium-browser or chromium on the PATH),
// or "" if there is none.
func Chromium() string {
	for _, p := range []string{os.Getenv(EnvPath), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// Options tune Start. The zero value opens a 1280×800 window with a
// 90-second limit on the whole browser session.
type Options struct {
	// Width and Height are the window size; 0 means 1280×800.
	Width, Height int
	// Timeout bounds the browser session; 0 means 90 seconds.
	Timeout time.Duration
}

// Start launches headless Chromium for the test t and returns a chromedp
// context for it and a function that returns the problems the page has
// reported so far. It skips t when Chromium is not installed. The browser
// is closed when t ends.
func Start(t testing.TB, opt Options) (ctx context.Context, problems func() []string) {
	t.Helper()
	path := Chromium()
	if path == "" {
		t.Skip("chromium is not installed (make test installs Debian's chromium): skipping the browser test")
	}
	w, h := opt.Width, opt.Height
	if w == 0 || h == 0 {
		w, h = 1280, 800
	}
	timeout := opt.Timeout
	if timeout == 0 {
		timeout = 90 * time.Second
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("use-angle", "swiftshader"),
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("ignore-gpu-blocklist", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(w, h),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	var mu sync.Mutex
	var found []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			switch m.Type {
			case "error", "warning", "assert":
			default:
				if !m.IsException() {
					continue
				}
			}
			mu.Lock()
			found = append(found, m.String())
			mu.Unlock()
		}
	}()
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), found...)
	}
}
