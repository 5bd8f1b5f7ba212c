package main

// Code generation, in dependency order: Ent (and the GraphQL schema of its
// types), then gqlgen over all GraphQL schema files.
//go:generate go run ./ent/entc
//go:generate go run github.com/99designs/gqlgen generate
