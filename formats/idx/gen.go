package idx

// The Fashion-MNIST test fixture at the repository root (testdata/fashion-mnist)
// is made from the Debian package dataset-fashion-mnist by:
//go:generate go run ./internal/mkfixture -src /usr/share/datasets/fashion-mnist -dst ../../testdata/fashion-mnist -n 2000
