package weaviate

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// DefaultScanBatch is the number of objects a scan reads per request.
const DefaultScanBatch = 1000

// maxPage is the largest page asked for: Weaviate refuses more than
// QUERY_MAXIMUM_RESULTS (10,000 by default) objects per request.
const maxPage = 10000

// Batch is a run of objects read from a collection.
type Batch struct {
	// IDs holds the object IDs, in the order of the collection's cursor
	// (by ID), or in the order asked for by FetchRows.
	IDs []string
	// Rows holds each object's row number.
	Rows []int
	// X holds the vectors, one row per object (Len()×Dim).
	X *mat32.Dense
	// Labels holds each object's label, "" for none.
	Labels []string
	// Meta holds the metadata columns (in Collection.Meta order), one
	// value per object.
	Meta [][]string
	// props keeps every property as read, for writing objects back.
	props []*pb.Properties
}

// Len returns the number of objects.
func (b *Batch) Len() int { return len(b.IDs) }

// ScanOptions configures Collection.Scan.
type ScanOptions struct {
	// BatchSize is the number of objects per batch; 0 means
	// DefaultScanBatch. At most 10,000.
	BatchSize int
	// After starts the scan after this object ID (a cursor position saved
	// from a previous scan).
	After string
	// Progress, when not nil, receives the number of objects read (stage
	// "scan"); Total is the object count at the start.
	Progress progress.Func
}

// Scan walks the whole collection with Weaviate's cursor (by object ID),
// calling fn with each batch of objects in turn, with their vectors,
// labels and metadata. Memory holds one batch. The last ID of a batch is
// the cursor position to resume after. fn must not keep b after it
// returns. A collection deleted during the scan gives an error wrapping
// ErrNotFound; an error from fn stops the scan and is returned.
func (col *Collection) Scan(ctx context.Context, opt ScanOptions, fn func(b *Batch) error) error {
	bs := opt.BatchSize
	if bs <= 0 {
		bs = DefaultScanBatch
	}
	if bs > maxPage {
		return fmt.Errorf("weaviate: scan %q: batch of %d objects; at most %d", col.Name, bs, maxPage)
	}
	var total int64
	if opt.Progress != nil {
		n, err := col.Count(ctx)
		if err != nil {
			return err
		}
		total = int64(n)
	}
	after := opt.After
	var done int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		req := &pb.SearchRequest{Collection: col.Name, Limit: uint32(bs), After: after}
		b, err := col.query(ctx, req, "scan")
		if err != nil {
			return err
		}
		if b.Len() == 0 {
			return nil
		}
		if err := fn(b); err != nil {
			return err
		}
		done += int64(b.Len())
		opt.Progress.Report(progress.Update{Stage: "scan", Done: done, Total: max(total, done)})
		after = b.IDs[b.Len()-1]
	}
}

// FetchRows reads the objects of the given row numbers, in that order. A
// row that is not stored is an error wrapping ErrNotFound that lists the
// first missing rows.
func (col *Collection) FetchRows(ctx context.Context, rows []int) (*Batch, error) {
	out := &Batch{X: mat32.New(len(rows), col.Dim), IDs: make([]string, len(rows)), Rows: make([]int, len(rows)),
		Labels: make([]string, len(rows)), Meta: make([][]string, len(col.Meta)), props: make([]*pb.Properties, len(rows))}
	for c := range out.Meta {
		out.Meta[c] = make([]string, len(rows))
	}
	pos := make(map[int]int, len(rows))
	for i, r := range rows {
		if _, dup := pos[r]; dup {
			return nil, fmt.Errorf("weaviate: fetch from %q: row %d asked for twice", col.Name, r)
		}
		pos[r] = i
	}
	found := make([]bool, len(rows))
	const chunk = 1000
	for lo := 0; lo < len(rows); lo += chunk {
		part := rows[lo:min(lo+chunk, len(rows))]
		req := &pb.SearchRequest{
			Collection: col.Name,
			Limit:      uint32(len(part)),
			Filters: &pb.Filters{
				Operator:  pb.Filters_OPERATOR_CONTAINS_ANY,
				Target:    &pb.FilterTarget{Target: &pb.FilterTarget_Property{Property: PropRow}},
				TestValue: &pb.Filters_ValueIntArray{ValueIntArray: &pb.IntArray{Values: intArray(part)}},
			},
		}
		b, err := col.query(ctx, req, "fetch rows")
		if err != nil {
			return nil, err
		}
		for j := range b.Len() {
			i, ok := pos[b.Rows[j]]
			if !ok || found[i] {
				continue
			}
			found[i] = true
			out.IDs[i], out.Rows[i], out.Labels[i], out.props[i] = b.IDs[j], b.Rows[j], b.Labels[j], b.props[j]
			copy(out.X.Row(i), b.X.Row(j))
			for c := range out.Meta {
				out.Meta[c][i] = b.Meta[c][j]
			}
		}
	}
	var missing []string
	nmiss := 0
	for i, ok := range found {
		if !ok {
			if nmiss < 10 {
				missing = append(missing, fmt.Sprint(rows[i]))
			}
			nmiss++
		}
	}
	if nmiss > 0 {
		return nil, fmt.Errorf("weaviate: %d rows are not in %q (rows %s): %w", nmiss, col.Name, strings.Join(missing, ", "), ErrNotFound)
	}
	return out, nil
}

