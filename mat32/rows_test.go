package mat32

import (
	"io"
	"testing"
)

// TestMatrixRows reads a matrix in batches that do not divide it, then
// gets io.EOF; a dst of other width panics.
func TestMatrixRows(t *testing.T) {
	m := New(5, 2)
	for i := range m.Data {
		m.Data[i] = float32(i)
	}
	r := MatrixRows(m)
	if r.Rows() != 5 || r.Cols() != 2 {
		t.Fatalf("%d×%d", r.Rows(), r.Cols())
	}
	dst := New(2, 2)
	var got []float32
	for _, want := range []int{2, 2, 1} {
		n, err := r.Next(dst)
		if n != want || err != nil {
			t.Fatalf("Next: %d, %v; want %d rows", n, err, want)
		}
		got = append(got, dst.Data[:2*n]...)
	}
	if n, err := r.Next(dst); n != 0 || err != io.EOF {
		t.Fatalf("after the end: %d, %v", n, err)
	}
	for i, v := range got {
		if v != float32(i) {
			t.Fatalf("value %d is %v", i, v)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a 3-column dst did not panic")
		}
	}()
	MatrixRows(m).Next(New(1, 3))
}
