// Package hexrepo turns Depot's registry data into the exact bytes Hex clients
// (rebar3, mix) fetch from a Hex repository, and reads such bytes back.
//
// A repository serves three kinds of registry resources, each a protobuf
// message wrapped in a signed envelope and gzipped (Hex registry v2):
//
//	/packages/NAME  Package   all releases of one package with deps and retirements
//	/names          Names     every package name (with its last update time)
//	/versions       Versions  every package with its versions and retired indexes
//
// Field numbers mirror hex_core's hex_pb_*.proto exactly; the messages are
// hand-encoded with protowire so no generated code has to be kept in sync.
// Encoding validates what clients silently depend on (for example rebar3
// ignores releases without an outer checksum), so a bad registry fails at
// build time in Depot rather than as a mysterious resolution error on a
// user's machine. Decoding is lenient about unknown fields, as protobuf is,
// so payloads from newer Hex servers still decode.
//
// The package is pure: no HTTP, no database, no clock.
package hexrepo