// query runs a search that returns whole objects and decodes them.
func (col *Collection) query(ctx context.Context, req *pb.SearchRequest, op string) (*Batch, error) {
	req.Metadata = &pb.MetadataRequest{Uuid: true, Vector: true}
	req.Properties = &pb.PropertiesRequest{ReturnAllNonrefProperties: true}
	req.Uses_127Api = true
	var results []*pb.SearchResult
	err := col.c.do(ctx, func(ctx context.Context, n *node) error {
		r, err := n.rpc.Search(col.c.grpcCtx(ctx), req)
		if err != nil {
			return grpcError(n, op+" "+col.Name, err)
		}
		results = r.Results
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("weaviate: collection %q no longer exists: %w", col.Name, err)
		}
		return nil, err
	}
	m := len(results)
	b := &Batch{IDs: make([]string, m), Rows: make([]int, m), X: mat32.New(m, col.Dim), Labels: make([]string, m),
		Meta: make([][]string, len(col.Meta)), props: make([]*pb.Properties, m)}
	for c := range b.Meta {
		b.Meta[c] = make([]string, m)
	}
	for i, r := range results {
		md := r.GetMetadata()
		b.IDs[i] = md.GetId()
		vb := md.GetVectorBytes()
		if len(vb) == 0 {
			for _, v := range md.GetVectors() {
				if v.GetName() == "default" || len(vb) == 0 {
					vb = v.GetVectorBytes()
				}
			}
		}
		if len(vb) != 4*col.Dim {
			return nil, fmt.Errorf("weaviate: %s %s: object %s has a vector of %d values, the collection %d", op, col.Name, b.IDs[i], len(vb)/4, col.Dim)
		}
		vectorFromBytes(b.X.Row(i), vb)
		row, ok := rowOf(r.GetProperties())
		if !ok {
			return nil, fmt.Errorf("weaviate: %s %s: object %s has no %q property", op, col.Name, b.IDs[i], PropRow)
		}
		b.Rows[i] = row
		f := r.GetProperties().GetNonRefProps().GetFields()
		b.Labels[i] = f[PropLabel].GetTextValue()
		for c, p := range col.props {
			b.Meta[c][i] = f[p].GetTextValue()
		}
		b.props[i] = r.GetProperties().GetNonRefProps()
	}
	return b, nil
}

