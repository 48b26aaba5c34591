package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs the command line and returns the exit status and outputs.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersionAndExitCodes(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.Contains(out, "latent") || !strings.Contains(out, "BLAS") {
		t.Fatalf("version: code %d, out %q", code, out)
	}
	if code, _, errOut := runCLI(t, "no-such-command"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: code %d, stderr %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "version", "--no-such-flag"); code != 2 {
		t.Fatalf("unknown flag: code %d, want 2", code)
	}
	if code, _, _ := runCLI(t, "version", "extra"); code != 2 {
		t.Fatalf("extra argument: code %d, want 2", code)
	}
}
