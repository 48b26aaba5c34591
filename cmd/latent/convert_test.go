package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInfoFixture(t *testing.T) {
	code, out, errOut := runCLI(t, "info", fixture)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	for _, want := range []string{"2000×784", "uint8", "28x28x1", "10 classes"} {
		if !strings.Contains(out, want) {
			t.Errorf("info output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI(t, "info", "--json", fixture)
	var infos []fileInfo
	if code != 0 || json.Unmarshal([]byte(out), &infos) != nil || len(infos) != 1 || infos[0].Rows != 2000 || len(infos[0].Classes) != 10 {
		t.Fatalf("info --json: code %d, %q", code, out)
	}
}

func TestConvertRoundTripWithLabels(t *testing.T) {
	dir := t.TempDir()
	npy := filepath.Join(dir, "x.npy")
	labels := filepath.Join(dir, "x.labels")
	code, _, errOut := runCLI(t, "convert", fixture, npy)
	if code != 0 || !strings.Contains(errOut, "keeps no labels") {
		t.Fatalf("convert to npy: code %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "convert", fixture, npy, "--labels-out", labels); code != 0 {
		t.Fatalf("convert --labels-out: code %d: %s", code, errOut)
	}
	code, out, errOut := runCLI(t, "info", "--json", npy, "--labels", labels)
	var infos []fileInfo
	if code != 0 || json.Unmarshal([]byte(out), &infos) != nil {
		t.Fatalf("info: code %d %s", code, errOut)
	}
	if infos[0].Rows != 2000 || infos[0].Cols != 784 || len(infos[0].Classes) != 10 {
		t.Fatalf("round trip lost data: %+v", infos[0])
	}
	if code, _, _ := runCLI(t, "info", filepath.Join(dir, "missing.npy")); code != 1 {
		t.Fatalf("missing file: code %d, want 1", code)
	}
	empty := filepath.Join(dir, "empty.npy")
	os.WriteFile(empty, nil, 0o644)
	if code, _, errOut := runCLI(t, "info", empty); code != 1 || !strings.Contains(errOut, "empty.npy") {
		t.Fatalf("empty file: code %d, stderr %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "convert", fixture); code != 2 {
		t.Fatalf("one argument: code %d, want 2", code)
	}
}
