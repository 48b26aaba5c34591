package safetensors_test

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/latentlab/latent/formats/safetensors"
)

func ExampleWrite() {
	var buf bytes.Buffer
	err := safetensors.Write(&buf, []safetensors.Tensor{
		safetensors.FromFloat32("w", []int{2, 2}, []float32{1, 2, 3, 4}),
		safetensors.FromInt64("step", []int{}, []int64{100}),
	}, map[string]string{"format": "pt"})
	if err != nil {
		log.Fatal(err)
	}
	f, err := safetensors.Read(&buf)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range f.Tensors { // in data order: 8-byte elements first
		fmt.Println(t.Name, t.DType, t.Shape, len(t.Data), "bytes")
	}
	w, shape, err := f.Float32("w")
	fmt.Println(w, shape, err, f.Metadata["format"])
	// Output:
	// step I64 [] 8 bytes
	// w F32 [2 2] 16 bytes
	// [1 2 3 4] [2 2] <nil> pt
}

func ExampleWriteModel() {
	dir, err := os.MkdirTemp("", "model")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	type config struct {
		Latent int    `json:"latent"`
		Kind   string `json:"kind"`
	}
	path := filepath.Join(dir, "vae.safetensors")
	weights := []safetensors.Tensor{safetensors.FromFloat32("enc.bias", []int{2}, []float32{0.5, -0.5})}
	if err := safetensors.WriteModel(path, config{Latent: 2, Kind: "vae"}, weights, nil); err != nil {
		log.Fatal(err)
	}

	var cfg config
	f, err := safetensors.ReadModel(path, &cfg)
	if err != nil {
		log.Fatal(err)
	}
	bias, _, _ := f.Float32("enc.bias")
	fmt.Println(filepath.Base(safetensors.ConfigPath(path)), cfg.Kind, cfg.Latent, bias)
	// Output:
	// vae.json vae 2 [0.5 -0.5]
}
