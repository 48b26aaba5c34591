package store

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzValidateName checks that every accepted name is valid UTF-8 without
// control characters or surrounding space, and that IDs are recognised only
// in their one shape.
func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"pets", "", " a", "a\x00", "../etc/passwd", "ds_0123456789abcdef", "日本語", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidateName(name) == nil {
			if !utf8.ValidString(name) || strings.TrimSpace(name) != name || len(name) > MaxNameLen || name == "" {
				t.Fatalf("accepted %q", name)
			}
			for _, r := range name {
				if unicode.IsControl(r) {
					t.Fatalf("accepted %q with a control character", name)
				}
			}
		}
		for _, k := range []string{KindDataset, KindProjection, KindModel} {
			if ValidID(k, name) && (len(name) != len(k)+17 || strings.ContainsAny(name, "/\\.")) {
				t.Fatalf("ValidID(%q, %q)", k, name)
			}
		}
	})
}
