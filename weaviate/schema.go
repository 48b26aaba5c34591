package weaviate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/latentlab/latent/knn"
)

// Property names that every collection made by this package has.
const (
	// PropRow holds the row number of the object in the data it was pushed
	// from: neighbours come back as row numbers through it.
	PropRow = "row"
	// PropLabel holds the row's class name; absent for unlabelled rows.
	PropLabel = "label"
	// metaPrefix starts the property names of metadata columns.
	metaPrefix = "m_"
	// descPrefix starts the class description that records what Weaviate
	// does not: the dimension and the original metadata column names.
	descPrefix = "latent collection "
)

// Spec describes a collection to create.
type Spec struct {
	// Name is the collection's name: letters, digits and underscores,
	// starting with a letter. Weaviate capitalises the first letter.
	Name string
	// Dim is the length of the vectors, > 0.
	Dim int
	// Metric is the distance the index ranks by: Euclidean (Weaviate's
	// l2-squared), Cosine, InnerProduct (dot) or Manhattan (manhattan).
	Metric knn.Metric
	// Meta lists the metadata columns stored with each vector, as text.
	Meta []string
	// Flat chooses the flat (exact, brute-force) index instead of HNSW.
	Flat bool
	// Ef is the HNSW search breadth; 0 leaves Weaviate's dynamic default,
	// which picks ef from the number of neighbours asked for. Larger is
	// slower and more exact.
	Ef int
	// EfConstruction and MaxConnections tune the HNSW build; 0 leaves
	// Weaviate's defaults (128 and 32).
	EfConstruction, MaxConnections int
	// Replication is the number of copies of each shard; 0 means 1.
	Replication int
	// AsyncReplication lets replicas repair each other in the background,
	// so a node that was down catches up with writes it missed.
	AsyncReplication bool
	// Shards is the number of shards; 0 leaves Weaviate's default (one per
	// node).
	Shards int
}

// Collection is an open collection: its name, the shape of its vectors,
// its metric and its metadata columns. Get one with Client.Create or
// Client.Collection.
type Collection struct {
	c *Client
	// Name is the collection's name as Weaviate spells it.
	Name string
	// Dim is the length of the vectors.
	Dim int
	// Metric is the metric of the vector index.
	Metric knn.Metric
	// Meta holds the metadata column names, in order.
	Meta []string
	// Replication is the number of copies of each shard.
	Replication int
	// props holds the property name of each metadata column.
	props []string
	// extra holds the other properties (projections written back).
	extra map[string]string
}

// Client returns the client the collection belongs to.
func (col *Collection) Client() *Client { return col.c }

// marker is what the class description records.
type marker struct {
	Dim    int         `json:"dim"`
	Metric string      `json:"metric"`
	Meta   [][2]string `json:"meta,omitempty"`
}

// classJSON is the part of Weaviate's class definition this package uses.
type classJSON struct {
	Class             string          `json:"class"`
	Description       string          `json:"description,omitempty"`
	Vectorizer        string          `json:"vectorizer,omitempty"`
	VectorIndexType   string          `json:"vectorIndexType,omitempty"`
	VectorIndexConfig map[string]any  `json:"vectorIndexConfig,omitempty"`
	ReplicationConfig map[string]any  `json:"replicationConfig,omitempty"`
	ShardingConfig    map[string]any  `json:"shardingConfig,omitempty"`
	Properties        []*propertyJSON `json:"properties"`
}

type propertyJSON struct {
	Name              string   `json:"name"`
	DataType          []string `json:"dataType"`
	Tokenization      string   `json:"tokenization,omitempty"`
	IndexFilterable   *bool    `json:"indexFilterable,omitempty"`
	IndexSearchable   *bool    `json:"indexSearchable,omitempty"`
	IndexRangeFilters *bool    `json:"indexRangeFilters,omitempty"`
}

var nameRE = regexp.MustCompile(`^[A-Za-z][_0-9A-Za-z]{0,230}$`)

// ClassName returns the name Weaviate gives a collection called name (the
// first letter in upper case), or an error if name is not allowed.
func ClassName(name string) (string, error) {
	if !nameRE.MatchString(name) {
		return "", fmt.Errorf("collection name %q: use letters, digits and _, starting with a letter (at most 231)", name)
	}
	return strings.ToUpper(name[:1]) + name[1:], nil
}

// metricName is Weaviate's name of a metric.
func metricName(m knn.Metric) (string, error) {
	switch m {
	case knn.Euclidean:
		return "l2-squared", nil
	case knn.Cosine:
		return "cosine", nil
	case knn.InnerProduct:
		return "dot", nil
	case knn.Manhattan:
		return "manhattan", nil
	}
	return "", fmt.Errorf("weaviate: metric %v has no Weaviate equivalent", m)
}

