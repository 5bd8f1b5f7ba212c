// Package blobtest is the conformance suite that every blob.Store backend
// must pass, so that code written against blob/memory in tests behaves the
// same against blob/local or object storage in production.
package blobtest

import (
	"testing"

	"github.com/depot-registry/depot/blob"
)

// Run runs the suite. newStore must return an empty store; it is called once
// per sub-test so sub-tests cannot see each other's blobs. Checks that need
// to see inside the store (no leftovers after a failed Put) run only when the
// store implements blob.Lister; age-based collection checks run only when it
// implements blob.Collector.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s blob.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"PutSameContentTwice", testPutTwice},
		{"MissingKey", testMissingKey},
		{"InvalidKey", testInvalidKey},
		{"DeleteIsIdempotent", testDelete},
		{"ConcurrentPutsOfSameContent", testConcurrentPuts},
		{"LargeStreamingBlob", testLarge},
		{"CancelledContext", testCancelled},
		{"CancelledMidStream", testCancelledMidStream},
		{"FailingReader", testFailingReader},
		{"NoPartialBlobVisible", testNoPartialBlob},
		{"ListModTime", testListModTime},
		{"DeleteOlder", testDeleteOlder},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newStore(t))
		})
	}
}
