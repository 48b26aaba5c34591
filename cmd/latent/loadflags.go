package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	_ "github.com/latentlab/latent/formats/all"
)

// resizeValue is a --resize WxH flag.
type resizeValue struct{ w, h *int }

func (r resizeValue) String() string {
	if r.w == nil || *r.w == 0 {
		return ""
	}
	return fmt.Sprintf("%dx%d", *r.w, *r.h)
}

func (r resizeValue) Set(s string) error {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return fmt.Errorf("want WIDTHxHEIGHT, e.g. 28x28, got %q", s)
	}
	*r.w, *r.h = w, h
	return nil
}

func (r resizeValue) Type() string { return "WxH" }

// addLoadFlags adds the flags that tune how input files are read, with an
// optional prefix ("query-") for commands that read several inputs.
func addLoadFlags(fs *pflag.FlagSet, opt *formats.Options, prefix string) {
	fs.StringVar(&opt.Format, prefix+"format", "", "force the input format ("+formatNames()+")")
	fs.StringVar(&opt.Labels, prefix+"labels", "", "a separate labels file (IDX labels, one label per line, metadata.tsv, integer .npy)")
	fs.StringVar(&opt.LabelColumn, prefix+"label-column", "", "metadata or CSV column to use as labels")
	fs.StringVar(&opt.Columns, prefix+"columns", "", "CSV vector columns: names, 0-based indices or ranges like 2-785")
	fs.BoolVar(&opt.Gray, prefix+"gray", false, "image folders: convert to one channel")
	fs.Var(resizeValue{&opt.ResizeW, &opt.ResizeH}, prefix+"resize", "image folders: resize every image to WxH")
	fs.IntVar(&opt.MaxRows, prefix+"max-rows", 0, "read at most this many rows (0 = all)")
}

func formatNames() string {
	var n []string
	for _, f := range formats.List() {
		n = append(n, f.Name)
	}
	return strings.Join(n, ", ")
}

// loadData reads a data file with the given options.
func loadData(path string, opt formats.Options) (*dataset.Dataset, error) {
	if path == "" {
		return nil, usagef("no input file given")
	}
	return formats.Load(path, opt)
}
