package mat32

// gemmBlockCount is the most blocks a product is split into. Block shapes
// depend only on the product's shape, never on the thread count, so every
// element of the result is computed by the same single-threaded BLAS call on
// the same block whatever GOMAXPROCS is: products are bit-identical on one
// thread and on many. (OpenBLAS's own threading splits work by thread count
// and changes the rounding of about 10% of the elements.)
const gemmBlockCount = 16

// gemmMinBlock is the smallest block edge worth a separate BLAS call.
const gemmMinBlock = 32

// sgemm splits a float32 product into blocks of rows (or of columns, when the
// result is wider than tall) and runs them in parallel.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmBlocked(sgemm1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemmBlocked(dgemm1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmBlocked splits a product into blocks of rows (or of columns, when the
// result is wider than tall) and runs them in parallel.
func gemmBlocked[T float32 | float64](gemm1 func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int), transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m >= n {
		bs := blockSize(m)
		if bs >= m {
			gemm1(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
			return
		}
		Parallel(m, bs, func(lo, hi int) {
			aOff := lo * lda
			if transA {
				aOff = lo
			}
			gemm1(transA, transB, hi-lo, n, k, alpha, a[aOff:], lda, b, ldb, beta, c[lo*ldc:], ldc)
		})
		return
	}
	bs := blockSize(n)
	if bs >= n {
		gemm1(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	Parallel(n, bs, func(lo, hi int) {
		bOff := lo
		if transB {
			bOff = lo * ldb
		}
		gemm1(transA, transB, m, hi-lo, k, alpha, a, lda, b[bOff:], ldb, beta, c[lo:], ldc)
	})
}

// blockSize returns the block edge for splitting a dimension of length d:
// at most gemmBlockCount blocks, each at least gemmMinBlock long, rounded
// up to a multiple of 16 to keep BLAS's micro-kernels on full tiles.
func blockSize(d int) int {
	bs := max((d+gemmBlockCount-1)/gemmBlockCount, gemmMinBlock)
	return (bs + 15) &^ 15
}
