package weaviate_test

import (
	"fmt"

	"github.com/latentlab/latent/weaviate"
)

// Store addresses name one or more nodes; the API key comes from the
// environment, never from the URL.
func ExampleParseURL() {
	cfg, err := weaviate.ParseURL("weaviate://10.0.0.1:8080,10.0.0.2:8080?grpc=50051&timeout=10s")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Hosts)
	fmt.Println(cfg.GRPC)
	fmt.Println(cfg.Timeout)
	// Output:
	// [10.0.0.1:8080 10.0.0.2:8080]
	// [10.0.0.1:50051 10.0.0.2:50051]
	// 10s
}

// Every row of a collection has a fixed object ID, so pushing a row again
// replaces its object. The ID is a standard version-5 UUID; Python gives the
// same: uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL,
// "https://github.com/latentlab/latent/weaviate/object"), "Fashion\x000").
func ExampleObjectID() {
	fmt.Println(weaviate.ObjectID("Fashion", 0))
	fmt.Println(weaviate.ObjectID("Fashion", 0) == weaviate.ObjectID("Fashion", 0))
	fmt.Println(weaviate.ObjectID("Fashion", 0) == weaviate.ObjectID("Fashion", 1))
	// Output:
	// 51aac231-d0ba-56ba-82f7-fcefb156c298
	// true
	// false
}