// parseMetric is the inverse of metricName.
func parseMetric(s string) (knn.Metric, error) {
	switch s {
	case "", "cosine":
		return knn.Cosine, nil
	case "l2-squared":
		return knn.Euclidean, nil
	case "dot":
		return knn.InnerProduct, nil
	case "manhattan":
		return knn.Manhattan, nil
	}
	return 0, fmt.Errorf("distance %q is not supported (cosine, l2-squared, dot and manhattan are)", s)
}

// metaProps gives each metadata column a property name: "m_" and the name
// with every character outside [0-9A-Za-z_] replaced by "_", made unique.
func metaProps(names []string) []string {
	used := map[string]bool{}
	out := make([]string, len(names))
	for i, n := range names {
		var b strings.Builder
		b.WriteString(metaPrefix)
		for _, r := range n {
			if r < unicode.MaxASCII && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				b.WriteRune(r)
			} else {
				b.WriteByte('_')
			}
		}
		p := b.String()
		if len(p) > 200 {
			p = p[:200]
		}
		base := p
		for k := 2; used[strings.ToLower(p)]; k++ {
			p = base + "_" + strconv.Itoa(k)
		}
		used[strings.ToLower(p)] = true
		out[i] = p
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// Create creates the collection spec describes, or opens it if it exists
// with the same dimension and metric. A collection that exists with
// another dimension or metric is an error wrapping ErrConflict that names
// both; one that lacks metadata columns of spec gets them added.
func (c *Client) Create(ctx context.Context, spec Spec) (*Collection, error) {
	name, err := ClassName(spec.Name)
	if err != nil {
		return nil, err
	}
	if spec.Dim <= 0 {
		return nil, fmt.Errorf("collection %q: dimension %d", name, spec.Dim)
	}
	dist, err := metricName(spec.Metric)
	if err != nil {
		return nil, err
	}
	if spec.Replication < 0 || spec.Shards < 0 || spec.Ef < 0 || spec.EfConstruction < 0 || spec.MaxConnections < 0 {
		return nil, fmt.Errorf("collection %q: negative replication, shards or HNSW parameter", name)
	}
	col, err := c.Collection(ctx, name)
	switch {
	case err == nil:
		if col.Dim != 0 && col.Dim != spec.Dim {
			return nil, fmt.Errorf("weaviate: collection %q exists with dimension %d; the data has %d (drop it or choose another name): %w", name, col.Dim, spec.Dim, ErrConflict)
		}
		if col.Metric != spec.Metric {
			return nil, fmt.Errorf("weaviate: collection %q exists with metric %v; asked for %v: %w", name, col.Metric, spec.Metric, ErrConflict)
		}
		if col.Dim == 0 {
			col.Dim = spec.Dim
		}
		if err := col.addMeta(ctx, spec.Meta); err != nil {
			return nil, err
		}
		return col, nil
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}
	m := marker{Dim: spec.Dim, Metric: spec.Metric.String()}
	props := metaProps(spec.Meta)
	for i, n := range spec.Meta {
		m.Meta = append(m.Meta, [2]string{n, props[i]})
	}
	desc, _ := json.Marshal(m)
	cls := classJSON{
		Class:           name,
		Description:     descPrefix + string(desc),
		Vectorizer:      "none",
		VectorIndexType: "hnsw",
		Properties: []*propertyJSON{
			{Name: PropRow, DataType: []string{"int"}, IndexFilterable: ptr(true), IndexRangeFilters: ptr(false)},
			{Name: PropLabel, DataType: []string{"text"}, Tokenization: "field", IndexFilterable: ptr(true), IndexSearchable: ptr(false)},
		},
	}
	vic := map[string]any{"distance": dist}
	if spec.Flat {
		cls.VectorIndexType = "flat"
	} else {
		if spec.Ef > 0 {
			vic["ef"] = spec.Ef
		}
		if spec.EfConstruction > 0 {
			vic["efConstruction"] = spec.EfConstruction
		}
		if spec.MaxConnections > 0 {
			vic["maxConnections"] = spec.MaxConnections
		}
	}
	cls.VectorIndexConfig = vic
	if spec.Replication > 1 || spec.AsyncReplication {
		cls.ReplicationConfig = map[string]any{"factor": max(spec.Replication, 1), "asyncEnabled": spec.AsyncReplication}
	}
	if spec.Shards > 0 {
		cls.ShardingConfig = map[string]any{"desiredCount": spec.Shards}
	}
	for _, p := range props {
		cls.Properties = append(cls.Properties, &propertyJSON{Name: p, DataType: []string{"text"}, Tokenization: "field", IndexFilterable: ptr(false), IndexSearchable: ptr(false)})
	}
	if err := c.rest(ctx, "create collection "+name, http.MethodPost, "/v1/schema", cls, nil); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity && strings.Contains(strings.ToLower(e.Msg), "already exists") {
			// Another client created it meanwhile: open and compare.
			return c.Create(ctx, spec)
		}
		return nil, err
	}
	c.forget(name)
	return c.Collection(ctx, name)
}

