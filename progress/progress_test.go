package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestLine(t *testing.T) {
	got := Line(Update{Stage: "optimize", Done: 500, Total: 1000, Message: "KL 1.5"}, 5*time.Second, 0)
	for _, want := range []string{"optimize", "50%", "500/1000", "100/s", "ETA 5s", "KL 1.5"} {
		if !strings.Contains(got, want) {
			t.Errorf("line %q lacks %q", got, want)
		}
	}
	if got := Line(Update{Stage: "x", Done: 1, Total: 2}, time.Second, 10); len([]rune(got)) != 10 {
		t.Errorf("line not cut to width: %q", got)
	}
}

func TestBarHiddenWhenNotTerminal(t *testing.T) {
	var buf bytes.Buffer
	b := NewBar(&buf, true)
	if b.Func() != nil {
		t.Fatal("a bar on a buffer must be hidden")
	}
	var f Func
	f.Report(Update{}) // a nil Func is allowed
	b.Finish()
	if buf.Len() != 0 {
		t.Fatalf("wrote %q", buf.String())
	}
}
