package memory_test

import (
	"testing"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/blob/blobtest"
	"github.com/depot-registry/depot/blob/memory"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return memory.New() })
}