// Collection opens an existing collection. A collection this package did
// not create is accepted if it uses a supported metric; its dimension is
// then read from one of its vectors (0 while it is empty). A missing
// collection is an error wrapping ErrNotFound.
func (c *Client) Collection(ctx context.Context, name string) (*Collection, error) {
	cname, err := ClassName(name)
	if err != nil {
		return nil, err
	}
	var cls struct {
		classJSON
		VectorConfig      map[string]any `json:"vectorConfig"`
		ReplicationConfig struct {
			Factor int `json:"factor"`
		} `json:"replicationConfig"`
	}
	if err := c.rest(ctx, "collection "+cname, http.MethodGet, "/v1/schema/"+url.PathEscape(cname), nil, &cls); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("weaviate: collection %q does not exist: %w", cname, ErrNotFound)
		}
		return nil, err
	}
	if cls.Class == "" {
		// Some versions answer 200 with an empty body for a missing class.
		return nil, fmt.Errorf("weaviate: collection %q does not exist: %w", cname, ErrNotFound)
	}
	col := &Collection{c: c, Name: cls.Class, Replication: max(cls.ReplicationConfig.Factor, 1), extra: map[string]string{}}
	dist, _ := cls.VectorIndexConfig["distance"].(string)
	if cls.VectorIndexConfig == nil && len(cls.VectorConfig) > 0 {
		return nil, fmt.Errorf("weaviate: collection %q has named vectors only; collections with one unnamed vector are supported", cname)
	}
	if col.Metric, err = parseMetric(dist); err != nil {
		return nil, fmt.Errorf("weaviate: collection %q: %w", cname, err)
	}
	hasRow := false
	known := map[string]bool{}
	for _, p := range cls.Properties {
		known[p.Name] = true
		if p.Name == PropRow {
			hasRow = true
		}
	}
	if !hasRow {
		return nil, fmt.Errorf("weaviate: collection %q has no %q property: it was not written by latent push", cname, PropRow)
	}
	if rest, ok := strings.CutPrefix(cls.Description, descPrefix); ok {
		var m marker
		if err := json.Unmarshal([]byte(rest), &m); err != nil {
			return nil, fmt.Errorf("weaviate: collection %q: unreadable description: %v", cname, err)
		}
		if m.Dim <= 0 {
			return nil, fmt.Errorf("weaviate: collection %q: description gives dimension %d", cname, m.Dim)
		}
		col.Dim = m.Dim
		for _, p := range m.Meta {
			col.Meta = append(col.Meta, p[0])
			col.props = append(col.props, p[1])
			delete(known, p[1])
		}
	} else {
		for _, p := range cls.Properties {
			if strings.HasPrefix(p.Name, metaPrefix) && len(p.DataType) == 1 && p.DataType[0] == "text" {
				col.Meta = append(col.Meta, strings.TrimPrefix(p.Name, metaPrefix))
				col.props = append(col.props, p.Name)
				delete(known, p.Name)
			}
		}
		d, err := col.sampleDim(ctx)
		if err != nil {
			return nil, err
		}
		col.Dim = d
	}
	for _, p := range cls.Properties {
		if known[p.Name] && p.Name != PropRow && p.Name != PropLabel {
			col.extra[p.Name] = strings.Join(p.DataType, ",")
		}
	}
	return col, nil
}

// forget drops a cached collection.
func (c *Client) forget(name string) {
	c.mu.Lock()
	delete(c.cols, name)
	c.mu.Unlock()
}

// cached returns an open collection by name, opening it the first time.
func (c *Client) cached(ctx context.Context, name string) (*Collection, error) {
	cname, err := ClassName(name)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	col := c.cols[cname]
	c.mu.Unlock()
	if col != nil {
		return col, nil
	}
	col, err = c.Collection(ctx, cname)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.cols[cname] = col
	c.mu.Unlock()
	return col, nil
}

