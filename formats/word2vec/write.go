package word2vec

import (
	"bufio"
	"encoding/binary"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/latentlab/latent/dataset"
)

// Words returns the word written for each row of d: the metadata column
// "word" when d has one, else the row's label, else the row number. Spaces
// and other white space inside a word become '_' (the formats separate
// fields with spaces), invalid UTF-8 becomes U+FFFD, and an empty word
// becomes the row number.
func Words(d *dataset.Dataset) []string {
	words := make([]string, d.Len())
	col := d.MetaColumn("word")
	for i := range words {
		var w string
		switch {
		case col != nil:
			w = col.Values[i]
		case d.Labels != nil:
			w = d.Label(i)
		}
		w = strings.ToValidUTF8(w, "\uFFFD")
		if strings.IndexFunc(w, unicode.IsSpace) >= 0 {
			w = strings.Join(strings.FieldsFunc(w, unicode.IsSpace), "_")
		}
		if w == "" {
			w = strconv.Itoa(i)
		}
		words[i] = w
	}
	return words
}

// WriteText writes d in the word2vec text format: a "rows dims" line, then
// one "word v1 ... vd" line per row (see Words), each value in the shortest
// form that reads back to the same float32.
func WriteText(w io.Writer, d *dataset.Dataset) error {
	return writeText(w, d, true)
}

// WriteGloVe writes d in the GloVe text format: WriteText without the
// header line.
func WriteGloVe(w io.Writer, d *dataset.Dataset) error {
	return writeText(w, d, false)
}

func writeText(w io.Writer, d *dataset.Dataset, header bool) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if header {
		bw.WriteString(strconv.Itoa(d.Len()) + " " + strconv.Itoa(d.Dim()) + "\n")
	}
	buf := make([]byte, 0, 64)
	for i, word := range Words(d) {
		bw.WriteString(word)
		for _, v := range d.X.Row(i) {
			buf = append(buf[:0], ' ')
			buf = strconv.AppendFloat(buf, float64(v), 'g', -1, 32)
			bw.Write(buf)
		}
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteBinary writes d in the word2vec binary format: a "rows dims" line,
// then per row the word (see Words), a space, the values as little-endian
// float32 and a line break, as the original C tool writes it.
func WriteBinary(w io.Writer, d *dataset.Dataset) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(strconv.Itoa(d.Len()) + " " + strconv.Itoa(d.Dim()) + "\n")
	buf := make([]byte, 4*d.Dim())
	for i, word := range Words(d) {
		bw.WriteString(word)
		bw.WriteByte(' ')
		for j, v := range d.X.Row(i) {
			binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(v))
		}
		bw.Write(buf)
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
	}
	return bw.Flush()
}
