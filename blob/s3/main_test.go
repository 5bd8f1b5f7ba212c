package s3_test

import (
	"os"
	"testing"

	"github.com/depot-registry/depot/blob/s3/s3test"
)

// TestMain shares one S3 server among this package's tests.
func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }
