package registry

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/reservation"
)

// checkReservation refuses names and versions an administrator removed
// (seed: they "get automatically reserved and can never be reused").
func checkReservation(ctx context.Context, tx *ent.Tx, r repo, name, version string) error {
	rows, err := tx.Reservation.Query().
		Where(reservation.Repository(r.Name), reservation.Package(name), reservation.VersionIn("", version)).
		All(ctx)
	if err != nil {
		return fmt.Errorf("check reservations: %w", err)
	}
	for _, row := range rows {
		if row.Version == "" {
			return apperr.Invalid("name", "package name %q is reserved and cannot be published", name)
		}
	}
	if len(rows) > 0 {
		return apperr.Invalid("version", "%s %s was removed by an administrator and can never be published again", name, version)
	}
	return nil
}

// reserve records that name (version "" = the whole name) may never be
// published again in r; reserving twice is harmless.
func reserve(ctx context.Context, tx *ent.Tx, r repo, name, version, reason string) error {
	exists, err := tx.Reservation.Query().
		Where(reservation.Repository(r.Name), reservation.Package(name), reservation.Version(version)).
		Exist(ctx)
	if err != nil {
		return fmt.Errorf("check reservation: %w", err)
	}
	if exists {
		return nil
	}
	if err := tx.Reservation.Create().SetRepository(r.Name).SetPackage(name).SetVersion(version).SetReason(reason).Exec(ctx); err != nil {
		return fmt.Errorf("reserve %s %s: %w", name, version, err)
	}
	return nil
}