// Load reads the whole collection into a Dataset, each object at the row
// its row property names, with labels and metadata columns. The rows must
// be exactly 0..n−1, each once; a gap (an import that did not finish) or
// a duplicate is an error. Memory holds the whole data: this is for
// collections that fit, as the explorer needs.
func (col *Collection) Load(ctx context.Context, prog progress.Func) (*dataset.Dataset, error) {
	n, err := col.Count(ctx)
	if err != nil {
		return nil, err
	}
	x := mat32.New(n, col.Dim)
	seen := make([]bool, n)
	labels := make([]string, n)
	meta := make([]dataset.Column, len(col.Meta))
	for c, name := range col.Meta {
		meta[c] = dataset.Column{Name: name, Values: make([]string, n)}
	}
	got := 0
	err = col.Scan(ctx, ScanOptions{BatchSize: DefaultScanBatch, Progress: prog}, func(b *Batch) error {
		for i, r := range b.Rows {
			if r < 0 || r >= n {
				return fmt.Errorf("weaviate: load %q: object %s has row %d, outside [0,%d): the collection is not a complete import", col.Name, b.IDs[i], r, n)
			}
			if seen[r] {
				return fmt.Errorf("weaviate: load %q: row %d appears twice", col.Name, r)
			}
			seen[r] = true
			got++
			copy(x.Row(r), b.X.Row(i))
			labels[r] = b.Labels[i]
			for c := range meta {
				meta[c].Values[r] = b.Meta[c][i]
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if got != n {
		return nil, fmt.Errorf("weaviate: load %q: the scan found %d objects, the count was %d (written to while loading?)", col.Name, got, n)
	}
	d := &dataset.Dataset{Name: col.Name, X: x, Meta: meta, SourceType: "float32"}
	for _, l := range labels {
		if l != "" {
			d.SetLabels(labels)
			break
		}
	}
	return d, nil
}

// WriteBack stores values as the number[] property prop of the objects of
// b (one row of values per object), re-sending each object whole, with its
// vector and every other property as read, because the gRPC import
// replaces objects. The property is added to the collection if missing.
// Failed objects are retried, then reported in a *PartialError.
func (col *Collection) WriteBack(ctx context.Context, b *Batch, prop string, values *mat32.Dense, cons Consistency) error {
	if values.Rows != b.Len() {
		panic(fmt.Sprintf("weaviate: WriteBack: %d rows of values for %d objects", values.Rows, b.Len()))
	}
	if b.props == nil {
		panic("weaviate: WriteBack: the batch was not read from a collection")
	}
	if err := col.ensureNumberArray(ctx, prop); err != nil {
		return err
	}
	j := pushJob{n: b.Len(), rows: b.Rows, objs: make([]*pb.BatchObject, b.Len())}
	if b.Len() > 0 {
		j.lo, j.n = b.Rows[0], b.Len()
	}
	for i := range b.Len() {
		props, err := resend(b.props[i], prop)
		if err != nil {
			return fmt.Errorf("weaviate: write back to %q: object %s: %w", col.Name, b.IDs[i], err)
		}
		props.NumberArrayProperties = append(props.NumberArrayProperties, &pb.NumberArrayProperties{PropName: prop, ValuesBytes: numberBytes(values.Row(i))})
		j.objs[i] = &pb.BatchObject{Uuid: b.IDs[i], Collection: col.Name, VectorBytes: vectorBytes(b.X.Row(i)), Properties: props}
	}
	failed, err := col.sendBatch(ctx, j, cons)
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		sort.Slice(failed, func(i, k int) bool { return failed[i].Row < failed[k].Row })
		return &PartialError{Collection: col.Name, Failed: failed, Rows: b.Len()}
	}
	return nil
}

// resend turns properties read from a search into properties to import,
// leaving out skip.
func resend(p *pb.Properties, skip string) (*pb.BatchObject_Properties, error) {
	out := &pb.BatchObject_Properties{NonRefProperties: &structpb.Struct{Fields: map[string]*structpb.Value{}}}
	for name, v := range p.GetFields() {
		if name == skip {
			continue
		}
		switch x := v.GetKind().(type) {
		case *pb.Value_NullValue:
		case *pb.Value_TextValue:
			out.NonRefProperties.Fields[name] = structpb.NewStringValue(x.TextValue)
		case *pb.Value_IntValue:
			out.NonRefProperties.Fields[name] = structpb.NewNumberValue(float64(x.IntValue))
		case *pb.Value_NumberValue:
			out.NonRefProperties.Fields[name] = structpb.NewNumberValue(x.NumberValue)
		case *pb.Value_BoolValue:
			out.NonRefProperties.Fields[name] = structpb.NewBoolValue(x.BoolValue)
		case *pb.Value_DateValue:
			out.NonRefProperties.Fields[name] = structpb.NewStringValue(x.DateValue)
		case *pb.Value_UuidValue:
			out.NonRefProperties.Fields[name] = structpb.NewStringValue(x.UuidValue)
		case *pb.Value_ListValue:
			switch l := x.ListValue.GetKind().(type) {
			case *pb.ListValue_NumberValues:
				out.NumberArrayProperties = append(out.NumberArrayProperties, &pb.NumberArrayProperties{PropName: name, ValuesBytes: l.NumberValues.GetValues()})
			case *pb.ListValue_TextValues:
				out.TextArrayProperties = append(out.TextArrayProperties, &pb.TextArrayProperties{PropName: name, Values: l.TextValues.GetValues()})
			case *pb.ListValue_IntValues:
				out.IntArrayProperties = append(out.IntArrayProperties, &pb.IntArrayProperties{PropName: name, Values: intsFromBytes(l.IntValues.GetValues())})
			case *pb.ListValue_BoolValues:
				out.BooleanArrayProperties = append(out.BooleanArrayProperties, &pb.BooleanArrayProperties{PropName: name, Values: l.BoolValues.GetValues()})
			default:
				return nil, fmt.Errorf("property %q: a list of a kind this package does not copy", name)
			}
		default:
			return nil, fmt.Errorf("property %q: a value of a kind this package does not copy", name)
		}
	}
	return out, nil
}

func intsFromBytes(b []byte) []int64 {
	out := make([]int64, len(b)/8)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

// Numbers returns the number[] property prop of each object of b as a
// matrix with cols columns; objects without it are an error.
func (b *Batch) Numbers(prop string, cols int) (*mat32.Dense, error) {
	out := mat32.New(b.Len(), cols)
	for i, p := range b.props {
		v := p.GetFields()[prop].GetListValue().GetNumberValues()
		if v == nil {
			return nil, fmt.Errorf("object %s has no %q values", b.IDs[i], prop)
		}
		f := numbersFromBytes(v.GetValues())
		if len(f) != cols {
			return nil, fmt.Errorf("object %s has %d %q values, want %d", b.IDs[i], len(f), prop, cols)
		}
		for j, x := range f {
			out.Data[i*cols+j] = float32(x)
		}
	}
	return out, nil
}
