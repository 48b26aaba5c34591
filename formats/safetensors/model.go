package safetensors

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ModelFormat is the value of the "format" field of a model config file.
const ModelFormat = "latent.model"

// ModelVersion is the version of the model config envelope this package
// writes and reads.
const ModelVersion = 1

// modelEnvelope is the JSON file written next to the weights.
type modelEnvelope struct {
	Format        string          `json:"format"`
	Version       int             `json:"version"`
	WeightsSHA256 string          `json:"weights_sha256"`
	Config        json.RawMessage `json:"config"`
}

// ConfigPath returns the path of the JSON config that goes with the weights
// file at weights: "dir/model.safetensors" → "dir/model.json". A name
// without the ".safetensors" extension gets ".json" appended.
func ConfigPath(weights string) string {
	return strings.TrimSuffix(weights, ".safetensors") + ".json"
}

// WriteModel writes tensors and metadata to the weights file at path and
// config (any value encoding/json can marshal) to ConfigPath(path), as a
// pair. Both files are written in full to temporary files in their
// directory and synced before either is renamed into place; then the
// weights are renamed, then the config. A crash before the first rename
// leaves the old pair (and perhaps hidden ".*.tmp-*" files); a crash
// between the two renames leaves new weights beside the old config, which
// ReadModel rejects because the config records the SHA-256 of the weights
// it was written with.
func WriteModel(path string, config any, tensors []Tensor, metadata map[string]string) error {
	cfgPath := ConfigPath(path)
	cfg, err := json.Marshal(config)
	if err != nil {
		return fmt.Errorf("%s: config: %w", cfgPath, err)
	}
	h := sha256.New()
	wTmp, err := writeTemp(path, func(w io.Writer) error {
		return Write(io.MultiWriter(w, h), tensors, metadata)
	})
	if err != nil {
		return err
	}
	defer os.Remove(wTmp) // fails harmlessly once renamed
	env := modelEnvelope{Format: ModelFormat, Version: ModelVersion,
		WeightsSHA256: hex.EncodeToString(h.Sum(nil)), Config: cfg}
	js, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", cfgPath, err)
	}
	js = append(js, '\n')
	cTmp, err := writeTemp(cfgPath, func(w io.Writer) error {
		_, err := w.Write(js)
		return err
	})
	if err != nil {
		return err
	}
	defer os.Remove(cTmp)
	if err := os.Rename(wTmp, path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Rename(cTmp, cfgPath); err != nil {
		return fmt.Errorf("%s: %w (the weights were replaced; the pair no longer matches)", cfgPath, err)
	}
	syncDir(filepath.Dir(path))
	if d := filepath.Dir(cfgPath); d != filepath.Dir(path) {
		syncDir(d)
	}
	return nil
}

// ReadModel reads the weights file at path and its config at
// ConfigPath(path), decoding the config strictly (unknown fields are an
// error) into config, which must be a pointer, or skipping it when config
// is nil. It returns an error naming the file if either is invalid or if
// the config was not written with these weights.
func ReadModel(path string, config any) (*File, error) {
	cfgPath := ConfigPath(path)
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, err
	}
	var env modelEnvelope
	if err := decodeStrict(raw, &env); err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	switch {
	case env.Format != ModelFormat:
		return nil, fmt.Errorf("%s: format is %q, want %q", cfgPath, env.Format, ModelFormat)
	case env.Version != ModelVersion:
		return nil, fmt.Errorf("%s: version %d is not supported (this build reads version %d)", cfgPath, env.Version, ModelVersion)
	case len(env.WeightsSHA256) != 2*sha256.Size:
		return nil, fmt.Errorf("%s: weights_sha256 must be %d hex digits", cfgPath, 2*sha256.Size)
	case env.Config == nil || bytes.Equal(env.Config, []byte("null")):
		if config != nil {
			return nil, fmt.Errorf("%s: missing config", cfgPath)
		}
	}
	if config != nil {
		if err := decodeStrict(env.Config, config); err != nil {
			return nil, fmt.Errorf("%s: config: %w", cfgPath, err)
		}
	}
	h := sha256.New()
	f, err := readFile(path, h)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, env.WeightsSHA256) {
		return nil, fmt.Errorf("%s: SHA-256 %.12s… does not match the %.12s… that %s records: the two files are not a pair (an interrupted save or a copied file)",
			path, got, env.WeightsSHA256, filepath.Base(cfgPath))
	}
	return f, nil
}

// decodeStrict decodes one JSON value from data into v, refusing unknown
// fields and trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("invalid JSON at byte %d: %w", se.Offset, err)
		}
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// writeTemp writes a hidden temporary file next to path, syncs and closes
// it, and returns its name. On error nothing is left behind.
func writeTemp(path string, write func(w io.Writer) error) (name string, err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = write(bw); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return f.Name(), nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
