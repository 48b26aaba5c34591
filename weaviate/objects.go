package weaviate

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/google/uuid"
	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// idSpace is the namespace of the name-based (SHA-1, version 5) object IDs.
var idSpace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/latentlab/latent/weaviate/object"))

// ObjectID returns the ID of row of a collection: a version-5 UUID of the
// collection's name (as ClassName spells it) and the row number. The same
// row always gets the same ID, so sending it again replaces the object
// instead of adding a copy.
func ObjectID(collection string, row int) string {
	return uuid.NewSHA1(idSpace, []byte(collection+"\x00"+strconv.Itoa(row))).String()
}

// RowReader yields the rows of a matrix in order, a batch at a time (see
// mat32.RowReader). The row reader of package formats/npy satisfies it;
// mat32.MatrixRows adapts a matrix in memory.
type RowReader = mat32.RowReader

// readFull fills dst from src, stopping early only at the end of the data;
// it returns the number of rows read.
func readFull(src RowReader, dst *mat32.Dense) (int, error) {
	filled := 0
	for filled < dst.Rows {
		k, err := src.Next(dst.Slice(filled, dst.Rows))
		if k < 0 || k > dst.Rows-filled {
			return filled, fmt.Errorf("the row reader returned %d rows for a batch of %d", k, dst.Rows-filled)
		}
		filled += k
		if err == io.EOF {
			return filled, nil
		}
		if err != nil {
			return filled, err
		}
		if k == 0 {
			return filled, fmt.Errorf("the row reader returned no rows and no error")
		}
	}
	return filled, nil
}

// Side holds what is stored beside the vectors: labels and metadata,
// indexed by row in the whole data.
type Side struct {
	// Labels holds one class index per row, dataset.NoLabel for none; nil
	// when the data has no labels.
	Labels []int
	// Classes names the class indices.
	Classes []string
	// Meta holds metadata columns, each with one value per row.
	Meta []dataset.Column
}

// SideOf returns the labels and metadata of d.
func SideOf(d *dataset.Dataset) Side {
	return Side{Labels: d.Labels, Classes: d.Classes, Meta: d.Meta}
}

// check validates the side information against n rows.
func (s Side) check(n int) error {
	if s.Labels != nil {
		if len(s.Labels) != n {
			return fmt.Errorf("%d labels for %d rows", len(s.Labels), n)
		}
		for i, l := range s.Labels {
			if l != dataset.NoLabel && (l < 0 || l >= len(s.Classes)) {
				return fmt.Errorf("row %d: label %d out of range [0,%d)", i, l, len(s.Classes))
			}
		}
	}
	for _, c := range s.Meta {
		if len(c.Values) != n {
			return fmt.Errorf("metadata column %q has %d values for %d rows", c.Name, len(c.Values), n)
		}
	}
	return nil
}

// vectorBytes encodes v as little-endian float32, as the gRPC API wants.
func vectorBytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// vectorFromBytes decodes little-endian float32 values into dst.
func vectorFromBytes(dst []float32, b []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}

// numberBytes encodes v as little-endian float64, for number[] properties.
func numberBytes(v []float32) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(float64(x)))
	}
	return b
}

// object builds the gRPC object of a row.
func (col *Collection) object(row int, vec []float32, label string, hasLabel bool, meta []string, metaProps []string, numProp string, num []float32) *pb.BatchObject {
	fields := make(map[string]*structpb.Value, 2+len(meta))
	fields[PropRow] = structpb.NewNumberValue(float64(row))
	if hasLabel {
		fields[PropLabel] = structpb.NewStringValue(label)
	}
	for j, v := range meta {
		fields[metaProps[j]] = structpb.NewStringValue(v)
	}
	props := &pb.BatchObject_Properties{NonRefProperties: &structpb.Struct{Fields: fields}}
	if numProp != "" {
		props.NumberArrayProperties = []*pb.NumberArrayProperties{{PropName: numProp, ValuesBytes: numberBytes(num)}}
	}
	return &pb.BatchObject{
		Uuid:        ObjectID(col.Name, row),
		Collection:  col.Name,
		VectorBytes: vectorBytes(vec),
		Properties:  props,
	}
}
