package mat32

import "fmt"

// Gemm computes c = alpha·op(a)·op(b) + beta·c, where op(x) is x or xᵀ as
// transA and transB say. It panics if the shapes do not agree.
func Gemm(transA, transB bool, alpha float32, a, b *Dense, beta float32, c *Dense) {
	m, k := a.Rows, a.Cols
	if transA {
		m, k = k, m
	}
	kb, n := b.Rows, b.Cols
	if transB {
		kb, n = n, kb
	}
	if k != kb || c.Rows != m || c.Cols != n {
		panic(fmt.Sprintf("mat32: Gemm: op(a) %d×%d, op(b) %d×%d, c %d×%d", m, k, kb, n, c.Rows, c.Cols))
	}
	Sgemm(transA, transB, m, n, k, alpha, a.Data, a.Cols, b.Data, b.Cols, beta, c.Data, c.Cols)
}

// Sgemm is the BLAS-style product on raw row-major storage:
// c = alpha·op(a)·op(b) + beta·c with op(a) m×k, op(b) k×n, c m×n and
// leading dimensions lda, ldb, ldc. It is for callers that work on strided
// blocks (convolution layers); most code uses Mul, MulT, TMul or Gemm.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmChecked("Sgemm", sgemm, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dgemm is Sgemm in float64, for the small, accuracy-critical products of
// factorisations (covariance matrices, Gram matrices of bases).
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemmChecked("Dgemm", dgemm, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func gemmChecked[T float32 | float64](op string, gemm func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int), transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("mat32: %s: negative size %d, %d, %d", op, m, n, k))
	}
	if m == 0 || n == 0 {
		return
	}
	checkLen := func(name string, n int, rows, cols, ld int) {
		if ld < max(cols, 1) || (rows > 0 && n < (rows-1)*ld+cols) {
			panic(fmt.Sprintf("mat32: %s: %s: %d values for %d×%d with leading dimension %d", op, name, n, rows, cols, ld))
		}
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkLen("c", len(c), m, n, ldc)
	if k == 0 {
		scaleBlock(c, m, n, ldc, beta)
		return
	}
	checkLen("a", len(a), ar, ac, lda)
	checkLen("b", len(b), br, bc, ldb)
	if m*n*k <= smallGemm {
		gemmSmall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// smallGemm is the m·n·k below which a plain Go loop beats the cost of a
// cgo call and BLAS's packing.
const smallGemm = 2048

func scaleBlock[T float32 | float64](c []T, m, n, ldc int, beta T) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

func gemmSmall[T float32 | float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s T
			for p := 0; p < k; p++ {
				var av, bv T
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

// Mul writes a·b into dst and returns it.
func Mul(dst, a, b *Dense) *Dense {
	dst = reuse(dst, a.Rows, b.Cols, "Mul")
	Gemm(false, false, 1, a, b, 0, dst)
	return dst
}

// MulT writes a·bᵀ into dst and returns it. With rows as observations this
// is the matrix of inner products between the rows of a and the rows of b.
func MulT(dst, a, b *Dense) *Dense {
	dst = reuse(dst, a.Rows, b.Rows, "MulT")
	Gemm(false, true, 1, a, b, 0, dst)
	return dst
}

// TMul writes aᵀ·b into dst and returns it.
func TMul(dst, a, b *Dense) *Dense {
	dst = reuse(dst, a.Cols, b.Cols, "TMul")
	Gemm(true, false, 1, a, b, 0, dst)
	return dst
}
