// Package progress carries progress reports from long-running library work
// (fits, training, imports) to whoever shows them: a terminal bar in the
// CLI, server-sent events in the server. Library code takes a Func and calls
// it; a nil Func is allowed and costs nothing.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Update is one report from long-running work.
type Update struct {
	// Stage names the current phase, e.g. "knn", "optimize", "epoch 3".
	Stage string
	// Done and Total count work units of the stage; Total 0 means unknown.
	Done, Total int64
	// Message carries a short status such as "KL 1.52".
	Message string
}

// Func receives updates. It may be called from any goroutine, but never
// concurrently by one piece of work. It must return quickly.
type Func func(Update)

// Report calls f with u if f is not nil.
func (f Func) Report(u Update) {
	if f != nil {
		f(u)
	}
}

// Bar draws updates as a one-line progress bar. Create it with NewBar.
type Bar struct {
	mu      sync.Mutex
	w       io.Writer
	enabled bool
	last    time.Time
	start   time.Time
	stage   string
	width   int
	drawn   bool
}

// NewBar returns a bar that draws on w, but only when w is a terminal and
// show is true; otherwise its Func does nothing.
func NewBar(w io.Writer, show bool) *Bar {
	b := &Bar{w: w, width: 80}
	if f, ok := w.(*os.File); ok && show && term.IsTerminal(int(f.Fd())) {
		b.enabled = true
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 20 {
			b.width = cols
		}
	}
	return b
}

// Func returns the function to pass to library code.
func (b *Bar) Func() Func {
	if !b.enabled {
		return nil
	}
	return b.update
}

func (b *Bar) update(u Update) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if u.Stage != b.stage {
		if b.drawn {
			fmt.Fprintln(b.w)
		}
		b.stage, b.start, b.drawn = u.Stage, now, false
	}
	final := u.Total > 0 && u.Done >= u.Total
	if !final && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last = now
	fmt.Fprint(b.w, "\r"+Line(u, now.Sub(b.start), b.width-1)+"\x1b[K")
	b.drawn = true
}

// Finish ends the bar's line.
func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
}

// Line formats u as one bar line at most width runes wide, given the time
// spent in the stage so far.
func Line(u Update, elapsed time.Duration, width int) string {
	var sb strings.Builder
	sb.WriteString(u.Stage)
	if u.Total > 0 {
		frac := min(max(float64(u.Done)/float64(u.Total), 0), 1)
		const barLen = 24
		n := int(frac * barLen)
		fmt.Fprintf(&sb, " [%s%s] %3.0f%% %d/%d", strings.Repeat("=", n), strings.Repeat(" ", barLen-n), 100*frac, u.Done, u.Total)
		if u.Done > 0 && elapsed > 0 {
			rate := float64(u.Done) / elapsed.Seconds()
			eta := time.Duration(float64(u.Total-u.Done) / rate * float64(time.Second))
			fmt.Fprintf(&sb, " %.3g/s ETA %s", rate, eta.Round(time.Second))
		}
	} else if u.Done > 0 {
		fmt.Fprintf(&sb, " %d", u.Done)
	}
	if u.Message != "" {
		sb.WriteString("  " + u.Message)
	}
	s := []rune(sb.String())
	if width > 0 && len(s) > width {
		s = s[:width]
	}
	return string(s)
}
