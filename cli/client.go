package cli

import "github.com/depot-registry/depot/internal/gqlclient"

// Error is a refusal reported by the server: its message and
// extensions.code.
type Error = gqlclient.Error

// client sends GraphQL operations with the configured key.
type client = gqlclient.Client
