package ent

// This file is hand-written (not generated): it lets users and organizations
// stand in for each other where GraphQL has the Account union (package
// owners, transfer targets).

// Account is a user or an organization.
type Account interface{ IsAccount() }

// IsAccount marks User as an Account.
func (*User) IsAccount() {}

// IsAccount marks Organization as an Account.
func (*Organization) IsAccount() {}
