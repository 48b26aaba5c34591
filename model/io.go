package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"slices"
	"strings"

	"github.com/latentlab/latent/formats/safetensors"
	"github.com/latentlab/latent/nn"
)

// fileConfig is the config a model file keeps next to its weights (the
// "config" of safetensors.WriteModel's envelope).
type fileConfig struct {
	Model      Config      `json:"model"`
	Card       Card        `json:"card"`
	Checkpoint *checkpoint `json:"checkpoint,omitempty"`
}

// SaveOptions tune Save.
type SaveOptions struct {
	// DType is the element type the weights are stored in: F32 (the zero
	// value), F16 or BF16. The 16-bit types halve the file; F16 keeps
	// about 3 significant digits of each weight, which changes a model's
	// outputs by far less than training noise (see models/README.md).
	DType safetensors.DType
}

// WeightsPath returns the weights file of a model named p: p itself when
// it ends in ".safetensors", p + ".safetensors" otherwise. The JSON config
// is safetensors.ConfigPath of it.
func WeightsPath(p string) string {
	if strings.HasSuffix(p, ".safetensors") {
		return p
	}
	return p + ".safetensors"
}

// CheckpointPath returns the weights file of the training checkpoint that
// goes with the model file p: "dir/m.safetensors" → "dir/m.ckpt.safetensors".
func CheckpointPath(p string) string {
	return strings.TrimSuffix(WeightsPath(p), ".safetensors") + ".ckpt.safetensors"
}

// Save writes the model to WeightsPath(p) and its config and card next to
// it, atomically (see safetensors.WriteModel).
func (m *Autoencoder) Save(p string, opt SaveOptions) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return writeModel(p, &fileConfig{Model: m.cfg, Card: m.card}, m.net.tensors(), nil, opt.DType)
}

// writeModel writes the tensors ps (in dtype) and extra (F32, for
// checkpoints) with the config.
func writeModel(p string, fc *fileConfig, ps []*nn.Param, extra []safetensors.Tensor, dt safetensors.DType) error {
	ts := make([]safetensors.Tensor, 0, len(ps)+len(extra))
	for _, q := range ps {
		t, err := toTensor(q.Name, q.Shape, q.Data, dt)
		if err != nil {
			return fmt.Errorf("%s: %w", WeightsPath(p), err)
		}
		ts = append(ts, t)
	}
	ts = append(ts, extra...)
	meta := map[string]string{"format": "latent.model", "type": string(fc.Model.Type)}
	return safetensors.WriteModel(WeightsPath(p), fc, ts, meta)
}

// toTensor converts values to a tensor of dtype dt.
func toTensor(name string, shape []int, data []float32, dt safetensors.DType) (safetensors.Tensor, error) {
	switch dt {
	case "", safetensors.F32:
		return safetensors.FromFloat32(name, shape, data), nil
	case safetensors.F16, safetensors.BF16:
		b := make([]byte, 2*len(data))
		for i, v := range data {
			var h uint16
			if dt == safetensors.F16 {
				h = toHalf(v)
				if h&0x7fff == 0x7c00 && !math.IsInf(float64(v), 0) {
					return safetensors.Tensor{}, fmt.Errorf("tensor %q: value %g is beyond float16's range", name, v)
				}
			} else {
				h = toBFloat16(v)
			}
			binary.LittleEndian.PutUint16(b[2*i:], h)
		}
		return safetensors.Tensor{Name: name, DType: dt, Shape: slices.Clone(shape), Data: b}, nil
	}
	return safetensors.Tensor{}, fmt.Errorf("cannot store weights as %s (want F32, F16 or BF16)", dt)
}

