//go:build !amd64 || purego

package hnsw

func prefetch(p *float32) {}
