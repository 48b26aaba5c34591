package tsv

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/latentlab/latent/mat32"
)

func TestReadVectors(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, tc := range []struct {
		name    string
		in      string
		maxRows int
		rows    int
		want    []float32
	}{
		{"plain", "1\t2\t3\n4\t5\t6\n", 0, 2, []float32{1, 2, 3, 4, 5, 6}},
		{"no final newline", "1\t2\n3\t4", 0, 2, []float32{1, 2, 3, 4}},
		{"crlf and bom", "\xef\xbb\xbf1\t2\r\n3\t4\r\n", 0, 2, []float32{1, 2, 3, 4}},
		{"blank lines skipped", "\n1\t2\n\n  \n3\t4\n\n", 0, 2, []float32{1, 2, 3, 4}},
		{"spaces and a trailing tab", " 1 \t 2\t\n3\t4 \n", 0, 2, []float32{1, 2, 3, 4}},
		{"exponents and signs", "-1.5e-3\t+2E2\n.5\t-0\n", 0, 2, []float32{-1.5e-3, 200, 0.5, float32(math.Copysign(0, -1))}},
		{"beyond float32 is Inf", "1e50\t-1e50\n", 0, 1, []float32{inf, -inf}},
		{"one column", "1\n2\n3\n", 0, 3, []float32{1, 2, 3}},
		{"max rows", "1\t2\n3\t4\n5\t6\n", 2, 2, []float32{1, 2, 3, 4}},
		{"max rows ignores bad rows after", "1\t2\n3\t4\nx\n", 2, 2, []float32{1, 2, 3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadVectors(strings.NewReader(tc.in), tc.maxRows)
			if err != nil {
				t.Fatal(err)
			}
			if m.Rows != tc.rows || len(m.Data) != len(tc.want) {
				t.Fatalf("got %d×%d, want %d rows of %d values", m.Rows, m.Cols, tc.rows, len(tc.want)/tc.rows)
			}
			for i, v := range tc.want {
				if math.Float32bits(m.Data[i]) != math.Float32bits(v) {
					t.Fatalf("value %d: got %v, want %v", i, m.Data[i], v)
				}
			}
		})
	}
}

func TestReadVectorsNaNInf(t *testing.T) {
	m, err := ReadVectors(strings.NewReader("NaN\tInf\n-inf\tnan\n+Infinity\t1\n"), 0)
	if err != nil {
		t.Fatal(err)
	}
	c, row := mat32.CountNonFinite(m)
	if c != 5 || row != 0 {
		t.Fatalf("CountNonFinite = %d (first row %d), want 5 (row 0)", c, row)
	}
}

func TestReadVectorsErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        string
		line, col int
		want      string
	}{
		{"short row", "1\t2\t3\n4\t5\n", 2, 2, "wrong number of fields: 2, want 3"},
		{"long row", "1\t2\n3\t4\t5\t6\n", 2, 3, "wrong number of fields: 4, want 2"},
		{"ragged after blank lines", "1\t2\n\n\n3\n", 4, 1, "wrong number of fields: 1, want 2"},
		{"not a number", "1\t2\n3\tcat\n", 2, 2, `"cat" is not a number`},
		{"empty field", "1\t\t2\n", 1, 2, "empty value"},
		{"comma decimal", "1,5\t2\n", 1, 1, `"1,5" is not a number`},
		{"header row", "x\ty\n1\t2\n", 1, 1, `"x" is not a number`},
		{"invalid utf-8", "1\t\xff\xfe\n", 1, 2, "is not a number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadVectors(strings.NewReader(tc.in), 0)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *ParseError", err)
			}
			if pe.Line != tc.line || pe.Column != tc.col || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %q (line %d, column %d), want line %d, column %d, %q", err, pe.Line, pe.Column, tc.line, tc.col, tc.want)
			}
		})
	}
	for _, in := range []string{"", "\n\n  \n"} {
		if _, err := ReadVectors(strings.NewReader(in), 0); !errors.Is(err, ErrNoVectors) {
			t.Errorf("ReadVectors(%q) = %v, want ErrNoVectors", in, err)
		}
	}
}

func TestReadVectorsLongLine(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a 64 MiB line")
	}
	in := io.MultiReader(strings.NewReader("1\t2\n"), strings.NewReader(strings.Repeat("1", MaxLineBytes+1)))
	_, err := ReadVectors(in, 0)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("got %v, want a line-too-long error on line 2", err)
	}
}

func TestVectorsRoundTripExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := mat32.New(50, 7)
	for i := range m.Data {
		switch i % 5 {
		case 0:
			m.Data[i] = math.Float32frombits(rng.Uint32()) // any bits: subnormals, NaN, Inf
		case 1:
			m.Data[i] = float32(rng.NormFloat64())
		case 2:
			m.Data[i] = float32(rng.IntN(1000))
		case 3:
			m.Data[i] = math.SmallestNonzeroFloat32
		default:
			m.Data[i] = -math.MaxFloat32
		}
	}
	var buf bytes.Buffer
	if err := WriteVectors(&buf, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadVectors(&buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows != m.Rows || got.Cols != m.Cols {
		t.Fatalf("shape %d×%d, want %d×%d", got.Rows, got.Cols, m.Rows, m.Cols)
	}
	for i, v := range m.Data {
		w, g := v, got.Data[i]
		if w != w { // NaN payloads are not kept; NaN stays NaN
			if g == g {
				t.Fatalf("value %d: got %v, want NaN", i, g)
			}
			continue
		}
		if math.Float32bits(g) != math.Float32bits(w) {
			t.Fatalf("value %d: got %v (%#x), want %v (%#x)", i, g, math.Float32bits(g), w, math.Float32bits(w))
		}
	}
}

func TestReserveIsBoundedByInput(t *testing.T) {
	// A huge size hint with a short first line must not exceed what the
	// input could hold: two bytes per value.
	if got := reserve(3, 5, 1000, 0); got > 1000/2+3 {
		t.Fatalf("reserve = %d values for a 1000-byte input", got)
	}
	if got := reserve(3, 5, -1, 0); got != 3 {
		t.Fatalf("reserve with unknown size = %d, want one row", got)
	}
	if got := reserve(4, 10, 1<<30, 7); got != 7*4 {
		t.Fatalf("reserve with maxRows = %d, want 28", got)
	}
}