// toHalf rounds v to the nearest IEEE 754 half-precision value (ties to
// even); values beyond its range become ±Inf.
func toHalf(v float32) uint16 {
	b := math.Float32bits(v)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127
	mant := b & 0x7fffff
	switch {
	case exp == 128: // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp > 15:
		return sign | 0x7c00
	case exp >= -14: // normal
		h := uint32(exp+15)<<10 | mant>>13
		rest := mant & 0x1fff
		if rest > 0x1000 || (rest == 0x1000 && h&1 == 1) {
			h++ // may carry into the exponent, up to Inf: correct
		}
		return sign | uint16(h)
	case exp >= -25: // subnormal
		m := mant | 0x800000
		shift := uint32(-exp - 14 + 13)
		h := m >> shift
		rest := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rest > half || (rest == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	return sign
}

// toBFloat16 rounds v to bfloat16 (the top 16 bits of a float32, ties to
// even).
func toBFloat16(v float32) uint16 {
	b := math.Float32bits(v)
	if v != v {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b >> 16 & 1)
	return uint16(b >> 16)
}

// Load reads a model file: WeightsPath(p) and its JSON config. It checks
// the config (Config.Validate), that the weights file holds at least as
// many values as the config describes before anything is allocated for
// them, and then every tensor: present, F32, F16 or BF16, of the shape the
// architecture needs, finite, and no tensor the model does not use.
func Load(p string) (Model, error) {
	w := WeightsPath(p)
	var fc fileConfig
	f, err := safetensors.ReadModel(w, &fc)
	if err != nil {
		return nil, err
	}
	m, err := fromFile(&fc, f, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w, err)
	}
	return m, nil
}

// envelope is the JSON config file written by safetensors.WriteModel.
type envelope struct {
	Format        string          `json:"format"`
	Version       int             `json:"version"`
	WeightsSHA256 string          `json:"weights_sha256"`
	Config        json.RawMessage `json:"config"`
}

// LoadFS reads the model named name (its weights name.safetensors and
// config name.json) from fsys, such as the embed.FS of package models,
// with the same checks as Load, including the weights' SHA-256 against
// the one the config records.
func LoadFS(fsys fs.FS, name string) (Model, error) {
	w := WeightsPath(name)
	cfgName := safetensors.ConfigPath(w)
	raw, err := fs.ReadFile(fsys, cfgName)
	if err != nil {
		return nil, err
	}
	var env envelope
	if err := decodeStrict(raw, &env); err != nil {
		return nil, fmt.Errorf("%s: %w", cfgName, err)
	}
	if env.Format != safetensors.ModelFormat || env.Version != safetensors.ModelVersion {
		return nil, fmt.Errorf("%s: not a version %d %s config (format %q, version %d)", cfgName, safetensors.ModelVersion, safetensors.ModelFormat, env.Format, env.Version)
	}
	var fc fileConfig
	if err := decodeStrict(env.Config, &fc); err != nil {
		return nil, fmt.Errorf("%s: config: %w", cfgName, err)
	}
	wf, err := fsys.Open(w)
	if err != nil {
		return nil, err
	}
	defer wf.Close()
	h := sha256.New()
	f, err := safetensors.Read(io.TeeReader(wf, h))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w, err)
	}
	if _, err := io.Copy(h, wf); err != nil {
		return nil, fmt.Errorf("%s: %w", w, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, env.WeightsSHA256) {
		return nil, fmt.Errorf("%s: SHA-256 %.12s… does not match the %.12s… that %s records", w, got, env.WeightsSHA256, path.Base(cfgName))
	}
	m, err := fromFile(&fc, f, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w, err)
	}
	return m, nil
}

// decodeStrict decodes one JSON value, refusing unknown fields and
// trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// fromFile builds the model fc describes and loads its tensors from f.
// With ckpt set, f may also hold the checkpoint's tensors (optimiser
// state, best weights, a GAN's discriminator); they are loaded by the
// caller.
func fromFile(fc *fileConfig, f *safetensors.File, ckpt bool) (Model, error) {
	c := &fc.Model
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if fc.Card.Codes != nil {
		if err := fc.Card.Codes.Validate(); err != nil {
			return nil, fmt.Errorf("card: codes: %w", err)
		}
		if fc.Card.Codes.Dim() != c.Latent {
			return nil, fmt.Errorf("card: codes Gaussian of dimension %d for a latent dimension of %d", fc.Card.Codes.Dim(), c.Latent)
		}
	}
	if fc.Checkpoint != nil && !ckpt {
		return nil, errors.New("this is a training checkpoint, not a model file (resume training from it, or load the model file next to it)")
	}
	p, err := planFor(c)
	if err != nil {
		return nil, err
	}
	want := p.params()
	if c.Type == GAN {
		want = 0
		for _, s := range p.dec {
			want += s.params()
		}
	}
	var have int64
	for i := range f.Tensors {
		have += int64(f.Tensors[i].Len())
	}
	if want > have {
		return nil, fmt.Errorf("the config describes %d values, the weights file holds %d", want, have)
	}
	var m Model
	var ps []*nn.Param
	if c.Type == GAN {
		g := newAdversarial(*c, nil, false)
		g.card = fc.Card
		m, ps = g, g.net.genTensors()
	} else {
		a := newAutoencoder(*c, nil)
		a.card = fc.Card
		m, ps = a, a.net.tensors()
	}
	if err := loadTensors(ps, f, ""); err != nil {
		return nil, err
	}
	if !ckpt {
		names := make(map[string]bool, len(ps))
		for _, q := range ps {
			names[q.Name] = true
		}
		for _, n := range f.Names() {
			if !names[n] {
				return nil, fmt.Errorf("tensor %q is not part of a %s %s model", n, c.Arch, c.Type)
			}
		}
	}
	return m, nil
}

// loadTensors sets every tensor in ps from the tensor named prefix+name in
// f: it must be there, F32, F16 or BF16, of the same shape, and finite.
// Nothing is changed unless every tensor passes.
func loadTensors(ps []*nn.Param, f *safetensors.File, prefix string) error {
	vals := make([][]float32, len(ps))
	for i, p := range ps {
		name := prefix + p.Name
		t := f.Tensor(name)
		if t == nil {
			return fmt.Errorf("tensor %q is missing", name)
		}
		switch t.DType {
		case safetensors.F32, safetensors.F16, safetensors.BF16:
		default:
			return fmt.Errorf("tensor %q is %s, want F32, F16 or BF16", name, t.DType)
		}
		if !slices.Equal(t.Shape, p.Shape) {
			return fmt.Errorf("tensor %q has shape %v, the architecture needs %v", name, t.Shape, p.Shape)
		}
		v, err := t.Float32s(nil)
		if err != nil {
			return fmt.Errorf("tensor %q: %w", name, err)
		}
		if len(v) != len(p.Data) {
			return fmt.Errorf("tensor %q holds %d values, want %d", name, len(v), len(p.Data))
		}
		for j, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("tensor %q holds a non-finite value at %d", name, j)
			}
		}
		vals[i] = v
	}
	for i, p := range ps {
		copy(p.Data, vals[i])
	}
	return nil
}