// sampleDim reads the length of one stored vector (0 if there is none).
func (col *Collection) sampleDim(ctx context.Context) (int, error) {
	var d int
	err := col.c.do(ctx, func(ctx context.Context, n *node) error {
		r, err := n.rpc.Search(col.c.grpcCtx(ctx), &pb.SearchRequest{
			Collection: col.Name, Limit: 1, Metadata: &pb.MetadataRequest{Uuid: true, Vector: true},
			Properties: &pb.PropertiesRequest{}, Uses_127Api: true,
		})
		if err != nil {
			return grpcError(n, "read a vector of "+col.Name, err)
		}
		if len(r.Results) > 0 {
			d = len(r.Results[0].GetMetadata().GetVectorBytes()) / 4
		}
		return nil
	})
	return d, err
}

// addMeta adds text properties for metadata columns the collection lacks
// and records them in its description.
func (col *Collection) addMeta(ctx context.Context, names []string) error {
	have := map[string]bool{}
	for _, n := range col.Meta {
		have[n] = true
	}
	var add []string
	for _, n := range names {
		if !have[n] {
			add = append(add, n)
			have[n] = true
		}
	}
	if len(add) == 0 {
		return nil
	}
	all := append(append([]string(nil), col.Meta...), add...)
	props := metaProps(all)
	for i := len(col.Meta); i < len(all); i++ {
		p := &propertyJSON{Name: props[i], DataType: []string{"text"}, Tokenization: "field", IndexFilterable: ptr(false), IndexSearchable: ptr(false)}
		if err := col.c.rest(ctx, "add property "+p.Name+" to "+col.Name, http.MethodPost, "/v1/schema/"+url.PathEscape(col.Name)+"/properties", p, nil); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusUnprocessableEntity || !strings.Contains(e.Msg, "already exists") {
				return err
			}
		}
	}
	col.Meta, col.props = all, props
	return col.saveMarker(ctx)
}

// saveMarker rewrites the class description with the current metadata.
func (col *Collection) saveMarker(ctx context.Context) error {
	var cls map[string]any
	path := "/v1/schema/" + url.PathEscape(col.Name)
	if err := col.c.rest(ctx, "collection "+col.Name, http.MethodGet, path, nil, &cls); err != nil {
		return err
	}
	m := marker{Dim: col.Dim, Metric: col.Metric.String()}
	for i, n := range col.Meta {
		m.Meta = append(m.Meta, [2]string{n, col.props[i]})
	}
	desc, _ := json.Marshal(m)
	cls["description"] = descPrefix + string(desc)
	return col.c.rest(ctx, "update collection "+col.Name, http.MethodPut, path, cls, nil)
}

// ensureNumberArray adds a number[] property called prop if the
// collection does not have it.
func (col *Collection) ensureNumberArray(ctx context.Context, prop string) error {
	if t, ok := col.extra[prop]; ok {
		if t != "number[]" {
			return fmt.Errorf("weaviate: collection %q has a property %q of type %s, not number[]", col.Name, prop, t)
		}
		return nil
	}
	if !propRE.MatchString(prop) || prop == PropRow || prop == PropLabel || strings.HasPrefix(prop, metaPrefix) {
		return fmt.Errorf("weaviate: property name %q: use lower-case letters, digits and _, not %q, %q or a name starting with %q", prop, PropRow, PropLabel, metaPrefix)
	}
	p := &propertyJSON{Name: prop, DataType: []string{"number[]"}, IndexFilterable: ptr(false), IndexSearchable: ptr(false)}
	if err := col.c.rest(ctx, "add property "+prop+" to "+col.Name, http.MethodPost, "/v1/schema/"+url.PathEscape(col.Name)+"/properties", p, nil); err != nil {
		var e *Error
		if !errors.As(err, &e) || e.Status != http.StatusUnprocessableEntity || !strings.Contains(e.Msg, "already exists") {
			return err
		}
	}
	col.extra[prop] = "number[]"
	return nil
}

var propRE = regexp.MustCompile(`^[a-z][_0-9a-z]{0,200}$`)

// Drop deletes a collection and its objects. Dropping a collection that
// does not exist is not an error.
func (c *Client) Drop(ctx context.Context, name string) error {
	cname, err := ClassName(name)
	if err != nil {
		return err
	}
	c.forget(cname)
	err = c.rest(ctx, "drop collection "+cname, http.MethodDelete, "/v1/schema/"+url.PathEscape(cname), nil, nil)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// Names lists the collections in the cluster, latent's and others'.
func (c *Client) Names(ctx context.Context) ([]string, error) {
	var s struct {
		Classes []struct {
			Class string `json:"class"`
		} `json:"classes"`
	}
	if err := c.rest(ctx, "list collections", http.MethodGet, "/v1/schema", nil, &s); err != nil {
		return nil, err
	}
	out := make([]string, len(s.Classes))
	for i, cl := range s.Classes {
		out[i] = cl.Class
	}
	return out, nil
}
