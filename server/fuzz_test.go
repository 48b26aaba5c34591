package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/latentlab/latent/store"
)

// FuzzExtOf checks that the extension kept from a client's file name is
// empty or a short dotted suffix of letters and digits: never a path.
func FuzzExtOf(f *testing.F) {
	for _, s := range []string{"a.csv", "../../x.npy.gz", "x", ".hidden", "a.b.c.d", "C:\\dir\\f.TSV", "f.tar.gz/..", "a..b", "é.ñpy"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		ext := extOf(name)
		if ext != "" && !extPattern.MatchString(ext) {
			t.Fatalf("extOf(%q) = %q", name, ext)
		}
		if strings.ContainsAny(ext, "/\\") || strings.Contains(ext, "..") {
			t.Fatalf("extOf(%q) = %q escapes", name, ext)
		}
	})
}

// FuzzUpload posts arbitrary bytes under arbitrary file names and formats:
// the answer is always a success or a client error (never a 500 or a
// crash), and the scratch folder is empty afterwards.
func FuzzUpload(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n3,4\n"), "d.csv", "")
	f.Add([]byte("1\t2\n3\t4\n"), "d.tsv", "")
	f.Add([]byte("\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"), "d.npy", "")
	f.Add([]byte("2 2\nx 1 2\ny 3 4\n"), "w.txt", "word2vec")
	f.Add([]byte("\x00\x00\x08\x03\x00\x00\x00\x01"), "i.idx", "idx")
	f.Add([]byte{}, "../../e.csv", "")
	st, err := store.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	srv, err := New(Config{Store: st, MaxUpload: 1 << 16})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte, filename, format string) {
		q := url.Values{"filename": {filename}, "format": {format}}
		req := httptest.NewRequest("POST", "/api/datasets?"+q.Encode(), bytes.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusCreated:
			id := strings.TrimPrefix(w.Header().Get("Location"), "/api/datasets/")
			if !store.ValidID(store.KindDataset, id) {
				t.Fatalf("201 without a dataset location: %v %s", w.Header(), w.Body)
			}
			st.DeleteDataset(context.Background(), id)
		case 400, 409, 413, 422:
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if ents, _ := os.ReadDir(st.TempDir()); len(ents) != 0 {
			t.Fatalf("%d scratch entries left", len(ents))
		}
	})
}
