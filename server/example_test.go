package server_test

import (
	"fmt"

	"github.com/latentlab/latent/server"
)

func ExampleCheckAddr() {
	fmt.Println(server.CheckAddr("127.0.0.1:8080", ""))
	fmt.Println(server.CheckAddr("0.0.0.0:8080", "") != nil)
	fmt.Println(server.CheckAddr("0.0.0.0:8080", "a-long-random-token"))
	// Output:
	// <nil>
	// true
	// <nil>
}
